using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Data;

namespace FastRes.Cli.Experiments;

/// <summary>
/// --data for the Shamir experiments: digits (MNIST IDX folder or digits:FILE) reduced to d whitened principal
/// components, loaded during validation so an unreadable file is bad input (one line, exit 2, nothing written).
/// Unlike the Hessian experiments' <see cref="DataCache"/>, d is free: the output is a scalar (a binary task).
/// </summary>
public sealed class ShamirDigitsCache
{
    private (string Spec, int D, Dataset Data)? _last;

    public const string Help = "DIR with MNIST IDX files or digits:FILE (8×8 CSV): a binary task of --digits on d principal components; default: synthetic Gaussian data with a nonlinear teacher";

    public Dataset? TryLoad(string? spec, int d, List<ConfigError> errors)
    {
        if (string.IsNullOrWhiteSpace(spec)) return null;
        if (_last is { } l && l.Spec == spec && l.D == d) return l.Data;
        try
        {
            var data = DataSource.Load(spec, d);
            _last = (spec, d, data);
            return data;
        }
        catch (DataFormatException e) { errors.Add(new ConfigError("data", e.Message)); }
        catch (ArgumentException e) { errors.Add(new ConfigError("data", e.Message)); }
        return null;
    }

    public Dataset? Get(string? spec, int d)
    {
        var errors = new List<ConfigError>();
        var data = TryLoad(spec, d, errors);
        if (errors.Count > 0) throw new BadInputException("--data", errors[0].Message);
        return data;
    }

    public static int[] ParseDigits(string? text) => Values.IntList("digits", text);
}
