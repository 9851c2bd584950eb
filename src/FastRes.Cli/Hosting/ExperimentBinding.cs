using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.CommandLine.Parsing;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;

namespace FastRes.Cli.Hosting;

/// <summary>
/// The one pipeline every <c>fastres run EXPERIMENT</c> follows, so that an experiment only says what is specific
/// to it (settings ↔ config, JSON of the config, runner, writers):
/// defaults → <c>--config</c> file → flags → the config record's Validate() → (nothing written before this point)
/// → output folder + config.json → run with progress → results files → a short table on stdout.
/// </summary>
public abstract class ExperimentBinding<TConfig, TResult> : IExperiment where TConfig : notnull
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public virtual IReadOnlyList<string> SmokeArgs => [];

    /// <summary>The built-in defaults: a quick scale that finishes in seconds to a minute (SPEC §6).</summary>
    public abstract TConfig Defaults { get; }

    /// <summary>Every setting, in --help order; names are the flag names and the --config keys.</summary>
    public abstract IReadOnlyList<FlagSetting<TConfig>> Settings { get; }

    /// <summary>The config record's own Validate(), plus any rule about how this experiment uses it.</summary>
    public abstract IReadOnlyList<ConfigError> Validate(TConfig config);

    /// <summary>Every resolved value under its flag name (readable back by <see cref="ConfigFile"/>).</summary>
    public abstract JsonObject ConfigJson(TConfig config);

    /// <summary>Settings that never change results and stay out of config_hash (shards of one run must share it).</summary>
    public virtual IReadOnlyCollection<string> NotInHash => ["threads", "simd", "shard", "block-trials"];

    /// <summary>Derived values worth recording in config.json next to the config (e.g. step sizes per k).</summary>
    protected virtual void AddDerived(JsonObject configDocument, TConfig config) { }

    /// <summary>Trials the runner will report, or null if it cannot be known in advance.</summary>
    protected virtual long? TotalTrials(TConfig config) => null;

    /// <summary>What one progress step is called in the progress line (the runner's IProgress increments).</summary>
    protected virtual string ProgressUnit => "trials";

    protected abstract TResult Execute(TConfig config, IProgress<long> progress, CancellationToken cancellationToken);

    /// <summary>Writes results.json, results.csv, figures and summary.md (each atomically); returns the file names.</summary>
    public abstract IReadOnlyList<string> WriteResults(RunHeader header, TResult result);

    /// <summary>A few lines for the terminal: the rates at a glance.</summary>
    protected abstract void PrintSummary(TextWriter output, TResult result);

    public string ConfigHashOf(TConfig config) => ConfigHash.Compute(Name, ConfigJson(config), NotInHash);

    /// <summary>defaults → file → flags, then validation; throws <see cref="BadInputException"/> for the first problem.</summary>
    public TConfig Resolve(string? configPath, IEnumerable<(FlagSetting<TConfig> Setting, string? Text)> flags)
    {
        TConfig config = Defaults;
        if (configPath is not null) config = ConfigFile.Apply(config, configPath, Name, Settings);
        foreach (var (setting, text) in flags) config = setting.Apply(config, text);
        var errors = Validate(config);
        if (errors.Count > 0) throw new BadInputException("--" + errors[0].Field, errors[0].Message);
        return config;
    }

    /// <summary>The slice of the trials a config runs, recorded in config.json and results.json; null if the experiment does not shard.</summary>
    public virtual ShardSlice? SliceOf(TConfig config) => null;

    /// <summary>Shard and block size of a config whose runner journals finished blocks (checkpoints), or null.</summary>
    protected virtual (string Shard, int BlockTrials)? CheckpointLayout(TConfig config) => null;

    /// <summary>Runs with a journal of finished blocks (see <see cref="CheckpointLayout"/>); by default ignores it.</summary>
    protected virtual TResult Execute(TConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => Execute(config, progress, cancellationToken);

    /// <summary>Whether <c>fastres merge</c> can combine shards of this experiment.</summary>
    public virtual bool CanMerge => false;

    /// <summary>The config key whose count the shards slice (merge checks the slices tile 0..that count).</summary>
    public virtual string SlicedSetting => "trials";

    /// <summary>The config of the whole run that a shard's config belongs to (shard 0/1, execution knobs at defaults).</summary>
    protected virtual TConfig WholeRun(TConfig shardConfig) => shardConfig;

    /// <summary>Sums the shards' results.json documents (already checked to tile the trials) into one result.</summary>
    protected virtual TResult MergeShards(TConfig whole, IReadOnlyList<ShardInput> shards)
        => throw new BadInputException("merge", $"{Name} results cannot be merged");

    public Command CreateRunCommand(CliContext context)
    {
        var command = new Command(Name, Description);
        var (options, configOption) = AddSettingOptions(command);
        var outOption = new Option<string>("--out") { Description = $"Output folder (default runs/{Name})", HelpName = "DIR" };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Validate and print the resolved config.json to stdout; run and write nothing" };
        command.Add(outOption);
        command.Add(dryRunOption);
        var resumeOption = new Option<string>("--resume")
        {
            Description = "Continue the interrupted run in DIR from its checkpoint; options, if given, must match its config (threads and simd may change)",
            HelpName = "DIR",
        };
        if (CheckpointLayout(Defaults) is not null) command.Add(resumeOption);

        command.SetAction(parse =>
        {
            if (CliApp.SwallowedOption(parse) is { } swallowed) throw swallowed;
            var flags = GivenFlags(parse, options);
            string? resumeDir = CheckpointLayout(Defaults) is not null ? parse.GetValue(resumeOption) : null;
            string? outGiven = parse.GetValue(outOption);
            TConfig config;
            string outDir;
            if (resumeDir is not null)
            {
                if (outGiven is not null && Path.GetFullPath(outGiven) != Path.GetFullPath(resumeDir))
                    throw new BadInputException("--out", $"a resumed run writes into its own folder {resumeDir}; leave --out out or give the same folder");
                config = ResumedConfig(resumeDir, parse.GetValue(configOption), flags);
                outDir = resumeDir;
            }
            else
            {
                config = Resolve(parse.GetValue(configOption), flags);
                outDir = outGiven ?? Path.Combine("runs", Name);
            }
            var header = HeaderFor(config, outDir);
            string configDocument = ConfigDocument(header, config);

            if (parse.GetValue(dryRunOption))
            {
                context.Out.WriteLine(configDocument);
                return ExitCodes.Ok;
            }

            PrepareFolder(outDir);
            if (resumeDir is null) AtomicFile.WriteText(header.PathOf("config.json"), configDocument + "\n");
            CheckpointFile? journal = OpenJournal(config, header, resume: resumeDir is not null, context);
            TResult result;
            try
            {
                result = TrialProgress.Run(context, Name, TotalTrials(config), (progress, ct) => Execute(config, progress, journal, ct), ProgressUnit);
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested && journal is not null)
            {
                journal.Dispose();
                context.Error.WriteLine($"cancelled: stopped cleanly at a block boundary with {journal.Resumed + journal.Recorded} finished block(s) saved in {journal.Path}; " +
                    $"continue with: fastres run {Name} --resume {Quote(Path.GetFullPath(outDir))}");
                return ExitCodes.Cancelled;
            }
            catch (InvalidDataException e) when (resumeDir is not null)
            {
                throw new BadInputException("--resume", e.Message);
            }
            finally
            {
                journal?.Dispose();
            }
            var files = WriteResults(header, result);
            context.Out.WriteLine($"{Name}: results in {Path.GetFullPath(outDir)} ({string.Join(", ", files.Prepend("config.json"))})");
            PrintSummary(context.Out, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The settings as options of <paramref name="command"/>, plus --config.</summary>
    internal (List<(FlagSetting<TConfig> Setting, Option<string> Option)> Options, Option<string> Config) AddSettingOptions(Command command)
    {
        var options = new List<(FlagSetting<TConfig> Setting, Option<string> Option)>();
        foreach (var setting in Settings)
        {
            var option = new Option<string>(setting.Flag) { Description = setting.Description, HelpName = setting.HelpName };
            command.Add(option);
            options.Add((setting, option));
        }
        var configOption = new Option<string>("--config") { Description = "JSON file of settings, keys = these flag names (a run's config.json works too); flags override it", HelpName = "FILE" };
        command.Add(configOption);
        return (options, configOption);
    }

    internal static List<(FlagSetting<TConfig> Setting, string? Text)> GivenFlags(ParseResult parse, List<(FlagSetting<TConfig> Setting, Option<string> Option)> options)
        => options.Where(o => parse.GetResult(o.Option) is not null).Select(o => (o.Setting, parse.GetValue(o.Option))).ToList();

    public RunHeader HeaderFor(TConfig config, string outDir)
        => new(Name, ConfigJson(config), ConfigHashOf(config), BuildStamp.Version, BuildStamp.GitCommit, outDir, SliceOf(config));

    /// <summary>
    /// The config of the run in <paramref name="dir"/> (its config.json), with any options given again applied on top:
    /// they must not change it, except the settings that never change results' bits (threads, simd).
    /// </summary>
    private TConfig ResumedConfig(string dir, string? configPath, IReadOnlyList<(FlagSetting<TConfig> Setting, string? Text)> flags)
    {
        string stored = Path.Combine(dir, "config.json");
        if (!Directory.Exists(dir)) throw new BadInputException("--resume", $"{dir} does not exist");
        if (!File.Exists(stored)) throw new BadInputException("--resume", $"{dir} has no config.json: not a {Name} run folder");
        TConfig original;
        try { original = Resolve(stored, []); }
        catch (BadInputException e) { throw new BadInputException("--resume", $"{stored}: {e.Problem}"); }

        TConfig requested = original;
        if (configPath is not null) requested = ConfigFile.Apply(requested, configPath, Name, Settings);
        foreach (var (setting, text) in flags) requested = setting.Apply(requested, text);
        var errors = Validate(requested);
        if (errors.Count > 0) throw new BadInputException("--" + errors[0].Field, errors[0].Message);

        JsonObject before = ConfigJson(original), after = ConfigJson(requested);
        foreach (var (key, value) in after)
        {
            if (key is "threads" or "simd") continue;
            if (!JsonNode.DeepEquals(value, before[key]))
                throw new BadInputException("--" + key, $"{value?.ToJsonString() ?? "null"} differs from the run being resumed in {dir} " +
                    $"({before[key]?.ToJsonString() ?? "null"}); leave it out, or start a new run in another --out");
        }
        return requested;
    }

    private CheckpointFile? OpenJournal(TConfig config, RunHeader header, bool resume, CliContext context)
    {
        if (CheckpointLayout(config) is not { } layout) return null;
        var identity = new CheckpointIdentity(Name, header.ConfigHash, header.Version, layout.Shard, layout.BlockTrials);
        if (!resume) return CheckpointFile.Create(header.OutDir, identity);
        var journal = CheckpointFile.Resume(header.OutDir, identity);
        context.Error.WriteLine($"resuming {Name} in {header.OutDir}: {journal.Resumed} finished block(s) from {journal.Path}" +
            (journal.DroppedTornBytes > 0 ? $" (dropped a torn last record of {journal.DroppedTornBytes} bytes: that block runs again)" : ""));
        return journal;
    }

    /// <summary>
    /// <c>fastres merge</c>, after the host checked that the shards share experiment, version and config hash and
    /// tile the trials: recomputes everything through the run's own writers into <paramref name="outDir"/>.
    /// </summary>
    public IReadOnlyList<string> Merge(IReadOnlyList<ShardInput> shards, string outDir, CliContext context)
    {
        var first = shards[0];
        TConfig shardConfig;
        try { shardConfig = Resolve(first.ResultsPath, []); }
        catch (BadInputException e) { throw new BadInputException("merge", $"{first.ResultsPath}: {e.Problem}"); }
        string hash = ConfigHashOf(shardConfig);
        if (hash != first.ConfigHash)
            throw new BadInputException("merge", $"{first.ResultsPath} is corrupt: its config hashes to {hash[..12]}…, the file says {first.ConfigHash[..Math.Min(12, first.ConfigHash.Length)]}…");
        TConfig whole = WholeRun(shardConfig);
        TResult result = MergeShards(whole, shards);
        string? commit = shards.Select(s => s.GitCommit).Distinct().Count() == 1 ? first.GitCommit : null;
        var header = new RunHeader(Name, ConfigJson(whole), ConfigHashOf(whole), first.Version, commit, outDir, SliceOf(whole));
        var document = JsonNode.Parse(ConfigDocument(header, whole))!.AsObject();
        document["merged_from"] = new JsonArray(shards.Select(s => (JsonNode)Path.GetFullPath(s.Dir)).ToArray());

        PrepareFolder(outDir);
        AtomicFile.WriteText(header.PathOf("config.json"), document.ToJsonString(RunHeader.Indented) + "\n");
        var files = WriteResults(header, result);
        context.Out.WriteLine($"merge: {shards.Count} shard(s) of {Name} → {Path.GetFullPath(outDir)} ({string.Join(", ", files.Prepend("config.json"))})");
        PrintSummary(context.Out, result);
        return files;
    }

    public Command CreateSlurmCommand(CliContext context)
    {
        var command = new Command(Name, $"Write (and with --submit, submit) a Slurm array job running {Name} in shards, plus a dependent merge job");
        var (options, configOption) = AddSettingOptions(command);
        var slurm = SlurmOptions.AddTo(command, Name);
        command.SetAction(parse =>
        {
            if (CliApp.SwallowedOption(parse) is { } swallowed) throw swallowed;
            var flags = GivenFlags(parse, options);
            if (flags.Any(f => f.Setting.Name is "shard"))
                throw new BadInputException("--shard", "is set per array task; give the number of shards with --shards N");
            if (flags.Any(f => f.Setting.Name is "threads"))
                throw new BadInputException("--threads", "is set per array task from SLURM_CPUS_PER_TASK; use --cpus-per-task C");
            string? configPath = parse.GetValue(configOption);
            TConfig config = Resolve(configPath, flags); // every problem is reported now, not by N failing tasks
            var forwarded = new List<string>();
            if (configPath is not null) forwarded.AddRange(["--config", Path.GetFullPath(configPath)]);
            foreach (var (setting, text) in flags) forwarded.AddRange([setting.Flag, text ?? ""]);
            var job = slurm.Read(parse, Name, forwarded);
            if (SliceOf(config) is null || !CanMerge)
                throw new BadInputException("slurm", $"{Name} does not split into shards");
            return SlurmJob.Run(job, context);
        });
        return command;
    }

    private string ConfigDocument(RunHeader header, TConfig config)
    {
        var doc = new JsonObject
        {
            ["experiment"] = header.Experiment,
            ["version"] = header.Version,
            ["git_commit"] = header.GitCommit,
            ["config_hash"] = header.ConfigHash,
            ["config"] = header.Config.DeepClone(),
        };
        if (header.Slice is { } slice) doc["shard"] = slice.ToJson();
        AddDerived(doc, config);
        return doc.ToJsonString(RunHeader.Indented);
    }

    /// <summary>
    /// The output folder is the first thing written, and only after the input is known to be good. A folder that
    /// cannot be written is found now (a probe file), not after an hour of compute.
    /// </summary>
    internal static void PrepareFolder(string outDir)
    {
        if (File.Exists(outDir)) throw new BadInputException("--out", $"{outDir} is a file; give a folder");
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new BadInputException("--out", $"cannot create folder {outDir}: {ConfigFile.OneLine(e.Message)}");
        }
        string probe = Path.Combine(outDir, $".write-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException("--out", $"folder {outDir} is not writable: {ConfigFile.OneLine(e.Message)}");
        }
    }

    private static string Quote(string path) => path.All(c => char.IsLetterOrDigit(c) || "/._-+:".Contains(c)) ? path : $"'{path.Replace("'", "'\\''")}'";
}
