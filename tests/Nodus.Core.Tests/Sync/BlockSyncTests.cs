using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Core.Sync;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Sync;

public sealed class BlockSyncTests
{
    private static bool SameTip(params SyncNode[] nodes) => nodes.All(n => n.Chain.Tip.Hash == nodes[0].Chain.Tip.Hash);

    [Fact]
    public void NewNode_SyncsHeadersFirst_AcrossSeveralHeadersMessages()
    {
        var net = new SyncNetwork();
        var miner = net.AddNode();
        miner.Mine(4_500); // more than two full headers replies of 2,000
        var fresh = net.AddNode();
        int headersMessages = 0;
        net.Drop = (from, to, m) => { if (m is HeadersMessage && to == fresh) headersMessages++; return false; };
        net.Connect(fresh, miner);
        Assert.True(net.RunUntil(() => SameTip(miner, fresh), 60 * Time.Second));
        Assert.Equal(4_500, fresh.Chain.Height);
        Assert.True(headersMessages >= 3, $"expected ≥ 3 headers replies, got {headersMessages}");
    }

    [Fact]
    public void BlockDownload_UsesEveryPeer_InParallel()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        a.Mine(600);
        var b = net.AddNode();
        net.Connect(b, a);
        Assert.True(net.RunUntil(() => SameTip(a, b), 30 * Time.Second));

        var fresh = net.AddNode();
        net.Connect(fresh, a);
        net.Connect(fresh, b);
        Assert.True(net.RunUntil(() => SameTip(a, fresh), 30 * Time.Second));
        var served = fresh.Engine.Peers.Select(p => p.Traffic.ReceivedPerCommand.GetValueOrDefault("block")).ToList();
        Assert.All(served, bytes => Assert.True(bytes > 0, "every peer should have served blocks"));
    }

    [Fact]
    public void StallingPeer_RequestsMoveToOthers()
    {
        var net = new SyncNetwork();
        var good = net.AddNode();
        good.Mine(200);
        var staller = net.AddNode();
        net.Connect(staller, good);
        Assert.True(net.RunUntil(() => SameTip(good, staller), 30 * Time.Second));

        var fresh = net.AddNode(new SyncOptions { StallTimeout = 2 * Time.Second });
        net.Drop = (from, to, m) => from == staller && m is BlockMessage; // announces, never delivers
        net.Connect(fresh, staller);
        net.Connect(fresh, good);
        Assert.True(net.RunUntil(() => SameTip(good, fresh), 120 * Time.Second));
        Assert.Equal(200, fresh.Chain.Height);
    }

    [Fact]
    public void SeparateMiners_ConvergeOnMostWork_WhenJoined()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        var b = net.AddNode();
        a.Mine(5);
        b.Mine(8);
        var aTipBefore = a.Chain.Tip;
        net.Connect(a, b);
        Assert.True(net.RunUntil(() => SameTip(a, b), 30 * Time.Second));
        Assert.Equal(8, a.Chain.Height);
        Assert.False(a.Chain.Index.IsActive(aTipBefore));
        Assert.True(a.Chain.GetBlock(aTipBefore.Hash) is not null, "a reorganisation never deletes a stored block");
    }

    [Fact]
    public void NewBlock_IsAnnouncedAndRelayed_ToAllPeers()
    {
        var net = new SyncNetwork();
        var nodes = Enumerable.Range(0, 5).Select(_ => net.AddNode()).ToArray();
        for (int i = 1; i < nodes.Length; i++) net.Connect(nodes[i], nodes[i - 1]); // a line: relay must hop
        net.RunFor(Time.Second);
        nodes[0].Mine(1);
        Assert.True(net.RunUntil(() => SameTip(nodes), 10 * Time.Second));
        // Peers that sent sendheaders get the new block announced in a headers message (BIP 130).
        Assert.All(nodes.Skip(1), n => Assert.True(n.Engine.Peers.First().Traffic.ReceivedPerCommand.ContainsKey("headers")));
    }

    [Fact]
    public void GetHeaders_OnGenesisOnlyChain_IsAnswered()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        var b = net.AddNode();
        net.Connect(b, a);
        net.RunFor(Time.Second);
        Assert.True(a.Engine.Peers.Single().Traffic.SentPerCommand.ContainsKey("headers"));
        Assert.Equal(0, b.Chain.Height);
    }

    [Fact]
    public void InvalidHeader_DisconnectsTheSender()
    {
        var net = new SyncNetwork();
        var honest = net.AddNode();
        var victim = net.AddNode();
        net.Connect(victim, honest);
        net.RunFor(Time.Second);
        var peer = victim.Engine.Peers.Single();
        var bad = honest.Chain.Tip.Header;
        bad.PrevBlock = honest.Chain.Tip.Hash;
        bad.Bits = 0x1d00ffff; // claims far more work than its hash has
        victim.Engine.OnMessage(peer.Id, new HeadersMessage([bad]), 105, net.Now);
        net.Pump(victim);
        Assert.Contains(victim.Closed, r => r.Code == DisconnectCode.ProtocolViolation);
    }

    [Fact]
    public void GetBlocks_IsAnsweredWithInvOfUpTo500()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        a.Mine(600);
        var b = net.AddNode();
        net.Connect(b, a);
        net.RunFor(Time.Second);
        var peerOfA = a.Engine.Peers.Single();
        var sent = new List<InvMessage>();
        net.Drop = (from, to, m) => { if (from == a && m is InvMessage inv) sent.Add(inv); return false; };
        a.Engine.OnMessage(peerOfA.Id, new GetBlocksMessage(70016, new BlockLocator([a.Chain.Index.Genesis.Hash]), default), 100, net.Now);
        net.Pump(a);
        Assert.Equal(500, Assert.Single(sent).Inventory.Count);
    }
}

public sealed class ChainAndMempoolTests
{
    private static Transaction SpendOf(byte seed) => new()
    {
        Inputs = [new TxIn { PrevOut = new OutPoint(Nodus.Wire.Encoding.Sha256d.Hash([seed]), 0), ScriptSig = [0x51], Sequence = uint.MaxValue, Witness = [] }],
        Outputs = [new TxOut { Value = 1_000, ScriptPubKey = [0x51] }],
    };

    [Fact]
    public void MinedBlock_TakesMempoolTransactions_AndClearsEveryMempool()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        var b = net.AddNode();
        net.Connect(b, a);
        net.RunFor(Time.Second);
        var tx = SpendOf(1);
        Assert.True(a.Full.Relay.SubmitTransaction(tx, net.Now).IsAccepted);
        net.Pump(a);
        Assert.True(net.RunUntil(() => b.Full.Mempool.Contains(tx.GetHash()), 60 * Time.Second));

        a.Mine(1);
        Assert.True(net.RunUntil(() => b.Chain.Height == 1, 10 * Time.Second));
        Assert.Contains(a.Chain.GetBlock(a.Chain.Tip.Hash)!.Transactions, t => t.GetHash() == tx.GetHash());
        Assert.False(a.Full.Mempool.Contains(tx.GetHash()));
        Assert.False(b.Full.Mempool.Contains(tx.GetHash()));
    }

    [Fact]
    public void Reorganisation_ReturnsLosingBranchTransactions_ToMempool()
    {
        var net = new SyncNetwork();
        var a = net.AddNode();
        var b = net.AddNode();
        var tx = SpendOf(2);
        Assert.True(a.Full.Relay.SubmitTransaction(tx, net.Now).IsAccepted);
        a.Mine(1); // tx confirmed on a's branch only
        b.Mine(3); // b's branch has more work
        net.Connect(a, b);
        Assert.True(net.RunUntil(() => a.Chain.Tip.Hash == b.Chain.Tip.Hash, 30 * Time.Second));
        Assert.True(a.Full.Mempool.Contains(tx.GetHash()), "the losing branch's transaction returns to the mempool");
    }
}
