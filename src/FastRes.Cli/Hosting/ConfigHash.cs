using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Cli.Hosting;

/// <summary>
/// The identity of a run's results: SHA-256 (lower-case hex) of the canonical JSON of the experiment name and the
/// config values that affect results. Canonical = keys sorted ordinally, no whitespace, numbers in shortest
/// round-trip form. Settings that never change results (threads, simd, shard: every shard of one run must match
/// so that merge can pair them) are left out by the caller.
/// </summary>
public static class ConfigHash
{
    public static string Compute(string experiment, JsonObject config, IEnumerable<string> excluded)
    {
        var skip = new HashSet<string>(excluded, StringComparer.Ordinal);
        var canonical = new JsonObject { ["config"] = Canonical(config, skip), ["experiment"] = experiment };
        string text = canonical.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static JsonNode? Canonical(JsonNode? node, HashSet<string>? skip = null) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => skip is null || !skip.Contains(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(x => Canonical(x)).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}
