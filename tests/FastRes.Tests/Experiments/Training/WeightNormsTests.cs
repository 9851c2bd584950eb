using FastRes.Experiments.Data;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>weight-norms' pieces: the norm itself, the monotonicity count, a cell's trajectory and its journal round trip.</summary>
public class WeightNormsTests
{
    private static readonly Dataset Data = SyntheticData.Create(2000, 4, 4, seed: 1);

    [Test]
    public void The_average_Frobenius_norm_is_the_mean_over_the_matrices()
    {
        // Two 2×2 matrices: ‖[[3, 4], [0, 0]]‖_F = 5, ‖[[1, 1], [1, 1]]‖_F = 2.
        Assert.That(WeightNorms.AverageFrobenius([3, 4, 0, 0, 1, 1, 1, 1], 2), Is.EqualTo(3.5).Within(1e-15));
    }

    private static WeightNormsRow Row(string mid, int depth, int run, int epoch, double norm) => new(mid, depth, run, epoch, 1, norm);

    [Test]
    public void Each_mid_epoch_and_pair_of_consecutive_depths_is_one_case_epoch_0_none()
    {
        var config = new WeightNormsConfig { Depths = [2, 4, 8], Mids = [Activation.Identity], Runs = 2, Epochs = 20, Every = 10 };
        // Means over 2 runs: depth 2 → 1.0, 1.0; depth 4 → 0.5, 1.5 (violates at epoch 20); depth 8 → 0.4, 0.2.
        var rows = new List<WeightNormsRow>();
        foreach (int run in new[] { 0, 1 })
        {
            rows.AddRange([Row("linear", 2, run, 0, 0.01), Row("linear", 2, run, 10, 1.0), Row("linear", 2, run, 20, 0.9 + 0.2 * run)]);
            rows.AddRange([Row("linear", 4, run, 0, 0.02), Row("linear", 4, run, 10, 0.5), Row("linear", 4, run, 20, 1.5)]);
            rows.AddRange([Row("linear", 8, run, 0, 0.03), Row("linear", 8, run, 10, 0.3 + 0.2 * run), Row("linear", 8, run, 20, 0.2)]);
        }
        var runs = new[] { 2, 4, 8 }.SelectMany(d => new[] { 0, 1 }.Select(r => new WeightNormsRun("linear", d, r, 20, 1, 1, false, -1))).ToList();
        var result = WeightNorms.Assemble(config, "test", rows, runs, 0);
        Assert.That((result.TrainingCases, result.TrainingViolations), Is.EqualTo((4, 1)), "2 pairs × epochs 10, 20; the init (epoch 0) is not a case");
        Assert.That((result.EndCases, result.EndViolations), Is.EqualTo((2, 1)));
        Assert.That(result.Curves.Single(p => p.Depth == 8 && p.Epoch == 10).AvgFrobeniusMean, Is.EqualTo(0.4).Within(1e-15));

        // A depth with a diverged run leaves the comparisons: 2 vs 8 is not a consecutive pair, so only 2 vs 4 remains.
        var diverged = runs.Select(r => r.Depth == 8 && r.Run == 1 ? r with { Diverged = true, DivergedAt = 15 } : r).ToList();
        var without = WeightNorms.Assemble(config, "test", rows, diverged, 0);
        Assert.That((without.TrainingCases, without.TrainingViolations), Is.EqualTo((2, 1)));
    }

    [Test]
    public void A_cell_trains_from_the_small_init_and_comes_back_from_its_journal_equal()
    {
        var config = new WeightNormsConfig { Depths = [2, 6], Mids = [Activation.Identity, Activation.Relu], Runs = 2, Epochs = 30, Every = 10, Eta = 0.1, Width = 4 };
        var cell = WeightNorms.RunCell(config, Data, Activation.Relu, 6, 1, null, CancellationToken.None);
        Assert.That(cell.Rows.Select(r => r.Epoch), Is.EqualTo(new[] { 0, 10, 20, 30 }));
        Assert.That(cell.Rows[0].AvgFrobenius, Is.EqualTo(0.02).Within(0.008), "xavier × 0.01 on 4×4: ‖W‖_F ≈ 0.01·√(16/4) = 0.02");
        Assert.That(cell.Rows.Select(r => r.Loss), Is.Ordered.Descending);
        long index = WeightNorms.IndexOf(config, cell.End);
        Assert.That(index, Is.EqualTo(7), "relu (mid 1) × depth 6 (1) × run 1: (1·2 + 1)·2 + 1");
        Assert.That(WeightNorms.Cell(config, index), Is.EqualTo((Activation.Relu, 6, 1)));
        var back = WeightNorms.Decode(JournalDoubles.Decode(JournalDoubles.Encode(WeightNorms.Encode(cell, index))), config);
        Assert.That(back.End, Is.EqualTo(cell.End));
        Assert.That(back.Rows, Is.EqualTo(cell.Rows));
    }

    [Test]
    public void Depths_that_build_the_same_network_are_refused()
        => Assert.That(new WeightNormsConfig { Depths = [4, 5] }.Validate().Single().Field, Is.EqualTo("depths"));
}
