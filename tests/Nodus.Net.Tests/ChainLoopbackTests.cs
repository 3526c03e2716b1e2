using System.Diagnostics;
using Nodus.Core;
using Nodus.Core.Relay;
using Xunit;
using Xunit.Abstractions;

namespace Nodus.Net.Tests;

/// <summary>
/// Issue 4's real-socket scenarios: several in-process daemons on 127.0.0.1 sync a chain, converge after mining
/// apart, and relay 1,000 transactions under each relay policy. Each test is bounded by its own timeout.
/// </summary>
public sealed class ChainLoopbackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SyncPatience = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 150_000)]
    public async Task Sync_5000BlocksToThreeFreshNodes_AllReachTheMinersTip()
    {
        await using var net = new DaemonNet();
        var miner = await net.StartAsync([]);
        var clock = Stopwatch.StartNew();
        var hashes = (await DaemonNet.CallAsync(miner, "generate", 5_000))!.AsArray();
        Assert.Equal(5_000, hashes.Count);
        output.WriteLine($"generate 5000: {clock.Elapsed.TotalSeconds:F1} s");

        // Fresh nodes join the miner and each other, so blocks come from several peers at once.
        clock.Restart();
        var a = await net.StartAsync([miner]);
        var b = await net.StartAsync([miner, a]);
        var c = await net.StartAsync([a, b]);
        var expected = await DaemonNet.TipAsync(miner);
        foreach (var node in new[] { a, b, c })
            await TestNet.WaitUntilAsync(async () => await DaemonNet.TipAsync(node) == expected, "a fresh node reaches the miner's tip", SyncPatience);
        output.WriteLine($"three nodes synced 5000 blocks: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(hashes[^1]!.GetValue<string>(), expected.Tip);
        Assert.Equal(2, await DaemonNet.PeersAsync(c)); // c synced from a and b only, never from the miner
        foreach (var node in new[] { a, b, c })
        {
            Assert.False(await node.Host.InvokeAsync((_, now) => node.Full.Sync.IsInitialBlockDownload(now)));
            Assert.Equal(hashes[2_500]!.GetValue<string>(), (await DaemonNet.CallAsync(node, "getblockhash", 2_501))!.GetValue<string>());
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Partition_GroupsMineApartThenJoin_ConvergeOnMostWork_LosingTransactionsReturnToMempool()
    {
        await using var net = new DaemonNet();
        var a1 = await net.StartAsync([]);
        var a2 = await net.StartAsync([a1]);
        var b1 = await net.StartAsync([]);
        var b2 = await net.StartAsync([b1]);
        await TestNet.WaitUntilAsync(async () => await DaemonNet.PeersAsync(a2) == 1 && await DaemonNet.PeersAsync(b2) == 1, "both pairs connect");

        string txid = (await DaemonNet.CallAsync(a1, "sendrawtransaction", DaemonNet.TransactionHex(1)))!.GetValue<string>();
        var aBlocks = (await DaemonNet.CallAsync(a1, "generate", 3))!.AsArray();
        var aBlock = await DaemonNet.CallAsync(a1, "getblock", aBlocks[0]!.GetValue<string>());
        Assert.Contains(aBlock!["tx"]!.AsArray(), t => t!.GetValue<string>() == txid);
        await DaemonNet.CallAsync(b1, "generate", 6);
        await TestNet.WaitUntilAsync(async () => (await DaemonNet.TipAsync(a2)).Height == 3 && (await DaemonNet.TipAsync(b2)).Height == 6,
            "each group agrees on its own branch", SyncPatience);
        Assert.Equal(0, await DaemonNet.MempoolCountAsync(a2));

        // Join the groups: b's branch has more work, so a's nodes reorganise onto it.
        await DaemonNet.CallAsync(a1, "addnode", b1.Host.ListenEndPoint!.ToString(), "onetry");
        var winner = await DaemonNet.TipAsync(b1);
        foreach (var node in net.Nodes)
            await TestNet.WaitUntilAsync(async () => await DaemonNet.TipAsync(node) == winner, "every node converges on b's tip", SyncPatience);

        foreach (var node in new[] { a1, a2 })
            Assert.Contains(txid, (await DaemonNet.CallAsync(node, "getrawmempool"))!.AsArray().Select(t => t!.GetValue<string>()));
        var tips = (await DaemonNet.CallAsync(a1, "getchaintips"))!.AsArray();
        Assert.Equal(2, tips.Count); // the losing branch is kept, never rewritten
    }

    public static TheoryData<string> Policies => ["flood", "diffusion", "dandelion"];

    /// <summary>
    /// 1,000 transactions submitted to one node of ten reach every mempool, then one block takes them all and every
    /// mempool empties. All policies run with their default (Bitcoin) timings.
    /// </summary>
    [Theory(Timeout = 150_000)]
    [MemberData(nameof(Policies))]
    public async Task Relay_1000TransactionsInTenNodeNetwork_ReachEveryMempool_ThenMined(string policy)
    {
        const int nodes = 10, transactions = 1_000;
        var relay = new RelayOptions { Policy = RelayPolicyKinds.Parse(policy) };
        await using var net = new DaemonNet();
        // Each node dials the two started before it: a connected mesh where every node has outbound peers
        // (Dandelion's stem relays are outbound peers).
        for (int i = 0; i < nodes; i++)
            await net.StartAsync(Enumerable.Range(Math.Max(0, i - 2), Math.Min(i, 2)).Select(j => net[j]), relay);
        await TestNet.WaitUntilAsync(async () => await DaemonNet.PeersAsync(net[nodes - 1]) == 2 && await DaemonNet.PeersAsync(net[0]) == 2,
            "the mesh is connected");

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < transactions; i++)
            await DaemonNet.CallAsync(net[0], "sendrawtransaction", DaemonNet.TransactionHex(i));
        foreach (var node in net.Nodes)
            await TestNet.WaitUntilAsync(async () => await DaemonNet.MempoolCountAsync(node) == transactions,
                $"every mempool holds the {transactions} transactions ({policy})", TimeSpan.FromSeconds(100));
        output.WriteLine($"{policy}: {transactions} transactions in all {nodes} mempools after {clock.Elapsed.TotalSeconds:F1} s");

        var block = (await DaemonNet.CallAsync(net[nodes / 2], "generate", 1))!.AsArray()[0]!.GetValue<string>();
        Assert.Equal(transactions + 1, (await DaemonNet.CallAsync(net[nodes / 2], "getblock", block))!["tx"]!.AsArray().Count);
        foreach (var node in net.Nodes)
            await TestNet.WaitUntilAsync(async () => await DaemonNet.MempoolCountAsync(node) == 0 && (await DaemonNet.TipAsync(node)).Tip == block,
                "every node has the block and an empty mempool", SyncPatience);
    }
}
