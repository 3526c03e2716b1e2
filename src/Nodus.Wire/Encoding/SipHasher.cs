using System.Buffers.Binary;
using System.Numerics;

namespace Nodus.Wire.Encoding;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit PRF. BIP 152 short transaction ids are its output
/// over a wtxid (<see cref="Types.ShortTxId"/>), which is why it lives in the wire library. The address manager keys
/// its bucket placement with it so that an attacker who does not know the node's secret cannot aim addresses at chosen buckets (Bitcoin Core
/// keys addrman with a secret too; it uses SHA-256, SipHash is the cheaper keyed hash with the same purpose here).
/// </summary>
public static class SipHasher
{
    public static ulong Hash(ulong k0, ulong k1, ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0;
        ulong v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0;
        ulong v3 = 0x7465646279746573UL ^ k1;

        int whole = data.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8));
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        // The last block carries the remaining bytes and the message length in its top byte.
        ulong last = (ulong)data.Length << 56;
        for (int i = whole; i < data.Length; i++) last |= (ulong)data[i] << (8 * (i - whole));
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xff;
        for (int i = 0; i < 4; i++) Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /// <summary>A key from 16 bytes, read as two little-endian words as the reference implementation does.</summary>
    public static (ulong K0, ulong K1) KeyFromBytes(ReadOnlySpan<byte> key) =>
        (BinaryPrimitives.ReadUInt64LittleEndian(key), BinaryPrimitives.ReadUInt64LittleEndian(key[8..]));

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
