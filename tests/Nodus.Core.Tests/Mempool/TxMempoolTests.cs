using Nodus.Core.Chain;
using Nodus.Core.Mempool;
using Nodus.Core.Tests.Support;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Mempool;

public sealed class TxMempoolTests
{
    private const long Now = TestNetwork.T0;
    private readonly Random _random = new(7);

    private sealed class UnknownInputs : ITransactionValidator
    {
        public ValidationResult Validate(Transaction tx, int height) => new(ValidationOutcome.MissingParent, "missing-inputs");
    }

    [Fact]
    public void Accept_ValidatorMissingInputs_NotBlamedNotRemembered()
    {
        var pool = new TxMempool(new UnknownInputs());
        var tx = RelayKit.NewTx(_random);
        var result = pool.Accept(tx, Now);
        Assert.Equal(MempoolAcceptStatus.MissingInputs, result.Status);
        Assert.False(result.IsPeerFault);
        Assert.False(pool.IsKnown(tx.GetHash())); // the parent may arrive: ask again later
    }

    [Fact]
    public void Accept_ValidatorGetsNextBlockHeight()
    {
        var heights = new List<int>();
        var pool = new TxMempool(new RecordingValidator(heights)) { NextBlockHeight = () => 101 };
        pool.Accept(RelayKit.NewTx(_random), Now);
        Assert.Equal([101], heights);
    }

    private sealed class RecordingValidator(List<int> heights) : ITransactionValidator
    {
        public ValidationResult Validate(Transaction tx, int height)
        {
            heights.Add(height);
            return ValidationResult.Ok;
        }
    }

    private sealed class RejectAll : ITransactionValidator
    {
        public ValidationResult Validate(Transaction tx, int height) => ValidationResult.Invalid("script failed");
    }

    [Fact]
    public void Accept_ValidTransactions_KeptInArrivalOrder()
    {
        var pool = new TxMempool();
        var txs = Enumerable.Range(0, 5).Select(_ => RelayKit.NewTx(_random)).ToList();
        foreach (var tx in txs) Assert.True(pool.Accept(tx, Now).IsAccepted);
        Assert.Equal(txs.Select(t => t.GetHash()), pool.Txids);
        Assert.Equal(txs.Sum(t => t.GetSerializedSize()), pool.Bytes);
    }

    [Fact]
    public void Accept_SameTransactionTwice_AlreadyKnown()
    {
        var pool = new TxMempool();
        var tx = RelayKit.NewTx(_random);
        pool.Accept(tx, Now);
        Assert.Equal(MempoolAcceptStatus.AlreadyKnown, pool.Accept(tx, Now).Status);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void Accept_NoInputsOrNoOutputs_MalformedAndPeerFault()
    {
        var pool = new TxMempool();
        var noInputs = RelayKit.NewTx(_random);
        noInputs.Inputs.Clear();
        var noOutputs = RelayKit.NewTx(_random);
        noOutputs.Outputs.Clear();
        var r1 = pool.Accept(noInputs, Now);
        var r2 = pool.Accept(noOutputs, Now);
        Assert.Equal((MempoolAcceptStatus.Malformed, "bad-txns-vin-empty"), (r1.Status, r1.Reason));
        Assert.Equal((MempoolAcceptStatus.Malformed, "bad-txns-vout-empty"), (r2.Status, r2.Reason));
        Assert.True(r1.IsPeerFault);
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Accept_Coinbase_Malformed()
    {
        var pool = new TxMempool();
        var coinbase = RelayKit.NewTx(_random);
        coinbase.Inputs[0] = new TxIn { PrevOut = new OutPoint(default, OutPoint.NullIndex), ScriptSig = [1, 2], Sequence = uint.MaxValue };
        var result = pool.Accept(coinbase, Now);
        Assert.Equal((MempoolAcceptStatus.Malformed, "coinbase"), (result.Status, result.Reason));
    }

    [Fact]
    public void Accept_DuplicateInputsOrNegativeValue_Malformed()
    {
        var pool = new TxMempool();
        var dup = RelayKit.NewTx(_random);
        dup.Inputs.Add(dup.Inputs[0]);
        var negative = RelayKit.NewTx(_random);
        negative.Outputs[0] = new TxOut { Value = -1, ScriptPubKey = [] };
        Assert.Equal("bad-txns-inputs-duplicate", pool.Accept(dup, Now).Reason);
        Assert.Equal("bad-txns-vout-negative", pool.Accept(negative, Now).Reason);
    }

    [Fact]
    public void Accept_LargerThanStandard_NonStandardNotPeerFault()
    {
        var pool = new TxMempool();
        var big = RelayKit.NewTx(_random, scriptBytes: TransactionChecks.MaxStandardTxSize);
        var result = pool.Accept(big, Now);
        Assert.Equal(MempoolAcceptStatus.NonStandard, result.Status);
        Assert.False(result.IsPeerFault);
        Assert.True(pool.RecentRejects.Contains(big.GetHash()));
    }

    [Fact]
    public void Accept_DoubleSpendOfMempoolOutpoint_RejectedAndRemembered()
    {
        var pool = new TxMempool();
        var first = RelayKit.NewTx(_random);
        var second = RelayKit.Conflicting(first, _random);
        Assert.True(pool.Accept(first, Now).IsAccepted);
        var result = pool.Accept(second, Now);
        Assert.Equal(MempoolAcceptStatus.DoubleSpend, result.Status);
        Assert.StartsWith("txn-mempool-conflict", result.Reason);
        Assert.False(pool.Contains(second.GetHash()));
        Assert.True(pool.IsKnown(second.GetHash()));
        Assert.Equal(first.GetHash(), pool.SpenderOf(first.Inputs[0].PrevOut));
    }

    [Fact]
    public void Accept_ValidatorRejects_InvalidAndPeerFault()
    {
        var pool = new TxMempool(new RejectAll());
        var result = pool.Accept(RelayKit.NewTx(_random), Now);
        Assert.Equal((MempoolAcceptStatus.Invalid, "script failed"), (result.Status, result.Reason));
        Assert.True(result.IsPeerFault);
    }

    [Fact]
    public void Accept_OverCountLimit_Full()
    {
        var pool = new TxMempool(maxCount: 3);
        for (int i = 0; i < 3; i++) Assert.True(pool.Accept(RelayKit.NewTx(_random), Now).IsAccepted);
        var extra = RelayKit.NewTx(_random);
        Assert.Equal(MempoolAcceptStatus.Full, pool.Accept(extra, Now).Status);
        Assert.Equal(3, pool.Count);
        Assert.False(pool.RecentRejects.Contains(extra.GetHash())); // it may fit later
    }

    [Fact]
    public void Accept_OverByteLimit_Full()
    {
        var tx = RelayKit.NewTx(_random);
        var pool = new TxMempool(maxBytes: tx.GetSerializedSize() * 2 + 1);
        Assert.True(pool.Accept(tx, Now).IsAccepted);
        Assert.True(pool.Accept(RelayKit.NewTx(_random), Now).IsAccepted);
        Assert.Equal(MempoolAcceptStatus.Full, pool.Accept(RelayKit.NewTx(_random), Now).Status);
        Assert.True(pool.Bytes <= pool.MaxBytes);
    }

    [Fact]
    public void TakeForBlock_RespectsMaxBytes_RemovesTakenInOrder()
    {
        var pool = new TxMempool();
        var txs = Enumerable.Range(0, 10).Select(_ => RelayKit.NewTx(_random)).ToList();
        foreach (var tx in txs) pool.Accept(tx, Now);
        int size = txs[0].GetSerializedSize();
        var taken = pool.TakeForBlock(size * 4 + size / 2);
        Assert.Equal(txs.Take(4).Select(t => t.GetHash()), taken.Select(t => t.GetHash()));
        Assert.Equal(6, pool.Count);
        Assert.True(pool.IsKnown(txs[0].GetHash())); // recently confirmed: not downloaded again
    }

    [Fact]
    public void SelectForBlock_ParentDoesNotFit_ChildSkippedToo()
    {
        var pool = new TxMempool();
        var parent = RelayKit.NewTx(_random, scriptBytes: 1_000);
        var child = RelayKit.NewTx(_random);
        child.Inputs[0] = new TxIn { PrevOut = new OutPoint(parent.GetHash(), 0), ScriptSig = [], Sequence = 0 };
        var small = RelayKit.NewTx(_random);
        pool.Accept(parent, Now);
        pool.Accept(child, Now);
        pool.Accept(small, Now);
        var selected = pool.SelectForBlock(500);
        Assert.Equal([small.GetHash()], selected.Select(t => t.GetHash()));
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void RemoveForBlock_RemovesIncludedAndConflictingWithDescendants()
    {
        var pool = new TxMempool();
        var included = RelayKit.NewTx(_random);
        var loser = RelayKit.NewTx(_random);
        var loserChild = RelayKit.NewTx(_random);
        loserChild.Inputs[0] = new TxIn { PrevOut = new OutPoint(loser.GetHash(), 0), ScriptSig = [], Sequence = 0 };
        var bystander = RelayKit.NewTx(_random);
        foreach (var tx in new[] { included, loser, loserChild, bystander }) pool.Accept(tx, Now);
        var blockSpend = RelayKit.Conflicting(loser, _random);
        var removed = new List<string>();
        pool.Removed += (e, reason) => removed.Add(reason);
        pool.RemoveForBlock([included, blockSpend]);
        Assert.Equal([bystander.GetHash()], pool.Txids);
        Assert.Equal(["block", "conflict", "conflict (descendant)"], removed);
    }

    [Fact]
    public void ReturnFromBlock_ReaddsBeforeNewerTransactions_SkipsCoinbase()
    {
        var pool = new TxMempool();
        var newer = RelayKit.NewTx(_random);
        pool.Accept(newer, Now);
        var coinbase = new Transaction();
        coinbase.Inputs.Add(new TxIn { PrevOut = new OutPoint(default, OutPoint.NullIndex), ScriptSig = [1, 2], Sequence = uint.MaxValue });
        coinbase.Outputs.Add(new TxOut { Value = 50, ScriptPubKey = [] });
        var a = RelayKit.NewTx(_random);
        var b = RelayKit.NewTx(_random);
        var readded = pool.ReturnFromBlock([coinbase, a, b], Now);
        Assert.Equal([a.GetHash(), b.GetHash()], readded.Select(t => t.GetHash()));
        Assert.Equal([a.GetHash(), b.GetHash(), newer.GetHash()], pool.Txids);
    }

    [Fact]
    public void ReturnFromBlock_OverLimit_EvictsNewest()
    {
        var pool = new TxMempool(maxCount: 2);
        var newer = RelayKit.NewTx(_random);
        pool.Accept(newer, Now);
        var a = RelayKit.NewTx(_random);
        var b = RelayKit.NewTx(_random);
        pool.ReturnFromBlock([a, b], Now);
        Assert.Equal([a.GetHash(), b.GetHash()], pool.Txids);
    }

    [Fact]
    public void RecentTxFilter_OverCapacity_ForgetsOldest()
    {
        var filter = new RecentTxFilter(3);
        var ids = Enumerable.Range(0, 4).Select(_ => RelayKit.RandomHash(_random)).ToList();
        foreach (var id in ids) filter.Add(id);
        Assert.Equal(3, filter.Count);
        Assert.False(filter.Contains(ids[0]));
        Assert.True(filter.Contains(ids[3]));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(1000)]
    public void RecentTxFilter_MatchesAQueueAndSet_BelowAndPastItsIndexThreshold(int capacity)
    {
        // Reference model: the HashSet + Queue the filter used to be. Repeats exercise the "already known" path.
        var filter = new RecentTxFilter(capacity);
        var set = new HashSet<Hash256>();
        var order = new Queue<Hash256>();
        var seen = new List<Hash256>();
        for (int step = 0; step < 3 * capacity + 50; step++)
        {
            var id = seen.Count > 0 && _random.Next(3) == 0 ? seen[_random.Next(seen.Count)] : RelayKit.RandomHash(_random);
            seen.Add(id);
            filter.Add(id);
            if (set.Add(id))
            {
                order.Enqueue(id);
                while (order.Count > capacity) set.Remove(order.Dequeue());
            }
            Assert.Equal(set.Count, filter.Count);
            var probe = seen[_random.Next(seen.Count)];
            Assert.Equal(set.Contains(probe), filter.Contains(probe));
        }
        Assert.All(set, id => Assert.True(filter.Contains(id)));
        filter.Clear();
        Assert.Equal(0, filter.Count);
        Assert.False(filter.Contains(seen[^1]));
    }
}
