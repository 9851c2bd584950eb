using FastRes.Experiments;
using FastRes.Experiments.Settings;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FastRes.Cli.Hosting;

/// <summary>What <c>fastres slurm run</c> was asked for: the experiment and its forwarded options, and the job's shape.</summary>
public sealed record SlurmJobRequest(string Experiment, IReadOnlyList<string> Forwarded, int Shards, string OutDir,
                                     string? Partition, string? Time, int CpusPerTask, bool Submit, bool Wait);

/// <summary>The Slurm options of <c>fastres slurm run EXPERIMENT</c>, next to the experiment's own.</summary>
public sealed class SlurmOptions
{
    private readonly Option<string> _shards = new("--shards") { Description = "Number of shards = array tasks", HelpName = "N", Required = true };
    private readonly Option<string> _out = new("--out") { Description = "Job folder: job.sbatch, merge.sbatch, shards/I/, merged/, logs/", HelpName = "DIR", Required = true };
    private readonly Option<string> _partition = new("--partition") { Description = "Slurm partition (default: the cluster's default)", HelpName = "P" };
    private readonly Option<string> _time = new("--time") { Description = "Time limit per task, Slurm syntax (e.g. 2:00:00)", HelpName = "T" };
    private readonly Option<string> _cpus = new("--cpus-per-task") { Description = "CPUs per task = fastres --threads (default 1)", HelpName = "C" };
    private readonly Option<bool> _submit = new("--submit") { Description = "Submit both jobs with sbatch and print their ids" };
    private readonly Option<bool> _wait = new("--wait") { Description = "With --submit: wait for the merge job to end and report its state" };

    /// <summary>The options on <paramref name="command"/>; without <paramref name="withOut"/> the command has its own --out (slurm reproduce).</summary>
    public static SlurmOptions AddTo(Command command, string experiment, bool withOut = true)
    {
        var o = new SlurmOptions();
        foreach (Option option in new Option[] { o._shards, o._out, o._partition, o._time, o._cpus, o._submit, o._wait })
            if (withOut || option != o._out) command.Add(option);
        return o;
    }

    public SlurmJobRequest Read(System.CommandLine.ParseResult parse, string experiment, IReadOnlyList<string> forwarded, string? outDir = null)
    {
        int shards = Kinds.Int.Parse("shards", parse.GetValue(_shards)!);
        if (shards < 1 || shards > 1_000_000) throw new BadInputException("--shards", $"must be an integer between 1 and 1000000 (got {shards})");
        int cpus = parse.GetResult(_cpus) is null ? 1 : Kinds.Int.Parse("cpus-per-task", parse.GetValue(_cpus)!);
        if (cpus < 1) throw new BadInputException("--cpus-per-task", $"must be an integer ≥ 1 (got {cpus})");
        string? partition = parse.GetValue(_partition), time = parse.GetValue(_time);
        if (partition is not null && !SafeWord(partition)) throw new BadInputException("--partition", $"must be a partition name (letters, digits, - _ ,) (got \"{partition}\")");
        if (time is not null && !time.All(c => char.IsDigit(c) || c is ':' or '-')) throw new BadInputException("--time", $"must be a Slurm time such as 30, 2:00:00 or 1-00:00:00 (got \"{time}\")");
        bool submit = parse.GetValue(_submit), wait = parse.GetValue(_wait);
        if (wait && !submit) throw new BadInputException("--wait", "needs --submit");
        return new SlurmJobRequest(experiment, forwarded, shards, outDir ?? parse.GetValue(_out)!, partition, time, cpus, submit, wait);
    }

    private static bool SafeWord(string s) => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ',');
}

/// <summary>
/// Writes and submits the Slurm array job of a sharded run (SPEC §7): task i of the array runs
/// <c>fastres run EXPERIMENT OPTIONS --shard i/N --threads $SLURM_CPUS_PER_TASK --out DIR/shards/i</c> (or resumes
/// that shard from its checkpoint if the task runs again), and a merge job, submitted with
/// <c>--dependency=afterok:ARRAY</c>, runs <c>fastres merge DIR/shards/0 … --out DIR/merged</c>. Both scripts call the
/// very fastres that wrote them (the absolute path of this dll, through dotnet).
/// </summary>
/// <remarks>
/// Paths may hold spaces and quotes: in the scripts' bash code every one is a single word (<see cref="Sh"/>, arrays,
/// quoted expansions), and so is every path of a command printed for the user to paste. The <c>#SBATCH</c> lines are
/// not read by bash but by sbatch, which splits them itself, honouring double quotes and backslash escapes; the log
/// path there is also a Slurm filename pattern (%a is the task index), so a literal % is doubled
/// (<see cref="SbatchOutput"/>). Slurm cannot name a log file whose path holds a backslash (any backslash in a
/// filename pattern turns substitution off and is dropped) or a line break (a directive is one line): such a job
/// folder is refused.
/// </remarks>
public static class SlurmJob
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    public static int Run(SlurmJobRequest job, CliContext context)
    {
        string dir = Path.GetFullPath(job.OutDir);
        if (dir.Any(c => c == '\\' || char.IsControl(c)))
            throw new BadInputException("--out", "must not contain a backslash or a control character: Slurm cannot name a log file there " +
                "(a backslash turns its %a substitution off, a line break ends the #SBATCH line)");
        if (File.Exists(dir)) throw new BadInputException("--out", $"{job.OutDir} is a file; give a folder");
        string shardsDir = Path.Combine(dir, "shards");
        string jobPath = Path.Combine(dir, "job.sbatch"), mergePath = Path.Combine(dir, "merge.sbatch");
        if (Directory.Exists(shardsDir) && Directory.EnumerateFileSystemEntries(shardsDir).Any())
            throw new BadInputException("--out", $"{job.OutDir} already holds the shards of a job (tasks there would resume them); " +
                $"give a new folder, or rerun a failed task with: sbatch --array=I {Sh(jobPath)}");
        string[] launcher = Launcher();
        string jobScript = JobScript(job, dir, launcher), mergeScript = MergeScript(job, dir, launcher);

        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "shards"));
            Directory.CreateDirectory(Path.Combine(dir, "logs"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException("--out", $"cannot create folder {job.OutDir}: {ConfigFile.OneLine(e.Message)}");
        }
        AtomicFile.WriteText(jobPath, jobScript);
        AtomicFile.WriteText(mergePath, mergeScript);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(jobPath, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(mergePath, (UnixFileMode)0b111_101_101);
        }
        context.Out.WriteLine($"slurm: wrote {jobPath} (array 0-{job.Shards - 1}) and {mergePath}");
        if (!job.Submit)
        {
            context.Out.WriteLine($"submit with: array=$(sbatch --parsable {Sh(jobPath)}) && sbatch --dependency=afterok:${{array%%;*}} {Sh(mergePath)}");
            return ExitCodes.Ok;
        }

        string arrayId = Sbatch(["--parsable", jobPath]);
        string mergeId = Sbatch(["--parsable", $"--dependency=afterok:{arrayId}", mergePath]);
        context.Out.WriteLine($"slurm: submitted array job {arrayId} ({job.Shards} task(s)) and merge job {mergeId} (afterok:{arrayId})");
        context.Out.Flush();
        if (!job.Wait) return ExitCodes.Ok;

        string state = WaitFor(mergeId, context);
        string merged = Path.Combine(dir, "merged", "results.json");
        if (state == "COMPLETED" && File.Exists(merged))
        {
            context.Out.WriteLine($"slurm: merge job {mergeId} COMPLETED; merged results: {merged}");
            return ExitCodes.Ok;
        }
        context.Error.WriteLine($"error: slurm: merge job {mergeId} ended {state}; see {Path.Combine(dir, "logs")} (a failed shard resumes with: sbatch --array=I {Sh(jobPath)})");
        return ExitCodes.RuntimeFailure;
    }

    /// <summary>How to start this very fastres: the dotnet host that runs us (or the one on PATH) plus this dll's absolute path.</summary>
    public static string[] Launcher()
    {
        string dll = typeof(SlurmJob).Assembly.Location;
        string? host = Environment.ProcessPath;
        if (host is null || !Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.Ordinal))
        {
            string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            host = root is not null && File.Exists(Path.Combine(root, "dotnet")) ? Path.Combine(root, "dotnet")
                : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
        }
        return [host, dll];
    }

    public static string JobScript(SlurmJobRequest job, string dir, string[] launcher)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# fastres {job.Experiment} in {job.Shards} shard(s): array task i runs shard i/{job.Shards} into {dir}/shards/i.");
        s.AppendLine("# Written by `fastres slurm run`; rerun a failed task with: sbatch --array=I THIS_FILE (it resumes from the shard's checkpoint).");
        s.AppendLine($"#SBATCH --job-name=fastres-{job.Experiment}");
        s.AppendLine($"#SBATCH --array=0-{job.Shards - 1}");
        s.AppendLine($"#SBATCH --cpus-per-task={job.CpusPerTask}");
        s.AppendLine("#SBATCH --ntasks=1");
        s.AppendLine($"#SBATCH --output={SbatchOutput(dir, "shard-%a.out")}");
        if (job.Partition is not null) s.AppendLine($"#SBATCH --partition={job.Partition}");
        if (job.Time is not null) s.AppendLine($"#SBATCH --time={job.Time}");
        s.AppendLine("set -euo pipefail");
        s.AppendLine("shard=${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it is an array job)}");
        s.AppendLine("threads=${SLURM_CPUS_PER_TASK:-1}");
        s.AppendLine($"out={Sh(dir)}/shards/$shard");
        s.AppendLine($"fastres=({string.Join(' ', launcher.Select(Sh))})");
        s.AppendLine("if [ -f \"$out/results.json\" ]; then echo \"shard $shard already finished: $out/results.json\"; exit 0; fi");
        string options = string.Concat(job.Forwarded.Select(a => " " + Sh(a)));
        s.AppendLine("if [ -f \"$out/config.json\" ]; then");
        s.AppendLine("  # A previous attempt of this task was stopped (time limit, node failure, scancel): continue it. The options are");
        s.AppendLine("  # repeated so that fastres refuses (exit 2) a folder holding a different run instead of continuing that one.");
        s.AppendLine($"  exec \"${{fastres[@]}}\" run {job.Experiment}{options} --shard \"$shard/{job.Shards}\" --resume \"$out\" --threads \"$threads\"");
        s.AppendLine("fi");
        s.AppendLine($"exec \"${{fastres[@]}}\" run {job.Experiment}{options} --shard \"$shard/{job.Shards}\" --threads \"$threads\" --out \"$out\"");
        return s.ToString();
    }

    public static string MergeScript(SlurmJobRequest job, string dir, string[] launcher)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# Merges the {job.Shards} shard(s) of {dir}/job.sbatch into {dir}/merged. `fastres slurm run --submit` submits it with");
        s.AppendLine("# --dependency=afterok:ARRAY_JOB_ID, so it runs only once every array task has succeeded.");
        s.AppendLine($"#SBATCH --job-name=fastres-{job.Experiment}-merge");
        s.AppendLine("#SBATCH --cpus-per-task=1");
        s.AppendLine("#SBATCH --ntasks=1");
        s.AppendLine($"#SBATCH --output={SbatchOutput(dir, "merge.out")}");
        if (job.Partition is not null) s.AppendLine($"#SBATCH --partition={job.Partition}");
        s.AppendLine("set -euo pipefail");
        s.AppendLine($"fastres=({string.Join(' ', launcher.Select(Sh))})");
        s.AppendLine($"dir={Sh(dir)}");
        // An array, so that each shard folder stays one word whatever the path holds.
        s.AppendLine("shards=()");
        s.AppendLine($"for ((i = 0; i < {job.Shards}; i++)); do shards+=(\"$dir/shards/$i\"); done");
        s.AppendLine("exec \"${fastres[@]}\" merge \"${shards[@]}\" --out \"$dir/merged\"");
        return s.ToString();
    }

    /// <summary>
    /// The value of an <c>#SBATCH --output=</c> line for the log <paramref name="file"/> (a Slurm filename pattern) in
    /// <paramref name="dir"/>/logs: the folder's % doubled so that only the file name's patterns are replaced, the
    /// whole double-quoted with \ and " escaped, as sbatch's own directive parser reads it.
    /// </summary>
    internal static string SbatchOutput(string dir, string file)
        => "\"" + $"{dir.Replace("%", "%%")}/logs/{file}".Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Single-quoted for bash unless plainly safe.</summary>
    public static string Sh(string word)
        => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:,=@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    /// <param name="notFound">What to say when sbatch is not on PATH (default: slurm run's job folder).</param>
    internal static string Sbatch(IReadOnlyList<string> args, string? notFound = null)
    {
        var (code, stdout, stderr) = Exec("sbatch", args, notFound);
        if (code != 0)
            throw new SlurmException($"sbatch {string.Join(' ', args.Select(Sh))} failed (exit {code}): {ConfigFile.OneLine(stderr + " " + stdout)}");
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        string id = stdout.Trim().Split(';')[0];
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new SlurmException($"sbatch printed \"{ConfigFile.OneLine(stdout)}\" where a job id was expected");
        return id;
    }

    private static readonly HashSet<string> Terminal =
    [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
        "REVOKED", "SPECIAL_EXIT",
    ];

    /// <summary>
    /// Polls <c>scontrol show job</c> (works without accounting) until the job reaches a final state; falls back
    /// to <c>sacct</c> once the controller has forgotten it. A merge job whose dependency can never be met (a shard
    /// failed) is cancelled and reported rather than waited on forever.
    /// </summary>
    /// <param name="what">How the waiting notes name the job; <paramref name="neverRan"/>: the state reported when its
    /// dependency can never be met.</param>
    internal static string WaitFor(string jobId, CliContext context, string what = "merge job",
        string neverRan = "NEVER RAN (a shard task failed, so its afterok dependency can never be met; merge job cancelled)")
    {
        var clock = Stopwatch.StartNew();
        TimeSpan nextNote = TimeSpan.FromSeconds(30);
        while (true)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var (code, stdout, _) = Exec("scontrol", ["show", "job", "-o", jobId]);
            if (code == 0)
            {
                string state = Field(stdout, "JobState") ?? "UNKNOWN";
                string reason = Field(stdout, "Reason") ?? "";
                if (Terminal.Contains(state)) return state;
                if (state == "PENDING" && reason == "DependencyNeverSatisfied")
                {
                    Exec("scancel", [jobId]);
                    return neverRan;
                }
                if (clock.Elapsed >= nextNote)
                {
                    context.Error.WriteLine($"slurm: {what} {jobId} {state}{(reason is "" or "None" ? "" : $" ({reason})")}, waited {TrialProgress.Duration(clock.Elapsed)}");
                    nextNote += TimeSpan.FromSeconds(30);
                }
            }
            else
            {
                var (sc, sout, _) = Exec("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "State"]);
                string? state = sc == 0 ? sout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim().Split(' ')[0] : null;
                return state is { Length: > 0 } ? state : "UNKNOWN (the controller no longer knows the job and sacct has no record)";
            }
            Thread.Sleep(PollInterval);
        }
    }

    private static string? Field(string scontrolLine, string name)
    {
        foreach (string part in scontrolLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(name + "=", StringComparison.Ordinal)) return part[(name.Length + 1)..];
        }
        return null;
    }

    /// <param name="notFound">The whole message when <paramref name="program"/> is not on PATH (default: slurm run's).</param>
    internal static (int Code, string Out, string Err) Exec(string program, IReadOnlyList<string> args, string? notFound = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(start) ?? throw new SlurmException($"could not start {program}");
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new SlurmException(notFound ?? $"{program} not found on PATH: run on a Slurm login node, or submit DIR/job.sbatch and DIR/merge.sbatch there by hand");
        }
    }
}

/// <summary>Slurm refused or is unavailable: a runtime failure (exit 1), reported as one line.</summary>
public sealed class SlurmException(string message) : Exception(message);
