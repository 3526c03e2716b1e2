using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using WireCodec = Nodus.Wire.Encoding.Wire;

namespace Nodus.Wire.Tests;

public class TransactionTests
{
    [Fact]
    public void Decode_MainnetSegwitTx_TxidAndWtxidMatchPublished()
    {
        var bytes = Vectors.Bytes(Vectors.SegwitTxHex);
        var tx = WireCodec.Decode<Transaction>(bytes);

        Assert.Equal(2, tx.Version);
        Assert.True(tx.HasWitness);
        var input = Assert.Single(tx.Inputs);
        Assert.Equal("7cac3cf9a112cf04901a51d605058615d56ffe6d04b45270e89d1720ea955859", input.PrevOut.Hash.ToString());
        Assert.Equal(1u, input.PrevOut.Index);
        Assert.Equal(2, input.Witness.Length);
        Assert.Equal(72, input.Witness[0].Length);
        Assert.Equal(33, input.Witness[1].Length);
        Assert.Single(tx.Outputs);
        Assert.Equal(0u, tx.LockTime);
        Assert.Equal(Vectors.SegwitTxId, tx.GetHash().ToString());
        Assert.Equal(Vectors.SegwitTxWitnessId, tx.GetWitnessHash().ToString());
    }

    [Fact]
    public void Encode_MainnetSegwitTx_ReproducesBytesAndWeight()
    {
        var bytes = Vectors.Bytes(Vectors.SegwitTxHex);
        var tx = WireCodec.Decode<Transaction>(bytes);
        Assert.Equal(bytes, tx.Serialize());
        int stripped = tx.GetSerializedSize(withWitness: false);
        Assert.Equal(442, stripped * 3 + bytes.Length); // BIP 141 weight
    }

    [Fact]
    public void Decode_LegacyTx_TxidEqualsWtxid()
    {
        var tx = WireCodec.Decode<Transaction>(Vectors.Bytes(Vectors.GenesisCoinbaseHex));
        Assert.False(tx.HasWitness);
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", tx.GetHash().ToString());
        Assert.Equal(tx.GetHash(), tx.GetWitnessHash());
    }

    [Fact]
    public void Decode_WitnessFlagWithoutWitnessData_Throws()
    {
        // version 1, marker 0, flag 1, one input with an empty script, one output, an empty witness stack, lock time.
        var hex = "01000000" + "0001" + "01" + new string('0', 64) + "00000000" + "00" + "ffffffff" + "01" + "0000000000000000" + "00" + "00" + "00000000";
        var e = Assert.Throws<WireFormatException>(() => WireCodec.Decode<Transaction>(Vectors.Bytes(hex)));
        Assert.Contains("superfluous witness", e.Message);
    }

    [Fact]
    public void Decode_UnknownOptionalDataFlag_Throws()
    {
        var hex = "01000000" + "0002" + "01" + new string('0', 64) + "00000000" + "00" + "ffffffff" + "01" + "0000000000000000" + "00" + "00000000";
        Assert.Throws<WireFormatException>(() => WireCodec.Decode<Transaction>(Vectors.Bytes(hex)));
    }

    [Fact]
    public void InvalidateHashes_AfterChange_RecomputesTxid()
    {
        var tx = WireCodec.Decode<Transaction>(Vectors.Bytes(Vectors.GenesisCoinbaseHex));
        var before = tx.GetHash();
        tx.LockTime = 1;
        Assert.Equal(before, tx.GetHash()); // cached until invalidated
        tx.InvalidateHashes();
        Assert.NotEqual(before, tx.GetHash());
    }

    [Fact]
    public void Decode_NoInputsNoOutputs_EmptyListsAndSameBytes()
    {
        var bytes = Vectors.Bytes("01000000" + "00" + "00" + "00000000");
        var tx = WireCodec.Decode<Transaction>(bytes);
        Assert.Empty(tx.Inputs);
        Assert.Empty(tx.Outputs);
        Assert.Equal(bytes, tx.Serialize());
    }
}
