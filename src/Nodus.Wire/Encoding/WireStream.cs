using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Nodus.Wire.Encoding;

/// <summary>A value that knows how to read and write itself with one method, so encoder and decoder cannot drift.</summary>
public interface IWireValue<T> where T : IWireValue<T>
{
    /// <summary>Smallest encoding in bytes: a count of entries is refused if the bytes left cannot hold them.</summary>
    static abstract int MinEncodedSize { get; }
    static abstract void ReadWrite(ref WireStream s, ref T value);
}

/// <summary>
/// Symmetric serializer in the style of NBitcoin's BitcoinStream: every field is read or written by the same call,
/// so a type's single <c>ReadWrite</c> method is both its encoder and its decoder. Reading works over a span and
/// throws <see cref="WireFormatException"/> on any malformed input; counts are checked against their limit and
/// against the bytes left before anything is allocated.
/// </summary>
public ref struct WireStream
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly IBufferWriter<byte>? _output;
    private int _position;
    private long _written;

    private readonly bool _countingOnly;

    private WireStream(ReadOnlySpan<byte> input, IBufferWriter<byte>? output, bool countingOnly = false)
    {
        _input = input;
        _output = output;
        _countingOnly = countingOnly;
    }

    public static WireStream ForReading(ReadOnlySpan<byte> input) => new(input, null);
    public static WireStream ForWriting(IBufferWriter<byte> output) => new(default, output);

    /// <summary>A stream whose bytes are only counted (<paramref name="output"/> keeps none): a type may write the right
    /// number of bytes without working out what they would be (<see cref="IsCountingOnly"/>).</summary>
    public static WireStream ForCounting(IBufferWriter<byte> output) => new(default, output, countingOnly: true);

    /// <summary>True when the bytes written are only counted, for a size: their values do not matter.</summary>
    public readonly bool IsCountingOnly => _countingOnly;

    public readonly bool IsReading => _output is null;
    public readonly int Position => _position;
    public readonly int Remaining => _input.Length - _position;
    public readonly long Written => _written;

    /// <summary>The bytes read so far: lets a type hash exactly what it was decoded from.</summary>
    public readonly ReadOnlySpan<byte> Consumed(int from) => _input[from.._position];

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining) throw new WireFormatException($"truncated: needed {count} bytes, {Remaining} left");
        var span = _input.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>The bytes not yet read, for validators that walk them directly and then <see cref="Skip"/> what they walked.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _input[_position..];

    /// <summary>Passes over <paramref name="count"/> bytes when reading; used by validators that materialize nothing.</summary>
    public void Skip(int count) => Take(count);

    /// <summary>Reads a byte-string length prefix and passes over the bytes, with the checks of <see cref="VarBytes"/>.</summary>
    public void SkipVarBytes(int maxLength, string what)
    {
        int length = 0;
        Count(ref length, maxLength, 1, what);
        Take(length);
    }

    private Span<byte> Reserve(int count) => _output!.GetSpan(count);

    private void Advance(int count)
    {
        _output!.Advance(count);
        _written += count;
    }

    /// <summary>Fails unless every byte has been consumed: a payload with trailing bytes is not the message it claims.</summary>
    public readonly void EnsureEnd(string what)
    {
        if (IsReading && Remaining != 0) throw new WireFormatException($"{what}: {Remaining} unexpected trailing bytes");
    }

    public void UInt8(ref byte v)
    {
        if (IsReading) v = Take(1)[0];
        else { Reserve(1)[0] = v; Advance(1); }
    }

    public void Bool(ref bool v)
    {
        byte b = v ? (byte)1 : (byte)0;
        UInt8(ref b);
        v = b != 0;
    }

    public void UInt16BigEndian(ref ushort v)
    {
        if (IsReading) v = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        else { BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), v); Advance(2); }
    }

    public void UInt16(ref ushort v)
    {
        if (IsReading) v = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
        else { BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), v); Advance(2); }
    }

    public void Int32(ref int v)
    {
        if (IsReading) v = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        else { BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v); Advance(4); }
    }

    public void UInt32(ref uint v)
    {
        if (IsReading) v = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        else { BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), v); Advance(4); }
    }

    public void Int64(ref long v)
    {
        if (IsReading) v = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        else { BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v); Advance(8); }
    }

    public void UInt64(ref ulong v)
    {
        if (IsReading) v = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        else { BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), v); Advance(8); }
    }

    public void Hash(ref Hash256 v)
    {
        if (IsReading) v = new Hash256(Take(Hash256.Size));
        else { v.CopyTo(Reserve(Hash256.Size)); Advance(Hash256.Size); }
    }

    /// <summary>Fixed-size raw bytes (an IPv6 address, a NUL-padded field).</summary>
    public void FixedBytes(scoped Span<byte> v)
    {
        if (IsReading) Take(v.Length).CopyTo(v);
        else { v.CopyTo(Reserve(v.Length)); Advance(v.Length); }
    }

    /// <summary>
    /// Bitcoin's CompactSize: 1, 3, 5 or 9 bytes. A value encoded longer than necessary is refused, as Bitcoin Core
    /// does ("non-canonical ReadCompactSize()"), so every value has exactly one encoding.
    /// </summary>
    public void CompactSize(ref ulong v)
    {
        if (IsReading)
        {
            byte first = Take(1)[0];
            v = first switch
            {
                < 0xfd => first,
                0xfd => BinaryPrimitives.ReadUInt16LittleEndian(Take(2)),
                0xfe => BinaryPrimitives.ReadUInt32LittleEndian(Take(4)),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(Take(8)),
            };
            ulong min = first switch { < 0xfd => 0, 0xfd => 0xfd, 0xfe => 0x10000, _ => 0x1_0000_0000 };
            if (v < min) throw new WireFormatException("non-canonical CompactSize");
        }
        else
        {
            int size = CompactSizeLength(v);
            var span = Reserve(size);
            switch (size)
            {
                case 1: span[0] = (byte)v; break;
                case 3: span[0] = 0xfd; BinaryPrimitives.WriteUInt16LittleEndian(span[1..], (ushort)v); break;
                case 5: span[0] = 0xfe; BinaryPrimitives.WriteUInt32LittleEndian(span[1..], (uint)v); break;
                default: span[0] = 0xff; BinaryPrimitives.WriteUInt64LittleEndian(span[1..], v); break;
            }
            Advance(size);
        }
    }

    public static int CompactSizeLength(ulong v) => v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffff_ffff ? 5 : 9;

    /// <summary>
    /// A count of entries: refused when above <paramref name="max"/> or when the bytes left cannot hold that many
    /// entries of at least <paramref name="minEntrySize"/> bytes, so a lying count never causes a large allocation.
    /// </summary>
    public void Count(ref int count, int max, int minEntrySize, string what)
    {
        ulong v = (ulong)count;
        if (!IsReading && count > max) throw new WireFormatException($"{what}: {count} entries, limit {max}");
        CompactSize(ref v);
        if (IsReading)
        {
            if (v > (ulong)max) throw new WireFormatException($"{what}: {v} entries, limit {max}");
            if (v * (ulong)Math.Max(minEntrySize, 0) > (ulong)Remaining)
                throw new WireFormatException($"{what}: {v} entries cannot fit in {Remaining} bytes");
            count = (int)v;
        }
    }

    /// <summary>A length-prefixed byte string (scripts, witness items).</summary>
    public void VarBytes(ref byte[] v, int maxLength, string what)
    {
        int length = v?.Length ?? 0;
        Count(ref length, maxLength, 1, what);
        if (IsReading) v = length == 0 ? [] : Take(length).ToArray();
        else { v.CopyTo(Reserve(length)); Advance(length); }
    }

    // Each invalid UTF-8 sequence becomes one '?', never the 3-byte U+FFFD, so a decoded string re-encodes within
    // the length limit it was read under.
    private static readonly System.Text.Encoding LenientUtf8 = System.Text.Encoding.GetEncoding(
        "utf-8", System.Text.EncoderFallback.ReplacementFallback, new System.Text.DecoderReplacementFallback("?"));

    /// <summary>A length-prefixed string (the user agent). Invalid UTF-8 is kept as '?', as the text is only displayed.</summary>
    public void VarString(ref string v, int maxLength, string what)
    {
        if (IsReading)
        {
            int length = 0;
            Count(ref length, maxLength, 1, what);
            v = LenientUtf8.GetString(Take(length));
        }
        else
        {
            // Encoded in place, not into a new array: every version message sent (or sized by the simulator) passes here.
            int length = System.Text.Encoding.UTF8.GetByteCount(v);
            Count(ref length, maxLength, 1, what);
            System.Text.Encoding.UTF8.GetBytes(v, Reserve(length));
            Advance(length);
        }
    }

    public void Value<T>(ref T value) where T : IWireValue<T> => T.ReadWrite(ref this, ref value);

    /// <summary>A CompactSize-prefixed list of values, bounded by <paramref name="max"/>.</summary>
    public void List<T>(ref List<T> list, int max, string what) where T : IWireValue<T>
    {
        int count = list?.Count ?? 0;
        Count(ref count, max, T.MinEncodedSize, what);
        if (IsReading)
        {
            list = new List<T>(count);
            for (int i = 0; i < count; i++)
            {
                T item = default!;
                T.ReadWrite(ref this, ref item);
                list.Add(item);
            }
        }
        else
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
            for (int i = 0; i < span.Length; i++) T.ReadWrite(ref this, ref span[i]);
        }
    }
}
