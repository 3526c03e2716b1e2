using Nodus.Core.Sync;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Sync;

/// <summary>BIP 152 between full nodes on the test network, and the reconstruction rules of <see cref="PartialBlock"/>.</summary>
public sealed class CompactBlockRelayTests
{
    private static (ChainKit Kit, int A, int B) TwoNodes(SyncOptions? sync = null, List<(int From, IMessage Message)>? log = null)
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int a = kit.AddFullNode(sync);
        int b = kit.AddFullNode(sync);
        if (log is not null) kit.Network.MessageSent += (from, _, m, _) => log.Add((from, m));
        kit.Network.Connect(b, a);
        kit.Mine(a, 2); // a recent tip: out of initial block download
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        kit.Network.RunFor(Time.Second); // the last sendcmpct arrives
        return (kit, a, b);
    }

    private static List<Transaction> Transactions(int count, int seed) =>
        [.. Enumerable.Range(0, count).Select(_ => RelayKit.NewTx(new Random(seed++), inputs: 2, scriptBytes: 120))];

    private static Dictionary<string, long> Received(ChainKit kit, int node) =>
        kit.Full[node].Engine.Peers.SelectMany(p => p.Traffic.ReceivedPerCommand).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

    [Fact]
    public void BlockOfKnownTransactions_RebuiltFromMempool_WithoutFullBlockOrGetBlockTxn()
    {
        var (kit, a, b) = TwoNodes();
        foreach (var tx in Transactions(60, 100)) Assert.True(kit.Full[a].Relay.SubmitTransaction(tx, kit.Network.Now).IsAccepted);
        kit.Network.RunFor(30 * Time.Second); // relayed into b's mempool
        Assert.Equal(60, kit.Full[b].Mempool.Count);
        var before = Received(kit, b);

        kit.Mine(a, 1);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));

        var after = Received(kit, b);
        long Delta(string c) => after.GetValueOrDefault(c) - before.GetValueOrDefault(c);
        int blockSize = kit.Full[a].Chain.GetBlock(kit.Full[a].Chain.Tip.Hash)!.Serialize().Length;
        Assert.Equal(0, Delta("block"));
        Assert.Equal(0, Delta("blocktxn"));
        Assert.True(Delta("cmpctblock") > 0);
        Assert.True(Delta("cmpctblock") * 10 < blockSize, $"cmpctblock {Delta("cmpctblock")} B for a {blockSize} B block");
        Assert.Equal(0, kit.Full[b].Mempool.Count);
        Assert.Equal(1, kit.Full[b].Sync.CompactBlocksRebuilt);
    }

    [Fact]
    public void MissingTransactions_FetchedWithGetBlockTxn()
    {
        var (kit, a, b) = TwoNodes();
        var txs = Transactions(20, 200);
        foreach (var tx in txs.Take(15)) kit.Full[a].Relay.SubmitTransaction(tx, kit.Network.Now);
        kit.Network.RunFor(30 * Time.Second);
        foreach (var tx in txs.Skip(15)) Assert.True(kit.Full[a].Mempool.Accept(tx, kit.Network.Now).IsAccepted); // never relayed
        long blocksBefore = Received(kit, b).GetValueOrDefault("block");
        GetBlockTxnMessage? asked = null;
        kit.Network.MessageSent += (from, _, m, _) => { if (from == b && m is GetBlockTxnMessage g) asked = g; };

        kit.Mine(a, 1);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));

        var block = kit.Full[a].Chain.GetBlock(kit.Full[a].Chain.Tip.Hash)!;
        Assert.NotNull(asked);
        var wanted = asked!.Request.Indexes.Select(i => block.Transactions[i].GetHash()).ToHashSet();
        Assert.Equal(txs.Skip(15).Select(t => t.GetHash()).ToHashSet(), wanted);
        Assert.Equal(blocksBefore, Received(kit, b).GetValueOrDefault("block"));
        Assert.Equal(1, kit.Full[b].Sync.CompactBlocksNeedingTransactions);
    }

    [Fact]
    public void TransactionRefusedEarlier_RebuildsTheBlockFromTheExtraPool_WithoutGetBlockTxn()
    {
        var log = new List<(int From, IMessage Message)>();
        var (kit, a, b) = TwoNodes(log: log);
        var random = new Random(400);
        var mine = RelayKit.NewTx(random, inputs: 2, scriptBytes: 120);
        var theirs = RelayKit.Conflicting(mine, random); // spends the same outpoint
        Assert.True(kit.Full[b].Mempool.Accept(mine, kit.Network.Now).IsAccepted);
        Assert.True(kit.Full[a].Relay.SubmitTransaction(theirs, kit.Network.Now).IsAccepted);
        kit.Network.RunFor(30 * Time.Second); // b refuses it: a double spend of its own
        Assert.False(kit.Full[b].Mempool.Contains(theirs.GetHash()));
        Assert.Equal(1, kit.Full[b].Relay.CompactExtra.Count);

        kit.Mine(a, 1); // a block with `theirs`
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        Assert.Contains(kit.Full[b].Chain.GetBlock(kit.Full[b].Chain.Tip.Hash)!.Transactions, t => t.GetHash() == theirs.GetHash());
        Assert.DoesNotContain(log, m => m.From == b && m.Message is GetBlockTxnMessage or GetDataMessage { Inventory: [{ Type: InvType.WitnessBlock }] });
        Assert.Equal(1, kit.Full[b].Sync.CompactBlocksRebuilt);
    }

    [Fact]
    public void ExtraPool_KeepsTheNewest100_OnceEach_NoneTooLarge()
    {
        var pool = new CompactExtraPool();
        var txs = Transactions(130, 500);
        foreach (var tx in txs) pool.Add(tx);
        pool.Add(txs[^1]); // a repeat takes no second slot
        pool.Add(RelayKit.NewTx(new Random(9), scriptBytes: CompactExtraPool.MaxTransactionSize)); // too large
        Assert.Equal(CompactExtraPool.DefaultCapacity, pool.Count);
        Assert.Equal(txs.Skip(30).Reverse().Select(t => t.GetWitnessHash()), pool.Run!.WitnessIds);
        Assert.Null(new CompactExtraPool().Run);
    }

    [Fact]
    public void SlowFirstPeer_AnOutboundPeerRebuildsInParallel_AnInboundOneDoesNot_AndTheSlowOneIsNotBlamed()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int x = kit.AddFullNode(), first = kit.AddFullNode(), outbound = kit.AddFullNode(), inbound = kit.AddFullNode();
        kit.Network.Connect(x, first); // x syncs headers from outbound peers only while it is in initial download
        kit.Network.Connect(x, outbound);
        kit.Network.Connect(inbound, x);
        kit.Mine(first, 2);
        bool synced = kit.Network.RunUntil(() => kit.SameTip(x, first, outbound, inbound), 30 * Time.Second);
        Assert.True(synced, string.Join(" ", new[] { x, first, outbound, inbound }.Select(n => kit.Full[n].Chain.Height)));
        kit.Network.RunFor(Time.Second);

        // A block of transactions only `first` has; `first` never answers getblocktxn (it stalls).
        foreach (var tx in Transactions(10, 300)) Assert.True(kit.Full[first].Mempool.Accept(tx, kit.Network.Now).IsAccepted);
        kit.Network.Filter = (from, to, m) => !(from == first && m is BlockTxnMessage);
        var askedFrom = new List<int>();
        kit.Network.MessageSent += (from, to, m, _) => { if (from == x && m is GetBlockTxnMessage) askedFrom.Add(to); };
        kit.Mine(first, 1);
        kit.Network.RunFor(Time.Second);
        Assert.Equal([first], askedFrom);
        var block = kit.Full[first].Chain.GetBlock(kit.Full[first].Chain.Tip.Hash)!;

        // The same compact block from an outbound and an inbound peer: only the outbound one is asked as well.
        kit.Network.SendFrom(outbound, x, new CmpctBlockMessage(CompactBlock.FromBlock(block, 7)));
        kit.Network.SendFrom(inbound, x, new CmpctBlockMessage(CompactBlock.FromBlock(block, 8)));
        kit.Network.RunFor(Time.Second);
        Assert.Equal([first, outbound], askedFrom);

        // The outbound peer answers first: the block is in, and nobody waits for `first` any more.
        kit.Network.SendFrom(outbound, x, new BlockTxnMessage(new BlockTransactions { BlockHash = block.GetHash(), Transactions = [.. block.Transactions.Skip(1)] }));
        kit.Network.RunFor(Time.Second);
        Assert.Equal(block.GetHash(), kit.Full[x].Chain.Tip.Hash);
        kit.Network.RunFor(10 * new SyncOptions().StallTimeout);
        Assert.DoesNotContain(kit.Network.Closed, c => c.Node == x);
        Assert.DoesNotContain(kit.Network.Logs, l => l.Node == x && l.Line.Message.Contains("stalled", StringComparison.Ordinal));
    }

    [Fact]
    public void PeerThatDeliversFirst_AskedForHighBandwidth_ThenPushesWithoutGetData()
    {
        var sent = new List<(int From, IMessage Message)>();
        var (kit, a, b) = TwoNodes(log: sent);
        // Setup mined two blocks: the one that ended b's initial sync made a a high-bandwidth peer.
        Assert.Contains(sent, s => s.From == b && s.Message is SendCmpctMessage { HighBandwidth: true });

        sent.Clear();
        kit.Mine(a, 1);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        Assert.Contains(sent, s => s.From == a && s.Message is CmpctBlockMessage);
        Assert.DoesNotContain(sent, s => s.From == b && s.Message is GetDataMessage or GetHeadersMessage);
    }

    [Fact]
    public void LowBandwidthMode_HeadersAnnouncement_ThenGetDataCompactBlock()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int a = kit.AddFullNode();
        int b = kit.AddFullNode();
        // No peer ever reaches high-bandwidth mode: blocks are announced and b asks for them compact.
        kit.Network.Filter = (_, _, m) => m is not SendCmpctMessage { HighBandwidth: true };
        var sent = new List<(int From, IMessage Message)>();
        kit.Network.MessageSent += (from, _, m, _) => sent.Add((from, m));
        kit.Network.Connect(b, a);
        kit.Mine(a, 2);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        foreach (var tx in Transactions(10, 700)) kit.Full[a].Relay.SubmitTransaction(tx, kit.Network.Now);
        kit.Network.RunFor(30 * Time.Second);
        sent.Clear();

        kit.Mine(a, 1);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        var tip = kit.Full[a].Chain.Tip.Hash;
        Assert.Contains(sent, s => s.From == a && s.Message is HeadersMessage);
        Assert.Contains(sent, s => s.From == b && s.Message is GetDataMessage g && g.Inventory.Contains(new InvVector(InvType.CompactBlock, tip)));
        Assert.Contains(sent, s => s.From == a && s.Message is CmpctBlockMessage c && c.Block.GetHash() == tip);
        Assert.DoesNotContain(sent, s => s.Message is BlockMessage);
    }

    [Fact]
    public void CompactBlocksOff_FullBlocksOnly()
    {
        var (kit, a, b) = TwoNodes(new SyncOptions { CompactBlocks = false });
        kit.Mine(a, 3);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 10 * Time.Second));
        var received = Received(kit, b);
        Assert.False(received.ContainsKey("cmpctblock"));
        Assert.False(received.ContainsKey("sendcmpct"));
        Assert.True(received.GetValueOrDefault("block") > 0);
    }

    [Fact]
    public void MixedPeers_OneWithCompactBlocksOff_StillGetsWholeBlocks()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int on = kit.AddFullNode();
        int off = kit.AddFullNode(new SyncOptions { CompactBlocks = false });
        int on2 = kit.AddFullNode();
        kit.Network.Connect(off, on);
        kit.Network.Connect(on2, off);
        kit.Mine(on, 3);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(on, off, on2), 10 * Time.Second));
        foreach (var tx in Transactions(20, 600)) kit.Full[on].Relay.SubmitTransaction(tx, kit.Network.Now);
        kit.Network.RunFor(30 * Time.Second);
        kit.Mine(on, 2);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(on, off, on2), 10 * Time.Second));
        var received = Received(kit, off);
        Assert.False(received.ContainsKey("cmpctblock"));
        Assert.True(received.GetValueOrDefault("block") > 0);
        Assert.False(Received(kit, on2).ContainsKey("cmpctblock")); // its only peer does not speak BIP 152
    }

    [Fact]
    public void InitialSync_OfOldBlocks_StaysWithFullBlocks()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int a = kit.AddFullNode();
        kit.Mine(a, 50);
        int fresh = kit.AddFullNode();
        kit.Network.Connect(fresh, a);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, fresh), 30 * Time.Second));
        var received = Received(kit, fresh);
        Assert.True(received.GetValueOrDefault("cmpctblock") <= 1_000, "at most the last block or so may come compact");
        Assert.True(received.GetValueOrDefault("block") > 0);
    }

    [Fact]
    public void GetBlockTxn_IndexOutOfBounds_Misbehaves()
    {
        var (kit, a, b) = TwoNodes();
        var tip = kit.Full[a].Chain.Tip.Hash;
        kit.Network.SendFrom(b, a, new GetBlockTxnMessage(new BlockTransactionsRequest { BlockHash = tip, Indexes = [0, 5] }));
        kit.Network.RunFor(Time.Second);
        Assert.Contains(kit.Network.Closed, c => c.Reason.Detail.Contains("out-of-bounds"));
    }

    // ---- PartialBlock ----

    private static Block BlockOf(List<Transaction> txs)
    {
        var block = new Block { Header = new BlockHeader { Version = 4, Time = 1, Bits = 0x207fffff }, Transactions = txs };
        block.Header.MerkleRoot = block.ComputeMerkleRoot();
        return block;
    }

    [Fact]
    public void Partial_AllInMempool_FillsTheSameBlock()
    {
        var txs = Transactions(6, 300);
        var block = BlockOf(txs);
        var compact = CompactBlock.FromBlock(block, 42);
        var (status, partial) = PartialBlock.Start(compact, txs.Skip(1).Reverse());
        Assert.Equal(ReconstructionStatus.Ok, status);
        Assert.True(partial!.IsComplete);
        var (filled, rebuilt) = partial.Fill([]);
        Assert.Equal(ReconstructionStatus.Ok, filled);
        Assert.Equal(block.GetTransactionIds(), rebuilt!.GetTransactionIds());
    }

    [Fact]
    public void Partial_CandidateRunsAcrossHashBatches_MatchEveryTransactionOnce()
    {
        // 700 transactions: the short ids are hashed in batches of 256 and the table probes past its home slots.
        var txs = Transactions(700, 600);
        var block = BlockOf(txs);
        var compact = CompactBlock.FromBlock(block, 11);
        List<Transaction> first = [.. txs.Skip(300), .. txs.Skip(1).Take(50)], second = [.. txs.Skip(1).Take(299).Reverse()];
        var (status, partial) = PartialBlock.Start(compact, [CandidateRun.Of(first), CandidateRun.Of(second)]);
        Assert.Equal(ReconstructionStatus.Ok, status);
        Assert.True(partial!.IsComplete);
        Assert.Equal(699, partial.FromMempool);
        Assert.Equal(block.GetTransactionIds(), partial.Fill([]).Block!.GetTransactionIds());

        var (_, missingOne) = PartialBlock.Start(compact, [CandidateRun.Of([.. txs.Skip(1).Where((_, i) => i != 649)])]);
        Assert.Equal([650], missingOne!.MissingIndexes());
        Assert.Equal(ReconstructionStatus.Ok, missingOne.Fill([txs[650]]).Status);
    }

    [Fact]
    public void Partial_SendersOwnTransactionsInPlace_AfterAnEarlierMatch_MatchEveryTransactionOnce()
    {
        // The second run is the sender's own wtxids in place: copied a batch at a time, except the batch holding a
        // position the first run already matched, which goes through the per-transaction loop.
        var txs = Transactions(700, 700);
        var block = BlockOf(txs);
        var compact = CompactBlock.FromBlock(block, 13);
        var (status, partial) = PartialBlock.Start(compact, [CandidateRun.Of([txs[3], txs[600]]), CandidateRun.Of([.. txs.Skip(1)])]);
        Assert.Equal(ReconstructionStatus.Ok, status);
        Assert.True(partial!.IsComplete);
        Assert.Equal(699, partial.FromMempool);
        Assert.Equal(block.GetTransactionIds(), partial.Fill([]).Block!.GetTransactionIds());
    }

    [Fact]
    public void Partial_WrongTransactionUnderAShortId_FailsToFullBlock()
    {
        var txs = Transactions(4, 400);
        var compact = CompactBlock.FromBlock(BlockOf(txs), 7);
        var impostor = Transactions(1, 999)[0];
        compact.ShortIds[0] = compact.Key.ShortId(impostor.GetWitnessHash()); // as if it collided with txs[1]
        var (_, partial) = PartialBlock.Start(compact, [impostor, txs[2], txs[3]]);
        Assert.True(partial!.IsComplete);
        Assert.Equal(ReconstructionStatus.Failed, partial.Fill([]).Status);
    }

    [Fact]
    public void Partial_DuplicateShortIds_Failed_AndBadCounts_Invalid()
    {
        var txs = Transactions(4, 500);
        var compact = CompactBlock.FromBlock(BlockOf(txs), 9);
        compact.ShortIds[1] = compact.ShortIds[0];
        Assert.Equal(ReconstructionStatus.Failed, PartialBlock.Start(compact, Array.Empty<Transaction>()).Status);

        var good = CompactBlock.FromBlock(BlockOf(txs), 9);
        var (_, partial) = PartialBlock.Start(good, Array.Empty<Transaction>());
        Assert.Equal([1, 2, 3], partial!.MissingIndexes());
        Assert.Equal(ReconstructionStatus.Invalid, partial.Fill([txs[1], txs[2]]).Status);
        Assert.Equal(ReconstructionStatus.Ok, partial.Fill([txs[1], txs[2], txs[3]]).Status);

        var beyond = CompactBlock.FromBlock(BlockOf(txs), 9);
        beyond.Prefilled[0] = new PrefilledTransaction(4, txs[0]);
        Assert.Equal(ReconstructionStatus.Invalid, PartialBlock.Start(beyond, Array.Empty<Transaction>()).Status);
    }

    [Fact]
    public void Partial_ShortIdsSharingTheirLowBits_DuplicateFoundOnlyWhenTheWholeIdRepeats()
    {
        // Ids alike in their low 20 bits all land on one home slot of the table: long probe sequences, and ids that
        // differ only above the 48 bits a candidate's id can have.
        var txs = Transactions(3, 700);
        var compact = CompactBlock.FromBlock(BlockOf(txs), 5);
        compact.ShortIds = [.. Enumerable.Range(1, 600).Select(i => (ulong)i << 20), 1UL << 50, (1UL << 50) | (1UL << 20)];
        compact.Prefilled = [new PrefilledTransaction(0, txs[0])];
        var (status, partial) = PartialBlock.Start(compact, [CandidateRun.Of(txs)]);
        Assert.Equal(ReconstructionStatus.Ok, status);
        Assert.Equal(602, partial!.MissingIndexes().Count);

        compact.ShortIds[601] = compact.ShortIds[599];
        Assert.Equal(ReconstructionStatus.Failed, PartialBlock.Start(compact, [CandidateRun.Of(txs)]).Status);
    }

    [Fact]
    public void Partial_SameCompactBlockReadAgain_SameResult_FromTheRememberedCollisionCheck()
    {
        var txs = Transactions(300, 800);
        var compact = CompactBlock.FromBlock(BlockOf(txs), 3);
        Assert.Null(compact.KnownRepeats);
        List<Transaction> shuffled = [.. txs.Skip(1).Reverse()];
        var (first, a) = PartialBlock.Start(compact, [CandidateRun.Of(shuffled)]);
        Assert.False(compact.KnownRepeats); // found out by the first reader
        // The second reader skips the check; its candidates out of block order need the table, built then.
        var (second, b) = PartialBlock.Start(compact, [CandidateRun.Of(shuffled)]);
        Assert.Equal((ReconstructionStatus.Ok, ReconstructionStatus.Ok), (first, second));
        Assert.Equal(a!.Fill([]).Block!.GetTransactionIds(), b!.Fill([]).Block!.GetTransactionIds());

        compact.RememberRepeats(true); // as if two of FromBlock's ids had collided
        Assert.Equal(ReconstructionStatus.Failed, PartialBlock.Start(compact, [CandidateRun.Of(shuffled)]).Status);
        compact.ShortIds[0] ^= 1; // a list that may change: nothing is taken as known
        Assert.Null(compact.KnownRepeats);
        Assert.Equal(ReconstructionStatus.Ok, PartialBlock.Start(compact, [CandidateRun.Of(shuffled)]).Status);
    }
}
