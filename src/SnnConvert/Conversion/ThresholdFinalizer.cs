namespace SnnConvert.Conversion;

/// <summary>
/// Turns raw per-group scale estimates (a maximum or percentile) into usable thresholds. A group whose estimate
/// is not positive never received a positive input during calibration; a zero threshold would make it fire at every
/// step, so it gets the largest threshold of the layer's live groups instead (it can still fire if a test image
/// drives it hard enough). When no group of the layer is live, every threshold is 1 and the layer is reported.
/// </summary>
public static class ThresholdFinalizer
{
    /// <summary>The thresholds and the number of groups that never received a positive input.</summary>
    public static (float[] Thresholds, int Dead) Finalize(ReadOnlySpan<float> raw)
    {
        var thresholds = raw.ToArray();
        float live = 0f;
        foreach (float t in thresholds)
            if (t > 0f && float.IsFinite(t)) live = Math.Max(live, t);
        int dead = 0;
        for (int i = 0; i < thresholds.Length; i++)
        {
            if (thresholds[i] > 0f && float.IsFinite(thresholds[i])) continue;
            thresholds[i] = live > 0f ? live : 1f;
            dead++;
        }
        return (thresholds, dead);
    }
}
