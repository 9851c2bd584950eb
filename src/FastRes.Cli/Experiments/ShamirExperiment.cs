using FastRes.Experiments.Data;
using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// The host side of the experiments on a <see cref="ShamirModel"/> (shamir-lemma1, shamir-theorem2,
/// shamir-local-minima): the model's digits data is loaded during validation, so an unreadable file or an unusable
/// task is bad input (one line, exit 2, nothing written), and the loaded set is kept for the run.
/// </summary>
public abstract class ShamirModelExperiment<TConfig, TResult>(string name, string description) : Experiment<TConfig, TResult>(name, description)
    where TConfig : IShamirModelConfig, IExperimentConfig<TConfig>, new() where TResult : IExperimentResult<TResult>
{
    private readonly ShamirDigits _digits = new();

    public override IReadOnlyList<ConfigError> Validate(TConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count == 0) _digits.Load(config.Model, errors);
        return errors;
    }

    /// <summary>The digits file as read, or the synthetic set's recipe (it has no file to hash).</summary>
    protected override DataProvenance? ProvenanceOf(TConfig config)
    {
        var m = config.Model;
        return Digits(config)?.Provenance
            ?? new DataProvenance($"synthetic(samples={m.Samples}, d={m.Dimension}, label-noise={Kinds.Format(m.LabelNoise)}, seed={m.Seed})", m.Samples, null);
    }

    /// <summary>The digits set of a validated config (null: synthetic data).</summary>
    protected Dataset? Digits(TConfig config)
    {
        var errors = new List<ConfigError>();
        var digits = _digits.Load(config.Model, errors);
        return errors.Count == 0 ? digits : throw new BadInputException("--data", errors[0].Message);
    }
}

/// <summary>What the Shamir bindings' summaries and figures share.</summary>
public static class ShamirOutput
{
    public const string SyntheticData = "synthetic (Gaussian x, nonlinear teacher)";

    /// <summary>The data a model was run on, for summary.md's first line.</summary>
    public static string DataLabel(ShamirModel m) => m.Synthetic ? SyntheticData : $"{m.Data}, digit {m.Digits[0]} (y = +1) vs {m.Digits[1]} (y = −1)";

    /// <summary>One panel of <see cref="Inequalities"/>: what <paramref name="Draw"/> puts on it is log10 of the right-hand side across, of the left-hand side up.</summary>
    public sealed record Panel(string Title, string X, string Y, Action<Plot> Draw);

    /// <summary>
    /// Inequalities lhs ≥ rhs checked case by case, one panel each, side by side: every case a marker, y = x dashed
    /// through the data's range; an inequality holds where its markers lie above the line.
    /// </summary>
    public static IEnumerable<string> Inequalities(string folder, string name, params Panel[] panels)
    {
        var figure = new Multiplot();
        figure.AddPlots(panels.Length);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int p = 0; p < panels.Length; p++)
        {
            var plot = figure.GetPlot(p);
            panels[p].Draw(plot);
            var data = plot.GetPlottables().Select(m => m.GetAxisLimits()).Where(l => double.IsFinite(l.Left + l.Right + l.Bottom + l.Top)).ToList();
            if (data.Count > 0)
            {
                double lo = data.Min(l => Math.Min(l.Left, l.Bottom)), hi = data.Max(l => Math.Max(l.Right, l.Top));
                var line = plot.Add.Line(lo, lo, hi, hi);
                line.LineColor = Colors.Black; line.LinePattern = LinePattern.Dashed; line.LegendText = "y = x";
            }
            plot.Title($"{panels[p].Title}: holds above the dashed line");
            plot.XLabel(panels[p].X);
            plot.YLabel(panels[p].Y);
            plot.ShowLegend(Alignment.UpperLeft);
        }
        return Figures.Save(figure, folder, name, 750 * panels.Length, 650);
    }
}
