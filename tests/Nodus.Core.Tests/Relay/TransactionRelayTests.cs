using Nodus.Core.Mempool;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Relay;

public sealed class TransactionRelayTests
{
    private static RelayOptions Options(RelayPolicyKind kind) => new() { Policy = kind };

    private static bool AllHave(List<TransactionRelay> relays, Hash256 txid) => relays.All(r => r.Mempool.Contains(txid));

    [Theory]
    [InlineData(RelayPolicyKind.Flood)]
    [InlineData(RelayPolicyKind.Diffusion)]
    [InlineData(RelayPolicyKind.Dandelion)]
    public void SubmitTransaction_TenNodes_ReachesEveryMempool(RelayPolicyKind kind)
    {
        var (network, relays) = RelayKit.Network(Options(kind), count: 10, seed: 21);
        var arrivals = relays.Select(_ => new List<TransactionArrival>()).ToList();
        for (int i = 0; i < relays.Count; i++)
        {
            int n = i;
            relays[i].TransactionReceived += a => arrivals[n].Add(a);
        }
        var random = new Random(4);
        var txs = Enumerable.Range(0, 20).Select(_ => RelayKit.NewTx(random)).ToList();
        for (int i = 0; i < txs.Count; i++)
            Assert.True(relays[i % relays.Count].SubmitTransaction(txs[i], network.Now).IsAccepted);
        network.RunFor(5 * Time.Minute);
        foreach (var tx in txs) Assert.True(AllHave(relays, tx.GetHash()), $"{kind}: {tx.GetHash()} did not reach every node");
        // Each node saw each transaction arrive exactly once, and only its submitter saw it locally.
        for (int n = 0; n < relays.Count; n++)
        {
            Assert.Equal(txs.Count, arrivals[n].Select(a => a.Txid).Distinct().Count());
            Assert.Equal(txs.Count, arrivals[n].Count);
            Assert.Equal(2, arrivals[n].Count(a => a.From is null));
        }
        Assert.All(relays, r => Assert.Equal(0, r.StemPool.Count));
    }

    [Fact]
    public void Flood_TenNodes_FasterThanDiffusion()
    {
        double MeanLatency(RelayPolicyKind kind)
        {
            var (network, relays) = RelayKit.Network(Options(kind), count: 10, seed: 5);
            long start = network.Now;
            var times = new List<long>();
            foreach (var r in relays) r.TransactionReceived += a => times.Add(a.Time - start);
            relays[0].SubmitTransaction(RelayKit.NewTx(new Random(1)), start);
            network.RunFor(2 * Time.Minute);
            Assert.Equal(10, times.Count);
            return times.Average();
        }
        Assert.True(MeanLatency(RelayPolicyKind.Flood) < MeanLatency(RelayPolicyKind.Diffusion));
    }

    [Fact]
    public void Dandelion_FirstHops_FollowTheStem_OneRelayPerStemNode()
    {
        var (network, relays) = RelayKit.Network(Options(RelayPolicyKind.Dandelion), count: 10, seed: 33);
        var tx = RelayKit.NewTx(new Random(9));
        var txid = tx.GetHash();
        var stemSends = new List<(int From, int To)>();
        long firstInv = Time.Never;
        var stemBeforeFluff = new List<(int From, int To)>();
        network.MessageSent += (from, to, message, now) =>
        {
            if (message is DandelionTxMessage d && d.Transaction.GetHash() == txid)
            {
                stemSends.Add((from, to));
                if (firstInv == Time.Never) stemBeforeFluff.Add((from, to));
            }
            if (message is InvMessage inv && inv.Inventory.Exists(i => i.Hash == txid) && firstInv == Time.Never) firstInv = now;
        };
        relays[0].SubmitTransaction(tx, network.Now);
        network.RunFor(5 * Time.Minute);
        Assert.True(AllHave(relays, txid));
        Assert.True(stemBeforeFluff.Count >= 2, string.Join(" ", stemBeforeFluff));
        // The stem is a path: it starts at the origin, each hop leaves from the node the previous hop reached,
        // and no node forwards the stem transaction to more than one relay.
        Assert.Equal(0, stemBeforeFluff[0].From);
        for (int i = 1; i < stemBeforeFluff.Count; i++) Assert.Equal(stemBeforeFluff[i - 1].To, stemBeforeFluff[i].From);
        Assert.All(stemSends.GroupBy(s => s.From), g => Assert.Single(g));
        // Every hop went to one of the sender's outbound peers (stem relays are outbound).
        foreach (var (from, to) in stemSends)
        {
            var peer = network[from].GetPeer(network.PeerIdOf(from, to))!;
            Assert.False(peer.IsInbound);
        }
    }

    [Fact]
    public void Dandelion_GetDataForStemTransaction_NotFound()
    {
        var network = new TestNetwork(seed: 3);
        var options = new RelayOptions { Policy = RelayPolicyKind.Dandelion, StemProbability = 1.0 };
        var origin = RelayKit.AddRelayNode(network, options);
        var relay = RelayKit.AddRelayNode(network, options);
        int spy = network.AddNode(); // a plain node: it speaks the protocol but runs no relay
        network.Connect(0, 1);
        network.Connect(spy, 0);
        network.RunFor(Time.Second);
        var tx = RelayKit.NewTx(new Random(5));
        var txid = tx.GetHash();
        Assert.True(origin.SubmitTransaction(tx, network.Now).IsAccepted);
        Assert.True(origin.StemPool.Contains(txid));
        Assert.False(origin.Mempool.Contains(txid));
        Assert.Empty(origin.GetMempoolTxids());
        Assert.Null(origin.GetTransaction(txid));
        Assert.Same(tx, origin.GetTransaction(txid, includeStem: true));

        var replies = new List<IMessage>();
        network.MessageSent += (from, to, message, _) => { if (from == 0 && to == spy) replies.Add(message); };
        network.SendFrom(spy, 0, new GetDataMessage([new InvVector(InvType.Tx, txid), new InvVector(InvType.WitnessTx, txid)]));
        network.SendFrom(spy, 0, new MempoolMessage());
        network.RunFor(Time.Second);
        var notFound = Assert.IsType<NotFoundMessage>(Assert.Single(replies));
        Assert.Equal(2, notFound.Inventory.Count);
        Assert.All(notFound.Inventory, i => Assert.Equal(txid, i.Hash));
        Assert.True(relay.StemPool.Contains(txid) || relay.Mempool.Contains(txid));
    }

    [Fact]
    public void Dandelion_BlackHoledStem_EmbargoTimerFluffs()
    {
        var (network, relays) = RelayKit.Network(Options(RelayPolicyKind.Dandelion), count: 10, seed: 8);
        network.Filter = (_, _, message) => message is not DandelionTxMessage; // every stem relay drops stems
        var fluffs = new List<(int Node, FluffReason Reason, long At)>();
        for (int i = 0; i < relays.Count; i++)
        {
            int n = i;
            relays[i].Fluffed += (_, reason, at) => fluffs.Add((n, reason, at));
        }
        var tx = RelayKit.NewTx(new Random(2));
        long start = network.Now;
        relays[3].SubmitTransaction(tx, start);
        network.RunFor(30 * Time.Second + RelayOptions.DefaultEmbargoMinimum);
        network.RunFor(10 * Time.Minute);
        Assert.True(AllHave(relays, tx.GetHash()));
        var (node, reason, at) = Assert.Single(fluffs);
        Assert.Equal((3, FluffReason.EmbargoExpired), (node, reason));
        Assert.True(at - start >= RelayOptions.DefaultEmbargoMinimum);
    }

    [Fact]
    public void Dandelion_StemRelayWithoutDandelion_EmbargoStillDeliversEverywhere()
    {
        // A flood/diffusion node receiving a stem fluffs it: the stem ends there, as with a non-Dandelion node.
        var network = new TestNetwork(seed: 4);
        var origin = RelayKit.AddRelayNode(network, new RelayOptions { Policy = RelayPolicyKind.Dandelion });
        var plain = RelayKit.AddRelayNode(network, new RelayOptions { Policy = RelayPolicyKind.Diffusion });
        var third = RelayKit.AddRelayNode(network, new RelayOptions { Policy = RelayPolicyKind.Diffusion });
        network.Connect(0, 1);
        network.Connect(1, 2);
        network.RunFor(Time.Second);
        var fluffs = new List<FluffReason>();
        plain.Fluffed += (_, r, _) => fluffs.Add(r);
        var tx = RelayKit.NewTx(new Random(1));
        origin.SubmitTransaction(tx, network.Now);
        network.RunFor(Time.Minute);
        Assert.Equal([FluffReason.Diffuser], fluffs);
        Assert.True(third.Mempool.Contains(tx.GetHash()));
        Assert.True(origin.Mempool.Contains(tx.GetHash())); // the fluff came back up the stem and ended the embargo
        Assert.Equal(0, origin.StemPool.Count);
    }

    [Fact]
    public void Dandelion_EpochChange_RepicksRelays()
    {
        var (network, relays) = RelayKit.Network(new RelayOptions { Policy = RelayPolicyKind.Dandelion }, count: 10, seed: 12, extraOutbound: 4);
        var policy = (DandelionPolicy)relays[0].Policy;
        var random = new Random(3);
        var seen = new HashSet<string>();
        for (int epoch = 0; epoch < 8; epoch++)
        {
            relays[0].SubmitTransaction(RelayKit.NewTx(random), network.Now);
            Assert.Equal(epoch + 1, policy.EpochNumber);
            seen.Add(string.Join(",", policy.Relays.Select(r => r?.Value ?? 0).Order()));
            network.RunFor(DandelionPolicy.DefaultEpochLength);
        }
        Assert.True(seen.Count >= 3, string.Join(" | ", seen));
    }

    [Fact]
    public void Tx_InvalidFromPeer_PeerMisbehavesAndIsDisconnected()
    {
        var network = new TestNetwork(seed: 5);
        RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int sender = network.AddNode();
        network.Connect(sender, 0);
        network.RunFor(Time.Second);
        var bad = RelayKit.NewTx(new Random(1));
        bad.Outputs.Clear();
        network.SendFrom(sender, 0, new TxMessage(bad));
        network.RunFor(Time.Second);
        Assert.Empty(network[0].Peers);
        Assert.Contains(network.Logs, l => l.Node == 0 && l.Line.Message.Contains("bad-txns-vout-empty"));
    }

    [Fact]
    public void Tx_DoubleSpendFromPeer_RejectedWithoutPunishment()
    {
        var network = new TestNetwork(seed: 6);
        var relay = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int sender = network.AddNode();
        network.Connect(sender, 0);
        network.RunFor(Time.Second);
        var random = new Random(2);
        var first = RelayKit.NewTx(random);
        var second = RelayKit.Conflicting(first, random);
        network.SendFrom(sender, 0, new TxMessage(first));
        network.SendFrom(sender, 0, new TxMessage(second));
        network.RunFor(Time.Second);
        Assert.True(relay.Mempool.Contains(first.GetHash()));
        Assert.False(relay.Mempool.Contains(second.GetHash()));
        Assert.Single(network[0].Peers);
    }

    [Fact]
    public void Inv_AnnouncerBlackHolesGetData_RequestedFromAnotherAfterTimeout()
    {
        var network = new TestNetwork(seed: 7);
        var target = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int silent = network.AddNode();
        var honest = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        network.Connect(0, silent);
        network.Connect(0, 2);
        network.RunFor(Time.Second);
        var tx = RelayKit.NewTx(new Random(3));
        // The silent node announces first and never answers; the honest one announces on its diffusion timer.
        network.SendFrom(silent, 0, new InvMessage([new InvVector(InvType.Tx, tx.GetHash())]));
        network.RunFor(10 * Time.Millisecond);
        honest.SubmitTransaction(tx, network.Now);
        network.RunFor(TxRequestTracker.RequestTimeout - Time.Second);
        Assert.Equal(silent, network.NodeBehind(0, target.Requests.RequestedFrom(tx.GetHash())!.Value));
        Assert.False(target.Mempool.Contains(tx.GetHash()));
        network.RunFor(5 * Time.Second);
        Assert.True(target.Mempool.Contains(tx.GetHash()));
    }

    [Fact]
    public void GetData_FreshTransactionNeverAnnouncedToPeer_NotFoundUntilTwoMinutes()
    {
        var network = new TestNetwork(seed: 14);
        var relay = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int spy = network.AddNode();
        network.Connect(spy, 0);
        network.RunFor(Time.Second);
        var tx = RelayKit.NewTx(new Random(1));
        relay.Mempool.Accept(tx, network.Now);
        var replies = new List<IMessage>();
        network.MessageSent += (from, _, m, _) => { if (from == 0 && m is TxMessage or NotFoundMessage) replies.Add(m); };
        network.SendFrom(spy, 0, new GetDataMessage([new InvVector(InvType.WitnessTx, tx.GetHash())]));
        network.RunFor(TransactionRelay.UnconditionalRelayDelay);
        network.SendFrom(spy, 0, new GetDataMessage([new InvVector(InvType.WitnessTx, tx.GetHash())]));
        network.RunFor(Time.Second);
        Assert.Collection(replies, m => Assert.IsType<NotFoundMessage>(m), m => Assert.IsType<TxMessage>(m));
    }

    [Fact]
    public void PeerWithoutTxRelay_GetsNoTransactionInv()
    {
        var network = new TestNetwork(seed: 8);
        var origin = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Flood));
        var blocksOnly = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Flood), new NodeOptions { RelayTransactions = false });
        var normal = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Flood));
        network.Connect(0, 1);
        network.Connect(0, 2);
        network.RunFor(Time.Second);
        var invTargets = new List<int>();
        network.MessageSent += (from, to, m, _) => { if (from == 0 && m is InvMessage) invTargets.Add(to); };
        origin.SubmitTransaction(RelayKit.NewTx(new Random(1)), network.Now);
        network.RunFor(10 * Time.Second);
        Assert.Equal([2], invTargets);
        Assert.Equal(0, blocksOnly.Mempool.Count);
        Assert.Equal(1, normal.Mempool.Count);
    }

    [Fact]
    public void MempoolMessage_AnsweredOnceWithInvOfMempool()
    {
        var network = new TestNetwork(seed: 9);
        var relay = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int asker = network.AddNode();
        network.Connect(asker, 0);
        network.RunFor(Time.Second);
        var random = new Random(4);
        var txs = Enumerable.Range(0, 5).Select(_ => RelayKit.NewTx(random)).ToList();
        foreach (var tx in txs) relay.Mempool.Accept(tx, network.Now);
        var invs = new List<InvMessage>();
        network.MessageSent += (from, to, m, _) => { if (from == 0 && m is InvMessage inv) invs.Add(inv); };
        network.SendFrom(asker, 0, new MempoolMessage());
        network.SendFrom(asker, 0, new MempoolMessage());
        network.RunFor(Time.Second);
        var reply = Assert.Single(invs);
        Assert.Equal(txs.Select(t => t.GetHash()), reply.Inventory.Select(i => i.Hash));
    }

    [Fact]
    public void BlockConnectedAndDisconnected_MempoolFollowsTheChain()
    {
        var network = new TestNetwork(seed: 10);
        var relay = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        var random = new Random(5);
        var a = RelayKit.NewTx(random);
        var b = RelayKit.NewTx(random);
        relay.SubmitTransaction(a, network.Now);
        relay.SubmitTransaction(b, network.Now);
        var block = relay.Mempool.TakeForBlock(1_000_000);
        Assert.Equal(2, block.Count);
        relay.OnBlockConnected(block, network.Now);
        Assert.Empty(relay.GetMempoolTxids());
        Assert.True(relay.Mempool.IsKnown(a.GetHash()));
        relay.OnBlockDisconnected(block, network.Now);
        Assert.Equal([a.GetHash(), b.GetHash()], relay.GetMempoolTxids());
    }

    [Fact]
    public void GetData_ByType_WitnessOnlyForWitnessRequests()
    {
        var network = new TestNetwork(seed: 11);
        var relay = RelayKit.AddRelayNode(network, Options(RelayPolicyKind.Diffusion));
        int asker = network.AddNode();
        network.Connect(asker, 0);
        network.RunFor(Time.Second);
        var tx = RelayKit.NewTx(new Random(6));
        var input = tx.Inputs[0];
        input.Witness = [[1, 2, 3], [4]];
        tx.Inputs[0] = input;
        tx.InvalidateHashes();
        Assert.True(relay.Mempool.Accept(tx, network.Now).IsAccepted);
        network.RunFor(TransactionRelay.UnconditionalRelayDelay);
        var served = new List<Transaction>();
        network.MessageSent += (from, _, m, _) => { if (from == 0 && m is TxMessage t) served.Add(t.Transaction); };
        network.SendFrom(asker, 0, new GetDataMessage([new InvVector(InvType.Tx, tx.GetHash())]));
        network.SendFrom(asker, 0, new GetDataMessage([new InvVector(InvType.WitnessTx, tx.GetHash())]));
        network.RunFor(Time.Second);
        Assert.Equal(2, served.Count);
        Assert.False(served[0].HasWitness);
        Assert.True(served[1].HasWitness);
        Assert.All(served, t => Assert.Equal(tx.GetHash(), t.GetHash()));
        Assert.Equal(tx.GetWitnessHash(), served[1].GetWitnessHash());
    }

    [Fact]
    public void Relay_WitnessTransaction_ArrivesWithWitnessEverywhere()
    {
        var (network, relays) = RelayKit.Network(Options(RelayPolicyKind.Diffusion), count: 5, seed: 13);
        var tx = RelayKit.NewTx(new Random(7));
        var input = tx.Inputs[0];
        input.Witness = [[9, 9]];
        tx.Inputs[0] = input;
        tx.InvalidateHashes();
        relays[0].SubmitTransaction(tx, network.Now);
        network.RunFor(Time.Minute);
        Assert.All(relays, r => Assert.Equal(tx.GetWitnessHash(), r.Mempool.Get(tx.GetHash())!.Transaction.GetWitnessHash()));
    }

    [Theory]
    [InlineData(RelayPolicyKind.Flood)]
    [InlineData(RelayPolicyKind.Diffusion)]
    [InlineData(RelayPolicyKind.Dandelion)]
    public void SubmitTransaction_ThousandToOneNode_EveryMempoolGetsAll(RelayPolicyKind kind)
    {
        var (network, relays) = RelayKit.Network(Options(kind), count: 10, seed: 17);
        var random = new Random(8);
        var txs = Enumerable.Range(0, 1_000).Select(_ => RelayKit.NewTx(random)).ToList();
        foreach (var tx in txs)
        {
            Assert.True(relays[0].SubmitTransaction(tx, network.Now).IsAccepted);
            network.RunFor(10 * Time.Millisecond); // 100 transactions per second
        }
        network.RunFor(5 * Time.Minute);
        Assert.All(relays, r => Assert.Equal(1_000, r.Mempool.Count));
        Assert.All(relays, r => Assert.Equal(0, r.Requests.TrackedCount));
    }

    [Fact]
    public void Dandelion_ChildOfStemTransaction_EmbargoNotBeforeParent()
    {
        var network = new TestNetwork(seed: 15);
        var options = new RelayOptions { Policy = RelayPolicyKind.Dandelion, StemProbability = 1.0 };
        var origin = RelayKit.AddRelayNode(network, options);
        RelayKit.AddRelayNode(network, options);
        network.Connect(0, 1);
        network.RunFor(Time.Second);
        network.Filter = (_, _, m) => m is not DandelionTxMessage;
        var random = new Random(2);
        var parent = RelayKit.NewTx(random);
        origin.SubmitTransaction(parent, network.Now);
        network.RunFor(5 * Time.Second);
        var child = RelayKit.NewTx(random);
        child.Inputs[0] = new TxIn { PrevOut = new OutPoint(parent.GetHash(), 0), ScriptSig = [], Sequence = 0 };
        origin.SubmitTransaction(child, network.Now);
        Assert.True(origin.StemPool.Get(child.GetHash())!.EmbargoUntil > origin.StemPool.Get(parent.GetHash())!.EmbargoUntil);
        var order = new List<Hash256>();
        origin.Fluffed += (txid, _, _) => order.Add(txid);
        network.RunFor(10 * Time.Minute);
        Assert.Equal([parent.GetHash(), child.GetHash()], order);
        Assert.Equal([parent.GetHash(), child.GetHash()], origin.GetMempoolTxids());
    }
}
