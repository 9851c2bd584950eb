using System.Globalization;
using System.Text.Json;

namespace FastRes.Experiments.Profiling;

/// <summary>One reference value: a figure's expected rate on a node type and how far below it a node may fall.</summary>
/// <param name="Unit">When given, the node's figure must be in this unit (a guard against comparing GB/s with GFLOP/s).</param>
public sealed record FleetReferenceValue(string NodeType, string Kernel, string Variant, double Rate, double Tolerance, string? Unit)
{
    /// <summary>The lowest rate that passes: rate × (1 − tolerance).</summary>
    public double Floor => Rate * (1 - Tolerance);
}

/// <summary>
/// The reference values of `bench fleet collect --reference refs.json`, per node type in ReFrame's manner (a reference
/// per system:partition and performance variable, with a tolerance):
/// <code>
/// { "node_types": { "Zen 5/2 cores": { "triad": { "Vector512/double/2t": { "rate": 25.0, "tolerance": 0.2, "unit": "GB/s" } } } } }
/// </code>
/// node type → kernel → variant → {rate &gt; 0, tolerance in [0, 1), unit optional}. A node of that type fails when its
/// figure's rate is below rate × (1 − tolerance), or when it has no such figure.
/// </summary>
public sealed class FleetReferences
{
    public IReadOnlyList<FleetReferenceValue> Values { get; }

    private FleetReferences(IReadOnlyList<FleetReferenceValue> values) => Values = values;

    /// <summary>The values for <paramref name="nodeType"/> (none when the file does not name it).</summary>
    public IEnumerable<FleetReferenceValue> For(string nodeType) => Values.Where(v => v.NodeType == nodeType);

    /// <summary>
    /// Parses the file's text; throws <see cref="InvalidDataException"/> whose message names <paramref name="source"/>, the
    /// field (a JSON path) and what is allowed.
    /// </summary>
    public static FleetReferences Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("node_types", out var types) || types.ValueKind != JsonValueKind.Object)
                throw Bad(source, "node_types", "must be an object: {\"node_types\": {\"NODE TYPE\": {\"KERNEL\": {\"VARIANT\": {\"rate\": R, \"tolerance\": T}}}}}");
            foreach (var p in root.EnumerateObject())
                if (p.Name != "node_types") throw Bad(source, p.Name, "is not a field of a reference file (only \"node_types\")");
            var values = new List<FleetReferenceValue>();
            foreach (var type in types.EnumerateObject())
            {
                string at = $"node_types.\"{type.Name}\"";
                if (type.Value.ValueKind != JsonValueKind.Object) throw Bad(source, at, "must be an object of kernels");
                foreach (var kernel in type.Value.EnumerateObject())
                {
                    string kat = $"{at}.{kernel.Name}";
                    if (kernel.Value.ValueKind != JsonValueKind.Object) throw Bad(source, kat, "must be an object of variants");
                    foreach (var variant in kernel.Value.EnumerateObject())
                    {
                        string vat = $"{kat}.\"{variant.Name}\"";
                        var v = variant.Value;
                        if (v.ValueKind != JsonValueKind.Object) throw Bad(source, vat, "must be an object {\"rate\": R, \"tolerance\": T}");
                        foreach (var f in v.EnumerateObject())
                            if (f.Name is not ("rate" or "tolerance" or "unit")) throw Bad(source, $"{vat}.{f.Name}", "is not a field of a reference (rate, tolerance, unit)");
                        double rate = Number(v, "rate", source, vat, r => r > 0, "a number > 0");
                        double tolerance = Number(v, "tolerance", source, vat, t => t is >= 0 and < 1, "a number in [0, 1)");
                        string? unit = null;
                        if (v.TryGetProperty("unit", out var u))
                            unit = u.ValueKind == JsonValueKind.String ? u.GetString() : throw Bad(source, $"{vat}.unit", "must be a string such as \"GB/s\"");
                        values.Add(new FleetReferenceValue(type.Name, kernel.Name, variant.Name, rate, tolerance, unit));
                    }
                }
            }
            return new FleetReferences(values);
        }
    }

    private static double Number(JsonElement e, string name, string source, string at, Func<double, bool> allowed, string what)
    {
        if (!e.TryGetProperty(name, out var v)) throw Bad(source, $"{at}.{name}", $"is missing; must be {what}");
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d) || !allowed(d))
            throw Bad(source, $"{at}.{name}", $"must be {what} (got {(v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString(CultureInfo.InvariantCulture) : v.GetRawText())})");
        return d;
    }

    private static InvalidDataException Bad(string source, string field, string message) => new($"{source}: {field} {message}");
}
