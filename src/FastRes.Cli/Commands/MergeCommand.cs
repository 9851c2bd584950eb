using System.CommandLine;
using System.Text.Json;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Commands;

/// <summary>
/// <c>fastres merge DIR... --out DIR</c> (SPEC §7): combines the shard folders of one run into the folder a single
/// process would have written. Everything is checked before anything is written: each shard's results.json is
/// readable and whole, all shards share experiment, version and config hash, no shard appears twice, and their
/// slices tile the trials exactly (no gap, no overlap). The sums then go through the experiment's own writers.
/// </summary>
public static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Shard folders (each with the results.json of one `--shard i/N` run)", Arity = ArgumentArity.OneOrMore };
        var outOption = new Option<string>("--out") { Description = "Folder for the merged results", HelpName = "DIR", Required = true };
        var forceOption = new Option<bool>("--force") { Description = "Replace the merged run --out holds (merged from other shards), or write into a folder that holds other files" };
        var command = new Command("merge", "Merge the shard folders of one run into its complete results (refuses mismatched, missing or duplicate shards)")
        {
            dirs, outOption, forceOption,
        };
        command.SetAction(parse =>
        {
            string outDir = parse.GetValue(outOption)!;
            var shards = parse.GetValue(dirs)!.Select(Read).ToList();
            var experiment = Check(shards, outDir);
            experiment.Merge(shards, outDir, parse.GetValue(forceOption), context);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A shard folder's results.json and header; a missing or unreadable file is bad input naming the folder.</summary>
    public static ShardInput Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new BadInputException("merge", $"shard folder {dir} does not exist");
        string path = Path.Combine(dir, "results.json");
        if (!File.Exists(path)) throw new BadInputException("merge", $"{dir} has no results.json (that shard has not finished; rerun or --resume it)");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BadInputException("merge", $"{path} is corrupt: not valid JSON at line {(e.LineNumber ?? 0) + 1}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException("merge", $"cannot read {path}: {ConfigFile.OneLine(e.Message)}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new BadInputException("merge", $"{path} is corrupt: not a JSON object");

        string Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new BadInputException("merge", $"{path} is corrupt: no \"{name}\"");
        string? commit = root.TryGetProperty("git_commit", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (!root.TryGetProperty("shard", out var s) || s.ValueKind != JsonValueKind.Object)
            throw new BadInputException("merge", $"{path} records no shard slice (written by an older fastres, or not a sharded experiment)");
        ShardSlice slice;
        try
        {
            slice = new ShardSlice(s.GetProperty("index").GetInt32(), s.GetProperty("count").GetInt32(),
                                   s.GetProperty("trial_start").GetInt64(), s.GetProperty("trial_end").GetInt64());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BadInputException("merge", $"{path} is corrupt: its \"shard\" lacks index, count, trial_start or trial_end");
        }
        if (slice.Count < 1 || slice.Index < 0 || slice.Index >= slice.Count || slice.TrialStart < 0 || slice.TrialEnd < slice.TrialStart)
            throw new BadInputException("merge", $"{path} is corrupt: impossible shard {slice}");
        return new ShardInput(dir, path, root, Text("experiment"), Text("config_hash"), Text("version"), commit, slice);
    }

    /// <summary>The checks every experiment's merge needs; returns the experiment to merge with.</summary>
    public static IExperiment Check(IReadOnlyList<ShardInput> shards, string outDir)
    {
        var first = shards[0];
        foreach (var s in shards.Skip(1))
        {
            if (s.Experiment != first.Experiment)
                throw new BadInputException("merge", $"{s.Dir} is a {s.Experiment} run, {first.Dir} a {first.Experiment} run");
            if (s.Version != first.Version)
                throw new BadInputException("merge", $"{s.Dir} was written by fastres {s.Version}, {first.Dir} by {first.Version}; rerun the shards with one version");
            if (s.ConfigHash != first.ConfigHash)
                throw new BadInputException("merge", $"{s.Dir} has config hash {Short(s.ConfigHash)}, {first.Dir} has {Short(first.ConfigHash)}: shards of different runs");
        }
        var experiment = ExperimentRegistry.All.FirstOrDefault(e => e.Name == first.Experiment)
            ?? throw new BadInputException("merge", $"{first.ResultsPath} is a result of unknown experiment \"{first.Experiment}\" (known: {ExperimentRegistry.Names})");
        if (!experiment.CanMerge) throw new BadInputException("merge", $"{experiment.Name} results do not split into shards");

        var seen = new Dictionary<(int, int), string>();
        foreach (var s in shards)
        {
            if (!seen.TryAdd((s.Slice.Index, s.Slice.Count), s.Dir))
                throw new BadInputException("merge", $"shard {s.Slice.Index}/{s.Slice.Count} is given twice ({seen[(s.Slice.Index, s.Slice.Count)]} and {s.Dir})");
        }
        string outFull = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        if (shards.Any(s => Path.GetFullPath(s.Dir).TrimEnd(Path.DirectorySeparatorChar) == outFull))
            throw new BadInputException("--out", $"{outDir} is one of the shard folders; merge into a folder of its own");

        long total = experiment.SliceTotal(first);
        var ordered = shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.TrialEnd).ToList();
        long covered = 0;
        ShardInput? previous = null;
        foreach (var s in ordered)
        {
            if (s.Slice.TrialStart < covered)
                throw new BadInputException("merge", $"shards overlap: {previous!.Dir} has trials [{previous.Slice.TrialStart}, {previous.Slice.TrialEnd}), {s.Dir} [{s.Slice.TrialStart}, {s.Slice.TrialEnd})");
            if (s.Slice.TrialStart > covered) throw Missing(shards, covered, s.Slice.TrialStart);
            covered = Math.Max(covered, s.Slice.TrialEnd);
            previous = s;
        }
        if (covered < total) throw Missing(shards, covered, total);
        if (covered > total) throw new BadInputException("merge", $"{previous!.Dir} has trials up to {covered}, but the run has {total}: corrupt");
        // Empty slices (more shards than trials) tile nothing, so count them as well: every index 0..N−1 once.
        if (shards.All(s => s.Slice.Count == first.Slice.Count) && shards.Count != first.Slice.Count)
            throw Missing(shards, covered, covered);
        return experiment;
    }

    private static BadInputException Missing(IReadOnlyList<ShardInput> shards, long from, long to)
    {
        int n = shards[0].Slice.Count;
        string which = "";
        if (shards.All(s => s.Slice.Count == n))
        {
            var present = shards.Select(s => s.Slice.Index).ToHashSet();
            var absent = Enumerable.Range(0, n).Where(i => !present.Contains(i)).Select(i => $"{i}/{n}").ToList();
            if (absent.Count > 0) which = $" (missing shard{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Take(10))}{(absent.Count > 10 ? ", …" : "")})";
        }
        string range = from < to ? $"trials [{from}, {to}) are in no shard" : "shards are missing";
        return new BadInputException("merge", $"{range}{which}");
    }


    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
