using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>Updates parameters from their gradients. State (momentum, moments) is exposed for checkpoints.</summary>
public interface IOptimizer
{
    /// <summary>Applies one update with learning rate <paramref name="learningRate"/>.</summary>
    void Step(IReadOnlyList<Parameter> parameters, float learningRate);

    /// <summary>State tensors, named, in a fixed order; restoring copies values into them.</summary>
    IReadOnlyList<(string Name, Tensor Value)> State(IReadOnlyList<Parameter> parameters);

    /// <summary>Number of steps taken (Adam's bias correction needs it).</summary>
    long Steps { get; set; }
}
