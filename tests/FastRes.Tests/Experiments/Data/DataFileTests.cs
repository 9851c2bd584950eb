using System.Security.Cryptography;
using FastRes.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

/// <summary>
/// The gzip checks every reader goes through, on corrupt copies of the committed digits fixture: GZipStream alone
/// reads a cut file as a shorter data set (κ changes, nothing says so), so each case asserts the one-line refusal.
/// </summary>
public class DataFileTests
{
    private static byte[] Fixture => File.ReadAllBytes(TestData.DigitsFixture);

    private static byte[] FlipMiddleByte(byte[] gz)
    {
        byte[] copy = (byte[])gz.Clone();
        copy[gz.Length / 2] ^= 0x10;
        return copy;
    }

    private static byte[] FlipTrailerByte(byte[] gz, int fromEnd)
    {
        byte[] copy = (byte[])gz.Clone();
        copy[^fromEnd] ^= 0x01;
        return copy;
    }

    public static IEnumerable<TestCaseData> Corruptions()
    {
        const string Cut = "truncated or corrupt: the gzip trailer's CRC-32 and length do not match the data (the file ends early?)";
        const string Undecodable = "truncated or corrupt: gzip data do not decompress";
        byte[] gz = Fixture;
        yield return new TestCaseData(gz[..^1], Cut).SetName("Cut by one byte");
        yield return new TestCaseData(gz[..^4], Cut).SetName("Cut inside the trailer");
        yield return new TestCaseData(gz[..^8], Cut).SetName("Cut before the trailer");
        yield return new TestCaseData(gz[..(gz.Length / 2)], Cut).SetName("Cut in half");
        yield return new TestCaseData(gz[..10], "truncated or corrupt: only 10 bytes, shorter than any gzip stream (the file ends early?)").SetName("Header only");
        yield return new TestCaseData(FlipMiddleByte(gz), Undecodable).SetName("Byte flipped in the middle");
        yield return new TestCaseData(FlipTrailerByte(gz, 8), Undecodable).SetName("Trailer CRC-32 flipped");
        yield return new TestCaseData(FlipTrailerByte(gz, 4), Undecodable).SetName("Trailer length flipped");
        yield return new TestCaseData((byte[])[.. gz, 1, 2, 3], "truncated or corrupt: 3 bytes after the end of the gzip stream").SetName("Garbage appended");
        yield return new TestCaseData((byte[])[.. gz, 0x1F, 0x8B, 8, 0], "truncated or corrupt: 4 bytes after the end of the gzip stream").SetName("Start of another member appended");
        yield return new TestCaseData((byte[])[.. gz, .. gz],
            "holds more than one gzip member (concatenated .gz files?), which is not supported: gunzip it and gzip it again").SetName("Two members");
        byte[] otherMethod = (byte[])gz.Clone();
        otherMethod[2] = 7;
        yield return new TestCaseData(otherMethod, "gzip compression method 7 is not deflate (8)").SetName("Not deflate");
    }

    [TestCaseSource(nameof(Corruptions))]
    public void Corrupt_gzip_of_the_fixture_is_refused_in_one_line_naming_the_file(byte[] bad, string problem)
    {
        using var temp = TestData.Temp();
        string path = temp.File("digits.csv.gz");
        File.WriteAllBytes(path, bad);
        var ex = Assert.Throws<DataFormatException>(() => DigitsCsv.Read(path))!;
        Assert.That(ex.Message, Is.EqualTo(path + ": " + problem));
    }

    [Test]
    public void Every_cut_of_the_fixture_is_refused()
    {
        // Not only the cuts above: a file cut anywhere, down to its header, never reads as a shorter data set.
        byte[] gz = Fixture;
        for (int length = gz.Length - 1; length >= 20; length -= 97)
        {
            var ex = Assert.Throws<DataFormatException>(() => DataFile.Gunzip(gz[..length], "f"), $"cut to {length} bytes")!;
            Assert.That(ex.Problem, Does.StartWith("truncated or corrupt: "), $"cut to {length} bytes");
        }
    }

    [Test]
    public void Byte_flipped_anywhere_in_the_compressed_data_is_refused()
    {
        // Header bytes 4..9 (time, flags, OS) carry no data and no check in RFC 1952, so only the rest is swept.
        byte[] gz = Fixture;
        for (int i = 10; i < gz.Length; i += 37)
        {
            byte[] bad = (byte[])gz.Clone();
            bad[i] ^= 0x04;
            Assert.Throws<DataFormatException>(() => DataFile.Gunzip(bad, "f"), $"byte {i} flipped");
        }
    }

    [Test]
    public void Good_gzip_and_its_uncompressed_copy_read_to_the_same_bytes_with_their_own_hashes()
    {
        byte[] gz = Fixture;
        byte[] csv = TestData.Gunzip(gz);
        using var temp = TestData.Temp();
        File.WriteAllBytes(temp.File("digits.csv"), csv);

        DataFileContent fromGzip = DataFile.Read(TestData.DigitsFixture);
        DataFileContent fromRaw = DataFile.Read(temp.File("digits.csv"));

        Assert.That(fromGzip.Bytes, Is.EqualTo(csv));
        Assert.That(fromRaw.Bytes, Is.EqualTo(csv));
        Assert.That(fromGzip.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(gz))), "the hash of the file as given, not of its content");
        Assert.That(fromRaw.Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(csv))));
    }

    [Test]
    public void Empty_member_reads_as_empty_content()
    {
        // What `gzip` writes for an empty file (GZipStream writes nothing at all): header, an empty fixed block, zero trailer.
        byte[] gz = Convert.FromHexString("1f8b08000000000002ff0300" + "00000000" + "00000000");
        Assert.That(DataFile.Gunzip(gz, "f"), Is.Empty);
        Assert.That(Assert.Throws<DataFormatException>(() => DataFile.Gunzip(gz[..^1], "f"))!.Problem, Does.StartWith("truncated or corrupt: only 19 bytes"));
    }
}
