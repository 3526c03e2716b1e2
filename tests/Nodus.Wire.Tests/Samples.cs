using System.Buffers;
using System.Net;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using WireCodec = Nodus.Wire.Encoding.Wire;

namespace Nodus.Wire.Tests;

/// <summary>Deterministic example values of every message, for round trips, truncation and fuzz seeds.</summary>
internal static class Samples
{
    public static Hash256 RandomHash(Random random)
    {
        Span<byte> b = stackalloc byte[32];
        random.NextBytes(b);
        return new Hash256(b);
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        var b = new byte[length];
        random.NextBytes(b);
        return b;
    }

    public static Transaction RandomTransaction(Random random, bool witness, int inputs = 2, int outputs = 2)
    {
        var tx = new Transaction { Version = 2, LockTime = (uint)random.Next() };
        for (int i = 0; i < inputs; i++)
        {
            tx.Inputs.Add(new TxIn
            {
                PrevOut = new OutPoint(RandomHash(random), (uint)random.Next(4)),
                ScriptSig = RandomBytes(random, witness ? 23 : 107),
                Sequence = 0xfffffffd,
                Witness = witness ? [RandomBytes(random, 72), RandomBytes(random, 33)] : [],
            });
        }
        for (int i = 0; i < outputs; i++)
            tx.Outputs.Add(new TxOut { Value = random.NextInt64(1, 2_100_000_000_000_000), ScriptPubKey = RandomBytes(random, 25) });
        return tx;
    }

    public static Block RandomBlock(Random random, int transactions)
    {
        var block = new Block();
        block.Transactions.Add(Transaction(Vectors.GenesisCoinbaseHex));
        for (int i = 1; i < transactions; i++) block.Transactions.Add(RandomTransaction(random, witness: i % 2 == 0));
        block.Header = new BlockHeader
        {
            Version = 0x20000000, PrevBlock = RandomHash(random), MerkleRoot = block.ComputeMerkleRoot(),
            Time = 1_700_000_000, Bits = 0x207fffff, Nonce = (uint)random.Next(),
        };
        return block;
    }

    public static Transaction Transaction(string hex) => WireCodec.Decode<Transaction>(Vectors.Bytes(hex));

    public static NetAddress Address(string ip, ushort port, ulong services = 1) =>
        new(new IPEndPoint(IPAddress.Parse(ip), port), services);

    /// <summary>One example of every known message, with content in every field.</summary>
    public static IReadOnlyList<IMessage> AllMessages()
    {
        var random = new Random(20260101);
        var locator = new BlockLocator(Enumerable.Range(0, 12).Select(_ => RandomHash(random)));
        var inventory = Enumerable.Range(0, 5).Select(i => new InvVector(i % 2 == 0 ? InvType.WitnessTx : InvType.Block, RandomHash(random))).ToList();
        return
        [
            new VersionMessage
            {
                Version = 70016, Services = 0x409, Timestamp = 1_700_000_000, Receiver = Address("127.0.0.1", 8333),
                Sender = Address("2001:db8::1", 18444, 0x409), Nonce = 0x1122334455667788, UserAgent = "/Nodus:0.1.0/",
                StartHeight = 840_000, Relay = false,
            },
            new VerackMessage(),
            new PingMessage(0xdeadbeefcafef00d),
            new PongMessage(0xdeadbeefcafef00d),
            new GetAddrMessage(),
            new AddrMessage([
                new TimestampedAddress(1_700_000_000, Address("10.1.2.3", 8333)),
                new TimestampedAddress(1_700_000_100, Address("2001:db8::2", 8334, 0x408)),
                new TimestampedAddress(1_700_000_200, Address("192.168.0.1", 1)),
            ]),
            new InvMessage(inventory),
            new GetDataMessage(inventory.Take(3)),
            new NotFoundMessage(inventory.Skip(3)),
            new GetBlocksMessage(70016, locator, Hash256.Zero),
            new GetHeadersMessage(70016, locator, RandomHash(random)),
            new HeadersMessage(Enumerable.Range(0, 3).Select(_ => RandomBlock(random, 1).Header)),
            new BlockMessage(RandomBlock(random, 4)),
            new TxMessage(RandomTransaction(random, witness: true)),
            new TxMessage(RandomTransaction(random, witness: false, inputs: 1, outputs: 3)),
            new SendHeadersMessage(),
            new MempoolMessage(),
            new DandelionTxMessage(RandomTransaction(random, witness: true)),
            new SendCmpctMessage(highBandwidth: true),
            new CmpctBlockMessage(CompactBlock.FromBlock(RandomBlock(random, 5), 0x0102030405060708)),
            new GetBlockTxnMessage(new BlockTransactionsRequest { BlockHash = RandomHash(random), Indexes = [1, 2, 7, 300, 65535] }),
            new BlockTxnMessage(new BlockTransactions { BlockHash = RandomHash(random), Transactions = [RandomTransaction(random, witness: true)] }),
        ];
    }

    public static byte[] Payload(IMessage message) => MessageCodec.EncodePayload(message);

    /// <summary>The same bytes as a sequence of segments of the given size, as a pipe may hand them over.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        for (int offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var memory = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
