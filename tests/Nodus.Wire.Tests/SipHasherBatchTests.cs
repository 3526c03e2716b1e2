using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Wire.Tests;

/// <summary>The batched SipHash-2-4 of 32-byte inputs (BIP 152 short ids): every path against the one-at-a-time hash.</summary>
public class SipHasherBatchTests
{
    private delegate int Path(ulong k0, ulong k1, ReadOnlySpan<Hash256> inputs, Span<ulong> outputs);

    /// <summary>Each vector path hashes a prefix; the scalar path the rest (as <see cref="SipHasher.Hash32"/> combines them).</summary>
    private static ulong[] Run(Path? path, ulong k0, ulong k1, Hash256[] inputs)
    {
        var outputs = new ulong[inputs.Length];
        int done = path?.Invoke(k0, k1, inputs, outputs) ?? 0;
        SipHasher.Hash32Scalar(k0, k1, inputs.AsSpan(done), outputs.AsSpan(done));
        return outputs;
    }

    private static readonly (string Name, Path? Path, bool Supported)[] Paths =
    [
        ("scalar", null, true),
        ("avx2", SipHasher.Hash32Avx2, System.Runtime.Intrinsics.X86.Avx2.IsSupported),
        ("avx512", SipHasher.Hash32Avx512, System.Runtime.Intrinsics.X86.Avx512F.IsSupported),
    ];

    [Fact]
    public void Hash32_ReferenceVector_EveryPath()
    {
        // siphash24.c: key 00..0f over the 32 bytes 00..1f gives 0x7127512f72f27cce (vector 32).
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var (k0, k1) = SipHasher.KeyFromBytes(key);
        var message = new Hash256(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var inputs = Enumerable.Repeat(message, 19).ToArray(); // vector steps of 8 and 4 and a scalar tail
        foreach (var (name, path, supported) in Paths)
        {
            Assert.True(supported || path is null, $"{name} is not supported on this CPU; only the others are checked");
            if (!supported) continue;
            Assert.All(Run(path, k0, k1, inputs), h => Assert.True(h == 0x7127512f72f27cceUL, $"{name}: {h:x16}"));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Hash32_RandomInputs_EveryPathEqualsOneAtATime(int count)
    {
        var random = new Random(count);
        ulong k0 = (ulong)random.NextInt64(), k1 = (ulong)random.NextInt64();
        var inputs = new Hash256[count];
        var bytes = new byte[32];
        for (int i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            inputs[i] = new Hash256(bytes);
        }
        var expected = inputs.Select(h => SipHasher.Hash(k0, k1, h.ToArray())).ToArray();
        foreach (var (name, path, supported) in Paths)
            if (supported) Assert.True(expected.SequenceEqual(Run(path, k0, k1, inputs)), name);
        var viaDispatch = new ulong[count];
        SipHasher.Hash32(k0, k1, inputs, viaDispatch);
        Assert.Equal(expected, viaDispatch);
    }

    [Fact]
    public void ShortIds_Batch_EqualBcoinShortIds()
    {
        // bcoin 1.0.2's short ids of the SegwitTx and genesis coinbase wtxids under the vector compact block's key
        // (CompactBlockTests): b5a45266cde2 and 7bdda5df0674 on the wire, 6 bytes little-endian.
        var compact = CompactBlockTests.Decode<CmpctBlockMessage>("cmpctblock", CompactBlockTests.BcoinCmpctBlockHex).Block;
        var segwit = Encoding.Wire.Decode<Transaction>(Vectors.Bytes(Vectors.SegwitTxHex)).GetWitnessHash();
        var coinbase = Encoding.Wire.Decode<Transaction>(Vectors.Bytes(Vectors.GenesisCoinbaseHex)).GetWitnessHash();
        var wtxids = Enumerable.Range(0, 21).Select(i => i % 2 == 0 ? segwit : coinbase).ToArray();
        var ids = new ulong[wtxids.Length];
        compact.Key.ShortIds(wtxids, ids);
        for (int i = 0; i < ids.Length; i++)
            Assert.Equal(i % 2 == 0 ? 0xe2cd6652a4b5UL : 0x7406dfa5dd7bUL, ids[i]);
    }
}
