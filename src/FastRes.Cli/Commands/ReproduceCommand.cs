using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using FastRes.Experiments.Results;

namespace FastRes.Cli.Commands;

/// <summary>
/// <c>fastres reproduce [--scale quick|default|paper] [--only EXP,…] [--data DIR] --out DIR</c>: runs every
/// experiment into DIR/runs/NAME — reusing a finished run whose config_hash matches, resuming an interrupted one from
/// its checkpoint — then writes DIR/index.html, report.md and report.json from the experiments' own verdicts
/// (their claims.json), with the figures the claims show copied into DIR/figures so the report stands alone.
/// An experiment that fails does not stop the others: its claims are reported as not checkable with the error,
/// and the command exits 1 after writing the report.
/// </summary>
public static class ReproduceCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("reproduce", "Run every experiment (reusing finished runs, resuming interrupted ones) and write one report of every claim of the papers: index.html, report.md, report.json");
        var options = ReproduceOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var r = options.Read(parse);
            return Reproduce(r.Experiments, r.Scale, r.Data, r.OutDir, r.Invocation("fastres reproduce"), context);
        });
        return command;
    }

    /// <summary>What a reproduction was asked for, checked: the scale, the experiments in registry order, the data folder and the report folder.</summary>
    internal sealed record Request(ReproduceScale Scale, IReadOnlyList<IExperiment> Experiments, string? Only, string? Data, string OutDir)
    {
        /// <summary>The command line that regenerates the report (as the report quotes it).</summary>
        public string Invocation(string command)
            => $"{command} --scale {Token(Scale)}" + (Only is null ? "" : $" --only {Only}") + (Data is null ? "" : $" --data {SlurmJob.Sh(Data)}") + $" --out {SlurmJob.Sh(OutDir)}";
    }

    /// <summary>The options <c>fastres reproduce</c> and <c>fastres slurm reproduce</c> share.</summary>
    internal sealed class ReproduceOptions
    {
        private readonly Option<string> _scale = new("--scale")
        {
            Description = "quick: every experiment small enough for the whole report in ≤ 10 minutes on 2 cores; default: each experiment's built-in defaults; paper: the papers' protocols where they give them",
            HelpName = "quick|default|paper", DefaultValueFactory = _ => "default",
        };
        private readonly Option<string> _only = new("--only") { Description = $"Only these experiments (comma-separated; of {ExperimentRegistry.Names})", HelpName = "EXP,…" };
        private readonly Option<string> _data = new("--data") { Description = "MNIST IDX folder for the Li et al. experiments (without it they run on synthetic data, as `fastres run` does)", HelpName = "DIR" };
        private readonly Option<string> _out = new("--out") { Description = "Report folder: index.html, report.md, report.json, figures/, runs/NAME, logs/NAME.log", HelpName = "DIR", Required = true };

        public static ReproduceOptions AddTo(Command command)
        {
            var o = new ReproduceOptions();
            foreach (Option option in new Option[] { o._scale, o._only, o._data, o._out }) command.Add(option);
            return o;
        }

        public Request Read(ParseResult parse)
        {
            var scale = ParseScale(parse.GetValue(_scale)!);
            string? only = parse.GetValue(_only);
            var experiments = Select(only);
            string? data = parse.GetValue(_data);
            if (data is not null && (data.Trim().Length == 0 || !Directory.Exists(data)))
                throw new BadInputException("--data", $"{(data.Trim().Length == 0 ? "needs a folder (got an empty path)" : $"{data} is not a folder")}; give the MNIST IDX folder, e.g. ../shared/data/mnist-10k");
            string outDir = parse.GetValue(_out)!;
            if (outDir.Trim().Length == 0) throw new BadInputException("--out", "needs a path (got an empty one)");
            if (File.Exists(outDir)) throw new BadInputException("--out", $"{outDir} is a file; give a folder");
            return new Request(scale, experiments, only, data, outDir);
        }
    }

    internal static ReproduceScale ParseScale(string text) => text switch
    {
        "quick" => ReproduceScale.Quick,
        "default" => ReproduceScale.Default,
        "paper" => ReproduceScale.Paper,
        _ => throw new BadInputException("--scale", $"\"{text}\" is not a scale; allowed: quick, default, paper"),
    };

    internal static string Token(ReproduceScale scale) => scale.ToString().ToLowerInvariant();

    private static List<IExperiment> Select(string? only)
    {
        if (only is null) return [.. ExperimentRegistry.All];
        var names = only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new BadInputException("--only", "needs at least one experiment name");
        foreach (var n in names)
            if (ExperimentRegistry.All.All(e => e.Name != n)) throw new BadInputException("--only", $"unknown experiment \"{n}\"; allowed: {ExperimentRegistry.Names}");
        // Registry order, so the report reads the same whatever order --only gave.
        return ExperimentRegistry.All.Where(e => names.Contains(e.Name)).ToList();
    }

    internal static int Reproduce(IReadOnlyList<IExperiment> experiments, ReproduceScale scale, string? data, string outDir, string invocation, CliContext context)
    {
        var started = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.Combine(outDir, "logs"));
        var reported = new List<ReportedExperiment>();
        for (int i = 0; i < experiments.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var e = experiments[i];
            context.Out.Write($"[{i + 1}/{experiments.Count}] {e.Name} … ");
            context.Out.Flush();
            var r = RunOne(e, scale, data, outDir, context);
            reported.Add(r);
            context.Out.WriteLine((r.Status is RunStatus.Reused or RunStatus.Merged ? $"{StatusWord(r.Status)} (its run took {r.Seconds:0.0} s)" : $"{StatusWord(r.Status)} in {r.Seconds:0.0} s") +
                (r.Status == RunStatus.Failed ? $": {r.Error}" : $": {string.Join(", ", r.Findings.Select(f => ClaimFinding.Name(f.Verdict)))}"));
        }
        var report = new ReproductionReport(Token(scale), invocation, started, total.Elapsed.TotalSeconds, BuildStamp.Version, BuildStamp.GitCommit, Machine(), reported);
        CopyFigures(report, outDir);
        AtomicFile.WriteText(Path.Combine(outDir, "report.json"), report.ToJson().ToJsonString(RunHeader.Indented) + "\n");
        AtomicFile.WriteText(Path.Combine(outDir, "report.md"), report.ToMarkdown());
        AtomicFile.WriteText(Path.Combine(outDir, "index.html"), report.ToHtml());
        context.Out.WriteLine($"reproduce: {report.SummaryLine}; {total.Elapsed.TotalSeconds:0} s; report in {Path.GetFullPath(Path.Combine(outDir, "index.html"))} (report.md, report.json)");
        int failed = reported.Count(r => r.Status == RunStatus.Failed);
        if (failed > 0) context.Error.WriteLine($"error: reproduce: {failed} experiment(s) did not run ({string.Join(", ", reported.Where(r => r.Status == RunStatus.Failed).Select(r => r.Experiment))}); see {Path.Combine(outDir, "logs")}");
        return failed > 0 ? ExitCodes.RuntimeFailure : ExitCodes.Ok;
    }

    private static string StatusWord(RunStatus s) => s switch { RunStatus.Ran => "ran", RunStatus.Reused => "reused", RunStatus.Merged => "merged from Slurm shards", RunStatus.Resumed => "resumed", _ => "FAILED" };

    /// <summary>
    /// One experiment into outDir/runs/NAME: reused when that folder holds a finished run of the same config_hash with
    /// its claims.json; resumed from its checkpoint when it holds an interrupted one of the same config; otherwise run
    /// anew (replacing whatever run the report's own folder held).
    /// </summary>
    private static ReportedExperiment RunOne(IExperiment e, ReproduceScale scale, string? data, string outDir, CliContext context)
    {
        var clock = Stopwatch.StartNew();
        var args = e.ReproduceArgs(scale, data);
        string runDir = Path.Combine(outDir, "runs", e.Name);
        string command = string.Join(' ', new[] { "fastres", "run", e.Name }.Concat(args.Select(SlurmJob.Sh)).Append("--out").Append(SlurmJob.Sh(Path.Combine("runs", e.Name))));
        string? hash = null;
        ReportedExperiment Failed(string why) => new(e.Name, e.Description, RunStatus.Failed, clock.Elapsed.TotalSeconds, command, data, hash, why,
                                                     e.Claims.Select(c => ClaimFinding.NotCheckable(c, $"the run did not complete here: {why}")).ToList());
        try { hash = e.ConfigHashFor(args); }
        catch (BadInputException x) { return Failed($"{x.Field}: {x.Problem}"); }

        var held = RunFolder.Inspect(runDir);
        bool hasClaims = File.Exists(Path.Combine(runDir, RunFolder.ClaimsName));
        RunStatus status;
        List<string> runArgs = ["run", e.Name, .. args];
        string merged = MergedDir(outDir, e.Name);
        if (held.State == FolderState.Finished && held.Experiment == e.Name && held.ConfigHash == hash && (hasClaims || e.Claims.Count == 0))
            status = RunStatus.Reused;
        else if (RunFolder.Inspect(merged) is { State: FolderState.Finished } m && m.Experiment == e.Name && m.ConfigHash == hash &&
                 (File.Exists(Path.Combine(merged, RunFolder.ClaimsName)) || e.Claims.Count == 0))
        {
            // `fastres slurm reproduce` ran it as shards on the cluster and merged them: the merged run is this run.
            status = RunStatus.Merged;
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
            CopyFolder(merged, runDir);
        }
        else if (held.State == FolderState.Interrupted && held.Experiment == e.Name && held.ConfigHash == hash && held.HasJournal)
        {
            status = RunStatus.Resumed;
            runArgs.AddRange(["--resume", runDir]);
        }
        else
        {
            status = RunStatus.Ran;
            runArgs.AddRange(["--out", runDir]);
            if (held.State != FolderState.Empty) runArgs.Add("--force");
        }

        if (status is RunStatus.Ran or RunStatus.Resumed)
        {
            string logPath = Path.Combine(outDir, "logs", e.Name + ".log");
            int code;
            using (var log = new StreamWriter(logPath) { AutoFlush = true })
            {
                log.WriteLine("$ fastres " + string.Join(' ', runArgs.Select(SlurmJob.Sh)));
                var errors = new LastLineWriter(log);
                code = CliApp.Run([.. runArgs], log, errors, context.Cancellation);
                if (code == ExitCodes.Cancelled) throw new OperationCanceledException(context.Cancellation);
                if (code != ExitCodes.Ok) return Failed($"exit {code}: {errors.LastError ?? "see " + logPath}");
            }
        }
        var findings = ReadClaims(e, runDir, out string? problem);
        if (problem is not null) return Failed(problem);
        var (seconds, dataRead) = Header(runDir);
        return new(e.Name, e.Description, status, status is RunStatus.Reused or RunStatus.Merged ? seconds : clock.Elapsed.TotalSeconds, command,
                   dataRead, hash, null, findings);
    }

    /// <summary>Where <c>fastres slurm reproduce</c>'s merge job of <paramref name="experiment"/> writes the merged run.</summary>
    internal static string MergedDir(string outDir, string experiment) => Path.Combine(outDir, "slurm", experiment, "merged");

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith(".fastres.lock", StringComparison.Ordinal)) continue;
            File.Copy(file, Path.Combine(to, name));
        }
    }

    /// <summary>The verdicts in a finished run's claims.json, in the order the experiment declares its claims.</summary>
    internal static IReadOnlyList<ClaimFinding> ReadClaims(IExperiment e, string runDir, out string? problem)
    {
        problem = null;
        if (e.Claims.Count == 0) return [];
        string path = Path.Combine(runDir, RunFolder.ClaimsName);
        try
        {
            var doc = JsonNode.Parse(File.ReadAllText(path))!;
            var found = (doc["claims"] as JsonArray ?? throw new FormatException("no \"claims\" array")).Select(c => ClaimFinding.FromJson(c!)).ToList();
            return e.Claims.Select(c => found.FirstOrDefault(f => f.Claim.Id == c.Id) ?? ClaimFinding.NotCheckable(c, "the run's claims.json does not judge it")).ToList();
        }
        catch (Exception x) when (x is IOException or FormatException or System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            problem = $"{path} is unreadable: {ConfigFile.OneLine(x.Message)}";
            return [];
        }
    }

    /// <summary>A finished run's seconds and the data it read ("source (rows rows)"), from one read of its results.json.</summary>
    private static (double Seconds, string? Data) Header(string runDir)
    {
        var r = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "results.json")));
        double seconds = r?["seconds"] is JsonValue v && v.TryGetValue(out double s) ? s : 0;
        var d = r?["data"];
        string? data = d?["source"] is JsonValue source ? source.GetValue<string>() + (d["rows"] is JsonValue rows ? $" ({rows.ToJsonString()} rows)" : "") : null;
        return (seconds, data);
    }

    /// <summary>Copies each figure a claim shows into outDir/figures/EXP/, so index.html needs nothing outside its folder.</summary>
    private static void CopyFigures(ReproductionReport report, string outDir)
    {
        foreach (var (e, f) in report.Findings)
            foreach (var fig in f.Figures)
            {
                string from = Path.Combine(outDir, "runs", e.Experiment, fig), to = Path.Combine(outDir, ReproductionReport.FigurePath(e.Experiment, fig));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                AtomicFile.WriteBytes(to, File.ReadAllBytes(from));
            }
    }

    private static List<(string, string)> Machine()
    {
        var m = KernelProfiler.Machine();
        var id = CpuIdentity.Current();
        var list = new List<(string, string)> { ("cpu", $"{m.Cpu} — {id.Describe()}"), ("cores", m.Cores.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("isa", m.Isa), ("vector width", m.VectorWidth) };
        if (id.MemoryBytes is { } bytes) list.Add(("memory", $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB"));
        list.AddRange([("runtime", m.Runtime), ("os", m.Os)]);
        return list;
    }

    /// <summary>Passes everything to the log and keeps the last "error:" line, the one-line reason a run failed.</summary>
    private sealed class LastLineWriter(TextWriter inner) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();
        public string? LastError { get; private set; }
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void Write(char value)
        {
            inner.Write(value);
            if (value == '\n')
            {
                string l = _line.ToString().TrimEnd('\r');
                if (l.StartsWith("error: ", StringComparison.Ordinal)) LastError = l["error: ".Length..];
                _line.Clear();
            }
            else _line.Append(value);
        }
    }
}
