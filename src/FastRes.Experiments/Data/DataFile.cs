using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace FastRes.Experiments.Data;

/// <summary>A data file as read: its content (gunzipped when it was gzip) and the SHA-256 of its bytes on disk, lower-case hex.</summary>
internal readonly record struct DataFileContent(byte[] Bytes, string Sha256);

/// <summary>Whole-file reads with transparent, verified gzip, every I/O failure turned into a <see cref="DataFormatException"/>.</summary>
internal static class DataFile
{
    // RFC 1952 §2.3: a member is a 10-byte header, the deflate data (an empty stream takes 2 bytes) and an 8-byte trailer.
    private const int HeaderLength = 10, TrailerLength = 8, ShortestGzip = HeaderLength + 2 + TrailerLength;

    /// <summary>
    /// The file's content, gunzipped when it starts with the gzip magic 1f 8b (RFC 1952) whatever its name says: MNIST
    /// mirrors ship both forms under both names. The data sets here are at most tens of megabytes, so a whole-file
    /// read is simpler and no slower than streaming.
    /// </summary>
    public static DataFileContent Read(string path)
    {
        byte[] raw;
        // A folder where a file belongs reads as "access denied" on Linux: name the real mistake.
        if (Directory.Exists(path)) throw new DataFormatException(path, "is a folder; give a file here (an MNIST folder goes to --data DIR, not digits:DIR)");
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException(path, "file not found", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new DataFormatException(path, $"cannot read the file ({ex.Message.TrimEnd('.')})", ex);
        }

        string sha256 = Convert.ToHexStringLower(SHA256.HashData(raw));
        bool gzip = raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B;
        return new DataFileContent(gzip ? Gunzip(raw, path) : raw, sha256);
    }

    /// <summary>
    /// The content of a single-member gzip file whose trailer (RFC 1952 §2.3.1: CRC-32 and length mod 2³² of the
    /// uncompressed data) matches what it decompresses to. The check is ours because GZipStream returns a short stream
    /// without a word when the trailer, or anything before it, is missing, and ignores bytes after the stream; only a
    /// trailer that is present but wrong makes zlib fail. Several members (concatenated .gz files) are refused: GZipStream
    /// joins them, but the last trailer speaks for the last member only, so the rest could not be checked here.
    /// </summary>
    internal static byte[] Gunzip(byte[] gz, string path)
    {
        if (gz.Length < ShortestGzip)
            throw Corrupt(path, $"only {gz.Length} bytes, shorter than any gzip stream (the file ends early?)");
        if (gz[2] != 8) throw new DataFormatException(path, $"gzip compression method {gz[2]} is not deflate (8)");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - TrailerLength));
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 4));

        byte[] content;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(gz, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream((int)Math.Min(gz.Length * 4L, Array.MaxLength));
            gzip.CopyTo(output);
            content = output.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // zlib's messages name the wrong cause (a flipped byte is "an unsupported compression method"), so say none.
            throw Corrupt(path, "gzip data do not decompress", ex);
        }

        if (Crc32.Compute(content) == crc && (uint)content.Length == size) return content;
        throw Mismatch(gz, content, crc, size, path);
    }

    /// <summary>Why the trailer does not match: the likely cause, found only once the file is known to be bad.</summary>
    private static DataFormatException Mismatch(byte[] gz, byte[] content, uint crc, uint size, string path)
    {
        if (size < content.Length && Crc32.Compute(content.AsSpan(content.Length - (int)size)) == crc)
            return new DataFormatException(path,
                "holds more than one gzip member (concatenated .gz files?), which is not supported: gunzip it and gzip it again");

        Span<byte> trailer = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.Compute(content));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)content.Length);
        int end = gz.AsSpan().LastIndexOf(trailer);
        if (end >= 0)
            return Corrupt(path, $"{gz.Length - end - TrailerLength} bytes after the end of the gzip stream");

        // zlib itself refuses a trailer that is in place but wrong, so what is left is a cut: the last 8 bytes are not a trailer.
        return Corrupt(path, "the gzip trailer's CRC-32 and length do not match the data (the file ends early?)");
    }

    private static DataFormatException Corrupt(string path, string problem, Exception? inner = null)
        => new(path, "truncated or corrupt: " + problem, inner);
}
