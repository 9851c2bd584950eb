using FastRes.Kernels.Random;

namespace FastRes.Kernels.Networks;

/// <summary>Initial points of SPEC §2.1 / Li et al. §4.1.</summary>
public enum NetworkInit
{
    /// <summary>Entries iid N(0, 1/d) (Glorot and Bengio 2010 for square layers).</summary>
    Xavier = 0,
    /// <summary>Each layer a Haar-random orthogonal matrix.</summary>
    Orthogonal = 1,
    /// <summary>Exactly zero (Theorem 2's point).</summary>
    Zero = 2,
    /// <summary>Xavier × 0.01: the paper's perturbed zero, to escape the saddle at 0.</summary>
    Small = 3,
}

/// <summary>Fills θ for an <see cref="NetworkInit"/>, deterministically from (seed, run).</summary>
public static class NetworkInitializer
{
    /// <summary>The factor of <see cref="NetworkInit.Small"/> (Li et al. §4.1: "multiply a small constant (0.01)").</summary>
    public const double SmallScale = 0.01;

    /// <summary>
    /// θ for run <paramref name="run"/> of seed <paramref name="seed"/>. Layer l draws from Philox stream
    /// (seed, run, l), so a layer's matrix does not depend on the depth of the network it sits in.
    /// </summary>
    public static void Fill(NShortcutNetwork network, NetworkInit init, ulong seed, ulong run, Span<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.CheckParameters(parameters);
        int d = network.Width, dd = d * d;
        if (init == NetworkInit.Zero) { parameters.Clear(); return; }
        Span<double> scratch = init == NetworkInit.Orthogonal ? new double[dd] : default;
        for (int l = 0; l < network.Depth; l++)
        {
            var rng = new PhiloxStream(seed, run, (uint)l);
            Span<double> w = parameters.Slice(l * dd, dd);
            rng.FillNormal(w);
            switch (init)
            {
                case NetworkInit.Xavier:
                case NetworkInit.Small:
                    double scale = (init == NetworkInit.Small ? SmallScale : 1.0) / Math.Sqrt(d);
                    for (int i = 0; i < dd; i++) w[i] *= scale;
                    break;
                case NetworkInit.Orthogonal:
                    HaarOrthogonal(w, d, scratch);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(init), init, "xavier, orthogonal, zero or small");
            }
        }
    }

    /// <summary>
    /// Turns a d×d matrix of iid N(0, 1) entries into a Haar-distributed orthogonal one: G = QR (Householder), then
    /// Q·diag(sign(diag R)). The sign fix makes the factorization unique and Q exactly Haar (Mezzadri 2007, "How to
    /// generate random matrices from the classical compact groups"); without it Q is biased.
    /// </summary>
    internal static void HaarOrthogonal(Span<double> g, int d, Span<double> q)
    {
        // Householder QR in place: after step k, column k below the diagonal holds v_k; diag R in rdiag.
        Span<double> rdiag = stackalloc double[d];
        Span<double> beta = stackalloc double[d];
        for (int k = 0; k < d; k++)
        {
            double norm = 0;
            for (int i = k; i < d; i++) norm += g[i * d + k] * g[i * d + k];
            norm = Math.Sqrt(norm);
            double alpha = g[k * d + k] >= 0 ? -norm : norm; // R_kk = alpha, chosen to avoid cancellation
            double xk = g[k * d + k], v0 = xk - alpha;
            g[k * d + k] = v0;
            double vnorm2 = norm * norm - xk * xk + v0 * v0; // ‖v‖² with v = x − αe_k
            beta[k] = vnorm2 > 0 ? 2.0 / vnorm2 : 0.0;
            rdiag[k] = alpha;
            for (int j = k + 1; j < d; j++)
            {
                double s = 0;
                for (int i = k; i < d; i++) s += g[i * d + k] * g[i * d + j];
                s *= beta[k];
                for (int i = k; i < d; i++) g[i * d + j] -= s * g[i * d + k];
            }
        }
        // Q = H_0 H_1 ⋯ H_{d−1} applied to I, accumulated backwards.
        q.Clear();
        for (int i = 0; i < d; i++) q[i * d + i] = 1.0;
        for (int k = d - 1; k >= 0; k--)
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int i = k; i < d; i++) s += g[i * d + k] * q[i * d + j];
                s *= beta[k];
                for (int i = k; i < d; i++) q[i * d + j] -= s * g[i * d + k];
            }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) g[i * d + j] = q[i * d + j] * (rdiag[j] < 0 ? -1.0 : 1.0);
    }
}
