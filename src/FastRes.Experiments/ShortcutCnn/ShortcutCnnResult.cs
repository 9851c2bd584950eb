namespace FastRes.Experiments.ShortcutCnn;

/// <summary>One (p, k, θ_cap, method) cell of a success-rate experiment (SPEC §1.7 row contract).</summary>
public sealed record ShortcutCnnRow
{
    public required int P { get; init; }
    public required int K { get; init; }
    public required double CapDeg { get; init; }
    public required string Method { get; init; }
    public required long Trials { get; init; }
    public required long Success { get; init; }
    public required long Spurious { get; init; }
    public required long Undecided { get; init; }
    public required long Diverged { get; init; }
    public required long TrialIterations { get; init; }
    public required double Seconds { get; init; }

    public double SuccessRate => Trials == 0 ? double.NaN : (double)Success / Trials;
    public (double Lo, double Hi) SuccessCi95 => Statistics.Wilson.Interval95(Success, Trials);
    public double SpuriousRate => Trials == 0 ? double.NaN : (double)Spurious / Trials;
    public (double Lo, double Hi) SpuriousCi95 => Statistics.Wilson.Interval95(Spurious, Trials);
}

/// <summary>The result of a shortcut-cnn (or atlas) run: the config it resolved to and its rows.</summary>
public sealed record ShortcutCnnResult(ShortcutCnnConfig Config, IReadOnlyList<ShortcutCnnRow> Rows, double Seconds);
