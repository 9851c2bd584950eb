using System.Runtime.Intrinsics;

// Placeholder host: replaced by the System.CommandLine host in the next commits.
Console.WriteLine($"fastres: Vector512 accelerated = {Vector512.IsHardwareAccelerated}");
return 0;
