using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;

namespace FastRes.Cli.Hosting;

/// <summary>
/// An experiment as the host runs it, declared once: a name, a config record with its <see cref="Schema{TConfig}"/>
/// and defaults, a runner, and a result with its <see cref="ResultLayout{TResult}"/>. Everything else derives from
/// those: the flags and --help, <c>--config</c>, config.json and config_hash, the resume and merge checks,
/// results.json/results.csv, summary.md's frame and tables, the terminal table, sharding and checkpoints. What an
/// experiment adds is its own: the runner call, summary.md's prose, its figures and, if it shards, how rows of
/// shards combine.
/// <para>The pipeline of <c>fastres run NAME</c>: defaults → <c>--config</c> file → flags → Validate() (nothing
/// written before this point) → output folder + config.json → run with progress (journal of finished blocks if the
/// runner keeps one) → results files → a short table on stdout → the journal removed (the results supersede it).</para>
/// </summary>
public abstract class Experiment<TConfig, TResult>(string name, string description) : IExperiment
    where TConfig : IExperimentConfig<TConfig>, new() where TResult : IExperimentResult<TResult>
{
    public string Name { get; } = name;
    public string Description { get; } = description;
    /// <summary>The built-in defaults, the config record's own: a quick scale that finishes in seconds to a minute (SPEC §6).</summary>
    public TConfig Defaults { get; } = new();
    public Schema<TConfig> Schema => TConfig.Schema;
    public ResultLayout<TResult> Layout => TResult.Layout;

    protected abstract TResult Run(TConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken);

    /// <summary>The config record's own Validate(), plus any rule about how this experiment uses it (e.g. its data loads).</summary>
    public virtual IReadOnlyList<ConfigError> Validate(TConfig config) => config.Validate();

    /// <inheritdoc/>
    public virtual IReadOnlyList<string> SmokeArgs => [];

    /// <summary>Progress steps the runner will report, or null if it cannot be known in advance.</summary>
    protected virtual long? Steps(TConfig config) => null;

    /// <summary>What one progress step is called in the progress line.</summary>
    protected virtual string ProgressUnit => "trials";

    /// <summary>Derived values worth recording in config.json next to the config (e.g. step sizes per k).</summary>
    protected virtual void AddDerived(JsonObject configDocument, TConfig config) { }

    /// <summary>Whether the runner journals finished blocks (checkpoints, <c>--resume</c>); block size from "block-trials", else 1.</summary>
    protected virtual bool Journals => false;

    /// <summary>What a config's data input is (read during validation), recorded in config.json and results.json; null for experiments without one.</summary>
    protected virtual DataProvenance? ProvenanceOf(TConfig config) => null;

    /// <summary>The data a result was computed on, for summary.md's first line; null for built-in synthetic inputs.</summary>
    protected virtual string? DataOf(TResult result) => null;

    /// <summary>What a claim check's cases were, after its verdict in summary.md (and, later, in the reproduction report).</summary>
    protected virtual string? VerdictDetail(TResult result) => null;

    /// <summary>summary.md between its first line (and a claim check's verdict) and its tail; by default the layout's tables.</summary>
    protected virtual void Summarize(Summary md, TResult result) => md.Tables(Layout, result);

    /// <summary>The papers' claims this experiment checks, declared once: the reproduction report lists them even when a run could not judge them.</summary>
    public virtual IReadOnlyList<PaperClaim> Claims => [];

    /// <summary>
    /// The verdict on each of <see cref="Claims"/>, read from this run's own result, with its key numbers and the
    /// figures (among <paramref name="figures"/>, this run's files) that show it; written to claims.json. A declared
    /// claim left out here is reported as not checkable.
    /// </summary>
    protected virtual IEnumerable<ClaimFinding> Judge(TResult result, IReadOnlyList<string> figures) => [];

    /// <summary>The flags of <c>fastres reproduce --scale quick</c> (with the others, a full report in ≤ 10 minutes on 2 cores); none by default.</summary>
    protected virtual IReadOnlyList<string> QuickArgs => [];

    /// <summary>The flags of <c>fastres reproduce --scale paper</c>: the papers' protocols where they give them; the defaults otherwise.</summary>
    protected virtual IReadOnlyList<string> PaperArgs => [];

    /// <summary>Whether <c>fastres reproduce --data DIR</c> passes its digit data to this experiment (the Li et al. experiments on MNIST).</summary>
    protected virtual bool TakesReproduceData => false;

    public IReadOnlyList<string> ReproduceArgs(ReproduceScale scale, string? data)
    {
        IReadOnlyList<string> args = scale switch { ReproduceScale.Quick => QuickArgs, ReproduceScale.Paper => PaperArgs, _ => [] };
        return data is not null && TakesReproduceData ? [.. args, "--data", data] : args;
    }

    /// <summary>The config_hash a run with these flags would have (its folder is reused when it holds that hash); throws <see cref="BadInputException"/>.</summary>
    public string ConfigHashFor(IReadOnlyList<string> args)
    {
        var command = new Command(Name);
        var (options, configOption) = AddSettingOptions(command);
        var parse = command.Parse(args.ToArray());
        if (parse.Errors.Count > 0) throw new BadInputException(Name, parse.Errors[0].Message);
        return ConfigHashOf(Resolve(parse.GetValue(configOption), GivenFlags(parse, options)));
    }

    /// <summary>The figures (PNG + SVG), their file names; points left out go into <paramref name="notes"/>.</summary>
    protected virtual IEnumerable<string> DrawFigures(TResult result, string folder, List<string> notes) => [];

    /// <summary>The first line on the terminal; a claim check's verdict by default.</summary>
    protected virtual string? Headline(TResult result) => result is IClaimCheck c ? Summary.VerdictText(c) : null;

    /// <summary>A few lines for the terminal: the headline, then the first table's Console columns.</summary>
    protected virtual void PrintSummary(TextWriter output, TResult result)
    {
        if (Headline(result) is { } line) output.WriteLine(line);
        TextTables.Console(output, Layout, result);
    }

    // ---- settings ----

    public string ConfigHashOf(TConfig config)
        => ConfigHash.Compute(Name, Schema.ToJson(config), Schema.Where(s => s.Role != SettingRole.Result).Select(s => s.Name));

    /// <summary>defaults → file → flags, then validation; throws <see cref="BadInputException"/> for the first problem.</summary>
    public TConfig Resolve(string? configPath, IEnumerable<(Setting<TConfig> Setting, string? Text)> flags) => Checked(Apply(Defaults, configPath, flags));

    private TConfig Apply(TConfig config, string? configPath, IEnumerable<(Setting<TConfig> Setting, string? Text)> flags)
    {
        if (configPath is not null) config = ConfigFile.Apply(config, configPath, Name, Schema);
        foreach (var (setting, text) in flags)
        {
            try { config = setting.Parse(config, text); }
            catch (SettingException e) { throw new BadInputException("--" + e.Setting, e.Problem); }
        }
        return config;
    }

    private TConfig Checked(TConfig config)
    {
        var errors = Validate(config);
        if (errors.Count > 0) throw new BadInputException("--" + errors[0].Field, errors[0].Message);
        return config;
    }

    // ---- sharding and checkpoints, from the "shard" and "block-trials" settings ----

    /// <summary>The config key whose count --shard slices: "trials", or "runs" for repeated runs.</summary>
    public virtual string SlicedSetting => "trials";

    public bool CanMerge => Schema.Find("shard") is Setting<TConfig, Shard>;

    private Shard? ShardOf(TConfig config) => Schema.Find("shard") is Setting<TConfig, Shard> s ? s.Get(config) : null;

    public ShardSlice? SliceOf(TConfig config)
    {
        if (ShardOf(config) is not { } shard) return null;
        var (start, end) = shard.Range(SliceCount(config));
        return new ShardSlice(shard.Index, shard.Count, start, end);
    }

    /// <summary>How many units --shard slices: by default the value of <see cref="SlicedSetting"/>; experiments of many cells count their cells.</summary>
    protected virtual long SliceCount(TConfig config) => Schema.Find(SlicedSetting) switch
    {
        Setting<TConfig, long> l => l.Get(config),
        Setting<TConfig, int> i => i.Get(config),
        _ => throw new InvalidOperationException($"{Name} shards \"{SlicedSetting}\", which is not an integer setting"),
    };

    /// <summary>The whole run's count of sliced units, from a shard's own config (merge checks the slices tile it).</summary>
    public long SliceTotal(ShardInput shard)
    {
        TConfig c;
        try { c = Resolve(shard.ResultsPath, []); }
        catch (BadInputException e) { throw new BadInputException("merge", $"{shard.ResultsPath}: {e.Problem}"); }
        return SliceCount(c);
    }

    private int BlockOf(TConfig config) => Schema.Find("block-trials") is Setting<TConfig, int> b ? b.Get(config) : 1;

    /// <summary>The config of the whole run a shard belongs to: shard 0/1, execution knobs (threads, simd) at their defaults.</summary>
    private TConfig WholeRun(TConfig shard)
    {
        foreach (var s in Schema.Where(s => s.Role == SettingRole.Execution)) shard = s.Parse(shard, s.Show(Defaults));
        return Schema.Find("shard") is { } sh ? sh.Parse(shard, Shard.Whole.ToString()) : shard;
    }

    /// <summary>
    /// Combines the shards (already checked to share experiment, version and config and to tile the sliced count)
    /// into the whole run's result. Shards of one run have the same rows; <see cref="Combine{TRow}"/> lines them up.
    /// </summary>
    protected virtual TResult Merge(TConfig whole, IReadOnlyList<ShardInput> shards) => throw new BadInputException("merge", $"{Name} results cannot be merged");

    /// <summary>
    /// The rows of table <paramref name="name"/> of every shard, read back through the table's setters, lined up by
    /// their key columns (every shard must list the same keys in the same order) and combined key by key in slice
    /// order by <paramref name="combine"/>. <paramref name="check"/> says what is wrong with a shard's row, or null;
    /// anything missing, mistyped or inconsistent means that shard's file is corrupt.
    /// </summary>
    protected static List<TRow> Combine<TRow>(IReadOnlyList<ShardInput> shards, Table<TRow> table, Func<IReadOnlyList<TRow>, TRow> combine,
                                               Func<TRow, ShardSlice, string?>? check = null, string name = "rows")
    {
        var ordered = shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index).ToList();
        var perShard = ordered.Select(s => ReadRows(s, table, name, check)).ToList();
        var first = perShard[0];
        for (int s = 1; s < perShard.Count; s++)
        {
            if (perShard[s].Count != first.Count)
                throw new BadInputException("merge", $"shards do not line up: {ordered[s].Dir} has {perShard[s].Count} rows, {ordered[0].Dir} has {first.Count}");
            for (int r = 0; r < first.Count; r++)
                if (table.KeyOf(perShard[s][r]) != table.KeyOf(first[r]))
                    throw new BadInputException("merge", $"shards do not line up: row {r + 1} of {ordered[s].Dir} is ({table.KeyOf(perShard[s][r])}), of {ordered[0].Dir} ({table.KeyOf(first[r])})");
        }
        return Enumerable.Range(0, first.Count).Select(r => combine(perShard.Select(rows => rows[r]).ToList())).ToList();
    }

    private static List<TRow> ReadRows<TRow>(ShardInput shard, Table<TRow> table, string name, Func<TRow, ShardSlice, string?>? check)
    {
        BadInputException Corrupt(string what) => new("merge", $"{shard.ResultsPath} is corrupt: {what}");
        if (!shard.Results.TryGetProperty(name, out var rows) || rows.ValueKind != JsonValueKind.Array) throw Corrupt($"no \"{name}\" array");
        var list = new List<TRow>();
        foreach (var element in rows.EnumerateArray())
        {
            TRow row;
            try { row = table.Read(table.Blank!, element); }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or InvalidCastException)
            {
                throw Corrupt($"row {list.Count + 1} lacks a field or has one of the wrong type ({ConfigFile.OneLine(e.Message)})");
            }
            if (check?.Invoke(row, shard.Slice) is { } problem) throw Corrupt($"row {list.Count + 1}: {problem}");
            list.Add(row);
        }
        return list;
    }

    /// <summary>The compute seconds of all shards (not wall time).</summary>
    protected static double SecondsOf(IReadOnlyList<ShardInput> shards)
        => shards.Sum(s => s.Results.TryGetProperty("seconds", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0);

    /// <summary>A top-level text field every shard must agree on (the data source).</summary>
    protected static string SameText(IReadOnlyList<ShardInput> shards, string field)
    {
        string? value = null;
        foreach (var s in shards)
        {
            string v = s.Results.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()!
                : throw new BadInputException("merge", $"{s.ResultsPath} is corrupt: no \"{field}\"");
            if (value is not null && v != value) throw new BadInputException("merge", $"{s.Dir} has {field} {v}, another shard {value}");
            value = v;
        }
        return value!;
    }

    // ---- commands ----

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
        if (Journals) command.Add(resumeOption);

        var forceOption = new Option<bool>("--force") { Description = "Replace the run --out holds (finished with another config, or interrupted), or write into a folder that holds other files" };
        command.Add(forceOption);

        command.SetAction(parse =>
        {
            if (CliApp.SwallowedOption(parse) is { } swallowed) throw swallowed;
            var flags = GivenFlags(parse, options);
            string? resumeDir = Journals ? NonEmptyPath(parse.GetValue(resumeOption), "--resume") : null;
            string? outGiven = NonEmptyPath(parse.GetValue(outOption), "--out");
            string? configPath = NonEmptyPath(parse.GetValue(configOption), "--config");
            bool force = parse.GetValue(forceOption);
            if (resumeDir is not null && force) throw new BadInputException("--force", "replaces a run; --resume continues one; give one of them");
            TConfig config;
            string outDir;
            if (resumeDir is not null)
            {
                if (outGiven is not null && Path.GetFullPath(outGiven) != Path.GetFullPath(resumeDir))
                    throw new BadInputException("--out", $"a resumed run writes into its own folder {resumeDir}; leave --out out or give the same folder");
                config = ResumedConfig(resumeDir, configPath, flags);
                outDir = resumeDir;
            }
            else
            {
                config = Resolve(configPath, flags);
                outDir = outGiven ?? Path.Combine("runs", Name);
            }
            var header = HeaderFor(config, outDir);
            string configDocument = ConfigDocument(header, config);

            if (parse.GetValue(dryRunOption))
            {
                context.Out.WriteLine(configDocument);
                return ExitCodes.Ok;
            }

            // Judged once before anything is written (a refusal leaves the folder as it was), and again under the lock.
            var before = RunFolder.Inspect(outDir);
            NotInUse(before, outDir, resumeDir is null ? "--out" : "--resume");
            if (resumeDir is null) Refusal(before, outDir, header, force);
            using var folder = RunFolder.Acquire(outDir, resumeDir is null ? "--out" : "--resume", $"fastres run {Name}" + (resumeDir is null ? "" : " --resume"));
            var held = folder.Inspect();
            if (resumeDir is null ? !MayStart(folder, held, header, force, context) : !MayResume(held, outDir, context)) return ExitCodes.Ok;
            if (resumeDir is null) AtomicFile.WriteText(header.PathOf("config.json"), configDocument + "\n");
            CheckpointFile? journal = OpenJournal(config, header, resume: resumeDir is not null, context);
            TResult result;
            try
            {
                result = TrialProgress.Run(context, Name, Steps(config), (progress, ct) => Run(config, progress, journal, ct), ProgressUnit);
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested && journal is not null)
            {
                journal.Dispose();
                context.Error.WriteLine($"cancelled: stopped cleanly at a block boundary with {journal.Resumed + journal.Recorded} finished block(s) saved in {journal.Path}; " +
                    $"continue with: fastres run {Name} --resume {SlurmJob.Sh(Path.GetFullPath(outDir))}");
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
            var files = folder.Commit(staging => WriteResults(header with { OutDir = staging }, result));
            // The results hold everything the journal did; a finished folder keeps no journal to confuse a later reader.
            if (journal is not null) File.Delete(journal.Path);
            context.Out.WriteLine($"{Name}: results in {Path.GetFullPath(outDir)} ({string.Join(", ", files.Prepend("config.json"))})");
            PrintSummary(context.Out, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Whether a new run may write into a folder holding <paramref name="held"/>: a folder is never replaced silently.
    /// False when there is nothing to do (this very run has finished there); throws for every refusal.
    /// </summary>
    private bool MayStart(RunFolder folder, FolderContents held, RunHeader header, bool force, CliContext context)
    {
        string dir = folder.Dir;
        if (held.State == FolderState.Empty) return true;
        if (held.State == FolderState.Finished && held.Experiment == Name && held.ConfigHash == header.ConfigHash && !force)
        {
            context.Error.WriteLine($"{Name}: {dir} already holds this finished run (same config, config_hash {header.ConfigHash[..12]}…); nothing to do (--force recomputes it)");
            context.Out.WriteLine($"{Name}: results in {Path.GetFullPath(dir)}");
            return false;
        }
        Refusal(held, dir, header, force);
        // --force, or an interrupted run that saved nothing (no journal): the old run's files go, others stay.
        if (held.State is FolderState.Finished or FolderState.Interrupted || held.Config is not null) folder.Clear();
        return true;
    }

    /// <summary>Throws the refusal a new run gets in a folder holding <paramref name="held"/>, if any (the same finished run is no refusal).</summary>
    private void Refusal(FolderContents held, string dir, RunHeader header, bool force, string flag = "--out")
    {
        if (force || held.State is FolderState.Empty or FolderState.InUse) return;
        string what = held.Experiment == Name ? "run" : $"{held.Experiment} run";
        switch (held.State)
        {
            case FolderState.Finished when held.Experiment == Name && held.ConfigHash == header.ConfigHash:
                return;
            case FolderState.Finished:
                throw new BadInputException(flag, $"{dir} holds a finished {what} with another config ({(held.Experiment == Name ? RunFolder.Differences(held.Config!, header.Config) : "another experiment")}); " +
                    "choose another --out, or --force to replace it");
            case FolderState.Interrupted when held.HasJournal:
                throw new BadInputException(flag, $"{dir} holds an interrupted {what} with finished blocks saved in its {CheckpointFile.FileName}; " +
                    (held.Experiment == Name ? $"continue it with --resume {SlurmJob.Sh(dir)}, or --force to discard it and start over" : "--force discards it"));
            case FolderState.Foreign:
                throw new BadInputException(flag, $"{dir} is not a run folder: {held.Why}; give an empty or new folder, or --force to write into it anyway");
        }
    }

    /// <summary>The refusal no --force overrides: the folder is another process's right now.</summary>
    private static void NotInUse(FolderContents held, string dir, string flag)
    {
        if (held.State == FolderState.InUse) throw new BadInputException(flag, $"{dir} is in use by {held.Why}; wait for it to end, or choose another folder");
    }

    /// <summary>Whether --resume has work to do in a folder holding <paramref name="held"/> (its config was checked already).</summary>
    private bool MayResume(FolderContents held, string dir, CliContext context)
    {
        if (held.State == FolderState.Foreign) throw new BadInputException("--resume", $"{dir} is not a {Name} run folder: {held.Why}");
        // A run can die after its results were written and before its journal went: resuming it changes nothing.
        if (held.State == FolderState.Finished)
        {
            context.Error.WriteLine($"resuming {Name} in {dir}: the run already finished (results.json); nothing to do");
            if (held.HasJournal) File.Delete(Path.Combine(dir, CheckpointFile.FileName));
            return false;
        }
        return true;
    }

    private static string? NonEmptyPath(string? path, string flag)
        => path is null || path.Trim().Length > 0 ? path : throw new BadInputException(flag, "needs a path (got an empty one)");

    /// <summary>Writes results.json, results.csv, figures and summary.md (each atomically); returns the file names.</summary>
    public IReadOnlyList<string> WriteResults(RunHeader header, TResult result)
    {
        ResultFiles.WriteCsv(header, Layout, result);
        var md = new Summary(header, Layout.Seconds(result), DataOf(result));
        if (result is IClaimCheck check) md.Verdict(check, VerdictDetail(result));
        Summarize(md, result);
        var figures = DrawFigures(result, header.OutDir, md.Notes).ToList();
        md.Write(figures);
        var claimFiles = WriteClaims(header, result, figures);
        // results.json last, listing the rest: it is the set's commit record (RunFolder).
        IReadOnlyList<string> files = ["results.csv", "summary.md", .. claimFiles, .. figures];
        ResultFiles.WriteJson(header, Layout, result, files);
        return ["results.json", .. files];
    }

    /// <summary>claims.json: the verdict on every declared claim (a claim the result did not judge is not checkable), for the reproduction report.</summary>
    private IReadOnlyList<string> WriteClaims(RunHeader header, TResult result, IReadOnlyList<string> figures)
    {
        if (Claims.Count == 0) return [];
        var findings = Judge(result, figures).ToList();
        foreach (var f in findings)
        {
            if (!Claims.Contains(f.Claim)) throw new InvalidOperationException($"{Name} judged a claim it does not declare: {f.Claim.Id}");
            if (f.Figures.FirstOrDefault(x => !figures.Contains(x)) is { } missing) throw new InvalidOperationException($"{Name}'s claim {f.Claim.Id} shows {missing}, which the run did not draw");
        }
        var all = Claims.Select(c => findings.FirstOrDefault(f => f.Claim == c) ?? ClaimFinding.NotCheckable(c, "this run's result does not decide it")).ToList();
        var doc = new JsonObject
        {
            ["experiment"] = Name,
            ["config_hash"] = header.ConfigHash,
            ["claims"] = new JsonArray(all.Select(f => (JsonNode)f.ToJson()).ToArray()),
        };
        AtomicFile.WriteText(header.PathOf(RunFolder.ClaimsName), doc.ToJsonString(RunHeader.Indented) + "\n");
        return [RunFolder.ClaimsName];
    }

    /// <summary>The settings as options of <paramref name="command"/>, plus --config.</summary>
    internal (List<(Setting<TConfig> Setting, Option<string> Option)> Options, Option<string> Config) AddSettingOptions(Command command)
    {
        var options = new List<(Setting<TConfig> Setting, Option<string> Option)>();
        foreach (var setting in Schema)
        {
            var option = new Option<string>(setting.Flag) { Description = setting.Help(Defaults), HelpName = setting.HelpName };
            command.Add(option);
            options.Add((setting, option));
        }
        var configOption = new Option<string>("--config") { Description = "JSON file of settings, keys = these flag names (a run's config.json works too); flags override it", HelpName = "FILE" };
        command.Add(configOption);
        return (options, configOption);
    }

    internal static List<(Setting<TConfig> Setting, string? Text)> GivenFlags(ParseResult parse, List<(Setting<TConfig> Setting, Option<string> Option)> options)
        => options.Where(o => parse.GetResult(o.Option) is not null).Select(o => (o.Setting, parse.GetValue(o.Option))).ToList();

    public RunHeader HeaderFor(TConfig config, string outDir)
        => new(Name, Schema.ToJson(config), ConfigHashOf(config), BuildStamp.Version, BuildStamp.GitCommit, outDir, SliceOf(config), ProvenanceOf(config)?.ToJson());

    /// <summary>
    /// The config of the run in <paramref name="dir"/> (its config.json), with any options given again applied on top:
    /// they must not change it, except the settings that never change results' bits (threads, simd).
    /// </summary>
    private TConfig ResumedConfig(string dir, string? configPath, IReadOnlyList<(Setting<TConfig> Setting, string? Text)> flags)
    {
        string stored = Path.Combine(dir, "config.json");
        if (!Directory.Exists(dir)) throw new BadInputException("--resume", $"{dir} does not exist");
        if (!File.Exists(stored)) throw new BadInputException("--resume", $"{dir} has no config.json: not a {Name} run folder");
        TConfig original;
        try { original = Resolve(stored, []); }
        catch (BadInputException e) { throw new BadInputException("--resume", $"{stored}: {e.Problem}"); }

        TConfig requested = Checked(Apply(original, configPath, flags));
        foreach (var s in Schema.Where(s => s.Role != SettingRole.Execution))
        {
            JsonNode? before = s.ToJson(original), after = s.ToJson(requested);
            if (!JsonNode.DeepEquals(before, after))
                throw new BadInputException(s.Flag, $"{after?.ToJsonString() ?? "null"} differs from the run being resumed in {dir} " +
                    $"({before?.ToJsonString() ?? "null"}); leave it out, or start a new run in another --out");
        }
        return requested;
    }

    private CheckpointFile? OpenJournal(TConfig config, RunHeader header, bool resume, CliContext context)
    {
        if (!Journals) return null;
        var identity = new CheckpointIdentity(Name, header.ConfigHash, header.Version, (ShardOf(config) ?? Shard.Whole).ToString(), BlockOf(config));
        if (!resume) return CheckpointFile.Create(header.OutDir, identity);
        var journal = CheckpointFile.Resume(header.OutDir, identity);
        context.Error.WriteLine($"resuming {Name} in {header.OutDir}: {journal.Resumed} finished block(s) from {journal.Path}" +
            (journal.DroppedTornBytes > 0 ? $" (dropped a torn last record of {journal.DroppedTornBytes} bytes: that block runs again)" : ""));
        return journal;
    }

    /// <summary>
    /// <c>fastres merge</c>, after the host checked that the shards share experiment, version and config hash and
    /// tile the sliced count: every shard's config must hash to what its file says (an edited config with its hash
    /// left alone is refused), then the experiment combines the rows and the run's own writers write the folder.
    /// </summary>
    public IReadOnlyList<string> Merge(IReadOnlyList<ShardInput> shards, string outDir, bool force, CliContext context)
    {
        TConfig? shardConfig = default;
        foreach (var shard in shards)
        {
            TConfig c;
            try { c = Resolve(shard.ResultsPath, []); }
            catch (BadInputException e) { throw new BadInputException("merge", $"{shard.ResultsPath}: {e.Problem}"); }
            string hash = ConfigHashOf(c);
            if (hash != shard.ConfigHash)
                throw new BadInputException("merge", $"{shard.ResultsPath} is corrupt: its config hashes to {hash[..12]}…, the file says {shard.ConfigHash[..Math.Min(12, shard.ConfigHash.Length)]}…");
            if (SliceOf(c) != shard.Slice)
                throw new BadInputException("merge", $"{shard.ResultsPath} is corrupt: its config's shard is {SliceOf(c)}, the file says {shard.Slice}");
            shardConfig ??= c;
        }
        TConfig whole = WholeRun(shardConfig!);
        // Shards computed on different files (or different versions of one file) are not one run.
        var data = shards[0].Results.TryGetProperty("data", out var d0) ? JsonNode.Parse(d0.GetRawText())!.AsObject() : null;
        foreach (var shard in shards.Skip(1))
        {
            var d = shard.Results.TryGetProperty("data", out var e) ? JsonNode.Parse(e.GetRawText()) : null;
            if (!JsonNode.DeepEquals(d, data))
                throw new BadInputException("merge", $"{shard.Dir} read data {d?.ToJsonString() ?? "(none)"}, {shards[0].Dir} read {data?.ToJsonString() ?? "(none)"}: shards of different inputs");
        }
        TResult result = Merge(whole, shards);
        string? commit = shards.Select(s => s.GitCommit).Distinct().Count() == 1 ? shards[0].GitCommit : null;
        var header = new RunHeader(Name, Schema.ToJson(whole), ConfigHashOf(whole), shards[0].Version, commit, outDir, SliceOf(whole), data);
        var document = JsonNode.Parse(ConfigDocument(header, whole))!.AsObject();
        // Each shard as merge verified it: where it was, which run it belongs to, which slice it held.
        document["merged_from"] = new JsonArray(shards.OrderBy(s => s.Slice.Index).Select(s => (JsonNode)new JsonObject
        {
            ["dir"] = Path.GetFullPath(s.Dir), ["config_hash"] = s.ConfigHash, ["version"] = s.Version, ["shard"] = s.Slice.ToJson(),
        }).ToArray());

        var before = RunFolder.Inspect(outDir);
        NotInUse(before, outDir, "--out");
        Refusal(before, outDir, header, force);
        using var folder = RunFolder.Acquire(outDir, "--out", $"fastres merge ({Name})");
        if (!MayStart(folder, folder.Inspect(), header, force, context)) return [];
        var files = folder.Commit(staging =>
        {
            AtomicFile.WriteText(Path.Combine(staging, "config.json"), document.ToJsonString(RunHeader.Indented) + "\n");
            return [.. WriteResults(header with { OutDir = staging }, result), "config.json"];
        });
        files = files.Where(f => f != "config.json").ToList();
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
            Resolve(configPath, flags); // every problem is reported now, not by N failing tasks
            var forwarded = new List<string>();
            if (configPath is not null) forwarded.AddRange(["--config", Path.GetFullPath(configPath)]);
            foreach (var (setting, text) in flags) forwarded.AddRange([setting.Flag, text ?? ""]);
            var job = slurm.Read(parse, Name, forwarded);
            if (!CanMerge) throw new BadInputException("slurm", $"{Name} does not split into shards");
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
        if (header.Data is not null) doc["data"] = header.Data.DeepClone();
        AddDerived(doc, config);
        return doc.ToJsonString(RunHeader.Indented);
    }
}
