using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Models;

/// <summary>
/// A feed-forward CNN: a chain of layers from a per-sample input shape (C, H, W) to class scores (K).
/// The architecture (layer specs) is checked at construction: every layer must accept its input shape.
/// </summary>
public sealed class Network
{
    private readonly Layer[] _layers;
    private readonly int _firstTrainable;   // index of the lowest layer with parameters, -1 when none
    private readonly bool[] _fusedRelu;     // [i]: layer i is a batch norm that runs the ReLU at i + 1 in its own passes
    private readonly int[] _fusedPool;      // [i]: and the average pooling at i + 2 with this window (0: none)

    /// <summary>Builds the layers of <paramref name="architecture"/> with parameters initialised from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">A layer does not fit the shape coming out of the previous one, or the output is not a vector.</exception>
    public Network(string name, IReadOnlyList<LayerSpec> architecture, int[] inputShape, Random random)
    {
        Name = name;
        InputShape = (int[])inputShape.Clone();
        var shapes = new List<int[]> { InputShape };
        int[] shape = InputShape;
        foreach (LayerSpec spec in architecture)
        {
            shape = spec.OutputShape(shape);
            shapes.Add(shape);
        }
        if (shape.Length != 1) throw new ArgumentException($"{name}: the last layer must output class scores (K), got {Tensor.ShapeToText(shape)}");
        Architecture = architecture.ToArray();
        LayerShapes = shapes;
        _layers = Architecture.Select(s => s.Build(random)).ToArray();
        _firstTrainable = Array.FindIndex(_layers, l => l.Parameters.Count > 0);
        _fusedRelu = new bool[_layers.Length];
        _fusedPool = new int[_layers.Length];
        for (int i = 0; i + 1 < _layers.Length; i++)
        {
            _fusedRelu[i] = _layers[i] is BatchNormLayer && _layers[i + 1] is ReluLayer;
            // A following non-overlapping pooling that tiles the maps joins them (int[] shapes: the BN's input is shapes[i]).
            if (_fusedRelu[i] && i + 2 < _layers.Length && Architecture[i + 2] is AvgPool2dSpec pool && pool.Kernel == pool.EffectiveStride &&
                pool.Kernel > 1 && LayerShapes[i].Length == 3 && LayerShapes[i][1] % pool.Kernel == 0 && LayerShapes[i][2] % pool.Kernel == 0)
                _fusedPool[i] = pool.Kernel;
        }
    }

    /// <summary>Model name (zoo name or a user's).</summary>
    public string Name { get; }

    /// <summary>Per-sample input shape (C, H, W).</summary>
    public int[] InputShape { get; }

    /// <summary>Number of classes (size of the output).</summary>
    public int ClassCount => LayerShapes[^1][0];

    /// <summary>Layer descriptions in order.</summary>
    public IReadOnlyList<LayerSpec> Architecture { get; }

    /// <summary>Per-sample shapes: the input, then the output of each layer.</summary>
    public IReadOnlyList<int[]> LayerShapes { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Trainable parameters with names "index.name", e.g. "0.weight".</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters =>
        _layers.SelectMany((layer, i) => layer.Parameters.Select(p => ($"{i}.{p.Name}", p)));

    /// <summary>All tensors that define the model's function: parameters then buffers, named "index.name".</summary>
    public IEnumerable<(string Name, Tensor Value)> StateTensors =>
        _layers.SelectMany((layer, i) =>
            layer.Parameters.Select(p => ($"{i}.{p.Name}", p.Value)).Concat(layer.Buffers.Select(b => ($"{i}.{b.Name}", b.Value))));

    /// <summary>All trainable parameters in a fixed order.</summary>
    public IReadOnlyList<Parameter> Parameters => _layers.SelectMany(l => l.Parameters).ToArray();

    /// <summary>Total trainable parameters.</summary>
    public long ParameterCount => Architecture.Sum(s => s.ParameterCount);

    /// <summary>Multiply-accumulates per image of the whole network.</summary>
    public long Macs => Architecture.Select((s, i) => s.Macs(LayerShapes[i])).Sum();

    /// <summary>
    /// Runs the batch (N, C, H, W) through all layers; returns logits (N, K). A batch norm followed by a ReLU (and by an
    /// average pooling of non-overlapping windows) runs as one layer
    /// (<see cref="BatchNormLayer.Forward(Tensor, ForwardContext, bool, int)"/>, the same values), so the ReLU and pooling
    /// layer objects keep no state of this pass.
    /// </summary>
    public Tensor Forward(Tensor input, ForwardContext context)
    {
        if (input.Rank != 4 || !input.Shape.AsSpan(1).SequenceEqual(InputShape))
            throw new ArgumentException($"{Name}: input batch of shape {input.ShapeText} does not match the model's input (N, {string.Join(", ", InputShape)})");
        Tensor x = input;
        for (int i = 0; i < _layers.Length; i++)
        {
            // Batch norm + ReLU (+ average pooling) in one pass (same values); the ReLU and pooling layers themselves do not
            // run, here or in Backward.
            if (_fusedRelu[i])
            {
                x = ((BatchNormLayer)_layers[i]).Forward(x, context, relu: true, pool: Math.Max(1, _fusedPool[i]));
                i += _fusedPool[i] > 0 ? 2 : 1;
            }
            else x = _layers[i].Forward(x, context);
        }
        return x;
    }

    /// <summary>
    /// Back-propagates the loss gradient w.r.t. the logits down to the lowest layer with parameters, accumulating
    /// parameter gradients. The gradient w.r.t. the input images is never needed, so the lowest trainable layer
    /// computes only its parameter gradients and the parameter-free layers below it (e.g. input normalisation) are skipped.
    /// </summary>
    public void Backward(Tensor gradLogits)
    {
        Tensor g = gradLogits;
        for (int i = _layers.Length - 1; i > _firstTrainable; i--)
        {
            // The ReLU (and pooling) of a fused group: its batch norm back-propagates through them.
            if ((i > 0 && _fusedRelu[i - 1]) || (i > 1 && _fusedPool[i - 2] > 0)) continue;
            g = _fusedRelu[i] ? ((BatchNormLayer)_layers[i]).BackwardThroughRelu(g) : _layers[i].Backward(g);
        }
        if (_firstTrainable >= 0)
        {
            if (_fusedRelu[_firstTrainable]) ((BatchNormLayer)_layers[_firstTrainable]).BackwardThroughRelu(g);
            else _layers[_firstTrainable].BackwardParametersOnly(g);
        }
    }

    /// <summary>Zeros all parameter gradients.</summary>
    public void ZeroGrad()
    {
        foreach (Layer layer in _layers) layer.ZeroGrad();
    }
}
