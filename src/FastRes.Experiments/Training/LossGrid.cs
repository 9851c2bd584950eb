namespace FastRes.Experiments.Training;

/// <summary>
/// Li et al. Figures 5–6 plot spectra "at different losses": "for each run, eigenvalues at different losses are
/// calculated using linear interpolation". A run's (loss, value) pairs along its trajectory are resampled at common
/// losses, then averaged over runs.
/// </summary>
public static class LossGrid
{
    /// <summary>
    /// <paramref name="count"/> losses spaced evenly in log10 between <paramref name="low"/> and <paramref name="high"/>
    /// (both &gt; 0), from high to low (the direction training goes).
    /// </summary>
    public static double[] Logarithmic(double low, double high, int count)
    {
        if (!(low > 0 && high > low) || count < 2) throw new ArgumentException("need 0 < low < high and at least 2 points");
        var grid = new double[count];
        for (int i = 0; i < count; i++) grid[i] = Math.Pow(10, Math.Log10(high) + (Math.Log10(low) - Math.Log10(high)) * i / (count - 1));
        return grid;
    }

    /// <summary>
    /// The value at each grid loss, interpolated linearly in the loss between the trajectory's two neighbouring
    /// points (losses and values in epoch order; where the loss is not monotone, the first crossing counts); NaN where the
    /// run never reached that loss (outside its range).
    /// </summary>
    public static double[] Resample(ReadOnlySpan<double> losses, ReadOnlySpan<double> values, ReadOnlySpan<double> grid)
    {
        if (losses.Length != values.Length) throw new ArgumentException("one value per loss");
        var result = new double[grid.Length];
        for (int g = 0; g < grid.Length; g++)
        {
            result[g] = double.NaN;
            double target = grid[g];
            for (int i = 0; i + 1 < losses.Length; i++)
            {
                double a = losses[i], b = losses[i + 1];
                if ((a - target) * (b - target) > 0 || a == b) continue;
                double t = (target - a) / (b - a);
                result[g] = values[i] + t * (values[i + 1] - values[i]);
                break;
            }
            if (double.IsNaN(result[g]) && losses.Length > 0 && losses[^1] == target) result[g] = values[^1];
        }
        return result;
    }

    /// <summary>Mean and sample standard deviation over runs of one grid point, ignoring runs that never got there (NaN).</summary>
    public static (double Mean, double Std, int Runs) Summarize(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return (double.NaN, double.NaN, 0);
        double mean = finite.Average();
        double std = finite.Count > 1 ? Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Count - 1)) : double.NaN;
        return (mean, std, finite.Count);
    }
}
