using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using Xunit;
using static Nodus.Core.Tests.Chain.ChainTestKit;

namespace Nodus.Core.Tests.Chain;

public class ChainStateTests
{
    private static readonly NetworkParams Regtest = Networks.Regtest;

    private static ChainState NewChain(IChainStore? store = null, int maxSide = ChainIndex.MaxSideHeaders) =>
        ChainState.Open(Regtest, store ?? new InMemoryChainStore(), maxSideHeaders: maxSide);

    [Fact]
    public void Open_EmptyStore_HasOnlyGenesis()
    {
        var store = new InMemoryChainStore();
        var chain = NewChain(store);
        Assert.Equal(0, chain.Height);
        Assert.Equal(Regtest.GenesisHash, chain.Tip.Hash);
        Assert.Equal(1, store.HeaderCount);
        Assert.Equal(1, store.BodyCount);
        Assert.NotNull(chain.GetBlock(Regtest.GenesisHash));
    }

    [Fact]
    public void AcceptBlock_Chain_ExtendsTipAndWork()
    {
        var chain = NewChain();
        var tip = Extend(chain, chain.Tip, 5);
        Assert.Equal(5, chain.Height);
        Assert.Same(tip, chain.Tip);
        Assert.Equal(new System.Numerics.BigInteger(12), chain.Tip.ChainWork); // 6 blocks × 2 expected hashes
        Assert.Equal(chain.Index.GetActive(3), tip.GetAncestor(3));
    }

    [Fact]
    public void AcceptBlock_Twice_ReportsAlreadyHad()
    {
        var chain = NewChain();
        var block = Mine(Regtest, chain.Tip);
        Assert.False(chain.AcceptBlock(block, Now(Regtest)).AlreadyHad);
        var again = chain.AcceptBlock(block, Now(Regtest));
        Assert.True(again.Result.IsValid);
        Assert.True(again.AlreadyHad);
        Assert.False(again.Update.Changed);
    }

    [Fact]
    public void AcceptBlock_ForkWithMoreWork_Reorganises()
    {
        var chain = NewChain();
        var fork = Extend(chain, chain.Tip, 2);
        var a = Extend(chain, fork, 2, extraNonce: 1);
        Assert.Same(a, chain.Tip);

        // A competing branch of equal work does not win (first seen)...
        var b1 = Mine(Regtest, fork, extraNonce: 2);
        var r1 = chain.AcceptBlock(b1, Now(Regtest));
        var b2 = Mine(Regtest, r1.Entry!, extraNonce: 2);
        Assert.False(chain.AcceptBlock(b2, Now(Regtest)).Update.Changed);
        Assert.Same(a, chain.Tip);

        // ...one more block does, and the switch names both sides.
        var b3 = Mine(Regtest, chain.Get(b2.GetHash())!, extraNonce: 2);
        var update = chain.AcceptBlock(b3, Now(Regtest)).Update;
        Assert.True(update.IsReorganisation);
        Assert.Equal(2, update.Disconnected.Count);
        Assert.Same(a, update.Disconnected[0]);
        Assert.Equal([b1.GetHash(), b2.GetHash(), b3.GetHash()], update.Connected.Select(e => e.Hash));
        Assert.Same(fork, update.ForkPoint);
        Assert.Equal(b3.GetHash(), chain.Tip.Hash);
        Assert.Equal(5, chain.Height);
        // Append-only: the losing branch's blocks are still stored.
        Assert.NotNull(chain.GetBlock(a.Hash));
    }

    [Fact]
    public void AcceptHeaders_ThenBodiesOutOfOrder_ActivatesWhenComplete()
    {
        var source = NewChain();
        Extend(source, source.Tip, 4);
        var blocks = Enumerable.Range(1, 4).Select(h => source.GetBlock(source.Index.GetActive(h)!.Hash)!).ToList();

        var chain = NewChain();
        var headers = chain.AcceptHeaders(blocks.Select(b => b.Header).ToList(), Now(Regtest));
        Assert.True(headers.Result.IsValid);
        Assert.Equal(4, headers.NewCount);
        Assert.Equal(4, chain.BestHeader.Height);
        Assert.Equal(0, chain.Height);
        Assert.Equal([1, 2, 3, 4], chain.Index.GetMissingBodies(16, 1024).Select(e => e.Height));
        Assert.Equal([1, 2], chain.Index.GetMissingBodies(2, 1024).Select(e => e.Height));
        Assert.Equal([1], chain.Index.GetMissingBodies(16, 1).Select(e => e.Height));

        Assert.False(chain.AcceptBlock(blocks[2], Now(Regtest)).Update.Changed);
        Assert.False(chain.AcceptBlock(blocks[1], Now(Regtest)).Update.Changed);
        Assert.Equal([1, 4], chain.Index.GetMissingBodies(16, 1024).Select(e => e.Height));
        var update = chain.AcceptBlock(blocks[0], Now(Regtest)).Update;
        Assert.Equal(3, update.Connected.Count);
        Assert.Equal(3, chain.Height);
        chain.AcceptBlock(blocks[3], Now(Regtest));
        Assert.Equal(source.Tip.Hash, chain.Tip.Hash);
        Assert.Empty(chain.Index.GetMissingBodies(16, 1024));
    }

    [Fact]
    public void AcceptHeader_BadProofOfWork_HighHash()
    {
        var chain = NewChain();
        var header = Mine(Regtest, chain.Tip).Header;
        // Find a nonce whose hash misses the regtest target (about half of them).
        while (ProofOfWork.Check(header.GetHash(), header.Bits, Regtest.PowLimit)) header.Nonce++;
        Assert.Equal("high-hash", chain.AcceptHeader(header, Now(Regtest)).Result.Reason);
    }

    [Fact]
    public void AcceptHeader_WrongBits_BadDiffbits()
    {
        var chain = NewChain();
        var header = Mine(Regtest, chain.Tip).Header;
        header.Bits = 0x1f7fffff; // harder than the fixed regtest difficulty
        Assert.Equal(MiningStatus.Found, Miner.Grind(ref header, 100_000_000, out _));
        var result = chain.AcceptHeader(header, Now(Regtest)).Result;
        Assert.Equal(ValidationOutcome.Invalid, result.Outcome);
        Assert.Equal("bad-diffbits", result.Reason);
    }

    [Fact]
    public void AcceptHeader_TimeNotAfterMedian_TimeTooOld()
    {
        var chain = NewChain();
        var tip = Extend(chain, chain.Tip, 11);
        var block = Mine(Regtest, tip, time: (uint)tip.GetMedianTimePast());
        // The assembler never goes below MTP+1, so set the stale time by hand and re-mine.
        var header = block.Header;
        header.Time = (uint)tip.GetMedianTimePast();
        Miner.Grind(ref header, 1_000_000, out _);
        Assert.Equal("time-too-old", chain.AcceptHeader(header, Now(Regtest)).Result.Reason);
    }

    [Fact]
    public void AcceptHeader_MoreThanTwoHoursAhead_TimeTooNewNotCachedInvalid()
    {
        var chain = NewChain();
        long now = Now(Regtest);
        var block = Mine(Regtest, chain.Tip, time: (uint)(Time.ToUnixSeconds(now) + 2 * 3600 + 1));
        var result = chain.AcceptHeader(block.Header, now).Result;
        Assert.Equal(ValidationOutcome.TimeTooNew, result.Outcome);
        Assert.Equal("time-too-new", result.Reason);
        // Later, when our clock caught up, the same header is fine.
        Assert.True(chain.AcceptHeader(block.Header, now + Time.Hour).Result.IsValid);
    }

    [Fact]
    public void AcceptHeader_UnknownParent_MissingParent()
    {
        var chain = NewChain();
        var other = NewChain();
        var tip = Extend(other, other.Tip, 2);
        var result = chain.AcceptHeader(tip.Header, Now(Regtest)).Result;
        Assert.Equal(ValidationOutcome.MissingParent, result.Outcome);
        Assert.Equal("prev-blk-not-found", result.Reason);
    }

    [Fact]
    public void AcceptHeaders_Gap_NonContinuousKeepsValidPrefix()
    {
        var other = NewChain();
        Extend(other, other.Tip, 3);
        var headers = new[] { 1, 3 }.Select(h => other.Index.GetActive(h)!.Header).ToList();
        var chain = NewChain();
        var result = chain.AcceptHeaders(headers, Now(Regtest));
        Assert.Equal("non-continuous headers sequence", result.Result.Reason);
        Assert.Equal(1, result.NewCount);
        Assert.Equal(1, chain.BestHeader.Height);
    }

    [Fact]
    public void AcceptBlock_OldVersion_BadVersion()
    {
        var chain = NewChain();
        var block = Mine(Regtest, chain.Tip);
        var header = block.Header;
        header.Version = 1;
        Miner.Grind(ref header, 1_000_000, out _);
        block.Header = header;
        Assert.StartsWith("bad-version", chain.AcceptBlock(block, Now(Regtest)).Result.Reason);
    }

    [Fact]
    public void AcceptBlock_InvalidBody_MarksHeaderAndDescendantsInvalid()
    {
        var chain = NewChain();
        var bad = Mine(Regtest, chain.Tip);
        bad.Transactions[0].Inputs[0] = bad.Transactions[0].Inputs[0] with { ScriptSig = [0x52, 0x00] }; // height 2, not 1
        bad.Transactions[0].InvalidateHashes();
        var header = bad.Header;
        header.MerkleRoot = bad.ComputeMerkleRoot();
        Miner.Grind(ref header, 1_000_000, out _);
        bad.Header = header;

        var result = chain.AcceptBlock(bad, Now(Regtest));
        Assert.Equal("bad-cb-height", result.Result.Reason);
        Assert.True(chain.Get(bad.GetHash())!.IsInvalid);
        Assert.Equal("duplicate-invalid", chain.AcceptHeader(bad.Header, Now(Regtest)).Result.Reason);
        var child = Mine(Regtest, chain.Get(bad.GetHash())!);
        Assert.Equal("bad-prevblk", chain.AcceptHeader(child.Header, Now(Regtest)).Result.Reason);
        Assert.Equal(0, chain.BestHeader.Height);
    }

    [Fact]
    public void AcceptBlock_MutatedBody_RejectedWithoutCondemningHeader()
    {
        var chain = NewChain();
        var good = Mine(Regtest, chain.Tip, txs: [SpendTx(1)]);
        var mutated = new Block { Header = good.Header, Transactions = [good.Transactions[0], good.Transactions[1], good.Transactions[1]] };
        var result = chain.AcceptBlock(mutated, Now(Regtest));
        Assert.Equal("bad-txnmrklroot", result.Result.Reason);
        Assert.False(chain.Get(good.GetHash())!.IsInvalid);
        Assert.True(chain.AcceptBlock(good, Now(Regtest)).Result.IsValid);
        Assert.Equal(1, chain.Height);
    }

    [Fact]
    public void Open_ExistingStore_RestoresChainAndBodies()
    {
        var store = new InMemoryChainStore();
        var chain = NewChain(store);
        var fork = Extend(chain, chain.Tip, 3);
        Extend(chain, fork, 2, extraNonce: 7);
        var side = Extend(chain, fork, 1, extraNonce: 9);
        var reopened = NewChain(store);
        Assert.Equal(chain.Tip.Hash, reopened.Tip.Hash);
        Assert.Equal(chain.Tip.ChainWork, reopened.Tip.ChainWork);
        Assert.Equal(chain.Index.Count, reopened.Index.Count);
        Assert.True(reopened.Get(side.Hash)!.HasBody);
        Assert.Equal(0, reopened.SkippedOnLoad);
        Extend(reopened, reopened.Tip, 1);
        Assert.Equal(6, reopened.Height);
    }

    [Fact]
    public void Open_EqualWorkForks_KeepsTheActiveBranchAcrossRestart()
    {
        var store = new InMemoryChainStore();
        var chain = NewChain(store);
        var first = Extend(chain, chain.Tip, 2, extraNonce: 1);
        Extend(chain, chain.Index.Genesis, 2, extraNonce: 2);
        Assert.Same(first, chain.Tip);
        Assert.Equal(first.Hash, NewChain(store).Tip.Hash);
    }

    [Fact]
    public void Open_StoreOfAnotherNetwork_Throws()
    {
        var store = new InMemoryChainStore();
        ChainState.Open(Networks.BitcoinRegtest, store);
        var error = Assert.Throws<ChainStoreException>(() => NewChain(store));
        Assert.Contains("regtest", error.Message);
    }

    [Fact]
    public void SideHeaders_FloodBeyondBound_PrunedLeastWorkFirst()
    {
        var chain = NewChain(maxSide: 50);
        var main = Extend(chain, chain.Tip, 10);
        // 60 cheap one-header forks from genesis, then one 5-long fork from height 5: all have less work than main.
        for (ulong i = 0; i < 60; i++)
            Assert.True(chain.AcceptHeader(Mine(Regtest, chain.Index.Genesis, extraNonce: 100 + i).Header, Now(Regtest)).Result.IsValid);
        var parent = chain.Index.GetActive(5)!;
        for (int i = 0; i < 4; i++)
            parent = chain.AcceptHeader(Mine(Regtest, parent, extraNonce: 999).Header, Now(Regtest)).Entry!;

        Assert.True(chain.Index.Count - 11 <= 50, $"{chain.Index.Count} entries kept");
        Assert.NotNull(chain.Get(parent.Hash)); // the fork with the most work survives
        Assert.Same(main, chain.Tip);
        Assert.All(Enumerable.Range(0, 11), h => Assert.NotNull(chain.Index.GetActive(h)));
    }

    [Fact]
    public void AcceptBlock_UnrequestedWithoutMoreWork_HeaderKeptBodyNotStored()
    {
        var store = new InMemoryChainStore();
        var chain = NewChain(store);
        var fork = Extend(chain, chain.Tip, 1);
        Extend(chain, fork, 1, extraNonce: 1);
        var rival = Mine(Regtest, fork, extraNonce: 2); // equal work to the tip: no gain
        var result = chain.AcceptBlock(rival, Now(Regtest), requested: false);
        Assert.True(result.Result.IsValid);
        Assert.False(result.Stored);
        Assert.False(result.Entry!.HasBody);
        Assert.Equal(3, store.BodyCount);

        // One that extends the tip is stored even when unrequested; a requested rival is stored too.
        var next = Mine(Regtest, chain.Tip);
        Assert.True(chain.AcceptBlock(next, Now(Regtest), requested: false).Stored);
        Assert.True(chain.AcceptBlock(rival, Now(Regtest)).Stored);
        Assert.Equal(5, store.BodyCount);
    }
}
