using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Bench.Wire;

/// <summary>Deterministic blocks and transactions shaped like mainnet's: mostly segwit spends, 1-3 inputs and outputs.</summary>
internal static class BenchData
{
    public const uint Magic = 0xdab5bffa;

    public static Block BlockOfSize(int targetBytes, int seed)
    {
        var random = new Random(seed);
        var block = new Block();
        int size = BlockHeader.EncodedSize + 3;
        while (size < targetBytes)
        {
            var tx = Transaction(random, witness: random.Next(10) < 8);
            block.Transactions.Add(tx);
            size += tx.GetSerializedSize();
        }
        block.Header = new BlockHeader
        {
            Version = 0x20000000, PrevBlock = Hash(random), MerkleRoot = block.ComputeMerkleRoot(),
            Time = 1_700_000_000, Bits = 0x1703a30c, Nonce = (uint)random.Next(),
        };
        return block;
    }

    public static Transaction Transaction(Random random, bool witness)
    {
        var tx = new Transaction { Version = 2, LockTime = (uint)random.Next(900_000) };
        for (int i = 1 + random.Next(3); i > 0; i--)
        {
            tx.Inputs.Add(new TxIn
            {
                PrevOut = new OutPoint(Hash(random), (uint)random.Next(4)),
                ScriptSig = Bytes(random, witness ? 0 : 107),
                Sequence = 0xfffffffd,
                Witness = witness ? [Bytes(random, 72), Bytes(random, 33)] : [],
            });
        }
        for (int i = 1 + random.Next(3); i > 0; i--)
            tx.Outputs.Add(new TxOut { Value = random.NextInt64(546, 100_000_000), ScriptPubKey = Bytes(random, 22 + random.Next(2) * 12) });
        return tx;
    }

    public static Hash256 Hash(Random random)
    {
        Span<byte> b = stackalloc byte[32];
        random.NextBytes(b);
        return new Hash256(b);
    }

    private static byte[] Bytes(Random random, int length)
    {
        var b = new byte[length];
        random.NextBytes(b);
        return b;
    }
}
