using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Data;

/// <summary>
/// The built-in data set of SPEC §2.2, so that every §2 command runs without files: inputs x ~ N(0, I_d), then centred
/// and whitened so Σ^{XX} = I exactly as for real data; labels of a random linear teacher, argmax_k (W x)_k with
/// W ~ N(0, 1) (classes × d), one-hot. A pure function of (samples, d, classes, seed).
/// </summary>
public static class SyntheticData
{
    public const int DefaultSamples = 10_000;

    // Philox stream ids under trial 0 of the seed: one for the inputs, one for the teacher.
    internal const uint InputStream = 0x5D47A000;
    internal const uint TeacherStream = 0x5D47A001;

    public static Dataset Create(int samples, int d, int classes, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, byte.MaxValue + 1); // labels are bytes, as on disk
        // Whitening needs a nonsingular d×d covariance, hence at least d + 1 samples.
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, d + 1);
        string source = $"synthetic(samples={samples}, d={d}, classes={classes}, seed={seed})";

        var x = new double[samples * d];
        new PhiloxStream(seed, 0, InputStream).FillNormal(x);
        Whitening.Apply(x, samples, d, source);

        var teacher = new double[classes * d];
        new PhiloxStream(seed, 0, TeacherStream).FillNormal(teacher);
        var labels = new byte[samples];
        var scores = new double[classes];
        for (int mu = 0; mu < samples; mu++)
        {
            ReadOnlySpan<double> input = x.AsSpan(mu * d, d);
            for (int k = 0; k < classes; k++)
                scores[k] = Dot.Sequential(teacher.AsSpan(k * d, d), input);
            labels[mu] = (byte)ArgMax(scores);
        }
        return new Dataset(x, DigitPreprocessing.OneHot(labels, classes, source), samples, d, classes, source);
    }

    private static int ArgMax(ReadOnlySpan<double> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
            if (v[i] > v[best]) best = i;
        return best;
    }
}
