using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Xunit;
using static Nodus.Core.Tests.Chain.ChainTestKit;

namespace Nodus.Core.Tests.Chain;

public class ChainIndexTests
{
    private static readonly NetworkParams Regtest = Networks.Regtest;

    [Fact]
    public void GetLocator_GenesisOnly_IsJustGenesis()
    {
        var index = new ChainIndex(Regtest);
        Assert.Equal([Regtest.GenesisHash], index.GetLocator());
    }

    [Fact]
    public void GetHeadersAfter_GenesisOnlyChain_AnswersEmpty()
    {
        var index = new ChainIndex(Regtest);
        Assert.Empty(index.GetHeadersAfter([Regtest.GenesisHash], Hash256.Zero));
        Assert.Empty(index.GetHeadersAfter([Sha256d.Hash([1])], Hash256.Zero)); // unknown locator: from genesis
        Assert.Empty(index.GetBlockHashesAfter([Regtest.GenesisHash], Hash256.Zero));
        // An empty locator asks for the stop block's header alone.
        Assert.Equal([Regtest.Genesis.Header], index.GetHeadersAfter([], Regtest.GenesisHash));
    }

    [Fact]
    public void GetLocator_LongChain_DenseThenDoublingEndingAtGenesis()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        Extend(chain, chain.Tip, 40);
        var locator = chain.Index.GetLocator();
        var heights = locator.Select(h => chain.Get(h)!.Height).ToList();
        // Bitcoin's LocatorEntries: eleven one-block steps (40..29), then steps of 2, 4, 8, … and genesis last.
        Assert.Equal([40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 27, 23, 15, 0], heights);
    }

    [Fact]
    public void GetLocator_AnyHeight_AtMost101Entries()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        Extend(chain, chain.Tip, 300);
        Assert.InRange(chain.Index.GetLocator().Count, 1, ChainIndex.MaxLocatorEntries);
    }

    [Fact]
    public void GetHeadersAfter_PeerOnAForkedBranch_StartsAtTheForkPoint()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        var fork = Extend(chain, chain.Tip, 3);
        var side = Extend(chain, fork, 2, extraNonce: 5);  // first seen, active
        var main = Extend(chain, fork, 3, extraNonce: 6);  // more work: becomes active
        Assert.Same(main, chain.Tip);
        Assert.False(chain.Index.IsActive(side));

        var headers = chain.Index.GetHeadersAfter(chain.Index.GetLocator(side), Hash256.Zero);
        Assert.Equal([4, 5, 6], headers.Select(h => chain.Get(h.GetHash())!.Height));
        Assert.Equal(main.Hash, headers[^1].GetHash());
    }

    [Fact]
    public void GetHeadersAfter_StopHashAndLimit_Respected()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        Extend(chain, chain.Tip, 10);
        var stop = chain.Index.GetActive(6)!.Hash;
        var headers = chain.Index.GetHeadersAfter([chain.Index.GetActive(2)!.Hash], stop);
        Assert.Equal([3, 4, 5, 6], headers.Select(h => chain.Get(h.GetHash())!.Height)); // stop included
        var hashes = chain.Index.GetBlockHashesAfter([chain.Index.GetActive(2)!.Hash], stop);
        Assert.Equal([3, 4, 5], hashes.Select(h => chain.Get(h)!.Height)); // stop excluded, as getblocks
        Assert.Equal(2, chain.Index.GetHeadersAfter([Regtest.GenesisHash], Hash256.Zero, max: 2).Count);
        Assert.Equal(10, chain.Index.GetHeadersAfter([Regtest.GenesisHash], Hash256.Zero).Count);
    }

    [Fact]
    public void FindFork_TwoBranches_LastCommonAncestor()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        var fork = Extend(chain, chain.Tip, 3);
        var a = Extend(chain, fork, 7, extraNonce: 1);
        var b = Extend(chain, fork, 2, extraNonce: 2);
        Assert.Same(fork, ChainIndex.FindFork(a, b));
        Assert.Same(fork, ChainIndex.FindFork(b, a));
        Assert.Same(b, ChainIndex.FindFork(b, b));
        Assert.Same(a.GetAncestor(5), ChainIndex.FindFork(a, a.GetAncestor(5)!));
    }

    [Fact]
    public void GetAncestor_SkipPointers_AgreeWithParentWalk()
    {
        var chain = ChainState.Open(Regtest, new InMemoryChainStore());
        var tip = Extend(chain, chain.Tip, 130);
        var walk = tip;
        for (int h = tip.Height; h >= 0; h--, walk = walk.Parent!) Assert.Same(walk, tip.GetAncestor(h));
        Assert.Null(tip.GetAncestor(131));
    }
}
