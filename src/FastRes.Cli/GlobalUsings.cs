// What every experiment binding is written in: the host, its writers and the declarations it derives from.
global using FastRes.Cli.Hosting;
global using FastRes.Cli.Output;
global using FastRes.Experiments;
global using FastRes.Experiments.Checkpoints;
global using FastRes.Experiments.Results;
global using FastRes.Experiments.Settings;
