using System.Text.Json.Nodes;
using FastRes.Cli.Experiments;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Results;
using FastRes.Experiments.Training;
using FastRes.Experiments.Yun;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// The claims of the Li et al. (Demystifying ResNet) and Yun et al. experiments (issue 15): a smoke run writes
/// claims.json with every declared claim once, parseable, naming only figures it drew; and each verdict follows the
/// result's numbers — a result shaped like the paper's is judged one way, the same result changed to contradict it
/// another (intervals that separate or overlap, a single counterexample, a depth range too short to judge).
/// </summary>
public class ClaimsLiYunTests
{
    private static readonly string[] Experiments =
    [
        "hessian-at-zero", "initial-condition", "training-spectrum", "weight-norms", "final-loss",
        "yun-critical-points", "yun-near-identity", "yun-rademacher",
    ];

    /// <summary>The Li et al. experiments run on their built-in synthetic data here (no --data): claims.json does not depend on MNIST.</summary>
    [TestCaseSource(nameof(Experiments))]
    public void Smoke_run_writes_every_declared_claim_once_with_its_figures(string name)
        => ClaimsFiles.Check(name, [.. ExperimentRegistry.All.Single(e => e.Name == name).SmokeArgs]);

    /// <summary>shortcut-depth needs Fashion-MNIST (absent on most machines); MNIST's IDX pair stands in for the smoke run.</summary>
    [Test]
    public void Shortcut_depth_smoke_run_on_mnist_writes_its_claims()
        => ClaimsFiles.Check("shortcut-depth", [.. new ShortcutDepthCommand().SmokeArgs, "--data", TestData.MnistFolder]);

    [TestCaseSource(nameof(Experiments))]
    [TestCase("shortcut-depth")]
    public void Quick_flags_parse_and_mnist_goes_to_the_li_experiments_only(string name)
    {
        var experiment = ExperimentRegistry.All.Single(e => e.Name == name);
        bool li = name is "hessian-at-zero" or "initial-condition" or "training-spectrum" or "weight-norms" or "final-loss";
        Assert.Multiple(() =>
        {
            // shortcut-depth's flags are checked against its data during validation, which needs Fashion-MNIST: only the others resolve here.
            if (name != "shortcut-depth") Assert.That(() => experiment.ConfigHashFor(experiment.ReproduceArgs(ReproduceScale.Quick, null)), Throws.Nothing);
            Assert.That(experiment.ReproduceArgs(ReproduceScale.Quick, "/some/mnist").Contains("--data"), Is.EqualTo(li));
        });
    }

    private static Verdict VerdictOf(IReadOnlyList<ClaimFinding> findings, PaperClaim claim) => findings.Single(f => f.Claim == claim).Verdict;

    // ---------------------------------------------------------------- hessian-at-zero

    private static HessianAtZeroRow HRow(int n, int depth, double kappa, double deviation)
        => new(n, depth, "identity", depth * 100, -1, 1, n >= 3 ? 0 : 1.2 * depth, 0.8, n >= 3 ? double.NaN : kappa, kappa, 0.5, -1, 1, kappa, deviation, HessianAtZero.DeviationMeasure(n));

    /// <summary>Theorem 2 as the MNIST run shows it: n = 1 κ growing, n = 2 κ = 1.4894 at every depth, n = 3 exactly 0.</summary>
    private static HessianAtZeroResult Hessians(params int[] depths) => new(new HessianAtZeroConfig { Depths = depths }, "synthetic",
    [
        .. depths.Select(d => HRow(1, d, 2.4 * d, 3e-15)),
        .. depths.Select(d => HRow(2, d, 1.4894, 6e-15)),
        .. depths.Select(d => HRow(3, 3 * Math.Max(1, (int)Math.Round(d / 3.0)), double.NaN, 0)),
    ], [], 1);

    private static HessianAtZeroResult Change(HessianAtZeroResult r, int n, int depth, Func<HessianAtZeroRow, HessianAtZeroRow> change)
        => r with { Rows = r.Rows.Select(x => x.N == n && x.Depth == depth ? change(x) : x).ToList() };

    [Test]
    public void Hessian_at_zero_verdicts_follow_the_spectra()
    {
        var command = new HessianAtZeroCommand();
        string[] figures = ["kappa_vs_depth.png", "kappa_vs_depth.svg", "spectrum_n2.png", "spectrum_n2.svg"];
        Verdict Judge(HessianAtZeroResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, figures), c);
        var paper = Hessians(2, 4, 8, 16);
        var findings = command.JudgeForTest(paper, figures);
        Assert.Multiple(() =>
        {
            Assert.That(findings.Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(findings.Single(f => f.Claim == HessianAtZeroCommand.DepthInvariant).Figures, Is.EqualTo(new[] { "kappa_vs_depth.png", "spectrum_n2.png" }));
            // One nonzero entry of one n = 3 Hessian refutes "the Hessian is a zero matrix".
            Assert.That(Judge(Change(paper, 3, 9, x => x with { MaxDeviation = 1e-3 }), HessianAtZeroCommand.HigherOrderSaddle), Is.EqualTo(Verdict.DoesNotHold));
            // κ 1% higher at one depth: no longer invariant there; the spectrum off at every depth: does not hold.
            Assert.That(Judge(Change(paper, 2, 16, x => x with { Kappa = 1.01 * 1.4894 }), HessianAtZeroCommand.DepthInvariant), Is.EqualTo(Verdict.Partly));
            var off = paper with { Rows = paper.Rows.Select(x => x.N == 2 ? x with { MaxDeviation = 0.1 } : x).ToList() };
            Assert.That(Judge(off, HessianAtZeroCommand.DepthInvariant), Is.EqualTo(Verdict.DoesNotHold));
            // A 1-shortcut κ that falls with depth and a Hessian that is not the Toeplitz matrix.
            var flat = paper with { Rows = paper.Rows.Select(x => x.N == 1 ? x with { Kappa = 100.0 / x.Depth, MaxDeviation = 0.5 } : x).ToList() };
            Assert.That(Judge(flat, HessianAtZeroCommand.ToeplitzGrows), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Change(paper, 1, 8, x => x with { Kappa = 1 }), HessianAtZeroCommand.ToeplitzGrows), Is.EqualTo(Verdict.Partly));
            // Depths 2 and 4 only: too short a range to call κ invariant or growing.
            Assert.That(Judge(Hessians(2, 4), HessianAtZeroCommand.DepthInvariant), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(Hessians(2, 4), HessianAtZeroCommand.ToeplitzGrows), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- initial-condition

    private static InitialConditionRow IRow(InitialConditionNet net, int depth, params double[] kappas)
        => InitialCondition.Summarize(net.Name(), depth, depth * 100, kappas.Select((k, i) => new InitialConditionRunValue(i, k, 0.5)).ToList());

    /// <summary>Figure 4 on MNIST: xavier exploding, orthogonal growing linearly, shortcut2 flat at 1.49 (3 runs each).</summary>
    private static InitialConditionResult Kappas(Func<InitialConditionNet, int, double[]?>? change = null)
    {
        int[] depths = [2, 4, 8, 16];
        double[] Of(InitialConditionNet net, int d) => change?.Invoke(net, d) ?? net switch
        {
            InitialConditionNet.Xavier => [Math.Pow(10, 1.5 * d / 2) * 0.8, Math.Pow(10, 1.5 * d / 2), Math.Pow(10, 1.5 * d / 2) * 1.3],
            InitialConditionNet.Orthogonal => [1.8 * d, 1.85 * d, 1.9 * d],
            _ => [1.4893, 1.4894, 1.4895],
        };
        var nets = new[] { InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut2 };
        return new(new InitialConditionConfig { Depths = depths, Runs = 3 }, "synthetic", nets.SelectMany(n => depths.Select(d => IRow(n, d, Of(n, d)))).ToList(), 1);
    }

    [Test]
    public void Initial_condition_verdicts_follow_the_condition_numbers()
    {
        var command = new InitialConditionCommand();
        Verdict Judge(InitialConditionResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["kappa_vs_depth.png"]), c);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(Kappas(), ["kappa_vs_depth.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            // shortcut2 at 1.8 at depth 16: 21% above depth 2, not constant.
            Assert.That(Judge(Kappas((n, d) => n == InitialConditionNet.Shortcut2 && d == 16 ? [1.8, 1.8, 1.8] : null), InitialConditionCommand.Shortcut2Constant), Is.EqualTo(Verdict.DoesNotHold));
            // Orthogonal flat within noise: xavier's steps still agree, orthogonal's do not — partly; both falling with depth: does not hold.
            Assert.That(Judge(Kappas((n, d) => n == InitialConditionNet.Orthogonal ? [3, 4, 5] : null), InitialConditionCommand.PlainExplode), Is.EqualTo(Verdict.Partly));
            Assert.That(Judge(Kappas((n, d) => n == InitialConditionNet.Shortcut2 ? null : [100.0 / d, 110.0 / d, 120.0 / d]), InitialConditionCommand.PlainExplode), Is.EqualTo(Verdict.DoesNotHold));
            // Orthogonal growing faster than xavier: the comparison turns.
            Assert.That(Judge(Kappas((n, d) => n == InitialConditionNet.Orthogonal ? [Math.Pow(10, 3.0 * d / 2), Math.Pow(10, 3.0 * d / 2) * 1.1, Math.Pow(10, 3.0 * d / 2) * 1.2] : null),
                InitialConditionCommand.OrthogonalSlower), Is.EqualTo(Verdict.DoesNotHold));
            // One depth: nothing to call a trend.
            var single = Kappas() with { Rows = Kappas().Rows.Where(r => r.Depth == 8).ToList() };
            Assert.That(command.JudgeForTest(single, []).Select(f => f.Verdict), Has.All.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- training-spectrum

    private static readonly double[] GridLosses = [4, 2, 1, 0.5];

    private static TrainingSpectrumGridPoint GridPoint(string net, double loss, double index) => new(net, loss, 2, 1, 0, 1, 0, 1, 0, index, 0.002);

    /// <summary>
    /// Two runs per net, loss 5/(1 + e/10) over 300 epochs, κ constant per net (xavier 10⁸, orthogonal 50, shortcut2 2; 5% apart
    /// between runs) until the last spectrum, where shortcut2 ends at 2·10⁴ beside orthogonal's <paramref name="orthogonalEnd"/>;
    /// shortcut2's ‖∇L‖ peaks at epoch <paramref name="peakEpoch"/> while its index falls fastest (epochs 20–40).
    /// </summary>
    private static TrainingSpectrumResult Spectra(Func<TrainingSpectrumGridPoint, TrainingSpectrumGridPoint>? change = null, double orthogonalEnd = 1.5e4, int peakEpoch = 40,
                                                  double shortcut2Kappa = 2)
    {
        var grid = GridLosses.SelectMany(l => new[] { GridPoint("xavier", l, 0.49), GridPoint("orthogonal", l, 0.51), GridPoint("shortcut2", l, 0.47) })
                             .Select(g => change?.Invoke(g) ?? g).ToList();
        var rows = new List<TrainingSpectrumRow>();
        foreach (var (net, kappa, end) in new[] { ("xavier", 1e8, 1e8), ("orthogonal", 50, orthogonalEnd), ("shortcut2", shortcut2Kappa, 2e4) })
            for (int run = 0; run < 2; run++)
                for (int e = 0; e <= 300; e += 20)
                {
                    double index = net != "shortcut2" ? 0.5 : e switch { 0 => 0.5, 20 => 0.495, 40 => 0.47, _ => 0.466 };
                    rows.Add(new(net, 16, run, e, 5.0 / (1 + e / 10.0), net == "shortcut2" && e == peakEpoch ? 1.25 : 0.2, 1, 1, e == 300 ? end : kappa * (1 + 0.05 * run), index, 0));
                }
        return new(new TrainingSpectrumConfig(), "synthetic", 1600, [], rows, grid, new TrainingSpectrumClaims(0, 0, 0, 0, 0, 0), 1);
    }

    [Test]
    public void Training_spectrum_verdicts_follow_the_grid_and_the_runs()
    {
        var command = new TrainingSpectrumCommand();
        string[] figures = ["spectrum_vs_loss.png", "index_vs_loss.png", "shortcut2_dynamics.png"];
        Verdict Judge(TrainingSpectrumResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, figures), c);
        Assert.Multiple(() =>
        {
            var findings = command.JudgeForTest(Spectra(), figures);
            Assert.That(findings.Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(findings.Single(f => f.Claim == TrainingSpectrumCommand.PeakAtDrop).Figures, Is.EqualTo(new[] { "shortcut2_dynamics.png" }));
            // shortcut2's κ above orthogonal's at every loss (still below xavier's): partly; above both: does not hold.
            Assert.That(Judge(Spectra(shortcut2Kappa: 500), TrainingSpectrumCommand.KappaSmaller), Is.EqualTo(Verdict.Partly));
            Assert.That(Judge(Spectra(shortcut2Kappa: 1e9), TrainingSpectrumCommand.KappaSmaller), Is.EqualTo(Verdict.DoesNotHold));
            // Within noise: shortcut2's two runs at 2 and 2·10⁹ straddle orthogonal's and xavier's.
            var spread = Spectra();
            spread = spread with { Rows = spread.Rows.Select(r => r.Net == "shortcut2" && r.Run == 1 && r.Epoch < 300 ? r with { Kappa = 2e9 } : r).ToList() };
            Assert.That(Judge(spread, TrainingSpectrumCommand.KappaSmaller), Is.EqualTo(Verdict.DoesNotHold));
            // An index within noise of the others' everywhere: no loss agrees.
            Assert.That(Judge(Spectra(g => g with { IndexMean = 0.5 }), TrainingSpectrumCommand.IndexSmaller), Is.EqualTo(Verdict.DoesNotHold));
            // Orthogonal ending 100× above shortcut2: not the same value.
            Assert.That(Judge(Spectra(orthogonalEnd: 2e6), TrainingSpectrumCommand.KappaSameEnd), Is.EqualTo(Verdict.DoesNotHold));
            // The gradient peaking at epoch 280, far from the index drop.
            Assert.That(Judge(Spectra(peakEpoch: 280), TrainingSpectrumCommand.PeakAtDrop), Is.EqualTo(Verdict.DoesNotHold));
            // No shortcut2 on the grid: nothing to compare.
            Assert.That(Judge(Spectra() with { Grid = Spectra().Grid.Where(g => g.Net != "shortcut2").ToList() }, TrainingSpectrumCommand.KappaSmaller), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- weight-norms

    /// <summary>Norms of depths 2, 4, 8 at epochs 0, 10, 20: the deeper the smaller, each ± 0.01 over 2 runs.</summary>
    private static WeightNormsResult Norms(Func<WeightNormsPoint, WeightNormsPoint>? change = null)
    {
        var config = new WeightNormsConfig { Depths = [2, 4, 8], Epochs = 20, Every = 10, Mids = [FastRes.Kernels.Networks.Activation.Identity] };
        var curves = new[] { 2, 4, 8 }.SelectMany(d => new[] { 0, 10, 20 }.Select(e => new WeightNormsPoint("linear", d, e, 2, 1, e == 0 ? 0.03 : e / 10.0 * 3.0 / d, 0.01)))
                                      .Select(p => change?.Invoke(p) ?? p).ToList();
        var runs = new[] { 2, 4, 8 }.SelectMany(d => new[] { 0, 1 }.Select(r => new WeightNormsRun("linear", d, r, 20, 0.34, 1, false, -1))).ToList();
        return new(config, "synthetic", [], runs, curves, 0, 0, 0, 0, 1);
    }

    [Test]
    public void Weight_norms_verdicts_follow_the_norms()
    {
        var command = new WeightNormsCommand();
        Verdict Judge(WeightNormsResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["weight_norms.png", "weight_norms.svg"]), c);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(Norms(), ["weight_norms.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            // Early in training depth 8 within noise of depth 4 (the MNIST run's first epochs): the end holds, "during training" only partly.
            var early = Norms(p => p.Epoch == 10 && p.Depth == 8 ? p with { AvgFrobeniusMean = 0.745 } : p);
            Assert.That(Judge(early, WeightNormsCommand.SmallerAtEnd), Is.EqualTo(Verdict.Holds));
            Assert.That(Judge(early, WeightNormsCommand.SmallerDuringTraining), Is.EqualTo(Verdict.Partly));
            // The order reversed at the end: deeper is larger.
            var reversed = Norms(p => p.Epoch == 20 ? p with { AvgFrobeniusMean = p.Depth } : p);
            Assert.That(Judge(reversed, WeightNormsCommand.SmallerAtEnd), Is.EqualTo(Verdict.DoesNotHold));
            // A diverged run takes its depth out: depth 4 is left out, and 2 vs 8 still agrees.
            var diverged = Norms() with { Runs = Norms().Runs.Select(r => r.Depth == 4 ? r with { Diverged = true } : r).ToList() };
            Assert.That(Judge(diverged, WeightNormsCommand.SmallerAtEnd), Is.EqualTo(Verdict.Holds));
        });
    }

    // ---------------------------------------------------------------- final-loss

    private static FinalLossRow LRow(string net, string mid, double eta, params double[] losses)
        => FinalLoss.Summarize(net, mid, 8, eta, losses.Select((l, i) => new FinalLossRunValue(i, l, !double.IsFinite(l), double.IsFinite(l) ? -1 : 1)).ToList());

    /// <summary>Depth 8, two rates: shortcut2 near the optimum at the higher rate, xavier far from it at the lower; with ReLU-mid the same ordering (xavier diverging at the higher rate).</summary>
    private static FinalLossResult Losses(double[]? s2Relu = null, bool swapRates = false)
    {
        double[] relu = s2Relu ?? [0.12, 0.13];
        const double optimal = 0.334;
        var config = new FinalLossConfig { LinearNets = [InitialConditionNet.Xavier, InitialConditionNet.Shortcut2], ReluNets = [InitialConditionNet.Xavier, InitialConditionNet.Shortcut2],
                                           LinearDepths = [8], ReluDepths = [8], Etas = 2, EtaMin = 0.1, EtaMax = 1 };
        double slow = swapRates ? 1 : 0.1, fast = swapRates ? 0.1 : 1;
        List<FinalLossRow> rows =
        [
            LRow("xavier", "linear", slow, 0.40, 0.41), LRow("xavier", "linear", fast, 0.45, 0.46),
            LRow("shortcut2", "linear", slow, 0.36, 0.361), LRow("shortcut2", "linear", fast, 0.3345, 0.3346),
            LRow("xavier", "relu", 0.1, 0.48, 0.49), LRow("xavier", "relu", 1, double.NaN, double.NaN),
            LRow("shortcut2", "relu", 0.1, [.. relu.Select(l => l + 0.01)]), LRow("shortcut2", "relu", 1, relu),
        ];
        return FinalLoss.Assemble(config, "synthetic", optimal, rows, 1);
    }

    [Test]
    public void Final_loss_verdicts_follow_the_optima()
    {
        var command = new FinalLossCommand();
        Verdict Judge(FinalLossResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["final_loss_linear.png", "final_loss_relu.png"]), c);
        Assert.Multiple(() =>
        {
            var findings = command.JudgeForTest(Losses(), ["final_loss_linear.png", "final_loss_relu.png"]);
            Assert.That(findings.Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(findings.Single(f => f.Claim == FinalLossCommand.ReluFindsOptimum).Figures, Is.EqualTo(new[] { "final_loss_relu.png" }));
            // shortcut2-ReLU worse than xavier-ReLU at its best rate; then within noise of it, which is no agreement either.
            Assert.That(Judge(Losses(s2Relu: [0.6, 0.61]), FinalLossCommand.ReluFindsOptimum), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Losses(s2Relu: [0.3, 0.7]), FinalLossCommand.ReluFindsOptimum), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Losses(s2Relu: [0.3, 0.7]), FinalLossCommand.LinearNearOptimal), Is.EqualTo(Verdict.Holds));
            // The rates swapped: shortcut2's best rate is now the lower one.
            Assert.That(Judge(Losses(swapRates: true), FinalLossCommand.HigherRates), Is.EqualTo(Verdict.DoesNotHold));
            // Nothing at a depth ≥ --claim-depth: not checkable.
            Assert.That(Judge(Losses() with { Config = Losses().Config with { ClaimDepth = 16 } }, FinalLossCommand.LinearNearOptimal), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- shortcut-depth

    private static ShortcutDepthRow DRow(int n, int depth, double accuracy, double loss)
        => ShortcutDepth.Summarize(n, depth, Enumerable.Range(0, 3).Select(r => new ShortcutDepthRun(r, loss * (1 + 0.01 * r), 0, 0, accuracy + 0.002 * r, !double.IsFinite(loss), -1)).ToList());

    /// <summary>From depth 12 to 480: n = 2 gains in both measures, n = 1 degrades, n = 3 degrades too.</summary>
    private static ShortcutDepthResult Depths(double s2Deep = 0.70, double s3Deep = 0.05, int deepest = 480) => new(
        new ShortcutDepthConfig { Shortcuts = [1, 2, 3], Depths = [12, deepest], Runs = 3 }, "synthetic", 2000, 10000,
        [
            DRow(1, 12, 0.60, 0.33), DRow(1, deepest, 0.10, 10.8),
            DRow(2, 12, 0.60, 0.39), DRow(2, deepest, s2Deep, s2Deep >= 0.6 ? 0.39 - (s2Deep - 0.6) : 0.8),
            DRow(3, 12, 0.124, 5.343), DRow(3, deepest, s3Deep, s3Deep == 0.124 ? 5.343 : 6),
        ], 1);

    [Test]
    public void Shortcut_depth_verdicts_follow_the_change_with_depth()
    {
        var command = new ShortcutDepthCommand();
        Verdict Judge(ShortcutDepthResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["test_accuracy_vs_depth.png"]), c);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(Depths(), ["test_accuracy_vs_depth.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            // n = 2 flat from 12 to 480 (the stand-in's finding): no gain.
            Assert.That(Judge(Depths(s2Deep: 0.60), ShortcutDepthCommand.Shortcut2Gains), Is.EqualTo(Verdict.DoesNotHold));
            // n = 2 degrading as well.
            Assert.That(Judge(Depths(s2Deep: 0.30), ShortcutDepthCommand.Shortcut2Gains), Is.EqualTo(Verdict.DoesNotHold));
            // n = 3 stuck at its saddle (identical at every depth): n = 1 degrades, n = 3 does not — partly.
            Assert.That(Judge(Depths(s3Deep: 0.124), ShortcutDepthCommand.OthersDegrade), Is.EqualTo(Verdict.Partly));
            // Deepest 192 layers: the claim is about nets past 400.
            Assert.That(command.JudgeForTest(Depths(deepest: 192), []).Select(f => f.Verdict), Has.All.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- Yun et al.

    private static YunCriticalPoint Point(string kind, bool conditions, double excess, double lambdaMin)
        => new("theorem", "squared", "gradient-norm", "random", kind, excess, 1e-10, lambdaMin, lambdaMin < 0, conditions, true, 10, 1, double.NaN, kind == "neither" && conditions);

    [Test]
    public void Yun_critical_points_verdicts_follow_the_points()
    {
        var command = new YunCriticalPointsCommand();
        YunCriticalPointsResult Of(params YunCriticalPoint[] points) => new(new YunCriticalPointsConfig(), [], [points], 1);
        Verdict Judge(YunCriticalPointsResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["critical_points.png"]), c);
        var paper = Of(Point("better-than-linear", true, -0.3, 1e-12), Point("strict-saddle", true, 0.009, -0.05), Point("neither", false, 0.1, 1e-3));
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(paper, ["critical_points.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            // One "neither" where both conditions hold refutes the theorem; where a condition fails it does not count.
            Assert.That(Judge(Of([.. paper.Points, Point("neither", true, 0.1, 1e-3)]), YunCriticalPointsCommand.BetterOrSaddle), Is.EqualTo(Verdict.DoesNotHold));
            // No strict saddle where both conditions hold: the second alternative was not exercised.
            Assert.That(Judge(Of(Point("better-than-linear", true, -0.3, 1e-12), Point("strict-saddle", false, 0.009, -0.05)), YunCriticalPointsCommand.SaddleBranch), Is.EqualTo(Verdict.NotCheckable));
            // Not converged starts are no case.
            Assert.That(Judge(Of(Point("not-converged", true, 0.2, 1e-3)), YunCriticalPointsCommand.BetterOrSaddle), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    private static readonly Lazy<YunNearIdentityResult> NearIdentity = new(() => YunNearIdentity.Run(
        new YunNearIdentityConfig { Depths = [1, 8], Points = 1, AdversarialPoints = 1, Samples = 40, Steps = 300 }));

    [Test]
    public void Yun_near_identity_verdicts_follow_the_points()
    {
        var command = new YunNearIdentityCommand();
        var real = NearIdentity.Value;
        Verdict Judge(YunNearIdentityResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["near_identity.png"]), c);
        Assert.Multiple(() =>
        {
            Assert.That(Judge(real, YunNearIdentityCommand.RiskBounded), Is.EqualTo(Verdict.Holds), "a small real run: the theorem's inequalities hold");
            var violated = real with { Points = real.Points.Select((ps, i) => (IReadOnlyList<YunNearIdentityPoint>)ps.Select((p, j) => i == 0 && j == 0 ? p with { Kind = "adversarial", Violation = true } : p).ToList()).ToList() };
            Assert.That(Judge(violated, YunNearIdentityCommand.RiskBounded), Is.EqualTo(Verdict.DoesNotHold));
            // Flat gaps hold; the deepest gap twice the shallowest (+0.1) in every (φ, loss) does not.
            var flat = real with { Rows = real.Rows.Select(r => r with { MaxExcessDescent = -0.01, MaxExcessAdversarial = 0.04 }).ToList() };
            Assert.That(Judge(flat, YunNearIdentityCommand.DepthIndependent), Is.EqualTo(Verdict.Holds));
            var growing = flat with { Rows = flat.Rows.Select(r => r.Blocks == 8 ? r with { MaxExcessAdversarial = 0.18 } : r).ToList() };
            Assert.That(Judge(growing, YunNearIdentityCommand.DepthIndependent), Is.EqualTo(Verdict.DoesNotHold));
            var shallow = flat with { Rows = flat.Rows.Where(r => r.Blocks == 1).ToList(), Points = flat.Points.Where((_, i) => flat.Rows[i].Blocks == 1).ToList() };
            Assert.That(Judge(shallow, YunNearIdentityCommand.DepthIndependent), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    private static readonly Lazy<YunRademacherResult> Rademacher = new(() => YunRademacher.Run(
        new YunRademacherConfig { Depths = [1, 8], Signs = 4, Samples = 20, Dimension = 3, Width = 2, Steps = 50, ContrastMaxBlocks = 8 }));

    [Test]
    public void Yun_rademacher_verdicts_follow_the_estimates()
    {
        var command = new YunRademacherCommand();
        var real = Rademacher.Value;
        Verdict Judge(YunRademacherResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["rademacher.png"]), c);
        YunRademacherResult Rows(Func<YunRademacherRow, YunRademacherRow> change) => real with { Rows = real.Rows.Select(change).ToList() };
        Assert.Multiple(() =>
        {
            Assert.That(Judge(real, YunRademacherCommand.Bound), Is.EqualTo(Verdict.Holds));
            // An estimate 3 SE past the bound at one depth refutes it; a ceiling broken means the estimates, not the theorem, are wrong.
            Assert.That(Judge(Rows(r => r.L == 8 ? r with { Mean = 2 * r.Bound, StandardError = 0.01 } : r), YunRademacherCommand.Bound), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Rows(r => r with { SanityFailures = 1 }), YunRademacherCommand.Bound), Is.EqualTo(Verdict.NotCheckable));
            // The contrast class past the bound at L = 8, or never up to L = 8, or never but only run to L = 1, or not run.
            Assert.That(Judge(Rows(r => r with { Contrast = r.L == 8 ? 3 * r.Bound : 0.5 * r.Bound, ContrastStandardError = 0.01 }), YunRademacherCommand.ScalingNeeded), Is.EqualTo(Verdict.Holds));
            Assert.That(Judge(Rows(r => r with { Contrast = 0.5 * r.Bound, ContrastStandardError = 0.01 }), YunRademacherCommand.ScalingNeeded), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Rows(r => r with { Contrast = r.L == 1 ? 0.5 * r.Bound : double.NaN, ContrastStandardError = 0.01 }), YunRademacherCommand.ScalingNeeded), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(Rows(r => r with { Contrast = double.NaN }), YunRademacherCommand.ScalingNeeded), Is.EqualTo(Verdict.NotCheckable));
        });
    }
}
