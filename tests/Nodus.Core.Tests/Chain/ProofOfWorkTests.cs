using System.Numerics;
using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Core.Tests.Chain;

public class ProofOfWorkTests
{
    // Bitcoin's arith_uint256_tests "bignum_SetCompact": compact in, value, negative, overflow, compact back out.
    [Theory]
    [InlineData(0x00000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x00123456u, "0", false, false, 0x00000000u)]
    [InlineData(0x01003456u, "0", false, false, 0x00000000u)]
    [InlineData(0x02000056u, "0", false, false, 0x00000000u)]
    [InlineData(0x03000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x04000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x00923456u, "0", false, false, 0x00000000u)]
    [InlineData(0x01803456u, "0", false, false, 0x00000000u)]
    [InlineData(0x02800056u, "0", false, false, 0x00000000u)]
    [InlineData(0x03800000u, "0", false, false, 0x00000000u)]
    [InlineData(0x04800000u, "0", false, false, 0x00000000u)]
    [InlineData(0x01123456u, "12", false, false, 0x01120000u)]
    [InlineData(0x02123456u, "1234", false, false, 0x02123400u)]
    [InlineData(0x03123456u, "123456", false, false, 0x03123456u)]
    [InlineData(0x04123456u, "12345600", false, false, 0x04123456u)]
    [InlineData(0x05009234u, "92340000", false, false, 0x05009234u)]
    [InlineData(0x01fedcbau, "7e", true, false, 0x01fe0000u)]
    [InlineData(0x04923456u, "12345600", true, false, 0x04923456u)]
    [InlineData(0x20123456u, "1234560000000000000000000000000000000000000000000000000000000000", false, false, 0x20123456u)]
    public void DecodeCompact_BitcoinVectors_RoundTrip(uint compact, string hex, bool negative, bool overflow, uint back)
    {
        var value = ProofOfWork.DecodeCompact(compact, out bool neg, out bool over);
        Assert.Equal(BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber), value);
        Assert.Equal(negative, neg);
        Assert.Equal(overflow, over);
        Assert.Equal(back, ProofOfWork.EncodeCompact(value, neg));
    }

    [Fact]
    public void DecodeCompact_HugeExponent_Overflows()
    {
        ProofOfWork.DecodeCompact(0xff123456, out _, out bool overflow);
        Assert.True(overflow);
        Assert.False(ProofOfWork.TryGetTarget(0xff123456, BigInteger.One << 256, out _));
    }

    [Fact]
    public void DecodeCompact_Difficulty1_IsFfffShifted()
    {
        var target = ProofOfWork.DecodeCompact(0x1d00ffff);
        Assert.Equal(Hash256.Parse("00000000ffff0000000000000000000000000000000000000000000000000000"), ProofOfWork.TargetAsHash(target));
    }

    [Fact]
    public void GetBlockWork_MainnetGenesis_Is0x100010001()
    {
        // Bitcoin Core reports chainwork 0000…0100010001 for the mainnet genesis block.
        Assert.Equal(new BigInteger(0x100010001), ProofOfWork.GetBlockWork(0x1d00ffff));
        Assert.Equal(new BigInteger(2), ProofOfWork.GetBlockWork(0x207fffff));
        Assert.Equal(BigInteger.Zero, ProofOfWork.GetBlockWork(0x04923456));
    }

    [Fact]
    public void Check_MainnetGenesis_MeetsItsTargetButNotAHarderOne()
    {
        var header = new BlockHeader
        {
            Version = 1,
            MerkleRoot = Hash256.Parse("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
            Time = 1231006505,
            Bits = 0x1d00ffff,
            Nonce = 2083236893,
        };
        var hash = header.GetHash();
        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", hash.ToString());
        var mainnetPowLimit = (BigInteger.One << 224) - 1;
        Assert.True(ProofOfWork.Check(hash, 0x1d00ffff, mainnetPowLimit));
        Assert.False(ProofOfWork.Check(hash, 0x1a00ffff, mainnetPowLimit));
        Assert.False(ProofOfWork.Check(hash, 0x207fffff, mainnetPowLimit)); // easier than the limit allows
    }

    // Bitcoin's pow_tests: CalculateNextWorkRequired with mainnet's 14-day timespan and limit.
    [Theory]
    [InlineData(1261130161L, 1262152739L, 0x1d00ffffu, 0x1d00d86au)]
    [InlineData(1231006505L, 1233061996L, 0x1d00ffffu, 0x1d00ffffu)]
    [InlineData(1279008237L, 1279297671L, 0x1c05a3f4u, 0x1c0168fdu)]
    [InlineData(1263163443L, 1269211443L, 0x1c387f6fu, 0x1d00e1fdu)]
    public void Retarget_BitcoinVectors_Match(long firstTime, long lastTime, uint bits, uint expected)
    {
        var bitcoinMain = Networks.Test with { PowLimitBits = 0x1d00ffff, TargetSpacingSeconds = 600, RetargetInterval = 2016 };
        Assert.Equal(expected, DifficultyRule.Retarget(bits, lastTime - firstTime, bitcoinMain));
    }
}
