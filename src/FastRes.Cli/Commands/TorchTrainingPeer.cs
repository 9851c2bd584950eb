using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary>
/// The PyTorch peer of `fastres bench train`: bench/peers/train_torch.py (the same network, float64, forward +
/// loss.backward() + step) run by Debian's /usr/bin/python3 in a child process right after our own epochs, so the
/// two are measured side by side on the same machine state; torch on N threads and on 1. Its rows are train rows with the variant "torch/double/Nt".
/// </summary>
internal static class TorchTrainingPeer
{
    public const string Python = TorchPeerProcess.Python;
    public const string Script = "bench/peers/train_torch.py";

    public static IReadOnlyList<BenchResult> Run(int threads, int samples, int depth)
    {
        string threadList = threads == 1 ? "1" : $"{Invariant(threads)},1";
        using var json = TorchPeerProcess.RunJson(Script, ["--threads", threadList, "--samples", Invariant(samples), "--depth", Invariant(depth)]);
        var root = json.RootElement;
        int width = root.GetProperty("width").GetInt32();
        var rows = new List<BenchResult>();
        foreach (var row in root.GetProperty("results").EnumerateArray())
        {
            double seconds = row.GetProperty("seconds").GetDouble();
            string variant = row.GetProperty("variant").GetString()!;
            int peerThreads = row.GetProperty("threads").GetInt32();
            rows.Add(new BenchResult(KernelProfiler.TrainKernel, $"torch-{root.GetProperty("torch").GetString()}/double/{peerThreads}t",
                KernelProfiler.TrainSize(variant, "sample", depth, width, samples), seconds, 1 / seconds, KernelProfiler.TrainUnit));
        }
        return rows;
    }

    /// <summary>
    /// Per net, FastRes's fastest per-sample epoch (any thread count up to N) and its Σ path against torch's fastest
    /// (torch is timed on N threads and on 1, as small matrices often run faster on one): "speed-up relu-mid
    /// (per-sample, 2t) over torch (1t): 31.2×".
    /// </summary>
    public static IEnumerable<string> SpeedUps(IReadOnlyList<BenchResult> results)
    {
        static bool IsTorch(BenchResult r) => r.Variant.StartsWith("torch", StringComparison.Ordinal);
        static string Threads(BenchResult r) => r.Variant[(r.Variant.LastIndexOf('/') + 1)..];
        var train = results.Where(r => r.Kernel == KernelProfiler.TrainKernel).ToList();
        foreach (var net in train.Where(IsTorch).Select(r => r.Size.Split(',')[0]).Distinct())
        {
            var peer = train.Where(r => IsTorch(r) && r.Size.Split(',')[0] == net).MinBy(r => r.Seconds)!;
            foreach (string path in new[] { "sample", "moment" })
            {
                var ours = train.Where(r => !IsTorch(r) && r.Size.Split(',')[0] == net && r.Size.Split(',')[1] == path).MinBy(r => r.Seconds);
                if (ours is null) continue;
                string label = path == "sample" ? "per-sample" : "Σ path";
                yield return $"speed-up {net} ({label}, {Threads(ours)}) over torch ({Threads(peer)}): " +
                    (peer.Seconds / ours.Seconds).ToString("0.0", CultureInfo.InvariantCulture) + "×";
            }
        }
    }

    private static string Invariant(int x) => x.ToString(CultureInfo.InvariantCulture);
}
