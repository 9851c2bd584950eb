using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary>
/// The line protocol between `bench compare --builds` and each build's `bench probe --serve`: the probe prints
/// <c>{"ready": [{"id", "kernel", "variant", "size", "unit"}, …]}</c> once warmed up, then answers each line holding a
/// kernel id with <c>{"id", "rate", "seconds"}</c>, and exits on "quit" or end of input. One JSON object per line, on
/// standard output; anything else the probe has to say goes to standard error.
/// </summary>
internal static class ProbeServerProcess
{
    /// <summary>The probe side: serves <paramref name="sampler"/> until "quit" or end of <paramref name="input"/>.</summary>
    public static void Serve(IProbeSampler sampler, TextReader input, TextWriter output)
    {
        output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ready"] = sampler.Figures.Select(f => new Dictionary<string, string>
            {
                ["id"] = f.Id, ["kernel"] = f.Kernel, ["variant"] = f.Variant, ["size"] = f.Size, ["unit"] = f.Unit,
            }).ToList(),
        }));
        output.Flush();
        while (input.ReadLine() is { } line)
        {
            string id = line.Trim();
            if (id == "quit") break;
            if (id.Length == 0) continue;
            var (rate, seconds) = sampler.Sample(id);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"id\": {JsonSerializer.Serialize(id)}, \"rate\": {rate:R}, \"seconds\": {seconds:R}}}"));
            output.Flush();
        }
    }

    /// <summary>
    /// The comparing side: starts `dotnet DLL bench probe --serve …` (the dotnet host running this process, or the one
    /// on PATH) and waits for its ready line; a build that exits instead (e.g. one older than `bench probe`) fails
    /// with its exit code and last error line.
    /// </summary>
    public static IProbeSampler Start(string dll, IReadOnlyList<string> kernels, double seconds, ProbeClock clock)
    {
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.GetFullPath(dll), "bench", "probe", "--serve", "--kernels", string.Join(',', kernels),
                     "--seconds", seconds.ToString("R", CultureInfo.InvariantCulture), "--clock", clock == ProbeClock.Cpu ? "cpu" : "wall" })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {host}");
        var client = new Client(process);
        try
        {
            client.ReadReady();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private sealed class Client(Process process) : IProbeSampler
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public IReadOnlyList<ProbeFigure> Figures { get; private set; } = [];

        public void ReadReady()
        {
            using var doc = JsonDocument.Parse(ReadLine("its ready line"));
            if (!doc.RootElement.TryGetProperty("ready", out var ready) || ready.ValueKind != JsonValueKind.Array)
                throw new InvalidOperationException("`bench probe --serve` printed no ready line");
            Figures = [.. ready.EnumerateArray().Select(f => new ProbeFigure(Str(f, "id"), Str(f, "kernel"), Str(f, "variant"), Str(f, "size"), Str(f, "unit")))];
        }

        public (double Rate, double Seconds) Sample(string id)
        {
            process.StandardInput.WriteLine(id);
            process.StandardInput.Flush();
            using var doc = JsonDocument.Parse(ReadLine($"a sample of {id}"));
            var root = doc.RootElement;
            if (!root.TryGetProperty("rate", out var rate) || !root.TryGetProperty("seconds", out var seconds))
                throw new InvalidOperationException($"`bench probe --serve` answered {id} without a rate");
            return (rate.GetDouble(), seconds.GetDouble());
        }

        private string ReadLine(string what)
        {
            string? line = process.StandardOutput.ReadLine();
            if (line is not null) return line;
            process.WaitForExit();
            string last = _stderr.Result.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
            throw new InvalidOperationException($"`bench probe --serve` exited with {process.ExitCode} before {what}: {last}");
        }

        private static string Str(JsonElement e, string name)
            => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidOperationException($"ready line without {name}");

        public void Dispose()
        {
            try
            {
                if (!process.HasExited)
                {
                    process.StandardInput.WriteLine("quit");
                    process.StandardInput.Close();
                    if (!process.WaitForExit(10_000)) process.Kill(entireProcessTree: true);
                }
            }
            catch (IOException) { } // the probe already went away: nothing left to stop
            catch (InvalidOperationException) { }
            process.Dispose();
        }
    }
}
