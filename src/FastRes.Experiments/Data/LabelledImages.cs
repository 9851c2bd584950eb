namespace FastRes.Experiments.Data;

/// <summary>
/// Grey-scale images as read from disk, before any preprocessing: <paramref name="Pixels"/> row-major
/// (<paramref name="Count"/> × <paramref name="Rows"/>·<paramref name="Columns"/>), one label per image, and the
/// largest value a pixel can take in this format (255 for MNIST IDX, 16 for the 8×8 digits), which scales pixels to [0, 1];
/// <paramref name="Sha256"/> is the content hash of their <see cref="DataProvenance"/>, null when they were not read from files.
/// </summary>
public sealed record LabelledImages(byte[] Pixels, byte[] Labels, int Count, int Rows, int Columns, int MaxPixel, string Source, string? Sha256 = null)
{
    public byte[] Pixels { get; } = Pixels.LongLength == (long)Count * Rows * Columns
        ? Pixels : throw new ArgumentException($"{Pixels.Length} pixels for {Count} images of {Rows}×{Columns}", nameof(Pixels));

    public byte[] Labels { get; } = Labels.Length == Count
        ? Labels : throw new ArgumentException($"{Labels.Length} labels for {Count} images", nameof(Labels));

    /// <summary>Pixels per image.</summary>
    public int PixelCount => Rows * Columns;

    /// <summary>Images [start, start + count) with their labels; the source and content hash stay those of the files read.</summary>
    public LabelledImages Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"images [{start}, {start + count}) of {Count}");
        return new LabelledImages(Pixels.AsSpan(start * PixelCount, count * PixelCount).ToArray(), Labels.AsSpan(start, count).ToArray(),
                                  count, Rows, Columns, MaxPixel, Source, Sha256);
    }
}
