using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using Xunit;
using static Nodus.Core.Tests.Chain.ChainTestKit;

namespace Nodus.Core.Tests.Chain;

public class BlockValidatorTests
{
    private static readonly NetworkParams BitcoinRegtest = Networks.BitcoinRegtest;
    private static readonly long GenesisMtp = BitcoinRegtest.Genesis.Header.Time;

    private static Block Remerkle(Block block)
    {
        foreach (var tx in block.Transactions) tx.InvalidateHashes();
        var header = block.Header;
        header.MerkleRoot = block.ComputeMerkleRoot();
        Miner.Grind(ref header, 1_000_000, out _);
        block.Header = header;
        return block;
    }

    private static Block MinedOnGenesis(params Transaction[] txs) =>
        Mine(BitcoinRegtest, new ChainIndex(BitcoinRegtest).Genesis, txs: txs);

    [Fact]
    public void MinedBlock_BitcoinRegtest_PassesContextFreeAndContextualChecks()
    {
        var block = MinedOnGenesis(SpendTx(1), SpendTx(2, outputs: 3));
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckBlock(block, BitcoinRegtest));
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance));
        var coinbase = block.Transactions[0];
        Assert.True(coinbase.IsCoinbase);
        Assert.InRange(coinbase.Inputs[0].ScriptSig.Length, 2, 100);
        Assert.Equal(0x51, coinbase.Inputs[0].ScriptSig[0]); // BIP 34: height 1 is OP_1
        Assert.Equal(50 * ConsensusLimits.Coin, coinbase.Outputs[0].Value);
        // It survives the wire: decode what we encode and check again.
        var decoded = Wire.Encoding.Wire.Decode<Block>(block.Serialize());
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckBlock(decoded, BitcoinRegtest));
    }

    [Fact]
    public void MinedBlock_WithWitnessTransaction_CarriesAValidCommitment()
    {
        var witnessTx = SpendTx(3);
        witnessTx.Inputs[0] = witnessTx.Inputs[0] with { Witness = [[1, 2, 3]] };
        var block = MinedOnGenesis(witnessTx);
        Assert.True(WitnessCommitment.FindIndex(block.Transactions[0]) >= 0);
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance));

        block.Transactions[1].Inputs[0] = block.Transactions[1].Inputs[0] with { Witness = [[9]] };
        block.Transactions[1].InvalidateHashes();
        Assert.Equal("bad-witness-merkle-match", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
    }

    [Fact]
    public void CheckContextual_WitnessWithoutCommitment_UnexpectedWitness()
    {
        var block = MinedOnGenesis(SpendTx(4));
        block.Transactions[1].Inputs[0] = block.Transactions[1].Inputs[0] with { Witness = [[1]] };
        Assert.Equal("unexpected-witness", BlockValidator.CheckContextual(Remerkle(block), 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
    }

    [Fact]
    public void CheckContextual_TransactionGrownAfterAValidCheck_WeighedAgain()
    {
        // The weight of the transactions after the coinbase is memoised with their wtxids: a change must be weighed.
        var block = MinedOnGenesis(SpendTx(11), SpendTx(12));
        var ok = BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance);
        Assert.Equal(ValidationResult.Ok, ok);
        var tx = block.Transactions[2];
        tx.Outputs.Add(new TxOut { Value = 0, ScriptPubKey = new byte[ConsensusLimits.MaxBlockWeight / ConsensusLimits.WitnessScaleFactor] });
        tx.InvalidateHashes();
        Assert.Equal("bad-blk-weight", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
        tx.Outputs.RemoveAt(tx.Outputs.Count - 1);
        tx.InvalidateHashes();
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance));
    }

    [Fact]
    public void CheckBlockInContext_ContextFreeFailureFirst_ThenContextual()
    {
        var block = MinedOnGenesis(SpendTx(13));
        var net = PermissiveTransactionValidator.Instance;
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckBlockInContext(block, 1, GenesisMtp, BitcoinRegtest, net));
        Assert.Equal("bad-cb-height", BlockValidator.CheckBlockInContext(block, 2, GenesisMtp, BitcoinRegtest, net).Reason);
        block.Transactions.Add(SpendTx(14)); // the merkle root no longer matches: CheckBlock's answer comes first
        Assert.Equal("bad-txnmrklroot", BlockValidator.CheckBlockInContext(block, 2, GenesisMtp, BitcoinRegtest, net).Reason);
        Assert.Equal("bad-cb-height", BlockValidator.CheckContextual(block, 2, GenesisMtp, BitcoinRegtest, net).Reason);
    }

    [Fact]
    public void CheckBlock_NoCoinbaseFirst_BadCbMissing()
    {
        var block = MinedOnGenesis(SpendTx(5));
        block.Transactions.Reverse();
        Assert.Equal("bad-cb-missing", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
    }

    [Fact]
    public void CheckBlock_SecondCoinbase_BadCbMultiple()
    {
        var block = MinedOnGenesis();
        var other = Mine(BitcoinRegtest, new ChainIndex(BitcoinRegtest).Genesis, extraNonce: 3).Transactions[0];
        block.Transactions.Add(other);
        Assert.Equal("bad-cb-multiple", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(101)]
    public void CheckBlock_CoinbaseScriptOutOfBounds_BadCbLength(int length)
    {
        var block = MinedOnGenesis();
        block.Transactions[0].Inputs[0] = block.Transactions[0].Inputs[0] with { ScriptSig = new byte[length] };
        Assert.Equal("bad-cb-length", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
    }

    [Fact]
    public void CheckBlock_DuplicateTransaction_Rejected()
    {
        var tx = SpendTx(6);
        var block = MinedOnGenesis(tx, SpendTx(7));
        block.Transactions.Add(tx);
        Assert.Equal("bad-txns-duplicate", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
    }

    [Fact]
    public void CheckBlock_TransactionChangedAfterAValidCheck_CheckedAgain()
    {
        // The per-transaction results are memoised on the block with its txids: a change must not be answered from them.
        var block = MinedOnGenesis(SpendTx(9), SpendTx(10));
        Assert.True(BlockValidator.CheckBlock(block, BitcoinRegtest).IsValid);
        var tx = block.Transactions[2];
        tx.Inputs.Add(tx.Inputs[0]);
        Assert.Equal("bad-txns-inputs-duplicate", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
        tx.Inputs.RemoveAt(1);
        Assert.True(BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).IsValid);
    }

    [Fact]
    public void CheckBlock_TooManySigOps_BadBlkSigops()
    {
        // 20,001 CHECKSIGs in one output script: one over the legacy limit.
        var script = Enumerable.Repeat(ScriptOpcodes.OpCheckSig, ConsensusLimits.MaxBlockLegacySigOps + 1).ToArray();
        var block = MinedOnGenesis();
        block.Transactions.Add(SpendTx(8, script: script));
        Assert.Equal("bad-blk-sigops", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
        // At the limit it passes (the coinbase's OP_TRUE payout has no sigop).
        block.Transactions[1] = SpendTx(8, script: script[1..]);
        Assert.True(BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).IsValid);
    }

    [Fact]
    public void CheckBlock_OverBaseSize_BadBlkLength()
    {
        var block = MinedOnGenesis();
        block.Transactions.Add(SpendTx(9, script: new byte[ConsensusLimits.MaxBlockBaseSize]));
        Assert.Equal("bad-blk-length", BlockValidator.CheckBlock(Remerkle(block), BitcoinRegtest).Reason);
    }

    [Fact]
    public void CheckBlock_WrongMerkleRoot_BadTxnMrklRoot()
    {
        var block = MinedOnGenesis(SpendTx(10));
        block.Transactions[1].Outputs[0] = new TxOut { Value = 5, ScriptPubKey = [ScriptOpcodes.OpTrue] };
        block.Transactions[1].InvalidateHashes();
        Assert.Equal("bad-txnmrklroot", BlockValidator.CheckBlock(block, BitcoinRegtest).Reason);
    }

    [Theory]
    [InlineData(-1L, "bad-txns-vout-negative")]
    [InlineData(ConsensusLimits.MaxMoney + 1, "bad-txns-vout-toolarge")]
    public void CheckTransaction_BadValues_Rejected(long value, string reason)
    {
        var tx = SpendTx(11);
        tx.Outputs[0] = new TxOut { Value = value, ScriptPubKey = [] };
        Assert.Equal(reason, BlockValidator.CheckTransaction(tx).Reason);
    }

    [Fact]
    public void CheckContextual_RejectingValidator_ReasonPassedThrough()
    {
        var block = MinedOnGenesis(SpendTx(12));
        Assert.Equal("no-thanks", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, new RejectAll()).Reason);
    }

    [Fact]
    public void BlockAssembler_FullMempool_StaysWithinWeight()
    {
        // 100 transactions of ~50 kB each: only about 19 fit in 1,000,000 base bytes.
        var txs = Enumerable.Range(0, 100).Select(i => SpendTx((byte)i, script: new byte[50_000])).ToList();
        var block = MinedOnGenesis([.. txs]);
        Assert.InRange(block.Transactions.Count, 10, 21);
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckBlock(block, BitcoinRegtest));
        Assert.Equal(ValidationResult.Ok, BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance));
    }

    [Theory]
    [InlineData(2u, 0u, false)]                       // height lock not reached (block height 1)
    [InlineData(1u, 0u, false)]                       // a lock time equal to the height is not final either
    [InlineData(2u, uint.MaxValue, true)]             // final sequence disables the lock
    [InlineData(1296688602u, 0u, false)]              // time lock at the cutoff is not yet final
    [InlineData(1296688601u, 0u, true)]
    public void CheckContextual_LockTime_BadTxnsNonfinalUnlessFinal(uint lockTime, uint sequence, bool final)
    {
        var tx = SpendTx(13);
        tx.LockTime = lockTime;
        tx.Inputs[0] = tx.Inputs[0] with { Sequence = sequence };
        var block = MinedOnGenesis();
        block.Transactions.Add(tx);
        var result = BlockValidator.CheckContextual(Remerkle(block), 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance);
        Assert.Equal(final ? "" : "bad-txns-nonfinal", result.Reason);
        // The assembler leaves a non-final transaction out.
        Assert.Equal(final ? 2 : 1, MinedOnGenesis(tx).Transactions.Count);
    }

    [Fact]
    public void CheckContextual_SameBlockAtTwoCutoffs_LockTimeJudgedEachTime()
    {
        // The lock-time facts are memoised on the block: the bound they are judged against is not.
        var tx = SpendTx(14);
        tx.LockTime = (uint)GenesisMtp;
        tx.Inputs[0] = tx.Inputs[0] with { Sequence = 0 };
        var block = MinedOnGenesis();
        block.Transactions.Add(tx);
        block = Remerkle(block);
        Assert.Equal("bad-txns-nonfinal", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
        Assert.Equal("", BlockValidator.CheckContextual(block, 1, GenesisMtp + 1, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
        Assert.Equal("bad-txns-nonfinal", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
        tx.Inputs[0] = tx.Inputs[0] with { Sequence = uint.MaxValue }; // a changed transaction: new ids, new facts
        tx.InvalidateHashes();
        Assert.NotEqual("bad-txns-nonfinal", BlockValidator.CheckContextual(block, 1, GenesisMtp, BitcoinRegtest, PermissiveTransactionValidator.Instance).Reason);
    }

    private sealed class RejectAll : ITransactionValidator
    {
        public ValidationResult Validate(Transaction tx, int height) => ValidationResult.Invalid("no-thanks");
    }
}
