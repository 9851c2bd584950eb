using System.CommandLine;
using System.Globalization;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using FastRes.Experiments.Statistics;

namespace FastRes.Cli.Commands;

/// <summary>
/// `fastres bench peak|mc|smoke|eig|hessian|train|sampled`: the quick profiler of SPEC §5. Every figure is measured in this process, so
/// ratios (vector vs scalar, float vs double) and fractions of the machine's own FMA peak are side by side;
/// BenchmarkDotNet in bench/ is the rigorous counterpart.
/// </summary>
public static partial class BenchCommand
{
    /// <summary>The measurements the command runs; tests substitute fast fakes.</summary>
    internal sealed record Profiler(
        Func<int, IReadOnlyList<BenchResult>> Peak,
        Func<IReadOnlyList<int>, int, IReadOnlyList<BenchResult>> MonteCarlo,
        Func<IReadOnlyList<int>, int, IReadOnlyList<BenchResult>> SmokeMonteCarlo,
        Func<MachineInfo> Machine)
    {
        public static readonly Profiler Real = new(
            KernelProfiler.Peak, KernelProfiler.MonteCarlo, KernelProfiler.SmokeMonteCarlo, KernelProfiler.Machine)
        {
            Eigenvalues = (sizes, threads) => KernelProfiler.Eigenvalues(sizes, threads),
            SmokeEigenvalues = (sizes, threads) => KernelProfiler.Eigenvalues(sizes, threads, sideBySide: false),
            Hessian = (threads, samples) => KernelProfiler.Hessian(threads, samples),
            Slq = KernelProfiler.Slq,
            Training = KernelProfiler.Training,
            TrainingSpectrum = KernelProfiler.TrainingSpectrum,
            TrainingPeer = TorchTrainingPeer.Run,
            MonteCarloAblation = KernelProfiler.MonteCarloAblation,
            Sampled = KernelProfiler.Sampled,
            SampledPeer = TorchSampledPeer.Run,
            OpenProbe = KernelProfiler.OpenProbe,
            StartBuild = ProbeServerProcess.Start,
            FleetProfile = KernelProfiler.FleetProfile,
        };

        public Func<IReadOnlyList<int>, int, IReadOnlyList<BenchResult>> Eigenvalues { get; init; } = (_, _) => [];
        public Func<IReadOnlyList<int>, int, IReadOnlyList<BenchResult>> SmokeEigenvalues { get; init; } = (_, _) => [];
        public Func<int, int, IReadOnlyList<BenchResult>> Hessian { get; init; } = (_, _) => [];
        /// <summary>(request, threads) → SLQ against exact spectra, and the data the Hessians were made on.</summary>
        public SlqProfiler Slq { get; init; } = (SlqRequest _, int _, out string source, CancellationToken _) => { source = ""; return []; };
        /// <summary>(threads, samples, depth) → epoch rates.</summary>
        public Func<int, int, int, IReadOnlyList<BenchResult>> Training { get; init; } = (_, _, _) => [];
        public Func<int, int, int, IReadOnlyList<BenchResult>> TrainingSpectrum { get; init; } = (_, _, _) => [];
        /// <summary>The PyTorch peer of the epoch, run in a child process right after ours.</summary>
        public Func<int, int, int, IReadOnlyList<BenchResult>> TrainingPeer { get; init; } = (_, _, _) => [];
        /// <summary>k → the Monte Carlo step with one piece dropped at a time (`bench mc --ablate`).</summary>
        public Func<int, IReadOnlyList<MonteCarloAblationRow>> MonteCarloAblation { get; init; } = _ => [];
        /// <summary>(request, threads) → the sampled engine per SIMD path and n (`bench sampled`).</summary>
        public Func<SampledRequest, int, IReadOnlyList<BenchResult>> Sampled { get; init; } = (_, _) => [];
        /// <summary>The PyTorch peer of the sampled step, run in a child process right after ours.</summary>
        public Func<SampledRequest, int, IReadOnlyList<BenchResult>> SampledPeer { get; init; } = (_, _) => [];
        /// <summary>(kernels, seconds, clock) → the regression gate's probe in this process (`bench probe`).</summary>
        public Func<IReadOnlyList<string>, double, ProbeClock, IProbeSampler> OpenProbe { get; init; } = (_, _, _) => throw new InvalidOperationException("no probe");
        /// <summary>(fastres.dll, kernels, seconds, clock) → another build's probe, serving samples on request (`bench compare --builds`).</summary>
        public Func<string, IReadOnlyList<string>, double, ProbeClock, IProbeSampler> StartBuild { get; init; } = (_, _, _, _) => throw new InvalidOperationException("no build runner");
        /// <summary>threads → the per-node profile of `bench fleet profile`.</summary>
        public Func<int, IReadOnlyList<BenchResult>> FleetProfile { get; init; } = _ => [];
        /// <summary>Where `bench probe --serve` reads its requests.</summary>
        public Func<TextReader> Input { get; init; } = () => Console.In;
    }

    /// <summary>
    /// Exit codes: 0 done, 1 a perf regression (smoke), 2 bad input, 3 the measurement itself failed. The host's
    /// runtime-failure code is 1 (Hosting/ExitCodes); bench keeps failures on 3 so that CI never mistakes a
    /// crash for a regression, or the reverse.
    /// </summary>
    internal const int Ok = 0, Regressed = 1, BadInput = 2, Failed = 3;

    /// <summary>The k the smoke check measures (SPEC §5's target problem p = 8, k = 16).</summary>
    internal const int SmokeK = 16;

    /// <summary>The matrix size of the smoke check's eigenvalue ratio (FastRes vs LAPACK dsyevd).</summary>
    internal const int SmokeEigenN = 800;

    public static Command Create() => Create(Profiler.Real);

    internal static Command Create(Profiler profiler)
    {
        var bench = new Command("bench", "Measure kernel throughput, as rates and as fractions of this machine's FMA peak.");

        var peakThreads = ThreadsOption("all cores");
        var peakJson = JsonOption();
        var peakRepeat = RepeatOption();
        var peak = new Command("peak", "Peak FMA throughput (GFLOP/s), double and float, on 1 thread and on N.") { peakThreads, peakRepeat, peakJson };
        peak.SetAction(r => Guard(r, () =>
        {
            int threads = ParseThreads(r.GetValue(peakThreads), Environment.ProcessorCount);
            int repeat = ParseRepeat(r.GetValue(peakRepeat));
            string? json = ParseJsonPath(r.GetValue(peakJson));
            var results = BenchRepetitions.Measure(repeat, () => profiler.Peak(threads));
            return Report(r, profiler.Machine(), results, results, json);
        }));

        var mcSizes = new Option<string>("--sizes") { HelpName = "K,K,...", Description = "Comma-separated k values (p = 8, method resnet).", DefaultValueFactory = _ => "16" };
        var mcThreads = ThreadsOption("all cores");
        var mcJson = JsonOption();
        var mcAblate = new Option<bool>("--ablate") { Description = "Also time the step with one piece dropped at a time (1 thread, thread CPU time): what bounds it." };
        var mcRepeat = RepeatOption();
        var mc = new Command("mc", "Monte Carlo trial-iterations/s per SIMD path and precision, with the peak it is quoted against.") { mcSizes, mcThreads, mcRepeat, mcJson, mcAblate };
        mc.SetAction(r => Guard(r, () =>
        {
            var sizes = ParseSizes(r.GetValue(mcSizes));
            if (r.GetValue(mcAblate))
            {
                var onePeak = KernelProfiler.AblationPeak();
                foreach (int k in sizes) r.InvocationConfiguration.Output.Write(KernelProfiler.FormatAblation(profiler.MonteCarloAblation(k), onePeak, k));
            }
            int threads = ParseThreads(r.GetValue(mcThreads), Environment.ProcessorCount);
            int repeat = ParseRepeat(r.GetValue(mcRepeat));
            string? json = ParseJsonPath(r.GetValue(mcJson));
            var results = BenchRepetitions.Measure(repeat, () => [.. profiler.Peak(threads), .. profiler.MonteCarlo(sizes, threads)]);
            var peaks = results.Where(x => x.Kernel == KernelProfiler.PeakKernel).ToList();
            return Report(r, profiler.Machine(), results, peaks, json);
        }));

        var baseline = new Option<string>("--baseline") { HelpName = "FILE", Description = "Bench JSON to compare this run's ratios with (perf-reports/baseline.json)." };
        var writeBaseline = new Option<string>("--write-baseline") { HelpName = "FILE", Description = "Measure and write a new baseline JSON instead of comparing." };
        var tolerance = new Option<string>("--tolerance") { HelpName = "X", Description = "A ratio regresses below baseline × (1 − tolerance).", DefaultValueFactory = _ => Invariant(KernelProfiler.DefaultTolerance) };
        var smokeThreads = ThreadsOption("1");
        var smoke = new Command("smoke", $"Quick CI check of Monte Carlo ratios (p = 8, k = {SmokeK}) against a baseline: exit 0 ok, 1 regression.")
            { baseline, writeBaseline, tolerance, smokeThreads };
        smoke.SetAction(r => Guard(r, () =>
        {
            string? compareWith = r.GetValue(baseline);
            string? writeTo = r.GetValue(writeBaseline);
            if (compareWith is null == writeTo is null)
                throw new BadInputException("--baseline", "give exactly one of --baseline FILE or --write-baseline FILE");
            int threads = ParseThreads(r.GetValue(smokeThreads), 1);
            double tol = ParseTolerance(r.GetValue(tolerance));
            BenchReport? reference = null;
            if (compareWith is not null)
            {
                if (!File.Exists(compareWith)) throw new BadInputException("--baseline", $"file not found: {compareWith}");
                try { reference = BenchReport.Parse(File.ReadAllText(compareWith)); }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                { throw new BadInputException("--baseline", $"cannot read {compareWith}: {e.Message}"); }
            }
            else
            {
                ParseJsonPath(writeTo, "--write-baseline");
            }

            // Monte Carlo paths, plus eigenvalues against LAPACK (when installed) at a size that takes ~0.1 s.
            var results = profiler.SmokeMonteCarlo([SmokeK], threads).Concat(profiler.SmokeEigenvalues([SmokeEigenN], threads)).ToList();
            var output = r.InvocationConfiguration.Output;
            if (writeTo is not null)
            {
                Write(new BenchReport(profiler.Machine(), results), writeTo, "--write-baseline");
                foreach (var ratio in KernelProfiler.Ratios(results))
                    output.WriteLine($"baseline   {ratio.Name}: {ratio.Value.ToString("0.00", CultureInfo.InvariantCulture)}");
                output.WriteLine($"wrote {writeTo}");
                return Ok;
            }
            var lines = KernelProfiler.CompareWithBaseline(results, reference!.Results, tol, out bool regressed);
            foreach (string line in lines) output.WriteLine(line);
            output.WriteLine(regressed ? "perf smoke: REGRESSION" : "perf smoke: ok");
            return regressed ? Regressed : Ok;
        }));

        var eigSizes = new Option<string>("--sizes") { HelpName = "N,N,...", Description = "Matrix sizes.", DefaultValueFactory = _ => "500,1000,2000" };
        var eigThreads = ThreadsOption("all cores");
        var eigJson = JsonOption();
        var eigRepeat = RepeatOption();
        var eig = new Command("eig", "Symmetric eigenvalues (GFLOP/s at 4n³/3): FastRes (default and one-stage paths) beside LAPACK dsyevd and dsyevd_2stage (OpenBLAS) when installed, and FastRes's product kernel.") { eigSizes, eigThreads, eigRepeat, eigJson };
        var slq = AddSlqOptions(eig);
        eig.SetAction(r => Guard(r, () =>
        {
            if (r.GetValue(slq.Enabled)) return RunSlq(r, profiler, slq, eigThreads, eigJson);
            var sizes = ParseSizes(r.GetValue(eigSizes), what: "n", max: 20_000);
            int threads = ParseThreads(r.GetValue(eigThreads), Environment.ProcessorCount);
            int repeat = ParseRepeat(r.GetValue(eigRepeat));
            string? json = ParseJsonPath(r.GetValue(eigJson));
            var results = BenchRepetitions.Measure(repeat, () => [.. profiler.Peak(threads), .. profiler.Eigenvalues(sizes, threads)]);
            var peaks = results.Where(x => x.Kernel == KernelProfiler.PeakKernel).ToList();
            return Report(r, profiler.Machine(), results, peaks, json);
        }));

        var hessianSamples = new Option<string>("--samples") { HelpName = "M", Description = "Samples.", DefaultValueFactory = _ => "10000" };
        var hessianThreads = ThreadsOption("all cores");
        var hessianJson = JsonOption();
        var hessianRepeat = RepeatOption();
        var hessian = new Command("hessian", "Exact Hessian of a depth-16 2-shortcut network, d = 10 (linear and tanh-mid): Hessians/s.") { hessianSamples, hessianThreads, hessianRepeat, hessianJson };
        hessian.SetAction(r => Guard(r, () =>
        {
            var samples = ParseSizes(r.GetValue(hessianSamples), "--samples", "m", 10_000_000);
            if (samples.Count != 1) throw new BadInputException("--samples", "must be one positive integer");
            int threads = ParseThreads(r.GetValue(hessianThreads), Environment.ProcessorCount);
            int repeat = ParseRepeat(r.GetValue(hessianRepeat));
            string? json = ParseJsonPath(r.GetValue(hessianJson));
            var results = BenchRepetitions.Measure(repeat, () => profiler.Hessian(threads, samples[0]));
            return Report(r, profiler.Machine(), results, [], json);
        }));

        var trainSamples = new Option<string>("--samples") { HelpName = "M", Description = "Samples (full batch).", DefaultValueFactory = _ => "10000" };
        var trainDepth = new Option<string>("--depth") { HelpName = "D", Description = "Network depth (layers; 2-shortcut units).", DefaultValueFactory = _ => "16" };
        var trainThreads = ThreadsOption("all cores");
        var trainPeer = new Option<bool>("--peer") { Description = "Also time the same epoch in PyTorch (/usr/bin/python3 bench/peers/train_torch.py, float64, same threads) and print the speed-ups." };
        var trainSpectrum = new Option<bool>("--spectrum") { Description = "Also time a spectrum epoch of training-spectrum: the exact Hessian and its eigenvalues." };
        var trainJson = JsonOption();
        var trainRepeat = RepeatOption();
        var train = new Command("train", "One full-batch training epoch (forward + backward + step) of a 2-shortcut network, d = 10: epochs/s, per-sample and Σ paths.")
            { trainSamples, trainDepth, trainThreads, trainPeer, trainSpectrum, trainRepeat, trainJson };
        train.SetAction(r => Guard(r, () =>
        {
            var samples = ParseSizes(r.GetValue(trainSamples), "--samples", "m", 10_000_000);
            if (samples.Count != 1) throw new BadInputException("--samples", "must be one positive integer");
            var depth = ParseSizes(r.GetValue(trainDepth), "--depth", "D", 1024);
            if (depth.Count != 1 || depth[0] < 2) throw new BadInputException("--depth", "must be one integer from 2 to 1024");
            int threads = ParseThreads(r.GetValue(trainThreads), Environment.ProcessorCount);
            int repeat = ParseRepeat(r.GetValue(trainRepeat));
            string? json = ParseJsonPath(r.GetValue(trainJson));
            bool spectrum = r.GetValue(trainSpectrum), withPeer = r.GetValue(trainPeer);
            var results = BenchRepetitions.Measure(repeat, () =>
            {
                var run = profiler.Peak(threads).Where(p => p.Variant.Contains("/double/", StringComparison.Ordinal)).ToList();
                run.AddRange(profiler.Training(threads, samples[0], depth[0]));
                if (spectrum) run.AddRange(profiler.TrainingSpectrum(threads, samples[0], depth[0]));
                if (withPeer) run.AddRange(profiler.TrainingPeer(threads, samples[0], depth[0]));
                return run;
            });
            var peaks = results.Where(x => x.Kernel == KernelProfiler.PeakKernel).ToList();
            int code = Report(r, profiler.Machine(), results, peaks, json);
            foreach (string line in TorchTrainingPeer.SpeedUps(results)) r.InvocationConfiguration.Output.WriteLine(line);
            return code;
        }));

        bench.Subcommands.Add(peak);
        bench.Subcommands.Add(mc);
        bench.Subcommands.Add(smoke);
        bench.Subcommands.Add(eig);
        bench.Subcommands.Add(hessian);
        bench.Subcommands.Add(train);
        bench.Subcommands.Add(CreateSampled(profiler));
        bench.Subcommands.Add(CreateProbe(profiler));
        bench.Subcommands.Add(CreateCompare(profiler));
        bench.Subcommands.Add(CreateFleet(profiler));
        return bench;
    }

    /// <summary>
    /// Test-only host: parses <paramref name="args"/> against a root holding only this command, reports a parse
    /// error as one line on <paramref name="error"/> with exit 2 (as SPEC §6 asks of the real host), else invokes.
    /// </summary>
    internal static int Invoke(string[] args, TextWriter output, TextWriter error, Profiler? profiler = null)
    {
        var root = new RootCommand("fastres (bench only)") { Create(profiler ?? Profiler.Real) };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"error: {parse.Errors[0].Message}");
            return BadInput;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static Option<string> ThreadsOption(string defaultText)
        => new("--threads") { HelpName = "N", Description = $"Worker threads (default {defaultText})." };

    private static Option<string> RepeatOption()
        => new("--repeat") { HelpName = "N", Description = "Measure N times; each result keeps every repetition's rate as \"samples\" (its rate is their median), for `fastres bench compare`.", DefaultValueFactory = _ => "1" };

    internal static int ParseRepeat(string? text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > BenchRepetitions.MaxRepeat)
            throw new BadInputException("--repeat", $"must be an integer between 1 and {BenchRepetitions.MaxRepeat} (got '{text}')");
        return n;
    }

    private static Option<string> JsonOption()
        => new("--json") { HelpName = "FILE", Description = "Also write the results as JSON (SPEC §5 shape) to this file, atomically." };

    private static int Report(ParseResult r, MachineInfo machine, IReadOnlyList<BenchResult> results,
        IReadOnlyList<BenchResult> peaks, string? json)
    {
        var output = r.InvocationConfiguration.Output;
        output.WriteLine($"{machine.Cpu} · {machine.Cores} cores · {machine.Isa} · {machine.VectorWidth} · {machine.Runtime}");
        output.WriteLine("(absolute rates are only as quiet as the machine; ratios within one run are what compare)");
        output.Write(Table(results, peaks));
        if (json is not null)
        {
            Write(new BenchReport(machine, results), json, "--json");
            output.WriteLine($"wrote {json}");
        }
        return Ok;
    }

    /// <summary>
    /// A plain-text table: kernel, variant, size, rate, unit, fraction of peak; with repetitions also their count and
    /// spread (the median absolute deviation as a share of the median rate).
    /// </summary>
    internal static string Table(IReadOnlyList<BenchResult> results, IReadOnlyList<BenchResult> peaks)
    {
        bool repeated = results.Any(x => x.Samples.Count > 1);
        var header = new List<string> { "kernel", "variant", "size", "rate", "unit", "of peak" };
        if (repeated) header.AddRange(["n", "± MAD"]);
        var rows = new List<string[]> { header.ToArray() };
        foreach (var x in results)
        {
            double? fraction = KernelProfiler.FractionOfPeak(x, peaks);
            var row = new List<string> { x.Kernel, x.Variant, x.Size, Rate(x.Rate), x.Unit,
                fraction is { } f ? (100 * f).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–" };
            if (repeated)
            {
                var samples = x.RateSamples.ToArray();
                double mad = Robust.MedianAbsoluteDeviation(samples) / x.Rate;
                row.AddRange([samples.Length.ToString(CultureInfo.InvariantCulture),
                    double.IsFinite(mad) ? (100 * mad).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–"]);
            }
            rows.Add([.. row]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                // Numbers right-aligned, words left-aligned.
                text.Append(c is 3 or 5 or 6 or 7 ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
                text.Append(c == row.Length - 1 ? "\n" : "  ");
            }
        }
        return text.ToString();
    }

    private static string Rate(double rate) => rate switch
    {
        >= 1e9 => (rate / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
        >= 1e6 => (rate / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (rate / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " k",
        _ => rate.ToString("0.00", CultureInfo.InvariantCulture),
    };

    private static void Write(BenchReport report, string path, string option)
    {
        try { report.WriteAtomically(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BadInputException(option, $"cannot write {path}: {e.Message}"); }
    }

    private static int Guard(ParseResult r, Func<int> body)
    {
        try { return body(); }
        catch (BadInputException e)
        {
            r.InvocationConfiguration.Error.WriteLine($"error: {e.Option}: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One line, as the host reports runtime failures (Hosting/CliApp), but exit 3, not the host's 1.
            r.InvocationConfiguration.Error.WriteLine($"error: bench: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return Failed;
        }
    }

    internal static int ParseThreads(string? text, int fallback)
    {
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > 4096)
            throw new BadInputException("--threads", $"must be an integer between 1 and 4096 (got '{text}')");
        return n;
    }

    internal static IReadOnlyList<int> ParseSizes(string? text, string option = "--sizes", string what = "k", int max = 4096)
    {
        var sizes = new List<int>();
        foreach (string part in (text ?? "").Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1 || k > max)
                throw new BadInputException(option, $"must be a comma-separated list of integers {what} between 1 and {max} (got '{text}')");
            sizes.Add(k);
        }
        return sizes;
    }

    private static double ParseTolerance(string? text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double t) || !(t >= 0 && t < 1))
            throw new BadInputException("--tolerance", $"must be a number in [0, 1) (got '{text}')");
        return t;
    }

    private static string? ParseJsonPath(string? path, string option = "--json")
    {
        if (path is null) return null;
        if (path.Length == 0 || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Directory.Exists(path))
            throw new BadInputException(option, $"must be a file path (got '{path}')");
        return path;
    }

    private static string Invariant(double x) => x.ToString(CultureInfo.InvariantCulture);

    private sealed class BadInputException(string option, string message) : Exception(message)
    {
        public string Option { get; } = option;
    }
}
