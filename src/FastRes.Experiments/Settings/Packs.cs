using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Settings;

/// <summary>
/// The settings many experiments share, declared once: seed, threads, shard, SIMD width, block size. Each is bound to
/// the config's own field by a getter and a setter, so the name, help, parsing, rule and role are written only here.
/// </summary>
public static class Packs
{
    public static Setting<T> Seed<T>(Func<T, ulong> get, Func<T, ulong, T> set, string help = "Seed")
        => new Setting<T, ulong>("seed", "N", help, get, set, Kinds.ULong);

    public static Setting<T> Threads<T>(Func<T, int> get, Func<T, int, T> set, string help = "Threads, 0 = all cores (default {default}); never changes results")
        => new Setting<T, int>("threads", "N", help, get, set, Kinds.Int, Rules.Threads, SettingRole.Execution);

    /// <summary>The layer width d = the PCA dimension of the data, as the Hessian and training experiments share it.</summary>
    public static Setting<T> Width<T>(Func<T, int> get, Func<T, int, T> set, int max = 64)
        => new Setting<T, int>("width", "D", "Layer width d = PCA dimension", get, set, Kinds.Int, Rules.Between(2, max));

    public static Setting<T> Shard<T>(Func<T, Shard> get, Func<T, Shard, T> set, string help)
        => new Setting<T, Shard>("shard", "i/N", help, get, set, ShardKind, ValidShard, SettingRole.Layout);

    public static Setting<T> Simd<T>(Func<T, SimdWidth> get, Func<T, SimdWidth, T> set)
        => new Setting<T, SimdWidth>("simd", "auto|scalar|128|256|512", "Vector width of the kernel (default {default}); never changes results",
                                     get, set, SimdWidths, role: SettingRole.Execution);

    public static Setting<T> BlockTrials<T>(Func<T, int> get, Func<T, int, T> set)
        => new Setting<T, int>("block-trials", "N", "Trials per work block, the unit of checkpoints (default {default}); never changes results",
                               get, set, Kinds.Int, Rules.Between(1, 1_000_000), SettingRole.Layout);

    /// <summary>The activations an experiment allows, as words (identity, relu, tanh).</summary>
    public static Kind<Activation> Activations(params Activation[] allowed) => Kinds.Choice(allowed.Select(a => (a.ToString().ToLowerInvariant(), a)).ToArray());

    public static readonly Kind<SimdWidth> SimdWidths = Kinds.Choice(
        ("auto", SimdWidth.Auto), ("scalar", SimdWidth.Scalar), ("128", SimdWidth.V128), ("256", SimdWidth.V256), ("512", SimdWidth.V512));

    /// <summary>"i/N"; whether 0 ≤ i &lt; N is <see cref="ValidShard"/>'s call.</summary>
    public static readonly Kind<Shard> ShardKind = new ShardText();

    public static readonly Rule<Shard> ValidShard = s => s.Count >= 1 && s.Index >= 0 && s.Index < s.Count ? null : $"must be i/N with 0 ≤ i < N (got {s})";

    private sealed class ShardText : Kind<Shard>
    {
        public override string Expected => "i/N";
        public override Shard Parse(string name, string text)
        {
            string[] parts = text.Split('/');
            if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n)) return new Shard(i, n);
            throw new SettingException(name, $"must be i/N with 0 ≤ i < N, e.g. 0/4 (got \"{text}\")");
        }
        public override Shard ParseJson(string name, System.Text.Json.JsonElement e)
            => e.ValueKind == System.Text.Json.JsonValueKind.String ? Parse(name, e.GetString()!) : throw Kinds.Wrong(name, "the text i/N, e.g. \"0/4\"", e);
        public override System.Text.Json.Nodes.JsonNode? ToJson(Shard value) => System.Text.Json.Nodes.JsonValue.Create(value.ToString());
        public override string Show(Shard value) => value.ToString();
    }
}
