using FastRes.Kernels.Spectrum;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>SpectrumStats on hand-made spectra whose statistics are known by inspection.</summary>
public class SpectrumStatsTests
{
    [Test]
    public void Eleven_values_give_the_hand_computed_statistics()
    {
        // |λ| sorted: 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10; ⌊0.1·10⌋ = 1 → |λ|_(0.1) = 1.
        double[] ev = [10, -9, 8, 7, -6, 5, 4, 3, -2, 1, -0.5];
        var s = SpectrumStats.From(ev);
        Assert.That(s.Count, Is.EqualTo(11));
        Assert.That(s.LambdaMin, Is.EqualTo(-9));
        Assert.That(s.LambdaMax, Is.EqualTo(10));
        Assert.That(s.AbsMax, Is.EqualTo(10));
        Assert.That(s.AbsMin, Is.EqualTo(0.5));
        Assert.That(s.AbsP10, Is.EqualTo(1));
        Assert.That(s.Kappa, Is.EqualTo(10));
        Assert.That(s.Condition, Is.EqualTo(20));
        Assert.That(s.NegativeCount, Is.EqualTo(4));
        Assert.That(s.ZeroCount, Is.EqualTo(0));
        Assert.That(s.Index, Is.EqualTo(4.0 / 11));
    }

    [Test]
    public void Percentile_is_the_order_statistic_at_floor_of_a_tenth_of_n_minus_1()
    {
        // n = 100: index ⌊9.9⌋ = 9 → the 10th smallest magnitude, 10.
        double[] ev = [.. Enumerable.Range(1, 100).Select(i => (double)i).Reverse()];
        Assert.That(SpectrumStats.From(ev).AbsP10, Is.EqualTo(10));
        // n = 1..10: index 0 → the smallest magnitude.
        Assert.That(SpectrumStats.From([3.0, -2.0, 7.0]).AbsP10, Is.EqualTo(2));
        Assert.That(SpectrumStats.From([-4.0]).AbsP10, Is.EqualTo(4));
    }

    [Test]
    public void Singular_spectrum_has_infinite_condition_and_zeros_are_not_negative()
    {
        // A rank-deficient Hessian's zeros come out as ±1e-17-ish: within n·ε·max|λ| they count as zero.
        double[] ev = [-1e-17, 0, 1e-17, -1, 2, 3, 4, 5, 6, 7, 8, 9];
        var s = SpectrumStats.From(ev);
        Assert.That(s.ZeroCount, Is.EqualTo(3));
        Assert.That(s.NegativeCount, Is.EqualTo(1));
        Assert.That(s.Index, Is.EqualTo(1.0 / 12));
        Assert.That(s.Condition, Is.EqualTo(double.PositiveInfinity));
        Assert.That(s.AbsP10, Is.EqualTo(1e-17)); // ⌊1.1⌋ = 1 → second smallest magnitude
        Assert.That(s.Kappa, Is.EqualTo(9e17).Within(1).Percent);

        // τ = 0: every strictly negative value counts.
        var strict = SpectrumStats.From(ev, relativeZeroTolerance: 0);
        Assert.That(strict.NegativeCount, Is.EqualTo(2));
        Assert.That(strict.ZeroCount, Is.EqualTo(1));
    }

    [Test]
    public void Zero_spectrum_and_bad_input()
    {
        var s = SpectrumStats.From([0.0, 0.0, 0.0]);
        Assert.That(double.IsNaN(s.Kappa) && double.IsNaN(s.Condition));
        Assert.That(s.ZeroCount, Is.EqualTo(3));
        Assert.That(s.Index, Is.EqualTo(0));
        Assert.Throws<ArgumentException>(() => SpectrumStats.From(ReadOnlySpan<double>.Empty));
        Assert.Throws<ArgumentException>(() => SpectrumStats.From([1.0, double.NaN]));
        Assert.Throws<ArgumentException>(() => SpectrumStats.From([1.0, 2.0], new double[1]));
    }

    [Test]
    public void Stats_of_a_computed_spectrum_match_the_planted_one()
    {
        // Planted: 30 eigenvalues −1..−30 and 70 eigenvalues 1..70 → index 0.3, max|λ| 70, κ = 70/|λ|_(0.1).
        double[] planted = [.. Enumerable.Range(1, 30).Select(i => -(double)i), .. Enumerable.Range(1, 70).Select(i => (double)i)];
        double[] a = SpectrumMatrices.WithSpectrum(planted, seed: 2);
        var ev = new double[100];
        SymmetricEigen.Eigenvalues(a, 100, ev);
        var s = SpectrumStats.From(ev);
        Assert.That(s.Index, Is.EqualTo(0.3));
        Assert.That(s.AbsMax, Is.EqualTo(70).Within(1e-10));
        // sorted |λ|: 1,1,2,2,…: index ⌊9.9⌋ = 9 → 5.
        Assert.That(s.AbsP10, Is.EqualTo(5).Within(1e-10));
        Assert.That(s.Kappa, Is.EqualTo(14).Within(1e-10));
    }
}
