namespace Nodus.Core.Chain;

/// <summary>BIP 34: a coinbase script begins with the block height, serialized as CScript() &lt;&lt; height.</summary>
public static class CoinbaseHeight
{
    public static byte[] Encode(int height)
    {
        var script = new List<byte>(6);
        ScriptOpcodes.AppendNumber(script, height);
        return script.ToArray();
    }
}
