using FastRes.Cli.Experiments;

namespace FastRes.Cli.Hosting;

/// <summary>Every experiment `fastres run` knows, in the order `fastres list` shows them.</summary>
public static class ExperimentRegistry
{
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new ShortcutCnnCommand(),
        new ShortcutCnnAtlasCommand(),
        new ShortcutCnnTrajectoryCommand(),
        new ShortcutCnnSampledCommand(),
        new HessianAtZeroCommand(),
        new InitialConditionCommand(),
        new TrainingSpectrumCommand(),
        new FinalLossCommand(),
        new WeightNormsCommand(),
        new ShortcutDepthCommand(),
        new ShamirExample1Command(),
        new ShamirLemma1Command(),
        new ShamirTheorem2Command(),
        new ShamirLocalMinimaCommand(),
        new ShamirSgdCommand(),
        new YunCriticalPointsCommand(),
        new YunNearIdentityCommand(),
        new YunRademacherCommand(),
        // Later experiments add one line here and one file in Experiments/.
    ];

    public static string Names => string.Join(", ", All.Select(e => e.Name));
}
