using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Commands;

/// <summary>
/// <c>fastres slurm reproduce [--scale …] [--only …] [--data DIR] --shards N --out DIR [--submit [--wait]]</c>: the
/// reproduction spread over a cluster. Every experiment that splits into shards becomes the array job + merge job of
/// <c>fastres slurm run</c>, writing into DIR/slurm/NAME (its merged run lands in DIR/slurm/NAME/merged); one report
/// job, submitted with <c>--dependency=afterok</c> on every merge job, runs <c>fastres reproduce</c> with the same
/// options into DIR, which takes each merged run as that experiment's run (same config_hash), runs the experiments
/// that do not shard itself, and writes the report. An experiment whose merged run is already there is not submitted
/// again, so a rerun after a failure submits only what is missing.
/// </summary>
public static class SlurmReproduceCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("reproduce", "Spread `fastres reproduce` over a Slurm cluster: each shardable experiment as an array job of shards plus a merge job, then one report job after all merges");
        var options = ReproduceCommand.ReproduceOptions.AddTo(command);
        var slurm = SlurmOptions.AddTo(command, "reproduce", withOut: false);
        command.SetAction(parse =>
        {
            var r = options.Read(parse);
            // The scripts run elsewhere and later: every path in them absolute.
            r = r with { OutDir = Path.GetFullPath(r.OutDir), Data = r.Data is null ? null : Path.GetFullPath(r.Data) };
            var job = slurm.Read(parse, "reproduce", [], r.OutDir);
            return Submit(r, job, context);
        });
        return command;
    }

    private static int Submit(ReproduceCommand.Request r, SlurmJobRequest shape, CliContext context)
    {
        string dir = r.OutDir;
        // Every experiment's flags checked before anything is written (a refusal leaves the folder as it was).
        var hashes = r.Experiments.ToDictionary(e => e.Name, e => e.ConfigHashFor(e.ReproduceArgs(r.Scale, r.Data)));
        var sharded = new List<(string Name, SlurmJobRequest Job)>();
        foreach (var e in r.Experiments.Where(e => e.CanMerge))
        {
            string merged = ReproduceCommand.MergedDir(dir, e.Name);
            if (RunFolder.Inspect(merged) is { State: FolderState.Finished } m && m.ConfigHash == hashes[e.Name])
            {
                context.Out.WriteLine($"slurm reproduce: {e.Name} already merged in {merged}; not submitted again");
                continue;
            }
            var job = shape with { Experiment = e.Name, Forwarded = e.ReproduceArgs(r.Scale, r.Data), OutDir = Path.Combine(dir, "slurm", e.Name), Submit = false, Wait = false };
            int code = SlurmJob.Run(job, context);
            if (code != ExitCodes.Ok) return code;
            sharded.Add((e.Name, job));
        }

        string reportPath = Path.Combine(dir, "report.sbatch");
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        AtomicFile.WriteText(reportPath, ReportScript(r, shape, dir, SlurmJob.Launcher()));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(reportPath, (UnixFileMode)0b111_101_101);
        context.Out.WriteLine($"slurm reproduce: wrote {reportPath} (the report job; {sharded.Count} experiment(s) as array jobs, " +
                              $"{r.Experiments.Count - sharded.Count} run by the report job or already merged)");
        if (!shape.Submit)
        {
            context.Out.WriteLine("submit with --submit (each array job, its merge job afterok the array, the report job afterok every merge)");
            return ExitCodes.Ok;
        }

        var merges = new List<string>();
        foreach (var (name, job) in sharded)
        {
            string array = SlurmJob.Sbatch(["--parsable", Path.Combine(job.OutDir, "job.sbatch")]);
            string merge = SlurmJob.Sbatch(["--parsable", $"--dependency=afterok:{array}", Path.Combine(job.OutDir, "merge.sbatch")]);
            context.Out.WriteLine($"slurm reproduce: {name}: array job {array} ({job.Shards} task(s)), merge job {merge}");
            merges.Add(merge);
        }
        List<string> reportArgs = ["--parsable"];
        if (merges.Count > 0) reportArgs.Add("--dependency=afterok:" + string.Join(':', merges));
        reportArgs.Add(reportPath);
        string report = SlurmJob.Sbatch(reportArgs);
        context.Out.WriteLine($"slurm reproduce: report job {report}" + (merges.Count > 0 ? $" (afterok:{string.Join(':', merges)})" : ""));
        context.Out.Flush();
        if (!shape.Wait) return ExitCodes.Ok;

        string state = SlurmJob.WaitFor(report, context);
        string json = Path.Combine(dir, "report.json");
        if (state == "COMPLETED" && File.Exists(json))
        {
            var summary = JsonNode.Parse(File.ReadAllText(json))!["summary"]!;
            context.Out.WriteLine($"slurm reproduce: report job {report} COMPLETED: {summary["claims"]} claims, {summary["holds"]} hold, {summary["does_not_hold"]} do not hold, " +
                                  $"{summary["partly"]} partly, {summary["not_checkable"]} not checkable; {Path.Combine(dir, "index.html")}");
            return ExitCodes.Ok;
        }
        context.Error.WriteLine($"error: slurm: report job {report} ended {state}" + (state == "COMPLETED" ? " without report.json" : "") +
                                $"; see {Path.Combine(dir, "logs")} and each experiment's {Path.Combine(dir, "slurm", "NAME", "logs")}");
        return ExitCodes.RuntimeFailure;
    }

    /// <summary>The report job: <c>fastres reproduce</c> with the same options, reading the merged runs, on one node.</summary>
    internal static string ReportScript(ReproduceCommand.Request r, SlurmJobRequest shape, string dir, string[] launcher)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# The report of `fastres slurm reproduce`: reads the merged runs in {dir}/slurm/NAME/merged, runs the experiments that do");
        s.AppendLine("# not shard, and writes index.html, report.md and report.json. Submitted afterok every merge job; rerunning it is safe.");
        s.AppendLine("#SBATCH --job-name=fastres-report");
        s.AppendLine($"#SBATCH --cpus-per-task={shape.CpusPerTask}");
        s.AppendLine("#SBATCH --ntasks=1");
        s.AppendLine($"#SBATCH --output={SlurmJob.SbatchOutput(dir, "report.out")}");
        if (shape.Partition is not null) s.AppendLine($"#SBATCH --partition={shape.Partition}");
        if (shape.Time is not null) s.AppendLine($"#SBATCH --time={shape.Time}");
        s.AppendLine("set -euo pipefail");
        s.AppendLine($"fastres=({string.Join(' ', launcher.Select(SlurmJob.Sh))})");
        var args = new List<string> { "reproduce", "--scale", ReproduceCommand.Token(r.Scale) };
        if (r.Only is not null) args.AddRange(["--only", r.Only]);
        if (r.Data is not null) args.AddRange(["--data", r.Data]);
        args.AddRange(["--out", dir]);
        s.AppendLine("exec \"${fastres[@]}\" " + string.Join(' ', args.Select(SlurmJob.Sh)));
        return s.ToString();
    }
}
