using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.Simd;

namespace FastRes.Cli.Experiments;

/// <summary>
/// The options of <see cref="ShortcutCnnConfig"/> (SPEC §1.7), shared by shortcut-cnn, its atlas and its
/// trajectories: each setting's flag ↔ config field ↔ JSON key, with the default shown in --help taken from the
/// experiment's own defaults.
/// </summary>
public static class ShortcutCnnSettings
{
    private static readonly (string, Precision)[] Precisions = [("double", Precision.Double), ("float", Precision.Float)];
    private static readonly (string, StepRule)[] StepRules = [("default", StepRule.Default), ("theory", StepRule.Theory)];
    private static readonly (string, SimdWidth)[] SimdWidths =
        [("auto", SimdWidth.Auto), ("scalar", SimdWidth.Scalar), ("128", SimdWidth.V128), ("256", SimdWidth.V256), ("512", SimdWidth.V512)];

    /// <summary>All settings of <see cref="ShortcutCnnConfig"/> except those named in <paramref name="omit"/>.</summary>
    public static IReadOnlyList<Setting<ShortcutCnnConfig>> For(ShortcutCnnConfig d, params string[] omit)
    {
        var all = new List<Setting<ShortcutCnnConfig>>
        {
            new("p", "N", $"Patch dimension p ≥ 2 (default {d.P})", (c, t) => c with { P = Values.Int("p", t) }),
            new("k", "LIST", $"Comma list of widths k ≥ 1 (default {string.Join(",", d.K)})", (c, t) => c with { K = Values.IntList("k", t) }),
            new("methods", "LIST", $"Comma list of cnn, resnet, resnet-ssw (default {MethodList(d.Methods)})",
                (c, t) => c with { Methods = Values.List("methods", t, ParseMethod, distinct: true) }),
            new("trials", "N", $"Trials per (k, method) cell (default {d.Trials})", (c, t) => c with { Trials = Values.Long("trials", t) }),
            new("iterations", "T", $"GD iterations per trial (default {d.Iterations})", (c, t) => c with { Iterations = Values.Int("iterations", t) }),
            new("eta", "X", "Step size η directly (default: from --eta-scale)", (c, t) => c with { Eta = Values.NullableDouble("eta", t) }, Nullable: true),
            new("eta-scale", "S", $"η = S·5π²/(4(k+π−1)²), a fraction of Theorem 2's step (default {Values.Format(d.EtaScale)})",
                (c, t) => c with { EtaScale = Values.Double("eta-scale", t) }),
            new("eta1", "X", "Stage-I step η₁ of resnet-ssw (default: Theorem 1's π/(20(k+π−1)²))", (c, t) => c with { Eta1 = Values.NullableDouble("eta1", t) }, Nullable: true),
            new("warmup-iterations", "T1", "Stage-I iterations T₁ of resnet-ssw (default: iterations/2)",
                (c, t) => c with { WarmupIterations = Values.NullableInt("warmup-iterations", t) }, Nullable: true),
            new("warmup-c", "C", $"C in Stage I's η_w = C‖a*‖²η₁² (default {Values.Format(d.WarmupC)})", (c, t) => c with { WarmupC = Values.Double("warmup-c", t) }),
            new("steps", "default|theory", $"default: η from --eta-scale; theory: Theorem 1/2 step sizes exactly (default {Word(StepRules, d.Steps)})",
                (c, t) => c with { Steps = Values.Choice("steps", t, StepRules) }),
            new("cap-deg", "DEG", $"Half-angle θ_cap of the teacher's cap around e, in (0, 180] (default {Values.Format(d.CapDeg)})",
                (c, t) => c with { CapDeg = Values.Double("cap-deg", t) }),
            new("tol", "X", $"Success when φ < tol and ‖a − a*‖ < tol (default {Values.Format(d.Tol)})", (c, t) => c with { Tol = Values.Double("tol", t) }),
            new("retire-loss", "X", $"A successful trial retires early below this loss (default {Values.Format(d.RetireLoss)})",
                (c, t) => c with { RetireLoss = Values.Double("retire-loss", t) }),
            new("precision", "double|float", $"Kernel arithmetic (default {Word(Precisions, d.Precision)})", (c, t) => c with { Precision = Values.Choice("precision", t, Precisions) }),
            new("seed", "N", $"Random seed; trial i's randomness is a function of (seed, i) (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Worker threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
            new("shard", "i/N", "Run shard i (0-based) of N of the trials; merge combines shards (default 0/1)", (c, t) => c with { Shard = ParseShard(t) }),
            new("block-trials", "N", $"Trials per work block, the unit of checkpoints (default {d.BlockTrials}); never changes results",
                (c, t) => c with { BlockTrials = Values.Int("block-trials", t) }),
            new("simd", "auto|scalar|128|256|512", "Vector width of the kernel (default auto); never changes results",
                (c, t) => c with { Simd = Values.Choice("simd", t, SimdWidths) }),
        };
        return all.Where(s => !omit.Contains(s.Name)).ToList();
    }

    /// <summary>Every value of <paramref name="c"/> under its flag name, except <paramref name="omit"/>.</summary>
    public static JsonObject ToJson(ShortcutCnnConfig c, params string[] omit)
    {
        var json = new JsonObject
        {
            ["p"] = c.P,
            ["k"] = new JsonArray(c.K.Select(k => (JsonNode)k).ToArray()),
            ["methods"] = new JsonArray(c.Methods.Select(m => (JsonNode)m.Name()).ToArray()),
            ["trials"] = c.Trials,
            ["iterations"] = c.Iterations,
            ["eta"] = c.Eta,
            ["eta-scale"] = c.EtaScale,
            ["eta1"] = c.Eta1,
            ["warmup-iterations"] = c.WarmupIterations,
            ["warmup-c"] = c.WarmupC,
            ["steps"] = Word(StepRules, c.Steps),
            ["cap-deg"] = c.CapDeg,
            ["tol"] = c.Tol,
            ["retire-loss"] = c.RetireLoss,
            ["precision"] = Word(Precisions, c.Precision),
            ["seed"] = c.Seed,
            ["threads"] = c.Threads,
            ["shard"] = c.Shard.ToString(),
            ["block-trials"] = c.BlockTrials,
            ["simd"] = Word(SimdWidths, c.Simd),
        };
        foreach (string name in omit) json.Remove(name);
        return json;
    }

    /// <summary>η, η₁, T₁ and C as the runner will use them for each k (SPEC §1.4), for config.json.</summary>
    public static JsonArray ResolvedSteps(ShortcutCnnConfig c) => new(c.K.Select(k =>
    {
        var s = c.ResolveSteps(k);
        return (JsonNode)new JsonObject
        {
            ["k"] = k, ["eta"] = s.Eta, ["eta1"] = s.Eta1, ["warmup_iterations"] = s.WarmupIterations, ["warmup_c"] = s.WarmupC,
        };
    }).ToArray());

    public static string MethodList(IEnumerable<ShortcutCnnMethod> methods) => string.Join(",", methods.Select(m => m.Name()));

    private static ShortcutCnnMethod ParseMethod(string text)
        => ShortcutCnnMethods.TryParse(text, out var m) ? m
            : throw new BadInputException("--methods", $"every value must be one of cnn, resnet, resnet-ssw (got \"{text}\")");

    /// <summary>"i/N" → shard; whether 0 ≤ i &lt; N is Validate()'s call.</summary>
    internal static Shard ParseShard(string? text)
    {
        string t = Values.Required("shard", text);
        string[] parts = t.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n)) return new Shard(i, n);
        throw new BadInputException("--shard", $"must be i/N with 0 ≤ i < N, e.g. 0/4 (got \"{t}\")");
    }

    private static string Word<T>((string Word, T Value)[] choices, T value)
        => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Word;
}
