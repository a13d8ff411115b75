using SnnConvert.Cli;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Progress on a standard error that is not a terminal: plain lines, at most one per task per 10 % and per 10 s,
/// and the last state when a task ends.
/// </summary>
public sealed class ProgressLineWriterTests
{
    private sealed class FakeClock
    {
        public TimeSpan Now { get; set; }
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static (ProgressBoard Board, StringWriter Output, FakeClock Clock) Board()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        return (new ProgressBoard(new ProgressLineWriter(output, () => clock.Now)), output, clock);
    }

    [Fact]
    public void A_long_task_refreshed_per_image_gets_one_line_per_ten_percent()
    {
        var (board, output, clock) = Board();
        ProgressItem task = board.AddTask("simulate max-current: 10000 images", maxValue: 10_000);

        for (int done = 1; done <= 10_000; done++)   // one refresh per image, 20 ms apart: 200 s in all
        {
            clock.Now += TimeSpan.FromMilliseconds(20);
            task.Value = done;
        }
        board.StopAll();

        string[] lines = Lines(output);
        Assert.Equal(10, lines.Length);   // 10 %, 20 %, ..., 100 %: each 20 s after the previous
        Assert.Equal("simulate max-current: 10000 images: 10% (1000/10000), 20 s", lines[0]);
        Assert.Equal("simulate max-current: 10000 images: 100% (10000/10000), 200 s", lines[^1]);
    }

    [Fact]
    public void A_fast_task_gets_one_line_per_ten_seconds_and_its_last_state()
    {
        var (board, output, clock) = Board();
        ProgressItem task = board.AddTask("calibrate", maxValue: 1000);

        for (int done = 1; done <= 1000; done++)   // 25 ms apart: 25 s in all, 10 % every 2.5 s
        {
            clock.Now += TimeSpan.FromMilliseconds(25);
            task.Value = done;
        }
        board.StopAll();

        Assert.Equal(["calibrate: 40% (400/1000), 10 s", "calibrate: 80% (800/1000), 20 s", "calibrate: 100% (1000/1000), 25 s"], Lines(output));
    }

    [Fact]
    public void A_task_of_a_few_seconds_writes_only_its_end()
    {
        var (board, output, clock) = Board();
        ProgressItem task = board.AddTask("[grey]epoch 1/15[/] loss [[0.1]]", maxValue: 100);

        for (int done = 1; done <= 100; done++) { clock.Now += TimeSpan.FromMilliseconds(30); task.Value = done; }
        task.StopTask();
        task.StopTask();   // nothing new: no second line

        Assert.Equal(["epoch 1/15 loss [0.1]: 100% (100/100), 3 s"], Lines(output));
    }

    [Fact]
    public void A_slow_task_waits_for_its_next_ten_percent()
    {
        var (board, output, clock) = Board();
        ProgressItem task = board.AddTask("train", maxValue: 1000);

        for (int second = 1; second <= 250; second++)   // 0.1 % per second: 10 % every 100 s
        {
            clock.Now = TimeSpan.FromSeconds(second);
            task.Value = second;
        }

        Assert.Equal(["train: 10% (100/1000), 100 s", "train: 20% (200/1000), 200 s"], Lines(output));
    }

    [Fact]
    public void Tasks_are_throttled_separately()
    {
        var (board, output, clock) = Board();
        ProgressItem a = board.AddTask("a", 10), b = board.AddTask("b", 10);
        for (int i = 1; i <= 10; i++)
        {
            clock.Now += TimeSpan.FromSeconds(10);
            a.Value = i;
            b.Value = i;
        }

        Assert.Equal(10, Lines(output).Count(l => l.StartsWith("a:", StringComparison.Ordinal)));
        Assert.Equal(10, Lines(output).Count(l => l.StartsWith("b:", StringComparison.Ordinal)));
    }
}
