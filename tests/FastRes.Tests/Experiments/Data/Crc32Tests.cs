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
        Assert.That(Crc32.Reference(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Compute([]), Is.EqualTo(0u));
        Assert.That(Crc32.Compute([0]), Is.EqualTo(0xD202EF8Du));
    }

    [Test]
    public void Eight_bytes_at_a_time_equals_the_byte_loop_at_every_length_and_offset()
    {
        // Lengths 0..40 cover no full step, one, several, and every tail; offsets move the steps across the data.
        var data = new byte[4096 + 40];
        new Random(3).NextBytes(data);
        for (int offset = 0; offset < 8; offset++)
            for (int length = 0; length <= 40; length++)
            {
                ReadOnlySpan<byte> slice = data.AsSpan(offset, length);
                Assert.That(Crc32.Compute(slice), Is.EqualTo(Crc32.Reference(slice)), $"offset {offset}, length {length}");
            }
        Assert.That(Crc32.Compute(data), Is.EqualTo(Crc32.Reference(data)));
        Assert.That(Crc32.Compute(new byte[1000]), Is.EqualTo(Crc32.Reference(new byte[1000])), "zeros");
        Assert.That(Crc32.Compute(Enumerable.Repeat((byte)0xFF, 1000).ToArray()), Is.EqualTo(Crc32.Reference(Enumerable.Repeat((byte)0xFF, 1000).ToArray())), "ones");
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
