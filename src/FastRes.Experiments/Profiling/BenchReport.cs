using System.Text;
using System.Text.Json;

namespace FastRes.Experiments.Profiling;

/// <summary>
/// The bench JSON of SPEC §5: <c>{"machine": {...}, "results": [{"kernel", "variant", "size", "seconds", "rate",
/// "unit"}]}</c>. The same shape is the CI baseline (perf-reports/baseline.json).
/// </summary>
public sealed record BenchReport(MachineInfo Machine, IReadOnlyList<BenchResult> Results)
{
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
            w.WriteEndObject();
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
                : new MachineInfo("", 0, "", "", "", "");
            if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("\"results\" must be an array");
            var list = new List<BenchResult>();
            int i = 0;
            foreach (var r in results.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"results[{i}] must be an object");
                list.Add(new BenchResult(Req(r, "kernel", i), Req(r, "variant", i), Req(r, "size", i),
                    Num(r, "seconds", i), Num(r, "rate", i), Req(r, "unit", i)));
                i++;
            }
            return new BenchReport(machine, list);
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
