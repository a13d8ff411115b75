using SnnConvert.Cli;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>Progress on a standard error that is not a terminal: plain lines, at most one per task per 10 % or per 10 s.</summary>
public sealed class ProgressLineWriterTests
{
    private sealed class FakeClock
    {
        public TimeSpan Now { get; set; }
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Many_fast_updates_give_one_line_per_ten_percent()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var board = new ProgressBoard(new ProgressLineWriter(output, () => clock.Now));
        ProgressItem task = board.AddTask("simulate max-current: 10000 images", maxValue: 10_000);

        for (int done = 1; done <= 10_000; done++)   // one refresh per image, 1 ms apart: 10 s in all
        {
            clock.Now += TimeSpan.FromMilliseconds(1);
            task.Value = done;
        }
        board.StopAll();

        string[] lines = Lines(output);
        Assert.Equal(11, lines.Length);   // the first update (0.01 %), then 10 %, 20 %, ..., 100 %
        Assert.Equal("simulate max-current: 10000 images: 0% (1/10000), 0 s", lines[0]);
        Assert.Equal("simulate max-current: 10000 images: 10% (1000/10000), 1 s", lines[1]);
        Assert.Equal("simulate max-current: 10000 images: 100% (10000/10000), 10 s", lines[^1]);
    }

    [Fact]
    public void A_slow_task_gets_a_line_per_ten_seconds_and_none_while_it_stands_still()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var board = new ProgressBoard(new ProgressLineWriter(output, () => clock.Now));
        ProgressItem task = board.AddTask("calibrate", maxValue: 1000);

        task.Value = 1;                                  // line 1 (first)
        for (int second = 1; second <= 60; second++)     // 0.1 % per second: never a new 10 %, a line each 10 s
        {
            clock.Now = TimeSpan.FromSeconds(second);
            task.Value = 1 + second;
        }
        clock.Now = TimeSpan.FromSeconds(200);
        task.Value = 61;                                 // no movement for 140 s: no line
        board.StopAll();                                 // already reported: no line

        string[] lines = Lines(output);
        Assert.Equal(7, lines.Length);
        Assert.Equal(["1", "11", "21", "31", "41", "51", "61"], lines.Select(l => l.Split('(')[1].Split('/')[0]));
    }

    [Fact]
    public void A_task_stopped_between_lines_gets_its_last_state()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var board = new ProgressBoard(new ProgressLineWriter(output, () => clock.Now));
        ProgressItem task = board.AddTask("[grey]epoch 1/15[/] loss [[0.1]]", maxValue: 100);

        task.Value = 10;
        task.Value = 15;
        task.StopTask();
        task.StopTask();

        Assert.Equal(["epoch 1/15 loss [0.1]: 10% (10/100), 0 s", "epoch 1/15 loss [0.1]: 15% (15/100), 0 s"], Lines(output));
    }

    [Fact]
    public void Tasks_are_throttled_separately()
    {
        var output = new StringWriter();
        var board = new ProgressBoard(new ProgressLineWriter(output, () => TimeSpan.Zero));
        ProgressItem a = board.AddTask("a", 10), b = board.AddTask("b", 10);
        for (int i = 1; i <= 10; i++) { a.Value = i; b.Value = i; }

        Assert.Equal(10, Lines(output).Count(l => l.StartsWith("a:", StringComparison.Ordinal)));
        Assert.Equal(10, Lines(output).Count(l => l.StartsWith("b:", StringComparison.Ordinal)));
    }
}
