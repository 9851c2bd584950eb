namespace FastRes.Experiments.Data;

/// <summary>
/// A preprocessed training set for the networks of SPEC §2.1: inputs <paramref name="X"/> row-major
/// (<paramref name="Samples"/> × <paramref name="InputDim"/>), targets <paramref name="Y"/> row-major
/// (<paramref name="Samples"/> × <paramref name="OutputDim"/>, one-hot), and where it came from: <paramref name="Source"/>
/// and the <paramref name="Sha256"/> of the files read (null for the synthetic set), which <see cref="Provenance"/> joins.
/// </summary>
public sealed record Dataset(double[] X, double[] Y, int Samples, int InputDim, int OutputDim, string Source, string? Sha256 = null)
{
    public double[] X { get; } = X.LongLength == (long)Samples * InputDim
        ? X : throw new ArgumentException($"X has {X.Length} values, expected {Samples}×{InputDim}", nameof(X));

    public double[] Y { get; } = Y.LongLength == (long)Samples * OutputDim
        ? Y : throw new ArgumentException($"Y has {Y.Length} values, expected {Samples}×{OutputDim}", nameof(Y));

    /// <summary>What a run records of this input: every row read is a sample, so the rows are <see cref="Samples"/>.</summary>
    public DataProvenance Provenance => new(Source, Samples, Sha256);

    /// <summary>Input row μ.</summary>
    public ReadOnlySpan<double> Input(int sample) => X.AsSpan(sample * InputDim, InputDim);

    /// <summary>Target row μ.</summary>
    public ReadOnlySpan<double> Target(int sample) => Y.AsSpan(sample * OutputDim, OutputDim);
}
