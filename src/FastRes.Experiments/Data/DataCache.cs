using FastRes.Experiments.Settings;

namespace FastRes.Experiments.Data;

/// <summary>
/// --data for the Hessian experiments (SPEC §2.2): loaded during validation, so an unreadable or malformed data file is
/// bad input (one line, exit 2) and nothing is written; the loaded set is kept for the run.
/// </summary>
public sealed class DataCache
{
    private (string? Spec, int Width, ulong Seed, Dataset Data)? _last;

    /// <summary>The dataset for (spec, width, seed), or a "data" config error.</summary>
    public Dataset? TryLoad(string? spec, int width, ulong seed, List<ConfigError> errors)
    {
        if (_last is { } l && l.Spec == spec && l.Width == width && l.Seed == seed) return l.Data;
        try
        {
            // The networks have d_x = d_y = d (SPEC §2.1): real digits have 10 classes, so they need d = 10; the
            // synthetic set is made with as many classes as the width.
            if (!string.IsNullOrWhiteSpace(spec) && width != DigitPreprocessing.DefaultClasses)
            {
                errors.Add(new ConfigError("width", $"must be {DigitPreprocessing.DefaultClasses} (the number of digit classes, since d_x = d_y) with --data (got {width})"));
                return null;
            }
            var data = string.IsNullOrWhiteSpace(spec)
                ? SyntheticData.Create(SyntheticData.DefaultSamples, width, width, seed)
                : DataSource.Load(spec, width, seed);
            _last = (spec, width, seed, data);
            return data;
        }
        catch (DataFormatException e) { errors.Add(new ConfigError("data", e.Message)); }
        catch (ArgumentException e) { errors.Add(new ConfigError("data", e.Message)); }
        return null;
    }

    /// <summary>The dataset the run uses (validation loaded it already, so this is the cached set).</summary>
    public Dataset Get(string? spec, int width, ulong seed)
    {
        var errors = new List<ConfigError>();
        return TryLoad(spec, width, seed, errors) ?? throw new ArgumentException($"--data: {errors[0].Message}");
    }

    /// <summary>A data source as a figure title can hold it: the folder of an IDX file ("mnist-10k"), else the name.</summary>
    public static string ShortName(string source)
    {
        string file = Path.GetFileName(source);
        string? folder = Path.GetFileName(Path.GetDirectoryName(source));
        return file.Contains("idx", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(folder) ? folder : file.Length > 0 ? file : source;
    }

    public const string Help = "DIR with MNIST IDX files, or digits:FILE (8×8 digits CSV); default: built-in synthetic whitened data";

    /// <summary>--data of the Hessian experiments.</summary>
    public static Setting<T> Setting<T>(Func<T, string?> get, Func<T, string?, T> set, string help = Help)
        => new Setting<T, string?>("data", "DIR|digits:FILE", help, get, set, Kinds.Text, NotEmpty);

    /// <summary>An empty --data is a mistake (an unset variable in a script), not a request for synthetic data: leaving it out is.</summary>
    public static readonly Rule<string?> NotEmpty = v => v is null || v.Trim().Length > 0 ? null : "must name a data folder or digits:FILE (got an empty path; leave --data out for the built-in synthetic data)";
}

/// <summary>A config whose data set is --data reduced to <see cref="Width"/> whitened components (synthetic, from <see cref="Seed"/>, without it).</summary>
public interface IDataConfig
{
    string? Data { get; }
    int Width { get; }
    ulong Seed { get; }
}
