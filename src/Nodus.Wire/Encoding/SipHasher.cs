using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// SipHash-2-4 of every 32-byte input (a BIP 152 short id hashes a wtxid; every node hashes the ≈2,400 candidates
    /// of each compact block it rebuilds, under that block's own key): eight inputs at a time with AVX-512, four with
    /// AVX2, one at a time otherwise. Each output equals <see cref="Hash"/> over the input's 32 bytes.
    /// </summary>
    public static void Hash32(ulong k0, ulong k1, ReadOnlySpan<Hash256> inputs, Span<ulong> outputs)
    {
        if (outputs.Length < inputs.Length) throw new ArgumentException("one output per input", nameof(outputs));
        int done = 0;
        if (Avx512F.IsSupported) done = Hash32Avx512(k0, k1, inputs, outputs);
        else if (Avx2.IsSupported) done = Hash32Avx2(k0, k1, inputs, outputs);
        Hash32Scalar(k0, k1, inputs[done..], outputs[done..]);
    }

    /// <summary>The portable path of <see cref="Hash32"/> (tested against the vector ones).</summary>
    internal static void Hash32Scalar(ulong k0, ulong k1, ReadOnlySpan<Hash256> inputs, Span<ulong> outputs)
    {
        // A hash's words in memory are its little-endian 64-bit words (Hash256 stores them so), SipHash's m0..m3.
        var words = MemoryMarshal.Cast<Hash256, ulong>(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
            ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
            for (int w = 0; w < 4; w++)
            {
                ulong m = words[4 * i + w];
                v3 ^= m;
                Round(ref v0, ref v1, ref v2, ref v3);
                Round(ref v0, ref v1, ref v2, ref v3);
                v0 ^= m;
            }
            v3 ^= Last32;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= Last32;
            v2 ^= 0xff;
            for (int r = 0; r < 4; r++) Round(ref v0, ref v1, ref v2, ref v3);
            outputs[i] = v0 ^ v1 ^ v2 ^ v3;
        }
    }

    /// <summary>The final block of a 32-byte message: no bytes left, the length in the top byte.</summary>
    private const ulong Last32 = 32UL << 56;

    /// <summary>Eight inputs per step, one per 64-bit lane; returns how many inputs it hashed (a multiple of eight).</summary>
    internal static int Hash32Avx512(ulong k0, ulong k1, ReadOnlySpan<Hash256> inputs, Span<ulong> outputs)
    {
        if (!Avx512F.IsSupported) return 0;
        int whole = inputs.Length & ~7;
        if (whole == 0) return 0;
        ref ulong src = ref Unsafe.As<Hash256, ulong>(ref MemoryMarshal.GetReference(inputs));
        ref ulong dst = ref MemoryMarshal.GetReference(outputs);
        // Transposing two registers of four hashes' words (hash j word w at 4j + w) into word-major order.
        var lo = Vector512.Create(0UL, 4, 8, 12, 1, 5, 9, 13);
        var hi = Vector512.Create(2UL, 6, 10, 14, 3, 7, 11, 15);
        var first = Vector512.Create(0UL, 1, 2, 3, 8, 9, 10, 11);
        var second = Vector512.Create(4UL, 5, 6, 7, 12, 13, 14, 15);
        var i0 = Vector512.Create(0x736f6d6570736575UL ^ k0);
        var i1 = Vector512.Create(0x646f72616e646f6dUL ^ k1);
        var i2 = Vector512.Create(0x6c7967656e657261UL ^ k0);
        var i3 = Vector512.Create(0x7465646279746573UL ^ k1);
        var last = Vector512.Create(Last32);
        var ff = Vector512.Create(0xffUL);
        for (int i = 0; i < whole; i += 8)
        {
            var a = Vector512.LoadUnsafe(ref src, (nuint)(4 * i));       // hashes i, i+1
            var b = Vector512.LoadUnsafe(ref src, (nuint)(4 * i + 8));   // i+2, i+3
            var c = Vector512.LoadUnsafe(ref src, (nuint)(4 * i + 16));  // i+4, i+5
            var d = Vector512.LoadUnsafe(ref src, (nuint)(4 * i + 24));  // i+6, i+7
            var ab01 = Avx512F.PermuteVar8x64x2(a, lo, b); // words 0 and 1 of hashes i..i+3
            var ab23 = Avx512F.PermuteVar8x64x2(a, hi, b);
            var cd01 = Avx512F.PermuteVar8x64x2(c, lo, d);
            var cd23 = Avx512F.PermuteVar8x64x2(c, hi, d);
            var m0 = Avx512F.PermuteVar8x64x2(ab01, first, cd01);
            var m1 = Avx512F.PermuteVar8x64x2(ab01, second, cd01);
            var m2 = Avx512F.PermuteVar8x64x2(ab23, first, cd23);
            var m3 = Avx512F.PermuteVar8x64x2(ab23, second, cd23);
            Vector512<ulong> v0 = i0, v1 = i1, v2 = i2, v3 = i3;
            Compress512(ref v0, ref v1, ref v2, ref v3, m0);
            Compress512(ref v0, ref v1, ref v2, ref v3, m1);
            Compress512(ref v0, ref v1, ref v2, ref v3, m2);
            Compress512(ref v0, ref v1, ref v2, ref v3, m3);
            Compress512(ref v0, ref v1, ref v2, ref v3, last);
            v2 ^= ff;
            for (int r = 0; r < 4; r++) Round512(ref v0, ref v1, ref v2, ref v3);
            (v0 ^ v1 ^ v2 ^ v3).StoreUnsafe(ref dst, (nuint)i);
        }
        return whole;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress512(ref Vector512<ulong> v0, ref Vector512<ulong> v1, ref Vector512<ulong> v2, ref Vector512<ulong> v3, Vector512<ulong> m)
    {
        v3 ^= m;
        Round512(ref v0, ref v1, ref v2, ref v3);
        Round512(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round512(ref Vector512<ulong> v0, ref Vector512<ulong> v1, ref Vector512<ulong> v2, ref Vector512<ulong> v3)
    {
        v0 += v1; v1 = Avx512F.RotateLeft(v1, 13); v1 ^= v0; v0 = Avx512F.RotateLeft(v0, 32);
        v2 += v3; v3 = Avx512F.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Avx512F.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Avx512F.RotateLeft(v1, 17); v1 ^= v2; v2 = Avx512F.RotateLeft(v2, 32);
    }

    /// <summary>Four inputs per step, one per 64-bit lane; returns how many inputs it hashed (a multiple of four).</summary>
    internal static int Hash32Avx2(ulong k0, ulong k1, ReadOnlySpan<Hash256> inputs, Span<ulong> outputs)
    {
        if (!Avx2.IsSupported) return 0;
        int whole = inputs.Length & ~3;
        if (whole == 0) return 0;
        ref ulong src = ref Unsafe.As<Hash256, ulong>(ref MemoryMarshal.GetReference(inputs));
        ref ulong dst = ref MemoryMarshal.GetReference(outputs);
        var i0 = Vector256.Create(0x736f6d6570736575UL ^ k0);
        var i1 = Vector256.Create(0x646f72616e646f6dUL ^ k1);
        var i2 = Vector256.Create(0x6c7967656e657261UL ^ k0);
        var i3 = Vector256.Create(0x7465646279746573UL ^ k1);
        var last = Vector256.Create(Last32);
        var ff = Vector256.Create(0xffUL);
        for (int i = 0; i < whole; i += 4)
        {
            // The 4x4 transpose of four hashes' words: unpack pairs of lanes, then swap 128-bit halves.
            var a = Vector256.LoadUnsafe(ref src, (nuint)(4 * i));
            var b = Vector256.LoadUnsafe(ref src, (nuint)(4 * i + 4));
            var c = Vector256.LoadUnsafe(ref src, (nuint)(4 * i + 8));
            var d = Vector256.LoadUnsafe(ref src, (nuint)(4 * i + 12));
            var ab02 = Avx2.UnpackLow(a, b);  // a0 b0 a2 b2
            var ab13 = Avx2.UnpackHigh(a, b); // a1 b1 a3 b3
            var cd02 = Avx2.UnpackLow(c, d);
            var cd13 = Avx2.UnpackHigh(c, d);
            var m0 = Avx2.Permute2x128(ab02, cd02, 0x20);
            var m2 = Avx2.Permute2x128(ab02, cd02, 0x31);
            var m1 = Avx2.Permute2x128(ab13, cd13, 0x20);
            var m3 = Avx2.Permute2x128(ab13, cd13, 0x31);
            Vector256<ulong> v0 = i0, v1 = i1, v2 = i2, v3 = i3;
            Compress256(ref v0, ref v1, ref v2, ref v3, m0);
            Compress256(ref v0, ref v1, ref v2, ref v3, m1);
            Compress256(ref v0, ref v1, ref v2, ref v3, m2);
            Compress256(ref v0, ref v1, ref v2, ref v3, m3);
            Compress256(ref v0, ref v1, ref v2, ref v3, last);
            v2 ^= ff;
            for (int r = 0; r < 4; r++) Round256(ref v0, ref v1, ref v2, ref v3);
            (v0 ^ v1 ^ v2 ^ v3).StoreUnsafe(ref dst, (nuint)i);
        }
        return whole;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress256(ref Vector256<ulong> v0, ref Vector256<ulong> v1, ref Vector256<ulong> v2, ref Vector256<ulong> v3, Vector256<ulong> m)
    {
        v3 ^= m;
        Round256(ref v0, ref v1, ref v2, ref v3);
        Round256(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round256(ref Vector256<ulong> v0, ref Vector256<ulong> v1, ref Vector256<ulong> v2, ref Vector256<ulong> v3)
    {
        v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Swap32(v0);
        v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Swap32(v2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rotl(Vector256<ulong> x, int n) => (x << n) | (x >>> (64 - n));

    /// <summary>Rotation by 32: the two halves of each lane swapped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Swap32(Vector256<ulong> x) => Avx2.Shuffle(x.AsUInt32(), 0b10_11_00_01).AsUInt64();

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
