namespace Nodus.Core.Chain;

/// <summary>The few script opcodes the network layer needs: pushes (to walk a script), sigop counting, and markers.</summary>
public static class ScriptOpcodes
{
    public const byte Op0 = 0x00;
    public const byte OpPushData1 = 0x4c;
    public const byte OpPushData2 = 0x4d;
    public const byte OpPushData4 = 0x4e;
    public const byte Op1Negate = 0x4f;
    public const byte Op1 = 0x51;
    public const byte Op16 = 0x60;
    public const byte OpReturn = 0x6a;
    public const byte OpCheckSig = 0xac;
    public const byte OpCheckSigVerify = 0xad;
    public const byte OpCheckMultiSig = 0xae;
    public const byte OpCheckMultiSigVerify = 0xaf;
    public const byte OpTrue = Op1;

    /// <summary>MAX_PUBKEYS_PER_MULTISIG: a legacy count charges every CHECKMULTISIG this many sigops.</summary>
    public const int MaxPubKeysPerMultisig = 20;

    /// <summary>Appends a minimal push of <paramref name="data"/> (as CScript::operator&lt;&lt; does).</summary>
    public static void AppendPush(List<byte> script, ReadOnlySpan<byte> data)
    {
        if (data.Length < OpPushData1) script.Add((byte)data.Length);
        else if (data.Length <= 0xff) { script.Add(OpPushData1); script.Add((byte)data.Length); }
        else if (data.Length <= 0xffff) { script.Add(OpPushData2); script.Add((byte)data.Length); script.Add((byte)(data.Length >> 8)); }
        else throw new ArgumentException("push too large", nameof(data));
        foreach (var b in data) script.Add(b);
    }

    /// <summary>Appends a number as CScript() &lt;&lt; n does: OP_0, OP_1..OP_16, OP_1NEGATE, or a minimal CScriptNum push.</summary>
    public static void AppendNumber(List<byte> script, long n)
    {
        if (n == 0) { script.Add(Op0); return; }
        if (n == -1) { script.Add(Op1Negate); return; }
        if (n is >= 1 and <= 16) { script.Add((byte)(Op1 + n - 1)); return; }
        AppendPush(script, EncodeScriptNum(n));
    }

    /// <summary>CScriptNum::serialize: little-endian magnitude, sign in the top bit of the last byte.</summary>
    public static byte[] EncodeScriptNum(long value)
    {
        if (value == 0) return [];
        var result = new List<byte>(9);
        bool negative = value < 0;
        ulong abs = negative ? (ulong)(-value) : (ulong)value;
        while (abs != 0)
        {
            result.Add((byte)(abs & 0xff));
            abs >>= 8;
        }
        if ((result[^1] & 0x80) != 0) result.Add(negative ? (byte)0x80 : (byte)0);
        else if (negative) result[^1] |= 0x80;
        return result.ToArray();
    }
}
