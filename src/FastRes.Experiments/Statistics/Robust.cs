namespace FastRes.Experiments.Statistics;

/// <summary>
/// Location and scale that a few wild values cannot move: the median and the median absolute deviation. The bench
/// statistics (repetitions, compare, fleet outliers) use them because timing noise on a shared machine is one-sided
/// and heavy-tailed — a descheduled repetition is slow by any amount, never fast by as much.
/// </summary>
public static class Robust
{
    /// <summary>The median (the mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return double.NaN;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    /// <inheritdoc cref="Median(ReadOnlySpan{double})"/>
    public static double Median(IEnumerable<double> values) => Median([.. values]);

    /// <summary>
    /// The median absolute deviation from the median, unscaled (multiply by 1.4826 for a normal σ); NaN for no values.
    /// </summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return double.NaN;
        double median = Median(values);
        var deviations = new double[values.Length];
        for (int i = 0; i < values.Length; i++) deviations[i] = Math.Abs(values[i] - median);
        return Median(deviations);
    }
}
