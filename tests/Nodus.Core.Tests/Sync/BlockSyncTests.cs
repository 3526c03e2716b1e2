using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Peers;
using Nodus.Core.Sync;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Sync;

public sealed class BlockSyncTests
{
    private static ChainKit NewKit() => new(new TestNetwork(latency: 5 * Time.Millisecond));

    [Fact]
    public void NewNode_SyncsHeadersFirst_AcrossSeveralHeadersMessages()
    {
        var kit = NewKit();
        int miner = kit.AddFullNode();
        kit.Mine(miner, 4_500); // more than two full headers replies of 2,000
        int fresh = kit.AddFullNode();
        int headersMessages = 0;
        kit.Network.MessageSent += (_, to, m, _) => { if (m is HeadersMessage && to == fresh) headersMessages++; };
        kit.Network.Connect(fresh, miner);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(miner, fresh), 60 * Time.Second));
        Assert.Equal(4_500, kit.Full[fresh].Chain.Height);
        Assert.True(headersMessages >= 3, $"expected ≥ 3 headers replies, got {headersMessages}");
    }

    [Fact]
    public void BlockDownload_UsesEveryPeer_InParallel()
    {
        var kit = NewKit();
        int a = kit.AddFullNode();
        kit.Mine(a, 600);
        int b = kit.AddFullNode();
        kit.Network.Connect(b, a);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 30 * Time.Second));

        int fresh = kit.AddFullNode();
        kit.Network.Connect(fresh, a);
        kit.Network.Connect(fresh, b);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, fresh), 30 * Time.Second));
        var served = kit.Full[fresh].Engine.Peers.Select(p => p.Traffic.ReceivedPerCommand.GetValueOrDefault("block")).ToList();
        Assert.All(served, bytes => Assert.True(bytes > 0, "every peer should have served blocks"));
    }

    [Fact]
    public void InitialSync_LongHeaderChainFromOnePeer_BlocksFromAll()
    {
        var kit = NewKit();
        int miner = kit.AddFullNode();
        kit.Mine(miner, 4_500);
        var peers = new List<int> { miner };
        for (int i = 0; i < 2; i++)
        {
            int p = kit.AddFullNode();
            kit.Network.Connect(p, miner);
            peers.Add(p);
        }
        Assert.True(kit.Network.RunUntil(() => kit.SameTip([.. peers]), 60 * Time.Second));

        int fresh = kit.AddFullNode();
        var headersFrom = new Dictionary<int, int>();
        kit.Network.MessageSent += (from, to, m, _) =>
        {
            if (to == fresh && m is HeadersMessage h) headersFrom[from] = headersFrom.GetValueOrDefault(from) + h.Headers.Count;
        };
        foreach (int p in peers) kit.Network.Connect(fresh, p);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(miner, fresh), 60 * Time.Second));
        Assert.Equal(1, headersFrom.Values.Count(n => n >= 4_500)); // one headers-sync peer
        Assert.All(kit.Full[fresh].Engine.Peers, p => Assert.True(p.Traffic.ReceivedPerCommand.GetValueOrDefault("block") > 0));
    }

    [Fact]
    public void SilentHeadersSyncPeer_HandsTheRoleOn_AfterTheTimeout()
    {
        var kit = NewKit();
        int good = kit.AddFullNode();
        kit.Mine(good, 300);
        int silent = kit.AddFullNode();
        kit.Network.Connect(silent, good);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, silent), 30 * Time.Second));

        int fresh = kit.AddFullNode(new SyncOptions { HeadersTimeout = 5 * Time.Second });
        kit.Network.Filter = (from, to, m) => !(from == silent && to == fresh && m is HeadersMessage);
        kit.Network.Connect(fresh, silent); // becomes the headers-sync peer, then never answers
        kit.Network.Connect(fresh, good);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, fresh), 60 * Time.Second));
    }

    [Fact]
    public void StallingPeer_RequestsMoveToOthers()
    {
        var kit = NewKit();
        int good = kit.AddFullNode();
        kit.Mine(good, 200);
        int staller = kit.AddFullNode();
        kit.Network.Connect(staller, good);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, staller), 30 * Time.Second));

        int fresh = kit.AddFullNode(new SyncOptions { StallTimeout = 2 * Time.Second });
        kit.Network.Filter = (from, _, m) => !(from == staller && m is BlockMessage); // announces, never delivers
        kit.Network.Connect(fresh, staller);
        kit.Network.Connect(fresh, good);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, fresh), 120 * Time.Second));
        Assert.Equal(200, kit.Full[fresh].Chain.Height);
    }

    [Fact]
    public void MutatedBlock_DisconnectsTheSender_AndTheBlockComesFromAnotherPeer()
    {
        var kit = NewKit();
        int good = kit.AddFullNode();
        kit.Mine(good, 1);
        int mutator = kit.AddFullNode();
        kit.Network.Connect(mutator, good);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, mutator), 30 * Time.Second));

        // The mutator serves the block with an altered coinbase under the real header: the merkle root no longer
        // matches (Core's BLOCK_MUTATED), which is punished but does not make the header invalid.
        int fresh = kit.AddFullNode();
        BlockMessage? held = null;
        kit.Network.Filter = (from, to, m) =>
        {
            if (from != mutator || to != fresh || m is not BlockMessage bm || held is not null) return true;
            held = bm;
            return false;
        };
        kit.Network.Connect(fresh, mutator);
        kit.Network.RunFor(Time.Second); // fresh has the header and asked the mutator for the body
        kit.Network.Connect(fresh, good);
        kit.Network.RunFor(Time.Second); // fresh learns that good has the block too; the request stays with the mutator
        Assert.NotNull(held);
        Assert.NotEqual(kit.Full[good].Chain.Tip.Hash, kit.Full[fresh].Chain.Tip.Hash);

        var coinbase = held.Block.Transactions[0];
        var altered = new Transaction { Version = coinbase.Version, Inputs = [.. coinbase.Inputs], Outputs = [.. coinbase.Outputs], LockTime = coinbase.LockTime ^ 1 };
        kit.Network.SendFrom(mutator, fresh, new BlockMessage(new Block { Header = held.Block.Header, Transactions = [altered, .. held.Block.Transactions.Skip(1)] }));
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(good, fresh), 10 * Time.Second));
        Assert.Contains(kit.Network.Closed, c => c.Node == fresh && c.Reason.Code == DisconnectCode.ProtocolViolation);
    }

    [Fact]
    public void SeparateMiners_ConvergeOnMostWork_WhenJoined()
    {
        var kit = NewKit();
        int a = kit.AddFullNode();
        int b = kit.AddFullNode();
        kit.Mine(a, 5);
        kit.Mine(b, 8);
        var aTipBefore = kit.Full[a].Chain.Tip;
        kit.Network.Connect(a, b);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 30 * Time.Second));
        Assert.Equal(8, kit.Full[a].Chain.Height);
        Assert.False(kit.Full[a].Chain.Index.IsActive(aTipBefore));
        Assert.True(kit.Full[a].Chain.GetBlock(aTipBefore.Hash) is not null, "a reorganisation never deletes a stored block");
    }

    [Fact]
    public void NewBlock_IsAnnouncedAndRelayed_ToAllPeers()
    {
        var kit = NewKit();
        var nodes = Enumerable.Range(0, 5).Select(_ => kit.AddFullNode()).ToArray();
        for (int i = 1; i < nodes.Length; i++) kit.Network.Connect(nodes[i], nodes[i - 1]); // a line: relay must hop
        kit.Network.RunFor(Time.Second);
        kit.Mine(nodes[0], 1);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(nodes), 10 * Time.Second));
        // Peers that sent sendheaders get the new block announced in a headers message (BIP 130).
        Assert.All(nodes.Skip(1), n => Assert.True(kit.Full[n].Engine.Peers.First().Traffic.ReceivedPerCommand.ContainsKey("headers")));
    }

    [Fact]
    public void GetHeaders_OnGenesisOnlyChain_IsAnswered()
    {
        var kit = NewKit();
        int a = kit.AddFullNode();
        int b = kit.AddFullNode();
        kit.Network.Connect(b, a);
        kit.Network.RunFor(Time.Second);
        Assert.True(kit.Full[a].Engine.Peers.Single().Traffic.SentPerCommand.ContainsKey("headers"));
        Assert.Equal(0, kit.Full[b].Chain.Height);
    }

    [Fact]
    public void InvalidHeader_DisconnectsTheSender()
    {
        var (kit, _, victim) = SendHeaderOnTip((bad, _) =>
        {
            bad.Bits = 0x1d00ffff; // claims far more work than its hash has
            return bad;
        });
        Assert.Contains(kit.Network.Closed, c => c.Node == victim && c.Reason.Code == DisconnectCode.ProtocolViolation);
    }

    /// <summary>Two connected nodes; the first sends the second a headers message of one header on its tip, which
    /// <paramref name="make"/> makes from the tip's header (with PrevBlock set) and the time now.</summary>
    private static (ChainKit Kit, BlockHeader Sent, int Victim) SendHeaderOnTip(Func<BlockHeader, long, BlockHeader> make)
    {
        var kit = NewKit();
        int sender = kit.AddFullNode();
        int victim = kit.AddFullNode();
        kit.Network.Connect(victim, sender);
        kit.Network.RunFor(Time.Second);
        var tip = kit.Full[sender].Chain.Tip;
        var header = tip.Header;
        header.PrevBlock = tip.Hash;
        header = make(header, kit.Network.Now);
        kit.Network.SendFrom(sender, victim, new HeadersMessage([header]));
        kit.Network.RunFor(Time.Second);
        return (kit, header, victim);
    }

    [Fact]
    public void HeaderFromTheFuture_IsRefused_ButTheSenderIsKept()
    {
        // Bitcoin Core does not punish BLOCK_TIME_FUTURE (a clock may be off): the header is refused, the peer stays.
        var (kit, future, victim) = SendHeaderOnTip((header, now) =>
        {
            header.Time = (uint)(Time.ToUnixSeconds(now) + 3 * 3600); // the limit is 2 hours
            Assert.Equal(MiningStatus.Found, Miner.Grind(ref header, 1_000_000, out _));
            return header;
        });
        Assert.DoesNotContain(kit.Network.Closed, c => c.Node == victim);
        Assert.Null(kit.Full[victim].Chain.Get(future.GetHash()));
        Assert.Single(kit.Full[victim].Engine.Peers, p => p.IsEstablished);
    }

    [Fact]
    public void GetBlocks_IsAnsweredWithInvOfUpTo500()
    {
        var kit = NewKit();
        int a = kit.AddFullNode();
        kit.Mine(a, 600);
        int b = kit.AddFullNode();
        kit.Network.Connect(b, a);
        kit.Network.RunFor(Time.Second);
        var sent = new List<InvMessage>();
        kit.Network.MessageSent += (from, _, m, _) => { if (from == a && m is InvMessage inv) sent.Add(inv); };
        kit.Network.SendFrom(b, a, new GetBlocksMessage(70016, new BlockLocator([kit.Full[a].Chain.Index.Genesis.Hash]), default));
        kit.Network.RunFor(Time.Second);
        Assert.Equal(500, Assert.Single(sent).Inventory.Count);
    }
}

public sealed class ChainAndMempoolTests
{
    private static Transaction SpendOf(byte seed) => new()
    {
        Inputs = [new TxIn { PrevOut = new OutPoint(Sha256d.Hash([seed]), 0), ScriptSig = [0x51], Sequence = uint.MaxValue, Witness = [] }],
        Outputs = [new TxOut { Value = 1_000, ScriptPubKey = [0x51] }],
    };

    [Fact]
    public void MinedBlock_TakesMempoolTransactions_AndClearsEveryMempool()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int a = kit.AddFullNode();
        int b = kit.AddFullNode();
        kit.Network.Connect(b, a);
        kit.Network.RunFor(Time.Second);
        var tx = SpendOf(1);
        Assert.True(kit.Full[a].Relay.SubmitTransaction(tx, kit.Network.Now).IsAccepted);
        Assert.True(kit.Network.RunUntil(() => kit.Full[b].Mempool.Contains(tx.GetHash()), 60 * Time.Second));

        kit.Mine(a, 1);
        Assert.True(kit.Network.RunUntil(() => kit.Full[b].Chain.Height == 1, 10 * Time.Second));
        Assert.Contains(kit.Full[a].Chain.GetBlock(kit.Full[a].Chain.Tip.Hash)!.Transactions, t => t.GetHash() == tx.GetHash());
        Assert.False(kit.Full[a].Mempool.Contains(tx.GetHash()));
        Assert.False(kit.Full[b].Mempool.Contains(tx.GetHash()));
    }

    [Fact]
    public void Reorganisation_ReturnsLosingBranchTransactions_ToMempool()
    {
        var kit = new ChainKit(new TestNetwork(latency: 5 * Time.Millisecond));
        int a = kit.AddFullNode();
        int b = kit.AddFullNode();
        var tx = SpendOf(2);
        Assert.True(kit.Full[a].Relay.SubmitTransaction(tx, kit.Network.Now).IsAccepted);
        kit.Mine(a, 1); // tx confirmed on a's branch only
        kit.Mine(b, 3); // b's branch has more work
        kit.Network.Connect(a, b);
        Assert.True(kit.Network.RunUntil(() => kit.SameTip(a, b), 30 * Time.Second));
        Assert.True(kit.Full[a].Mempool.Contains(tx.GetHash()), "the losing branch's transaction returns to the mempool");
    }
}
