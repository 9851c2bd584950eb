using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary>
/// `fastres bench probe` (the short fixed workloads the regression gate times) and `fastres bench compare` (issue 14
/// item 2): two saved bench JSONs, or two builds measured here interleaved, compared kernel by kernel
/// (<see cref="BenchComparison"/>). Exit 0 when nothing regressed, 1 on a significant regression beyond the threshold,
/// 2 on bad input, 3 when a measurement failed.
/// </summary>
/// <remarks>
/// The builds are measured ABAB… sample by sample: each build runs as one `bench probe --serve` process per round
/// (warmed up once, then idle on its input), and the parent asks A and B in turn for one ≈ 0.1 s sample of a kernel,
/// B first in every other pair so that neither always runs second. A pair is then two measurements a fraction of a
/// second apart, and a slow stretch of a shared machine — which can halve a rate for seconds, CPU clock or not (a
/// VM's stolen time counts as running) — hits both members and cancels in their ratio; the paired test (Wilcoxon's
/// signed rank on the log-ratios) is what makes 10% visible on this noisy 2-core machine. Several rounds, each in
/// fresh processes, take in the process-to-process variation of JIT-compiled code (layout, alignment) that one
/// process per build would mistake for the build's.
/// </remarks>
public static partial class BenchCommand
{
    /// <summary>The default rounds of `compare --builds`: each round is one probe process per build.</summary>
    internal const int DefaultRounds = 3;

    /// <summary>The default pairs of samples per kernel in each round.</summary>
    internal const int DefaultPairs = 10;

    /// <summary>The default repetitions of `bench probe` without --serve.</summary>
    internal const int DefaultProbeRepeat = 5;

    private static Command CreateProbe(Profiler profiler)
    {
        var kernels = KernelsOption();
        var repeat = new Option<string>("--repeat") { HelpName = "N", Description = "Samples per kernel (the kernels take turns within each repetition).", DefaultValueFactory = _ => Invariant(DefaultProbeRepeat) };
        var seconds = SecondsOption();
        var clock = ClockOption();
        var json = JsonOption();
        var serve = new Option<bool>("--serve") { Description = "Set up and warm up, print one JSON line {\"ready\": [figures]}, then answer each kernel name read from standard input with one JSON line {\"id\", \"rate\", \"seconds\"} until \"quit\" or end of input (what `bench compare --builds` drives)." };
        var probe = new Command("probe", "The regression gate's kernels (Monte Carlo double/float at 512 and 256 bits, eigenvalues, exact Hessian tanh-mid, training epoch), 1 thread, short fixed workloads timed N times each; what `bench compare --builds` runs in each build.")
            { kernels, repeat, seconds, clock, serve, json };
        probe.SetAction(r => Guard(r, () =>
        {
            var names = ParseKernels(r.GetValue(kernels));
            int n = ParseRepeat(r.GetValue(repeat));
            double s = ParseSeconds(r.GetValue(seconds));
            var c = ParseClock(r.GetValue(clock));
            string? path = ParseJsonPath(r.GetValue(json));
            using var sampler = profiler.OpenProbe(names, s, c);
            if (r.GetValue(serve))
            {
                ProbeServerProcess.Serve(sampler, profiler.Input(), r.InvocationConfiguration.Output);
                return Ok;
            }
            var samples = sampler.Figures.Select(_ => new List<(double, double)>()).ToArray();
            for (int rep = 0; rep < n; rep++)
                for (int i = 0; i < sampler.Figures.Count; i++) samples[i].Add(sampler.Sample(sampler.Figures[i].Id));
            return Report(r, profiler.Machine(), [.. sampler.Figures.Select((f, i) => f.Result(samples[i]))], [], path);
        }));
        return probe;
    }

    private static Command CreateCompare(Profiler profiler)
    {
        var reports = new Argument<string[]>("A.json B.json") { Description = "Two saved bench JSONs (A the reference, B the candidate); or none, with --builds.", Arity = ArgumentArity.ZeroOrMore };
        var builds = new Option<string[]>("--builds") { HelpName = "A_DLL B_DLL", Description = "Measure two builds' fastres.dll here instead, interleaved, with `bench probe` (A the reference, B the candidate).", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var threshold = new Option<string>("--threshold") { HelpName = "X", Description = "Practical threshold: a change counts only beyond a ratio of 1 ± X.", DefaultValueFactory = _ => Invariant(new BenchCompareOptions().Threshold) };
        var alpha = new Option<string>("--alpha") { HelpName = "P", Description = "Significance level of the Mann–Whitney test.", DefaultValueFactory = _ => Invariant(new BenchCompareOptions().Alpha) };
        var minSamples = new Option<string>("--min-samples") { HelpName = "N", Description = "Fewer samples than this on a side: no test.", DefaultValueFactory = _ => Invariant(new BenchCompareOptions().MinSamples) };
        var rounds = new Option<string>("--rounds") { HelpName = "R", Description = "With --builds: rounds, each in a fresh probe process per build.", DefaultValueFactory = _ => Invariant(DefaultRounds) };
        var repeat = new Option<string>("--pairs") { HelpName = "N", Description = "With --builds: pairs of samples (A, B adjacent) per kernel and round.", DefaultValueFactory = _ => Invariant(DefaultPairs) };
        var kernels = KernelsOption();
        var seconds = SecondsOption();
        var clock = ClockOption();
        var save = new Option<string>("--save") { HelpName = "DIR", Description = "With --builds: also keep both builds' combined measurements there (a.json, b.json) to compare again later." };
        var json = new Option<string>("--json") { HelpName = "FILE", Description = "Also write the comparison as JSON to this file, atomically." };
        var compare = new Command("compare", "Compare two saved measurements, or two builds measured here interleaved: per kernel the ratio of medians with a bootstrap interval, a Mann–Whitney test, a threshold and a verdict. Exit 1 only on a significant regression beyond the threshold.")
            { reports, builds, threshold, alpha, minSamples, rounds, repeat, kernels, seconds, clock, save, json };
        compare.SetAction(r => Guard(r, () =>
        {
            var files = r.GetValue(reports) ?? [];
            var dlls = r.GetValue(builds) is { Length: > 0 } given ? given : null;
            if (dlls is null && files.Length != 2)
                throw new BadInputException("compare", $"give two bench JSONs (A.json B.json) or --builds A_DLL B_DLL (got {files.Length} file(s))");
            if (dlls is not null && files.Length != 0)
                throw new BadInputException("--builds", "measures two builds; leave out the JSON files");
            var options = new BenchCompareOptions(
                ParseFraction(r.GetValue(threshold), "--threshold", "[0, 1)", x => x >= 0 && x < 1),
                ParseFraction(r.GetValue(alpha), "--alpha", "(0, 1)", x => x > 0 && x < 1),
                ParseCount(r.GetValue(minSamples), "--min-samples", 2, 1_000_000));
            string? jsonPath = ParseJsonPath(r.GetValue(json));
            var output = r.InvocationConfiguration.Output;

            IReadOnlyList<BenchResult> a, b;
            string nameA = "A", nameB = "B";
            if (dlls is null)
            {
                a = ReadReport(files[0]).Results;
                b = ReadReport(files[1]).Results;
                output.WriteLine($"A = {files[0]}");
                output.WriteLine($"B = {files[1]}");
            }
            else
            {
                foreach (string dll in dlls)
                    if (!File.Exists(dll)) throw new BadInputException("--builds", $"file not found: {dll}");
                int roundCount = ParseCount(r.GetValue(rounds), "--rounds", 1, 1000);
                int pairs = ParseCount(r.GetValue(repeat), "--pairs", 1, 10_000);
                var names = ParseKernels(r.GetValue(kernels));
                double s = ParseSeconds(r.GetValue(seconds));
                var c = ParseClock(r.GetValue(clock));
                string? saveDir = r.GetValue(save);
                if (saveDir is not null && (saveDir.Length == 0 || File.Exists(saveDir)))
                    throw new BadInputException("--save", $"must be a folder (got '{saveDir}')");
                output.WriteLine($"A = {Path.GetFullPath(dlls[0])}");
                output.WriteLine($"B = {Path.GetFullPath(dlls[1])}");
                (a, b) = MeasureBuilds(profiler.StartBuild, dlls[0], dlls[1], roundCount, pairs, names, s, c, r.InvocationConfiguration.Error);
                if (saveDir is not null)
                {
                    var machine = profiler.Machine();
                    Write(new BenchReport(machine, a), Path.Combine(saveDir, "a.json"), "--save");
                    Write(new BenchReport(machine, b), Path.Combine(saveDir, "b.json"), "--save");
                    output.WriteLine($"wrote {Path.Combine(saveDir, "a.json")} and b.json");
                }
            }
            var comparison = BenchComparison.Compare(a, b, options, paired: dlls is not null);
            if (comparison.Kernels.Count == 0)
                throw new BadInputException("compare", "A and B have no figure in common (kernel, variant, size and unit must match)");
            foreach (string line in comparison.Table(nameA, nameB)) output.WriteLine(line);
            if (jsonPath is not null)
            {
                try
                {
                    if (Path.GetDirectoryName(Path.GetFullPath(jsonPath)) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
                    AtomicFile.WriteText(jsonPath, comparison.ToJson(nameA, nameB));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                { throw new BadInputException("--json", $"cannot write {jsonPath}: {e.Message}"); }
                output.WriteLine($"wrote {jsonPath}");
            }
            output.WriteLine(comparison.Regressed ? "bench compare: REGRESSION" : "bench compare: no regression");
            return comparison.Regressed ? Regressed : Ok;
        }));
        return compare;
    }

    /// <summary>
    /// Both builds' probes, <paramref name="rounds"/> rounds of one fresh process each (started A, B in even rounds and B,
    /// A in odd ones), each round <paramref name="pairs"/> pairs of samples per kernel taken back to back — A then B, or B
    /// then A in every other pair. Sample i of A and sample i of B are a pair; a kernel either build does not measure
    /// (a 512-bit one on a narrower machine) is kept for the side that has it and shows as one-sided.
    /// </summary>
    internal static (IReadOnlyList<BenchResult> A, IReadOnlyList<BenchResult> B) MeasureBuilds(
        Func<string, IReadOnlyList<string>, double, ProbeClock, IProbeSampler> start, string dllA, string dllB,
        int rounds, int pairs, IReadOnlyList<string> kernels, double seconds, ProbeClock clock, TextWriter progress)
    {
        var figuresA = new Dictionary<string, (ProbeFigure Figure, List<(double, double)> Samples)>();
        var figuresB = new Dictionary<string, (ProbeFigure Figure, List<(double, double)> Samples)>();
        for (int round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            IProbeSampler? a = null, b = null;
            try
            {
                IProbeSampler Open(string name, string dll)
                {
                    try { return start(dll, kernels, seconds, clock); }
                    catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
                    { throw new InvalidOperationException($"build {name} ({dll}): {e.Message}", e); }
                }
                if (round % 2 == 0) { a = Open("A", dllA); b = Open("B", dllB); }
                else { b = Open("B", dllB); a = Open("A", dllA); }
                foreach (var f in a.Figures) figuresA.TryAdd(f.Id, (f, []));
                foreach (var f in b.Figures) figuresB.TryAdd(f.Id, (f, []));
                for (int pair = 0; pair < pairs; pair++)
                {
                    foreach (string id in kernels)
                    {
                        bool inA = figuresA.ContainsKey(id) && a.Figures.Any(f => f.Id == id), inB = figuresB.ContainsKey(id) && b.Figures.Any(f => f.Id == id);
                        bool aFirst = (pair + round) % 2 == 0;
                        if (aFirst && inA) figuresA[id].Samples.Add(a.Sample(id));
                        if (inB) figuresB[id].Samples.Add(b.Sample(id));
                        if (!aFirst && inA) figuresA[id].Samples.Add(a.Sample(id));
                    }
                }
            }
            finally
            {
                a?.Dispose();
                b?.Dispose();
            }
            progress.WriteLine($"compare: round {round + 1}/{rounds}: {pairs} pairs of {kernels.Count} kernels in {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }
        static IReadOnlyList<BenchResult> Results(Dictionary<string, (ProbeFigure Figure, List<(double, double)> Samples)> figures)
            => [.. figures.Values.Where(v => v.Samples.Count > 0).Select(v => v.Figure.Result(v.Samples))];
        return (Results(figuresA), Results(figuresB));
    }

    private static BenchReport ReadReport(string path)
    {
        if (!File.Exists(path)) throw new BadInputException("compare", $"file not found: {path}");
        try { return BenchReport.Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        { throw new BadInputException("compare", $"cannot read {path}: {e.Message}"); }
    }

    private static Option<string> KernelsOption()
        => new("--kernels") { HelpName = "K,K,...", Description = $"Probe kernels (default all: {string.Join(',', KernelProfiler.ProbeKernels)}).", DefaultValueFactory = _ => string.Join(',', KernelProfiler.ProbeKernels) };

    private static Option<string> SecondsOption()
        => new("--seconds") { HelpName = "S", Description = "Seconds each probe sample is sized to.", DefaultValueFactory = _ => KernelProfiler.ProbeSeconds.ToString(CultureInfo.InvariantCulture) };

    private static Option<string> ClockOption()
        => new("--clock") { HelpName = "cpu|wall", Description = "Rates per second of process CPU time (time descheduled not counted; default) or of wall time.", DefaultValueFactory = _ => "cpu" };

    private static IReadOnlyList<string> ParseKernels(string? text)
    {
        var names = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        var unknown = names.FirstOrDefault(n => !KernelProfiler.ProbeKernels.Contains(n));
        if (names.Count == 0 || unknown is not null)
            throw new BadInputException("--kernels", $"must be a comma-separated list of {string.Join(", ", KernelProfiler.ProbeKernels)} (got '{text}')");
        return names;
    }

    private static double ParseSeconds(string? text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) || !(s >= 0.001 && s <= 60))
            throw new BadInputException("--seconds", $"must be a number of seconds from 0.001 to 60 (got '{text}')");
        return s;
    }

    private static ProbeClock ParseClock(string? text) => text switch
    {
        "cpu" => ProbeClock.Cpu,
        "wall" => ProbeClock.Wall,
        _ => throw new BadInputException("--clock", $"must be cpu or wall (got '{text}')"),
    };

    private static double ParseFraction(string? text, string option, string range, Func<double, bool> allowed)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !allowed(x))
            throw new BadInputException(option, $"must be a number in {range} (got '{text}')");
        return x;
    }

    private static int ParseCount(string? text, string option, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
            throw new BadInputException(option, $"must be an integer between {min} and {max} (got '{text}')");
        return n;
    }
}
