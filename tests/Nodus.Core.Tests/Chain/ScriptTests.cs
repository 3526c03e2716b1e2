using Nodus.Core.Chain;
using Xunit;

namespace Nodus.Core.Tests.Chain;

public class ScriptTests
{
    [Theory]
    [InlineData(1, "51")]
    [InlineData(16, "60")]
    [InlineData(17, "0111")]
    [InlineData(127, "017f")]
    [InlineData(128, "028000")]
    [InlineData(500, "02f401")]
    [InlineData(65536, "03000001")]
    [InlineData(8388608, "0400008000")]
    public void CoinbaseHeight_Encode_MatchesCScriptShiftHeight(int height, string hex) =>
        Assert.Equal(hex, Convert.ToHexStringLower(CoinbaseHeight.Encode(height)));

    [Theory]
    [InlineData("ac", 1)]
    [InlineData("adac", 2)]
    [InlineData("ae", 20)]
    [InlineData("5121aa00000000000000000000000000000000000000000000000000000000000000000051ae", 20)]
    [InlineData("02acac", 0)]               // the CHECKSIGs are pushed data
    [InlineData("4c02acacac", 1)]           // PUSHDATA1 of two bytes, then one CHECKSIG
    [InlineData("ac4c", 1)]                 // a truncated PUSHDATA1 ends the walk
    [InlineData("ac05acac", 1)]             // a push past the end ends the walk
    [InlineData("76a914000000000000000000000000000000000000000088ac", 1)] // P2PKH
    public void CountScript_LegacyRules_Counts(string hex, int expected) =>
        Assert.Equal(expected, SigOps.CountScript(Convert.FromHexString(hex)));
}
