namespace SnnConvert.Layers;

/// <summary>Parameter initialisation schemes.</summary>
public static class WeightInit
{
    /// <summary>Kaiming/He normal for ReLU networks (He et al. 2015): N(0, 2 / fanIn), by Box-Muller.</summary>
    public static void KaimingNormal(Span<float> weights, int fanIn, Random random)
    {
        double std = Math.Sqrt(2.0 / fanIn);
        for (int i = 0; i < weights.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            weights[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
