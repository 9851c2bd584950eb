using System.CommandLine;
using System.Globalization;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using FastRes.Kernels.Simd;

namespace FastRes.Cli.Commands;

/// <summary>
/// `fastres bench sampled`: GD on n fresh samples per step of the shortcut CNN (issue 13 §1) in sample-trial-iterations/s
/// per SIMD path, with the FMA peak it is quoted against and, with --peer, the PyTorch peer (autograd and hand-written
/// gradients, N threads and 1) in the same run. Kept apart from the other subcommands: its own options, its own table.
/// </summary>
public static partial class BenchCommand
{
    private static Command CreateSampled(Profiler profiler)
    {
        var defaults = SampledRequest.Default;
        var p = new Option<string>("--p") { HelpName = "P", Description = "Patch size p.", DefaultValueFactory = _ => Invariant(defaults.P) };
        var k = new Option<string>("--k") { HelpName = "K", Description = "Number of patches k.", DefaultValueFactory = _ => Invariant(defaults.K) };
        var samples = new Option<string>("--samples") { HelpName = "N,N,...", Description = "Samples per step n (each value is a figure).", DefaultValueFactory = _ => string.Join(',', defaults.Samples) };
        var trials = new Option<string>("--trials") { HelpName = "B", Description = "Trials (teachers), each run for every iteration; the peer batches the same B.", DefaultValueFactory = _ => Invariant(defaults.Trials) };
        var iterations = new Option<string>("--iterations") { HelpName = "T", Description = $"GD steps per trial (default: sized to ~{Invariant(KernelProfiler.SampledSeconds)} s per figure)." };
        var threads = ThreadsOption("all cores");
        var peer = new Option<bool>("--peer") { Description = "Also time the same step in PyTorch (/usr/bin/python3 bench/peers/shortcut_cnn_sampled_torch.py, float64, autograd and hand-written gradients, N threads and 1) and print the speed-ups." };
        var json = JsonOption();
        var repeat = RepeatOption();
        var sampled = new Command("sampled", "GD on n fresh samples per step (shortcut CNN, method resnet, double): sample-trial-iterations/s per SIMD path, GFLOP/s at 6kp per sample-trial-iteration, fraction of peak; --peer adds PyTorch.")
            { p, k, samples, trials, iterations, threads, peer, repeat, json };
        sampled.SetAction(r => Guard(r, () =>
        {
            int One(Option<string> option, string what, int max)
            {
                var values = ParseSizes(r.GetValue(option), option.Name, what, max);
                if (values.Count != 1) throw new BadInputException(option.Name, "must be one positive integer");
                return values[0];
            }
            var request = new SampledRequest(One(p, "p", 4096), One(k, "k", 4096),
                ParseSizes(r.GetValue(samples), "--samples", "n", 10_000_000), One(trials, "B", 1_000_000),
                r.GetValue(iterations) is null ? null : One(iterations, "T", 10_000_000));
            int t = ParseThreads(r.GetValue(threads), Environment.ProcessorCount);
            int times = ParseRepeat(r.GetValue(repeat));
            string? jsonPath = ParseJsonPath(r.GetValue(json));

            bool withPeer = r.GetValue(peer);
            var results = BenchRepetitions.Measure(times, () =>
            {
                var run = profiler.Peak(t).Where(x => x.Variant.Contains("/double/", StringComparison.Ordinal)).ToList();
                run.AddRange(profiler.Sampled(request, t));
                if (withPeer) run.AddRange(profiler.SampledPeer(request, t));
                return run;
            });
            var peaks = results.Where(x => x.Kernel == KernelProfiler.PeakKernel).ToList();

            var output = r.InvocationConfiguration.Output;
            var machine = profiler.Machine();
            output.WriteLine($"{machine.Cpu} · {machine.Cores} cores · {machine.Isa} · {machine.VectorWidth} · {machine.Runtime}");
            output.WriteLine("(absolute rates are only as quiet as the machine; ratios within one run are what compare)");
            foreach (var x in peaks) output.WriteLine($"peak {x.Variant}: {x.Rate.ToString("0.0", CultureInfo.InvariantCulture)} GFLOP/s");
            output.WriteLine($"sampled shortcut CNN, p = {request.P}, k = {request.K}, {request.Trials} trials, method resnet, fresh N(0, 1) samples every step, "
                + $"{KernelProfiler.SampledFlopsPerSampleTrial(request.P, request.K).ToString(CultureInfo.InvariantCulture)} flops per sample-trial-iteration (6kp; normals not counted)");
            foreach (string line in SampledTable(results, peaks)) output.WriteLine(line);
            foreach (string line in SampledSpeedUps(results)) output.WriteLine(line);
            foreach (string line in SampledNormalsShares(results)) output.WriteLine(line);
            if (jsonPath is not null)
            {
                Write(new BenchReport(machine, results), jsonPath, "--json");
                output.WriteLine($"wrote {jsonPath}");
            }
            return Ok;
        }));
        return sampled;
    }

    /// <summary>
    /// The sampled rows side by side: n, trials, variant, rate, GFLOP/s, the fraction of the double peak of the row's
    /// thread count (<see cref="KernelProfiler.SampledFractionOfPeak"/>) and, for FastRes's vector paths, the ratio
    /// over scalar at the same n and threads.
    /// </summary>
    internal static IReadOnlyList<string> SampledTable(IReadOnlyList<BenchResult> results, IReadOnlyList<BenchResult> peaks)
    {
        var rows = new List<string[]> { new[] { "n", "trials", "variant", "rate", "GFLOP/s", "of peak", "× scalar" } };
        // Grouped by n (stable: FastRes's paths, then torch's), so every figure of one n sits together.
        foreach (var x in results.Where(r => r.Kernel == KernelProfiler.SampledKernel).OrderBy(r => SampleCount(r.Size)))
        {
            if (!KernelProfiler.TryParseSampledSize(x.Size, out int p, out int k, out int n, out int trials)) continue;
            double? fraction = KernelProfiler.SampledFractionOfPeak(x, peaks);
            var scalar = BenchVariant.TryParse(x.Variant, out var v) && v.Width != SimdWidth.Scalar
                ? results.FirstOrDefault(r => r.Kernel == x.Kernel && r.Size == x.Size && r.Rate > 0
                                            && r.Variant == (v with { Width = SimdWidth.Scalar }).ToString())
                : null;
            rows.Add([Invariant(n), Invariant(trials), x.Variant, Rate(x.Rate),
                (x.Rate * KernelProfiler.SampledFlopsPerSampleTrial(p, k) / 1e9).ToString("0.00", CultureInfo.InvariantCulture),
                fraction is { } f ? (100 * f).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–",
                scalar is null ? "" : (x.Rate / scalar.Rate).ToString("0.00", CultureInfo.InvariantCulture) + "×"]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        // Numbers right-aligned, the variant left-aligned.
        return rows.Select(row => string.Join("  ", row.Select((cell, c) => c == 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd()).ToList();
    }

    private static int SampleCount(string size) => KernelProfiler.TryParseSampledSize(size, out _, out _, out int n, out _) ? n : 0;

    /// <summary>
    /// Per torch step row, the share of it its normals alone take (the peer's <see cref="TorchSampledPeer.NormalsKernel"/>
    /// row of the same variant and size): "torch manual/double/1t, n = 1024: normals alone 0.150 s of the 0.190 s step (79 %)".
    /// </summary>
    internal static IEnumerable<string> SampledNormalsShares(IReadOnlyList<BenchResult> results)
    {
        foreach (var randn in results.Where(r => r.Kernel == TorchSampledPeer.NormalsKernel).OrderBy(r => SampleCount(r.Size)))
        {
            var step = results.FirstOrDefault(r => r.Kernel == KernelProfiler.SampledKernel && r.Variant == randn.Variant && r.Size == randn.Size);
            if (step is null) continue;
            yield return $"{randn.Variant}, n = {SampleCount(randn.Size)}: normals alone {randn.Seconds.ToString("0.0000", CultureInfo.InvariantCulture)} s "
                + $"of the {step.Seconds.ToString("0.0000", CultureInfo.InvariantCulture)} s step ({(100 * randn.Seconds / step.Seconds).ToString("0", CultureInfo.InvariantCulture)} %)";
        }
    }

    /// <summary>
    /// Per n and torch variant: FastRes's fastest row over that variant's fastest (torch is timed on N threads and on 1,
    /// and the faster is its fair figure): "n = 1024: FastRes Vector512/double/2t ÷ torch manual (1t): 85.3×".
    /// </summary>
    internal static IEnumerable<string> SampledSpeedUps(IReadOnlyList<BenchResult> results)
    {
        static string Threads(BenchResult r) => r.Variant[(r.Variant.LastIndexOf('/') + 1)..];
        var sampled = results.Where(r => r.Kernel == KernelProfiler.SampledKernel && r.Rate > 0).ToList();
        foreach (var size in sampled.Select(r => r.Size).Distinct())
        {
            var ours = sampled.Where(r => r.Size == size && BenchVariant.TryParse(r.Variant, out _)).MaxBy(r => r.Rate);
            if (ours is null || !KernelProfiler.TryParseSampledSize(size, out _, out _, out int n, out _)) continue;
            var torch = sampled.Where(r => r.Size == size && r.Variant.StartsWith("torch-", StringComparison.Ordinal));
            foreach (var variant in torch.GroupBy(r => r.Variant[..r.Variant.IndexOf('/')]))
            {
                var best = variant.MaxBy(r => r.Rate)!;
                yield return $"n = {n}: FastRes {ours.Variant} ÷ torch {variant.Key[(variant.Key.LastIndexOf('-') + 1)..]} ({Threads(best)}): "
                    + (ours.Rate / best.Rate).ToString("0.0", CultureInfo.InvariantCulture) + "×";
            }
        }
    }

    private static string Invariant(int x) => x.ToString(CultureInfo.InvariantCulture);
}
