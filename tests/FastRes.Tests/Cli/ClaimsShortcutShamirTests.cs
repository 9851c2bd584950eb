using System.Text.Json.Nodes;
using FastRes.Cli.Experiments;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Results;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// The claims of the shortcut-CNN and Shamir experiments (issue 15): a smoke run writes claims.json with every
/// declared claim once, parseable, naming only figures it drew; and each verdict follows the result's numbers —
/// a result built to agree with the claim is judged one way, the same result changed to contradict it another.
/// </summary>
public class ClaimsShortcutShamirTests
{
    private static readonly string[] Experiments =
    [
        "shortcut-cnn", "shortcut-cnn-atlas", "shortcut-cnn-trajectory", "shortcut-cnn-sampled",
        "shamir-example1", "shamir-lemma1", "shamir-theorem2", "shamir-local-minima", "shamir-sgd",
    ];

    [TestCaseSource(nameof(Experiments))]
    public void Smoke_run_writes_every_declared_claim_once_with_its_figures(string name)
        => ClaimsFiles.Check(name, [.. ExperimentRegistry.All.Single(e => e.Name == name).SmokeArgs]);

    [TestCaseSource(nameof(Experiments))]
    public void Quick_flags_parse_and_the_paper_scale_is_the_defaults(string name)
    {
        var experiment = ExperimentRegistry.All.Single(e => e.Name == name);
        Assert.Multiple(() =>
        {
            Assert.That(() => experiment.ConfigHashFor(experiment.ReproduceArgs(ReproduceScale.Quick, null)), Throws.Nothing);
            // None of these papers gives a protocol beyond the defaults (the doc comments on PaperArgs say what each gives).
            Assert.That(experiment.ReproduceArgs(ReproduceScale.Paper, null), Is.Empty);
            Assert.That(experiment.ReproduceArgs(ReproduceScale.Quick, "/some/mnist"), Does.Not.Contain("--data"));
        });
    }

    // ---------------------------------------------------------------- shortcut-cnn and the atlas

    private static ShortcutCnnRow Row(int k, ShortcutCnnMethod method, long success, long spurious, long undecided = 0, double cap = 60, long trials = 2000)
        => new()
        {
            P = 8, K = k, CapDeg = cap, Method = method.Name(), Trials = trials, Success = success, Spurious = spurious, Undecided = undecided,
            Diverged = trials - success - spurious - undecided,
        };

    /// <summary>The default run's shape: cnn trapped in about a third, resnet in 3%, resnet-ssw in none.</summary>
    private static ShortcutCnnResult Rates(double cap = 60) => new(new ShortcutCnnConfig { K = [4, 8] },
    [
        Row(4, ShortcutCnnMethod.Cnn, 1400, 600, cap: cap), Row(4, ShortcutCnnMethod.Resnet, 1940, 60, cap: cap), Row(4, ShortcutCnnMethod.ResnetSsw, 2000, 0, cap: cap),
        Row(8, ShortcutCnnMethod.Cnn, 1300, 700, cap: cap), Row(8, ShortcutCnnMethod.Resnet, 1940, 60, cap: cap), Row(8, ShortcutCnnMethod.ResnetSsw, 1999, 1, cap: cap),
    ], 1);

    private static ShortcutCnnResult Replace(ShortcutCnnResult r, int k, ShortcutCnnMethod method, Func<ShortcutCnnRow, ShortcutCnnRow> change, double? cap = null)
        => r with { Rows = r.Rows.Select(x => x.K == k && x.Method == method.Name() && (cap is null || x.CapDeg == cap) ? change(x) : x).ToList() };

    private static Verdict VerdictOf(IReadOnlyList<ClaimFinding> findings, PaperClaim claim) => findings.Single(f => f.Claim == claim).Verdict;

    private static readonly string[] CnnFigures = ["success_vs_k.png", "success_vs_k.svg"];

    [Test]
    public void Shortcut_cnn_verdicts_follow_the_rates()
    {
        var command = new ShortcutCnnCommand();
        Verdict Judge(ShortcutCnnResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, CnnFigures), c);
        var agreeing = command.JudgeForTest(Rates(), CnnFigures);
        Assert.Multiple(() =>
        {
            Assert.That(agreeing.Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(agreeing.SelectMany(f => f.Figures), Has.All.EqualTo("success_vs_k.png"));

            // The plain CNN trapped in 10% at k = 4: outside [1/4, 3/4] there, inside at k = 8; at both: does not hold.
            var rarely = Replace(Rates(), 4, ShortcutCnnMethod.Cnn, x => x with { Success = 1800, Spurious = 200 });
            Assert.That(Judge(rarely, ShortcutCnnCommand.CnnTrapped), Is.EqualTo(Verdict.Partly));
            Assert.That(Judge(Replace(rarely, 8, ShortcutCnnMethod.Cnn, x => x with { Success = 1900, Spurious = 100 }), ShortcutCnnCommand.CnnTrapped), Is.EqualTo(Verdict.DoesNotHold));
            // Near the boundary (24% of 2000: the interval straddles 1/4) is within noise, not agreement.
            Assert.That(Judge(Replace(rarely, 4, ShortcutCnnMethod.Cnn, x => x with { Success = 1520, Spurious = 480 }), ShortcutCnnCommand.CnnTrapped), Is.EqualTo(Verdict.Partly));

            // resnet failing as often as cnn: no cell agrees.
            var noShortcut = Replace(Replace(Rates(), 4, ShortcutCnnMethod.Resnet, x => x with { Success = 1400, Spurious = 600 }), 8, ShortcutCnnMethod.Resnet, x => x with { Success = 1300, Spurious = 700 });
            Assert.That(Judge(noShortcut, ShortcutCnnCommand.ShortcutHelps), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Replace(Rates(), 4, ShortcutCnnMethod.Resnet, x => x with { Success = 1000, Spurious = 1000 }), ShortcutCnnCommand.ShortcutHelps), Is.EqualTo(Verdict.Partly));

            // Warm-up worse than none at every k: does not hold; neither failing once anywhere: nothing to judge.
            var worse = Replace(Replace(Rates(), 4, ShortcutCnnMethod.ResnetSsw, x => x with { Success = 1800, Spurious = 200 }), 8, ShortcutCnnMethod.ResnetSsw, x => x with { Success = 1800, Spurious = 200 });
            Assert.That(Judge(worse, ShortcutCnnCommand.WarmupHelps), Is.EqualTo(Verdict.DoesNotHold));
            // 50 failures against 60 in 2,000 is fewer, but within noise (the Wilson intervals overlap): no cell agrees.
            var slightly = Replace(Replace(Rates(), 4, ShortcutCnnMethod.ResnetSsw, x => x with { Success = 1950, Spurious = 50 }), 8, ShortcutCnnMethod.ResnetSsw, x => x with { Success = 1950, Spurious = 50 });
            Assert.That(Judge(slightly, ShortcutCnnCommand.WarmupHelps), Is.EqualTo(Verdict.DoesNotHold));
            var perfect = Rates() with { Rows = Rates().Rows.Select(x => x.Method == "cnn" ? x : x with { Success = 2000, Spurious = 0 }).ToList() };
            Assert.That(Judge(perfect, ShortcutCnnCommand.WarmupHelps), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(perfect, ShortcutCnnCommand.ShortcutHelps), Is.EqualTo(Verdict.Holds));

            // Undecided trials are left out of the shares; a cell that had not settled decides nothing.
            var slowSsw = Replace(Rates(), 8, ShortcutCnnMethod.ResnetSsw, x => x with { Success = 1980, Spurious = 0, Undecided = 20 });
            Assert.That(Judge(slowSsw, ShortcutCnnCommand.WarmupHelps), Is.EqualTo(Verdict.Holds));
            var unsettled = Rates() with { Rows = Rates().Rows.Select(x => x.Method == "cnn" ? x with { Success = 1000, Spurious = 400, Undecided = 600 } : x).ToList() };
            Assert.That(Judge(unsettled, ShortcutCnnCommand.CnnTrapped), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(unsettled, ShortcutCnnCommand.ShortcutHelps), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    /// <summary>Inside the prior resnet never fails, at its edge (90°) it fails in 3% and warm-up removes that, on the whole sphere (180°) it is the plain CNN.</summary>
    private static ShortcutCnnResult Atlas()
    {
        var rows = new List<ShortcutCnnRow>();
        foreach (int k in new[] { 4, 8 })
        {
            rows.AddRange([Row(k, ShortcutCnnMethod.Cnn, 1400, 600, cap: 60), Row(k, ShortcutCnnMethod.Resnet, 2000, 0, cap: 60), Row(k, ShortcutCnnMethod.ResnetSsw, 2000, 0, cap: 60)]);
            rows.AddRange([Row(k, ShortcutCnnMethod.Cnn, 1400, 600, cap: 90), Row(k, ShortcutCnnMethod.Resnet, 1940, 60, cap: 90), Row(k, ShortcutCnnMethod.ResnetSsw, 2000, 0, cap: 90)]);
            rows.AddRange([Row(k, ShortcutCnnMethod.Cnn, 1400, 600, cap: 180), Row(k, ShortcutCnnMethod.Resnet, 1390, 610, cap: 180), Row(k, ShortcutCnnMethod.ResnetSsw, 1350, 650, cap: 180)]);
        }
        return new(new ShortcutCnnConfig { K = [4, 8] }, rows, 1);
    }

    [Test]
    public void Atlas_verdicts_follow_the_map()
    {
        var command = new ShortcutCnnAtlasCommand();
        string[] figures = ["heatmap_cnn.png", "heatmap_resnet.png", "heatmap_resnet-ssw.png", "heatmap_resnet-ssw_minus_resnet.png", "heatmap_resnet.svg"];
        Verdict Judge(ShortcutCnnResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, figures), c);
        var agreeing = command.JudgeForTest(Atlas(), figures);
        Assert.Multiple(() =>
        {
            Assert.That(agreeing.Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(agreeing.Single(f => f.Claim == ShortcutCnnAtlasCommand.WarmupAtEdge).Figures, Is.EqualTo(new[] { "heatmap_resnet-ssw_minus_resnet.png" }));
            Assert.That(agreeing.Single(f => f.Claim == ShortcutCnnAtlasCommand.StopsOutsidePrior).Numbers.Single(n => n.Name.StartsWith("first cap")).Value, Is.EqualTo(180));

            // resnet failing like cnn inside the prior at one k; protected on the whole sphere; warm-up useless at the edge.
            Assert.That(Judge(Replace(Atlas(), 4, ShortcutCnnMethod.Resnet, x => x with { Success = 1400, Spurious = 600 }, cap: 60), ShortcutCnnAtlasCommand.ProtectsInsidePrior), Is.EqualTo(Verdict.Partly));
            var stillProtected = Atlas() with { Rows = Atlas().Rows.Select(x => x.CapDeg == 180 && x.Method == "resnet" ? x with { Success = 1990, Spurious = 10 } : x).ToList() };
            Assert.That(Judge(stillProtected, ShortcutCnnAtlasCommand.StopsOutsidePrior), Is.EqualTo(Verdict.DoesNotHold));
            var noWarmupGain = Atlas() with { Rows = Atlas().Rows.Select(x => x.CapDeg == 90 && x.Method == "resnet-ssw" ? x with { Success = 1940, Spurious = 60 } : x).ToList() };
            Assert.That(Judge(noWarmupGain, ShortcutCnnAtlasCommand.WarmupAtEdge), Is.EqualTo(Verdict.DoesNotHold));

            // Caps the run did not draw decide nothing.
            var noEdge = Atlas() with { Rows = Atlas().Rows.Where(x => x.CapDeg == 60).ToList() };
            Assert.That(Judge(noEdge, ShortcutCnnAtlasCommand.StopsOutsidePrior), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(noEdge, ShortcutCnnAtlasCommand.WarmupAtEdge), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- trajectory

    /// <summary>A trace recorded every 5 iterations: the log10 loss falls at <paramref name="stageI"/> decades per iteration
    /// up to T₁ = 1500 (the defaults' T/2) and at <paramref name="stageII"/> after it, to iteration <paramref name="end"/>.</summary>
    private static Trajectory Trace(ShortcutCnnMethod method, long trial, TrialOutcome outcome, double stageI, double stageII, int end = 2200, double phi = 0.5)
    {
        var points = new List<TrajectoryPoint>();
        for (int t = 0; t <= end; t += 5)
        {
            double log = t <= 1500 ? -stageI * t : -stageI * 1500 - stageII * (t - 1500);
            points.Add(new TrajectoryPoint(t, Math.Pow(10, log), t < end ? phi : outcome == TrialOutcome.Spurious ? 3.1 : 0, t < 100 ? -1 : 2, 1));
        }
        return new Trajectory(method.Name(), trial, $"trial {trial}", outcome, points);
    }

    private static ShortcutCnnTrajectoryResult Traces(params Trajectory[] traces) => new(new ShortcutCnnTrajectoryConfig(), traces, 1);

    [Test]
    public void Trajectory_verdicts_follow_the_traces()
    {
        var command = new ShortcutCnnTrajectoryCommand();
        string[] figures = ["trajectory_cnn.png", "trajectory_resnet.png", "trajectory_resnet-ssw.png"];
        Verdict Judge(ShortcutCnnTrajectoryResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, figures), c);
        var plateauThenDrop = Trace(ShortcutCnnMethod.ResnetSsw, 0, TrialOutcome.Success, 1e-4, 2e-2);
        var steady = Trace(ShortcutCnnMethod.ResnetSsw, 1, TrialOutcome.Success, 2e-3, 4e-3);
        var trappedResnet = Trace(ShortcutCnnMethod.Resnet, 54, TrialOutcome.Spurious, 1e-4, 0, end: 3000);
        var escapingSsw = Trace(ShortcutCnnMethod.ResnetSsw, 54, TrialOutcome.Success, 1e-4, 2e-2);
        Assert.Multiple(() =>
        {
            Assert.That(Judge(Traces(plateauThenDrop, trappedResnet, escapingSsw), ShortcutCnnTrajectoryCommand.PhaseTransition), Is.EqualTo(Verdict.Holds));
            Assert.That(Judge(Traces(plateauThenDrop, steady), ShortcutCnnTrajectoryCommand.PhaseTransition), Is.EqualTo(Verdict.Partly));
            Assert.That(Judge(Traces(steady), ShortcutCnnTrajectoryCommand.PhaseTransition), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Traces(Trace(ShortcutCnnMethod.ResnetSsw, 0, TrialOutcome.Spurious, 1e-4, 0)), ShortcutCnnTrajectoryCommand.PhaseTransition), Is.EqualTo(Verdict.NotCheckable));

            var trapped = command.JudgeForTest(Traces(trappedResnet, escapingSsw), figures).Single(f => f.Claim == ShortcutCnnTrajectoryCommand.TrappedWithoutWarmup);
            Assert.That(trapped.Verdict, Is.EqualTo(Verdict.Holds));
            Assert.That(trapped.Numbers.Single(n => n.Name == "trapped trial").Value, Is.EqualTo(54));
            Assert.That(trapped.Figures, Is.EqualTo(new[] { "trajectory_resnet.png", "trajectory_resnet-ssw.png" }));
            // The same start trapped with warm-up too: no escape, after a decisive search (the default 20,000) or an undecisive one.
            var bothTrapped = Traces(trappedResnet, Trace(ShortcutCnnMethod.ResnetSsw, 54, TrialOutcome.Spurious, 1e-4, 0));
            Assert.That(Judge(bothTrapped, ShortcutCnnTrajectoryCommand.TrappedWithoutWarmup), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(bothTrapped with { Config = bothTrapped.Config with { SearchTrials = 10 } }, ShortcutCnnTrajectoryCommand.TrappedWithoutWarmup), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- sampled

    private static ShortcutCnnSampledRow Sampled(ShortcutCnnMethod method, string mode, int n, long success, long populationSuccess, long same, long trials = 200)
        => new()
        {
            P = 8, K = 8, CapDeg = 60, Method = method.Name(), Mode = mode, Samples = n, Trials = trials, Success = success, Spurious = trials - success,
            PopulationSuccess = populationSuccess, SameOutcome = same,
        };

    /// <summary>Errors c·n^<paramref name="slope"/> at n = 10²…10⁵, four points per n.</summary>
    private static List<ShortcutCnnConvergencePoint> Convergence(double slope)
        => [.. from n in new[] { 100, 1000, 10_000, 100_000 } from trial in Enumerable.Range(0, 4)
               select new ShortcutCnnConvergencePoint { K = 8, Trial = trial, Kind = "random", Samples = n, LossError = 1.2 * Math.Pow(n, slope), GradError = 9 * Math.Pow(n, slope) }];

    private static List<ShortcutCnnSampledRow> Learning(long fixedSuccess = 136) =>
    [
        Sampled(ShortcutCnnMethod.Cnn, "population", 0, 137, 137, 200), Sampled(ShortcutCnnMethod.Resnet, "population", 0, 200, 200, 200),
        Sampled(ShortcutCnnMethod.Cnn, "fresh", 4, 132, 137, 183), Sampled(ShortcutCnnMethod.Cnn, "fresh", 64, 134, 137, 195),
        Sampled(ShortcutCnnMethod.Resnet, "fresh", 64, 200, 200, 200),
        Sampled(ShortcutCnnMethod.Cnn, "fixed", 4, 0, 137, 50), Sampled(ShortcutCnnMethod.Cnn, "fixed", 64, fixedSuccess, 137, 190),
        Sampled(ShortcutCnnMethod.Resnet, "fixed", 64, 197, 200, 197),
    ];

    [Test]
    public void Sampled_verdicts_follow_the_slopes_and_the_paired_rates()
    {
        var command = new ShortcutCnnSampledCommand();
        var config = new ShortcutCnnSampledConfig();
        Verdict Judge(ShortcutCnnSampledResult r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["convergence.png", "success_vs_n.png"]), c);
        var agreeing = new ShortcutCnnSampledResult(config, Learning(), Convergence(-0.5), 1);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(agreeing, ["convergence.png", "success_vs_n.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            Assert.That(Judge(new ShortcutCnnSampledResult(config, Learning(), Convergence(-0.25), 1), ShortcutCnnSampledCommand.ErrorFallsAsRootN), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(new ShortcutCnnSampledResult(config, Learning(), Convergence(-0.5).Where(p => p.Samples <= 1000).ToList(), 1), ShortcutCnnSampledCommand.ErrorFallsAsRootN), Is.EqualTo(Verdict.NotCheckable));
            Assert.That(Judge(new ShortcutCnnSampledResult(config, Learning(), [], 1), ShortcutCnnSampledCommand.ErrorFallsAsRootN), Is.EqualTo(Verdict.NotCheckable));

            // GD on one fixed sample of 64 that never succeeds for cnn: that cell contradicts, the others agree.
            Assert.That(Judge(new ShortcutCnnSampledResult(config, Learning(fixedSuccess: 0), Convergence(-0.5), 1), ShortcutCnnSampledCommand.ReproducesPopulationRates), Is.EqualTo(Verdict.Partly));
            // The same rate but only 80% of the trials ending as their population run: not reproduced trial by trial.
            var shuffled = Learning().Select(r => r.Mode == "fixed" && r.Samples == 64 ? r with { SameOutcome = 160 } : r).ToList();
            Assert.That(Judge(new ShortcutCnnSampledResult(config, shuffled, Convergence(-0.5), 1), ShortcutCnnSampledCommand.ReproducesPopulationRates), Is.EqualTo(Verdict.Partly));
            // Only n < 4(p + k) = 64: too small to decide.
            var small = Learning().Where(r => r.Samples < 64).ToList();
            Assert.That(Judge(new ShortcutCnnSampledResult(config, small, Convergence(-0.5), 1), ShortcutCnnSampledCommand.ReproducesPopulationRates), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    // ---------------------------------------------------------------- Shamir

    [Test]
    public void Example1_verdicts_follow_the_checks()
    {
        var command = new ShamirExample1Command();
        var result = ShamirExample1.Run(new ShamirExample1Config { Grid = 21, BoundarySamples = 720 });
        Verdict Judge(ShamirExample1Result r, PaperClaim c) => VerdictOf(command.JudgeForTest(r, ["figure1.png", "figure1.svg"]), c);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(result, ["figure1.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            var brokenSaddle = result with { TextCases = result.TextCases.Select((t, i) => i == 0 ? t with { Holds = false } : t).ToList() };
            Assert.That(Judge(brokenSaddle, ShamirExample1Command.FlatSaddle), Is.EqualTo(Verdict.DoesNotHold));
            var noMinimumB = result with { Claims = result.Claims.Select(c => c.Claim.StartsWith("(b) F +") ? c with { Holds = false } : c).ToList() };
            Assert.That(Judge(noMinimumB, ShamirExample1Command.SpuriousMinima), Is.EqualTo(Verdict.Partly));
            var extraPoint = result with { Claims = result.Claims.Select(c => c.Claim.StartsWith("(a)") ? c with { Holds = false } : c).ToList() };
            Assert.That(Judge(extraPoint, ShamirExample1Command.Figure1Stationary), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(result with { Config = result.Config with { Regularization = 0.5 } }, ShamirExample1Command.SpuriousMinima), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    private static ShamirLemma1Row Lemma1Row(int lemma, int theorem1) => new("squared", "relu", 0, 640, 180, lemma, theorem1, 0.01, 1.3, 0.02, 2.3, 1e-15, 0.9, -0.1, 0.4);

    [Test]
    public void Lemma1_and_theorem1_fail_at_one_counterexample()
    {
        var command = new ShamirLemma1Command();
        ShamirLemma1Result Of(params ShamirLemma1Row[] rows) => new(new ShamirLemma1Config(), rows, [], 1);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(Of(Lemma1Row(0, 0), Lemma1Row(0, 0)), ["lemma1.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            var one = command.JudgeForTest(Of(Lemma1Row(0, 0), Lemma1Row(1, 0)), ["lemma1.png"]);
            Assert.That(VerdictOf(one, ShamirLemma1Command.Lemma1), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(VerdictOf(one, ShamirLemma1Command.Theorem1), Is.EqualTo(Verdict.Holds));
            Assert.That(VerdictOf(command.JudgeForTest(Of(Lemma1Row(0, 2)), []), ShamirLemma1Command.Theorem1), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(VerdictOf(command.JudgeForTest(Of(), []), ShamirLemma1Command.Lemma1), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    private static ShamirTheorem2Row Theorem2Row(int sign, int inequality) => new("logistic", "tanh", 32, 160, 40, sign, inequality, -1e-3, -2, -1e-4, 0.1, 2.1, 0);

    [Test]
    public void Theorem2_verdicts_follow_each_inequality()
    {
        var command = new ShamirTheorem2Command();
        ShamirTheorem2Result Of(params ShamirTheorem2Row[] rows) => new(new ShamirTheorem2Config(), rows, [], 1);
        Assert.Multiple(() =>
        {
            Assert.That(command.JudgeForTest(Of(Theorem2Row(0, 0)), ["theorem2.png"]).Select(f => f.Verdict), Has.All.EqualTo(Verdict.Holds));
            var positive = command.JudgeForTest(Of(Theorem2Row(0, 0), Theorem2Row(1, 0)), ["theorem2.png"]);
            Assert.That(VerdictOf(positive, ShamirTheorem2Command.LambdaMin), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(VerdictOf(positive, ShamirTheorem2Command.Bound), Is.EqualTo(Verdict.Holds));
            Assert.That(VerdictOf(command.JudgeForTest(Of(Theorem2Row(0, 3)), []), ShamirTheorem2Command.Bound), Is.EqualTo(Verdict.DoesNotHold));
        });
    }

    private static ShamirLocalMinimaRow MinimaRow(int minima, int violations, double maxExcess)
        => new("squared", "relu", 32, minima, 32 - minima, 0, violations, maxExcess, -0.2, 1e-9, 1e-3, 0.3);

    [Test]
    public void Corollary1_fails_at_one_local_minimum_above_the_linear_optimum()
    {
        var command = new ShamirLocalMinimaCommand();
        ShamirLocalMinimaResult Of(params ShamirLocalMinimaRow[] rows) => new(new ShamirLocalMinimaConfig(), rows, rows.Select(_ => (IReadOnlyList<LocalMinimaEnd>)[]).ToList(), 1);
        Verdict Judge(ShamirLocalMinimaResult r) => VerdictOf(command.JudgeForTest(r, ["local_minima.png"]), ShamirLocalMinimaCommand.Corollary1);
        Assert.Multiple(() =>
        {
            Assert.That(Judge(Of(MinimaRow(32, 0, -0.004), MinimaRow(30, 0, -0.01))), Is.EqualTo(Verdict.Holds));
            Assert.That(Judge(Of(MinimaRow(32, 0, -0.004), MinimaRow(30, 1, 0.02))), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Of(MinimaRow(0, 0, double.NaN))), Is.EqualTo(Verdict.NotCheckable));
        });
    }

    private static ShamirSgdRow SgdRow(int t, int repeats, int violations, string architecture = "skip")
        => new(architecture, t, repeats, 0.01, -0.01 * Math.Log10(t), 0, 0, 10 / Math.Sqrt(t), violations);

    [Test]
    public void Theorem4_allows_failures_at_rate_delta_but_not_significantly_more()
    {
        var command = new ShamirSgdCommand();
        ShamirSgdResult Of(params ShamirSgdRow[] rows) => new(new ShamirSgdConfig(), 2, 6.5, 13, 0.3, rows, 1);
        Verdict Judge(ShamirSgdResult r) => VerdictOf(command.JudgeForTest(r, ["sgd.png"]), ShamirSgdCommand.Theorem4);
        Assert.Multiple(() =>
        {
            Assert.That(Judge(Of(SgdRow(100, 10, 0), SgdRow(10_000, 10, 0), SgdRow(100, 10, 9, "residual"))), Is.EqualTo(Verdict.Holds), "the residual contrast is no case");
            // 1 of 20 (5%) is what δ = 0.05 allows; 10 of 20 is far above it.
            Assert.That(Judge(Of(SgdRow(100, 10, 1), SgdRow(10_000, 10, 0))), Is.EqualTo(Verdict.Holds));
            Assert.That(Judge(Of(SgdRow(100, 10, 6), SgdRow(10_000, 10, 4))), Is.EqualTo(Verdict.DoesNotHold));
            Assert.That(Judge(Of(SgdRow(100, 10, 0, "residual"))), Is.EqualTo(Verdict.NotCheckable));
        });
    }
}
