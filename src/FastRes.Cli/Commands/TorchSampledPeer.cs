using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary>
/// The PyTorch peer of `fastres bench sampled`: bench/peers/shortcut_cnn_sampled_torch.py (the same GD step on n fresh
/// samples, float64, B trials batched, autograd and hand-written gradients) run by Debian's /usr/bin/python3 in a child
/// process right after our own figures, so the two are measured side by side on the same machine state; torch on N
/// threads and on 1. Its rows are sampled rows with the variant "torch-{version}-{autograd|manual}/double/Nt", each
/// followed by a <see cref="NormalsKernel"/> row of the same variant: the step's normals alone.
/// </summary>
internal static class TorchSampledPeer
{
    public const string Script = "bench/peers/shortcut_cnn_sampled_torch.py";

    /// <summary>
    /// Rows of the step's normals alone (torch.randn of B·n·k·p into the step's buffer, best of 5), beside each step row
    /// of the same variant and size: how much of torch's step is its RNG, which FastRes's engine pays inside its step too.
    /// </summary>
    public const string NormalsKernel = "sampled-torch-randn";
    public const string NormalsUnit = "normals/s";

    /// <summary>The peer's two ways of writing the step, as its --variants names them.</summary>
    public static readonly string[] Variants = ["autograd", "manual"];

    public static IReadOnlyList<BenchResult> Run(SampledRequest request, int threads)
    {
        string threadList = threads == 1 ? "1" : $"{Invariant(threads)},1";
        using var json = RunJson(["--threads", threadList, "--p", Invariant(request.P), "--k", Invariant(request.K),
            "--samples", string.Join(',', request.Samples.Select(Invariant)), "--trials", Invariant(request.Trials),
            "--seed", request.Seed.ToString(CultureInfo.InvariantCulture)]);
        var root = json.RootElement;
        string version = root.GetProperty("torch").GetString()!;
        var rows = new List<BenchResult>();
        foreach (var row in root.GetProperty("results").EnumerateArray())
        {
            double seconds = row.GetProperty("seconds").GetDouble();
            int samples = row.GetProperty("samples").GetInt32();
            int trials = row.GetProperty("trials").GetInt32();
            string variant = $"torch-{version}-{row.GetProperty("variant").GetString()}/double/{row.GetProperty("threads").GetInt32()}t";
            string size = KernelProfiler.SampledSize(request.P, request.K, samples, trials);
            rows.Add(new BenchResult(KernelProfiler.SampledKernel, variant, size, seconds, (double)trials * samples / seconds, KernelProfiler.SampledUnit));
            double randn = row.GetProperty("randn_seconds").GetDouble();
            rows.Add(new BenchResult(NormalsKernel, variant, size, randn, (double)trials * samples * request.K * request.P / randn, NormalsUnit));
        }
        return rows;
    }

    /// <summary>
    /// The peer's --check: its sample gradients at fixed states against the population closed form. Returns the
    /// JSON it printed (states, empirical means and standard errors, its own closed form, the largest |z|), whether
    /// the check passed or not; throws when the peer cannot run at all.
    /// </summary>
    public static JsonDocument Check(int p, int k, int trials, int samples)
        => RunJson(["--check", "--p", Invariant(p), "--k", Invariant(k), "--check-trials", Invariant(trials),
            "--check-samples", Invariant(samples)], acceptExitCodes: [0, 1]);

    /// <summary>Whether /usr/bin/python3 can import torch here; the reason when it cannot.</summary>
    public static bool IsAvailable(out string reason)
    {
        reason = "";
        if (!File.Exists(TorchPeerProcess.Python)) { reason = $"{TorchPeerProcess.Python} not found (apt-get install python3-torch)"; return false; }
        var start = new ProcessStartInfo(TorchPeerProcess.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-c", "import torch" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start);
        if (process is null) { reason = $"cannot start {TorchPeerProcess.Python}"; return false; }
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0) return true;
        reason = $"{TorchPeerProcess.Python} cannot import torch (apt-get install python3-torch): {stderr.Trim().Split('\n').LastOrDefault()}";
        return false;
    }

    private static JsonDocument RunJson(IEnumerable<string> args, int[]? acceptExitCodes = null) => TorchPeerProcess.RunJson(Script, args, acceptExitCodes);

    private static string Invariant(int x) => x.ToString(CultureInfo.InvariantCulture);
}
