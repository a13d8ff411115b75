using SnnConvert.Errors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void Cosine_starts_at_base_is_half_at_the_middle_and_reaches_zero()
    {
        var s = LearningRateSchedule.Create("cosine", 0.4f, totalEpochs: 10, stepEpochs: 10, gamma: 0.1f);
        Assert.Equal(0.4f, s.At(0, 0, 100), 1e-7);
        Assert.Equal(0.2f, s.At(5, 0, 100), 1e-6);                      // progress 1/2: cos(pi/2) = 0
        Assert.Equal(0.2f, LearningRateSchedule.Create("cosine", 0.4f, 3, 10, 0.1f).At(1, 50, 100), 1e-6);  // (1 + 50/100) / 3
        Assert.Equal(0.4 * (1 + Math.Cos(Math.PI / 4)) / 2, s.At(2, 50, 100), 1e-6);   // progress 1/4
        Assert.True(s.At(9, 99, 100) < 1e-6, $"last batch: {s.At(9, 99, 100)}");
        Assert.Equal(0f, s.At(10, 0, 100), 1e-7);                       // past the end it stays at 0
        Assert.Equal(0f, s.At(12, 0, 100), 1e-7);

        // Non-increasing over every batch of the run.
        float previous = float.PositiveInfinity;
        for (int e = 0; e < 10; e++)
            for (int b = 0; b < 100; b++)
            {
                float lr = s.At(e, b, 100);
                Assert.True(lr <= previous && lr >= 0, $"epoch {e} batch {b}: {lr} after {previous}");
                previous = lr;
            }
    }

    [Fact]
    public void Step_multiplies_by_gamma_every_step_epochs()
    {
        var s = LearningRateSchedule.Create("step", 0.5f, totalEpochs: 9, stepEpochs: 3, gamma: 0.1f);
        float[] expected = [0.5f, 0.5f, 0.5f, 0.05f, 0.05f, 0.05f, 0.005f, 0.005f, 0.005f];
        for (int e = 0; e < 9; e++)
        {
            Assert.Equal(expected[e], s.At(e, 0, 10), 1e-7);
            Assert.Equal(expected[e], s.At(e, 9, 10), 1e-7);   // constant within an epoch
        }
    }

    [Fact]
    public void Constant_is_constant()
    {
        var s = LearningRateSchedule.Create("constant", 0.01f, 5, 1, 0.5f);
        Assert.All(Enumerable.Range(0, 5), e => Assert.Equal(0.01f, s.At(e, 3, 7)));
    }

    [Fact]
    public void Create_rejects_invalid_settings()
    {
        Assert.Throws<InvalidSettingException>(() => LearningRateSchedule.Create("linear", 0.1f, 5, 1, 0.5f));
        Assert.Throws<InvalidSettingException>(() => LearningRateSchedule.Create("cosine", 0f, 5, 1, 0.5f));
        Assert.Throws<InvalidSettingException>(() => LearningRateSchedule.Create("cosine", float.NaN, 5, 1, 0.5f));
        Assert.Throws<InvalidSettingException>(() => LearningRateSchedule.Create("step", 0.1f, 5, 0, 0.5f));
    }
}
