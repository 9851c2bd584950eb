using FastRes.Experiments;
using FastRes.Experiments.Data;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class SyntheticDataTests
{
    [Test]
    public void Same_seed_gives_the_same_bits_and_another_seed_other_data()
    {
        Dataset a = SyntheticData.Create(500, 10, 10, seed: 7);
        Dataset b = SyntheticData.Create(500, 10, 10, seed: 7);
        Dataset c = SyntheticData.Create(500, 10, 10, seed: 8);
        Assert.That(b.X, Is.EqualTo(a.X));
        Assert.That(b.Y, Is.EqualTo(a.Y));
        Assert.That(c.X, Is.Not.EqualTo(a.X));
        Assert.That(a.Source, Does.Contain("seed=7"));
    }

    [TestCase(10_000, 10, 10)]
    [TestCase(11, 10, 3)]
    [TestCase(200, 1, 2)]
    public void Inputs_are_whitened_and_centred(int samples, int d, int classes)
    {
        Dataset data = SyntheticData.Create(samples, d, classes, seed: 1);
        Assert.That((data.Samples, data.InputDim, data.OutputDim), Is.EqualTo((samples, d, classes)));
        CrossCovariance moments = Covariance.Cross(data);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                Assert.That(moments.XX[i * d + j], Is.EqualTo(i == j ? 1.0 : 0.0).Within(1e-10), $"Σ^XX[{i},{j}]");
        for (int k = 0; k < d; k++)
            Assert.That(Enumerable.Range(0, samples).Sum(mu => data.X[mu * d + k]) / samples, Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void Labels_are_the_argmax_of_the_seeded_linear_teacher_on_the_whitened_inputs()
    {
        const int m = 2000, d = 10, c = 10;
        const ulong seed = 3;
        Dataset data = SyntheticData.Create(m, d, c, seed);
        var teacher = new double[c * d];
        new PhiloxStream(seed, 0, SyntheticData.TeacherStream).FillNormal(teacher);

        var perClass = new int[c];
        for (int mu = 0; mu < m; mu++)
        {
            ReadOnlySpan<double> x = data.Input(mu), y = data.Target(mu);
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < c; k++)
            {
                double score = 0;
                for (int i = 0; i < d; i++) score += teacher[k * d + i] * x[i];
                if (score > bestScore) (best, bestScore) = (k, score);
            }
            Assert.That(y[best], Is.EqualTo(1.0), $"sample {mu}");
            Assert.That(y.ToArray().Sum(), Is.EqualTo(1.0));
            perClass[best]++;
        }
        // A random Gaussian teacher on whitened Gaussian inputs uses every class (none empty at m = 2000).
        Assert.That(perClass, Has.All.GreaterThan(0));
    }

    [Test]
    public void Too_few_samples_to_whiten_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Create(10, 10, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Create(100, 10, 1, 1));
    }
}
