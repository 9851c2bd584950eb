namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// Which pieces of the GD step a <see cref="ShortcutCnnLaneEngine{TL,TVec,T,TAblation}"/> instantiation leaves out:
/// the knobs of the Monte Carlo ablation benchmark (`fastres bench mc --ablate`), which times the step with one piece
/// dropped at a time to find what bounds it.
/// </summary>
/// <remarks>
/// Every member is a static property of a struct, so each is a JIT-time constant of its instantiation and the
/// production engine (<see cref="ShortcutCnnFullStep"/>: all false) compiles to the step with no trace of the knobs.
/// A dropped piece is replaced by a cheap operation on the same inputs (one add or FMA), so the dependency chain
/// keeps its shape and only the cost of that piece goes, and the iterates stay bounded (normalized u, finite a), so
/// no lane retires early on a NaN. Results of an ablated engine are meaningless; only its rate is of interest.
/// </remarks>
public interface IShortcutCnnStepAblation
{
    /// <summary>φ = acos(cos φ) becomes π/2 − cos φ (its first-order expansion): no acos polynomial, square root or division.</summary>
    static virtual bool DropAcos => false;

    /// <summary>The step's two square roots (sin φ and ‖ũ‖) become (1 + x)/2, the first-order √x about 1.</summary>
    static virtual bool DropSqrt => false;

    /// <summary>The step's division 1/‖ũ‖ becomes 2 − ‖ũ‖, the first-order 1/x about 1.</summary>
    static virtual bool DropDivision => false;

    /// <summary>
    /// The closed-form expectation evaluation — cos φ, ‖u‖², acos, sin, g(φ) and every update coefficient — is
    /// skipped: the update loops run with identity coefficients (u and a stay put).
    /// </summary>
    static virtual bool DropClosedForm => false;

    /// <summary>The u and a update loops (and the aᵀa*, 𝟏ᵀa sums they carry) are skipped: u and a stay put.</summary>
    static virtual bool DropUpdates => false;

    /// <summary>
    /// The step in its pre-Zen 5 order: each bundle's whole step (dot products, closed form, updates) before the next
    /// bundle's, instead of each phase for every bundle before the next phase.
    /// </summary>
    static virtual bool Fused => false;

    /// <summary>The lane state 16 bytes off a cache line, where a managed array's data starts (the pre-Zen 5 layout).</summary>
    static virtual bool Misaligned => false;

    /// <summary>Each chunk recomputes every lane's next check point with two integer divisions (the pre-Zen 5 bookkeeping).</summary>
    static virtual bool DividingChunks => false;
}

/// <summary>The production step: nothing dropped, phases interleaved across bundles.</summary>
public readonly struct ShortcutCnnFullStep : IShortcutCnnStepAblation;

/// <summary>The ablation variants of <see cref="IShortcutCnnStepAblation"/> (benchmarks only).</summary>
public static class ShortcutCnnAblations
{
    /// <summary>The engine as it was before the Zen 5 changes: fused step order, misaligned state, dividing chunks.</summary>
    public readonly struct PreZen5 : IShortcutCnnStepAblation
    {
        public static bool Fused => true;
        public static bool Misaligned => true;
        public static bool DividingChunks => true;
    }

    /// <summary><see cref="IShortcutCnnStepAblation.Fused"/> alone.</summary>
    public readonly struct FusedStep : IShortcutCnnStepAblation { public static bool Fused => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.Misaligned"/> alone.</summary>
    public readonly struct MisalignedState : IShortcutCnnStepAblation { public static bool Misaligned => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.DividingChunks"/> alone.</summary>
    public readonly struct DividingChunkLengths : IShortcutCnnStepAblation { public static bool DividingChunks => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.DropAcos"/>.</summary>
    public readonly struct NoAcos : IShortcutCnnStepAblation { public static bool DropAcos => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.DropSqrt"/>.</summary>
    public readonly struct NoSqrt : IShortcutCnnStepAblation { public static bool DropSqrt => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.DropDivision"/>.</summary>
    public readonly struct NoDivision : IShortcutCnnStepAblation { public static bool DropDivision => true; }

    /// <summary>Acos, the square roots and the division all dropped: the step's FMA and load/store work alone.</summary>
    public readonly struct NoAcosSqrtDivision : IShortcutCnnStepAblation
    {
        public static bool DropAcos => true;
        public static bool DropSqrt => true;
        public static bool DropDivision => true;
    }

    /// <summary><see cref="IShortcutCnnStepAblation.DropClosedForm"/>: the update loops alone.</summary>
    public readonly struct NoClosedForm : IShortcutCnnStepAblation { public static bool DropClosedForm => true; }

    /// <summary><see cref="IShortcutCnnStepAblation.DropUpdates"/>: the closed form alone.</summary>
    public readonly struct NoUpdates : IShortcutCnnStepAblation { public static bool DropUpdates => true; }

    /// <summary>No step at all: what is left is the chunking, the outcome checks every R steps and the feed.</summary>
    public readonly struct BookkeepingOnly : IShortcutCnnStepAblation
    {
        public static bool DropClosedForm => true;
        public static bool DropUpdates => true;
    }
}
