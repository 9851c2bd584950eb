using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Cli.Hosting;

/// <summary>
/// What every results file of one run starts with: the experiment, its resolved config (keys = flag names, so the
/// file can be fed back through <c>--config</c>), the config hash, the version, the git commit and, for experiments
/// that split into shards, the slice of the trials this folder holds (<c>"shard": {"index", "count", "trial_start",
/// "trial_end"}</c>; a whole run is shard 0 of 1), which <c>fastres merge</c> checks; and for a run on a data set, what
/// it read (<c>"data": {"source", "rows", "sha256"}</c>), so that a shorter or different file never goes unnoticed.
/// </summary>
public sealed record RunHeader(string Experiment, JsonObject Config, string ConfigHash, string Version, string? GitCommit, string OutDir,
                               ShardSlice? Slice = null, JsonObject? Data = null)
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The header fields, written into an object being built by <paramref name="writer"/>.</summary>
    public void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("experiment", Experiment);
        writer.WritePropertyName("config");
        Config.WriteTo(writer);
        writer.WriteString("config_hash", ConfigHash);
        writer.WriteString("version", Version);
        if (GitCommit is null) writer.WriteNull("git_commit"); else writer.WriteString("git_commit", GitCommit);
        if (Slice is { } slice)
        {
            writer.WritePropertyName("shard");
            slice.ToJson().WriteTo(writer);
        }
        if (Data is not null)
        {
            writer.WritePropertyName("data");
            Data.WriteTo(writer);
        }
    }

    public string PathOf(string fileName) => Path.Combine(OutDir, fileName);
}

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/>: trials [<see cref="TrialStart"/>, <see cref="TrialEnd"/>).</summary>
public readonly record struct ShardSlice(int Index, int Count, long TrialStart, long TrialEnd)
{
    public JsonObject ToJson() => new()
    {
        ["index"] = Index, ["count"] = Count, ["trial_start"] = TrialStart, ["trial_end"] = TrialEnd,
    };

    public override string ToString() => $"{Index}/{Count} (trials [{TrialStart}, {TrialEnd}))";
}
