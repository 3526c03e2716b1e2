using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Bitcoin's legacy signature-operation count (GetLegacySigOpCount with CScript::GetSigOpCount(fAccurate=false)):
/// CHECKSIG counts 1, CHECKMULTISIG counts 20, in every input and output script; a malformed push ends the walk.
/// </summary>
public static class SigOps
{
    public static int CountScript(ReadOnlySpan<byte> script)
    {
        int count = 0, pc = 0;
        while (pc < script.Length)
        {
            byte op = script[pc++];
            if (op <= ScriptOpcodes.OpPushData4)
            {
                long size;
                if (op < ScriptOpcodes.OpPushData1) size = op;
                else if (op == ScriptOpcodes.OpPushData1) { if (pc + 1 > script.Length) break; size = script[pc]; pc += 1; }
                else if (op == ScriptOpcodes.OpPushData2) { if (pc + 2 > script.Length) break; size = script[pc] | (script[pc + 1] << 8); pc += 2; }
                else { if (pc + 4 > script.Length) break; size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(script[pc..]); pc += 4; }
                if (size > script.Length - pc) break;
                pc += (int)size;
            }
            else if (op is ScriptOpcodes.OpCheckSig or ScriptOpcodes.OpCheckSigVerify) count++;
            else if (op is ScriptOpcodes.OpCheckMultiSig or ScriptOpcodes.OpCheckMultiSigVerify) count += ScriptOpcodes.MaxPubKeysPerMultisig;
        }
        return count;
    }

    public static int CountLegacy(Transaction tx)
    {
        int count = 0;
        foreach (var input in tx.Inputs) count += CountScript(input.ScriptSig);
        foreach (var output in tx.Outputs) count += CountScript(output.ScriptPubKey);
        return count;
    }
}
