using BenchmarkDotNet.Running;

// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/FastRes.Bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
