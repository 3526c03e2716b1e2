using BenchmarkDotNet.Running;
using Nodus.Bench.Wire;

namespace Nodus.Bench;

/// <summary>
/// Runs the benchmarks chosen on the command line, e.g. <c>dotnet run -c Release --project bench/Nodus.Bench --
/// --filter '*FrameReader*'</c>. Every public benchmark class in this assembly is found, so a new benchmark is
/// only a new file. <c>wire-ratio [rounds]</c> runs the load-tolerant frame reader comparison instead;
/// <c>loopback-sync [blocks]</c> and <c>loopback-relay [transactions]</c> run the timed loopback network benchmarks;
/// <c>peer-memory [nodes] [outbound]</c> measures the core's live bytes per node and per connection end.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["wire-ratio", ..])
        {
            FrameReaderRatio.Run(args.Length > 1 ? int.Parse(args[1]) : 500);
            return;
        }
        if (args is ["loopback-sync", ..])
        {
            Net.LoopbackSyncBench.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100_000).GetAwaiter().GetResult();
            return;
        }
        if (args is ["loopback-relay", ..])
        {
            Net.LoopbackRelayBench.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 5_000).GetAwaiter().GetResult();
            return;
        }
        if (args is ["peer-memory", ..])
        {
            Core.PeerMemoryProbe.Run(args.Length > 1 ? int.Parse(args[1]) : 5_000, args.Length > 2 ? int.Parse(args[2]) : 8);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
