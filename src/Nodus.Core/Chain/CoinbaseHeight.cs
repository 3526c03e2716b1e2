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

    /// <summary>The script begins with the encoding of <paramref name="height"/> (BIP 34's rule for a coinbase).</summary>
    public static bool Begins(ReadOnlySpan<byte> script, int height)
    {
        var last = _last;
        if (last is null || last.Height != height) _last = last = new Encoded(height, Encode(height));
        return script.StartsWith(last.Bytes);
    }

    // The last height encoded, for the next check: a pure function's memo. Every node checks a block at the same height
    // (in a simulation, one after the other), so the bytes are made once per height rather than per block and node.
    // One immutable object replaced whole, never handed out: safe when several threads check blocks.
    private sealed record Encoded(int Height, byte[] Bytes);
    private static Encoded? _last;
}
