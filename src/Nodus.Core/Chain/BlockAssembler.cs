using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Builds a block template on a parent (Bitcoin's BlockAssembler): a coinbase paying the block reward whose script
/// starts with the height (BIP 34) followed by an extra nonce, then mempool transactions in the given order while
/// they fit the weight and sigop limits, and a witness commitment when any of them carries witness data. The
/// result passes Bitcoin's CheckBlock once <see cref="Miner"/> has found its nonce.
/// </summary>
public sealed class BlockAssembler(NetworkParams network)
{
    /// <summary>Version with BIP 9's top bits (0x20000000) and no deployment signalled, as Bitcoin Core mines.</summary>
    public const int BlockVersion = 0x20000000;

    /// <summary>Anyone-can-spend OP_TRUE: the default payout, so tests and demos can spend mined coins without keys.</summary>
    public static readonly byte[] DefaultPayoutScript = [ScriptOpcodes.OpTrue];

    public NetworkParams Network { get; } = network;

    /// <param name="now">Microseconds since the Unix epoch; the block time is max(now, median time past + 1).</param>
    /// <param name="mempool">Candidates in priority order; coinbases, duplicates, non-final ones and those that do not fit are skipped.</param>
    public Block Create(ChainEntry parent, long now, IEnumerable<Transaction>? mempool = null, byte[]? payoutScript = null, ulong extraNonce = 0)
    {
        int height = parent.Height + 1;
        long lockTimeCutoff = parent.GetMedianTimePast();
        var selected = new List<Transaction>();
        var seen = new HashSet<Hash256>();
        long weight = ConsensusLimits.CoinbaseReservedWeight;
        long sigOps = ConsensusLimits.CoinbaseReservedSigOps;
        foreach (var tx in mempool ?? [])
        {
            if (tx.IsCoinbase || !BlockValidator.CheckTransaction(tx).IsValid || !LockTime.IsFinal(tx, height, lockTimeCutoff) ||
                !seen.Add(tx.GetHash())) continue;
            long txWeight = (long)tx.GetSerializedSize(withWitness: false) * (ConsensusLimits.WitnessScaleFactor - 1) + tx.GetSerializedSize(withWitness: true);
            int txSigOps = SigOps.CountLegacy(tx);
            if (weight + txWeight > ConsensusLimits.MaxBlockWeight || sigOps + txSigOps > ConsensusLimits.MaxBlockLegacySigOps) continue;
            weight += txWeight;
            sigOps += txSigOps;
            selected.Add(tx);
        }

        var script = new List<byte>(CoinbaseHeight.Encode(height));
        ScriptOpcodes.AppendPush(script, BitConverter.GetBytes(extraNonce));
        var coinbase = new Transaction
        {
            Version = 2,
            Inputs = [new TxIn { PrevOut = new OutPoint(Hash256.Zero, OutPoint.NullIndex), ScriptSig = script.ToArray(), Sequence = uint.MaxValue, Witness = [] }],
            Outputs = [new TxOut { Value = Network.GetBlockSubsidy(height), ScriptPubKey = payoutScript ?? DefaultPayoutScript }],
        };
        var block = new Block { Transactions = [coinbase, .. selected] };

        if (selected.Exists(t => t.HasWitness))
        {
            var reserved = new byte[32];
            coinbase.Inputs[0] = coinbase.Inputs[0] with { Witness = [reserved] };
            coinbase.Outputs.Add(new TxOut { Value = 0, ScriptPubKey = WitnessCommitment.Script(WitnessCommitment.Compute(block, reserved)) });
            coinbase.InvalidateHashes();
        }

        block.Header = new BlockHeader
        {
            Version = BlockVersion,
            PrevBlock = parent.Hash,
            MerkleRoot = block.ComputeMerkleRoot(),
            Time = (uint)Math.Max(Time.ToUnixSeconds(now), parent.GetMedianTimePast() + 1),
            Bits = DifficultyRule.NextBits(parent, Network),
            Nonce = 0,
        };
        return block;
    }
}
