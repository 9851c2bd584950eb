using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Yun;

/// <summary>yun-rademacher: the supremum estimates are attained, feasible, above the linear class and below the ceilings.</summary>
public class YunRademacherTests
{
    private static readonly YunRademacherConfig Small = new()
    {
        Dimension = 3, Samples = 20, Width = 2, Depths = [1, 4], Signs = 6, Starts = 2, Steps = 150, ContrastMaxBlocks = 4, Seed = 5,
    };

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot.FourPartial(v, v));

    [Test]
    public void Blocks_forced_to_zero_give_exactly_the_linear_value()
    {
        var c = Small;
        var x = YunRademacher.Data(c);
        var signs = YunRademacher.SignVector(c, 2);
        var net = new NearIdentityResNet(c.Dimension, 3, c.Width);
        var theta = new double[net.Size];
        var sup = YunRademacher.Supremum(net, x, signs, 0, 2, 50, 1e-9, c.Seed, 7, theta);
        double linear = YunRademacher.LinearValue(x, signs, c.Dimension);
        // The linear value by its definition: sup over ‖w‖ ≤ 1 of wᵀ(1/n)Σσ_i x_i, attained at w = v/‖v‖.
        double direct = 0;
        for (int r = 0; r < c.Dimension; r++)
        {
            double vr = 0;
            for (int i = 0; i < c.Samples; i++) vr += signs[i] * x[i * c.Dimension + r] / c.Samples;
            direct += vr * vr;
        }
        Assert.Multiple(() =>
        {
            Assert.That(linear, Is.EqualTo(Math.Sqrt(direct)).Within(1e-14));
            Assert.That(sup.Value, Is.EqualTo(linear).Within(1e-14));
            Assert.That(Norm(theta.AsSpan(c.Dimension)), Is.Zero);
            Assert.That(net.Value(theta, x, new CorrelationObjective(signs)), Is.EqualTo(linear).Within(1e-14));
        });
    }

    [TestCase(1)]
    [TestCase(4)]
    public void The_estimate_is_attained_by_a_feasible_theta_above_the_linear_value_and_below_the_ceiling(int blocks)
    {
        var c = Small;
        var x = YunRademacher.Data(c);
        var norms = YunRademacher.Norms(x, c.Dimension);
        var net = new NearIdentityResNet(c.Dimension, blocks, c.Width);
        var theta = new double[net.Size];
        for (int s = 0; s < 4; s++)
        {
            var signs = YunRademacher.SignVector(c, s);
            var sup = YunRademacher.Supremum(net, x, signs, net.BlockRadius, 2, 150, 1e-9, c.Seed, (ulong)s, theta);
            double attained = net.Value(theta, x, new CorrelationObjective(signs));
            Assert.Multiple(() =>
            {
                Assert.That(sup.Value, Is.EqualTo(attained).Within(1e-12), "the value is that of the returned θ");
                Assert.That(Norm(theta.AsSpan(0, c.Dimension)), Is.LessThanOrEqualTo(1 + 1e-12));
                for (int l = 0; l < blocks; l++)
                {
                    Assert.That(Norm(theta.AsSpan(net.UOffset(l), c.Dimension * c.Width)), Is.LessThanOrEqualTo(net.BlockRadius * (1 + 1e-12)));
                    Assert.That(Norm(theta.AsSpan(net.VOffset(l), c.Dimension * c.Width)), Is.LessThanOrEqualTo(net.BlockRadius * (1 + 1e-12)));
                }
                // ReLU blocks add nonlinear features; on 20 points in 3 dimensions they always correlate better with σ.
                Assert.That(sup.Value, Is.GreaterThan(sup.Linear * 1.01));
                Assert.That(sup.Value, Is.LessThanOrEqualTo(Math.Pow(1 + 1.0 / blocks, blocks) * norms.Average()));
            });
        }
    }

    [Test]
    public void Random_feasible_parameters_never_beat_the_ascent()
    {
        var c = Small;
        var x = YunRademacher.Data(c);
        var signs = YunRademacher.SignVector(c, 0);
        var net = new NearIdentityResNet(c.Dimension, 2, c.Width);
        var sup = YunRademacher.Supremum(net, x, signs, net.BlockRadius, 3, 300, 1e-9, c.Seed, 0);
        var rng = new PhiloxStream(99, 0, 0);
        var theta = new double[net.Size];
        var features = new double[x.Length];
        var v = new double[c.Dimension];
        double best = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            // Blocks uniform in radius within the balls (boundary and interior), w optimal for them: the ‖v‖ of the features.
            for (int l = 0; l < net.Blocks; l++)
                foreach (int offset in new[] { net.UOffset(l), net.VOffset(l) })
                {
                    var b = theta.AsSpan(offset, c.Dimension * c.Width);
                    rng.FillNormal(b);
                    double scale = net.BlockRadius * Math.Sqrt(rng.NextUniform()) / Norm(b);
                    for (int j = 0; j < b.Length; j++) b[j] *= scale;
                }
            net.Features(theta, x, features);
            Array.Clear(v);
            for (int i = 0; i < c.Samples; i++)
                for (int r = 0; r < c.Dimension; r++) v[r] += signs[i] * features[i * c.Dimension + r] / c.Samples;
            best = Math.Max(best, Norm(v));
        }
        Assert.That(best, Is.LessThanOrEqualTo(sup.Value + 1e-12));
        // The search is not vacuous: it gets past the linear value, only not past the ascent.
        Assert.That(best, Is.GreaterThan(sup.Linear));
    }

    [Test]
    public void Run_is_the_same_with_one_and_two_threads_and_nested_classes_are_ordered()
    {
        var one = YunRademacher.Run(Small with { Threads = 1 });
        var two = YunRademacher.Run(Small with { Threads = 2 });
        Assert.Multiple(() =>
        {
            for (int k = 0; k < one.Rows.Count; k++)
            {
                Assert.That(two.Suprema[k].Select(s => s.Value), Is.EqualTo(one.Suprema[k].Select(s => s.Value)));
                Assert.That(two.ContrastSuprema[k].Select(s => s.Value), Is.EqualTo(one.ContrastSuprema[k].Select(s => s.Value)));
                Assert.That(two.Rows[k], Is.EqualTo(one.Rows[k]));
            }
            Assert.That(one.Violations, Is.Zero);
            Assert.That(one.CaseCount, Is.EqualTo(2 * (1 + Small.Signs)));
            // At L = 1 the contrast class (radius 1) is F_1 itself: the two estimates differ only through their starts.
            Assert.That(one.Rows[0].Contrast, Is.EqualTo(one.Rows[0].Mean).Within(1e-2 * one.Rows[0].Mean));
            // At L = 4 it contains F_4 (radius 1/2), per σ.
            for (int s = 0; s < Small.Signs; s++)
                Assert.That(one.ContrastSuprema[1][s].Value, Is.GreaterThanOrEqualTo(one.Suprema[1][s].Value));
            Assert.That(one.Rows[1].Bound, Is.EqualTo(Math.E * Math.E * YunRademacher.Norms(YunRademacher.Data(Small), 3).Max() / Math.Sqrt(20)).Within(1e-12));
        });
    }

    [Test]
    public void The_same_sign_vectors_are_used_at_every_depth()
    {
        var r = YunRademacher.Run(Small with { ContrastRadius = 0 });
        var x = YunRademacher.Data(Small);
        for (int s = 0; s < Small.Signs; s++)
        {
            double linear = YunRademacher.LinearValue(x, YunRademacher.SignVector(Small, s), Small.Dimension);
            Assert.That(r.Suprema.Select(row => row[s].Linear), Is.All.EqualTo(linear));
        }
        Assert.That(r.ContrastSuprema.All(c => c.Count == 0), Is.True);
        Assert.That(r.Rows.All(row => double.IsNaN(row.Contrast)), Is.True);
    }

    [TestCase("depths")]
    [TestCase("signs")]
    [TestCase("contrast-radius")]
    [TestCase("gradient-tolerance")]
    [TestCase("width")]
    public void Validate_names_the_bad_field(string field)
    {
        var bad = field switch
        {
            "depths" => Small with { Depths = [2, 2] },
            "signs" => Small with { Signs = 1 },
            "contrast-radius" => Small with { ContrastRadius = -1 },
            "gradient-tolerance" => Small with { GradientTolerance = 0 },
            _ => Small with { Width = 0 },
        };
        Assert.That(bad.Validate().Select(e => e.Field), Is.EqualTo(new[] { field }));
        Assert.That(Small.Validate(), Is.Empty);
    }
}
