using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// BIP 141's witness commitment: the coinbase's last output of the form OP_RETURN push36(aa21a9ed ‖ hash) commits to
/// SHA-256d(witness merkle root ‖ the coinbase's 32-byte witness reserved value).
/// </summary>
public static class WitnessCommitment
{
    public static readonly byte[] Header = [0xaa, 0x21, 0xa9, 0xed];

    /// <summary>MINIMUM_WITNESS_COMMITMENT: OP_RETURN, push 36, 4-byte header, 32-byte hash.</summary>
    public const int MinimumScriptLength = 38;

    /// <summary>The witness merkle root: wtxids, with the coinbase's counted as zero.</summary>
    public static Hash256 WitnessMerkleRoot(Block block, out bool mutated) => block.ComputeWitnessMerkleRoot(out mutated);

    public static Hash256 Compute(Block block, ReadOnlySpan<byte> reservedValue) => Compute(WitnessMerkleRoot(block, out _), reservedValue);

    /// <summary>The commitment to a witness merkle root already computed.</summary>
    public static Hash256 Compute(Hash256 witnessMerkleRoot, ReadOnlySpan<byte> reservedValue)
    {
        Span<byte> data = stackalloc byte[64];
        witnessMerkleRoot.CopyTo(data);
        reservedValue.CopyTo(data[32..]);
        return Sha256d.Hash(data);
    }

    public static byte[] Script(Hash256 commitment)
    {
        var script = new byte[MinimumScriptLength];
        script[0] = ScriptOpcodes.OpReturn;
        script[1] = 0x24;
        Header.CopyTo(script, 2);
        commitment.CopyTo(script.AsSpan(6));
        return script;
    }

    /// <summary>Bitcoin's GetWitnessCommitmentIndex: the last matching coinbase output, or −1.</summary>
    public static int FindIndex(Transaction coinbase)
    {
        int index = -1;
        for (int i = 0; i < coinbase.Outputs.Count; i++)
        {
            var s = coinbase.Outputs[i].ScriptPubKey;
            if (s.Length >= MinimumScriptLength && s[0] == ScriptOpcodes.OpReturn && s[1] == 0x24 && s.AsSpan(2, 4).SequenceEqual(Header))
                index = i;
        }
        return index;
    }
}
