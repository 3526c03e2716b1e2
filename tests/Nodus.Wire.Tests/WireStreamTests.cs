using System.Buffers;
using Nodus.Wire.Encoding;

namespace Nodus.Wire.Tests;

public class WireStreamTests
{
    public static TheoryData<ulong, string> Canonical => new()
    {
        { 0, "00" }, { 1, "01" }, { 0xfc, "fc" },
        { 0xfd, "fdfd00" }, { 0xfe, "fdfe00" }, { 0xffff, "fdffff" },
        { 0x1_0000, "fe00000100" }, { 0xffff_ffff, "feffffffff" },
        { 0x1_0000_0000, "ff0000000001000000" }, { ulong.MaxValue, "ffffffffffffffffff" },
    };

    [Theory]
    [MemberData(nameof(Canonical))]
    public void CompactSize_CanonicalValue_EncodesAndDecodes(ulong value, string hex)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = WireStream.ForWriting(buffer);
        w.CompactSize(ref value);
        Assert.Equal(hex, Convert.ToHexStringLower(buffer.WrittenSpan));
        Assert.Equal(hex.Length / 2, WireStream.CompactSizeLength(value));

        var r = WireStream.ForReading(Convert.FromHexString(hex));
        ulong read = 0;
        r.CompactSize(ref read);
        Assert.Equal(value, read);
        Assert.Equal(0, r.Remaining);
    }

    [Theory]
    [InlineData("fd0000")] // 0 in 3 bytes
    [InlineData("fdfc00")] // 0xfc in 3 bytes
    [InlineData("fe00000000")]
    [InlineData("feffff0000")] // 0xffff in 5 bytes
    [InlineData("ff0000000000000000")]
    [InlineData("ffffffffff00000000")] // 0xffffffff in 9 bytes
    public void CompactSize_NonCanonical_Rejected(string hex) => AssertRejected(hex, "non-canonical");

    [Theory]
    [InlineData("")]
    [InlineData("fd")]
    [InlineData("fd00")]
    [InlineData("fe000001")]
    [InlineData("ff00000000010000")]
    public void CompactSize_Truncated_Rejected(string hex) => AssertRejected(hex, "truncated");

    private static void AssertRejected(string hex, string reason)
    {
        var bytes = Convert.FromHexString(hex);
        var e = Assert.Throws<WireFormatException>(() =>
        {
            var r = WireStream.ForReading(bytes);
            ulong v = 0;
            r.CompactSize(ref v);
        });
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Count_AboveLimit_RejectedBeforeAllocating()
    {
        var e = Assert.Throws<WireFormatException>(() =>
        {
            var r = WireStream.ForReading(Convert.FromHexString("0b"));
            int count = 0;
            r.Count(ref count, 10, 1, "things");
        });
        Assert.Contains("limit 10", e.Message);
    }

    [Fact]
    public void Count_MoreEntriesThanBytesLeft_Rejected()
    {
        var e = Assert.Throws<WireFormatException>(() =>
        {
            var r = WireStream.ForReading(Convert.FromHexString("03" + new string('0', 2 * 35 * 3)));
            int count = 0;
            r.Count(ref count, 1000, 36, "inv");
        });
        Assert.Contains("cannot fit", e.Message);
    }

    [Fact]
    public void Hash256_ParseToString_UsesReversedDisplayOrder()
    {
        var hash = Hash256.Parse("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
        Assert.Equal(0x6f, hash.ToArray()[0]);
        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", hash.ToString());
        Assert.False(Hash256.TryParse("xyz", out _));
    }

    [Fact]
    public void Sha256d_MultiSegment_EqualsContiguous()
    {
        var data = Samples.RandomBytes(new Random(3), 1000);
        Assert.Equal(Sha256d.Hash(data), Sha256d.Hash(Samples.Segmented(data, 7)));
        Assert.Equal("5df6e0e2", Convert.ToHexStringLower(BitConverter.GetBytes(Sha256d.Checksum(ReadOnlySpan<byte>.Empty))));
    }
}
