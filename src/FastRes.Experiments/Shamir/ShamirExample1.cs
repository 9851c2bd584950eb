using System.Diagnostics;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// shamir-example1 (Shamir 2018, Example 1 and Figure 1; SPEC §3). Two claims are checked, each as a list of cases:
/// the text's objective ½(w(1+εv) − 1)² has a stationary point (0, −1/ε) with zero gradient, Hessian
/// [[0, −ε], [−ε, 0]] and value ½ > 0 = F_lin(1); and Figure 1's F(w, v) = (w(1+v) − 1)² (no ½) has (a) only a valley
/// of global minima and one saddle, (b) with ¼(w² + v²) added a spurious local minimum near (−1, −1.6), and (c) inside
/// ‖(w, v)‖ ≤ 2 a spurious local minimum in the bottom-left quadrant.
/// </summary>
public sealed record ShamirExample1Config : IExperimentConfig<ShamirExample1Config>
{
    /// <summary>ε of the text's objective ½(w(1+εv) − 1)².</summary>
    public double[] Epsilons { get; init; } = [1, 0.5, 0.1, 0.01, 0.001];
    /// <summary>c in panel (b)'s F + c(w² + v²): the paper's λ/2 with λ = 1/2.</summary>
    public double Regularization { get; init; } = 0.25;
    /// <summary>Radius of panel (c)'s constraint ‖(w, v)‖ ≤ radius.</summary>
    public double Radius { get; init; } = 2;
    /// <summary>Newton starts per axis over [−extent, extent]² (the figure covers the same square).</summary>
    public int Grid { get; init; } = 61;
    public double Extent { get; init; } = 3;
    /// <summary>Angles scanned on the circle before bisection of g'(t).</summary>
    public int BoundarySamples { get; init; } = 7200;
    /// <summary>Tolerance of a claimed equality (gradient = 0, value = ½, Hessian entries).</summary>
    public double Tolerance { get; init; } = 1e-9;

    public static Schema<ShamirExample1Config> Schema { get; } = new()
    {
        { "epsilons", "LIST", "ε of the text's ½(w(1+εv) − 1)²", c => c.Epsilons, (c, v) => c with { Epsilons = v },
          Kinds.List(Kinds.Double), Rules.NonEmpty(Rules.AboveUpTo(0, 1e3), "ε values in (0, 1000]") },
        { "regularization", "C", "c in panel (b)'s F + c(w² + v²) (default {default}, the paper's λ/2 with λ = 1/2)", c => c.Regularization,
          (c, v) => c with { Regularization = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "radius", "R", "Panel (c)'s constraint ‖(w, v)‖ ≤ R", c => c.Radius, (c, v) => c with { Radius = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "grid", "N", "Newton starts per axis", c => c.Grid, (c, v) => c with { Grid = v }, Kinds.Int, Rules.Between(2, 1001) },
        { "extent", "X", "Starts and figures cover [−X, X]²", c => c.Extent, (c, v) => c with { Extent = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "boundary-samples", "N", "Angles scanned on the circle before bisection", c => c.BoundarySamples, (c, v) => c with { BoundarySamples = v },
          Kinds.Int, Rules.Between(16, 10_000_000) },
        { "tolerance", "X", "Tolerance of the claimed equalities", c => c.Tolerance, (c, v) => c with { Tolerance = v }, Kinds.Double, Rules.AboveUpTo(0, 1e-2) },
    };

    public IReadOnlyList<ConfigError> Validate() => Schema.Check(this);
}

/// <summary>The text's stationary point (0, −1/ε) for one ε: measured gradient, Hessian (central differences of the
/// analytic gradient) and value beside the paper's numbers.</summary>
public sealed record TextObjectiveCase(double Epsilon, double W, double V, double Value, double GradientNorm,
    double Hww, double Hwv, double Hvv, double LambdaMin, double LambdaMax, double FLinAtOne, double HessianDeviation, bool Holds)
{
    public static Table<TextObjectiveCase> Columns { get; } = new()
    {
        { "epsilon", t => t.Epsilon, "ε" },
        { "w", t => t.W },
        { "v", t => t.V, "v = −1/ε" },
        { "value", t => t.Value, "F" },
        { "gradient_norm", t => t.GradientNorm, "‖∇F‖" },
        { "hessian_ww", t => t.Hww, "H_ww" },
        { "hessian_wv", t => t.Hwv, "H_wv" },
        { "hessian_vv", t => t.Hvv, "H_vv" },
        { "lambda_min", t => t.LambdaMin, "λ_min" },
        { "lambda_max", t => t.LambdaMax, "λ_max" },
        { "f_lin_at_1", t => t.FLinAtOne, "F_lin(1)" },
        { "hessian_deviation", t => t.HessianDeviation },
        { "holds", t => t.Holds, "holds", ColumnFlags.None, h => h ? "yes" : "**no**" },
    };
}

/// <summary>A critical point of one panel. Kind: min, saddle, max, degenerate, valley (F = 0, a non-isolated global
/// minimum), boundary-min (a KKT local minimum on the circle), boundary-not-min (g'(t) = 0 but F descends inward).</summary>
public sealed record CriticalPoint(string Panel, double W, double V, double Value, string Kind, double Lambda1, double Lambda2,
    double Multiplier, bool Spurious)
{
    public static Table<CriticalPoint> Columns { get; } = new()
    {
        { "panel", p => p.Panel, "panel", ColumnFlags.Console },
        { "w", p => p.W, "w", ColumnFlags.Console, v => Cells.Fixed(v) },
        { "v", p => p.V, "v", ColumnFlags.Console, v => Cells.Fixed(v) },
        { "value", p => p.Value, "F", ColumnFlags.Console, v => Cells.Fixed(v, 6) },
        { "kind", p => p.Kind, "kind", ColumnFlags.Console },
        { "hessian_lambda1", p => p.Lambda1, "Hessian λ₁" },
        { "hessian_lambda2", p => p.Lambda2, "λ₂" },
        { "kkt_multiplier", p => p.Multiplier, "KKT μ" },
        { "spurious", p => p.Spurious, "spurious", ColumnFlags.Console, s => s ? "yes" : "" },
    };
}

/// <summary>One claimed fact and whether it held.</summary>
public sealed record ClaimCheck(string Claim, bool Holds, string Detail)
{
    public static Table<ClaimCheck> Columns { get; } = new() { { "claim", c => c.Claim }, { "holds", c => c.Holds }, { "detail", c => c.Detail } };
}

public sealed record ShamirExample1Result(ShamirExample1Config Config, IReadOnlyList<TextObjectiveCase> TextCases,
    IReadOnlyList<CriticalPoint> Points, IReadOnlyList<ClaimCheck> Claims, int ValleyStarts, double Seconds) : IClaimCheck, IExperimentResult<ShamirExample1Result>
{
    public int CaseCount => Claims.Count;
    public int Violations => Claims.Count(c => !c.Holds);
    public string CaseNoun => "claims";

    public static ResultLayout<ShamirExample1Result> Layout { get; } = new(r => r.Seconds)
    {
        { "valley_starts", r => r.ValleyStarts },
        { "rows", CriticalPoint.Columns, r => r.Points },
        { "text_objective", TextObjectiveCase.Columns, r => r.TextCases },
        { "claims", ClaimCheck.Columns, r => r.Claims },
    };
}

/// <summary>Figure 1's F(w, v) = (w(1+v) − 1)² + c(w² + v²) (c = 0: panels a and c; c = ¼: panel b), analytic
/// value, gradient and Hessian.</summary>
public readonly record struct FigureObjective(double C)
{
    public double Value(double w, double v) { double r = w * (1 + v) - 1; return r * r + C * (w * w + v * v); }

    public (double Gw, double Gv) Gradient(double w, double v)
    {
        double r = w * (1 + v) - 1;
        return (2 * r * (1 + v) + 2 * C * w, 2 * r * w + 2 * C * v);
    }

    public (double Hww, double Hwv, double Hvv) Hessian(double w, double v)
        => (2 * (1 + v) * (1 + v) + 2 * C, 2 * (2 * w * (1 + v) - 1), 2 * w * w + 2 * C);
}

/// <summary>The text's objective ½(w(1+εv) − 1)² (x = y = 1, f_θ(x) = εx, squared loss ½(p − y)²).</summary>
public readonly record struct TextObjective(double Epsilon)
{
    public double Value(double w, double v) { double r = w * (1 + Epsilon * v) - 1; return 0.5 * r * r; }

    public (double Gw, double Gv) Gradient(double w, double v)
    {
        double r = w * (1 + Epsilon * v) - 1;
        return (r * (1 + Epsilon * v), r * w * Epsilon);
    }

    /// <summary>F_lin(w) = F(w, 0) = ½(w − 1)².</summary>
    public static double Linear(double w) => 0.5 * (w - 1) * (w - 1);
}

public static class ShamirExample1
{
    public static ShamirExample1Result Run(ShamirExample1Config config, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        double tol = config.Tolerance;
        var claims = new List<ClaimCheck>();

        var text = config.Epsilons.Select(e => TextCase(e, tol)).ToList();
        foreach (var t in text)
            claims.Add(new($"ε = {t.Epsilon:G4}: ∇ = 0, ∇² = [[0, −ε], [−ε, 0]], F = ½ > 0 = F_lin(1) at (0, −1/ε)", t.Holds,
                $"‖∇‖ = {t.GradientNorm:G3}, Hessian deviation {t.HessianDeviation:G3}, F = {t.Value:R}, F_lin(1) = {t.FLinAtOne:R}"));

        // (a) F: Newton from the grid; every limit is on the valley w(1+v) = 1 or is the saddle (0, −1).
        var plain = new FigureObjective(0);
        var (aPoints, valleyStarts) = NewtonCriticalPoints(plain, config, "a", cancellationToken);
        var nonValley = aPoints.Where(p => p.Kind != "valley").ToList();
        bool aHolds = nonValley.Count == 1 && nonValley[0].Kind == "saddle" && Math.Abs(nonValley[0].W) < 1e-8 && Math.Abs(nonValley[0].V + 1) < 1e-8
                      && valleyStarts > 0;
        claims.Add(new("(a) F's critical points: a valley of global minima w(1+v) = 1 and one saddle at (0, −1)", aHolds,
            $"{valleyStarts} Newton starts ended on the valley; other critical points: " +
            string.Join("; ", nonValley.Select(p => $"{p.Kind} ({p.W:F4}, {p.V:F4}) F = {p.Value:G4}"))));

        // (b) F + c(w² + v²): isolated critical points, classified.
        var regular = new FigureObjective(config.Regularization);
        var (bPoints, _) = NewtonCriticalPoints(regular, config, "b", cancellationToken);
        double bGlobal = bPoints.Where(p => p.Kind == "min").Select(p => p.Value).DefaultIfEmpty(double.NaN).Min();
        bPoints = bPoints.Select(p => p with { Spurious = p.Kind == "min" && p.Value > bGlobal + tol }).ToList();
        var bSpurious = bPoints.Where(p => p.Spurious && p.W < 0 && p.V < 0).ToList();
        bool bHolds = bSpurious.Any(p => Math.Abs(p.W + 1) < 0.1 && Math.Abs(p.V + 1.6) < 0.1);
        claims.Add(new("(b) F + ¼(w² + v²) has a spurious local minimum near (−1, −1.6)", bHolds,
            string.Join("; ", bSpurious.Select(p => $"min ({p.W:F4}, {p.V:F4}) F = {p.Value:G6} vs global {bGlobal:G6}")) is { Length: > 0 } s ? s : "none found"));
        if (config.Regularization == 0.25)
        {
            // SPEC §3's numbers for the figure's F (derived for the spec, two decimals).
            bool Near(string kind, double w, double v) => bPoints.Any(p => p.Kind == kind && Math.Abs(p.W - w) < 0.01 && Math.Abs(p.V - v) < 0.01);
            claims.Add(new("(b) SPEC §3: spurious minimum ≈ (−0.98, −1.60), saddle ≈ (−0.27, −1.07), global minimum ≈ (0.66, 0.33)",
                Near("min", -0.98, -1.60) && Near("saddle", -0.27, -1.07) && Near("min", 0.66, 0.33),
                string.Join("; ", bPoints.Select(p => $"{p.Kind} ({p.W:F4}, {p.V:F4})"))));
        }

        // (c) F on the disc: interior critical points of F, plus KKT points on the circle.
        double radius = config.Radius;
        var cPoints = aPoints.Where(p => p.W * p.W + p.V * p.V < radius * radius)
            .Select(p => p with { Panel = "c" }).ToList();
        cPoints.AddRange(BoundaryPoints(plain, config, cancellationToken));
        cPoints = cPoints.Select(p => p with { Spurious = p.Kind is "min" or "boundary-min" && p.Value > tol }).ToList();
        var cSpurious = cPoints.Where(p => p.Spurious && p.W < 0 && p.V < 0).ToList();
        claims.Add(new($"(c) F on ‖(w, v)‖ ≤ {radius:G4} has a spurious local minimum in the bottom-left quadrant (global minimum 0 on the valley)",
            cSpurious.Count > 0,
            string.Join("; ", cSpurious.Select(p => $"{p.Kind} ({p.W:F4}, {p.V:F4}) F = {p.Value:G6}, KKT multiplier {p.Multiplier:G4}")) is { Length: > 0 } s2 ? s2 : "none found"));

        var all = aPoints.Concat(bPoints).Concat(cPoints).ToList();
        return new ShamirExample1Result(config, text, all, claims, valleyStarts, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The stationary point (0, −1/ε) of ½(w(1+εv) − 1)². The Hessian is taken by central differences of the analytic
    /// gradient (step h·max(1, |coordinate|)), so the check does not reuse the formula it is checking.
    /// </summary>
    public static TextObjectiveCase TextCase(double epsilon, double tolerance)
    {
        var f = new TextObjective(epsilon);
        double w = 0, v = -1 / epsilon;
        var (gw, gv) = f.Gradient(w, v);
        double hw = 1e-5, hv = 1e-5 * Math.Max(1, Math.Abs(v));
        var (gwPw, gvPw) = f.Gradient(w + hw, v);
        var (gwMw, gvMw) = f.Gradient(w - hw, v);
        var (gwPv, gvPv) = f.Gradient(w, v + hv);
        var (gwMv, gvMv) = f.Gradient(w, v - hv);
        double hww = (gwPw - gwMw) / (2 * hw);
        double hwv = 0.5 * ((gvPw - gvMw) / (2 * hw) + (gwPv - gwMv) / (2 * hv));
        double hvv = (gvPv - gvMv) / (2 * hv);
        var (l1, l2) = Eigenvalues2(hww, hwv, hvv);
        double deviation = Math.Max(Math.Abs(hww), Math.Max(Math.Abs(hwv + epsilon), Math.Abs(hvv))) / epsilon;
        double value = f.Value(w, v), lin = TextObjective.Linear(1);
        double gradNorm = Math.Sqrt(gw * gw + gv * gv);
        // Central differences of a polynomial of degree ≤ 3 in each coordinate are exact up to h² terms and rounding:
        // the Hessian is compared at 1e-6 relative to ε, the rest at the configured tolerance.
        bool holds = gradNorm <= tolerance && deviation <= 1e-6 && Math.Abs(value - 0.5) <= tolerance && Math.Abs(lin) <= tolerance
                     && Math.Abs(l1 + epsilon) <= 1e-6 * epsilon && Math.Abs(l2 - epsilon) <= 1e-6 * epsilon;
        return new TextObjectiveCase(epsilon, w, v, value, gradNorm, hww, hwv, hvv, l1, l2, lin, deviation, holds);
    }

    /// <summary>Eigenvalues (ascending) of [[a, b], [b, d]].</summary>
    public static (double Min, double Max) Eigenvalues2(double a, double b, double d)
    {
        double mean = 0.5 * (a + d), radius = Math.Sqrt(0.25 * (a - d) * (a - d) + b * b);
        return (mean - radius, mean + radius);
    }

    /// <summary>
    /// Pure Newton on ∇F = 0 (it converges to saddles and maxima as readily as to minima, which is the point) from a
    /// Grid × Grid lattice over [−extent, extent]²; limits within 1e-6 of each other are one point. With c = 0, starts
    /// that end at F = 0 are on the valley of global minima, a curve of non-isolated critical points: they are counted
    /// (second value), not listed.
    /// </summary>
    public static (List<CriticalPoint> Points, int ValleyStarts) NewtonCriticalPoints(FigureObjective f, ShamirExample1Config config, string panel,
        CancellationToken cancellationToken = default)
    {
        var points = new List<CriticalPoint>();
        int valley = 0, n = config.Grid;
        double ext = config.Extent;
        for (int i = 0; i < n; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int j = 0; j < n; j++)
            {
                double w = -ext + 2 * ext * i / (n - 1), v = -ext + 2 * ext * j / (n - 1);
                if (!Newton(f, ref w, ref v)) continue;
                double value = f.Value(w, v);
                if (f.C == 0 && value < 1e-20) { valley++; continue; }
                if (points.Any(p => Math.Abs(p.W - w) < 1e-6 && Math.Abs(p.V - v) < 1e-6)) continue;
                var (hww, hwv, hvv) = f.Hessian(w, v);
                var (l1, l2) = Eigenvalues2(hww, hwv, hvv);
                double scale = 1e-9 * Math.Max(1, Math.Abs(l2));
                string kind = l1 > scale ? "min" : l2 < -scale ? "max" : l1 < -scale && l2 > scale ? "saddle" : "degenerate";
                points.Add(new CriticalPoint(panel, w, v, value, kind, l1, l2, double.NaN, false));
            }
        }
        return (points.OrderBy(p => p.Value).ToList(), valley);
    }

    /// <summary>Newton's method on the gradient; true when ‖∇F‖ ≤ 1e-12 within 200 steps (a singular Hessian stops it).</summary>
    public static bool Newton(FigureObjective f, ref double w, ref double v)
    {
        for (int it = 0; it < 200; it++)
        {
            var (gw, gv) = f.Gradient(w, v);
            if (Math.Sqrt(gw * gw + gv * gv) <= 1e-12) return true;
            var (a, b, d) = f.Hessian(w, v);
            double det = a * d - b * b;
            if (!double.IsFinite(det) || Math.Abs(det) < 1e-300) return false;
            double sw = (d * gw - b * gv) / det, sv = (a * gv - b * gw) / det;
            w -= sw; v -= sv;
            if (!double.IsFinite(w) || !double.IsFinite(v) || Math.Abs(w) > 1e6 || Math.Abs(v) > 1e6) return false;
        }
        var (fw, fv) = f.Gradient(w, v);
        return Math.Sqrt(fw * fw + fv * fv) <= 1e-10;
    }

    /// <summary>
    /// KKT points of min F on ‖(w, v)‖ ≤ R that lie on the circle: the local minima of g(t) = F(R cos t, R sin t)
    /// (sign changes − → + of g'(t) on a fine scan, refined by bisection). Such a point is a local minimum of the
    /// constrained problem when the multiplier μ = −∇F·x̂ (∇F = −μx̂) is ≥ 0 — F does not decrease inward — and, for μ
    /// &gt; 0, g''(t) = R²(t̂ᵀ∇²F t̂ + μ/R) &gt; 0, the Lagrangian's curvature along the circle, which the scan ensures.
    /// </summary>
    /// <param name="cancellationToken">Polled every 4096 scan points (the scan may have 10⁷).</param>
    public static IEnumerable<CriticalPoint> BoundaryPoints(FigureObjective f, ShamirExample1Config config, CancellationToken cancellationToken = default)
    {
        double r = config.Radius;
        int n = config.BoundarySamples;
        double Slope(double t)
        {
            var (gw, gv) = f.Gradient(r * Math.Cos(t), r * Math.Sin(t));
            return -gw * r * Math.Sin(t) + gv * r * Math.Cos(t);
        }
        var found = new List<CriticalPoint>();
        double step = 2 * Math.PI / n;
        for (int i = 0; i < n; i++)
        {
            if ((i & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            double lo = i * step, hi = (i + 1) * step;
            double slo = Slope(lo), shi = Slope(hi);
            if (!(slo < 0 && shi >= 0)) continue;
            for (int it = 0; it < 200 && hi - lo > 1e-15; it++)
            {
                double mid = 0.5 * (lo + hi);
                if (Slope(mid) < 0) lo = mid; else hi = mid;
            }
            double t = 0.5 * (lo + hi), w = r * Math.Cos(t), v = r * Math.Sin(t);
            var (gw, gv) = f.Gradient(w, v);
            double mu = -(gw * w + gv * v) / r;
            double value = f.Value(w, v);
            string kind = value < 1e-20 ? "valley" : mu >= -1e-9 ? "boundary-min" : "boundary-not-min";
            found.Add(new CriticalPoint("c", w, v, value, kind, double.NaN, double.NaN, mu, false));
        }
        return found;
    }
}
