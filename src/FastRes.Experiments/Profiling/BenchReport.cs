using System.Text;
using System.Text.Json;

namespace FastRes.Experiments.Profiling;

/// <summary>
/// The bench JSON of SPEC §5: <c>{"machine": {...}, "results": [{"kernel", "variant", "size", "seconds", "rate",
/// "unit", "samples"}]}</c>. The same shape is the CI baseline (perf-reports/baseline.json).
/// </summary>
/// <remarks>
/// <c>samples</c> holds the rate of every repetition (<c>--repeat N</c>; <c>rate</c> is their median), so that saved
/// measurements can be compared statistically later (<c>fastres bench compare</c>). A report without it (written
/// before it existed) parses as one sample per result; the machine's <c>host</c> and CPU identity are optional likewise.
/// </remarks>
public sealed record BenchReport(MachineInfo Machine, IReadOnlyList<BenchResult> Results)
{
    /// <summary>When the measurement ended (<c>measured_at</c>, written by `bench fleet profile`); null when not recorded.</summary>
    public DateTimeOffset? MeasuredAt { get; init; }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("machine");
            w.WriteString("cpu", Machine.Cpu);
            w.WriteNumber("cores", Machine.Cores);
            w.WriteString("isa", Machine.Isa);
            w.WriteString("vector_width", Machine.VectorWidth);
            w.WriteString("runtime", Machine.Runtime);
            w.WriteString("os", Machine.Os);
            w.WriteString("host", Machine.Host);
            if (Machine.Partition.Length > 0) w.WriteString("partition", Machine.Partition);
            if (Machine.Identity is { } id)
            {
                w.WriteString("vendor", id.Vendor);
                WriteOptional(w, "family", id.Family);
                WriteOptional(w, "model", id.Model);
                WriteOptional(w, "stepping", id.Stepping);
                if (id.Microarchitecture is { } u) w.WriteString("microarchitecture", u);
                if (id.MemoryBytes is { } bytes) w.WriteNumber("memory_bytes", bytes);
            }
            w.WriteEndObject();
            if (MeasuredAt is { } at) w.WriteString("measured_at", at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)); // "…Z": a "+" would be escaped
            w.WriteStartArray("results");
            foreach (var r in Results)
            {
                w.WriteStartObject();
                w.WriteString("kernel", r.Kernel);
                w.WriteString("variant", r.Variant);
                w.WriteString("size", r.Size);
                w.WriteNumber("seconds", Finite(r.Seconds));
                w.WriteNumber("rate", Finite(r.Rate));
                w.WriteString("unit", r.Unit);
                w.WriteStartArray("samples");
                foreach (double x in r.RateSamples) w.WriteNumberValue(Finite(x));
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Parses a bench JSON; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static BenchReport Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the top level must be an object");
            var machine = root.TryGetProperty("machine", out var m) && m.ValueKind == JsonValueKind.Object
                ? new MachineInfo(Str(m, "cpu"), m.TryGetProperty("cores", out var c) && c.TryGetInt32(out int n) ? n : 0,
                    Str(m, "isa"), Str(m, "vector_width"), Str(m, "runtime"), Str(m, "os"))
                {
                    Host = Str(m, "host"),
                    Partition = Str(m, "partition"),
                    Identity = m.TryGetProperty("vendor", out _)
                        ? new CpuIdentity(Str(m, "vendor"), OptInt(m, "family"), OptInt(m, "model"), OptInt(m, "stepping"),
                            m.TryGetProperty("microarchitecture", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null,
                            m.TryGetProperty("memory_bytes", out var mb) && mb.TryGetInt64(out long bytes) ? bytes : null)
                        : null,
                }
                : new MachineInfo("", 0, "", "", "", "");
            if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("\"results\" must be an array");
            var list = new List<BenchResult>();
            int i = 0;
            foreach (var r in results.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"results[{i}] must be an object");
                list.Add(new BenchResult(Req(r, "kernel", i), Req(r, "variant", i), Req(r, "size", i),
                    Num(r, "seconds", i), Num(r, "rate", i), Req(r, "unit", i)) { Samples = Samples(r, i) });
                i++;
            }
            DateTimeOffset? measuredAt = null;
            if (root.TryGetProperty("measured_at", out var at))
            {
                if (at.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(at.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.RoundtripKind, out var t))
                    throw new InvalidDataException("\"measured_at\" must be an ISO 8601 time such as 2025-01-31T12:00:00+00:00");
                measuredAt = t;
            }
            return new BenchReport(machine, list) { MeasuredAt = measuredAt };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes the report through <see cref="AtomicFile"/> (temp file, fsync, rename), creating the folder if needed.</summary>
    public void WriteAtomically(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicFile.WriteText(path, ToJson());
    }

    private static double Finite(double x) => double.IsFinite(x) ? x : 0;

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    private static int? OptInt(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int x) ? x : null;

    private static IReadOnlyList<double> Samples(JsonElement e, int i)
    {
        if (!e.TryGetProperty("samples", out var v)) return [];
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
            throw new InvalidDataException($"results[{i}].samples must be a non-empty array of finite numbers");
        var list = new List<double>(v.GetArrayLength());
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetDouble(out double d) || !double.IsFinite(d))
                throw new InvalidDataException($"results[{i}].samples must be a non-empty array of finite numbers");
            list.Add(d);
        }
        return list;
    }

    private static string Str(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static string Req(JsonElement e, string name, int i)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"results[{i}].{name} must be a string");

    private static double Num(JsonElement e, string name, int i)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d)
            ? d
            : throw new InvalidDataException($"results[{i}].{name} must be a finite number");
}
