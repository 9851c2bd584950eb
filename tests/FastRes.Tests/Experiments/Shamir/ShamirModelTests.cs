using FastRes.Experiments.Settings;
using FastRes.Experiments.Shamir;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>The model the lemma1/theorem2/local-minima configs share: its settings' two orders and its validation.</summary>
public class ShamirModelTests
{
    [Test]
    public void Model_settings_go_around_the_experiments_own_in_help_and_after_them_in_config_json()
    {
        string[] head = ["losses", "activations", "dimension", "width", "hidden", "layers", "samples"];
        string[] own = ["points", "random-wstar", "checkpoints", "tolerance"];
        string[] tail = ["label-noise", "seed", "threads", "data", "digits"];
        var schema = ShamirLemma1Config.Schema;
        Assert.Multiple(() =>
        {
            Assert.That(schema.Settings.Select(s => s.Name), Is.EqualTo(head.Concat(own).Concat(tail)));
            Assert.That(schema.ToJson(new ShamirLemma1Config()).Select(kv => kv.Key), Is.EqualTo(own.Concat(head).Concat(tail)));
        });
    }

    [Test]
    public void A_lifted_model_setting_reads_and_writes_the_model_of_its_config()
    {
        var width = ShamirLocalMinimaConfig.Schema.Find("width")!;
        var config = width.Parse(new ShamirLocalMinimaConfig(), "5");
        Assert.Multiple(() =>
        {
            Assert.That(config.Model.Width, Is.EqualTo(5));
            Assert.That(config.Model.Layers, Is.EqualTo(1), "the rest of local-minima's own default model is kept");
            Assert.That(width.Help(new ShamirLocalMinimaConfig()), Is.EqualTo("Output width k of f_θ, V is d × k (default 6)"));
            Assert.That(width.Help(new ShamirLocalMinimaConfig { Model = new() }), Does.EndWith("(default 16)"), "the default shown is the given defaults'");
        });
    }

    [Test]
    public void A_stored_order_must_name_every_setting_once()
    {
        var schema = new Schema<ShamirModel> { ShamirModel.Schema.Lift<ShamirModel>(m => m, (_, m) => m) };
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => schema.StoreInOrder(["losses"]));
            Assert.Throws<ArgumentException>(() => schema.StoreInOrder(schema.Settings.Select(s => s.Name).Append("no-such-setting")));
        });
    }

    [TestCase(8, 15, "samples")]
    [TestCase(8, 16, null)]
    [TestCase(0, 16, "dimension")]
    public void Samples_must_be_at_least_twice_the_dimension(int dimension, int samples, string? field)
    {
        var errors = new ShamirModel { Dimension = dimension, Samples = samples }.Validate();
        Assert.That(errors.Select(e => e.Field).FirstOrDefault(), Is.EqualTo(field));
    }

    [Test]
    public void Theorem2_and_local_minima_keep_their_hessian_size_limits()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new ShamirTheorem2Config { Model = new() { Dimension = 8, Width = 249 } }.Validate(), Is.Empty);
            Assert.That(new ShamirTheorem2Config { Model = new() { Dimension = 8, Width = 250 } }.Validate().Single().Field, Is.EqualTo("width"));
            Assert.That(new ShamirLocalMinimaConfig { Model = new() { Dimension = 4, Width = 149, Samples = 256 } }.Validate(), Is.Empty);
            Assert.That(new ShamirLocalMinimaConfig { Model = new() { Dimension = 4, Width = 150, Samples = 256 } }.Validate().Single().Field, Is.EqualTo("width"));
        });
    }
}
