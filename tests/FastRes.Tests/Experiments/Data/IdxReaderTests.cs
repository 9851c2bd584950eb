using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FastRes.Experiments;
using FastRes.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class IdxReaderTests
{
    // ../shared/data/README.md
    private const string MnistImagesSha256 = "cedcccc622009d996de39abf526d89b055209796220dbc8272b167b1aeabc3aa";
    private const string MnistLabelsSha256 = "2f9cf960688ce0d4d86bcdf24ecd4e2e816c5c8e13cef2df040e99a8f2181a5c";
    private const string DigitsSha256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a";

    [TestCase("mnist-10k/images-idx3-ubyte.gz", MnistImagesSha256)]
    [TestCase("mnist-10k/labels-idx1-ubyte.gz", MnistLabelsSha256)]
    [TestCase("digits-8x8/digits.csv.gz", DigitsSha256)]
    public void Shared_data_match_the_README_checksums(string relative, string sha256)
    {
        string path = TestData.Shared(relative);
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), Is.EqualTo(sha256));
    }

    [Test]
    public void Hand_written_file_reads_back_big_endian_header_and_row_major_pixels([Values] bool gzipped)
    {
        using var temp = TestData.Temp();
        // 3 images of 2×5 (rows ≠ columns, so a swapped header would show), pixel i = 7i mod 256.
        byte[] images = TestData.IdxImages(3, 2, 5, i => (byte)(7 * i));
        byte[] labels = TestData.IdxLabels(3, i => (byte)(9 - i));
        File.WriteAllBytes(temp.File("i"), gzipped ? TestData.Gzip(images) : images);
        File.WriteAllBytes(temp.File("l"), gzipped ? TestData.Gzip(labels) : labels);

        LabelledImages read = IdxReader.Read(temp.File("i"), temp.File("l"));

        Assert.That((read.Count, read.Rows, read.Columns, read.MaxPixel), Is.EqualTo((3, 2, 5, 255)));
        Assert.That(read.Pixels, Is.EqualTo(Enumerable.Range(0, 30).Select(i => (byte)(7 * i)).ToArray()));
        Assert.That(read.Labels, Is.EqualTo(new byte[] { 9, 8, 7 }));
        Assert.That(read.Source, Is.EqualTo(temp.File("i")));
    }

    [Test]
    public void Mnist_10k_has_ten_thousand_28_by_28_images_and_the_README_class_counts()
    {
        string folder = TestData.MnistFolder;
        LabelledImages mnist = IdxReader.Read(Path.Combine(folder, "images-idx3-ubyte.gz"), Path.Combine(folder, "labels-idx1-ubyte.gz"));

        Assert.That((mnist.Count, mnist.Rows, mnist.Columns), Is.EqualTo((10_000, 28, 28)));
        // The pair's content hash from the README's two checksums alone: SHA-256 of "IMAGES-HASH LABELS-HASH".
        Assert.That(mnist.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(MnistImagesSha256 + " " + MnistLabelsSha256)))));
        int[] perClass = new int[10];
        foreach (byte label in mnist.Labels) perClass[label]++; // a label ≥ 10 would throw here (and in the reader)
        Assert.That(perClass.Min(), Is.EqualTo(863));
        Assert.That(perClass.Max(), Is.EqualTo(1127));
        Assert.That(perClass.Sum(), Is.EqualTo(10_000));
        // Real digits: dark background, some saturated strokes, a plausible ink fraction.
        double ink = mnist.Pixels.Count(p => p > 0) / (double)mnist.Pixels.Length;
        Assert.That(ink, Is.InRange(0.1, 0.3));
        Assert.That(mnist.Pixels.Max(), Is.EqualTo((byte)255));
    }

    [Test]
    public void Raw_copy_of_mnist_reads_identically_to_the_gzipped_original()
    {
        string folder = TestData.MnistFolder;
        using var temp = TestData.Temp();
        string images = Path.Combine(folder, "images-idx3-ubyte.gz"), labels = Path.Combine(folder, "labels-idx1-ubyte.gz");
        File.WriteAllBytes(temp.File("images-idx3-ubyte"), TestData.Gunzip(File.ReadAllBytes(images)));
        File.WriteAllBytes(temp.File("labels-idx1-ubyte"), TestData.Gunzip(File.ReadAllBytes(labels)));

        LabelledImages gz = IdxReader.Read(images, labels);
        LabelledImages raw = IdxReader.Read(temp.File("images-idx3-ubyte"), temp.File("labels-idx1-ubyte"));

        // SequenceEqual: NUnit's element-wise array comparison takes seconds on 7.8 M pixels.
        Assert.That(raw.Pixels.AsSpan().SequenceEqual(gz.Pixels), Is.True, "pixels");
        Assert.That(raw.Labels.AsSpan().SequenceEqual(gz.Labels), Is.True, "labels");
        Assert.That((raw.Count, raw.Rows, raw.Columns), Is.EqualTo((gz.Count, gz.Rows, gz.Columns)));
    }

    public enum Corruption { WrongImagesMagic, LabelsAsImages, LittleEndianMagic, TruncatedHeader, TruncatedBody, TrailingBytes, NegativeCount }

    [TestCase(Corruption.WrongImagesMagic, "wrong magic number 0x00000804")]
    [TestCase(Corruption.LabelsAsImages, "wrong magic number 0x00000801, expected 0x00000803")]
    [TestCase(Corruption.LittleEndianMagic, "little-endian")]
    [TestCase(Corruption.TruncatedHeader, "truncated header: 11 bytes")]
    [TestCase(Corruption.TruncatedBody, "truncated data")]
    [TestCase(Corruption.TrailingBytes, "3 unexpected bytes")]
    [TestCase(Corruption.NegativeCount, "negative image count")]
    public void Corrupted_images_file_is_a_data_format_error_naming_file_and_problem(Corruption corruption, string problem)
    {
        byte[] good = TestData.IdxImages(4, 3, 3, i => (byte)i);
        byte[] bad = corruption switch
        {
            Corruption.WrongImagesMagic => Patch(good, 0, 0x804),
            Corruption.LabelsAsImages => TestData.IdxLabels(4, i => (byte)i),
            Corruption.LittleEndianMagic => Patch(good, 0, (int)BinaryPrimitives.ReverseEndianness(0x803u)),
            Corruption.TruncatedHeader => good[..11],
            Corruption.TruncatedBody => good[..^1],
            Corruption.TrailingBytes => [.. good, 1, 2, 3],
            Corruption.NegativeCount => Patch(good, 4, -4),
            _ => throw new ArgumentOutOfRangeException(nameof(corruption)),
        };
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("labels"), TestData.IdxLabels(4, i => (byte)i));
        foreach (bool gzipped in new[] { true, false })
        {
            string path = temp.File(gzipped ? "images-idx3-ubyte.gz" : "images-idx3-ubyte");
            File.WriteAllBytes(path, gzipped ? TestData.Gzip(bad) : bad);

            var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, temp.File("labels")))!;
            Assert.That(ex.Path, Is.EqualTo(path));
            Assert.That(ex.Problem, Does.Contain(problem));
            Assert.That(ex.Message, Does.StartWith(path + ": ").And.Not.Contain("\n"));
        }
    }

    [TestCase(new byte[] { 0, 0, 8, 1, 0, 0 }, "truncated header: 6 bytes")]
    [TestCase(new byte[] { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3 }, "the header promises 5 labels (5 bytes), the file holds 3")]
    public void Corrupted_labels_file_is_a_data_format_error(byte[] labels, string problem)
    {
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("images"), TestData.IdxImages(5, 2, 2, i => 0));
        File.WriteAllBytes(temp.File("labels"), labels);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(temp.File("images"), temp.File("labels")))!;
        Assert.That(ex.Path, Is.EqualTo(temp.File("labels")));
        Assert.That(ex.Problem, Does.Contain(problem));
    }

    [Test]
    public void Header_whose_counts_overflow_a_long_is_not_read_as_an_empty_body()
    {
        // 2³⁰ images of 2³⁰×16 pixels are 2⁶⁴ bytes, which a 64-bit product wraps to 0: the size of this header-only file.
        byte[] forged = TestData.IdxImages(0, 0, 0, i => 0);
        BinaryPrimitives.WriteInt32BigEndian(forged.AsSpan(4), 1 << 30);
        BinaryPrimitives.WriteInt32BigEndian(forged.AsSpan(8), 1 << 30);
        BinaryPrimitives.WriteInt32BigEndian(forged.AsSpan(12), 16);
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("images"), forged);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(temp.File("images")))!;
        Assert.That(ex.Problem, Is.EqualTo(
            "truncated data: the header promises 1073741824 images of 1073741824×16 (18446744073709551616 bytes), the file holds 0"));
    }

    [Test]
    public void Image_and_label_counts_must_agree()
    {
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("images"), TestData.IdxImages(5, 2, 2, i => 0));
        File.WriteAllBytes(temp.File("labels"), TestData.IdxLabels(4, i => 1));
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(temp.File("images"), temp.File("labels")))!;
        Assert.That(ex.Problem, Does.Contain("count mismatch: 5 images but 4 labels"));
    }

    [Test]
    public void Mnist_images_with_a_truncated_companion_label_file_are_refused()
    {
        // The real images against a labels file cut to 9,999 labels with a consistent header: only the pairing is wrong.
        string folder = TestData.MnistFolder;
        using var temp = TestData.Temp();
        byte[] labels = TestData.Gunzip(File.ReadAllBytes(Path.Combine(folder, "labels-idx1-ubyte.gz")))[..^1];
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), 9_999);
        File.WriteAllBytes(temp.File("labels"), labels);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(Path.Combine(folder, "images-idx3-ubyte.gz"), temp.File("labels")))!;
        Assert.That(ex.Problem, Does.Contain("10000 images but 9999 labels"));
    }

    [Test]
    public void Cut_gzip_stream_of_mnist_is_reported_as_truncated_not_crashed()
    {
        string images = Path.Combine(TestData.MnistFolder, "images-idx3-ubyte.gz");
        using var temp = TestData.Temp();
        byte[] gz = File.ReadAllBytes(images);
        File.WriteAllBytes(temp.File("cut.gz"), gz[..(gz.Length / 2)]);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(temp.File("cut.gz")))!;
        Assert.That(ex.Problem, Does.Contain("truncated"));
    }

    [TestCase("images")]
    [TestCase("labels")]
    public void Gzipped_idx_without_its_trailer_is_refused_though_header_and_body_agree(string which)
    {
        // The deflate data end before the trailer, so GZipStream alone returns every byte and the counts all match.
        using var temp = TestData.Temp();
        byte[] images = TestData.Gzip(TestData.IdxImages(6, 2, 3, i => (byte)i)), labels = TestData.Gzip(TestData.IdxLabels(6, i => (byte)i));
        File.WriteAllBytes(temp.File("images.gz"), which == "images" ? images[..^8] : images);
        File.WriteAllBytes(temp.File("labels.gz"), which == "labels" ? labels[..^8] : labels);
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(temp.File("images.gz"), temp.File("labels.gz")))!;
        Assert.That(ex.Message, Is.EqualTo(temp.File(which + ".gz")
            + ": truncated or corrupt: the gzip trailer's CRC-32 and length do not match the data (the file ends early?)"));
    }

    [Test]
    public void Label_outside_the_ten_classes_is_refused()
    {
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("images"), TestData.IdxImages(3, 1, 1, i => 0));
        File.WriteAllBytes(temp.File("labels"), TestData.IdxLabels(3, i => (byte)(i == 2 ? 10 : 0)));
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.Read(temp.File("images"), temp.File("labels")))!;
        Assert.That(ex.Problem, Does.Contain("label 10 at index 2 is outside 0..9"));
    }

    [Test]
    public void Missing_file_is_a_data_format_error_not_an_io_exception()
    {
        using var temp = TestData.Temp();
        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(temp.File("nope.gz")))!;
        Assert.That(ex.Message, Is.EqualTo(temp.File("nope.gz") + ": file not found"));
    }

    private static byte[] Patch(byte[] bytes, int offset, int value)
    {
        byte[] copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
