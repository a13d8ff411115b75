using System.Text.Json.Serialization;

namespace SnnConvert.Layers;

/// <summary>
/// Serialisable description of a layer: its type and hyper-parameters, no weights. A network's
/// architecture is a list of these; the model file stores them as JSON with a "type" discriminator.
/// Shapes here are per sample: (C, H, W) or (F).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(NormalizeSpec), "normalize")]
[JsonDerivedType(typeof(Conv2dSpec), "conv2d")]
[JsonDerivedType(typeof(LinearSpec), "linear")]
[JsonDerivedType(typeof(ReluSpec), "relu")]
[JsonDerivedType(typeof(QcfsSpec), "qcfs")]
[JsonDerivedType(typeof(AvgPool2dSpec), "avgpool2d")]
[JsonDerivedType(typeof(MaxPool2dSpec), "maxpool2d")]
[JsonDerivedType(typeof(BatchNorm2dSpec), "batchnorm2d")]
[JsonDerivedType(typeof(BatchNorm1dSpec), "batchnorm1d")]
[JsonDerivedType(typeof(DropoutSpec), "dropout")]
[JsonDerivedType(typeof(Dropout2dSpec), "dropout2d")]
[JsonDerivedType(typeof(FlattenSpec), "flatten")]
public abstract record LayerSpec
{
    /// <summary>Creates the layer with freshly initialised parameters drawn from <paramref name="random"/>.</summary>
    public abstract Layer Build(Random random);

    /// <summary>Per-sample output shape for a per-sample input shape; throws when the input does not fit.</summary>
    public abstract int[] OutputShape(int[] inputShape);

    /// <summary>Multiply-accumulates per sample (0 for layers without weights).</summary>
    public virtual long Macs(int[] inputShape) => 0;

    /// <summary>Number of trainable parameters.</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Short text, e.g. "conv2d 1->12 5x5".</summary>
    public abstract string Describe();

    /// <summary>Throws a shape error naming this layer.</summary>
    protected Exception ShapeError(int[] inputShape, string expected) =>
        new ArgumentException($"{Describe()}: input of shape {Tensors.Tensor.ShapeToText(inputShape)} does not fit, expected {expected}");
}
