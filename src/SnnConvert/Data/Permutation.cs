namespace SnnConvert.Data;

/// <summary>Random orders of dataset indices: each epoch's shuffle and the calibration subset.</summary>
public static class Permutation
{
    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public static int[] Of(int n, Random random)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
