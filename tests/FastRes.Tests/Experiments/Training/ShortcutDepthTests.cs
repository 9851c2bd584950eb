using FastRes.Experiments.Data;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>shortcut-depth's pieces: the train/test split's preprocessing, mini-batch SGD, the fixed-parameter nets, the argmax read-out.</summary>
public class ShortcutDepthTests
{
    private static readonly Dataset Data = SyntheticData.Create(600, 6, 6, seed: 5);

    /// <summary>An IDX folder of random 6×6 images: train-* holds <paramref name="train"/>, t10k-* (if any) <paramref name="test"/>.</summary>
    private static void WriteIdx(string folder, string prefix, int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = Enumerable.Range(0, count * 36).Select(_ => (byte)rng.Next(256)).ToArray();
        File.WriteAllBytes(Path.Combine(folder, prefix + "images-idx3-ubyte.gz"), TestData.Gzip(TestData.IdxImages(count, 6, 6, i => pixels[i])));
        File.WriteAllBytes(Path.Combine(folder, prefix + "labels-idx1-ubyte"), TestData.IdxLabels(count, i => (byte)((i * 7 + seed) % 10)));
    }

    private static (double[] Mean, double[] Covariance) Moments(Dataset d)
    {
        int m = d.Samples, n = d.InputDim;
        var mean = new double[n];
        var cov = new double[n * n];
        for (int mu = 0; mu < m; mu++)
            for (int i = 0; i < n; i++)
            {
                mean[i] += d.Input(mu)[i] / m;
                for (int j = 0; j < n; j++) cov[i * n + j] += d.Input(mu)[i] * d.Input(mu)[j] / m;
            }
        return (mean, cov);
    }

    [Test]
    public void The_test_set_is_mapped_with_the_training_statistics_only()
    {
        using var dir = TestData.Temp();
        WriteIdx(dir.Path, "train-", 300, 1);
        WriteIdx(dir.Path, "t10k-", 120, 2);
        var split = TrainTestSplit.Load(dir.Path, train: 200, test: 0, d: 10);
        Assert.That((split.Train.Samples, split.Test.Samples), Is.EqualTo((200, 120)), "the first 200 training images, the whole test split");
        var (trainMean, trainCov) = Moments(split.Train);
        for (int i = 0; i < 10; i++)
        {
            Assert.That(trainMean[i], Is.EqualTo(0).Within(1e-12));
            for (int j = 0; j < 10; j++) Assert.That(trainCov[i * 10 + j], Is.EqualTo(i == j ? 1 : 0).Within(1e-10), "training inputs white");
        }
        // Fitted on the test images themselves, they would be white too; with the training statistics they are not.
        var (testMean, testCov) = Moments(split.Test);
        Assert.That(testMean.Max(Math.Abs) + Enumerable.Range(0, 10).Max(i => Math.Abs(testCov[i * 11] - 1)), Is.GreaterThan(1e-3));
        // Preprocessing the training images as if they were the test set reproduces the training inputs bit for bit.
        var images = IdxReader.Read(Path.Combine(dir.Path, "train-images-idx3-ubyte.gz"), Path.Combine(dir.Path, "train-labels-idx1-ubyte")).Slice(0, 200);
        var (train, again) = DigitPreprocessing.Prepare(images, images, 10);
        Assert.That(again.X, Is.EqualTo(train.X));
        Assert.That(train.X, Is.EqualTo(split.Train.X));
        Assert.That(split.Provenance.Rows, Is.EqualTo(320));
    }

    [Test]
    public void A_folder_with_one_pair_holds_out_the_images_after_the_training_ones()
    {
        using var dir = TestData.Temp();
        WriteIdx(dir.Path, "", 300, 3);
        var split = TrainTestSplit.Load(dir.Path, train: 200, test: 0, d: 10);
        Assert.That((split.Train.Samples, split.Test.Samples), Is.EqualTo((200, 100)));
        var labels = IdxReader.ReadLabels(Path.Combine(dir.Path, "labels-idx1-ubyte"));
        for (int mu = 0; mu < 100; mu++) Assert.That(split.Test.Target(mu)[labels[200 + mu]], Is.EqualTo(1.0), "test image μ is image 200 + μ");
        var error = Assert.Throws<DataFormatException>(() => TrainTestSplit.Load(dir.Path, train: 250, test: 51, d: 10))!;
        Assert.That(error.Message, Does.Contain("not enough"));
    }

    [Test]
    public void Every_shortcut_depth_has_the_same_layers_and_initial_weights_at_a_depth()
    {
        var config = new ShortcutDepthConfig();
        foreach (int depth in new[] { 12, 48 })
        {
            double[]? first = null;
            foreach (int n in new[] { 1, 2, 3, 4 })
            {
                var network = ShortcutDepth.Network(n, depth);
                Assert.That((network.Depth, network.ParameterCount, network.Units * n), Is.EqualTo((depth, depth * 100, depth)));
                var theta = new double[network.ParameterCount];
                NetworkInitializer.Fill(network, NetworkInit.Small, config.Seed, 0, theta);
                if (first is null) first = theta; else Assert.That(theta, Is.EqualTo(first), $"n = {n}: the same initial matrices");
            }
        }
        Assert.That(new ShortcutDepthConfig { Depths = [12, 18] }.Validate().Single().Field, Is.EqualTo("depths"), "18 is not a multiple of 4");
    }

    [Test]
    public void Mini_batch_descent_with_the_whole_batch_reaches_the_least_squares_optimum()
    {
        var network = new NShortcutNetwork(6, 2, 2);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, NetworkInit.Small, 1, 0, theta);
        var end = new MiniBatchDescent(network, Data, batch: Data.Samples).Train(theta, 0.3, 6000, seed: 1, run: 0);
        double optimum = LeastSquares.OptimalLoss(Data);
        Assert.That(end.Diverged, Is.False);
        Assert.That(end.Loss - optimum, Is.InRange(-1e-12, 1e-6), $"final {end.Loss}, optimum {optimum}");
    }

    [Test]
    public void Small_batches_get_near_the_optimum_and_depend_on_seed_and_run_only()
    {
        var network = new NShortcutNetwork(6, 2, 2);
        double[] Train(ulong run, out TrainingEnd end)
        {
            var theta = new double[network.ParameterCount];
            NetworkInitializer.Fill(network, NetworkInit.Small, 1, 0, theta);
            end = new MiniBatchDescent(network, Data, batch: 16).Train(theta, 0.02, 60, seed: 1, run: run);
            return theta;
        }
        var a = Train(0, out var endA);
        var b = Train(0, out _);
        var c = Train(1, out _);
        Assert.That(b, Is.EqualTo(a), "the same (seed, run): the same batches, the same bits");
        Assert.That(c, Is.Not.EqualTo(a), "another run shuffles differently");
        double optimum = LeastSquares.OptimalLoss(Data);
        Assert.That(endA.Loss, Is.InRange(optimum, optimum * 1.02), $"final {endA.Loss}, optimum {optimum}");
    }

    [Test]
    public void A_too_large_step_is_reported_as_divergence_never_as_a_loss()
    {
        var network = new NShortcutNetwork(6, 4, 1);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, NetworkInit.Xavier, 1, 0, theta);
        var end = new MiniBatchDescent(network, Data, batch: 32).Train(theta, 50, 20, seed: 1, run: 0);
        Assert.That(end.Diverged, Is.True);
        Assert.That(end.Loss, Is.NaN);
    }

    [Test]
    public void At_zero_only_the_one_shortcut_net_moves()
    {
        // Theorem 2's mechanism in pre-activation units: at W = 0 every gradient of an n ≥ 2 unit has a zero factor
        // (the layer after it, or σ(0) = 0 before it), so zero is stationary and SGD stays there exactly; n = 1 is not.
        var split = new TrainTestSplit(SyntheticData.Create(300, 10, 10, seed: 2), SyntheticData.Create(100, 10, 10, seed: 3),
                                       new DataProvenance("synthetic", 400, null));
        var config = new ShortcutDepthConfig { InitScale = 0, Epochs = 3, Batch = 20, Eta = 0.05 };
        double start = ShortcutDepth.Evaluate(ShortcutDepth.Network(1, 12), new double[1200], split.Train).Loss;
        foreach (int n in new[] { 2, 3, 4 })
            Assert.That(ShortcutDepth.Train(config, split, n, 12, 0, default).FinalLoss, Is.EqualTo(start), $"n = {n}");
        Assert.That(ShortcutDepth.Train(config, split, 1, 12, 0, default).FinalLoss, Is.LessThan(start * 0.99), "n = 1");
    }

    [Test]
    public void Full_batch_descent_and_one_batch_per_epoch_are_the_same_steps()
    {
        // --batch 0 trains with FullBatchDescent (the epoch kernel), --batch m with MiniBatchDescent (the lane passes):
        // one step per epoch over every sample in both, so only the order of the sums differs.
        var split = new TrainTestSplit(SyntheticData.Create(300, 10, 10, seed: 4), SyntheticData.Create(100, 10, 10, seed: 5),
                                       new DataProvenance("synthetic", 400, null));
        var gd = ShortcutDepth.Train(new ShortcutDepthConfig { Batch = 0, Epochs = 30, Eta = 0.05, InitScale = 0.3 }, split, 2, 12, 0, default);
        var sgd = ShortcutDepth.Train(new ShortcutDepthConfig { Batch = 300, Epochs = 30, Eta = 0.05, InitScale = 0.3 }, split, 2, 12, 0, default);
        Assert.That(gd.Diverged || sgd.Diverged, Is.False);
        Assert.That(gd.FinalLoss, Is.EqualTo(sgd.FinalLoss).Within(1e-9 * sgd.FinalLoss));
        Assert.That(gd.FinalLoss, Is.LessThan(ShortcutDepth.Evaluate(ShortcutDepth.Network(2, 12), new double[1200], split.Train).Loss), "it trained");
        Assert.That(gd.TestAccuracy, Is.EqualTo(sgd.TestAccuracy));
    }

    [Test]
    public void Accuracy_is_the_share_of_samples_whose_output_argmax_is_the_class()
    {
        // One identity shortcut unit with W = 0: ŷ = x, so the accuracy is the share of inputs whose argmax is the label.
        var network = new NShortcutNetwork(3, 1, 2, pre: Activation.Relu, mid: Activation.Relu);
        double[] x = [0.9, 0.1, 0.0, /**/ 0.2, 0.1, 0.7, /**/ 0.0, 0.5, 0.4, /**/ 1.0, 2.0, 3.0];
        double[] y = [1, 0, 0, /**/ 0, 0, 1, /**/ 1, 0, 0, /**/ 0, 1, 0];
        var data = new Dataset(x, y, 4, 3, 3, "hand-made");
        var (loss, accuracy) = ShortcutDepth.Evaluate(network, new double[network.ParameterCount], data);
        Assert.That(accuracy, Is.EqualTo(0.5));
        double expected = 0;
        for (int i = 0; i < 12; i++) expected += (x[i] - y[i]) * (x[i] - y[i]);
        Assert.That(loss, Is.EqualTo(expected / 8).Within(1e-15));
        Assert.That(ShortcutDepth.ArgMax([1.0, 3.0, 3.0, -1.0]), Is.EqualTo(1), "ties go to the first");
    }
}
