using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Yun;

/// <summary>Smooth φ of a residual block (an exact Hessian needs two derivatives everywhere).</summary>
public enum YunActivation { Tanh, Softplus }

/// <summary>
/// The multi-block ResNet of Yun, Sra, Jadbabaie 2019: h_0 = x, h_l = h_{l−1} + V_l φ(U_l h_{l−1}) (U_l is m × d,
/// V_l is d × m, φ element-wise), f = wᵀh_L, and its empirical risk R(θ) = E ℓ(f(x); y) over a finite data set.
/// Parameters θ in the order w (d), then per block U_l (row-major), V_l (row-major): P = d + 2Ldm.
/// The gradient is one reverse pass; the exact Hessian is forward-over-reverse (the same reverse pass run on dual
/// numbers, one pass per coordinate direction e_j gives column j of ∇²R exactly, up to rounding).
/// </summary>
public sealed class YunResNet : ISmoothObjective
{
    public PredictorData Data { get; }
    public int Blocks { get; }
    public int Width { get; }
    public YunActivation Activation { get; }
    public int D => Data.Dimension;
    public int Size => D + 2 * Blocks * D * Width;

    public YunResNet(PredictorData data, int blocks, int width, YunActivation activation)
    {
        (Data, Blocks, Width, Activation) = (data, blocks, width, activation);
    }

    /// <summary>‖g‖² by <see cref="Dot.FourPartial"/> over all of θ at once, the order yun-critical-points has always used.</summary>
    public double SquaredNorm(ReadOnlySpan<double> g) => Dot.FourPartial(g, g);

    public int UOffset(int block) => D + block * 2 * D * Width;
    public int VOffset(int block) => UOffset(block) + D * Width;

    public double Value(ReadOnlySpan<double> theta)
    {
        double sum = 0;
        var h = new double[D];
        for (int i = 0; i < Data.Samples; i++) sum += Losses.Value(Data.Loss, Predict(theta, i, h), Data.Y[i]);
        return sum / Data.Samples;
    }

    /// <summary>f(x_i) = wᵀh_L(x_i); <paramref name="h"/> receives h_L.</summary>
    public double Predict(ReadOnlySpan<double> theta, int sample, Span<double> h)
    {
        int d = D, m = Width;
        Data.X.AsSpan(sample * d, d).CopyTo(h);
        Span<double> a = stackalloc double[m];
        for (int l = 0; l < Blocks; l++)
        {
            var u = theta.Slice(UOffset(l), m * d);
            var v = theta.Slice(VOffset(l), d * m);
            for (int r = 0; r < m; r++) a[r] = Phi(new Dual(Dot.FourPartial(u.Slice(r * d, d), h), 0)).Value;
            for (int r = 0; r < d; r++) h[r] += Dot.FourPartial(v.Slice(r * m, m), a);
        }
        return Dot.FourPartial(theta[..d], h);
    }

    /// <summary>R(θ) and ∇R(θ) into <paramref name="gradient"/>.</summary>
    public double Gradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var t = new Dual[Size];
        for (int j = 0; j < t.Length; j++) t[j] = new Dual(theta[j], 0);
        var g = new Dual[Size];
        double value = Pass(t, g);
        for (int j = 0; j < g.Length; j++) gradient[j] = g[j].Value;
        return value;
    }

    /// <summary>The exact ∇²R(θ) (P × P, row-major), symmetrized to remove rounding asymmetry.</summary>
    public void Hessian(ReadOnlySpan<double> theta, Span<double> hessian)
    {
        int size = Size;
        var t = new Dual[size];
        var g = new Dual[size];
        for (int col = 0; col < size; col++)
        {
            for (int j = 0; j < size; j++) t[j] = new Dual(theta[j], j == col ? 1 : 0);
            Pass(t, g);
            for (int j = 0; j < size; j++) hessian[j * size + col] = g[j].Tangent;
        }
        for (int a = 0; a < size; a++)
            for (int b = 0; b < a; b++)
            {
                double s = 0.5 * (hessian[a * size + b] + hessian[b * size + a]);
                hessian[a * size + b] = s; hessian[b * size + a] = s;
            }
    }

    /// <summary>
    /// E[ℓ''(f(x)) h_L h_Lᵀ] (d × d), the matrix of the theorem's first condition.
    /// </summary>
    public double[] CurvatureMoment(ReadOnlySpan<double> theta)
    {
        int d = D, n = Data.Samples;
        var m = new double[d * d];
        var h = new double[d];
        for (int i = 0; i < n; i++)
        {
            double c = Losses.Curvature(Data.Loss, Predict(theta, i, h), Data.Y[i]) / n;
            for (int r = 0; r < d; r++) for (int s = 0; s < d; s++) m[r * d + s] += c * h[r] * h[s];
        }
        return m;
    }

    /// <summary>Σ_{l≥2} U_lᵀU_l (d × d): its rank is the dimension of col([U_2ᵀ … U_Lᵀ]), the second condition.</summary>
    public double[] LaterRowSpaceGram(ReadOnlySpan<double> theta)
    {
        int d = D, m = Width;
        var gram = new double[d * d];
        for (int l = 1; l < Blocks; l++)
        {
            var u = theta.Slice(UOffset(l), m * d);
            for (int k = 0; k < m; k++)
                for (int r = 0; r < d; r++) for (int s = 0; s < d; s++) gram[r * d + s] += u[k * d + r] * u[k * d + s];
        }
        return gram;
    }

    /// <summary>
    /// One forward and reverse pass over all samples on dual numbers: the values are R and ∇R, the tangents the
    /// directional derivative of ∇R along the parameters' tangents (a Hessian-vector product).
    /// </summary>
    private double Pass(Dual[] theta, Dual[] gradient)
    {
        int d = D, m = Width, L = Blocks, n = Data.Samples;
        Array.Clear(gradient);
        var hs = new Dual[(L + 1) * d];   // h_0 … h_L
        var zs = new Dual[L * m];         // U_l h_{l−1}
        var acts = new Dual[L * m];       // φ(z)
        var dh = new Dual[d];
        var dz = new Dual[m];
        double value = 0;
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < d; r++) hs[r] = new Dual(Data.X[i * d + r], 0);
            for (int l = 0; l < L; l++)
            {
                int uo = UOffset(l), vo = VOffset(l);
                for (int k = 0; k < m; k++)
                {
                    var z = new Dual(0, 0);
                    for (int r = 0; r < d; r++) z += theta[uo + k * d + r] * hs[l * d + r];
                    zs[l * m + k] = z;
                    acts[l * m + k] = Phi(z);
                }
                for (int r = 0; r < d; r++)
                {
                    var s = hs[l * d + r];
                    for (int k = 0; k < m; k++) s += theta[vo + r * m + k] * acts[l * m + k];
                    hs[(l + 1) * d + r] = s;
                }
            }
            var p = new Dual(0, 0);
            for (int r = 0; r < d; r++) p += theta[r] * hs[L * d + r];
            double y = Data.Y[i];
            value += Losses.Value(Data.Loss, p.Value, y);
            var slope = new Dual(Losses.Slope(Data.Loss, p.Value, y), Losses.Curvature(Data.Loss, p.Value, y) * p.Tangent) * (1.0 / n);
            for (int r = 0; r < d; r++)
            {
                gradient[r] += slope * hs[L * d + r];
                dh[r] = slope * theta[r];
            }
            for (int l = L - 1; l >= 0; l--)
            {
                int uo = UOffset(l), vo = VOffset(l);
                for (int k = 0; k < m; k++)
                {
                    var da = new Dual(0, 0);
                    for (int r = 0; r < d; r++)
                    {
                        gradient[vo + r * m + k] += dh[r] * acts[l * m + k];
                        da += theta[vo + r * m + k] * dh[r];
                    }
                    dz[k] = da * PhiPrime(zs[l * m + k]);
                }
                for (int k = 0; k < m; k++)
                    for (int r = 0; r < d; r++)
                    {
                        gradient[uo + k * d + r] += dz[k] * hs[l * d + r];
                        dh[r] += theta[uo + k * d + r] * dz[k];
                    }
            }
        }
        return value / n;
    }

    private Dual Phi(Dual z)
    {
        if (Activation == YunActivation.Tanh)
        {
            double t = Math.Tanh(z.Value);
            return new Dual(t, (1 - t * t) * z.Tangent);
        }
        // softplus log(1 + e^z) without overflow; its derivative is the logistic function.
        double v = z.Value > 0 ? z.Value + Math.Log(1 + Math.Exp(-z.Value)) : Math.Log(1 + Math.Exp(z.Value));
        return new Dual(v, Losses.Logistic(z.Value) * z.Tangent);
    }

    private Dual PhiPrime(Dual z)
    {
        if (Activation == YunActivation.Tanh)
        {
            double t = Math.Tanh(z.Value), s = 1 - t * t;
            return new Dual(s, -2 * t * s * z.Tangent);
        }
        double sg = Losses.Logistic(z.Value);
        return new Dual(sg, sg * (1 - sg) * z.Tangent);
    }
}

/// <summary>A first-order dual number v + t·ε (ε² = 0): forward-mode differentiation of the reverse pass.</summary>
public readonly record struct Dual(double Value, double Tangent)
{
    public static Dual operator +(Dual a, Dual b) => new(a.Value + b.Value, a.Tangent + b.Tangent);
    public static Dual operator *(Dual a, Dual b) => new(a.Value * b.Value, a.Value * b.Tangent + a.Tangent * b.Value);
    public static Dual operator *(Dual a, double c) => new(a.Value * c, a.Tangent * c);
}
