using BenchmarkDotNet.Attributes;
using FastRes.Kernels.Networks;

namespace FastRes.Bench;

/// <summary>
/// SPEC §5's Hessian case: a depth-16 2-shortcut network (R = 8, n = 2, d = 10, N = 1600) on 10,000 samples, linear
/// (Σ path) and with tanh at the mid position (per-sample path). Peer: torch.autograd.functional.hessian (float64).
/// </summary>
[MemoryDiagnoser]
public class ExactHessianBenchmarks
{
    private const int Width = 10, Samples = 10_000;
    private double[] _x = [], _y = [], _theta = [], _hessian = [];
    private NShortcutNetwork _net = null!;

    [Params("linear", "tanh-mid")]
    public string Kind { get; set; } = "linear";

    [GlobalSetup]
    public void Setup()
    {
        _net = new NShortcutNetwork(Width, 8, 2, mid: Kind == "linear" ? Activation.Identity : Activation.Tanh);
        var rng = new Random(1);
        _x = new double[Samples * Width];
        _y = new double[Samples * Width];
        for (int i = 0; i < _x.Length; i++) { _x[i] = 2 * rng.NextDouble() - 1; _y[i] = rng.NextDouble(); }
        _theta = new double[_net.ParameterCount];
        NetworkInitializer.Fill(_net, NetworkInit.Small, 1, 0, _theta);
        _hessian = new double[_net.ParameterCount * _net.ParameterCount];
    }

    [Benchmark]
    public void Hessian() => ExactHessian.Compute(_net, _theta, _x, _y, Samples, _hessian);
}
