namespace FastRes.Kernels.Networks;

/// <summary>
/// The second moments a linear network's squared loss depends on: Σ^{XX}, Σ^{XY} (<see cref="ExactHessian.Moments"/>,
/// d×d row-major, 1/m) and tr Σ^{YY} = (1/m) Σ_μ ‖y^μ‖². Computed once per data set; after that the loss, gradient and
/// Hessian of every linear network on the data cost nothing per sample.
/// </summary>
public sealed class DataMoments
{
    private readonly double[] _sxx, _sxy;

    /// <param name="x">m×d row-major inputs.</param>
    /// <param name="y">m×d row-major targets.</param>
    public DataMoments(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width)
    {
        _sxx = new double[width * width];
        _sxy = new double[width * width];
        ExactHessian.Moments(x, y, samples, width, _sxx, _sxy);
        double syy = 0;
        for (int i = 0; i < samples * width; i++) syy += y[i] * y[i];
        TraceYY = syy / samples;
        Width = width;
    }

    /// <summary>d.</summary>
    public int Width { get; }
    /// <summary>Σ^{XX}_{ab} = (1/m) Σ_μ x_a x_b.</summary>
    public ReadOnlySpan<double> Sxx => _sxx;
    /// <summary>Σ^{XY}_{ab} = (1/m) Σ_μ x_a y_b.</summary>
    public ReadOnlySpan<double> Sxy => _sxy;
    /// <summary>tr Σ^{YY} = (1/m) Σ_μ ‖y^μ‖².</summary>
    public double TraceYY { get; }
}

/// <summary>
/// Caller-owned scratch for <see cref="LinearNetworkLoss"/>: the d×d maps of every layer input and a few d×d
/// temporaries, so a loss-and-gradient call allocates nothing. Not thread-safe: one call at a time per workspace.
/// </summary>
public sealed class LinearNetworkWorkspace
{
    public LinearNetworkWorkspace(NShortcutNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!network.IsLinear) throw new ArgumentException("the Σ path needs identity activations everywhere", nameof(network));
        Network = network;
        int dd = network.Width * network.Width;
        Inputs = new double[network.Depth * dd];
        Map = new double[dd];
        Unit = new double[dd];
        Error = new double[dd];
        Delta = new double[dd];
        Next = new double[dd];
        Above = new double[dd];
    }

    public NShortcutNetwork Network { get; }
    /// <summary>U_l = ∂u_l/∂x, layer l's input as a map of x (D blocks of d×d).</summary>
    internal double[] Inputs { get; }
    /// <summary>M_r = ∂h_r/∂x while walking forward; A = M_R at the end.</summary>
    internal double[] Map { get; }
    internal double[] Unit { get; }
    /// <summary>Eᵀ = Σ^{XX}Aᵀ − Σ^{XY}.</summary>
    internal double[] Error { get; }
    internal double[] Delta { get; }
    internal double[] Next { get; }
    internal double[] Above { get; }
}

/// <summary>
/// The loss and gradient of a linear network (all activations the identity; plain or n-shortcut) from the data's
/// moments alone — nothing per sample. With the end-to-end map A(θ) = A_{R−1}⋯A_0, A_r = s·I + W_{r,n}⋯W_{r,1}
/// (s = 1 with shortcuts, 0 for the plain network), Li et al.'s eq. (2) in trace form:
/// <code>L = ½ [tr(A Σ^{XX} Aᵀ) − 2 tr(A Σ^{XY}) + tr Σ^{YY}],   ∂L/∂A = G = A Σ^{XX} − Σ^{YX},</code>
/// and the chain rule through the product gives per layer ∂L/∂W_l = Δ_l U_lᵀ, where U_l = ∂u_l/∂x is the layer input as
/// a map of x (a prefix product) and Δ_l = ∂L/∂(W_l U_l) is back-propagated from G like a per-sample δ, with the d×d map
/// in place of the sample (suffix products). Cost 3·D·d³ multiply-adds plus O(R·d²), independent of m.
/// </summary>
/// <remarks>
/// This is the per-sample path (<see cref="NShortcutNetwork.LossAndGradient"/>) with the sum over μ done first: for a
/// linear net ℓ^μ's gradient is δ_l^μ u_l^{μT} = L_lᵀ(A x^μ − y^μ)x^{μT}U_lᵀ, and (1/m)Σ_μ (Ax^μ − y^μ)x^{μT} = G. The
/// two agree to rounding (tests: ≤ 1e-10 relative). The loss subtracts terms of size tr Σ^{YY}, so its absolute error
/// is ~1e-16·(tr(AΣ^{XX}Aᵀ) + tr Σ^{YY}), not 1e-16·L: near a perfect fit (L ≪ tr Σ^{YY}) the per-sample loss is the
/// more accurate one.
/// </remarks>
public static class LinearNetworkLoss
{
    /// <summary>L(θ) from the moments.</summary>
    public static double Loss(NShortcutNetwork network, ReadOnlySpan<double> parameters, DataMoments moments, LinearNetworkWorkspace workspace)
        => Run(network, parameters, moments, Span<double>.Empty, workspace, withGradient: false);

    /// <summary>L(θ) and ∇L(θ) (the layout of θ) from the moments; returns L.</summary>
    /// <param name="gradient">Receives ∇L (N values).</param>
    public static double LossAndGradient(NShortcutNetwork network, ReadOnlySpan<double> parameters, DataMoments moments,
        Span<double> gradient, LinearNetworkWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (gradient.Length != network.ParameterCount)
            throw new ArgumentException($"gradient needs {network.ParameterCount} values", nameof(gradient));
        return Run(network, parameters, moments, gradient, workspace, withGradient: true);
    }

    private static double Run(NShortcutNetwork network, ReadOnlySpan<double> parameters, DataMoments moments,
        Span<double> gradient, LinearNetworkWorkspace workspace, bool withGradient)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(moments);
        ArgumentNullException.ThrowIfNull(workspace);
        if (!network.IsLinear) throw new ArgumentException("the Σ path needs identity activations everywhere", nameof(network));
        if (!ReferenceEquals(workspace.Network, network) && !network.SameShape(workspace.Network))
            throw new ArgumentException("the workspace was made for another network shape", nameof(workspace));
        if (moments.Width != network.Width) throw new ArgumentException($"the moments are {moments.Width}-dimensional, the network {network.Width}", nameof(moments));
        network.CheckParameters(parameters);

        int d = network.Width, dd = d * d, n = network.ShortcutDepth, R = network.Units;
        double keep = network.HasShortcut ? 1.0 : 0.0;
        Span<double> inputs = workspace.Inputs, map = workspace.Map, unit = workspace.Unit;

        ForwardMaps(network, parameters, inputs, map, unit);

        // Eᵀ = Σ^{XX}Aᵀ − Σ^{XY} = Gᵀ; tr(AΣ^{XX}Aᵀ) − 2tr(AΣ^{XY}) = tr(A(Eᵀ − Σ^{XY})).
        Span<double> et = workspace.Error;
        ReadOnlySpan<double> sxy = moments.Sxy;
        SmallMatrix.Multiply(moments.Sxx, false, map, true, et, d);
        for (int i = 0; i < dd; i++) et[i] -= sxy[i];
        double quadratic = 0;
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++) quadratic += map[i * d + k] * (et[k * d + i] - sxy[k * d + i]);
        double loss = 0.5 * (quadratic + moments.TraceYY);
        if (!withGradient) return loss;

        // Backward: Ĝ_R = G = (Eᵀ)ᵀ; in unit r, Δ_{last} = Ĝ_{r+1}, ∂L/∂W_l = Δ_l U_lᵀ, Δ_{l−1} = W_lᵀΔ_l, and
        // Ĝ_r = s·Ĝ_{r+1} + W_{r,0}ᵀΔ_{r,0}.
        Span<double> above = workspace.Above, delta = workspace.Delta, next = workspace.Next;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) above[i * d + j] = et[j * d + i];
        for (int r = R - 1; r >= 0; r--)
        {
            above.CopyTo(delta);
            for (int k = n - 1; k >= 0; k--)
            {
                int l = r * n + k;
                SmallMatrix.Multiply(delta, false, inputs.Slice(l * dd, dd), true, gradient.Slice(l * dd, dd), d);
                SmallMatrix.Multiply(parameters.Slice(l * dd, dd), true, delta, false, next, d);
                next.CopyTo(delta);
            }
            SmallMatrix.ScaleAdd(above, keep, delta, d);
        }
        return loss;
    }

    /// <summary>
    /// The forward pass of a linear network on the identity map: U_l = ∂u_l/∂x for every layer (D blocks of d×d) and the
    /// end-to-end map A = ∂ŷ/∂x. U_{r·n} = M_r, U_{l+1} = W_l U_l inside a unit, M_{r+1} = s·M_r + W_{r,n−1}U_{r,n−1}.
    /// Shared with <see cref="ExactHessian.Linear"/>.
    /// </summary>
    /// <param name="unit">d×d scratch.</param>
    internal static void ForwardMaps(NShortcutNetwork network, ReadOnlySpan<double> parameters, Span<double> inputs, Span<double> map, Span<double> unit)
    {
        int d = network.Width, dd = d * d, n = network.ShortcutDepth, R = network.Units;
        double keep = network.HasShortcut ? 1.0 : 0.0;
        SmallMatrix.Identity(map, d);
        for (int r = 0; r < R; r++)
        {
            for (int k = 0; k < n; k++)
            {
                int l = r * n + k;
                if (k == 0) map.CopyTo(inputs.Slice(l * dd, dd));
                Span<double> z = k < n - 1 ? inputs.Slice((l + 1) * dd, dd) : unit;
                SmallMatrix.Multiply(parameters.Slice(l * dd, dd), false, inputs.Slice(l * dd, dd), false, z, d);
            }
            SmallMatrix.ScaleAdd(map, keep, unit, d);
        }
    }
}
