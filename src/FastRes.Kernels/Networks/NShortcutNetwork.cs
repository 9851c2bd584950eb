namespace FastRes.Kernels.Networks;

/// <summary>
/// An n-shortcut network of Li, Jiao, Han and Weissman ("Demystifying ResNet", Def. 1–2), or the plain network with
/// the same layers: width d everywhere, R residual units of n weight matrices each (depth D = R·n). Unit r maps
/// <code>h ↦ s·h + σ_post(W^{r,n} σ_mid(⋯ σ_mid(W^{r,1} σ_pre(h))))</code>
/// with s = 1 for the shortcut network and s = 0 for the plain one; ŷ(x) is the output of the last unit and the loss
/// is L = (1/2m) Σ_μ ‖y^μ − ŷ(x^μ)‖².
/// </summary>
/// <remarks>
/// <para><b>Parameter layout.</b> One flat vector θ of <see cref="ParameterCount"/> = R·n·d² doubles, unit-major, then
/// layer, then the d×d matrix row-major: W^{r,k}_{ij} (all 0-based) is θ[((r·n + k)·d + i)·d + j]. The global layer
/// index is l = r·n + k. Gradients and Hessians use the same order (the Hessian is N×N row-major).</para>
/// <para>Note the paper orders a matrix's entries column-major (its ind(·), eq. 21); <see cref="TheoremTwo"/> says
/// where that matters.</para>
/// </remarks>
public sealed partial class NShortcutNetwork
{
    /// <param name="width">d, the width of every layer (d_x = d_y = d).</param>
    /// <param name="units">R, the number of residual units.</param>
    /// <param name="shortcutDepth">n, the weight matrices per unit (the shortcut's depth).</param>
    /// <param name="shortcut">true: identity shortcuts (n-shortcut network); false: the plain network.</param>
    public NShortcutNetwork(int width, int units, int shortcutDepth, bool shortcut = true,
        Activation pre = Activation.Identity, Activation mid = Activation.Identity, Activation post = Activation.Identity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shortcutDepth, 1);
        if (!Enum.IsDefined(pre) || !Enum.IsDefined(mid) || !Enum.IsDefined(post))
            throw new ArgumentOutOfRangeException(nameof(pre), "activations are identity, relu or tanh");
        long n = (long)units * shortcutDepth * width * width;
        if (n > int.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(units), "too many parameters");
        Width = width; Units = units; ShortcutDepth = shortcutDepth; HasShortcut = shortcut;
        Pre = pre; Mid = mid; Post = post;
    }

    /// <summary>d.</summary>
    public int Width { get; }
    /// <summary>R.</summary>
    public int Units { get; }
    /// <summary>n.</summary>
    public int ShortcutDepth { get; }
    /// <summary>Identity shortcut paths present (false: the plain network).</summary>
    public bool HasShortcut { get; }
    public Activation Pre { get; }
    public Activation Mid { get; }
    public Activation Post { get; }

    /// <summary>D = R·n weight matrices.</summary>
    public int Depth => Units * ShortcutDepth;
    /// <summary>N = R·n·d².</summary>
    public int ParameterCount => Depth * Width * Width;
    /// <summary>All activations are the identity: the loss depends on the data only through Σ^{XX}, Σ^{XY}, Σ^{YY}.</summary>
    public bool IsLinear => Pre == Activation.Identity && Mid == Activation.Identity && Post == Activation.Identity;

    /// <summary>Offset of W^{r,k} in θ.</summary>
    public int LayerOffset(int unit, int layer) => (unit * ShortcutDepth + layer) * Width * Width;

    /// <summary>The activation applied to layer l's output z_l: σ_mid inside a unit, σ_post after its last layer.</summary>
    internal Activation OutputActivation(int layer) => layer % ShortcutDepth == ShortcutDepth - 1 ? Post : Mid;

    public override string ToString() =>
        $"{(HasShortcut ? $"{ShortcutDepth}-shortcut" : "plain")} d={Width} R={Units} n={ShortcutDepth} (pre {Pre}, mid {Mid}, post {Post})";

    internal void CheckParameters(ReadOnlySpan<double> parameters)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"expected {ParameterCount} parameters, got {parameters.Length}", nameof(parameters));
    }

    internal void CheckData(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if ((long)samples * Width > x.Length) throw new ArgumentException($"X needs {samples}×{Width} values", nameof(x));
        if ((long)samples * Width > y.Length) throw new ArgumentException($"Y needs {samples}×{Width} values", nameof(y));
    }
}
