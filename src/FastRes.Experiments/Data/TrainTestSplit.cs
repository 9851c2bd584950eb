using System.Security.Cryptography;
using System.Text;

namespace FastRes.Experiments.Data;

/// <summary>
/// A training set and a held-out test set from one IDX folder, preprocessed as <see cref="DigitPreprocessing"/> does
/// with the training set's statistics only (<see cref="DigitPreprocessing.Prepare(LabelledImages, LabelledImages, int, int)"/>).
/// A folder with LeCun's two splits (train-* and t10k-*, as MNIST and Fashion-MNIST ship) gives the first
/// <c>train</c> training images and the first <c>test</c> test images; a folder with one pair (../shared/data/mnist-10k)
/// gives its first <c>train</c> images for training and the next <c>test</c> for testing. test = 0: all of them.
/// </summary>
public sealed record TrainTestSplit(Dataset Train, Dataset Test, DataProvenance Provenance)
{
    /// <exception cref="DataFormatException">Missing or malformed files, or fewer images than asked for.</exception>
    public static TrainTestSplit Load(string folder, int train, int test, int d = DigitPreprocessing.DefaultDimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(train, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(test);
        var (trainNames, testNames) = (DataSource.IdxNames[1], DataSource.IdxNames[2]);
        (string images, string labels) first = DataSource.FindIdxPair(folder);
        LabelledImages trainImages, testImages;
        string sha;
        if (Path.GetFileName(first.images).StartsWith(trainNames.Images, StringComparison.Ordinal))
        {
            var testPair = FindPair(folder, testNames)
                ?? throw new DataFormatException(folder, $"has {Path.GetFileName(first.images)} but no {testNames.Images}[.gz] beside it (the test split)");
            var all = IdxReader.Read(first.images, first.labels);
            var held = IdxReader.Read(testPair.Images, testPair.Labels);
            trainImages = Take(all, 0, train, "training");
            testImages = Take(held, 0, test == 0 ? held.Count : test, "test");
            sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(all.Sha256 + " " + held.Sha256)));
        }
        else
        {
            var all = IdxReader.Read(first.images, first.labels);
            trainImages = Take(all, 0, train, "training");
            testImages = Take(all, train, test == 0 ? all.Count - train : test, "held-out");
            sha = all.Sha256!;
        }
        var (trainSet, testSet) = DigitPreprocessing.Prepare(trainImages, testImages, d);
        return new TrainTestSplit(trainSet, testSet, new DataProvenance(Path.GetFullPath(folder), trainSet.Samples + testSet.Samples, sha));
    }

    private static LabelledImages Take(LabelledImages images, int start, int count, string what)
    {
        if (count < 1 || (long)start + count > images.Count)
            throw new DataFormatException(images.Source, $"holds {images.Count} images: not enough for {count} {what} images from image {start}");
        return images.Slice(start, count);
    }

    private static (string Images, string Labels)? FindPair(string folder, (string Images, string Labels) names)
    {
        string? Existing(string name) => new[] { name + ".gz", name }.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);
        string? images = Existing(names.Images), labels = Existing(names.Labels);
        if (images is null) return null;
        return (images, labels ?? throw new DataFormatException(folder, $"has {Path.GetFileName(images)} but no {names.Labels}[.gz] beside it"));
    }
}
