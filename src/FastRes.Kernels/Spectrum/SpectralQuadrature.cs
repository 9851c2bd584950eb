namespace FastRes.Kernels.Spectrum;

/// <summary>
/// A discrete spectral measure Σ_j w_j δ(λ − θ_j) estimating the spectral density (1/n) Σ_i δ(λ − λ_i) of an n×n
/// symmetric matrix: the result of <see cref="StochasticLanczos"/>, every probe's Gauss quadrature with its weights divided
/// by the number of probes (so the weights sum to 1).
/// </summary>
/// <param name="Dimension">n, the order of the matrix.</param>
/// <param name="Nodes">θ_j, the Ritz values of all probes (each probe's ascending, probe after probe).</param>
/// <param name="Weights">w_j = τ_j² / probes.</param>
/// <param name="Steps">Lanczos steps each probe took (fewer than asked at breakdown or when n is smaller).</param>
public sealed record SpectralQuadrature(int Dimension, double[] Nodes, double[] Weights, int[] Steps)
{
    /// <summary>Number of probes.</summary>
    public int Probes => Steps.Length;

    /// <summary>Σ_j w_j p(θ_j), the quadrature of p: for one probe v, equal to vᵀp(A)v/n when deg p ≤ 2m − 1.</summary>
    public double Integrate(Func<double, double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        double s = 0;
        for (int j = 0; j < Nodes.Length; j++) s += Weights[j] * p(Nodes[j]);
        return s;
    }

    /// <summary>
    /// The <see cref="SpectrumStats"/> estimators read off the measure, each defined so that for the exact measure
    /// (nodes = the n eigenvalues, weights 1/n) it is the exact statistic:
    /// <list type="bullet">
    /// <item>|λ|max = max_j |θ_j| (the extreme Ritz values converge first, so this is the estimate SLQ is good at);</item>
    /// <item>|λ|_(0.1): SpectrumStats takes the order statistic s[k], k = ⌊0.1·(n−1)⌋, of the sorted |λ| — the smallest
    /// |λ| with at least (k+1)/n of the spectrum at or below it. Here: the smallest |θ_j| whose cumulative weight (|θ|
    /// ascending; nodes of equal |θ| pool their weights, whatever their sign) reaches q = (k+1)/n, up to a relative
    /// 1e−10 so that rounding in the weights does not move an exact measure to the next node;</item>
    /// <item>κ = |λ|max / |λ|_(0.1);</item>
    /// <item>index = Σ w_j over θ_j &lt; −τ·|λ|max, with SpectrumStats's zero tolerance τ (n·ε by default).</item>
    /// </list>
    /// </summary>
    public QuadratureStats Stats(double relativeZeroTolerance = double.NaN)
    {
        int count = Nodes.Length;
        if (count == 0) throw new InvalidOperationException("The measure has no nodes.");
        if (double.IsNaN(relativeZeroTolerance)) relativeZeroTolerance = SpectrumStats.DefaultZeroTolerance(Dimension);
        var order = new int[count];
        var abs = new double[count];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int j = 0; j < count; j++)
        {
            order[j] = j;
            abs[j] = Math.Abs(Nodes[j]);
            min = Math.Min(min, Nodes[j]);
            max = Math.Max(max, Nodes[j]);
        }
        Array.Sort(abs, order);
        double absMax = abs[^1];
        double q = (Math.Floor(0.1 * (Dimension - 1)) + 1) / Dimension * (1 - 1e-10);
        double cumulative = 0, p10 = absMax;
        for (int j = 0; j < count; j++)
        {
            cumulative += Weights[order[j]];
            if (cumulative >= q) { p10 = abs[j]; break; }
        }
        double zero = relativeZeroTolerance * absMax, negative = 0, zeros = 0;
        for (int j = 0; j < count; j++)
        {
            if (Math.Abs(Nodes[j]) <= zero) zeros += Weights[j];
            else if (Nodes[j] < 0) negative += Weights[j];
        }
        return new QuadratureStats(min, max, absMax, p10, absMax / p10, negative, zeros);
    }
}

/// <summary>Spectral statistics of a <see cref="SpectralQuadrature"/> (see <see cref="SpectralQuadrature.Stats"/> for the definitions).</summary>
/// <param name="LambdaMin">Smallest node.</param>
/// <param name="LambdaMax">Largest node.</param>
/// <param name="AbsMax">max |θ|.</param>
/// <param name="AbsP10">|λ|_(0.1) of the measure.</param>
/// <param name="Kappa">AbsMax / AbsP10 (+∞ when AbsP10 = 0 &lt; AbsMax).</param>
/// <param name="Index">Weight on the negative nodes: the estimated fraction of negative eigenvalues.</param>
/// <param name="ZeroWeight">Weight on the numerically zero nodes.</param>
public sealed record QuadratureStats(double LambdaMin, double LambdaMax, double AbsMax, double AbsP10, double Kappa, double Index, double ZeroWeight);
