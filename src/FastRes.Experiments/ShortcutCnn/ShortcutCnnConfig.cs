using FastRes.Experiments.Settings;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// The shortcut-CNN success-rate experiment (SPEC §1.7). Every value has a default; <see cref="Validate"/> is the
/// one place that decides what is allowed.
/// </summary>
public sealed record ShortcutCnnConfig : IExperimentConfig<ShortcutCnnConfig>
{
    public int P { get; init; } = 8;
    public int[] K { get; init; } = [2, 4, 8, 12, 16, 24, 32];
    public ShortcutCnnMethod[] Methods { get; init; } = ShortcutCnnMethods.All;
    public long Trials { get; init; } = 20_000;
    /// <summary>T, the GD iterations per trial; null: <see cref="IterationsFor"/> picks one per k.</summary>
    public int? Iterations { get; init; }
    /// <summary>η directly (overrides <see cref="EtaScale"/> and <see cref="Steps"/>).</summary>
    public double? Eta { get; init; }
    /// <summary>S: η = S · 5π²/(4(k+π−1)²), a fraction of Theorem 2's step.</summary>
    public double EtaScale { get; init; } = 0.25;
    /// <summary>η₁ (Stage I of warm-up); default Theorem 1's π/(20(k+π−1)²).</summary>
    public double? Eta1 { get; init; }
    /// <summary>T₁; default T/2.</summary>
    public int? WarmupIterations { get; init; }
    /// <summary>C in η_w = C‖a*‖²η₁² (Stage I).</summary>
    public double WarmupC { get; init; } = 1.0;
    public StepRule Steps { get; init; } = StepRule.Default;
    /// <summary>θ_cap: half-angle in degrees of the cap around e from which v* is drawn; 60° is ‖v*−e‖ ≤ 1.</summary>
    public double CapDeg { get; init; } = 60;
    public double Tol { get; init; } = 1e-3;
    /// <summary>A trial retires early once it is a success with loss below this (SPEC §1.5).</summary>
    public double RetireLoss { get; init; } = 1e-12;
    public Precision Precision { get; init; } = Precision.Double;
    public ulong Seed { get; init; } = 1;
    /// <summary>Worker threads; 0 = all cores.</summary>
    public int Threads { get; init; }
    public Shard Shard { get; init; } = Shard.Whole;
    /// <summary>Vector width of the kernel; Auto = widest accelerated. Results do not depend on it.</summary>
    public SimdWidth Simd { get; init; } = SimdWidth.Auto;
    /// <summary>Batching knobs (vectors of trials in flight per worker, trials per claimed block): results never
    /// depend on them; tests vary them to prove it.</summary>
    internal int VectorsInFlight { get; init; } = 4;
    /// <summary>Trials per claimed block, also the unit of checkpoints: smaller blocks lose less work to a kill but
    /// write more checkpoint records. Never changes results.</summary>
    public int BlockTrials { get; init; } = 256;

    /// <summary>Every setting of SPEC §1.7, declared once; atlas and trajectory lift them.</summary>
    public static Schema<ShortcutCnnConfig> Schema { get; } = new()
    {
        { "p", "N", "Patch dimension p ≥ 2", c => c.P, (c, v) => c with { P = v }, Kinds.Int, Rules.Between(2, MaxDimension) },
        { "k", "LIST", "Comma list of widths k ≥ 1", c => c.K, (c, v) => c with { K = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, MaxDimension)) },
        { "methods", "LIST", "Comma list of cnn, resnet, resnet-ssw", c => c.Methods, (c, v) => c with { Methods = v }, Kinds.List(ShortcutCnnMethods.Kind),
          Rules.NonEmpty<ShortcutCnnMethod>(what: "at least one of cnn, resnet, resnet-ssw") },
        { "trials", "N", "Trials per (k, method) cell", c => c.Trials, (c, v) => c with { Trials = v }, Kinds.Long, Rules.Between(1L, MaxTrials) },
        { "iterations", "T", "GD iterations per trial (default: max(3000, 12·(k+π−1)²) rounded up to 100, so that every k settles)", c => c.Iterations,
          (c, v) => c with { Iterations = v }, Kinds.Optional(Kinds.Int), Rules.IfSet(Rules.Between(1, MaxIterations)) },
        { "eta", "X", "Step size η directly (default: from --eta-scale)", c => c.Eta, (c, v) => c with { Eta = v }, Kinds.Optional(Kinds.Double), Rules.IfSet(Step) },
        { "eta-scale", "S", "η = S·5π²/(4(k+π−1)²), a fraction of Theorem 2's step", c => c.EtaScale, (c, v) => c with { EtaScale = v }, Kinds.Double, Step },
        { "eta1", "X", "Stage-I step η₁ of resnet-ssw (default: Theorem 1's π/(20(k+π−1)²))", c => c.Eta1, (c, v) => c with { Eta1 = v },
          Kinds.Optional(Kinds.Double), Rules.IfSet(Step) },
        { "warmup-iterations", "T1", "Stage-I iterations T₁ of resnet-ssw (default: iterations/2)", c => c.WarmupIterations, (c, v) => c with { WarmupIterations = v },
          Kinds.Optional(Kinds.Int) },
        { "warmup-c", "C", "C in Stage I's η_w = C‖a*‖²η₁²", c => c.WarmupC, (c, v) => c with { WarmupC = v }, Kinds.Double, Step },
        { "steps", "default|theory", "default: η from --eta-scale; theory: Theorem 1/2 step sizes exactly", c => c.Steps, (c, v) => c with { Steps = v },
          Kinds.Choice(("default", StepRule.Default), ("theory", StepRule.Theory)) },
        { "cap-deg", "DEG", "Half-angle θ_cap of the teacher's cap around e, in [0.01, 180]", c => c.CapDeg, (c, v) => c with { CapDeg = v }, Kinds.Double, Rules.Between(MinCapDeg, 180.0) },
        // Below π/2, where spurious begins: a larger tol would count trials in the spurious basin as successes.
        { "tol", "X", "Success when φ < tol and ‖a − a*‖ < tol, tol in (0, 1]", c => c.Tol, (c, v) => c with { Tol = v }, Kinds.Double, Rules.AboveUpTo(0, 1) },
        { "retire-loss", "X", "A successful trial retires early below this loss", c => c.RetireLoss, (c, v) => c with { RetireLoss = v }, Kinds.Double, Rules.Between(0.0, 1.0) },
        { "precision", "double|float", "Kernel arithmetic", c => c.Precision, (c, v) => c with { Precision = v }, Kinds.Choice(("double", Precision.Double), ("float", Precision.Float)) },
        Packs.Seed<ShortcutCnnConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Random seed; trial i's randomness is a function of (seed, i)"),
        Packs.Threads<ShortcutCnnConfig>(c => c.Threads, (c, v) => c with { Threads = v }, "Worker threads, 0 = all cores (default {default}); never changes results"),
        Packs.Shard<ShortcutCnnConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Run shard i (0-based) of N of the trials; merge combines shards"),
        Packs.BlockTrials<ShortcutCnnConfig>(c => c.BlockTrials, (c, v) => c with { BlockTrials = v }),
        Packs.Simd<ShortcutCnnConfig>(c => c.Simd, (c, v) => c with { Simd = v }),
    };

    /// <summary>
    /// Bounds the kernels honour: p and k index lanes' k·p arrays (1024 keeps a lane's state in cache and T(k) below
    /// 13 M); trial indices are Philox keys and counts are 64-bit, 10¹² trials is years of compute; a step of 10⁶ already
    /// diverges at once (it is counted, not hidden); a cap below 0.01° makes cos θ_cap = 1 to rounding and the cap sampler
    /// degenerate.
    /// </summary>
    public const int MaxDimension = 1024, MaxIterations = 100_000_000;
    public const long MaxTrials = 1_000_000_000_000;
    public const double MinCapDeg = 0.01;
    private static Rule<double> Step => Rules.AboveUpTo(0, 1e6);

    public IReadOnlyList<ConfigError> Validate() => [.. Schema.Check(this), .. Relations()];

    /// <summary>The rules between settings (each setting's own rule is in <see cref="Schema"/>).</summary>
    public IEnumerable<ConfigError> Relations()
    {
        if (WarmupIterations is { } t1 && K is { Length: > 0 } && K.All(k => k >= 1) && (t1 < 0 || t1 > K.Min(IterationsFor)))
            yield return new("warmup-iterations", $"must be between 0 and iterations ({K.Min(IterationsFor)}) (got {t1})");
    }

    /// <summary>The iteration budget SPEC §1.4 gives every k (3000) below which no default may go.</summary>
    public const int BaseIterations = 3000;

    /// <summary>
    /// T for width k: <see cref="Iterations"/> when set, else max(3000, 12·(k+π−1)²) rounded up to a multiple of 100.
    /// Every step size is ∝ 1/(k+π−1)² (SPEC §1.4), so the iterations a trial needs to settle grow like (k+π−1)²:
    /// measured here (p = 8, θ_cap = 60°, 2000 trials), resnet needs about 4.4·(k+π−1)² and resnet-ssw, whose Stage II
    /// is the second half, about twice that (it settled at T = 7000 but not 5000 for k = 24, at 10000 but not 7000 for
    /// k = 32). The factor 12 leaves a margin of 20–40% over that, and k ≤ 13 keep SPEC's T = 3000.
    /// </summary>
    public int IterationsFor(int k)
    {
        if (Iterations is { } t) return t;
        double kk = k + Math.PI - 1;
        return Math.Max(BaseIterations, (int)Math.Ceiling(12 * kk * kk / 100) * 100);
    }

    /// <summary>The step sizes this config resolves to for width k (SPEC §1.4).</summary>
    public StepSizes ResolveSteps(int k)
    {
        double kk = k + Math.PI - 1;
        double theorem2 = 5 * Math.PI * Math.PI / (4 * kk * kk);
        double theorem1 = Math.PI / (20 * kk * kk);
        double eta = Eta ?? (Steps == StepRule.Theory ? theorem2 : EtaScale * theorem2);
        double eta1 = Eta1 ?? theorem1;
        int t1 = WarmupIterations ?? IterationsFor(k) / 2;
        return new StepSizes(eta, eta1, t1, WarmupC);
    }
}

/// <summary>
/// Resolved step sizes: η for Stage II (and for cnn/resnet throughout), η₁ and T₁ for Stage I of resnet-ssw,
/// where η_a = η₁ and η_w = C‖a*‖²η₁².
/// </summary>
public readonly record struct StepSizes(double Eta, double Eta1, int WarmupIterations, double WarmupC);
