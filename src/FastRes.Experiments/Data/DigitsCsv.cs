using System.Globalization;
using System.Text;

namespace FastRes.Experiments.Data;

/// <summary>
/// Reader for the 8×8 digits of the UCI "Optical Recognition of Handwritten Digits" set in the CSV layout that
/// scikit-learn ships (optionally gzip-compressed): one image per line, 64 pixel counts 0..16 in row-major order,
/// then the label 0..9, no header. Integral values written as decimals ("16.0") are accepted; anything else is a
/// <see cref="DataFormatException"/> naming the file and the 1-based line.
/// </summary>
public static class DigitsCsv
{
    public const int Side = 8;
    public const int PixelCount = Side * Side;
    public const int MaxPixel = 16;
    public const int Classes = 10;

    public static LabelledImages Read(string path)
    {
        DataFileContent file = DataFile.Read(path);
        return Parse(file.Bytes, path) with { Sha256 = file.Sha256 };
    }

    internal static LabelledImages Parse(byte[] bytes, string path)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new DataFormatException(path, "not a text file (invalid UTF-8)", ex);
        }

        var pixels = new List<byte>(bytes.Length / 2);
        var labels = new List<byte>();
        int lineNumber = 0;
        foreach (ReadOnlySpan<char> rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            ReadOnlySpan<char> line = rawLine.Trim();
            if (line.IsEmpty) continue; // a trailing newline or blank separator line carries no sample

            int column = 0;
            foreach (Range field in line.Split(','))
            {
                column++;
                if (column > PixelCount + 1) break;
                int value = ParseField(line[field], path, lineNumber, column);
                bool isLabel = column == PixelCount + 1;
                int max = isLabel ? Classes - 1 : MaxPixel;
                if (value > max)
                    throw new DataFormatException(path,
                        $"line {lineNumber}: {(isLabel ? "label" : $"pixel {column}")} {value} is outside 0..{max}");
                (isLabel ? labels : pixels).Add((byte)value);
            }
            if (column != PixelCount + 1)
            {
                int columns = column > PixelCount + 1 ? CountFields(line) : column;
                throw new DataFormatException(path,
                    $"line {lineNumber}: {columns} columns, expected {PixelCount + 1} (64 pixels and the label)");
            }
        }
        if (labels.Count == 0) throw new DataFormatException(path, "no data rows");
        return new LabelledImages(pixels.ToArray(), labels.ToArray(), labels.Count, Side, Side, MaxPixel, path);
    }

    private static int ParseField(ReadOnlySpan<char> field, string path, int line, int column)
    {
        field = field.Trim();
        if (int.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int whole) && whole >= 0)
            return whole;
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double real)
            && real >= 0 && real <= int.MaxValue && real == Math.Floor(real))
            return (int)real;
        string what = column == PixelCount + 1 ? "label" : $"pixel {column}";
        throw new DataFormatException(path, $"line {line}: {what} \"{field.ToString()}\" is not a non-negative integer");
    }

    private static int CountFields(ReadOnlySpan<char> line) => line.Count(',') + 1;
}
