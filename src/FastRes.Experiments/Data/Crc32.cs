namespace FastRes.Experiments.Data;

/// <summary>
/// The CRC-32 of gzip members (RFC 1952 §8, the ISO 3309 / ITU-T V.42 polynomial 0x04C11DB7 in its reflected form
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF), computed byte by byte with a 256-entry table as in the RFC's
/// sample code. The framework keeps its zlib CRC internal and System.IO.Hashing is a separate package, hence this copy.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> bytes)
    {
        uint[] table = Table;
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes) crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
