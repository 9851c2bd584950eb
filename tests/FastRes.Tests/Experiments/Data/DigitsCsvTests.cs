using System.Text;
using FastRes.Experiments;
using FastRes.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class DigitsCsvTests
{
    [Test]
    public void Fixture_has_200_rows_of_64_pixels_in_0_to_16_and_labels_0_to_9()
    {
        LabelledImages digits = DigitsCsv.Read(TestData.DigitsFixture);

        Assert.That((digits.Count, digits.Rows, digits.Columns, digits.MaxPixel), Is.EqualTo((200, 8, 8, 16)));
        Assert.That(digits.Pixels.Max(), Is.EqualTo((byte)16));
        Assert.That(digits.Pixels.Min(), Is.EqualTo((byte)0));
        // Class counts of the first 200 rows (fixture's LICENCE file).
        int[] perClass = new int[10];
        foreach (byte label in digits.Labels) perClass[label]++;
        Assert.That(perClass, Is.EqualTo(new[] { 21, 19, 20, 21, 19, 20, 21, 20, 19, 20 }));
        // First row, verbatim: a zero.
        Assert.That(digits.Pixels[..16], Is.EqualTo(new byte[] { 0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0 }));
        Assert.That(digits.Labels[0], Is.EqualTo((byte)0));
        Assert.That(digits.Labels[1], Is.EqualTo((byte)1));
    }

    [Test]
    public void Shared_digits_file_has_all_1797_samples()
    {
        LabelledImages digits = DigitsCsv.Read(TestData.Shared("digits-8x8/digits.csv.gz"));
        Assert.That(digits.Count, Is.EqualTo(1797));
        Assert.That(digits.Sha256, Is.EqualTo("46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"), "../shared/data/README.md");
        Assert.That(digits.Labels.Distinct().Count(), Is.EqualTo(10));
        // The fixture is the file's head, byte for byte after parsing.
        LabelledImages head = DigitsCsv.Read(TestData.DigitsFixture);
        Assert.That(digits.Pixels[..head.Pixels.Length], Is.EqualTo(head.Pixels));
    }

    [Test]
    public void Uncompressed_csv_with_decimal_integers_and_a_trailing_newline_reads()
    {
        string row = string.Join(",", Enumerable.Range(0, 64).Select(i => i % 17 == 0 ? "16.0" : (i % 17).ToString())) + ",7";
        using var temp = TestData.Temp();
        File.WriteAllText(temp.File("d.csv"), row + "\r\n" + row + "\n\n");
        LabelledImages digits = DigitsCsv.Read(temp.File("d.csv"));
        Assert.That(digits.Count, Is.EqualTo(2));
        Assert.That(digits.Pixels[0], Is.EqualTo((byte)16));
        Assert.That(digits.Pixels[5], Is.EqualTo((byte)5));
        Assert.That(digits.Labels, Is.EqualTo(new byte[] { 7, 7 }));
    }

    // Line 3 of a file whose first two lines are good.
    [TestCase(63, null, "line 3: 63 columns, expected 65")]
    [TestCase(66, null, "line 3: 66 columns, expected 65")]
    [TestCase(65, "x", "line 3: pixel 5 \"x\" is not a non-negative integer")]
    [TestCase(65, "-1", "line 3: pixel 5 \"-1\" is not a non-negative integer")]
    [TestCase(65, "2.5", "line 3: pixel 5 \"2.5\" is not a non-negative integer")]
    [TestCase(65, "17", "line 3: pixel 5 17 is outside 0..16")]
    [TestCase(65, "label:10", "line 3: label 10 is outside 0..9")]
    [TestCase(65, "label:nine", "line 3: label \"nine\" is not a non-negative integer")]
    public void Bad_row_is_a_data_format_error_with_its_line_number(int columns, string? badValue, string problem)
    {
        string good = string.Join(",", Enumerable.Repeat("3", 64)) + ",1";
        var fields = Enumerable.Repeat("3", columns).ToArray();
        if (badValue is not null && badValue.StartsWith("label:")) fields[64] = badValue["label:".Length..];
        else if (badValue is not null) fields[4] = badValue;
        else if (columns >= 65) fields[64] = "1";
        using var temp = TestData.Temp();
        string path = temp.File("bad.csv.gz");
        File.WriteAllBytes(path, TestData.Gzip(Encoding.UTF8.GetBytes(good + "\n" + good + "\n" + string.Join(",", fields) + "\n" + good + "\n")));

        var ex = Assert.Throws<DataFormatException>(() => DigitsCsv.Read(path))!;
        Assert.That(ex.Message, Is.EqualTo(path + ": " + problem + (problem.Contains("columns") ? " (64 pixels and the label)" : "")));
    }

    [Test]
    public void Fixture_without_its_final_newline_reads_the_same()
    {
        byte[] csv = TestData.Gunzip(File.ReadAllBytes(TestData.DigitsFixture));
        Assert.That(csv[^1], Is.EqualTo((byte)'\n'));
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("d.csv"), csv[..^1]);
        LabelledImages cut = DigitsCsv.Read(temp.File("d.csv")), whole = DigitsCsv.Read(TestData.DigitsFixture);
        Assert.That(cut.Pixels, Is.EqualTo(whole.Pixels));
        Assert.That(cut.Labels, Is.EqualTo(whole.Labels));
    }

    [Test]
    public void Uncompressed_fixture_cut_inside_its_last_row_is_refused()
    {
        // The last row is "0,0,…,12,1,0,9\n": every cut that leaves part of it loses the label or a pixel. A cut at a
        // line end cannot be seen — the CSV states no row count — which is why runs record the rows read and the hash.
        byte[] csv = TestData.Gunzip(File.ReadAllBytes(TestData.DigitsFixture));
        int lastRow = Array.LastIndexOf(csv, (byte)'\n', csv.Length - 2) + 1;
        using var temp = TestData.Temp();
        for (int length = csv.Length - 2; length > lastRow; length--)
        {
            File.WriteAllBytes(temp.File("d.csv"), csv[..length]);
            var ex = Assert.Throws<DataFormatException>(() => DigitsCsv.Read(temp.File("d.csv")), $"cut to {length} bytes")!;
            Assert.That(ex.Message, Does.StartWith(temp.File("d.csv") + ": line 200: ").And.Not.Contain("\n"));
        }
    }

    [Test]
    public void Empty_and_binary_files_are_refused()
    {
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("empty.csv"), []);
        Assert.That(Assert.Throws<DataFormatException>(() => DigitsCsv.Read(temp.File("empty.csv")))!.Problem, Is.EqualTo("no data rows"));
        File.WriteAllBytes(temp.File("blank.csv.gz"), TestData.Gzip("\n \r\n"u8.ToArray()));
        Assert.That(Assert.Throws<DataFormatException>(() => DigitsCsv.Read(temp.File("blank.csv.gz")))!.Problem, Is.EqualTo("no data rows"));
        File.WriteAllBytes(temp.File("bin.csv"), [0xFF, 0xFE, 0x00, 0x81]);
        Assert.That(Assert.Throws<DataFormatException>(() => DigitsCsv.Read(temp.File("bin.csv")))!.Problem, Does.Contain("UTF-8"));
    }
}
