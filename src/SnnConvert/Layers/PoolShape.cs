namespace SnnConvert.Layers;

/// <summary>Output shape of a pooling window without padding: floor((H - K) / S) + 1.</summary>
internal static class PoolShape
{
    public static int[] Output(LayerSpec layer, int[] inputShape, int kernel, int stride)
    {
        if (inputShape.Length != 3 || inputShape[1] < kernel || inputShape[2] < kernel || kernel <= 0)
            throw new ArgumentException($"{layer.Describe()}: input of shape {Tensors.Tensor.ShapeToText(inputShape)} does not fit, expected (C, H, W) with H, W >= {kernel}");
        return [inputShape[0], (inputShape[1] - kernel) / stride + 1, (inputShape[2] - kernel) / stride + 1];
    }
}
