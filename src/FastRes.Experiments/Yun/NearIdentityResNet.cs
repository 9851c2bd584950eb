using FastRes.Experiments.Predictors;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Yun;

/// <summary>
/// The ReLU ResNet of the near-identity part of Yun, Sra, Jadbabaie 2019: h_0 = x,
/// h_l = h_{l−1} + V_l ReLU(U_l h_{l−1}) for l = 1 … L (U_l is m × d, V_l is d × m), f_θ(x) = wᵀh_L, and the class
/// F_L = {f_θ : ‖w‖ ≤ 1, ‖V_l‖_F ≤ 1/√L, ‖U_l‖_F ≤ 1/√L}. Unlike <see cref="YunResNet"/> the first block also has a U_1.
/// Parameters in the order w (d), then per block U_l (row-major), V_l (row-major): P = d + 2Ldm.
/// ReLU'(0) is taken as 0 (a subgradient); gradients are exact away from the kinks. φ = tanh is the smooth alternative.
/// </summary>
public sealed class NearIdentityResNet
{
    /// <summary>φ of every block: ReLU (the poster's blocks) or tanh (1-Lipschitz with tanh(0) = 0 as well, and smooth,
    /// so that critical points in the gradient-norm sense exist; ReLU's minima sit on kinks).</summary>
    public NearIdentityActivation Activation { get; }
    public int D { get; }
    public int Width { get; }
    public int Blocks { get; }
    public int Size => D + 2 * Blocks * D * Width;

    public NearIdentityResNet(int dimension, int blocks, int width, NearIdentityActivation activation = NearIdentityActivation.Relu)
    {
        if (dimension < 1 || blocks < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(dimension), "dimension, blocks and width must be ≥ 1");
        (D, Blocks, Width, Activation) = (dimension, blocks, width, activation);
    }

    public int UOffset(int block) => D + block * 2 * D * Width;
    public int VOffset(int block) => UOffset(block) + D * Width;

    /// <summary>The radius 1/√L of every block's Frobenius balls in F_L.</summary>
    public double BlockRadius => 1 / Math.Sqrt(Blocks);

    /// <summary>
    /// Forward pass of one sample: h_0 … h_L into <paramref name="hs"/> ((L + 1)·d), the ReLU outputs into
    /// <paramref name="acts"/> (L·m); returns f = wᵀh_L.
    /// </summary>
    public double Forward(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, Span<double> hs, Span<double> acts)
    {
        int d = D, m = Width;
        x[..d].CopyTo(hs);
        for (int l = 0; l < Blocks; l++)
        {
            var h = hs.Slice(l * d, d);
            var next = hs.Slice((l + 1) * d, d);
            var u = theta.Slice(UOffset(l), m * d);
            var v = theta.Slice(VOffset(l), d * m);
            var a = acts.Slice(l * m, m);
            if (Activation == NearIdentityActivation.Relu)
                for (int k = 0; k < m; k++) a[k] = Math.Max(0, Dot.FourPartial(u.Slice(k * d, d), h));
            else
                for (int k = 0; k < m; k++) a[k] = Math.Tanh(Dot.FourPartial(u.Slice(k * d, d), h));
            for (int r = 0; r < d; r++) next[r] = h[r] + Dot.FourPartial(v.Slice(r * m, m), a);
        }
        return Dot.FourPartial(theta[..d], hs.Slice(Blocks * d, d));
    }

    /// <summary>
    /// Adds slope·∇_θ f(x) to <paramref name="gradient"/>, given the forward pass's <paramref name="hs"/> and
    /// <paramref name="acts"/>; <paramref name="dh"/> (d) and <paramref name="dz"/> (m) are scratch.
    /// </summary>
    public void Backward(ReadOnlySpan<double> theta, ReadOnlySpan<double> hs, ReadOnlySpan<double> acts, double slope,
        Span<double> gradient, Span<double> dh, Span<double> dz)
    {
        int d = D, m = Width;
        var hL = hs.Slice(Blocks * d, d);
        for (int r = 0; r < d; r++)
        {
            gradient[r] += slope * hL[r];
            dh[r] = slope * theta[r];
        }
        for (int l = Blocks - 1; l >= 0; l--)
        {
            int uo = UOffset(l), vo = VOffset(l);
            var a = acts.Slice(l * m, m);
            var h = hs.Slice(l * d, d);
            // ∂/∂V_l[r, k] = dh_r a_k; ∂/∂a_k = Σ_r V_l[r, k] dh_r, then through φ' below.
            for (int k = 0; k < m; k++) dz[k] = 0;
            for (int r = 0; r < d; r++)
            {
                double g = dh[r];
                var gv = gradient.Slice(vo + r * m, m);
                var v = theta.Slice(vo + r * m, m);
                for (int k = 0; k < m; k++)
                {
                    gv[k] += g * a[k];
                    dz[k] += v[k] * g;
                }
            }
            // ∂/∂U_l[k, r] = φ'(z_k)·dz_k·h_{l−1,r} (ReLU' = 1[a > 0], tanh' = 1 − a²); dh_{l−1} = dh_l + U_lᵀ dz (the shortcut carries dh_l through unchanged).
            bool relu = Activation == NearIdentityActivation.Relu;
            for (int k = 0; k < m; k++)
            {
                if (relu && !(a[k] > 0)) continue;
                double g = relu ? dz[k] : dz[k] * (1 - a[k] * a[k]);
                var gu = gradient.Slice(uo + k * d, d);
                var u = theta.Slice(uo + k * d, d);
                for (int r = 0; r < d; r++)
                {
                    gu[r] += g * h[r];
                    dh[r] += u[r] * g;
                }
            }
        }
    }

    /// <summary>f_θ(x_i) for every row of <paramref name="x"/> (row-major n × d) into <paramref name="outputs"/>.</summary>
    public void Outputs(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, Span<double> outputs)
    {
        var (hs, acts) = (new double[(Blocks + 1) * D], new double[Blocks * Width]);
        for (int i = 0; i < outputs.Length; i++) outputs[i] = Forward(theta, x.Slice(i * D, D), hs, acts);
    }

    /// <summary>h_L(x_i) for every row into <paramref name="features"/> (n × d): the features the output layer w sees.</summary>
    public void Features(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, Span<double> features)
    {
        var (hs, acts) = (new double[(Blocks + 1) * D], new double[Blocks * Width]);
        int n = features.Length / D;
        for (int i = 0; i < n; i++)
        {
            Forward(theta, x.Slice(i * D, D), hs, acts);
            hs.AsSpan(Blocks * D, D).CopyTo(features.Slice(i * D, D));
        }
    }

    /// <summary>
    /// Σ_i g_i(f_θ(x_i)) and its gradient (overwriting <paramref name="gradient"/>), for a per-sample objective g_i
    /// given by <paramref name="objective"/> (the risk's ℓ(f; y_i)/n, or the Rademacher correlation σ_i f/n).
    /// </summary>
    public double Gradient<TObjective>(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, in TObjective objective, Span<double> gradient)
        where TObjective : struct, ISampleObjective
    {
        int d = D, n = x.Length / d;
        var hs = new double[(Blocks + 1) * d];
        var acts = new double[Blocks * Width];
        var dh = new double[d];
        var dz = new double[Width];
        gradient.Clear();
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double f = Forward(theta, x.Slice(i * d, d), hs, acts);
            sum += objective.Value(i, f, out double slope);
            if (slope != 0) Backward(theta, hs, acts, slope, gradient, dh, dz);
        }
        return sum;
    }

    /// <summary>Σ_i g_i(f_θ(x_i)) without the gradient.</summary>
    public double Value<TObjective>(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, in TObjective objective)
        where TObjective : struct, ISampleObjective
    {
        int d = D, n = x.Length / d;
        var hs = new double[(Blocks + 1) * d];
        var acts = new double[Blocks * Width];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += objective.Value(i, Forward(theta, x.Slice(i * d, d), hs, acts), out _);
        return sum;
    }

    /// <summary>
    /// Euclidean projection onto {‖V_l‖_F ≤ r, ‖U_l‖_F ≤ r for every l} × {‖w‖ ≤ <paramref name="outputRadius"/>}: each
    /// matrix (and w) is scaled back onto its own ball when outside it (the set is a product of balls, so projecting
    /// factor by factor is the exact projection). An infinite radius leaves that factor free.
    /// </summary>
    public void Project(Span<double> theta, double blockRadius, double outputRadius = double.PositiveInfinity)
    {
        ProjectOntoBall(theta[..D], outputRadius);
        int size = D * Width;
        for (int l = 0; l < Blocks; l++)
        {
            ProjectOntoBall(theta.Slice(UOffset(l), size), blockRadius);
            ProjectOntoBall(theta.Slice(VOffset(l), size), blockRadius);
        }
    }

    /// <summary>Scales <paramref name="v"/> onto the ball of radius <paramref name="radius"/> if it lies outside.</summary>
    public static void ProjectOntoBall(Span<double> v, double radius)
    {
        if (double.IsPositiveInfinity(radius)) return;
        double norm = Math.Sqrt(Dot.FourPartial(v, v));
        if (norm <= radius) return;
        double s = radius / norm;
        for (int j = 0; j < v.Length; j++) v[j] *= s;
    }

    /// <summary>
    /// Π_l (1 + ‖V_l‖_F‖U_l‖_F) − 1. Block l is ‖V_l‖₂‖U_l‖₂ ≤ ‖V_l‖_F‖U_l‖_F-Lipschitz and maps 0 to 0 (ReLU is
    /// 1-Lipschitz, ReLU(0) = 0), so ‖h_L(x) − x‖ ≤ this · ‖x‖ for every x; in F_L it is at most (1 + 1/L)^L − 1 &lt; e − 1.
    /// </summary>
    public double ShiftFactor(ReadOnlySpan<double> theta)
    {
        int size = D * Width;
        double product = 1;
        for (int l = 0; l < Blocks; l++)
        {
            var u = theta.Slice(UOffset(l), size);
            var v = theta.Slice(VOffset(l), size);
            product *= 1 + Math.Sqrt(Dot.FourPartial(u, u) * Dot.FourPartial(v, v));
        }
        return product - 1;
    }
}

public enum NearIdentityActivation { Relu, Tanh }

/// <summary>A per-sample objective g_i(f) summed by <see cref="NearIdentityResNet.Gradient{TObjective}"/>.</summary>
public interface ISampleObjective
{
    /// <summary>g_i(f), with dg_i/df into <paramref name="slope"/>.</summary>
    double Value(int sample, double f, out double slope);
}

/// <summary>The empirical risk E ℓ(f(x); y) = (1/n) Σ ℓ(f_i; y_i).</summary>
public readonly struct RiskObjective(Loss loss, double[] y) : ISampleObjective
{
    public double Value(int sample, double f, out double slope)
    {
        double inv = 1.0 / y.Length;
        slope = Losses.Slope(loss, f, y[sample]) * inv;
        return Losses.Value(loss, f, y[sample]) * inv;
    }
}

/// <summary>The Rademacher correlation (1/n) Σ σ_i f_i for a sign vector σ.</summary>
public readonly struct CorrelationObjective(double[] signs) : ISampleObjective
{
    public double Value(int sample, double f, out double slope)
    {
        slope = signs[sample] / signs.Length;
        return slope * f;
    }
}
