using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using WireCodec = Nodus.Wire.Encoding.Wire;

namespace Nodus.Wire.Tests;

public class BlockTests
{
    [Fact]
    public void Decode_MainnetGenesis_HashMerkleRootAndFieldsMatchPublished()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex);
        var block = WireCodec.Decode<Block>(bytes);

        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", block.GetHash().ToString());
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", block.Header.MerkleRoot.ToString());
        Assert.Equal(block.Header.MerkleRoot, block.ComputeMerkleRoot());
        Assert.Equal(1, block.Header.Version);
        Assert.True(block.Header.PrevBlock.IsZero);
        Assert.Equal(1231006505u, block.Header.Time);
        Assert.Equal(0x1d00ffffu, block.Header.Bits);
        Assert.Equal(2083236893u, block.Header.Nonce);
        var coinbase = Assert.Single(block.Transactions);
        Assert.True(coinbase.IsCoinbase);
        Assert.Equal(5_000_000_000, Assert.Single(coinbase.Outputs).Value);
        Assert.Equal(block.Header.MerkleRoot, coinbase.GetHash());
    }

    [Fact]
    public void Encode_MainnetGenesis_ReproducesPublishedBytes()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex);
        Assert.Equal(285, bytes.Length);
        Assert.Equal(bytes, WireCodec.Decode<Block>(bytes).Serialize());
    }

    [Fact]
    public void Decode_RegtestGenesis_HashMatchesPublished()
    {
        var bytes = Vectors.Bytes(Vectors.RegtestGenesisBlockHex);
        var block = WireCodec.Decode<Block>(bytes);

        Assert.Equal("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", block.GetHash().ToString());
        Assert.Equal(1296688602u, block.Header.Time);
        Assert.Equal(0x207fffffu, block.Header.Bits);
        Assert.Equal(2u, block.Header.Nonce);
        Assert.Equal(block.Header.MerkleRoot, block.ComputeMerkleRoot());
        Assert.Equal(bytes, block.Serialize());
    }

    [Fact]
    public void BlockHeader_GenesisHeaderAlone_HashesTo80ByteVector()
    {
        var header = WireCodec.Decode<BlockHeader>(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex));
        Assert.Equal(Sha256d.Hash(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex)), header.GetHash());
        Assert.Equal(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex), WireCodec.Encode(header));
    }

    [Fact]
    public void Decode_TrailingByteAfterBlock_Throws()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex + "00");
        Assert.Throws<WireFormatException>(() => WireCodec.Decode<Block>(bytes));
    }

    [Fact]
    public void MerkleRoot_DuplicatedLastPair_FlagsMutation()
    {
        var random = new Random(7);
        var a = Samples.RandomHash(random);
        var b = Samples.RandomHash(random);
        var c = Samples.RandomHash(random);
        var odd = MerkleTree.Root([a, b, c], out bool oddMutated);
        var padded = MerkleTree.Root([a, b, c, c], out bool paddedMutated);
        Assert.Equal(odd, padded); // CVE-2012-2459: both lists give one root
        Assert.False(oddMutated);
        Assert.True(paddedMutated);
    }
}
