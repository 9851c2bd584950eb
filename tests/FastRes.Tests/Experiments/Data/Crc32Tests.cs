using System.Buffers.Binary;
using System.Text;
using FastRes.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class Crc32Tests
{
    [Test]
    public void Check_value_of_the_gzip_polynomial()
    {
        // The catalogue check value of CRC-32/ISO-HDLC (the gzip and zlib CRC): CRC("123456789") = 0xCBF43926.
        Assert.That(Crc32.Compute(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Compute([]), Is.EqualTo(0u));
        Assert.That(Crc32.Compute([0]), Is.EqualTo(0xD202EF8Du));
    }

    [TestCase(1)]
    [TestCase(255)]
    [TestCase(100_003)]
    public void Matches_the_trailer_zlib_writes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        byte[] gz = TestData.Gzip(data);
        Assert.That(Crc32.Compute(data), Is.EqualTo(BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 8))));
    }
}
