using System.Text.Json.Nodes;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// results.json documents compared the way the scale-out guarantees are stated: equal in every field except timing
/// (<c>seconds</c>, each row's <c>seconds</c>) and the execution knobs that are recorded but never change a bit of
/// the results (<c>config.threads</c>, <c>config.simd</c>).
/// </summary>
public static class ResultsComparison
{
    public static JsonObject Normalized(string resultsJson)
    {
        var doc = JsonNode.Parse(File.ReadAllText(resultsJson))!.AsObject();
        doc.Remove("seconds");
        foreach (var row in doc["rows"]!.AsArray()) row!.AsObject().Remove("seconds");
        var config = doc["config"]!.AsObject();
        config.Remove("threads");
        config.Remove("simd");
        return doc;
    }

    public static void AssertSameResults(string expectedFolder, string actualFolder, string because)
    {
        var expected = Normalized(Path.Combine(expectedFolder, "results.json"));
        var actual = Normalized(Path.Combine(actualFolder, "results.json"));
        if (!JsonNode.DeepEquals(expected, actual))
            Assert.Fail($"{because}: results differ\nexpected: {expected.ToJsonString()}\nactual:   {actual.ToJsonString()}");
        // The CSV carries the same numbers; apart from the seconds column it must match too.
        Assert.That(CsvWithoutSeconds(actualFolder), Is.EqualTo(CsvWithoutSeconds(expectedFolder)), because + " (results.csv)");
    }

    private static string[] CsvWithoutSeconds(string folder)
        => File.ReadAllLines(Path.Combine(folder, "results.csv")).Select(l => l[..l.LastIndexOf(',')]).ToArray();
}
