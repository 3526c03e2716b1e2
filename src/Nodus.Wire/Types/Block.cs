using System.Buffers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;

namespace Nodus.Wire.Types;

/// <summary>A block: its 80-byte header and its transactions, the first of which is the coinbase.</summary>
public sealed class Block : IWireValue<Block>
{
    public static int MinEncodedSize => BlockHeader.EncodedSize + 1;

    public BlockHeader Header;
    public List<Transaction> Transactions = [];

    public Hash256 GetHash() => Header.GetHash();

    public static void ReadWrite(ref WireStream s, ref Block value)
    {
        if (s.IsReading) value = new Block();
        s.Value(ref value.Header);
        s.List(ref value.Transactions, MessageHeader.MaxPayloadLength, "block transactions");
    }

    public byte[] Serialize() => Encoding.Wire.Encode(this);

    /// <summary>The merkle root of the transaction ids (Bitcoin's, including its duplicate-last-hash rule).</summary>
    public Hash256 ComputeMerkleRoot() => MerkleTree.Root(Transactions.Select(t => t.GetHash()).ToList(), out _);
}
