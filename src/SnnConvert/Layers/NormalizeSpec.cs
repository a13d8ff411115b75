namespace SnnConvert.Layers;

/// <summary>Fixed per-channel input normalisation (x - mean[c]) / std[c]; part of the model so conversion can fold it.</summary>
public sealed record NormalizeSpec(float[] Mean, float[] Std) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new NormalizeLayer(this);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        // A model file's JSON may leave either out (found by fuzzing: tests/fixtures/fuzz/model/).
        if (Mean is null || Std is null) throw new ArgumentException("normalize: needs \"mean\" and \"std\", one value per channel");
        if (Std.Length != Mean.Length || Mean.Any(m => !float.IsFinite(m)) || Std.Any(s => !(s > 0f && float.IsFinite(s))))
            throw new ArgumentException($"{Describe()}: needs one finite mean and one positive, finite std per channel");
        if (inputShape.Length != 3 || inputShape[0] != Mean.Length) throw ShapeError(inputShape, $"({Mean.Length}, H, W)");
        return inputShape;
    }

    /// <inheritdoc/>
    public override string Describe() => $"normalize mean=[{string.Join(", ", Mean ?? [])}] std=[{string.Join(", ", Std ?? [])}]";

    /// <inheritdoc/>
    public bool Equals(NormalizeSpec? other) => other is not null && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mean.Length, Std.Length);
}
