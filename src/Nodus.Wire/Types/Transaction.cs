using System.Buffers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;

namespace Nodus.Wire.Types;

/// <summary>A reference to a previous transaction's output. The null outpoint (zero hash, index 0xffffffff) marks a coinbase.</summary>
public struct OutPoint : IEquatable<OutPoint>
{
    public const uint NullIndex = uint.MaxValue;
    public Hash256 Hash;
    public uint Index;

    public OutPoint(Hash256 hash, uint index)
    {
        Hash = hash;
        Index = index;
    }

    public readonly bool IsNull => Hash.IsZero && Index == NullIndex;
    public readonly bool Equals(OutPoint o) => Hash == o.Hash && Index == o.Index;
    public override readonly bool Equals(object? obj) => obj is OutPoint o && Equals(o);
    public override readonly int GetHashCode() => HashCode.Combine(Hash, Index);
}

public struct TxIn : IWireValue<TxIn>
{
    /// <summary>Outpoint (36) + empty script length (1) + sequence (4).</summary>
    public static int MinEncodedSize => 41;

    public OutPoint PrevOut;
    public byte[] ScriptSig;
    public uint Sequence;
    /// <summary>Witness stack items (BIP 144); empty for legacy inputs. Serialized after all outputs.</summary>
    public byte[][] Witness;

    public static void ReadWrite(ref WireStream s, ref TxIn value)
    {
        s.Hash(ref value.PrevOut.Hash);
        s.UInt32(ref value.PrevOut.Index);
        value.ScriptSig ??= [];
        s.VarBytes(ref value.ScriptSig, MessageHeader.MaxPayloadLength, "input script");
        s.UInt32(ref value.Sequence);
        value.Witness ??= [];
    }
}

public struct TxOut : IWireValue<TxOut>
{
    /// <summary>Value (8) + empty script length (1).</summary>
    public static int MinEncodedSize => 9;

    public long Value;
    public byte[] ScriptPubKey;

    public static void ReadWrite(ref WireStream s, ref TxOut value)
    {
        s.Int64(ref value.Value);
        value.ScriptPubKey ??= [];
        s.VarBytes(ref value.ScriptPubKey, MessageHeader.MaxPayloadLength, "output script");
    }
}

/// <summary>
/// A transaction in Bitcoin's serialization, legacy or with witness data (BIP 144: marker 0x00, flag 0x01, and a
/// witness stack per input after the outputs). The txid hashes the legacy form, the wtxid the full form.
/// </summary>
public sealed class Transaction : IWireValue<Transaction>
{
    /// <summary>version (4) + empty input count (1) + empty output count (1) + lock time (4).</summary>
    public static int MinEncodedSize => 10;

    public int Version = 1;
    public List<TxIn> Inputs;
    public List<TxOut> Outputs;
    public uint LockTime;

    public Transaction()
    {
        Inputs = [];
        Outputs = [];
    }

    // The decoder replaces both lists with ones of the right capacity, so it skips allocating empty ones.
    private Transaction(bool decoding)
    {
        Inputs = null!;
        Outputs = null!;
    }

    private Hash256? _txid;
    private Hash256? _wtxid;
    private int _size = -1, _strippedSize = -1;

    public bool HasWitness => Inputs.Exists(i => i.Witness is { Length: > 0 });
    public bool IsCoinbase => Inputs.Count == 1 && Inputs[0].PrevOut.IsNull;

    /// <summary>
    /// The txid: SHA-256d of the legacy serialization. Computed on first use rather than while decoding, so that
    /// reading a block hashes its bytes once (the frame checksum) and only callers that need ids pay for them.
    /// </summary>
    public Hash256 GetHash() => _txid ??= HashSerialized(withWitness: false);

    /// <summary>The wtxid (BIP 141): SHA-256d of the full serialization; equal to the txid without witness data.</summary>
    public Hash256 GetWitnessHash() => _wtxid ??= HasWitness ? HashSerialized(withWitness: true) : GetHash();

    private Hash256 HashSerialized(bool withWitness)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var s = WireStream.ForWriting(buffer);
        ReadWrite(ref s, this, withWitness && HasWitness);
        return Sha256d.Hash(buffer.WrittenSpan);
    }

    /// <summary>Clears cached ids and sizes after a field was changed (a miner rolling the coinbase).</summary>
    public void InvalidateHashes()
    {
        _txid = _wtxid = null;
        _size = _strippedSize = -1;
        Interlocked.Increment(ref _changes);
    }

    private static long _changes;

    /// <summary>
    /// How many times any transaction in the process has been changed (<see cref="InvalidateHashes"/>): a memo over
    /// a list of transaction objects (a block's merkle trees) that was computed at the same count can trust the
    /// objects' ids without reading each one.
    /// </summary>
    internal static long Changes => Volatile.Read(ref _changes);

    public byte[] Serialize(bool withWitness = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var s = WireStream.ForWriting(buffer);
        ReadWrite(ref s, this, withWitness && HasWitness);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encoded size, computed once: validation, block assembly and mempool accounting ask for it repeatedly.</summary>
    public int GetSerializedSize(bool withWitness = true)
    {
        // The full size is kept whether or not there is witness data, so that asking again does not walk the inputs.
        if (withWitness)
            return _size >= 0 ? _size : _size = HasWitness ? Serialize(withWitness: true).Length : GetSerializedSize(withWitness: false);
        return _strippedSize >= 0 ? _strippedSize : _strippedSize = Serialize(withWitness: false).Length;
    }

    public static void ReadWrite(ref WireStream s, ref Transaction value)
    {
        if (s.IsReading)
        {
            value = new Transaction(decoding: true);
            Read(ref s, value);
        }
        else
        {
            ReadWrite(ref s, value, value.HasWitness);
        }
    }

    private static void ReadWrite(ref WireStream s, Transaction tx, bool withWitness)
    {
        s.Int32(ref tx.Version);
        if (withWitness)
        {
            byte marker = 0, flag = 1;
            s.UInt8(ref marker);
            s.UInt8(ref flag);
        }
        s.List(ref tx.Inputs, MessageHeader.MaxPayloadLength, "inputs");
        s.List(ref tx.Outputs, MessageHeader.MaxPayloadLength, "outputs");
        if (withWitness)
        {
            for (int i = 0; i < tx.Inputs.Count; i++) WitnessStack(ref s, ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tx.Inputs)[i].Witness);
        }
        s.UInt32(ref tx.LockTime);
    }

    // Mirrors Bitcoin Core's UnserializeTransaction: an empty input list followed by a non-zero flag byte means the
    // extended (witness) format; a witness flag with no witness data, or unknown flags, are errors.
    private static void Read(ref WireStream s, Transaction tx)
    {
        s.Int32(ref tx.Version);
        byte flags = 0;
        s.List(ref tx.Inputs, MessageHeader.MaxPayloadLength, "inputs");
        if (tx.Inputs.Count == 0)
        {
            s.UInt8(ref flags);
            if (flags != 0)
            {
                s.List(ref tx.Inputs, MessageHeader.MaxPayloadLength, "inputs");
                s.List(ref tx.Outputs, MessageHeader.MaxPayloadLength, "outputs");
            }
        }
        else
        {
            s.List(ref tx.Outputs, MessageHeader.MaxPayloadLength, "outputs");
        }
        tx.Outputs ??= []; // an empty input list with a zero flag byte: the zero was the output count
        if ((flags & 1) != 0)
        {
            flags ^= 1;
            var inputs = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tx.Inputs);
            for (int i = 0; i < inputs.Length; i++) WitnessStack(ref s, ref inputs[i].Witness);
            if (!tx.HasWitness) throw new WireFormatException("superfluous witness record");
        }
        if (flags != 0) throw new WireFormatException("unknown transaction optional data");
        s.UInt32(ref tx.LockTime);
    }

    private static void WitnessStack(ref WireStream s, ref byte[][] stack)
    {
        stack ??= [];
        int count = stack.Length;
        s.Count(ref count, MessageHeader.MaxPayloadLength, 1, "witness items");
        if (s.IsReading) stack = count == 0 ? [] : new byte[count][];
        for (int i = 0; i < count; i++)
        {
            stack[i] ??= [];
            s.VarBytes(ref stack[i], MessageHeader.MaxPayloadLength, "witness item");
        }
    }
}
