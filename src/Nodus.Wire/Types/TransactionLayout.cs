using System.Buffers.Binary;
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
    /// that passes here also decodes there. Throws <see cref="WireFormatException"/>. It indexes the span directly
    /// rather than going through <see cref="WireStream"/> field by field: this walk is most of a block's decoding time.
    /// </summary>
    public static TransactionLayout Read(ref WireStream s)
    {
        int start = s.Position;
        var b = s.RemainingSpan;
        int p = 0;
        Skip(b, ref p, 4); // version
        int inputs = Count(b, ref p, TxIn.MinEncodedSize, "inputs");
        int flags = 0;
        bool extended = false;
        if (inputs == 0)
        {
            Skip(b, ref p, 1);
            flags = b[p - 1];
            if (flags != 0)
            {
                extended = true;
                inputs = Count(b, ref p, TxIn.MinEncodedSize, "inputs");
                SkipInputs(b, ref p, inputs);
                SkipOutputs(b, ref p, Count(b, ref p, TxOut.MinEncodedSize, "outputs"));
            }
        }
        else
        {
            SkipInputs(b, ref p, inputs);
            SkipOutputs(b, ref p, Count(b, ref p, TxOut.MinEncodedSize, "outputs"));
        }
        int inputsOutputsEnd = -1;
        if ((flags & 1) != 0)
        {
            flags ^= 1;
            inputsOutputsEnd = p;
            bool anyWitness = false;
            for (int i = 0; i < inputs; i++)
            {
                int items = Count(b, ref p, 1, "witness items");
                anyWitness |= items > 0;
                for (int k = 0; k < items; k++) Skip(b, ref p, Count(b, ref p, 1, "witness item"));
            }
            if (!anyWitness) throw new WireFormatException("superfluous witness record");
        }
        if (flags != 0) throw new WireFormatException("unknown transaction optional data");
        Skip(b, ref p, 4); // lock time
        s.Skip(p);
        // The witness form starts version, marker 0x00, flag 0x01; any other flag was refused above.
        return new TransactionLayout(start, start + p, extended ? start + inputsOutputsEnd : -1);
    }

    private static void SkipInputs(ReadOnlySpan<byte> b, ref int p, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Skip(b, ref p, Hash256.Size + 4); // outpoint
            Skip(b, ref p, Count(b, ref p, 1, "input script"));
            Skip(b, ref p, 4); // sequence
        }
    }

    private static void SkipOutputs(ReadOnlySpan<byte> b, ref int p, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Skip(b, ref p, 8); // value
            Skip(b, ref p, Count(b, ref p, 1, "output script"));
        }
    }

    private static void Skip(ReadOnlySpan<byte> b, ref int p, int count)
    {
        if (count > b.Length - p) throw new WireFormatException($"truncated: needed {count} bytes, {b.Length - p} left");
        p += count;
    }

    /// <summary>A CompactSize count with <see cref="WireStream.Count"/>'s checks: canonical, within the payload limit, and fitting the bytes left.</summary>
    private static int Count(ReadOnlySpan<byte> b, ref int p, int minEntrySize, string what)
    {
        if (p >= b.Length) throw new WireFormatException("truncated: needed 1 bytes, 0 left");
        ulong v = b[p++];
        if (v >= 0xfd)
        {
            int size = v == 0xfd ? 2 : v == 0xfe ? 4 : 8;
            ulong min = v == 0xfd ? 0xfdUL : v == 0xfe ? 0x10000UL : 0x1_0000_0000UL;
            if (size > b.Length - p) throw new WireFormatException($"truncated: needed {size} bytes, {b.Length - p} left");
            var field = b.Slice(p, size);
            v = size == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(field)
                : size == 4 ? (ulong)BinaryPrimitives.ReadUInt32LittleEndian(field) : BinaryPrimitives.ReadUInt64LittleEndian(field);
            p += size;
            if (v < min) throw new WireFormatException("non-canonical CompactSize");
        }
        if (v > MessageHeader.MaxPayloadLength) throw new WireFormatException($"{what}: {v} entries, limit {MessageHeader.MaxPayloadLength}");
        if (v * (ulong)minEntrySize > (ulong)(b.Length - p)) throw new WireFormatException($"{what}: {v} entries cannot fit in {b.Length - p} bytes");
        return (int)v;
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
