using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary>
/// `fastres bench fleet profile|collect|submit` (issue 14 item 4): every node of a cluster profiled by one exclusive Slurm
/// job each, the per-node reports combined into one fleet report (<see cref="FleetReport"/>): outliers within each group of
/// like nodes, and reference values per node type that fail the run. Exit codes as the rest of bench: 0 done, 1 a node
/// below its reference, 2 bad input (nothing written), 3 a measurement or Slurm failed.
/// </summary>
public static partial class BenchCommand
{
    /// <summary>The time limit of a node's profiling job unless --time says otherwise (the profile takes ≈ 15 s of it).</summary>
    internal const string DefaultFleetTime = "15:00";

    private static Command CreateFleet(Profiler profiler)
        => new("fleet", "Profile every node of a Slurm cluster (one exclusive job per node) and report outliers and reference failures per node type.")
        {
            CreateFleetProfile(profiler), CreateFleetCollect(), CreateFleetSubmit(),
        };

    private static Command CreateFleetProfile(Profiler profiler)
    {
        var threads = ThreadsOption("all cores");
        var repeat = RepeatOption();
        var outFile = new Option<string>("--out") { HelpName = "FILE", Description = "Write the node's report (bench JSON naming its host, partition and time) here, atomically." };
        var profile = new Command("profile", "The per-node profile a fleet job runs (≈ 15 s): peak, Monte Carlo, eigenvalues, exact Hessian and STREAM-triad memory bandwidth.")
            { threads, repeat, outFile };
        profile.SetAction(r => Guard(r, () =>
        {
            int n = ParseThreads(r.GetValue(threads), 0);
            int reps = ParseRepeat(r.GetValue(repeat));
            string? path = ParseJsonPath(r.GetValue(outFile), "--out");
            var results = BenchRepetitions.Measure(reps, () => profiler.FleetProfile(n));
            var machine = profiler.Machine() with { Partition = Environment.GetEnvironmentVariable("SLURM_JOB_PARTITION") ?? "" };
            int code = Report(r, machine, results, [.. results.Where(x => x.Kernel == KernelProfiler.PeakKernel)], null);
            if (path is not null)
            {
                Write(new BenchReport(machine, results) { MeasuredAt = DateTimeOffset.UtcNow }, path, "--out");
                r.InvocationConfiguration.Output.WriteLine($"wrote {path}");
            }
            return code;
        }));
        return profile;
    }

    private static Option<string> FleetKOption()
        => new("--k") { HelpName = "K", Description = "Outlier band: median ± max(K·1.4826·MAD, 5% of median) of the node's group.", DefaultValueFactory = _ => Invariant(FleetRule.DefaultK) };

    private static Option<string> FleetReferenceOption()
        => new("--reference") { HelpName = "FILE", Description = "Reference values per node type: {\"node_types\": {TYPE: {KERNEL: {VARIANT: {\"rate\": R, \"tolerance\": T}}}}}; a node below R × (1 − T) fails the run (exit 1)." };

    private static Command CreateFleetCollect()
    {
        var reports = new Argument<string[]>("REPORTS") { Description = "Per-node bench JSONs, or folders of them (*.json).", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { HelpName = "DIR", Description = "Folder for fleet.json, fleet.md, fleet.png and fleet.svg.", Required = true };
        var reference = FleetReferenceOption();
        var k = FleetKOption();
        var collect = new Command("collect", "Combine per-node reports into one fleet report: per node its CPU, rates, fraction of peak, ratio to its group's median, outliers and reference failures.")
            { reports, outDir, reference, k };
        collect.SetAction(r => Guard(r, () =>
        {
            var rule = new FleetRule(ParseK(r.GetValue(k)));
            string dir = ParseOutDir(r.GetValue(outDir));
            var (refs, refSource) = ReadReferences(r.GetValue(reference));
            FleetReport report;
            try { report = FleetReport.Build(ReadFleetReports(r.GetValue(reports) ?? []), rule, refs, refSource); }
            catch (InvalidDataException e) { throw new BadInputException("REPORTS", e.Message); }
            WriteFleet(report, dir);
            var output = r.InvocationConfiguration.Output;
            foreach (string line in report.Summary()) output.WriteLine(line);
            output.WriteLine($"wrote {Path.Combine(dir, "fleet.json")}, fleet.md, fleet.png, fleet.svg");
            return report.Failed ? Regressed : Ok;
        }));
        return collect;
    }

    private static Command CreateFleetSubmit()
    {
        var partitions = new Option<string>("--partitions") { HelpName = "P1,P2", Description = "Partitions whose nodes to profile (their nodes from sinfo); default the cluster's default partition." };
        var nodelist = new Option<string>("--nodelist") { HelpName = "N1,N2", Description = "Profile these nodes (with several --partitions, each in the first one sinfo lists it in)." };
        var outDir = new Option<string>("--out") { HelpName = "DIR", Description = "Fleet folder: jobs/NODE.sbatch, collect.sbatch, reports/NODE.json, logs/, fleet/.", Required = true };
        var time = new Option<string>("--time") { HelpName = "T", Description = $"Time limit of each node's job, Slurm syntax (default {DefaultFleetTime}).", DefaultValueFactory = _ => DefaultFleetTime };
        var threads = ThreadsOption("all cores of the node");
        var repeat = RepeatOption();
        var reference = FleetReferenceOption();
        var k = FleetKOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Write the scripts only; print the commands that would submit them." };
        var wait = new Option<bool>("--wait") { Description = "Wait for the collect job and print the fleet summary (exit 1 when a node fails its reference)." };
        var submit = new Command("submit", "Submit one exclusive profiling job per node (`bench fleet profile`) and a collect job afterok all of them.")
            { partitions, nodelist, outDir, time, threads, repeat, reference, k, dryRun, wait };
        submit.SetAction(r => Guard(r, () =>
        {
            var parts = ParseWords(r.GetValue(partitions), "--partitions", "partition");
            var nodes = ParseWords(r.GetValue(nodelist), "--nodelist", "node");
            string? limit = r.GetValue(time);
            if (limit is null || limit.Length == 0 || !limit.All(c => char.IsDigit(c) || c is ':' or '-'))
                throw new BadInputException("--time", $"must be a Slurm time such as 15, 15:00 or 1:00:00 (got \"{limit}\")");
            string? threadText = r.GetValue(threads);
            if (threadText is not null) ParseThreads(threadText, 0);
            int reps = ParseRepeat(r.GetValue(repeat));
            double kValue = ParseK(r.GetValue(k));
            string? refPath = r.GetValue(reference);
            ReadReferences(refPath);
            bool dry = r.GetValue(dryRun), waiting = r.GetValue(wait);
            if (dry && waiting) throw new BadInputException("--wait", "cannot wait for jobs a --dry-run does not submit");
            string dir = ParseOutDir(r.GetValue(outDir));
            if (dir.Any(c => c == '\\' || char.IsControl(c)))
                throw new BadInputException("--out", "must not contain a backslash or a control character (Slurm cannot name a log file there)");
            string reportsDir = Path.Combine(dir, "reports");
            if (Directory.Exists(reportsDir) && Directory.EnumerateFileSystemEntries(reportsDir).Any())
                throw new BadInputException("--out", $"{dir} already holds the reports of a fleet run (collect would mix them with new ones); give a new folder");

            var output = r.InvocationConfiguration.Output;
            var context = new CliContext(output, r.InvocationConfiguration.Error, false, CancellationToken.None);
            List<(string Node, string? Partition)> targets;
            try { targets = FleetTargets(parts, nodes); }
            catch (SlurmException e) { return SlurmFailed(context, e); }
            var job = new FleetJob(dir, limit, threadText, reps, kValue, refPath is null ? null : Path.GetFullPath(refPath), SlurmJob.Launcher());
            foreach (string sub in new[] { "jobs", "reports", "logs" }) Directory.CreateDirectory(Path.Combine(dir, sub));
            foreach (var (node, partition) in targets) AtomicFile.WriteText(Path.Combine(dir, "jobs", node + ".sbatch"), FleetNodeScript(job, node, partition));
            string collectPath = Path.Combine(dir, "collect.sbatch");
            AtomicFile.WriteText(collectPath, FleetCollectScript(job, targets.Select(t => t.Partition).FirstOrDefault(p => p is not null)));
            output.WriteLine($"fleet: wrote {targets.Count} node job{(targets.Count == 1 ? "" : "s")} in {Path.Combine(dir, "jobs")} ({string.Join(", ", targets.Select(t => t.Partition is null ? t.Node : $"{t.Node} [{t.Partition}]"))}) and {collectPath}");
            if (dry)
            {
                output.WriteLine($"submit with: ids=(); for f in {SlurmJob.Sh(Path.Combine(dir, "jobs"))}/*.sbatch; do ids+=($(sbatch --parsable \"$f\")); done; " +
                                 $"sbatch --dependency=afterok:$(IFS=:; echo \"${{ids[*]%%;*}}\") {SlurmJob.Sh(collectPath)}");
                return Ok;
            }
            string notFound = $"slurm: sbatch not found on PATH — run `fastres bench fleet submit` on a Slurm login node, or submit {Path.Combine(dir, "jobs")}/*.sbatch and then collect.sbatch there by hand (see --dry-run)";
            var ids = new List<string>();
            try
            {
                foreach (var (node, _) in targets) ids.Add(SlurmJob.Sbatch(["--parsable", Path.Combine(dir, "jobs", node + ".sbatch")], notFound));
                string collectId = SlurmJob.Sbatch(["--parsable", $"--dependency=afterok:{string.Join(':', ids)}", collectPath], notFound);
                output.WriteLine($"fleet: submitted {ids.Count} node job{(ids.Count == 1 ? "" : "s")} ({string.Join(", ", targets.Zip(ids, (t, id) => $"{t.Node} {id}"))}) " +
                                 $"and collect job {collectId} (afterok all)");
                output.Flush();
                if (!waiting) return Ok;
                string state = SlurmJob.WaitFor(collectId, context, "collect job",
                    "NEVER RAN (a node's profiling job failed, so the afterok dependency can never be met; collect job cancelled)");
                return FleetOutcome(dir, state, collectId, targets, output, context.Error);
            }
            catch (SlurmException e) { return SlurmFailed(context, e); }
        }));
        return submit;
    }

    /// <summary>Slurm refused or is missing: one line "error: slurm: …", exit 3 (a failure, not bad input).</summary>
    private static int SlurmFailed(CliContext context, SlurmException e)
    {
        context.Error.WriteLine(e.Message.StartsWith("slurm: ", StringComparison.Ordinal) ? $"error: {e.Message}" : $"error: slurm: {e.Message}");
        return Failed;
    }

    /// <summary>What every script of one fleet submission shares.</summary>
    internal sealed record FleetJob(string Dir, string Time, string? Threads, int Repeat, double K, string? Reference, string[] Launcher);

    /// <summary>A node's job: exclusive on that node, so nothing else runs beside the measurement.</summary>
    internal static string FleetNodeScript(FleetJob job, string node, string? partition)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# fastres bench fleet profile on node {node}{(partition is null ? "" : $" (partition {partition})")}: its report goes to reports/{node}.json.");
        s.AppendLine("# Written by `fastres bench fleet submit`; collect.sbatch combines the reports once every node's job has succeeded.");
        s.AppendLine($"#SBATCH --job-name=fastres-fleet-{node}");
        s.AppendLine($"#SBATCH --nodelist={node}");
        s.AppendLine("#SBATCH --nodes=1");
        s.AppendLine("#SBATCH --ntasks=1");
        s.AppendLine("#SBATCH --exclusive");
        if (partition is not null) s.AppendLine($"#SBATCH --partition={partition}");
        s.AppendLine($"#SBATCH --time={job.Time}");
        s.AppendLine($"#SBATCH --output={SlurmJob.SbatchOutput(job.Dir, node + ".out")}");
        s.AppendLine("set -euo pipefail");
        s.AppendLine($"fastres=({string.Join(' ', job.Launcher.Select(SlurmJob.Sh))})");
        string options = (job.Threads is null ? "" : $" --threads {job.Threads}") + (job.Repeat > 1 ? $" --repeat {job.Repeat}" : "");
        s.AppendLine($"exec \"${{fastres[@]}}\" bench fleet profile{options} --out {SlurmJob.Sh(Path.Combine(job.Dir, "reports", node + ".json"))}");
        return s.ToString();
    }

    internal static string FleetCollectScript(FleetJob job, string? partition)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine("# Combines reports/*.json into fleet/ (fleet.json, fleet.md, fleet.png, fleet.svg). `fastres bench fleet submit` submits it with");
        s.AppendLine("# --dependency=afterok on every node's job. Exit 1 (job FAILED) when a node falls below its reference value.");
        s.AppendLine("#SBATCH --job-name=fastres-fleet-collect");
        s.AppendLine("#SBATCH --ntasks=1");
        s.AppendLine("#SBATCH --cpus-per-task=1");
        if (partition is not null) s.AppendLine($"#SBATCH --partition={partition}");
        s.AppendLine($"#SBATCH --output={SlurmJob.SbatchOutput(job.Dir, "collect.out")}");
        s.AppendLine("set -euo pipefail");
        s.AppendLine($"fastres=({string.Join(' ', job.Launcher.Select(SlurmJob.Sh))})");
        string reference = job.Reference is null ? "" : $" --reference {SlurmJob.Sh(job.Reference)}";
        s.AppendLine($"exec \"${{fastres[@]}}\" bench fleet collect {SlurmJob.Sh(Path.Combine(job.Dir, "reports"))} --out {SlurmJob.Sh(Path.Combine(job.Dir, "fleet"))}" +
                     $"{reference} --k {Invariant(job.K)}");
        return s.ToString();
    }

    /// <summary>
    /// The (node, partition) pairs to profile, each node once: the --nodelist as given when there is at most one partition
    /// (no need to ask Slurm), else every node sinfo lists in each partition, in order, narrowed to the --nodelist if given.
    /// </summary>
    private static List<(string Node, string? Partition)> FleetTargets(IReadOnlyList<string> partitions, IReadOnlyList<string> nodes)
    {
        if (nodes.Count > 0 && partitions.Count <= 1)
            return [.. nodes.Distinct().Select(n => (n, partitions.Count == 1 ? partitions[0] : null))];
        var found = new List<(string Node, string? Partition)>();
        foreach (string? p in partitions.Count == 0 ? new string?[] { null } : partitions.Select(p => (string?)p))
        {
            string[] args = p is null ? ["-N", "-h", "-o", "%N"] : ["-N", "-h", "-p", p, "-o", "%N"];
            var (code, stdout, stderr) = SlurmJob.Exec("sinfo", args,
                "slurm: sinfo not found on PATH — run `fastres bench fleet submit` on a Slurm login node, or name the nodes with --nodelist and one --partitions");
            if (code != 0) throw new SlurmException($"sinfo {string.Join(' ', args)} failed (exit {code}): {ConfigFile.OneLine(stderr + " " + stdout)}");
            foreach (string node in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (found.All(f => f.Node != node) && (nodes.Count == 0 || nodes.Contains(node))) found.Add((node, p));
        }
        var absent = nodes.Where(n => found.All(f => f.Node != n)).ToList();
        if (absent.Count > 0)
            throw new BadInputException("--nodelist", $"{string.Join(", ", absent)} is in none of the partitions {string.Join(", ", partitions)} (sinfo)");
        if (found.Count == 0)
            throw new BadInputException("--partitions", $"sinfo lists no nodes in {(partitions.Count == 0 ? "the default partition" : string.Join(", ", partitions))}");
        return found;
    }

    /// <summary>After --wait: the collect job's log (the fleet summary), and the exit code the fleet report implies.</summary>
    private static int FleetOutcome(string dir, string state, string collectId, List<(string Node, string? Partition)> targets, TextWriter output, TextWriter error)
    {
        string log = Path.Combine(dir, "logs", "collect.out"), json = Path.Combine(dir, "fleet", "fleet.json");
        if (File.Exists(log)) output.Write(File.ReadAllText(log));
        if (File.Exists(json) && state is "COMPLETED" or "FAILED")
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            bool failed = doc.RootElement.GetProperty("failed").GetBoolean();
            output.WriteLine($"fleet: collect job {collectId} {state}; report: {Path.Combine(dir, "fleet", "fleet.md")}");
            if (state == "COMPLETED" || failed) return failed ? Regressed : Ok;
        }
        var missing = targets.Where(t => !File.Exists(Path.Combine(dir, "reports", t.Node + ".json"))).Select(t => t.Node).ToList();
        error.WriteLine($"error: slurm: collect job {collectId} ended {state}" +
                        (missing.Count > 0 ? $"; no report from {string.Join(", ", missing)} (see {Path.Combine(dir, "logs")}/NODE.out)" : "") +
                        $"; collect what there is with: fastres bench fleet collect {SlurmJob.Sh(Path.Combine(dir, "reports"))} --out {SlurmJob.Sh(Path.Combine(dir, "fleet"))}");
        return Failed;
    }

    /// <summary>Every REPORTS argument read and parsed before anything is written (a folder stands for its *.json).</summary>
    private static List<FleetInput> ReadFleetReports(IReadOnlyList<string> paths)
    {
        var inputs = new List<FleetInput>();
        foreach (string path in paths)
        {
            IEnumerable<string> files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*.json").Order(StringComparer.Ordinal)
                : File.Exists(path) ? [path] : throw new BadInputException("REPORTS", $"{path}: no such file or folder");
            foreach (string file in files)
            {
                try { inputs.Add(new FleetInput(file, BenchReport.Parse(File.ReadAllText(file)), File.GetLastWriteTimeUtc(file))); }
                catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
                { throw new BadInputException("REPORTS", $"{file}: {ConfigFile.OneLine(e.Message)}"); }
            }
        }
        if (inputs.Count == 0) throw new BadInputException("REPORTS", $"no *.json report in {string.Join(", ", paths)}");
        return inputs;
    }

    private static (FleetReferences? References, string? Source) ReadReferences(string? path)
    {
        if (path is null) return (null, null);
        try { return (FleetReferences.Parse(File.ReadAllText(path), path), path); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        { throw new BadInputException("--reference", e is InvalidDataException ? e.Message : $"cannot read {path}: {ConfigFile.OneLine(e.Message)}"); }
    }

    /// <summary>fleet.json, fleet.md and the figure, each through a temp file and a rename, once the report is complete.</summary>
    private static void WriteFleet(FleetReport report, string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            AtomicFile.WriteText(Path.Combine(dir, "fleet.json"), report.ToJson());
            AtomicFile.WriteText(Path.Combine(dir, "fleet.md"), report.ToMarkdown());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BadInputException("--out", $"cannot write {dir}: {ConfigFile.OneLine(e.Message)}"); }
        FleetPlot.Save(report, dir);
    }

    private static string ParseOutDir(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || File.Exists(path))
            throw new BadInputException("--out", $"must be a folder path (got '{path}')");
        return Path.GetFullPath(path);
    }

    private static double ParseK(string? text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double k) || !(k > 0 && k <= 100))
            throw new BadInputException("--k", $"must be a number in (0, 100] (got '{text}')");
        return k;
    }

    /// <summary>A comma-separated list of Slurm names (letters, digits, - _ .), none when the option is absent.</summary>
    private static List<string> ParseWords(string? text, string option, string what)
    {
        if (text is null) return [];
        var words = text.Split(',', StringSplitOptions.TrimEntries).ToList();
        if (words.Any(w => w.Length == 0 || !w.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new BadInputException(option, $"must be a comma-separated list of {what} names (letters, digits, - _ .) (got \"{text}\")");
        return words;
    }
}
