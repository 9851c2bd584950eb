using FastRes.Kernels.Random;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// The randomness of trial i (SPEC §1.3): teacher (a*, v*), the shared a_0 and the plain CNN's w_0, each from its
/// own Philox stream keyed by (seed, i). A pure function of (seed, i, p, k, θ_cap): all methods of a trial see the
/// same teacher and a_0 (paired comparison), whatever the threads, batch, SIMD width or shard.
/// </summary>
public static class ShortcutCnnTrialSetup
{
    public const uint StreamAStar = 0;
    public const uint StreamVStar = 1;
    public const uint StreamA0 = 2;
    public const uint StreamW0 = 3;

    /// <param name="w0">The plain CNN's initial w, uniform on the unit sphere (the shortcut methods start at w = 0).</param>
    public static void Sample(ulong seed, long trial, SphericalCap cap,
                              Span<double> vStar, Span<double> aStar, Span<double> a0, Span<double> w0)
    {
        int k = aStar.Length;
        if (a0.Length != k) throw new ArgumentException("a0 and aStar must have the same length k");
        if (w0.Length != cap.P) throw new ArgumentException("w0 must have length p");

        // a* ~ N(0, I_k)
        var rngA = new PhiloxStream(seed, (ulong)trial, StreamAStar);
        rngA.FillNormal(aStar);

        // v* uniform on the cap around e
        var rngV = new PhiloxStream(seed, (ulong)trial, StreamVStar);
        cap.Sample(ref rngV, vStar);

        // a_0 uniform in the ball of radius |𝟏ᵀa*|/√k: Gaussian direction, radius ρ·U^{1/k}.
        double sum = 0;
        for (int j = 0; j < k; j++) sum += aStar[j];
        double radius = Math.Abs(sum) / Math.Sqrt(k);
        var rng0 = new PhiloxStream(seed, (ulong)trial, StreamA0);
        double n2;
        do
        {
            rng0.FillNormal(a0);
            n2 = 0;
            for (int j = 0; j < k; j++) n2 += a0[j] * a0[j];
        } while (n2 < 1e-300);
        double r = radius * Math.Pow(rng0.NextUniform(), 1.0 / k) / Math.Sqrt(n2);
        for (int j = 0; j < k; j++) a0[j] *= r;

        // w_0 uniform on the sphere (plain CNN, Du et al.)
        var rngW = new PhiloxStream(seed, (ulong)trial, StreamW0);
        do
        {
            rngW.FillNormal(w0);
            n2 = 0;
            for (int j = 0; j < w0.Length; j++) n2 += w0[j] * w0[j];
        } while (n2 < 1e-300);
        double inv = 1.0 / Math.Sqrt(n2);
        for (int j = 0; j < w0.Length; j++) w0[j] *= inv;
    }
}
