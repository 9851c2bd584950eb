using FastRes.Experiments.Data;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// The residual network x ↦ wᵀ(x + V f_θ(x)) of Shamir 2018 (eq. 2) that shamir-lemma1, shamir-theorem2 and
/// shamir-local-minima study, with its losses and data: f_θ is an MLP (<see cref="Layers"/> hidden layers of
/// <see cref="Hidden"/>, output width <see cref="Width"/>), the data synthetic (Gaussian x, nonlinear teacher) or a
/// binary digits task reduced to <see cref="Dimension"/> principal components.
/// </summary>
public sealed record ShamirModel
{
    public Loss[] Losses { get; init; } = [Loss.Squared, Loss.Logistic];
    public Activation[] Activations { get; init; } = [Activation.Relu, Activation.Tanh];
    /// <summary>Input dimension d (= rows of V).</summary>
    public int Dimension { get; init; } = 8;
    /// <summary>Output width k of f_θ (= columns of V).</summary>
    public int Width { get; init; } = 16;
    public int Hidden { get; init; } = 16;
    /// <summary>Hidden layers of f_θ (0: f_θ(x) = σ(Wx + b)).</summary>
    public int Layers { get; init; } = 2;
    public int Samples { get; init; } = 512;
    public double LabelNoise { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    /// <summary>null: synthetic data; "DIR" (MNIST IDX) or "digits:FILE": a binary task of two digit classes, PCA to <see cref="Dimension"/>.</summary>
    public string? Data { get; init; }
    /// <summary>The two classes of the binary task (y = +1 for the first) when <see cref="Data"/> is set.</summary>
    public int[] Digits { get; init; } = [3, 5];

    public bool Synthetic => string.IsNullOrWhiteSpace(Data);

    /// <summary>The model's settings; an experiment places them around its own with <see cref="Around{TConfig}"/>.</summary>
    public static Schema<ShamirModel> Schema { get; } = new()
    {
        { "losses", "LIST", "Losses: squared, logistic (default both)", m => m.Losses, (m, v) => m with { Losses = v },
          Kinds.List(Predictors.Losses.Kind), Rules.NonEmpty<Loss>(what: "squared and/or logistic") },
        { "activations", "LIST", "σ of f_θ: relu, tanh (default both)", m => m.Activations, (m, v) => m with { Activations = v },
          Kinds.List(Packs.Activations(Activation.Relu, Activation.Tanh)),
          Rules.NonEmpty(Rules.Must<Activation>(a => a is Activation.Relu or Activation.Tanh, "be relu or tanh"), "relu and/or tanh") },
        { "dimension", "D", "Input dimension d", m => m.Dimension, (m, v) => m with { Dimension = v }, Kinds.Int, Rules.Between(1, 256) },
        { "width", "K", "Output width k of f_θ, V is d × k", m => m.Width, (m, v) => m with { Width = v }, Kinds.Int, Rules.Between(1, 256) },
        { "hidden", "H", "Hidden width of f_θ", m => m.Hidden, (m, v) => m with { Hidden = v }, Kinds.Int, Rules.Between(1, 1024) },
        { "layers", "L", "Hidden layers of f_θ", m => m.Layers, (m, v) => m with { Layers = v }, Kinds.Int, Rules.Between(0, 16) },
        // Its range depends on the dimension: see Relations.
        { "samples", "N", "Data set size n", m => m.Samples, (m, v) => m with { Samples = v }, Kinds.Int },
        // Logistic F_lin has a minimizer only when the classes overlap, which the label flips guarantee.
        { "label-noise", "P", "Label flip probability of the logistic data", m => m.LabelNoise, (m, v) => m with { LabelNoise = v },
          Kinds.Double, Rules.Must<double>(p => p > 0 && p < 0.5, "be in (0, 0.5) so logistic F_lin has a minimizer") },
        Packs.Seed<ShamirModel>(m => m.Seed, (m, v) => m with { Seed = v }),
        Packs.Threads<ShamirModel>(m => m.Threads, (m, v) => m with { Threads = v }),
        { "data", "DIR|digits:FILE", "DIR with MNIST IDX files or digits:FILE (8×8 CSV): a binary task of --digits on d principal components; default: synthetic Gaussian data with a nonlinear teacher",
          m => m.Data, (m, v) => m with { Data = v }, Kinds.Text, FastRes.Experiments.Data.DataCache.NotEmpty },
        { "digits", "A,B", "The two classes of the digits task, y = +1 for A (default {default}); --samples caps the images used", m => m.Digits,
          (m, v) => m with { Digits = v }, Kinds.List(Kinds.Int),
          Rules.Must<int[]>(d => d is [var a, var b] && a != b && a is >= 0 and <= 9 && b is >= 0 and <= 9, "be two different digit classes between 0 and 9, e.g. 3,5") },
    };

    private static readonly string[] TailNames = ["label-noise", "seed", "threads", "data", "digits"];

    /// <summary>
    /// An experiment's schema with the model's settings around its <paramref name="own"/>: --help lists the network and
    /// data size first (losses to samples), then the experiment's settings, then label noise, seed, threads and data;
    /// config.json lists the experiment's settings first and the model's after them, as it always has.
    /// </summary>
    public static Schema<TConfig> Around<TConfig>(Func<TConfig, ShamirModel> get, Func<TConfig, ShamirModel, TConfig> set, Schema<TConfig> own)
    {
        var model = Schema.Lift(get, set).ToList();
        var schema = new Schema<TConfig> { model.Where(s => !TailNames.Contains(s.Name)), own, model.Where(s => TailNames.Contains(s.Name)) };
        return schema.StoreInOrder([.. own.Select(s => s.Name), .. model.Select(s => s.Name)]);
    }

    public IReadOnlyList<ConfigError> Validate() => [.. Schema.Check(this), .. Relations()];

    /// <summary>The rules between settings, which an experiment's config checks after its schema.</summary>
    public IEnumerable<ConfigError> Relations()
    {
        if (Samples < 2 * Dimension || Samples > 1_000_000)
            yield return new("samples", $"must be between 2·dimension and 1000000 so F_lin has a unique minimizer (got {Samples})");
    }

    /// <summary>The data set for <paramref name="loss"/>: the digits task when <paramref name="digits"/> is loaded, else synthetic.</summary>
    public PredictorData DataFor(Loss loss, Dataset? digits) => digits is null
        ? PredictorData.Synthetic(loss, Samples, Dimension, LabelNoise, Seed)
        : PredictorData.FromDigits(digits, Digits[0], Digits[1], Samples, loss);

    /// <summary>Why the digits task cannot be used (some loss's F_lin has no minimizer on it: too few images, or separable), or null.</summary>
    public string? CheckDigits(Dataset digits)
    {
        try
        {
            foreach (var loss in Losses) LinearPredictor.Minimizer(DataFor(loss, digits));
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return e.Message; }
    }
}

/// <summary>Settings shamir-lemma1 and shamir-theorem2 share beyond the model: how many w* a point is checked with, and when a case is a violation.</summary>
public static class ShamirPacks
{
    public static Setting<T> RandomWStar<T>(Func<T, int> get, Func<T, int, T> set)
        => new Setting<T, int>("random-wstar", "N", "Random w* per point besides F_lin's minimizer", get, set, Kinds.Int, Rules.Between(0, 1000));

    public static Setting<T> Tolerance<T>(Func<T, double> get, Func<T, double, T> set)
        => new Setting<T, double>("tolerance", "X", "Relative tolerance of a violation", get, set, Kinds.Double, Rules.AboveUpTo(0, 1e-2));
}

/// <summary>A config whose experiment runs on a <see cref="ShamirModel"/>.</summary>
public interface IShamirModelConfig : IExperimentConfig
{
    ShamirModel Model { get; }
}

/// <summary>
/// The digits set a model's <see cref="ShamirModel.Data"/> names, reduced to d principal components: loaded during
/// validation, so an unreadable file or an unusable task is bad input (a "data" error, found before anything is
/// written), and kept for the run. Unlike the Hessian experiments' data, d is free: the output is a scalar.
/// </summary>
public sealed class ShamirDigits
{
    private (string Spec, int D, Dataset Data)? _last;

    /// <summary>The loaded set, null for synthetic data or after adding the problem to <paramref name="errors"/>.</summary>
    public Dataset? Load(ShamirModel model, List<ConfigError> errors)
    {
        if (model.Synthetic) return null;
        Dataset digits;
        if (_last is { } l && l.Spec == model.Data && l.D == model.Dimension) digits = l.Data;
        else
        {
            try { digits = DataSource.Load(model.Data, model.Dimension); }
            catch (Exception e) when (e is DataFormatException or ArgumentException)
            {
                errors.Add(new ConfigError("data", e.Message));
                return null;
            }
            _last = (model.Data!, model.Dimension, digits);
        }
        if (model.CheckDigits(digits) is { } problem)
        {
            errors.Add(new ConfigError("data", problem));
            return null;
        }
        return digits;
    }
}
