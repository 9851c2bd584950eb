using FastRes.Experiments.Statistics;

namespace FastRes.Experiments.Profiling;

/// <summary>
/// `--repeat N` of every `fastres bench` measurement (issue 14 item 1): the same measurement run N times in this
/// process, each figure keeping the rate of every repetition as its samples and their median as its rate, so that a
/// saved report can later be compared statistically (<see cref="BenchComparison"/>), not only read.
/// </summary>
public static class BenchRepetitions
{
    /// <summary>Most repetitions one command takes (a guard against a typo, not a statistical limit).</summary>
    public const int MaxRepeat = 10_000;

    /// <summary>Runs <paramref name="measure"/> <paramref name="repeat"/> times and <see cref="Combine"/>s the runs.</summary>
    public static IReadOnlyList<BenchResult> Measure(int repeat, Func<IReadOnlyList<BenchResult>> measure)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repeat, MaxRepeat);
        var runs = new List<IReadOnlyList<BenchResult>>(repeat);
        for (int i = 0; i < repeat; i++) runs.Add(measure());
        return Combine(runs);
    }

    /// <summary>
    /// One result per (kernel, variant, size, unit), in the order of first appearance: samples = every run's samples
    /// of it in run order, rate = their median, seconds = the median of the runs' seconds. A figure missing from some
    /// runs (a peer that failed once) has fewer samples, never a made-up one.
    /// </summary>
    public static IReadOnlyList<BenchResult> Combine(IReadOnlyList<IReadOnlyList<BenchResult>> runs)
    {
        var order = new List<(string, string, string, string)>();
        var groups = new Dictionary<(string, string, string, string), List<BenchResult>>();
        foreach (var run in runs)
            foreach (var r in run)
            {
                var key = (r.Kernel, r.Variant, r.Size, r.Unit);
                if (!groups.TryGetValue(key, out var list)) { groups[key] = list = []; order.Add(key); }
                list.Add(r);
            }
        return [.. order.Select(key =>
        {
            var list = groups[key];
            var samples = list.SelectMany(r => r.RateSamples).ToList();
            return list[0] with
            {
                Rate = Robust.Median(samples),
                Seconds = Robust.Median(list.Select(r => r.Seconds)),
                Samples = samples,
            };
        })];
    }
}
