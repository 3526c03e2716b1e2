using Nodus.Core.Chain;
using Nodus.Core.Mempool;
using Nodus.Core.Relay;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Tests.Support;

/// <summary>Builds transactions and relay networks for tests.</summary>
public static class RelayKit
{
    /// <summary>A well-formed, unique transaction spending <paramref name="inputs"/> random outpoints.</summary>
    public static Transaction NewTx(Random random, int inputs = 1, int scriptBytes = 25)
    {
        var tx = new Transaction { Version = 2 };
        for (int i = 0; i < inputs; i++)
            tx.Inputs.Add(new TxIn { PrevOut = new OutPoint(RandomHash(random), (uint)random.Next(4)), ScriptSig = [0x51], Sequence = uint.MaxValue });
        var script = new byte[scriptBytes];
        random.NextBytes(script);
        tx.Outputs.Add(new TxOut { Value = random.NextInt64(1, 100_000_000), ScriptPubKey = script });
        return tx;
    }

    /// <summary>A transaction spending the same first outpoint as <paramref name="other"/> (a double spend).</summary>
    public static Transaction Conflicting(Transaction other, Random random)
    {
        var tx = NewTx(random);
        var input = tx.Inputs[0];
        input.PrevOut = other.Inputs[0].PrevOut;
        tx.Inputs[0] = input;
        return tx;
    }

    public static Hash256 RandomHash(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.NextBytes(bytes);
        return new Hash256(bytes);
    }

    /// <summary>Adds a node with a mempool and a <see cref="TransactionRelay"/>.</summary>
    public static TransactionRelay AddRelayNode(TestNetwork network, RelayOptions options, NodeOptions? nodeOptions = null,
        ITransactionValidator? validator = null)
    {
        TransactionRelay? relay = null;
        network.AddNode(nodeOptions, node =>
        {
            relay = new TransactionRelay(node.Context, new TxMempool(validator), options);
            node.AddBehaviour(relay);
        });
        return relay!;
    }

    /// <summary>
    /// <paramref name="count"/> relay nodes: a ring (node i dials i+1) plus <paramref name="extraOutbound"/> more
    /// outbound connections per node to random others, then runs until every handshake is done.
    /// </summary>
    public static (TestNetwork Network, List<TransactionRelay> Relays) Network(RelayOptions options, int count = 10,
        int seed = 1, int extraOutbound = 2)
    {
        var network = new TestNetwork(seed);
        var relays = Enumerable.Range(0, count).Select(_ => AddRelayNode(network, options)).ToList();
        var random = new Random(seed);
        var linked = new HashSet<(int, int)>();
        void Link(int a, int b)
        {
            if (a == b || linked.Contains((a, b)) || linked.Contains((b, a))) return;
            linked.Add((a, b));
            network.Connect(a, b);
        }
        for (int i = 0; i < count; i++) Link(i, (i + 1) % count);
        for (int i = 0; i < count; i++)
            for (int k = 0, tries = 0; k < extraOutbound && tries < 100; tries++)
            {
                int target = random.Next(count);
                if (target == i || linked.Contains((i, target)) || linked.Contains((target, i))) continue;
                Link(i, target);
                k++;
            }
        network.RunFor(2 * Time.Second);
        return (network, relays);
    }
}
