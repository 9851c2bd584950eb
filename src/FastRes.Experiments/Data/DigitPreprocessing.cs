namespace FastRes.Experiments.Data;

/// <summary>
/// SPEC §2.2: images to a network-ready <see cref="Dataset"/> — pixels scaled to [0, 1], centred, projected onto the
/// top d principal components of the 1/m covariance, whitened so that Σ^{XX} = I, labels one-hot.
/// This is Li et al.'s setup (Demystifying ResNet, Appendix B: "whitened versions of MNIST. Ten greatest principal
/// components are kept ... outputs are represented using one-hot encoding"), under which their linear networks'
/// Hessians (eqs. (28)-(32)) see the data only through Σ^{XX} = I and Σ^{XY}.
/// </summary>
public static class DigitPreprocessing
{
    public const int DefaultDimension = 10;
    public const int DefaultClasses = 10;

    public static Dataset Prepare(LabelledImages images, int d = DefaultDimension, int classes = DefaultClasses)
        => Prepare(images, d, classes, out _);

    /// <inheritdoc cref="Prepare(LabelledImages, int, int)"/>
    /// <param name="components">The principal axes the inputs were projected on (before the final whitening).</param>
    public static Dataset Prepare(LabelledImages images, int d, int classes, out PrincipalComponents components)
        => Prepare(images, d, classes, out components, out _);

    /// <summary>
    /// A training set prepared as above, and a test set brought into the same coordinates with the training set's
    /// statistics only (its pixel mean, principal axes, variances and whitening map — never its own), so that nothing
    /// of the test set leaks into what the network is trained on: Σ^{XX} = I holds on the training set exactly, on
    /// the test set approximately.
    /// </summary>
    public static (Dataset Train, Dataset Test) Prepare(LabelledImages train, LabelledImages test, int d = DefaultDimension, int classes = DefaultClasses)
    {
        ArgumentNullException.ThrowIfNull(test);
        var trainSet = Prepare(train, d, classes, out var components, out var whitening);
        if (test.PixelCount != train.PixelCount)
            throw new DataFormatException(test.Source, $"test images have {test.PixelCount} pixels, the training images {train.PixelCount}");
        var x = Scores(ScalePixels(test), test.Count, components);
        whitening.Apply(x, test.Count);
        return (trainSet, new Dataset(x, OneHot(test.Labels, classes, test.Source), test.Count, d, classes, test.Source, test.Sha256));
    }

    private static Dataset Prepare(LabelledImages images, int d, int classes, out PrincipalComponents components, out WhiteningMap whitening)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        int m = images.Count, n = images.PixelCount;

        double[] pixels = ScalePixels(images);
        components = PrincipalComponents.Fit(pixels, m, n, d, images.Source);

        var x = Scores(pixels, m, components);
        whitening = Whitening.Apply(x, m, d, images.Source);

        return new Dataset(x, OneHot(images.Labels, classes, images.Source), m, d, classes, images.Source, images.Sha256);
    }

    /// <summary>PCA scores divided by the PCA standard deviations: the final d×d whitening then works on a covariance already close to I.</summary>
    private static double[] Scores(double[] pixels, int m, PrincipalComponents components)
    {
        int d = components.Components;
        var x = new double[m * d];
        components.Project(pixels, m, x);
        for (int mu = 0; mu < m; mu++)
            for (int k = 0; k < d; k++) x[mu * d + k] /= Math.Sqrt(components.Variances[k]);
        return x;
    }

    /// <summary>Pixels as doubles in [0, 1]: value / <see cref="LabelledImages.MaxPixel"/> (255 for MNIST, 16 for 8×8 digits).</summary>
    public static double[] ScalePixels(LabelledImages images)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images.MaxPixel, 1);
        var scaled = new double[images.Pixels.Length];
        double max = images.MaxPixel;
        for (int i = 0; i < scaled.Length; i++) scaled[i] = images.Pixels[i] / max;
        return scaled;
    }

    /// <summary>Row μ of the result is e_{label μ} in ℝ^classes.</summary>
    public static double[] OneHot(ReadOnlySpan<byte> labels, int classes, string source)
    {
        var y = new double[labels.Length * classes];
        for (int mu = 0; mu < labels.Length; mu++)
        {
            if (labels[mu] >= classes)
                throw new DataFormatException(source, $"label {labels[mu]} of sample {mu} is outside 0..{classes - 1}");
            y[mu * classes + labels[mu]] = 1.0;
        }
        return y;
    }
}
