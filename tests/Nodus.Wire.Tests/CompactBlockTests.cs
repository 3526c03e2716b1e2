using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Wire.Tests;

/// <summary>BIP 152 encodings: checked against bcoin 1.0.2 (interop/, lib/net/bip152.js) and against malformed input.</summary>
public class CompactBlockTests
{
    // bcoin 1.0.2: CompactBlock.fromBlock(block, witness = true, nonce 08 07 … 01).toRaw() for the regtest genesis
    // header over [genesis coinbase, SegwitTx, genesis coinbase]: the coinbase prefilled at index 0, two wtxid short ids.
    internal const string BcoinCmpctBlockHex = Vectors.RegtestGenesisHeaderHex + "0807060504030201" + "02" +
        "b5a45266cde2" + "7bdda5df0674" + "01" + "00" + Vectors.GenesisCoinbaseHex;

    // bcoin 1.0.2: new TXRequest({ hash: 32 × 0x11, indexes: [0, 1, 3, 300, 65535] }).toRaw().
    private const string BcoinGetBlockTxnHex = "1111111111111111111111111111111111111111111111111111111111111111" +
        "05" + "00" + "00" + "01" + "fd2801" + "fdd2fe";

    private static Block VectorBlock()
    {
        var coinbase = Encoding.Wire.Decode<Transaction>(Vectors.Bytes(Vectors.GenesisCoinbaseHex));
        var segwit = Encoding.Wire.Decode<Transaction>(Vectors.Bytes(Vectors.SegwitTxHex));
        var header = Encoding.Wire.Decode<BlockHeader>(Vectors.Bytes(Vectors.RegtestGenesisHeaderHex));
        return new Block { Header = header, Transactions = [coinbase, segwit, Encoding.Wire.Decode<Transaction>(Vectors.Bytes(Vectors.GenesisCoinbaseHex))] };
    }

    [Fact]
    public void IsBuiltFrom_OnlyItsOwnWtxidsInPlace_WhileKeyAndIdsAreAsBuilt()
    {
        var block = VectorBlock();
        var compact = CompactBlock.FromBlock(block, 0x0102030405060708);
        Hash256[] wtxids = [.. block.Transactions.Skip(1).Select(t => t.GetWitnessHash())];
        var expected = wtxids.Select(compact.Key.ShortId).ToArray();

        var scratch = new ulong[2];
        Assert.Equal(expected, compact.ShortIdsOrInto(scratch).ToArray());
        Assert.Equal(expected, scratch);
        Assert.False(compact.SourceIdsHashed); // hashed into the scratch, not kept

        Assert.True(compact.IsBuiltFrom(wtxids, 0));
        Assert.True(compact.IsBuiltFrom(wtxids.AsSpan(1), 1));
        Assert.False(compact.IsBuiltFrom(wtxids.AsSpan(1), 0)); // another place
        Assert.False(compact.IsBuiltFrom(wtxids, 1));           // past the end
        Assert.False(compact.IsBuiltFrom([wtxids[1], wtxids[0]], 0));

        // Another nonce is another key: the sender's ids are not the candidates' ids any more.
        compact.Nonce++;
        Assert.False(compact.IsBuiltFrom(wtxids, 0));
        compact.Nonce--;
        Assert.True(compact.IsBuiltFrom(wtxids, 0));
        // Once the list is out it may be edited: nothing is inferred from the build.
        Assert.Equal(expected, compact.ShortIds);
        Assert.False(compact.IsBuiltFrom(wtxids, 0));
        Assert.Equal(expected, compact.ShortIdsOrInto(new ulong[2]).ToArray());
        // A decoded compact block was not built here.
        Assert.False(Decode<CmpctBlockMessage>("cmpctblock", BcoinCmpctBlockHex).Block.IsBuiltFrom(wtxids, 0));
    }

    [Fact]
    public void FromBlock_SizedWithoutHashing_IdsHashedWhenEncodedOrRead()
    {
        var compact = CompactBlock.FromBlock(VectorBlock(), 0x0102030405060708);
        Assert.Equal(3, compact.TransactionCount);
        int size = MessageCodec.PayloadSize(new CmpctBlockMessage(compact));
        Assert.False(compact.SourceIdsHashed); // the size follows from the counts
        Assert.Equal(BcoinCmpctBlockHex.Length / 2, size);
        Assert.Equal(BcoinCmpctBlockHex, Convert.ToHexString(Samples.Payload(new CmpctBlockMessage(compact))).ToLowerInvariant());
        Assert.True(compact.SourceIdsHashed);

        var other = CompactBlock.FromBlock(VectorBlock(), 0x0102030405060708);
        Assert.Equal(compact.ShortIdSpan.ToArray(), other.ShortIds);
    }

    [Fact]
    public void FromBlock_SameBytesAsBcoin()
    {
        var compact = CompactBlock.FromBlock(VectorBlock(), 0x0102030405060708);
        Assert.Equal(BcoinCmpctBlockHex, Convert.ToHexString(Samples.Payload(new CmpctBlockMessage(compact))).ToLowerInvariant());
    }

    [Fact]
    public void Decode_BcoinCompactBlock_ShortIdsMatchOurWtxidHashes()
    {
        var decoded = Decode<CmpctBlockMessage>("cmpctblock", BcoinCmpctBlockHex).Block;
        var block = VectorBlock();
        Assert.Equal(0x0102030405060708UL, decoded.Nonce);
        Assert.Equal(3, decoded.TransactionCount);
        Assert.Equal(0, Assert.Single(decoded.Prefilled).Index);
        Assert.Equal(decoded.Key.ShortId(block.Transactions[1].GetWitnessHash()), decoded.ShortIds[0]);
        Assert.Equal(decoded.Key.ShortId(block.Transactions[2].GetWitnessHash()), decoded.ShortIds[1]);
        Assert.True(decoded.ShortIds[0] < 1UL << 48);
    }

    [Fact]
    public void CmpctBlock_ManyShortIds_EachSixBytesLittleEndianAndRoundTrips()
    {
        // Short ids are copied through the stream in runs: 300 spans three runs, and each id keeps its own 6 bytes.
        var compact = Decode<CmpctBlockMessage>("cmpctblock", BcoinCmpctBlockHex).Block;
        compact.ShortIds = [.. Enumerable.Range(0, 300).Select(i => 0x0000_a1b2_c3d4_e500UL + (ulong)i)];
        var bytes = Samples.Payload(new CmpctBlockMessage(compact));
        int at = BlockHeader.EncodedSize + 8 + 3; // header, nonce, CompactSize 300 (fd 2c 01)
        Assert.Equal("fd2c01", Convert.ToHexString(bytes, at - 3, 3).ToLowerInvariant());
        for (int i = 0; i < 300; i++)
            Assert.Equal(0x0000_a1b2_c3d4_e500UL + (ulong)i, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian([.. bytes.AsSpan(at + 6 * i, 6), 0, 0]));
        var decoded = Decode<CmpctBlockMessage>("cmpctblock", Convert.ToHexString(bytes)).Block;
        Assert.Equal(compact.ShortIds, decoded.ShortIds);
        Assert.Equal(bytes, Samples.Payload(new CmpctBlockMessage(decoded)));
    }

    [Fact]
    public void GetBlockTxn_DifferentialIndexes_SameBytesAsBcoin()
    {
        var request = new BlockTransactionsRequest { BlockHash = new Hash256(Enumerable.Repeat((byte)0x11, 32).ToArray()), Indexes = [0, 1, 3, 300, 65535] };
        Assert.Equal(BcoinGetBlockTxnHex, Convert.ToHexString(Samples.Payload(new GetBlockTxnMessage(request))).ToLowerInvariant());
        Assert.Equal(request.Indexes, Decode<GetBlockTxnMessage>("getblocktxn", BcoinGetBlockTxnHex).Request.Indexes);
    }

    [Theory]
    [InlineData("02" + "fdffff" + "00", "overflows")]          // 65535, then 65536
    [InlineData("01" + "fe00000100", "overflows")]             // a single gap of 65536
    [InlineData("fe00000100", "entries")]                      // 65536 + 1 entries claimed in 0 bytes
    [InlineData("03" + "00", "cannot fit")]
    public void GetBlockTxn_Malformed_Refused(string tail, string reason)
    {
        string hex = new string('2', 64) + tail;
        var result = MessageCodec.Decode("getblocktxn", new System.Buffers.ReadOnlySequence<byte>(Convert.FromHexString(hex)));
        Assert.Equal(Framing.ReadStatus.Error, result.Status);
        Assert.Contains(reason, result.Error);
    }

    [Fact]
    public void CmpctBlock_ShortIdCountAboveLimitOrBytes_RefusedBeforeAllocation()
    {
        string prefix = Vectors.RegtestGenesisHeaderHex + "0807060504030201";
        var tooMany = MessageCodec.Decode("cmpctblock", Seq(prefix + "fea0860100")); // 100,000 + 0 entries claimed
        Assert.Equal(Framing.ReadStatus.Error, tooMany.Status);
        Assert.Contains("cannot fit", tooMany.Error);
        var aboveLimit = MessageCodec.Decode("cmpctblock", Seq(prefix + "fea1860100" + new string('0', 12 * 100)));
        Assert.Contains("limit 100000", aboveLimit.Error);
    }

    [Fact]
    public void CmpctBlock_PrefilledIndexOverflow_Refused()
    {
        // No short ids; two prefilled transactions at 65535 and then 65536.
        string hex = Vectors.RegtestGenesisHeaderHex + "0807060504030201" + "00" + "02" + "fdffff" + Vectors.GenesisCoinbaseHex + "00" + Vectors.GenesisCoinbaseHex;
        var result = MessageCodec.Decode("cmpctblock", Seq(hex));
        Assert.Equal(Framing.ReadStatus.Error, result.Status);
        Assert.Contains("overflows", result.Error);
    }

    [Fact]
    public void Encode_IndexesNotAscending_Refused()
    {
        var request = new BlockTransactionsRequest { Indexes = [3, 3] };
        Assert.Throws<WireFormatException>(() => Samples.Payload(new GetBlockTxnMessage(request)));
    }

    [Fact]
    public void SendCmpct_Bytes()
    {
        Assert.Equal("010200000000000000", Convert.ToHexString(Samples.Payload(new SendCmpctMessage(true))).ToLowerInvariant());
        var low = Decode<SendCmpctMessage>("sendcmpct", "000100000000000000");
        Assert.False(low.HighBandwidth);
        Assert.Equal(1UL, low.Version);
    }

    private static System.Buffers.ReadOnlySequence<byte> Seq(string hex) => new(Convert.FromHexString(hex));

    internal static T Decode<T>(string command, string hex) where T : IMessage
    {
        var result = MessageCodec.Decode(command, Seq(hex));
        Assert.Equal(Framing.ReadStatus.Message, result.Status);
        return (T)result.Message!;
    }
}
