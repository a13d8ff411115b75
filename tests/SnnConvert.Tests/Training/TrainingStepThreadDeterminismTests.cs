using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;
using SnnConvert.Kernels;

namespace SnnConvert.Tests.Training;

/// <summary>Training steps give bit-identical weights whether the chunks run on one thread or on the thread pool.</summary>
public sealed class TrainingStepThreadDeterminismTests
{
    [Fact]
    public async Task Training_steps_give_the_same_weights_on_one_thread_and_on_many()
    {
        float[] parallel = Train();
        // Parallel.For schedules on the current scheduler: an exclusive scheduler runs every chunk on one thread.
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        float[] serial = await Task.Factory.StartNew(Train, CancellationToken.None, TaskCreationOptions.None, exclusive);
        Assert.Equal(parallel, serial);
    }

    [Fact]
    public async Task Reusing_layer_buffers_across_steps_changes_no_weight()
    {
        float[] fresh = Train(reuseBuffers: false);
        Assert.Equal(fresh, Train(reuseBuffers: true));
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        float[] serial = await Task.Factory.StartNew(() => Train(reuseBuffers: true), CancellationToken.None, TaskCreationOptions.None, exclusive);
        Assert.Equal(fresh, serial);
    }

    [Fact]
    public async Task Winograd_layers_train_to_the_same_weights_on_one_thread_and_on_many()
    {
        float[] parallel = Train(reuseBuffers: true, winograd: true);
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        float[] serial = await Task.Factory.StartNew(() => Train(reuseBuffers: true, winograd: true), CancellationToken.None,
            TaskCreationOptions.None, exclusive);
        Assert.Equal(parallel, serial);
    }

    private static float[] Train() => Train(reuseBuffers: false);

    private static float[] Train(bool reuseBuffers, bool winograd = false)
    {
        // With 16 channels in and out, the second convolution runs on Winograd F(4x4, 3x3) (WinogradF4Conv3x3: forward, input and weight gradient).
        int mid = winograd ? 16 : 6;
        LayerSpec[] architecture =
        [
            new Conv2dSpec(2, mid, 3, Padding: 1), new BatchNorm2dSpec(mid), new ReluSpec(), new DropoutSpec(0.3f), new AvgPool2dSpec(2),
            new Conv2dSpec(mid, winograd ? 16 : 8, 3, Padding: 1, Bias: true), new ReluSpec(), new AvgPool2dSpec(2),
            new FlattenSpec(), new LinearSpec((winograd ? 16 : 8) * 3 * 3, 5, Bias: true),
        ];
        var network = new Network("tiny", architecture, [2, 12, 12], new Random(3));
        var optimizer = new SgdOptimizer(0.9f, true, 5e-4f);
        var random = new Random(4);
        var images = new Tensor(37, 2, 12, 12);   // 37 images: uneven chunks
        int[] labels = new int[37];
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < images.Length; i++) images.Data[i] = random.NextSingle();
            for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(5);
            Tensor logits = network.Forward(images, new ForwardContext(true, new Random(step)) { ReuseBuffers = reuseBuffers });
            var grad = new Tensor(logits.Shape);
            SoftmaxCrossEntropy.Compute(logits, labels, grad);
            network.ZeroGrad();
            network.Backward(grad);
            optimizer.Step(network.Parameters, 0.05f);
        }
        return network.Parameters.SelectMany(p => p.Value.Data).ToArray();
    }
}
