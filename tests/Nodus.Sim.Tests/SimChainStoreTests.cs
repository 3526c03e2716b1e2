using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Sim.Engine;
using Xunit;

namespace Nodus.Sim.Tests;

public class SimChainStoreTests
{
    private static readonly long Now = Time.FromUnixSeconds(1_735_689_600);

    [Fact]
    public void FullNode_OnSimStore_KeepsBodiesForServingAndTheChainInItsIndex()
    {
        var store = new SimChainStore();
        var node = FullNode.Create(Networks.BitcoinRegtest, store, new FullNodeOptions(), new Random(1));
        var hashes = node.Producer.Generate(3, Now);

        Assert.Equal(3, node.Chain.Height);
        Assert.Equal(4, store.BodyCount); // genesis and the three mined blocks
        foreach (var hash in hashes) Assert.Equal(hash, node.Chain.GetBlock(hash)!.GetHash());
        Assert.Equal(hashes[^1], node.Chain.Tip.Hash);
    }

    [Fact]
    public void Load_AfterWrites_Throws()
    {
        var store = new SimChainStore();
        Assert.Empty(store.Load().Headers);
        ChainState.Open(Networks.BitcoinRegtest, store);
        Assert.Throws<InvalidOperationException>(() => store.Load());
    }
}
