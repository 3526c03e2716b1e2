using System.Diagnostics;
using Nodus.Core.Relay;
using Nodus.Net.Runtime;
using Nodus.Wire.Types;

namespace Nodus.Bench.Net;

/// <summary>
/// Transaction relay in a 10-node loopback network, timed: each node dials the two started before it; N distinct
/// well-formed transactions are submitted to node 0 (in batches on its event loop) and the clock stops when every
/// node's mempool holds all N. Reported per policy with default (Bitcoin) timings, so diffusion and Dandelion are
/// bounded by their deliberate delays, flood by the machine.
/// Run: <c>dotnet run -c Release --project bench/Nodus.Bench -- loopback-relay [transactions]</c>.
/// </summary>
public static class LoopbackRelayBench
{
    private const int Nodes = 10;
    private const int SubmitBatch = 100;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(int transactions)
    {
        var txs = Enumerable.Range(0, transactions).Select(MakeTransaction).ToArray();
        Console.WriteLine("| policy | transactions | nodes | all nodes have all after | tx/s (every node has every one) |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var policy in new[] { RelayPolicyKind.Flood, RelayPolicyKind.Diffusion, RelayPolicyKind.Dandelion })
        {
            await using var net = new LoopbackNet();
            var nodes = new List<NodeDaemon>();
            for (int i = 0; i < Nodes; i++) nodes.Add(await net.StartAsync(nodes.Skip(Math.Max(0, i - 2)), new RelayOptions { Policy = policy }));
            await LoopbackNet.WaitUntilAsync(async () => await nodes[^1].Host.InvokeAsync((n, _) => n.Peers.Count(p => p.IsEstablished)) == 2
                && await nodes[0].Host.InvokeAsync((n, _) => n.Peers.Count(p => p.IsEstablished)) == 2, "the mesh connects", TimeSpan.FromSeconds(30));

            var t = Stopwatch.StartNew();
            var first = nodes[0];
            for (int i = 0; i < transactions; i += SubmitBatch)
            {
                var batch = txs[i..Math.Min(transactions, i + SubmitBatch)];
                int accepted = await first.Host.InvokeAsync((_, now) => batch.Count(tx => first.Full.Relay.SubmitTransaction(tx, now).IsAccepted));
                if (accepted != batch.Length) throw new InvalidOperationException("a transaction was refused");
            }
            foreach (var node in nodes)
                await LoopbackNet.WaitUntilAsync(async () => await node.Host.InvokeAsync((_, _) => node.Full.Mempool.Count) == transactions,
                    "every mempool holds every transaction", Patience, pollMs: 20);
            double seconds = t.Elapsed.TotalSeconds;
            Console.WriteLine($"| {policy.ToString().ToLowerInvariant()} | {transactions:N0} | {Nodes} | {seconds:F2} s | {transactions / seconds:N0} |");
        }
    }

    /// <summary>A 1-input, 1-output transaction spending a made-up outpoint (the permissive default validator accepts any), distinct per n.</summary>
    private static Transaction MakeTransaction(int n) => Nodus.Wire.Encoding.Wire.Decode<Transaction>(Convert.FromHexString(
        "01000000" + "01" + n.ToString("x8") + new string('b', 56) + "00000000" + "0151" + "ffffffff"
        + "01" + "e803000000000000" + "0151" + "00000000"));
}
