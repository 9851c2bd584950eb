using FastRes.Experiments.Predictors;
using System.Collections.Concurrent;
using System.Diagnostics;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Yun;

/// <summary>
/// yun-rademacher (Yun, Sra, Jadbabaie 2019, near-identity theorem): for any S = {x_i}, the class
/// F_L = {wᵀh_L : ‖w‖ ≤ 1, ‖U_l‖_F, ‖V_l‖_F ≤ 1/√L} of <see cref="NearIdentityResNet"/> has empirical Rademacher
/// complexity R(F_L|S) = E_σ sup_f (1/n)Σσ_i f(x_i) ≤ e²·max_i‖x_i‖/√n, whatever L. E_σ by Monte Carlo over sign
/// vectors (the same σ at every L, so depths are compared pair by pair); each supremum by projected gradient ascent
/// from several starts, so every per-σ value is attained by a feasible θ and the mean is a LOWER estimate of R.
/// A violation: at some L, mean − 3·SE &gt; the bound. The per-σ sanity check sup ≤ (1/n)Σ(1 + 1/L)^L‖x_i‖ is
/// deterministic, so any per-σ value above it is a bug and counted too. The contrast class (blocks in balls of a
/// fixed radius r, not shrinking with L) is reported and never judged.
/// </summary>
public sealed record YunRademacherConfig : IExperimentConfig<YunRademacherConfig>
{
    public int Dimension { get; init; } = 8;
    public int Samples { get; init; } = 100;
    public int Width { get; init; } = 4;
    public int[] Depths { get; init; } = [1, 2, 4, 8, 16, 32, 64];
    public int Signs { get; init; } = 64;
    public int Starts { get; init; } = 3;
    public int Steps { get; init; } = 300;
    public double GradientTolerance { get; init; } = 1e-7;
    public double ContrastRadius { get; init; } = 1;
    public int ContrastMaxBlocks { get; init; } = 8;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }

    /// <summary>Depths at which the contrast class is also estimated (none when its radius is 0).</summary>
    public IEnumerable<int> ContrastDepths => ContrastRadius > 0 ? Depths.Where(l => l <= ContrastMaxBlocks) : [];

    public static Schema<YunRademacherConfig> Schema { get; } = new()
    {
        { "dimension", "D", "Input dimension d", c => c.Dimension, (c, v) => c with { Dimension = v }, Kinds.Int, Rules.Between(1, 256) },
        { "samples", "N", "Data set size n, x_i ~ N(0, I_d)", c => c.Samples, (c, v) => c with { Samples = v }, Kinds.Int, Rules.Between(2, 100_000) },
        { "width", "M", "Block width m: U_l is m × d, V_l is d × m", c => c.Width, (c, v) => c with { Width = v }, Kinds.Int, Rules.Between(1, 256) },
        { "depths", "LIST", "Block counts L", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 1024)).And(Rules.Distinct<int>()) },
        // Two sign vectors at least: the verdict needs a standard error.
        { "signs", "N", "Sign vectors σ in the Monte Carlo over E_σ, the same at every L", c => c.Signs, (c, v) => c with { Signs = v }, Kinds.Int, Rules.Between(2, 100_000) },
        { "starts", "N", "Ascent starts per (L, σ); the best counts", c => c.Starts, (c, v) => c with { Starts = v }, Kinds.Int, Rules.Between(1, 1000) },
        { "steps", "N", "Projected gradient ascent steps per start at most", c => c.Steps, (c, v) => c with { Steps = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "gradient-tolerance", "X", "Stop an ascent when the projected gradient norm ≤ X", c => c.GradientTolerance, (c, v) => c with { GradientTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1) },
        { "contrast-radius", "R", "Contrast class: ‖U_l‖_F, ‖V_l‖_F ≤ R not shrinking with L; 0 skips it", c => c.ContrastRadius, (c, v) => c with { ContrastRadius = v },
          Kinds.Double, Rules.Between(0.0, 10.0) },
        // (1 + r²)^L bounds how far the contrast features can grow: keep it far from overflow.
        { "contrast-max-blocks", "L", "Contrast only for L ≤ this, its features grow like (1 + R²)^L", c => c.ContrastMaxBlocks, (c, v) => c with { ContrastMaxBlocks = v },
          Kinds.Int, Rules.Between(1, 32) },
        Packs.Seed<YunRademacherConfig>(c => c.Seed, (c, v) => c with { Seed = v }),
        Packs.Threads<YunRademacherConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
    };

    public IReadOnlyList<ConfigError> Validate() => Schema.Check(this);
}

/// <summary>The supremum estimate for one sign vector σ in one class: the best start's value and how far that ascent got.</summary>
/// <param name="Value">max over starts of (1/n)Σσ_i f(x_i) at the ascent's end, and at least the linear value (V = 0 is feasible).</param>
/// <param name="ProjectedGradient">Norm of the gradient projected onto the tangent cone of the balls at the best start's end.</param>
public readonly record struct RademacherSupremum(double Value, double Linear, int Steps, double ProjectedGradient, int BestStart);

/// <param name="Bound">e²·max_i‖x_i‖/√n, the theorem's bound.</param>
/// <param name="SanityBound">(1/n)Σ(1 + 1/L)^L‖x_i‖, a deterministic per-σ ceiling for F_L.</param>
/// <param name="Contrast">Mean estimate of the contrast class (blocks of radius r), NaN where not run.</param>
public sealed record YunRademacherRow(int L, double BlockRadius, double Mean, double StandardError, double Min, double Max,
    double MeanLinear, double Bound, double Ratio, double MeanSteps, double MaxProjectedGradient, double SanityBound, int SanityFailures,
    bool Violation, double Contrast, double ContrastStandardError, double ContrastMeanSteps, double ContrastMaxProjectedGradient, double ContrastSanityBound)
{
    public static Table<YunRademacherRow> Columns { get; } = new()
    {
        { "L", r => r.L, "L", ColumnFlags.Console },
        { "block_radius", r => r.BlockRadius, "1/√L" },
        { "estimate_mean", r => r.Mean, "estimate", ColumnFlags.Hidden | ColumnFlags.Console, F4 },
        { null, r => $"{F4(r.Mean)} ± {F4(r.StandardError)}", "estimate (mean ± SE)" },
        { "estimate_se", r => r.StandardError, "SE", ColumnFlags.Hidden | ColumnFlags.Console, F4 },
        { "estimate_min", r => r.Min, "min", ColumnFlags.None, F4 },
        { "estimate_max", r => r.Max, "max", ColumnFlags.None, F4 },
        { "linear_mean", r => r.MeanLinear, "linear", ColumnFlags.Console, F4 },
        { "bound", r => r.Bound, "bound", ColumnFlags.None, F4 },
        { "ratio", r => r.Ratio, "estimate/bound", ColumnFlags.Console, v => Cells.Fixed(v, 3) },
        { "mean_steps", r => r.MeanSteps, "mean steps", ColumnFlags.Console, v => Cells.Fixed(v, 0) },
        { "max_projected_gradient", r => r.MaxProjectedGradient, "max projected ∇", ColumnFlags.Console },
        { "sanity_bound", r => r.SanityBound, "sanity ceiling" },
        { "sanity_failures", r => r.SanityFailures, "sanity failures" },
        { "violation", r => r.Violation, "violation" },
        { "contrast_mean", r => r.Contrast, "contrast", ColumnFlags.Hidden | ColumnFlags.Console },
        { null, r => double.IsFinite(r.Contrast) ? $"{Cells.Number(r.Contrast)} ± {Cells.Number(r.ContrastStandardError)}" : "—", "contrast (mean ± SE)" },
        { "contrast_se", r => r.ContrastStandardError, ColumnFlags.Hidden },
        { "contrast_mean_steps", r => r.ContrastMeanSteps, ColumnFlags.Hidden },
        { "contrast_max_projected_gradient", r => r.ContrastMaxProjectedGradient, "contrast max projected ∇" },
        { "contrast_sanity_bound", r => r.ContrastSanityBound, ColumnFlags.Hidden },
    };

    private static string F4(double v) => Cells.Fixed(v);
}

/// <param name="Suprema">Per row, the per-σ estimates for F_L (index s = sign vector).</param>
/// <param name="ContrastSuprema">Per row, the per-σ estimates of the contrast class, empty where not run.</param>
public sealed record YunRademacherResult(YunRademacherConfig Config, IReadOnlyList<YunRademacherRow> Rows,
    IReadOnlyList<IReadOnlyList<RademacherSupremum>> Suprema, IReadOnlyList<IReadOnlyList<RademacherSupremum>> ContrastSuprema,
    double MaxNorm, double MeanNorm, double Seconds) : IClaimCheck, IExperimentResult<YunRademacherResult>
{
    /// <summary>One theorem comparison per depth, plus one deterministic per-σ check per (depth, σ).</summary>
    public int CaseCount => Rows.Count * (1 + Config.Signs);
    public int TheoremViolations => Rows.Count(r => r.Violation);
    public int SanityFailures => Rows.Sum(r => r.SanityFailures);
    public int Violations => TheoremViolations + SanityFailures;

    public static ResultLayout<YunRademacherResult> Layout { get; } = new(r => r.Seconds)
    {
        { "theorem_violations", r => r.TheoremViolations },
        { "sanity_failures", r => r.SanityFailures }, { "max_norm", r => r.MaxNorm }, { "mean_norm", r => r.MeanNorm }, { "bound", r => r.Rows[0].Bound },
        { "rows", YunRademacherRow.Columns, r => r.Rows },
    };
}

public static class YunRademacher
{
    /// <summary>Data x_i ~ N(0, I_d), row-major n × d, from the seed's data stream.</summary>
    public static double[] Data(YunRademacherConfig c)
    {
        var rng = new PhiloxStream(c.Seed, 0, 0xDA7A);
        var x = new double[c.Samples * c.Dimension];
        rng.FillNormal(x);
        return x;
    }

    /// <summary>σ number <paramref name="s"/>: uniform ±1, keyed by (seed, s) alone so every depth sees the same σ.</summary>
    public static double[] SignVector(YunRademacherConfig c, int s)
    {
        var rng = new PhiloxStream(c.Seed, (ulong)s, 0x5161);
        var signs = new double[c.Samples];
        for (int i = 0; i < signs.Length; i++) signs[i] = (rng.NextUInt32() & 1) == 0 ? -1 : 1;
        return signs;
    }

    /// <summary>‖(1/n)Σσ_i x_i‖: the exact supremum over the linear class {wᵀx : ‖w‖ ≤ 1}, which is F_L with every V_l = 0.</summary>
    public static double LinearValue(ReadOnlySpan<double> x, double[] signs, int d)
    {
        var v = new double[d];
        Correlate(x, signs, d, v);
        return Math.Sqrt(Dot.FourPartial(v, v));
    }

    /// <summary>The theorem's bound e²·max_i‖x_i‖/√n.</summary>
    public static double Bound(ReadOnlySpan<double> x, int d) => Math.E * Math.E * Norms(x, d).Max() / Math.Sqrt(x.Length / d);

    public static double[] Norms(ReadOnlySpan<double> x, int d)
    {
        var norms = new double[x.Length / d];
        for (int i = 0; i < norms.Length; i++) norms[i] = Math.Sqrt(Dot.FourPartial(x.Slice(i * d, d), x.Slice(i * d, d)));
        return norms;
    }

    public static long TotalCells(YunRademacherConfig c) => (long)(c.Depths.Length + c.ContrastDepths.Count()) * c.Signs;

    public static YunRademacherResult Run(YunRademacherConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        int d = config.Dimension, nDepths = config.Depths.Length;
        var x = Data(config);
        var norms = Norms(x, d);
        double maxNorm = norms.Max(), meanNorm = norms.Average(), bound = Bound(x, d);
        var signs = Enumerable.Range(0, config.Signs).Select(s => SignVector(config, s)).ToArray();

        // Cells (class, depth index, σ); each is deterministic on its own, so the thread count never changes results.
        var cells = new List<(bool Contrast, int Depth, int Sign)>();
        for (int k = 0; k < nDepths; k++)
        {
            for (int s = 0; s < config.Signs; s++) cells.Add((false, k, s));
            if (config.ContrastRadius > 0 && config.Depths[k] <= config.ContrastMaxBlocks)
                for (int s = 0; s < config.Signs; s++) cells.Add((true, k, s));
        }
        // A cell costs ∝ L. σ by σ, each sweeping every depth deepest first: the work per reported cell is then about
        // even over the run, so the progress bar's ETA is honest (deepest-first over all cells overstated it ~5×),
        // and the last cells to start are cheap ones, so both cores stay busy to the end.
        cells = cells.OrderBy(c => c.Sign).ThenByDescending(c => config.Depths[c.Depth]).ThenBy(c => c.Contrast).ToList();
        var main = Enumerable.Range(0, nDepths).Select(_ => new RademacherSupremum[config.Signs]).ToArray();
        var contrast = Enumerable.Range(0, nDepths).Select(_ => new RademacherSupremum[config.Signs]).ToArray();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.ForEach(Partitioner.Create(cells, EnumerablePartitionerOptions.NoBuffering), options, cell =>
        {
            int l = config.Depths[cell.Depth];
            var net = new NearIdentityResNet(d, l, config.Width);
            double radius = cell.Contrast ? config.ContrastRadius : net.BlockRadius;
            ulong trial = (ulong)l << 40 | (cell.Contrast ? 1UL << 39 : 0) | (uint)cell.Sign;
            var sup = Supremum(net, x, signs[cell.Sign], radius, config.Starts, config.Steps, config.GradientTolerance, config.Seed, trial,
                cancellationToken: cancellationToken);
            (cell.Contrast ? contrast : main)[cell.Depth][cell.Sign] = sup;
            progress?.Report(1);
        });

        var rows = new List<YunRademacherRow>();
        var contrastLists = new List<IReadOnlyList<RademacherSupremum>>();
        for (int k = 0; k < nDepths; k++)
        {
            int l = config.Depths[k];
            var sups = main[k];
            var (mean, se) = MeanAndError(sups.Select(s => s.Value).ToArray());
            double shift = Math.Pow(1 + 1.0 / l, l);
            double sanity = shift * meanNorm;
            // The ceiling is exact arithmetic on the same norms; allow only rounding of the n-term sums.
            int failures = sups.Count(s => !(s.Value <= sanity * (1 + 1e-12)));
            bool ran = config.ContrastRadius > 0 && l <= config.ContrastMaxBlocks;
            var cs = ran ? contrast[k] : [];
            contrastLists.Add(cs);
            var (cMean, cSe) = ran ? MeanAndError(cs.Select(s => s.Value).ToArray()) : (double.NaN, double.NaN);
            double r2 = config.ContrastRadius * config.ContrastRadius;
            rows.Add(new YunRademacherRow(l, 1 / Math.Sqrt(l), mean, se, sups.Min(s => s.Value), sups.Max(s => s.Value),
                sups.Average(s => s.Linear), bound, mean / bound, sups.Average(s => (double)s.Steps), sups.Max(s => s.ProjectedGradient),
                sanity, failures, mean - 3 * se > bound,
                cMean, cSe, ran ? cs.Average(s => (double)s.Steps) : double.NaN, ran ? cs.Max(s => s.ProjectedGradient) : double.NaN,
                ran ? Math.Pow(1 + r2, l) * meanNorm : double.NaN));
        }
        return new YunRademacherResult(config, rows, main, contrastLists, maxNorm, meanNorm, clock.Elapsed.TotalSeconds);
    }

    private static (double Mean, double StandardError) MeanAndError(double[] values)
    {
        double mean = values.Average();
        double var = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(var / values.Length));
    }

    /// <summary>
    /// sup over θ (blocks in balls of radius <paramref name="blockRadius"/>, ‖w‖ ≤ 1) of (1/n)Σσ_i f_θ(x_i), estimated
    /// from below. For fixed blocks the best w is v/‖v‖ with v = (1/n)Σσ_i h_L(x_i), so the ascent runs on the blocks
    /// alone on φ(B) = ‖v(B)‖ (w always optimal); by Danskin ∇φ is the gradient of (1/n)Σσ_i wᵀh_L at that w.
    /// Start 0 is the linear optimum with tiny blocks (1e-3 of the radius); the others start on the balls' boundaries.
    /// When <paramref name="argmax"/> is given, it receives a θ in the class attaining the returned value.
    /// </summary>
    /// <param name="cancellationToken">Polled before every trial step of the ascent (each a pass over the data).</param>
    public static RademacherSupremum Supremum(NearIdentityResNet net, double[] x, double[] signs, double blockRadius, int starts, int steps,
        double tolerance, ulong seed, ulong trial, double[]? argmax = null, CancellationToken cancellationToken = default)
    {
        if (argmax is not null)
        {
            // The linear optimum: w = v/‖v‖ with every block 0.
            Array.Clear(argmax);
            var v = new double[net.D];
            Correlate(x, signs, net.D, v);
            double norm = Math.Sqrt(Dot.FourPartial(v, v));
            for (int r = 0; r < net.D; r++) argmax[r] = norm > 0 ? v[r] / norm : r == 0 ? 1 : 0;
        }
        double linear = LinearValue(x, signs, net.D);
        var best = new RademacherSupremum(linear, linear, 0, double.NaN, -1);
        var theta = new double[net.Size];
        var ascent = new Ascent(net, x, signs, blockRadius);
        for (int start = 0; start < starts; start++)
        {
            var rng = new PhiloxStream(seed, trial, 0xA5C0u + (uint)start);
            RandomBlocks(net, theta, blockRadius * (start == 0 ? 1e-3 : 1), ref rng);
            var (value, used, pg) = ascent.Run(theta, steps, tolerance, cancellationToken);
            // Ties go to the earlier start, so the choice never depends on anything but the values.
            if (value > best.Value || best.BestStart < 0)
            {
                if (value > best.Value && argmax is not null) theta.CopyTo(argmax, 0);
                best = new RademacherSupremum(Math.Max(value, linear), linear, used, pg, start);
            }
        }
        return best;
    }

    /// <summary>Every U_l and V_l a Gaussian direction scaled onto the sphere of radius <paramref name="radius"/>.</summary>
    private static void RandomBlocks(NearIdentityResNet net, double[] theta, double radius, ref PhiloxStream rng)
    {
        int size = net.D * net.Width;
        Array.Clear(theta);
        for (int l = 0; l < net.Blocks; l++)
            foreach (int offset in new[] { net.UOffset(l), net.VOffset(l) })
            {
                var block = theta.AsSpan(offset, size);
                rng.FillNormal(block);
                double norm = Math.Sqrt(Dot.FourPartial(block, block));
                for (int j = 0; j < size; j++) block[j] *= radius / norm;
            }
    }

    internal static void Correlate(ReadOnlySpan<double> rows, double[] signs, int d, Span<double> v)
    {
        v.Clear();
        int n = signs.Length;
        for (int i = 0; i < n; i++)
        {
            var row = rows.Slice(i * d, d);
            for (int r = 0; r < d; r++) v[r] += signs[i] * row[r] / n;
        }
    }

    /// <summary>
    /// Projected gradient ascent with backtracking on φ(B) = ‖(1/n)Σσ_i h_L(x_i)‖ over the product of Frobenius balls.
    /// A step B⁺ = P(B + t∇φ) is taken when φ(B⁺) ≥ φ(B) + 10⁻⁴·∇φᵀ(B⁺ − B) (Armijo along the projection arc), then t
    /// doubles; otherwise t halves. ReLU makes φ only piecewise smooth, so the ascent stops at a local maximum at best.
    /// </summary>
    private sealed class Ascent(NearIdentityResNet net, double[] x, double[] signs, double radius)
    {
        private readonly double[] _features = new double[x.Length];
        private readonly double[] _v = new double[net.D];
        private readonly double[] _gradient = new double[net.Size];
        private readonly double[] _trial = new double[net.Size];

        /// <summary>φ at the blocks of <paramref name="theta"/>, writing the optimal w into its first d entries.</summary>
        private double Phi(double[] theta)
        {
            net.Features(theta, x, _features);
            Correlate(_features, signs, net.D, _v);
            double norm = Math.Sqrt(Dot.FourPartial(_v, _v));
            // v = 0 only for degenerate σ (e.g. paired equal points); any unit w is then optimal.
            for (int r = 0; r < net.D; r++) theta[r] = norm > 0 ? _v[r] / norm : r == 0 ? 1 : 0;
            return norm;
        }

        public (double Value, int Steps, double ProjectedGradient) Run(double[] theta, int steps, double tolerance, CancellationToken cancellationToken)
        {
            int d = net.D, size = theta.Length;
            double phi = Phi(theta);
            net.Gradient(theta, x, new CorrelationObjective(signs), _gradient);
            double t = 1;
            int k = 0;
            double pg = ProjectedGradient(theta);
            for (; k < steps && pg > tolerance; k++)
            {
                bool moved = false;
                for (int attempt = 0; attempt < 60 && !moved; attempt++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    for (int j = d; j < size; j++) _trial[j] = theta[j] + t * _gradient[j];
                    net.Project(_trial, radius);
                    double rise = 0;
                    for (int j = d; j < size; j++) rise += _gradient[j] * (_trial[j] - theta[j]);
                    double trialPhi = Phi(_trial);
                    if (trialPhi >= phi + 1e-4 * rise && trialPhi > phi)
                    {
                        _trial.CopyTo(theta, 0);
                        phi = trialPhi;
                        t *= 2;
                        moved = true;
                    }
                    else t *= 0.5;
                }
                if (!moved) break;
                net.Gradient(theta, x, new CorrelationObjective(signs), _gradient);
                pg = ProjectedGradient(theta);
            }
            return (phi, k, pg);
        }

        /// <summary>
        /// ‖∇φ projected onto the tangent cone‖: on a ball's boundary the outward radial part of the gradient is
        /// removed (the constraint holds it back); w's part is zero since w is optimal for its ball.
        /// </summary>
        private double ProjectedGradient(double[] theta)
        {
            int size = net.D * net.Width;
            double sum = 0;
            for (int l = 0; l < net.Blocks; l++)
                foreach (int offset in new[] { net.UOffset(l), net.VOffset(l) })
                {
                    var b = theta.AsSpan(offset, size);
                    var g = _gradient.AsSpan(offset, size);
                    double bb = Dot.FourPartial(b, b), gb = Dot.FourPartial(g, b), gg = Dot.FourPartial(g, g);
                    // Within rounding of the radius counts as on the boundary: the projection puts B there up to an ulp.
                    if (bb >= radius * radius * (1 - 1e-12) && gb > 0) gg -= gb * gb / bb;
                    sum += Math.Max(gg, 0);
                }
            return Math.Sqrt(sum);
        }
    }
}
