using System.CommandLine;
using System.Globalization;
using FastRes.Experiments.Profiling;
using FastRes.Kernels.Spectrum;

namespace FastRes.Cli.Commands;

/// <summary>The profiler's SLQ measurement (<see cref="KernelProfiler.Slq"/>), as the CLI calls it.</summary>
internal delegate IReadOnlyList<SlqComparison> SlqProfiler(SlqRequest request, int threads, out string dataSource, CancellationToken cancellationToken);

/// <summary>
/// `fastres bench eig --slq`: stochastic Lanczos quadrature, the spectral-density estimator of PyHessian and the literature
/// (issue 12 item 5), against the exact spectra of the experiments' Hessians. Kept apart from the eig command's
/// LAPACK timing: its own options, its own table.
/// </summary>
public static partial class BenchCommand
{
    internal sealed record SlqOptions(Option<bool> Enabled, Option<string> Steps, Option<string> Probes, Option<string> Seed,
        Option<string> Data, Option<string> Epochs);

    private static SlqOptions AddSlqOptions(Command eig)
    {
        var options = new SlqOptions(
            new Option<bool>("--slq") { Description = "Instead of timing: stochastic Lanczos quadrature (PyHessian's estimator) against the exact spectra of initial-condition's and training-spectrum's Hessians and a random matrix: |λ|max, |λ|(0.1), κ, index and their errors." },
            new Option<string>("--steps") { HelpName = "M,M,...", Description = "With --slq: Lanczos steps per probe (each value is a setting).", DefaultValueFactory = _ => Invariant(StochasticLanczos.DefaultSteps) },
            new Option<string>("--probes") { HelpName = "P,P,...", Description = "With --slq: Rademacher probes (each value is a setting).", DefaultValueFactory = _ => Invariant(StochasticLanczos.DefaultProbes) },
            new Option<string>("--seed") { HelpName = "S", Description = "With --slq: seed of the probes, the inits and the synthetic data.", DefaultValueFactory = _ => "1" },
            new Option<string>("--data") { HelpName = "DIR|digits:FILE", Description = "With --slq: the Hessians' data (default: built-in synthetic whitened data; a missing folder falls back to it, said in the output)." },
            new Option<string>("--epochs") { HelpName = "E", Description = "With --slq: GD epochs before the training-spectrum Hessians.", DefaultValueFactory = _ => "150" });
        eig.Options.Add(options.Enabled);
        eig.Options.Add(options.Steps);
        eig.Options.Add(options.Probes);
        eig.Options.Add(options.Seed);
        eig.Options.Add(options.Data);
        eig.Options.Add(options.Epochs);
        return options;
    }

    private static int RunSlq(ParseResult r, Profiler profiler, SlqOptions o, Option<string> threadsOption, Option<string> jsonOption)
    {
        var steps = ParseSizes(r.GetValue(o.Steps), "--steps", "m", 100_000);
        var probes = ParseSizes(r.GetValue(o.Probes), "--probes", "p", 100_000);
        var epochs = ParseSizes(r.GetValue(o.Epochs), "--epochs", "E", 1_000_000);
        if (epochs.Count != 1) throw new BadInputException("--epochs", "must be one positive integer");
        string? seedText = r.GetValue(o.Seed);
        if (!ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            throw new BadInputException("--seed", $"must be a non-negative integer (got '{seedText}')");
        string? data = r.GetValue(o.Data);
        if (data is not null && data.Trim().Length == 0) throw new BadInputException("--data", "must name a data folder or digits:FILE (leave it out for synthetic data)");
        int threads = ParseThreads(r.GetValue(threadsOption), Environment.ProcessorCount);
        string? json = ParseJsonPath(r.GetValue(jsonOption));

        var comparisons = profiler.Slq(new SlqRequest(steps, probes, seed, data, epochs[0]), threads, out string source, CancellationToken.None);
        var output = r.InvocationConfiguration.Output;
        var machine = profiler.Machine();
        output.WriteLine($"{machine.Cpu} · {machine.Cores} cores · {machine.Isa} · {machine.VectorWidth} · {machine.Runtime}");
        output.WriteLine($"SLQ (Rademacher probes, full reorthogonalization) vs exact eigenvalues; Hessians on {source}; {threads} threads");
        output.WriteLine("errors: (SLQ − exact)/|exact|, the index's absolute; times wall-clock seconds (this process's CPU seconds)");
        foreach (string line in KernelProfiler.SlqTable(comparisons)) output.WriteLine(line);
        if (json is not null)
        {
            Write(new BenchReport(machine, KernelProfiler.SlqResults(comparisons, threads)), json, "--json");
            output.WriteLine($"wrote {json}");
        }
        return Ok;
    }
}
