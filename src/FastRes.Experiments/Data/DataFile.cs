using System.IO.Compression;

namespace FastRes.Experiments.Data;

/// <summary>Whole-file reads with transparent gzip, every I/O failure turned into a <see cref="DataFormatException"/>.</summary>
internal static class DataFile
{
    /// <summary>
    /// The file's bytes, gunzipped when it starts with the gzip magic 1f 8b (RFC 1952) whatever its name says: MNIST
    /// mirrors ship both forms under both names. The data sets here are at most tens of megabytes, so a whole-file
    /// read is simpler and no slower than streaming.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        byte[] raw;
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

        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B) return raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new DataFormatException(path, $"corrupt or truncated gzip stream ({ex.Message.TrimEnd('.')})", ex);
        }
    }
}
