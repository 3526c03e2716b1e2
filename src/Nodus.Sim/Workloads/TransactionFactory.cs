using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Sim.Workloads;

/// <summary>
/// Unique, well-formed transactions of a typical size for broadcast workloads: one input with a 107-byte scriptSig
/// (a P2PKH signature and public key) and two 25-byte P2PKH outputs, about 226 bytes like a common payment. The
/// network layer's permissive validator accepts them; consensus rules are not the simulator's concern.
/// </summary>
public sealed class TransactionFactory(Random random)
{
    /// <summary>Signature (≈72 bytes with push) plus compressed public key (34 with push): a P2PKH scriptSig.</summary>
    public const int ScriptSigBytes = 107;
    /// <summary>OP_DUP OP_HASH160 &lt;20&gt; OP_EQUALVERIFY OP_CHECKSIG.</summary>
    public const int P2pkhScriptBytes = 25;

    public Transaction Next()
    {
        Span<byte> prev = stackalloc byte[32];
        random.NextBytes(prev);
        var tx = new Transaction { Version = 2 };
        var scriptSig = new byte[ScriptSigBytes];
        random.NextBytes(scriptSig);
        tx.Inputs.Add(new TxIn { PrevOut = new OutPoint(new Hash256(prev), (uint)random.Next(4)), ScriptSig = scriptSig, Sequence = uint.MaxValue, Witness = [] });
        for (int i = 0; i < 2; i++)
        {
            var script = new byte[P2pkhScriptBytes];
            random.NextBytes(script);
            tx.Outputs.Add(new TxOut { Value = random.NextInt64(1_000, 100_000_000), ScriptPubKey = script });
        }
        return tx;
    }
}
