using BenchmarkDotNet.Running;

namespace Nodus.Bench;

/// <summary>
/// Runs the benchmarks chosen on the command line, e.g. <c>dotnet run -c Release --project bench/Nodus.Bench --
/// --filter '*FrameReader*'</c>. Every public benchmark class in this assembly is found, so a new benchmark is
/// only a new file.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
