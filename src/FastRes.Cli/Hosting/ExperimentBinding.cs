using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastRes.Experiments.ShortcutCnn;

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

    /// <summary>The built-in defaults: a quick scale that finishes in seconds to a minute (SPEC §6).</summary>
    public abstract TConfig Defaults { get; }

    /// <summary>Every setting, in --help order; names are the flag names and the --config keys.</summary>
    public abstract IReadOnlyList<Setting<TConfig>> Settings { get; }

    /// <summary>The config record's own Validate(), plus any rule about how this experiment uses it.</summary>
    public abstract IReadOnlyList<ConfigError> Validate(TConfig config);

    /// <summary>Every resolved value under its flag name (readable back by <see cref="ConfigFile"/>).</summary>
    public abstract JsonObject ConfigJson(TConfig config);

    /// <summary>Settings that never change results and stay out of config_hash (shards of one run must share it).</summary>
    public virtual IReadOnlyCollection<string> NotInHash => ["threads", "simd", "shard"];

    /// <summary>Derived values worth recording in config.json next to the config (e.g. step sizes per k).</summary>
    protected virtual void AddDerived(JsonObject configDocument, TConfig config) { }

    /// <summary>Trials the runner will report, or null if it cannot be known in advance.</summary>
    protected virtual long? TotalTrials(TConfig config) => null;

    protected abstract TResult Execute(TConfig config, IProgress<long> progress, CancellationToken cancellationToken);

    /// <summary>Writes results.json, results.csv, figures and summary.md (each atomically); returns the file names.</summary>
    public abstract IReadOnlyList<string> WriteResults(RunHeader header, TResult result);

    /// <summary>A few lines for the terminal: the rates at a glance.</summary>
    protected abstract void PrintSummary(TextWriter output, TResult result);

    public string ConfigHashOf(TConfig config) => ConfigHash.Compute(Name, ConfigJson(config), NotInHash);

    /// <summary>defaults → file → flags, then validation; throws <see cref="BadInputException"/> for the first problem.</summary>
    public TConfig Resolve(string? configPath, IEnumerable<(Setting<TConfig> Setting, string? Text)> flags)
    {
        TConfig config = Defaults;
        if (configPath is not null) config = ConfigFile.Apply(config, configPath, Name, Settings);
        foreach (var (setting, text) in flags) config = setting.Apply(config, text);
        var errors = Validate(config);
        if (errors.Count > 0) throw new BadInputException("--" + errors[0].Field, errors[0].Message);
        return config;
    }

    public Command CreateRunCommand(CliContext context)
    {
        var command = new Command(Name, Description);
        var options = new List<(Setting<TConfig> Setting, Option<string> Option)>();
        foreach (var setting in Settings)
        {
            var option = new Option<string>(setting.Flag) { Description = setting.Description, HelpName = setting.HelpName };
            command.Add(option);
            options.Add((setting, option));
        }
        var configOption = new Option<string>("--config") { Description = "JSON file of settings, keys = these flag names (a run's config.json works too); flags override it", HelpName = "FILE" };
        var outOption = new Option<string>("--out") { Description = $"Output folder (default runs/{Name})", HelpName = "DIR" };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Validate and print the resolved config.json to stdout; run and write nothing" };
        command.Add(configOption);
        command.Add(outOption);
        command.Add(dryRunOption);

        command.SetAction(parse =>
        {
            if (CliApp.SwallowedOption(parse) is { } swallowed) throw swallowed;
            var flags = options.Where(o => parse.GetResult(o.Option) is not null)
                .Select(o => (o.Setting, parse.GetValue(o.Option)));
            TConfig config = Resolve(parse.GetValue(configOption), flags);
            string outDir = parse.GetValue(outOption) ?? Path.Combine("runs", Name);
            var header = new RunHeader(Name, ConfigJson(config), ConfigHashOf(config), BuildStamp.Version, BuildStamp.GitCommit, outDir);
            string configDocument = ConfigDocument(header, config);

            if (parse.GetValue(dryRunOption))
            {
                context.Out.WriteLine(configDocument);
                return ExitCodes.Ok;
            }

            PrepareFolder(outDir);
            AtomicFile.WriteText(header.PathOf("config.json"), configDocument + "\n");
            TResult result = TrialProgress.Run(context, Name, TotalTrials(config), (progress, ct) => Execute(config, progress, ct));
            var files = WriteResults(header, result);
            context.Out.WriteLine($"{Name}: results in {Path.GetFullPath(outDir)} ({string.Join(", ", files.Prepend("config.json"))})");
            PrintSummary(context.Out, result);
            return ExitCodes.Ok;
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
        AddDerived(doc, config);
        return doc.ToJsonString(RunHeader.Indented);
    }

    /// <summary>The output folder is the first thing written, and only after the input is known to be good.</summary>
    private static void PrepareFolder(string outDir)
    {
        if (File.Exists(outDir)) throw new BadInputException("--out", $"{outDir} is a file; give a folder");
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new BadInputException("--out", $"cannot create folder {outDir}: {ConfigFile.OneLine(e.Message)}");
        }
    }
}
