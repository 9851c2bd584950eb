using FastRes.Experiments.Hessian;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>
/// A network of Li et al.'s training experiments (Section 5, Appendix B): one of initial-condition's nets — plain
/// xavier or orthogonal, n-shortcut with small init (xavier × 0.01) — linear, or with ReLUs at the mid positions of
/// the 2-shortcut units. Appendix B puts the plain networks' ReLUs "at the same positions as in 2-shortcut networks",
/// so a plain network is built of plain 2-layer units h ↦ W₂σ(W₁h) (for a linear net the grouping changes nothing:
/// the same matrices in the same order, the same θ, the same initialization).
/// </summary>
public readonly record struct TrainingNet(InitialConditionNet Net, Activation Mid)
{
    /// <summary>The paper's names for the settings: xavier, orthogonal, shortcut1, shortcut2, shortcut3.</summary>
    public string Name => Net.Name();

    /// <summary>Shortcut depth n of the units (2 for the plain nets, see the type remarks).</summary>
    public int UnitDepth => Net.Shape().Shortcut ? Net.Shape().N : 2;

    public NetworkInit Init => Net.Shape().Init;

    /// <summary>Units R for a requested depth D: R = max(1, round(D/n)), so the network's depth is R·n.</summary>
    public int Units(int depth) => HessianSize.Units(UnitDepth, depth);

    public NShortcutNetwork Build(int depth, int width)
        => new(width, Units(depth), UnitDepth, Net.Shape().Shortcut, mid: Mid);

    /// <summary>The mid activations the experiments offer: none (linear) or ReLU.</summary>
    public static readonly Kind<Activation> MidKind = Kinds.Choice(("linear", Activation.Identity), ("relu", Activation.Relu));
}
