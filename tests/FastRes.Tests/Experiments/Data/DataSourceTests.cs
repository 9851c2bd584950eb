using System.Security.Cryptography;
using System.Text;
using FastRes.Experiments;
using FastRes.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class DataSourceTests
{
    [TestCase(null)]
    [TestCase("")]
    public void No_data_option_gives_the_synthetic_set(string? spec)
    {
        Dataset data = DataSource.Load(spec, d: 6, seed: 5);
        Dataset expected = SyntheticData.Create(SyntheticData.DefaultSamples, 6, 10, 5);
        Assert.That((data.Samples, data.InputDim, data.OutputDim), Is.EqualTo((10_000, 6, 10)));
        Assert.That(data.X, Is.EqualTo(expected.X));
        Assert.That(data.Provenance, Is.EqualTo(new DataProvenance("synthetic(samples=10000, d=6, classes=10, seed=5)", 10_000, null)));
    }

    [Test]
    public void Digits_prefix_reads_the_csv()
    {
        Dataset data = DataSource.Load("digits:" + TestData.DigitsFixture, d: 10);
        Assert.That((data.Samples, data.InputDim, data.OutputDim, data.Source), Is.EqualTo((200, 10, 10, TestData.DigitsFixture)));
        Assert.That(data.X, Is.EqualTo(DigitPreprocessing.Prepare(DigitsCsv.Read(TestData.DigitsFixture), 10).X));
        // What `sha256sum tests/FastRes.Tests/Fixtures/digits-200.csv.gz` prints: the file as committed, gzip and all.
        Assert.That(data.Provenance, Is.EqualTo(new DataProvenance(TestData.DigitsFixture, 200, Sha256(File.ReadAllBytes(TestData.DigitsFixture)))));
    }

    [TestCase("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz")]
    [TestCase("train-images-idx3-ubyte", "train-labels-idx1-ubyte")]
    [TestCase("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte")]
    public void Folder_with_any_classic_idx_names_is_read(string images, string labels)
    {
        using var temp = TestData.Temp();
        WriteIdxPair(temp, images, labels, count: 40);
        Dataset data = DataSource.Load(temp.Path, d: 3);
        Assert.That((data.Samples, data.InputDim, data.OutputDim, data.Source), Is.EqualTo((40, 3, 10, temp.File(images))));
        string pair = Sha256(File.ReadAllBytes(temp.File(images))) + " " + Sha256(File.ReadAllBytes(temp.File(labels)));
        Assert.That(data.Provenance, Is.EqualTo(new DataProvenance(temp.File(images), 40, Sha256(Encoding.ASCII.GetBytes(pair)))));
    }

    [Test]
    public void Content_hash_changes_with_either_file_of_an_idx_pair()
    {
        using var temp = TestData.Temp();
        WriteIdxPair(temp, "images-idx3-ubyte", "labels-idx1-ubyte", count: 40);
        string before = DataSource.Load(temp.Path, d: 3).Provenance.Sha256!;
        byte[] labels = File.ReadAllBytes(temp.File("labels-idx1-ubyte"));
        (labels[^1], labels[^2]) = (labels[^2], labels[^1]); // two labels swapped: same counts, same class totals
        File.WriteAllBytes(temp.File("labels-idx1-ubyte"), labels);
        Assert.That(DataSource.Load(temp.Path, d: 3).Provenance.Sha256, Is.Not.EqualTo(before).And.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void Shared_mnist_folder_resolves_to_its_gzipped_pair()
    {
        // Only the name resolution: preprocessing MNIST itself is DigitPreprocessingTests' (it takes a second or two).
        string folder = TestData.MnistFolder;
        Assert.That(DataSource.FindIdxPair(folder),
            Is.EqualTo((Path.Combine(folder, "images-idx3-ubyte.gz"), Path.Combine(folder, "labels-idx1-ubyte.gz"))));
    }

    [Test]
    public void Bad_data_options_are_one_line_data_format_errors()
    {
        using var temp = TestData.Temp();
        string missing = temp.File("nowhere");
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load(missing, 10, 1))!.Message,
            Is.EqualTo(missing + ": data folder not found"));
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load(temp.Path, 10, 1))!.Problem,
            Does.StartWith("no IDX images found (looked for images-idx3-ubyte[.gz], train-images-idx3-ubyte[.gz]"));
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load("digits:", 10, 1))!.Problem,
            Does.Contain("no file after"));
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load("digits:" + missing, 10, 1))!.Message,
            Is.EqualTo(missing + ": file not found"));
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load(TestData.DigitsFixture, 10, 1))!.Problem,
            Does.Contain("digits:FILE"));

        File.WriteAllBytes(temp.File("train-images-idx3-ubyte"), TestData.IdxImages(3, 2, 2, i => 0));
        Assert.That(Assert.Throws<DataFormatException>(() => DataSource.Load(temp.Path, 10, 1))!.Problem,
            Does.Contain("no train-labels-idx1-ubyte[.gz] beside it"));
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void WriteIdxPair(TestData.TempFolder temp, string images, string labels, int count)
    {
        // Deterministic pseudo-random 4×4 images: enough variety for a rank-3 PCA.
        byte[] imageBytes = TestData.IdxImages(count, 4, 4, i => (byte)(i * 2654435761u >> 24));
        byte[] labelBytes = TestData.IdxLabels(count, i => (byte)(i % 10));
        File.WriteAllBytes(temp.File(images), images.EndsWith(".gz") ? TestData.Gzip(imageBytes) : imageBytes);
        File.WriteAllBytes(temp.File(labels), labels.EndsWith(".gz") ? TestData.Gzip(labelBytes) : labelBytes);
    }
}
