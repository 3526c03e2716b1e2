using Nodus.Core.Chain;
using Nodus.Core.Sync;

namespace Nodus.Core.Tests.Support;

/// <summary>Full nodes (chain, sync, mining, mempool, relay) on a <see cref="TestNetwork"/>, on regtest.</summary>
internal sealed class ChainKit(TestNetwork network)
{
    public TestNetwork Network { get; } = network;
    public List<FullNode> Full { get; } = [];

    public int AddFullNode(SyncOptions? sync = null)
    {
        int index = Network.AddNode(random =>
        {
            var full = FullNode.Create(Networks.Regtest, new InMemoryChainStore(), new FullNodeOptions { Sync = sync ?? new SyncOptions() }, random);
            Full.Add(full);
            return full.Engine;
        });
        return index;
    }

    public void Mine(int node, int blocks)
    {
        Full[node].Producer.Generate(blocks, Network.Now);
        Network.Pump();
    }

    public bool SameTip(params int[] nodes) => nodes.All(n => Full[n].Chain.Tip.Hash == Full[nodes[0]].Chain.Tip.Hash);
}
