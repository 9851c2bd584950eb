using FastRes.Kernels.Networks;

namespace FastRes.Tests.Kernels.Networks;

/// <summary>
/// Small synthetic data made here (not by the data readers): Gaussian inputs whitened so Σ^{XX} = I to rounding,
/// targets from a random linear teacher plus noise; and an independent scalar forward pass used as the oracle.
/// </summary>
internal static class NetworkTestData
{
    public static (double[] X, double[] Y) Whitened(int samples, int d, int seed, double noise = 0.3)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = new double[samples * d];
        for (int i = 0; i < x.Length; i++) x[i] = Normal();
        for (int a = 0; a < d; a++)
        {
            double mean = 0;
            for (int mu = 0; mu < samples; mu++) mean += x[mu * d + a];
            mean /= samples;
            for (int mu = 0; mu < samples; mu++) x[mu * d + a] -= mean;
        }
        // C = XᵀX/m = LLᵀ (Cholesky); X ← X L⁻ᵀ gives Σ^{XX} = L⁻¹ C L⁻ᵀ = I.
        var c = new double[d * d];
        for (int mu = 0; mu < samples; mu++)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) c[a * d + b] += x[mu * d + a] * x[mu * d + b] / samples;
        var lo = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = c[i * d + j];
                for (int k = 0; k < j; k++) s -= lo[i * d + k] * lo[j * d + k];
                lo[i * d + j] = i == j ? Math.Sqrt(s) : s / lo[j * d + j];
            }
        for (int mu = 0; mu < samples; mu++)
        {
            // Solve L z = x_μ (forward substitution): z = L⁻¹x, the row of X L⁻ᵀ.
            for (int i = 0; i < d; i++)
            {
                double s = x[mu * d + i];
                for (int k = 0; k < i; k++) s -= lo[i * d + k] * x[mu * d + k];
                x[mu * d + i] = s / lo[i * d + i];
            }
        }
        var teacher = new double[d * d];
        for (int i = 0; i < teacher.Length; i++) teacher[i] = Normal() / Math.Sqrt(d);
        var y = new double[samples * d];
        for (int mu = 0; mu < samples; mu++)
            for (int i = 0; i < d; i++)
            {
                double s = noise * Normal();
                for (int j = 0; j < d; j++) s += teacher[i * d + j] * x[mu * d + j];
                y[mu * d + i] = s;
            }
        return (x, y);
    }

    public static double[] RandomParameters(NShortcutNetwork net, int seed, double scale)
    {
        var rng = new Random(seed);
        var t = new double[net.ParameterCount];
        for (int i = 0; i < t.Length; i++) t[i] = scale * (2 * rng.NextDouble() - 1) * Math.Sqrt(3.0 / net.Width);
        return t;
    }

    /// <summary>
    /// Scalar forward pass written straight from Def. 2; returns the loss and the smallest |argument| that any ReLU
    /// sees (so ReLU tests can insist on being away from the kink).
    /// </summary>
    public static (double Loss, double MinReluArgument) ReferenceLoss(NShortcutNetwork net, double[] theta, double[] x, double[] y, int m)
    {
        int d = net.Width, n = net.ShortcutDepth;
        double loss = 0, minArg = double.PositiveInfinity;
        var h = new double[d];
        var u = new double[d];
        var z = new double[d];
        double Act(Activation a, double v)
        {
            // An argument of exactly 0 comes from an all-zero input vector (a dead ReLU layer before it), which stays
            // exactly 0 under small perturbations: locally constant, not a kink.
            if (a == Activation.Relu && v != 0.0) minArg = Math.Min(minArg, Math.Abs(v));
            return a switch { Activation.Identity => v, Activation.Relu => Math.Max(v, 0), _ => Math.Tanh(v) };
        }
        for (int mu = 0; mu < m; mu++)
        {
            Array.Copy(x, mu * d, h, 0, d);
            for (int r = 0; r < net.Units; r++)
            {
                for (int p = 0; p < d; p++) u[p] = Act(net.Pre, h[p]);
                for (int k = 0; k < n; k++)
                {
                    int off = net.LayerOffset(r, k);
                    for (int p = 0; p < d; p++)
                    {
                        double s = 0;
                        for (int q = 0; q < d; q++) s += theta[off + p * d + q] * u[q];
                        z[p] = s;
                    }
                    Activation act = k == n - 1 ? net.Post : net.Mid;
                    for (int p = 0; p < d; p++) u[p] = Act(act, z[p]);
                }
                for (int p = 0; p < d; p++) h[p] = (net.HasShortcut ? h[p] : 0.0) + u[p];
            }
            for (int p = 0; p < d; p++) loss += (h[p] - y[mu * d + p]) * (h[p] - y[mu * d + p]);
        }
        return (loss / (2.0 * m), minArg);
    }

    /// <summary>Every network kind the tests sweep: linear and plain, ReLU and tanh at each position, n = 1, 2, 3.</summary>
    public static IEnumerable<NShortcutNetwork> Kinds(int d, int units)
    {
        const Activation I = Activation.Identity, Re = Activation.Relu, Th = Activation.Tanh;
        for (int n = 1; n <= 3; n++)
        {
            yield return new NShortcutNetwork(d, units, n);
            yield return new NShortcutNetwork(d, units, n, shortcut: false);
            foreach (Activation act in new[] { Re, Th })
            {
                yield return new NShortcutNetwork(d, units, n, pre: act);
                if (n > 1) yield return new NShortcutNetwork(d, units, n, mid: act);
                yield return new NShortcutNetwork(d, units, n, post: act);
            }
            yield return new NShortcutNetwork(d, units, n, pre: Th, mid: Th, post: Th);
            yield return new NShortcutNetwork(d, units, n, shortcut: false, pre: I, mid: Th, post: Th);
        }
    }
}
