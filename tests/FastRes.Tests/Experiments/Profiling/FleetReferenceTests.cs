using FastRes.Experiments.Profiling;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Profiling;

/// <summary>The reference file of `bench fleet collect --reference`: what it holds, and one-line refusals naming the field.</summary>
public class FleetReferenceTests
{
    [Test]
    public void Reads_node_type_kernel_variant_rate_tolerance_and_unit()
    {
        var refs = FleetReferences.Parse("""
            {"node_types": {"Zen 5/2 cores": {"triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 0.2, "unit": "GB/s"}},
                                              "peak": {"Vector512/double/2t": {"rate": 180, "tolerance": 0.1}}}}}
            """, "refs.json");
        Assert.That(refs.Values, Has.Count.EqualTo(2));
        var triad = refs.For("Zen 5/2 cores").Single(v => v.Kernel == "triad");
        Assert.That(triad, Is.EqualTo(new FleetReferenceValue("Zen 5/2 cores", "triad", "Vector512/double/2t", 30, 0.2, "GB/s")));
        Assert.That(triad.Floor, Is.EqualTo(24).Within(1e-12));
        Assert.That(refs.For("Zen 4/64 cores"), Is.Empty);
    }

    [TestCase("""{"node_types": {"T": {"triad": {"V": {"rate": 30, "tolerance": 1.5}}}}}""", "refs.json: node_types.\"T\".triad.\"V\".tolerance must be a number in [0, 1) (got 1.5)")]
    [TestCase("""{"node_types": {"T": {"triad": {"V": {"rate": -1, "tolerance": 0.1}}}}}""", "refs.json: node_types.\"T\".triad.\"V\".rate must be a number > 0 (got -1)")]
    [TestCase("""{"node_types": {"T": {"triad": {"V": {"tolerance": 0.1}}}}}""", "refs.json: node_types.\"T\".triad.\"V\".rate is missing; must be a number > 0")]
    [TestCase("""{"node_types": {"T": {"triad": {"V": {"rate": "fast", "tolerance": 0.1}}}}}""", "refs.json: node_types.\"T\".triad.\"V\".rate must be a number > 0 (got \"fast\")")]
    [TestCase("""{"node_types": {"T": {"triad": {"V": {"rate": 1, "tolerance": 0.1, "tol": 1}}}}}""", "refs.json: node_types.\"T\".triad.\"V\".tol is not a field of a reference (rate, tolerance, unit)")]
    [TestCase("""{"node_types": {"T": {"triad": [1]}}}""", "refs.json: node_types.\"T\".triad must be an object of variants")]
    [TestCase("""{"nodes": {}}""", "refs.json: node_types must be an object")]
    [TestCase("""{"node_types": {}, "extra": 1}""", "refs.json: extra is not a field of a reference file")]
    [TestCase("""{"node_types": """, "refs.json: not valid JSON")]
    public void Bad_files_are_refused_naming_the_field_and_what_is_allowed(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => FleetReferences.Parse(json, "refs.json"));
        Assert.That(e!.Message, Does.StartWith(message));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }
}
