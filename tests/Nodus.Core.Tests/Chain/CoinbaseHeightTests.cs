using Nodus.Core.Chain;
using Xunit;

namespace Nodus.Core.Tests.Chain;

public class CoinbaseHeightTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(128)]
    [InlineData(840_000)]
    public void Begins_ScriptsOfAlternatingHeights_AnsweredForEachHeight(int height)
    {
        // The last encoding is memoised: asking for other heights in between must not answer from it.
        var script = CoinbaseHeight.Encode(height).Concat(new byte[] { 0xAB, 0xCD }).ToArray();
        Assert.True(CoinbaseHeight.Begins(script, height));
        Assert.False(CoinbaseHeight.Begins(script, height + 1));
        Assert.True(CoinbaseHeight.Begins(script, height));
        Assert.False(CoinbaseHeight.Begins(script.AsSpan(0, CoinbaseHeight.Encode(height).Length - 1), height));
        Assert.False(CoinbaseHeight.Begins(CoinbaseHeight.Encode(height + 256), height));
    }
}
