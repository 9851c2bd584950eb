using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>final-loss (Li et al. Figs. 7–8): the grid, the optimum and its tie rule, the claim's cases, and whole runs on small data.</summary>
public class FinalLossTests
{
    private static readonly Dataset Data = SyntheticData.Create(1000, 4, 4, seed: 5);

    private static FinalLossConfig Linear(params InitialConditionNet[] nets) => new()
    {
        Mids = [Activation.Identity], LinearNets = nets, Width = 4, Threads = 1, Runs = 2, ClaimDepth = 1,
    };

    [Test]
    public void The_rate_grid_is_log_spaced_with_the_given_ends()
    {
        var rates = FinalLoss.Rates(new FinalLossConfig { EtaMin = 1e-3, EtaMax = 10, Etas = 5 });
        Assert.That(rates[0], Is.EqualTo(1e-3));
        Assert.That(rates[^1], Is.EqualTo(10));
        for (int k = 0; k < rates.Length; k++) Assert.That(Math.Log10(rates[k]), Is.EqualTo(-3 + k).Within(1e-12));
        Assert.That(FinalLoss.Rates(new FinalLossConfig { EtaMin = 0.5, EtaMax = 0.5, Etas = 4 }), Is.EqualTo(new[] { 0.5 }));
    }

    [Test]
    public void Gradient_descent_at_the_optimal_rate_reaches_the_least_squares_optimum()
    {
        var c = Linear(InitialConditionNet.Shortcut2) with { LinearDepths = [4], EtaMin = 0.01, EtaMax = 0.3, Etas = 3, Epochs = 2000 };
        var result = FinalLoss.Run(c, Data);
        Assert.That(result.OptimalLoss, Is.EqualTo(LeastSquares.OptimalLoss(Data)));
        var optimum = result.Optima.Single();
        Assert.That(optimum.Eta, Is.EqualTo(0.3), "the largest stable rate goes furthest in a fixed number of epochs");
        Assert.That(optimum.Excess, Is.InRange(-1e-12, 1e-7), $"final {optimum.FinalLoss}, optimum {result.OptimalLoss}");
        Assert.That(optimum.Excess, Is.EqualTo(optimum.FinalLoss - result.OptimalLoss));
        Assert.That(result.Rows.Single(r => r.Eta == 0.01).FinalLoss - result.OptimalLoss, Is.GreaterThan(1e-4),
                    "the smallest rate has not converged: the argmin means something");
    }

    [Test]
    public void A_too_large_rate_is_reported_as_diverged_and_is_never_a_loss()
    {
        var c = Linear(InitialConditionNet.Xavier, InitialConditionNet.Shortcut2) with { LinearDepths = [8], EtaMin = 0.01, EtaMax = 500, Etas = 2, Epochs = 200 };
        var result = FinalLoss.Run(c, Data);
        foreach (var net in new[] { "xavier", "shortcut2" })
        {
            var blown = result.Rows.Single(r => r.Net == net && r.Eta == 500);
            Assert.That(blown.Diverged, Is.EqualTo(2), net);
            Assert.That(blown.Runs, Is.EqualTo(2));
            Assert.That(blown.FinalLoss, Is.NaN, "no loss from diverged runs");
            Assert.That(blown.PerRun.All(v => v.Diverged && double.IsNaN(v.FinalLoss) && v.DivergedAt is >= 0 and <= 200));
            var optimum = result.Optima.Single(o => o.Net == net);
            Assert.That(optimum.Eta, Is.EqualTo(0.01), "the diverged rate is no candidate");
            Assert.That(optimum.Candidates, Is.EqualTo(1));
            Assert.That(optimum.Tie, Is.False, "one candidate is no tie");
        }

        var all = FinalLoss.Run(c with { EtaMin = 300, EtaMax = 500 }, Data);
        Assert.That(all.Rows.All(r => r.Diverged == r.Runs && double.IsNaN(r.FinalLoss)));
        Assert.That(all.Optima.All(o => o.Candidates == 0 && double.IsNaN(o.Eta) && double.IsNaN(o.FinalLoss)));
        Assert.That(all.Comparisons, Is.Empty, "neither net has a loss: no case");
    }

    private static FinalLossRow Row(string activation, double eta, double loss, int diverged = 0)
        => new("xavier", activation, 8, eta, loss, 0, 2, diverged, []);

    [TestCase("linear", 1.52, false, Description = "excess 0.5 vs 0.52: 0.017 decades")]
    [TestCase("relu", 1.52, true, Description = "final 1.5 vs 1.52: 0.0057 decades")]
    [TestCase("linear", 1.5 + 1e-9, true)]
    [TestCase("relu", 3.0, false)]
    public void Rates_tie_when_the_plotted_quantity_spans_at_most_T_decades(string activation, double other, bool tie)
    {
        // Linear nets are judged on final − optimal (here optimal = 1), ReLU-mid nets on the final loss, as the figures plot them.
        var rows = new[] { Row(activation, 0.1, other), Row(activation, 1, 1.5), Row(activation, 10, double.NaN, diverged: 2) };
        var o = FinalLoss.Optimum(rows, optimalLoss: 1.0, tieDecades: 0.01);
        Assert.That(o.Tie, Is.EqualTo(tie), $"spread {o.SpreadDecades}");
        Assert.That(o.Candidates, Is.EqualTo(2), "the all-diverged rate is out");
        Assert.That(o.Eta, Is.EqualTo(1), "the least mean final loss");
        Assert.That(o.Plotted, Is.EqualTo(activation == "linear" ? 0.5 : 1.5));
    }

    [Test]
    public void An_excess_at_the_optimum_to_rounding_never_ties()
    {
        var rows = new[] { Row("linear", 0.1, 1.0), Row("linear", 1, 1.0) };
        var o = FinalLoss.Optimum(rows, optimalLoss: 1.0, tieDecades: 0.01);
        Assert.That(o.Tie, Is.False);
        Assert.That(o.Eta, Is.EqualTo(0.1), "an exact tie goes to the first rate in grid order");
    }

    [Test]
    public void The_claim_compares_shortcut2_with_every_other_net_at_the_deep_depths_in_the_plotted_quantity()
    {
        FinalLossOptimum O(string net, int depth, double excess, double eta = 1)
            => new(net, "linear", depth, eta, 1 + excess, 0, excess, 3, 1, false, 0);
        var optima = new[]
        {
            O("shortcut2", 2, 1e-3), O("xavier", 2, 1e-5),                              // depth 2 < claim depth: no case
            O("shortcut2", 8, 1e-3), O("xavier", 8, 1e-1), O("shortcut1", 8, 1.01e-3),  // within 10^0.01 of shortcut2: not violated
            O("shortcut3", 3, 1), O("shortcut3", 9, 0.9e-3),                            // depth 9 is 8's (3·round(8/3)); 0.046 decades better: violated
            O("orthogonal", 8, double.NaN, eta: double.NaN),                            // every run diverged: shortcut2 wins
        };
        var cases = FinalLoss.Compare(optima, new FinalLossConfig { ClaimDepth = 8, TieDecades = 0.01 });
        Assert.That(cases.Select(c => (c.Depth, c.Against, c.AgainstDepth, c.Violated)),
                    Is.EqualTo(new[] { (8, "xavier", 8, false), (8, "shortcut1", 8, false), (8, "shortcut3", 9, true), (8, "orthogonal", 8, false) }));
        var lost = FinalLoss.Compare([O("shortcut2", 8, double.NaN, double.NaN), O("xavier", 8, 0.1)], new FinalLossConfig { ClaimDepth = 8 });
        Assert.That(lost.Single().Violated, Is.True, "shortcut2 diverging at every rate where the other net trains is a violation");
    }

    [Test]
    public void The_same_initializations_are_trained_at_every_rate()
    {
        // Run r's θ₀ is Philox stream (seed, r) whatever the rate: at η → 0 (one epoch of a tiny step) every rate's
        // final loss is the initial loss of the same θ₀ to 1e-6.
        var c = Linear(InitialConditionNet.Xavier) with { LinearDepths = [4], EtaMin = 1e-9, EtaMax = 2e-9, Etas = 2, Epochs = 1 };
        var result = FinalLoss.Run(c, Data);
        var a = result.Rows[0].PerRun.Select(v => v.FinalLoss).ToArray();
        var b = result.Rows[1].PerRun.Select(v => v.FinalLoss).ToArray();
        Assert.That(a[0], Is.Not.EqualTo(a[1]).Within(1e-6), "two runs are two initializations");
        for (int r = 0; r < 2; r++) Assert.That(b[r], Is.EqualTo(a[r]).Within(1e-6 * a[r]));
    }
}
