using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FastRes.Experiments.Data;

/// <summary>The pixels of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> bytes, row-major.</summary>
public sealed record IdxImageFile(byte[] Pixels, int Count, int Rows, int Columns);

/// <summary>
/// Reader for the IDX format of LeCun's MNIST distribution (and Fashion-MNIST, which reuses it), gzip-compressed or
/// raw. Images: big-endian int32 magic 0x00000803 (unsigned bytes, 3 dimensions), count, rows, columns, then
/// count·rows·columns pixel bytes. Labels: magic 0x00000801, count, then count label bytes. Anything else — a wrong
/// magic, a short header or body, trailing bytes, images and labels that disagree — is a <see cref="DataFormatException"/>
/// naming the file, because a silently misread data set would corrupt every Hessian computed from it.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    /// <summary>
    /// Images and labels from their two files; labels must lie in 0..<paramref name="classes"/>−1. The content hash
    /// (<see cref="DataProvenance"/>) covers both files: SHA-256 of "IMAGES-HASH LABELS-HASH".
    /// </summary>
    public static LabelledImages Read(string imagesPath, string labelsPath, int classes = 10)
    {
        DataFileContent imagesFile = DataFile.Read(imagesPath);
        IdxImageFile images = ParseImages(imagesFile.Bytes, imagesPath);
        DataFileContent labelsFile = DataFile.Read(labelsPath);
        byte[] labels = ParseLabels(labelsFile.Bytes, labelsPath);
        if (labels.Length != images.Count)
            throw new DataFormatException(imagesPath,
                $"count mismatch: {images.Count} images but {labels.Length} labels in {labelsPath}");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes)
                throw new DataFormatException(labelsPath, $"label {labels[i]} at index {i} is outside 0..{classes - 1}");
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(imagesFile.Sha256 + " " + labelsFile.Sha256)));
        return new LabelledImages(images.Pixels, labels, images.Count, images.Rows, images.Columns, MaxPixel: 255, imagesPath, sha256);
    }

    public static IdxImageFile ReadImages(string path) => ParseImages(DataFile.Read(path).Bytes, path);

    public static byte[] ReadLabels(string path) => ParseLabels(DataFile.Read(path).Bytes, path);

    internal static IdxImageFile ParseImages(byte[] bytes, string path)
    {
        const int header = 16;
        CheckHeader(bytes, path, header, ImagesMagic, "images");
        int count = ReadDimension(bytes, 4, path, "image count");
        int rows = ReadDimension(bytes, 8, path, "row count");
        int columns = ReadDimension(bytes, 12, path, "column count");
        // Three int32 factors can overflow a long: a forged header must not wrap around to the size of the file.
        Int128 body = (Int128)count * rows * columns;
        CheckBody(bytes.LongLength - header, body, path, $"{count} images of {rows}×{columns}");
        return new IdxImageFile(bytes.AsSpan(header).ToArray(), count, rows, columns);
    }

    internal static byte[] ParseLabels(byte[] bytes, string path)
    {
        const int header = 8;
        CheckHeader(bytes, path, header, LabelsMagic, "labels");
        int count = ReadDimension(bytes, 4, path, "label count");
        CheckBody(bytes.LongLength - header, count, path, $"{count} labels");
        return bytes.AsSpan(header).ToArray();
    }

    private static void CheckHeader(byte[] bytes, string path, int header, int magic, string kind)
    {
        // The magic is checked before the length so that a wrong file (a label file passed as images, a PNG) is
        // reported as such rather than as "truncated".
        if (bytes.Length >= 4)
        {
            int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (found != magic)
                throw new DataFormatException(path,
                    $"wrong magic number 0x{found:X8}, expected 0x{magic:X8} (IDX {kind}, unsigned bytes)"
                    + (BinaryPrimitives.ReverseEndianness(found) == magic ? "; the header looks little-endian" : ""));
        }
        if (bytes.Length < header)
            throw new DataFormatException(path, $"truncated header: {bytes.Length} bytes, an IDX {kind} header has {header}");
    }

    private static int ReadDimension(byte[] bytes, int offset, string path, string what)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
        if (value < 0) throw new DataFormatException(path, $"negative {what} {value} in the header");
        return value;
    }

    private static void CheckBody(long actual, Int128 expected, string path, string promise)
    {
        if (actual < expected)
            throw new DataFormatException(path, $"truncated data: the header promises {promise} ({expected} bytes), the file holds {actual}");
        if (actual > expected)
            throw new DataFormatException(path, $"{actual - expected} unexpected bytes after the {promise} the header promises");
        if (expected > Array.MaxLength)
            throw new DataFormatException(path, $"{promise} is too large to hold in memory");
    }
}
