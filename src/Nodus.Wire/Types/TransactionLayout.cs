using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;

namespace Nodus.Wire.Types;

/// <summary>
/// Where one serialized transaction lies in a buffer: its bounds and, for the witness form, the end of its inputs and
/// outputs. Enough to hash the txid and wtxid straight from the received bytes.
/// </summary>
/// <param name="Start">Offset of the version field.</param>
/// <param name="End">Offset just past the lock time.</param>
/// <param name="InputsOutputsEnd">For the witness form, the offset where the witness stacks begin; -1 otherwise.</param>
public readonly record struct TransactionLayout(int Start, int End, int InputsOutputsEnd)
{
    public bool HasWitness => InputsOutputsEnd >= 0;

    /// <summary>
    /// Walks one transaction without materializing it, applying the same checks in the same order as
    /// <see cref="Transaction"/>'s decoder (limits, canonical counts, Bitcoin Core's witness flag rules), so a buffer
    /// that passes here also decodes there. Throws <see cref="WireFormatException"/>.
    /// </summary>
    public static TransactionLayout Read(ref WireStream s)
    {
        int start = s.Position;
        s.Skip(4); // version
        int inputs = Count(ref s, TxIn.MinEncodedSize, "inputs");
        byte flags = 0;
        int outputs = 0;
        int inputsStart = -1;
        if (inputs == 0)
        {
            s.UInt8(ref flags);
            if (flags != 0)
            {
                inputsStart = s.Position;
                inputs = Count(ref s, TxIn.MinEncodedSize, "inputs");
                SkipInputs(ref s, inputs);
                outputs = Count(ref s, TxOut.MinEncodedSize, "outputs");
                SkipOutputs(ref s, outputs);
            }
        }
        else
        {
            SkipInputs(ref s, inputs);
            outputs = Count(ref s, TxOut.MinEncodedSize, "outputs");
            SkipOutputs(ref s, outputs);
        }
        int inputsOutputsEnd = -1;
        if ((flags & 1) != 0)
        {
            flags ^= 1;
            inputsOutputsEnd = s.Position;
            bool anyWitness = false;
            for (int i = 0; i < inputs; i++)
            {
                int items = Count(ref s, 1, "witness items");
                anyWitness |= items > 0;
                for (int k = 0; k < items; k++) s.SkipVarBytes(MessageHeader.MaxPayloadLength, "witness item");
            }
            if (!anyWitness) throw new WireFormatException("superfluous witness record");
        }
        if (flags != 0) throw new WireFormatException("unknown transaction optional data");
        s.Skip(4); // lock time
        // The witness form always starts version, marker 0x00, flag 0x01; a flag other than 1 was refused above.
        return new TransactionLayout(start, s.Position, inputsStart < 0 ? -1 : inputsOutputsEnd);
    }

    private static int Count(ref WireStream s, int minEntrySize, string what)
    {
        int count = 0;
        s.Count(ref count, MessageHeader.MaxPayloadLength, minEntrySize, what);
        return count;
    }

    private static void SkipInputs(ref WireStream s, int count)
    {
        for (int i = 0; i < count; i++)
        {
            s.Skip(Hash256.Size + 4); // outpoint
            s.SkipVarBytes(MessageHeader.MaxPayloadLength, "input script");
            s.Skip(4); // sequence
        }
    }

    private static void SkipOutputs(ref WireStream s, int count)
    {
        for (int i = 0; i < count; i++)
        {
            s.Skip(8); // value
            s.SkipVarBytes(MessageHeader.MaxPayloadLength, "output script");
        }
    }

    /// <summary>The txid: SHA-256d of the legacy form (the witness form without marker, flag and witness stacks).</summary>
    public Hash256 TxId(ReadOnlySpan<byte> buffer)
    {
        if (!HasWitness) return Sha256d.Hash(buffer[Start..End]);
        int ioStart = Start + 6; // after version, marker and flag
        int length = 4 + (InputsOutputsEnd - ioStart) + 4;
        byte[]? rented = null;
        Span<byte> legacy = length <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
        buffer.Slice(Start, 4).CopyTo(legacy);
        buffer[ioStart..InputsOutputsEnd].CopyTo(legacy[4..]);
        buffer[(End - 4)..End].CopyTo(legacy[(length - 4)..]);
        var hash = Sha256d.Hash(legacy[..length]);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return hash;
    }

    /// <summary>The wtxid (BIP 141): SHA-256d of the bytes as serialized.</summary>
    public Hash256 WitnessTxId(ReadOnlySpan<byte> buffer) => Sha256d.Hash(buffer[Start..End]);
}
