namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// Supplies trials to <see cref="ShortcutCnnLaneEngine{TL,TVec,T,TAblation}"/> one lane at a time and takes their outcomes.
/// The engine knows nothing of seeds, methods or blocks: a trial is its initial state, its teacher and its Stage I
/// step sizes; <paramref name="tag"/> lets the feed recognise it on completion.
/// </summary>
public interface IShortcutCnnTrialFeed
{
    /// <summary>
    /// The next trial, or false when there is none. u0 is the initial u = e + w (shortcut) or w (plain CNN), a unit
    /// vector; Stage I (t &lt; <paramref name="warmupIterations"/>) uses η_w = <paramref name="etaW1"/>,
    /// η_a = <paramref name="etaA1"/>, then both are the engine's η.
    /// </summary>
    bool TryNext(out long tag, Span<double> u0, Span<double> vStar, Span<double> aStar, Span<double> a0,
                 out double etaW1, out double etaA1, out int warmupIterations);

    /// <summary>A trial has ended (retired early or after the last iteration) after <paramref name="iterations"/> steps.</summary>
    void Complete(long tag, TrialOutcome outcome, int iterations);
}

/// <summary>What every trial of one engine shares (SPEC §1.2–1.5).</summary>
/// <param name="Eta">Stage II (and non-warm-up) step size η for both w and a.</param>
/// <param name="Iterations">T, the iteration budget of a trial.</param>
/// <param name="Tol">Success tolerance on φ and ‖a − a*‖.</param>
/// <param name="RetireLoss">A success retires early once its loss is below this.</param>
/// <param name="CheckEvery">R: outcomes are checked when t is a multiple of R, at T₁ and at T — times that depend on
/// the trial alone, so results never depend on which other trials share the vector.</param>
public readonly record struct ShortcutCnnGdSettings(int P, int K, double Eta, int Iterations, double Tol, double RetireLoss, int CheckEvery = 16);
