using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Cli.Hosting;

/// <summary>
/// What every results file of one run starts with: the experiment, its resolved config (keys = flag names, so the
/// file can be fed back through <c>--config</c>), the config hash, the version and the git commit.
/// </summary>
public sealed record RunHeader(string Experiment, JsonObject Config, string ConfigHash, string Version, string? GitCommit, string OutDir)
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
    }

    public string PathOf(string fileName) => Path.Combine(OutDir, fileName);
}
