namespace FastRes.Experiments.Data;

/// <summary>
/// What a run records of a data input, so that a result can be traced to the exact bytes it came from: the source as
/// given (a file, or for an MNIST folder its images file), the rows actually read, and the SHA-256 (lower-case hex) of
/// the input as it is on disk — compressed if it is gzipped, so that <c>sha256sum FILE</c> reproduces it. For an IDX
/// pair it is the SHA-256 of the ASCII text "IMAGES-HASH LABELS-HASH", the two files' own hashes joined by one space.
/// Null for the built-in synthetic set, whose <see cref="Source"/> "synthetic(samples=…, d=…, classes=…, seed=…)"
/// determines it.
/// </summary>
public sealed record DataProvenance(string Source, int Rows, string? Sha256)
{
    /// <summary>As config.json and results.json record it: {"source", "rows", "sha256"} (sha256 null for generated data).</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new() { ["source"] = Source, ["rows"] = Rows, ["sha256"] = Sha256 };
}
