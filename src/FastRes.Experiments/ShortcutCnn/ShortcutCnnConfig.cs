using FastRes.Kernels.Simd;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// The shortcut-CNN success-rate experiment (SPEC §1.7). Every value has a default; <see cref="Validate"/> is the
/// one place that decides what is allowed.
/// </summary>
public sealed record ShortcutCnnConfig
{
    public int P { get; init; } = 8;
    public int[] K { get; init; } = [2, 4, 8, 12, 16, 24, 32];
    public ShortcutCnnMethod[] Methods { get; init; } = ShortcutCnnMethods.All;
    public long Trials { get; init; } = 20_000;
    public int Iterations { get; init; } = 3000;
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

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (P < 2) errors.Add(new("p", $"must be an integer ≥ 2 (got {P})"));
        if (K is null || K.Length == 0) errors.Add(new("k", "must list at least one value"));
        else if (K.Any(k => k < 1)) errors.Add(new("k", $"every value must be an integer ≥ 1 (got {string.Join(",", K)})"));
        if (Methods is null || Methods.Length == 0) errors.Add(new("methods", "must list at least one of cnn, resnet, resnet-ssw"));
        if (Trials <= 0) errors.Add(new("trials", $"must be a positive integer (got {Trials})"));
        if (Iterations <= 0) errors.Add(new("iterations", $"must be a positive integer (got {Iterations})"));
        CheckStep(errors, "eta", Eta);
        if (!(EtaScale > 0) || double.IsInfinity(EtaScale)) errors.Add(new("eta-scale", $"must be a finite number > 0 (got {EtaScale})"));
        CheckStep(errors, "eta1", Eta1);
        if (WarmupIterations is { } t1 && (t1 < 0 || t1 > Iterations))
            errors.Add(new("warmup-iterations", $"must be between 0 and iterations ({Iterations}) (got {t1})"));
        if (!(WarmupC > 0) || double.IsInfinity(WarmupC)) errors.Add(new("warmup-c", $"must be a finite number > 0 (got {WarmupC})"));
        if (!(CapDeg > 0 && CapDeg <= 180)) errors.Add(new("cap-deg", $"must be in (0, 180] degrees (got {CapDeg})"));
        if (!(Tol > 0) || double.IsInfinity(Tol)) errors.Add(new("tol", $"must be a finite number > 0 (got {Tol})"));
        if (!(RetireLoss >= 0) || double.IsInfinity(RetireLoss)) errors.Add(new("retire-loss", $"must be a finite number ≥ 0 (got {RetireLoss})"));
        if (BlockTrials < 1) errors.Add(new("block-trials", $"must be an integer ≥ 1 (got {BlockTrials})"));
        if (Threads < 0) errors.Add(new("threads", $"must be ≥ 0 (0 = all cores) (got {Threads})"));
        if (Shard.Count < 1 || Shard.Index < 0 || Shard.Index >= Shard.Count)
            errors.Add(new("shard", $"must be i/N with 0 ≤ i < N (got {Shard})"));
        return errors;
    }

    private static void CheckStep(List<ConfigError> errors, string field, double? value)
    {
        if (value is { } v && (!(v > 0) || double.IsInfinity(v)))
            errors.Add(new(field, $"must be a finite number > 0 (got {v})"));
    }

    /// <summary>The step sizes this config resolves to for width k (SPEC §1.4).</summary>
    public StepSizes ResolveSteps(int k)
    {
        double kk = k + Math.PI - 1;
        double theorem2 = 5 * Math.PI * Math.PI / (4 * kk * kk);
        double theorem1 = Math.PI / (20 * kk * kk);
        double eta = Eta ?? (Steps == StepRule.Theory ? theorem2 : EtaScale * theorem2);
        double eta1 = Eta1 ?? theorem1;
        int t1 = WarmupIterations ?? Iterations / 2;
        return new StepSizes(eta, eta1, t1, WarmupC);
    }
}

/// <summary>
/// Resolved step sizes: η for Stage II (and for cnn/resnet throughout), η₁ and T₁ for Stage I of resnet-ssw,
/// where η_a = η₁ and η_w = C‖a*‖²η₁².
/// </summary>
public readonly record struct StepSizes(double Eta, double Eta1, int WarmupIterations, double WarmupC);
