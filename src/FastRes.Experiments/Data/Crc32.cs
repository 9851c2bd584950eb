using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FastRes.Experiments.Data;

/// <summary>
/// The CRC-32 of gzip members (RFC 1952 §8, the ISO 3309 / ITU-T V.42 polynomial 0x04C11DB7 in its reflected form
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF). The framework keeps its zlib CRC internal and System.IO.Hashing
/// is a separate package, hence this copy: <see cref="Reference"/> is the RFC's byte-at-a-time table loop, and
/// <see cref="Compute"/> the same CRC eight bytes at a time ("slicing-by-8": M. Kounavis and F. Berry, "Novel Table
/// Lookup-Based Algorithms for High-Performance CRC Generation", IEEE Trans. Computers 57(11), 2008): the byte loop is a chain of dependent table look-ups, 30 ms on MNIST's 7.8 MB, more than gunzipping them
/// takes; eight independent look-ups a step overlap and take 5 ms.
/// </summary>
internal static class Crc32
{
    // Table k is the CRC of a byte followed by k zero bytes: Tables[k·256 + b].
    private static readonly uint[] Tables = BuildTables();

    /// <remarks>AggressiveOptimization: a run calls this once or twice, on megabytes, so tier-0 code would be what runs.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Compute(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<uint> t0 = Tables.AsSpan(0, 256), t1 = Tables.AsSpan(256, 256), t2 = Tables.AsSpan(512, 256),
            t3 = Tables.AsSpan(768, 256), t4 = Tables.AsSpan(1024, 256), t5 = Tables.AsSpan(1280, 256),
            t6 = Tables.AsSpan(1536, 256), t7 = Tables.AsSpan(1792, 256);
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i <= bytes.Length - 8; i += 8)
        {
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(bytes[i..]) ^ crc;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i + 4)..]);
            crc = t7[(byte)low] ^ t6[(byte)(low >> 8)] ^ t5[(byte)(low >> 16)] ^ t4[(int)(low >> 24)]
                ^ t3[(byte)high] ^ t2[(byte)(high >> 8)] ^ t1[(byte)(high >> 16)] ^ t0[(int)(high >> 24)];
        }
        for (; i < bytes.Length; i++) crc = t0[(byte)(crc ^ bytes[i])] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>RFC 1952 §8's sample code, the definition <see cref="Compute"/> is tested against.</summary>
    internal static uint Reference(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes) crc = Tables[(byte)(crc ^ b)] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            tables[n] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int n = 0; n < 256; n++)
            {
                uint previous = tables[(k - 1) * 256 + n];
                tables[k * 256 + n] = (previous >> 8) ^ tables[(byte)previous];
            }
        return tables;
    }
}
