using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.Networks;

namespace FastRes.Cli.Experiments;

/// <summary>
/// The model and data options shamir-lemma1, shamir-theorem2 and shamir-local-minima share (the network
/// x ↦ wᵀ(x + V f_θ(x)), its losses and data), as one view each binding maps its config to and from.
/// </summary>
internal sealed record ShamirModelOptions(
    Loss[] Losses, Activation[] Activations, int Dimension, int Width, int Hidden, int Layers, int Samples,
    double LabelNoise, ulong Seed, int Threads, string? Data, int[] Digits);

/// <summary>
/// The shared settings, written once and lifted onto each experiment's config with <see cref="Setting{TConfig}.Lift"/>:
/// <see cref="Head"/> goes before the experiment's own settings, <see cref="Tail"/> after them.
/// </summary>
internal static class ShamirModelSettings
{
    private static readonly (string, Loss)[] LossWords = [("squared", Loss.Squared), ("logistic", Loss.Logistic)];
    private static readonly (string, Activation)[] ActivationWords = [("relu", Activation.Relu), ("tanh", Activation.Tanh)];

    public static IEnumerable<FlagSetting<TConfig>> Head<TConfig>(ShamirModelOptions d, Func<TConfig, ShamirModelOptions> get,
                                                              Func<TConfig, ShamirModelOptions, TConfig> set)
    {
        FlagSetting<ShamirModelOptions>[] head =
        [
            new("losses", "LIST", "Losses: squared, logistic (default both)",
                (c, t) => c with { Losses = Values.List("losses", t, p => Values.Choice("losses", p, LossWords), distinct: true) }),
            new("activations", "LIST", "σ of f_θ: relu, tanh (default both)",
                (c, t) => c with { Activations = Values.List("activations", t, p => Values.Choice("activations", p, ActivationWords), distinct: true) }),
            new("dimension", "D", $"Input dimension d (default {d.Dimension})", (c, t) => c with { Dimension = Values.Int("dimension", t) }),
            new("width", "K", $"Output width k of f_θ, V is d × k (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("hidden", "H", $"Hidden width of f_θ (default {d.Hidden})", (c, t) => c with { Hidden = Values.Int("hidden", t) }),
            new("layers", "L", $"Hidden layers of f_θ (default {d.Layers})", (c, t) => c with { Layers = Values.Int("layers", t) }),
            new("samples", "N", $"Data set size n (default {d.Samples})", (c, t) => c with { Samples = Values.Int("samples", t) }),
        ];
        return head.Select(s => s.Lift(get, set));
    }

    public static IEnumerable<FlagSetting<TConfig>> Tail<TConfig>(ShamirModelOptions d, Func<TConfig, ShamirModelOptions> get,
                                                              Func<TConfig, ShamirModelOptions, TConfig> set)
    {
        FlagSetting<ShamirModelOptions>[] tail =
        [
            new("label-noise", "P", $"Label flip probability of the logistic data (default {Values.Format(d.LabelNoise)})",
                (c, t) => c with { LabelNoise = Values.Double("label-noise", t) }),
            new("seed", "N", $"Seed (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
            new("data", "DIR|digits:FILE", ShamirDigitsCache.Help, (c, t) => c with { Data = t }, Nullable: true),
            new("digits", "A,B", $"The two classes of the digits task, y = +1 for A (default {string.Join(",", d.Digits)}); --samples caps the images used",
                (c, t) => c with { Digits = ShamirDigitsCache.ParseDigits(t) }),
        ];
        return tail.Select(s => s.Lift(get, set));
    }

    /// <summary>The shared values under their flag names, added to an experiment's config JSON.</summary>
    public static JsonObject AddJson(JsonObject json, ShamirModelOptions m)
    {
        json["losses"] = new JsonArray(m.Losses.Select(l => (JsonNode)Losses.Word(l)).ToArray());
        json["activations"] = new JsonArray(m.Activations.Select(a => (JsonNode)a.ToString().ToLowerInvariant()).ToArray());
        json["dimension"] = m.Dimension;
        json["width"] = m.Width;
        json["hidden"] = m.Hidden;
        json["layers"] = m.Layers;
        json["samples"] = m.Samples;
        json["label-noise"] = m.LabelNoise;
        json["seed"] = m.Seed;
        json["threads"] = m.Threads;
        json["data"] = m.Data;
        json["digits"] = new JsonArray(m.Digits.Select(n => (JsonNode)n).ToArray());
        return json;
    }
}
