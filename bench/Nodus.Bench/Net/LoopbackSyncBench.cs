using System.Diagnostics;
using Nodus.Core;
using Nodus.Core.Mining;
using Nodus.Net.Runtime;
using Nodus.Wire.Types;

namespace Nodus.Bench.Net;

/// <summary>
/// Sync over loopback, timed (BenchmarkDotNet's repetitions would regenerate a 100,000-block chain each time): one
/// regtest node mines the source chain once per run, its data directory is copied to three more sources, then a
/// fresh node syncs from 1 source and another from all 4. Headers/s counts until the best header reaches the tip,
/// blocks/s and MB/s until every block is validated and stored (body bytes as serialized on the wire).
/// Run: <c>dotnet run -c Release --project bench/Nodus.Bench -- loopback-sync [blocks]</c>.
/// </summary>
public static class LoopbackSyncBench
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(15);

    public static async Task RunAsync(int blocks)
    {
        await using var net = new LoopbackNet();
        var clock = Stopwatch.StartNew();
        string sourceDir = LoopbackNet.NewDir();
        var source = await net.StartAsync([], dataDir: sourceDir);
        // Each block's time must pass the median of the previous 11, so a burst runs ahead of the clock by about a
        // second per 6 blocks; past 2 hours ahead (~43,000 blocks) blocks become time-too-new, in Bitcoin Core too.
        // So the chain starts 10 hours back and each batch is mined with the clock at the tip's time: 100,000
        // blocks end about 4.6 hours after their start, still in the past.
        for (int left = blocks; left > 0; left -= BlockProducer.MaxGenerate)
        {
            int n = Math.Min(left, BlockProducer.MaxGenerate);
            await source.Host.InvokeAsync((_, now) =>
                source.Full.Producer.Generate(n, Math.Max(now - 10 * Time.Hour, Time.FromUnixSeconds(source.Full.Chain.Tip.Time))).Count);
        }
        double generateSeconds = clock.Elapsed.TotalSeconds;
        long bytes = await source.Host.InvokeAsync((_, _) =>
        {
            long sum = 0;
            for (int h = 1; h <= source.Full.Chain.Height; h++)
                sum += Nodus.Wire.Encoding.Wire.Encode<Block>(source.Full.Chain.GetBlock(source.Full.Chain.Index.GetActive(h)!.Hash)!).Length;
            return sum;
        });
        Console.WriteLine($"source chain: {blocks:N0} blocks, {bytes / 1e6:F2} MB of bodies, mined into SQLite in {generateSeconds:F1} s ({blocks / generateSeconds:F0} blocks/s)");

        // Three more sources with the same chain: copies of the first one's database, taken while it is stopped.
        await source.StopAsync();
        var sourceDirs = new List<string> { sourceDir };
        for (int i = 0; i < 3; i++)
        {
            string dir = LoopbackNet.NewDir();
            foreach (string file in Directory.GetFiles(sourceDir, "chain.sqlite*")) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            sourceDirs.Add(dir);
        }
        var sources = new List<NodeDaemon>();
        foreach (string dir in sourceDirs) sources.Add(await net.StartAsync([], dataDir: dir));
        foreach (var s in sources)
            if (await s.Host.InvokeAsync((_, _) => s.Full.Chain.Height) != blocks) throw new InvalidOperationException("a source did not reopen its chain");

        Console.WriteLine("| peers | headers | headers/s | blocks/s | MB/s | total |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (int peers in new[] { 1, 4 })
        {
            var fresh = await net.StartAsync(sources.Take(peers));
            var t = Stopwatch.StartNew();
            double headersAt = 0;
            await LoopbackNet.WaitUntilAsync(async () =>
            {
                var (height, best) = await fresh.Host.InvokeAsync((_, _) => (fresh.Full.Chain.Height, fresh.Full.Chain.BestHeader.Height));
                if (headersAt == 0 && best == blocks) headersAt = t.Elapsed.TotalSeconds;
                return height == blocks;
            }, $"the node syncing from {peers} peer(s) reaches height {blocks}", Patience);
            double total = t.Elapsed.TotalSeconds;
            Console.WriteLine($"| {peers} | {blocks:N0} in {headersAt:F2} s | {blocks / headersAt:N0} | {blocks / total:N0} | {bytes / 1e6 / total:F2} | {total:F1} s |");
            await fresh.StopAsync();
        }
    }
}
