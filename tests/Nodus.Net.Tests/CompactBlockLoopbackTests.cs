using Nodus.Net.Runtime;
using Nodus.Wire.Types;
using Xunit;
using Xunit.Abstractions;

namespace Nodus.Net.Tests;

/// <summary>BIP 152 between two real daemons on 127.0.0.1: a block rebuilt from the mempool, and one that needs getblocktxn.</summary>
public sealed class CompactBlockLoopbackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Task<Dictionary<string, long>> ReceivedAsync(NodeDaemon daemon) => daemon.Host.InvokeAsync((node, _) =>
        node.Peers.SelectMany(p => p.Traffic.ReceivedPerCommand).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)));

    private static async Task<(NodeDaemon Miner, NodeDaemon Receiver)> PairAsync(DaemonNet net)
    {
        var miner = await net.StartAsync([]);
        var receiver = await net.StartAsync([miner]);
        await TestNet.WaitUntilAsync(async () => await DaemonNet.PeersAsync(receiver) == 1, "the pair connects");
        // One block first: the receiver's tip becomes recent (out of initial sync), where compact blocks are used.
        await DaemonNet.CallAsync(miner, "generate", 1);
        await TestNet.WaitUntilAsync(async () => await DaemonNet.TipAsync(receiver) == await DaemonNet.TipAsync(miner), "the receiver has block 1", Patience);
        await Task.Delay(500); // the high-bandwidth sendcmpct that follows block 1
        return (miner, receiver);
    }

    private static async Task<(long Delivered, int BlockSize, Dictionary<string, long> Delta)> MineAndMeasureAsync(NodeDaemon miner, NodeDaemon receiver)
    {
        var before = await ReceivedAsync(receiver);
        string hash = (await DaemonNet.CallAsync(miner, "generate", 1))!.AsArray()[0]!.GetValue<string>();
        await TestNet.WaitUntilAsync(async () => (await DaemonNet.TipAsync(receiver)).Tip == hash, "the receiver has the new block", Patience);
        var after = await ReceivedAsync(receiver);
        var delta = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        int size = await miner.Host.InvokeAsync((_, _) => miner.Full.Chain.GetBlock(miner.Full.Chain.Tip.Hash)!.Serialize().Length);
        long delivered = delta.GetValueOrDefault("cmpctblock") + delta.GetValueOrDefault("blocktxn") + delta.GetValueOrDefault("block");
        return (delivered, size, delta);
    }

    [Fact(Timeout = 120_000)]
    public async Task BlockOfRelayedTransactions_RebuiltFromCmpctBlock()
    {
        await using var net = new DaemonNet();
        var (miner, receiver) = await PairAsync(net);
        for (int i = 0; i < 500; i++) await DaemonNet.CallAsync(miner, "sendrawtransaction", DaemonNet.TransactionHex(i));
        await TestNet.WaitUntilAsync(async () => await DaemonNet.MempoolCountAsync(receiver) == 500, "the receiver's mempool has them", Patience);

        var (delivered, size, delta) = await MineAndMeasureAsync(miner, receiver);
        output.WriteLine($"block {size} B delivered in {delivered} B: {string.Join(", ", delta.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(delta.GetValueOrDefault("cmpctblock") > 0);
        Assert.Equal(0, delta.GetValueOrDefault("block"));
        Assert.Equal(0, delta.GetValueOrDefault("blocktxn"));
        Assert.True(delivered * 5 < size, $"{delivered} B on the wire for a {size} B block");
        Assert.Equal(0, await DaemonNet.MempoolCountAsync(receiver));
    }

    [Fact(Timeout = 120_000)]
    public async Task TransactionsTheReceiverLacks_FetchedWithGetBlockTxn()
    {
        await using var net = new DaemonNet();
        var (miner, receiver) = await PairAsync(net);
        for (int i = 0; i < 100; i++) await DaemonNet.CallAsync(miner, "sendrawtransaction", DaemonNet.TransactionHex(i));
        await TestNet.WaitUntilAsync(async () => await DaemonNet.MempoolCountAsync(receiver) == 100, "the receiver's mempool has 100", Patience);
        // Ten more only in the miner's mempool, never announced.
        var unrelayed = Enumerable.Range(1_000, 10).Select(i => Nodus.Wire.Encoding.Wire.Decode<Transaction>(Convert.FromHexString(DaemonNet.TransactionHex(i)))).ToList();
        await miner.Host.InvokeAsync((_, now) => { foreach (var tx in unrelayed) Assert.True(miner.Full.Mempool.Accept(tx, now).IsAccepted); return 0; });

        var (delivered, size, delta) = await MineAndMeasureAsync(miner, receiver);
        output.WriteLine($"block {size} B delivered in {delivered} B: {string.Join(", ", delta.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(delta.GetValueOrDefault("cmpctblock") > 0);
        Assert.True(delta.GetValueOrDefault("blocktxn") > 0);
        Assert.Equal(0, delta.GetValueOrDefault("block"));
        Assert.True(delivered < size);
        Assert.Equal(1, await receiver.Host.InvokeAsync((_, _) => receiver.Full.Sync.CompactBlocksNeedingTransactions));
    }
}
