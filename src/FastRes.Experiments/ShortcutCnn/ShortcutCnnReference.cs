using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// The state of one trial after t iterations, as the trajectory experiment records it (SPEC §1.6): w_t, a_t,
/// φ = ∠(v_t, v*), the population loss, aᵀa* and ‖a − a*‖. <see cref="W"/> and <see cref="A"/> view the live
/// buffers of the run: valid during the observer call only; copy them to keep them.
/// </summary>
public readonly record struct ShortcutCnnState(
    ReadOnlyMemory<double> W, ReadOnlyMemory<double> A, double Phi, double Loss, double ADotAStar, double AError);

/// <summary>How a reference trial ended: its outcome, the iterations it ran (≤ T) and its final (w, a).</summary>
public sealed record ShortcutCnnReferenceTrial(TrialOutcome Outcome, int Iterations, double[] W, double[] A);

/// <summary>
/// The scalar reference trial of the shortcut-CNN experiments: gradient descent on the closed-form population loss,
/// one step written literally per method as in SPEC §1.2 (Du et al. 2017's normalized GD for the plain CNN; Liu et
/// al. 2019's shortcut update, with and without step-size warm-up), and the outcome rules of SPEC §1.5. It is the
/// oracle the SIMD Monte Carlo kernel is tested against, and it runs the trajectory experiment: clarity and
/// exactness over speed.
/// </summary>
public static class ShortcutCnnReference
{
    /// <summary>
    /// The vector whose direction is the student's filter: u = w for the plain CNN (v = w/‖w‖), u = e + w with
    /// e = 𝟏/√p for the shortcut methods (v = (e + w)/‖e + w‖).
    /// </summary>
    public static void Direction(ShortcutCnnMethod method, ReadOnlySpan<double> w, Span<double> u)
    {
        if (u.Length != w.Length) throw new ArgumentException("u must have length p", nameof(u));
        double shortcut = method == ShortcutCnnMethod.Cnn ? 0.0 : 1.0 / Math.Sqrt(w.Length);
        for (int i = 0; i < w.Length; i++) u[i] = shortcut + w[i];
    }

    /// <summary>
    /// The initial w of SPEC §1.2: the sphere point <paramref name="sphereW0"/> (from
    /// <see cref="ShortcutCnnTrialSetup.Sample"/>) for the plain CNN, 0 for the shortcut methods.
    /// </summary>
    public static void InitialW(ShortcutCnnMethod method, ReadOnlySpan<double> sphereW0, Span<double> w)
    {
        if (method == ShortcutCnnMethod.Cnn) sphereW0.CopyTo(w);
        else w.Clear();
    }

    /// <summary>
    /// (η_w, η_a) for the step t → t + 1 (SPEC §1.2, §1.4): η for cnn and resnet; for resnet-ssw, Stage I (t &lt; T₁)
    /// uses η_a = η₁, η_w = C‖a*‖²η₁², Stage II (t ≥ T₁) uses η.
    /// </summary>
    public static (double EtaW, double EtaA) StepSizesAt(ShortcutCnnMethod method, StepSizes steps, int t, ReadOnlySpan<double> aStar)
    {
        if (method != ShortcutCnnMethod.ResnetSsw || t >= steps.WarmupIterations) return (steps.Eta, steps.Eta);
        double aStarNorm2 = 0;
        for (int j = 0; j < aStar.Length; j++) aStarNorm2 += aStar[j] * aStar[j];
        return (steps.WarmupC * aStarNorm2 * steps.Eta1 * steps.Eta1, steps.Eta1);
    }

    /// <summary>
    /// One GD step t → t + 1 in place (SPEC §1.2), both gradients evaluated at (w_t, a_t):
    /// <list type="bullet">
    /// <item>cnn: w̃ = w − η_w∇_w L, w ← w̃/‖w̃‖;</item>
    /// <item>resnet, resnet-ssw: w̃ = w − η_w∇_w L, w ← (e + w̃)/‖e + w̃‖ − e;</item>
    /// <item>all: a ← a − η_a∇_a L,</item>
    /// </list>
    /// with (η_w, η_a) from <see cref="StepSizesAt"/>.
    /// </summary>
    public static void Step(ShortcutCnnMethod method, StepSizes steps, int t,
                            ReadOnlySpan<double> vStar, ReadOnlySpan<double> aStar, Span<double> w, Span<double> a)
    {
        int p = w.Length, k = a.Length;
        if (vStar.Length != p) throw new ArgumentException("vStar must have the length p of w", nameof(vStar));
        if (aStar.Length != k) throw new ArgumentException("aStar must have the length k of a", nameof(aStar));
        Span<double> buffer = p + k + p <= 512 ? stackalloc double[p + k + p] : new double[p + k + p];
        Span<double> u = buffer[..p], gradW = buffer.Slice(p, p), gradA = buffer.Slice(2 * p, k);

        // Both gradients at (w_t, a_t).
        Direction(method, w, u);
        double phi = ShortcutCnnClosedForm.Angle(u, vStar);
        double aDotAStar = Dot.Sequential(a, aStar);
        ShortcutCnnClosedForm.GradW(u, vStar, aDotAStar, gradW);
        ShortcutCnnClosedForm.GradA(a, aStar, phi, gradA);
        var (etaW, etaA) = StepSizesAt(method, steps, t, aStar);

        // w̃ = w − η_w∇_w L, kept in u, then the method's projection.
        for (int i = 0; i < p; i++) u[i] = w[i] - etaW * gradW[i];
        if (method == ShortcutCnnMethod.Cnn)
        {
            double norm = ShortcutCnnClosedForm.Norm(u);
            for (int i = 0; i < p; i++) w[i] = u[i] / norm;
        }
        else
        {
            double e = 1.0 / Math.Sqrt(p);
            for (int i = 0; i < p; i++) u[i] += e; // e + w̃
            double norm = ShortcutCnnClosedForm.Norm(u);
            for (int i = 0; i < p; i++) w[i] = u[i] / norm - e;
        }

        for (int j = 0; j < k; j++) a[j] -= etaA * gradA[j];
    }

    /// <summary>The recorded quantities of the state (w, a): φ = ∠(v, v*), loss, aᵀa*, ‖a − a*‖.</summary>
    public static ShortcutCnnState Observe(ShortcutCnnMethod method, ReadOnlySpan<double> vStar, ReadOnlySpan<double> aStar,
                                          double[] w, double[] a)
    {
        Span<double> u = w.Length <= 512 ? stackalloc double[w.Length] : new double[w.Length];
        Direction(method, w, u);
        double phi = ShortcutCnnClosedForm.Angle(u, vStar);
        double aError2 = 0;
        for (int j = 0; j < a.Length; j++) aError2 += (a[j] - aStar[j]) * (a[j] - aStar[j]);
        return new ShortcutCnnState(w, a, phi, ShortcutCnnClosedForm.Loss(a, aStar, phi), Dot.Sequential(a, aStar), Math.Sqrt(aError2));
    }

    /// <summary>
    /// The outcome of a state (SPEC §1.5), first rule that applies: diverged (a NaN or ±∞ in w, a, φ or the loss);
    /// success (φ &lt; tol and ‖a − a*‖ &lt; tol); spurious (φ &gt; π/2); else undecided.
    /// </summary>
    public static TrialOutcome Classify(in ShortcutCnnState state, double tol)
    {
        if (!AllFinite(state.W.Span) || !AllFinite(state.A.Span) || !double.IsFinite(state.Phi) || !double.IsFinite(state.Loss))
            return TrialOutcome.Diverged;
        if (state.Phi < tol && state.AError < tol) return TrialOutcome.Success;
        if (state.Phi > Math.PI / 2) return TrialOutcome.Spurious;
        return TrialOutcome.Undecided;
    }

    /// <summary>
    /// Runs one trial from (w0, a0) for at most <paramref name="iterations"/> = T steps of <see cref="Step"/>.
    /// w0 is used as given: pass <see cref="InitialW"/>'s (0 for the shortcut methods) to follow SPEC §1.2.
    /// </summary>
    /// <remarks>
    /// Early retirement (SPEC §1.5) is checked only after step t (t = iterations done, 1 ≤ t ≤ T) when
    /// t % <paramref name="checkEvery"/> == 0, t == T₁ (<see cref="StepSizes.WarmupIterations"/>, for every method)
    /// or t == T, exactly as the SIMD kernel checks it, so both run the same number of iterations: the trial stops
    /// when it has diverged, or when it is a success with loss &lt; <paramref name="retireLoss"/> (0 disables that).
    /// The outcome is then <see cref="Classify"/> of the final state. <paramref name="observer"/>, when given, sees
    /// (0, initial state) and (t, state) after every step.
    /// </remarks>
    public static ShortcutCnnReferenceTrial Run(ShortcutCnnMethod method, StepSizes steps, int iterations, double tol,
                                                double retireLoss, int checkEvery,
                                                ReadOnlySpan<double> vStar, ReadOnlySpan<double> aStar,
                                                ReadOnlySpan<double> a0, ReadOnlySpan<double> w0,
                                                Action<int, ShortcutCnnState>? observer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(checkEvery, 1);
        if (w0.Length != vStar.Length) throw new ArgumentException("w0 must have the length p of vStar", nameof(w0));
        if (a0.Length != aStar.Length) throw new ArgumentException("a0 must have the length k of aStar", nameof(a0));

        double[] w = w0.ToArray(), a = a0.ToArray();
        observer?.Invoke(0, Observe(method, vStar, aStar, w, a));
        int t = 0;
        while (t < iterations)
        {
            Step(method, steps, t, vStar, aStar, w, a);
            t++;
            bool check = t % checkEvery == 0 || t == steps.WarmupIterations || t == iterations;
            if (observer is null && !check) continue;
            var state = Observe(method, vStar, aStar, w, a);
            observer?.Invoke(t, state);
            if (!check) continue;
            var outcome = Classify(state, tol);
            if (outcome == TrialOutcome.Diverged || (outcome == TrialOutcome.Success && state.Loss < retireLoss)) break;
        }
        return new ShortcutCnnReferenceTrial(Classify(Observe(method, vStar, aStar, w, a), tol), t, w, a);
    }

    private static bool AllFinite(ReadOnlySpan<double> x)
    {
        foreach (double v in x) if (!double.IsFinite(v)) return false;
        return true;
    }
}
