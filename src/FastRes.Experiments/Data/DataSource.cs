namespace FastRes.Experiments.Data;

/// <summary>
/// The <c>--data</c> forms of the §2 commands (SPEC §2.2, §2.6): none → the built-in synthetic set; <c>DIR</c> → an
/// MNIST-format IDX pair in DIR; <c>digits:FILE</c> → the 8×8 digits CSV. Every form yields a whitened
/// <see cref="Dataset"/> with <c>InputDim = d</c> and 10 one-hot classes.
/// </summary>
public static class DataSource
{
    public const string DigitsPrefix = "digits:";

    /// <summary>
    /// IDX file pairs looked for in a folder, in this order: the names of ../shared/data/mnist-10k, then LeCun's
    /// training and test sets (which Fashion-MNIST reuses). Each is tried gzipped and raw.
    /// </summary>
    public static readonly IReadOnlyList<(string Images, string Labels)> IdxNames =
    [
        ("images-idx3-ubyte", "labels-idx1-ubyte"),
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ];

    /// <param name="spec">null or empty for synthetic data, "digits:FILE", or a folder holding IDX files.</param>
    /// <param name="d">Input dimension: PCA components kept (real data) or Gaussian dimension (synthetic).</param>
    /// <param name="seed">Seeds the synthetic set only; real data sets are deterministic.</param>
    /// <exception cref="DataFormatException">Any problem with the files named by <paramref name="spec"/>.</exception>
    public static Dataset Load(string? spec, int d = DigitPreprocessing.DefaultDimension, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        if (string.IsNullOrWhiteSpace(spec))
            return SyntheticData.Create(SyntheticData.DefaultSamples, d, DigitPreprocessing.DefaultClasses, seed);

        if (spec.StartsWith(DigitsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string file = spec[DigitsPrefix.Length..];
            if (file.Length == 0) throw new DataFormatException(spec, "no file after \"digits:\"");
            return DigitPreprocessing.Prepare(DigitsCsv.Read(file), d);
        }

        (string images, string labels) = FindIdxPair(spec);
        return DigitPreprocessing.Prepare(IdxReader.Read(images, labels), d);
    }

    /// <summary>The images and labels files of the first <see cref="IdxNames"/> pair present in <paramref name="folder"/>.</summary>
    public static (string Images, string Labels) FindIdxPair(string folder)
    {
        if (File.Exists(folder))
            throw new DataFormatException(folder, "is a file; give the folder holding the IDX files, or digits:FILE for the 8×8 CSV");
        if (!Directory.Exists(folder))
            throw new DataFormatException(folder, "data folder not found");

        foreach ((string images, string labels) in IdxNames)
        {
            string? imagesPath = Existing(folder, images);
            if (imagesPath is null) continue;
            string? labelsPath = Existing(folder, labels);
            if (labelsPath is null)
                throw new DataFormatException(folder, $"has {Path.GetFileName(imagesPath)} but no {labels}[.gz] beside it");
            return (imagesPath, labelsPath);
        }
        throw new DataFormatException(folder,
            "no IDX images found (looked for " + string.Join(", ", IdxNames.Select(p => p.Images + "[.gz]")) + ")");
    }

    private static string? Existing(string folder, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
