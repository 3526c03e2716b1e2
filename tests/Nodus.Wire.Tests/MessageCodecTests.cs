using System.Buffers;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Wire.Tests;

public class MessageCodecTests
{
    public static TheoryData<int> MessageIndexes => new(Enumerable.Range(0, Samples.AllMessages().Count));

    [Fact]
    public void KnownCommands_EveryMessageOfTheProtocol_Registered()
    {
        string[] expected = ["version", "verack", "ping", "pong", "getaddr", "addr", "inv", "getdata", "notfound",
            "getblocks", "getheaders", "headers", "block", "tx", "sendheaders", "mempool", "dandeliontx", "sendcmpct", "cmpctblock", "getblocktxn", "blocktxn"];
        Assert.Equal(expected.Order(), MessageCodec.KnownCommands.Order());
        Assert.Equal(expected.Order(), Samples.AllMessages().Select(m => m.Command).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void RoundTrip_EveryMessage_SameTypeAndBytes(int index)
    {
        var message = Samples.AllMessages()[index];
        var frame = FrameWriter.Serialize(Vectors.RegtestMagic, message);
        var buffer = new ReadOnlySequence<byte>(frame);

        var result = FrameReader.TryRead(ref buffer, Vectors.RegtestMagic);

        Assert.Equal(ReadStatus.Message, result.Status);
        Assert.Equal(message.GetType(), result.Message!.GetType());
        Assert.Equal(message.Command, result.Command);
        Assert.Equal(frame.Length, result.WireSize);
        Assert.True(buffer.IsEmpty);
        Assert.Equal(frame, FrameWriter.Serialize(Vectors.RegtestMagic, result.Message));
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void RoundTrip_EveryMessageInOneByteSegments_SameBytes(int index)
    {
        var message = Samples.AllMessages()[index];
        var frame = FrameWriter.Serialize(Vectors.RegtestMagic, message);
        var buffer = Samples.Segmented(frame, 1);
        var result = FrameReader.TryRead(ref buffer, Vectors.RegtestMagic);
        Assert.Equal(ReadStatus.Message, result.Status);
        Assert.Equal(frame, FrameWriter.Serialize(Vectors.RegtestMagic, result.Message!));
    }

    [Fact]
    public void RoundTrip_FieldsSurvive()
    {
        var all = Samples.AllMessages();
        var addr = RoundTrip((AddrMessage)all.First(m => m is AddrMessage));
        var original = (AddrMessage)all.First(m => m is AddrMessage);
        Assert.Equal(original.Addresses, addr.Addresses);

        var inv = (InvMessage)all.First(m => m is InvMessage);
        Assert.Equal(inv.Inventory, RoundTrip(inv).Inventory);

        var getHeaders = (GetHeadersMessage)all.First(m => m is GetHeadersMessage);
        var gh = RoundTrip(getHeaders);
        Assert.Equal(70016u, gh.Version);
        Assert.Equal(getHeaders.Locator.Hashes, gh.Locator.Hashes);
        Assert.Equal(getHeaders.HashStop, gh.HashStop);

        var headers = (HeadersMessage)all.First(m => m is HeadersMessage);
        Assert.Equal(headers.Headers, RoundTrip(headers).Headers);

        var block = (BlockMessage)all.First(m => m is BlockMessage);
        var decoded = RoundTrip(block).Block;
        Assert.Equal(block.Block.GetHash(), decoded.GetHash());
        Assert.Equal(block.Block.Transactions.Select(t => t.GetWitnessHash()), decoded.Transactions.Select(t => t.GetWitnessHash()));
        Assert.Equal(decoded.Header.MerkleRoot, decoded.ComputeMerkleRoot());

        var ping = RoundTrip(new PingMessage(42));
        Assert.Equal(42ul, ping.Nonce);
    }

    private static T RoundTrip<T>(T message) where T : IMessage
    {
        var result = MessageCodec.Decode(message.Command, new ReadOnlySequence<byte>(Samples.Payload(message)));
        Assert.Equal(ReadStatus.Message, result.Status);
        return Assert.IsType<T>(result.Message);
    }

    public static TheoryData<string, int, int, int> Limits => new()
    {
        // command, limit, bytes per entry, bytes before the count
        { "addr", AddrMessage.MaxAddresses, TimestampedAddress.EncodedSize, 0 },
        { "inv", InvVector.MaxPerMessage, InvVector.EncodedSize, 0 },
        { "getdata", InvVector.MaxPerMessage, InvVector.EncodedSize, 0 },
        { "notfound", InvVector.MaxPerMessage, InvVector.EncodedSize, 0 },
        { "headers", HeadersMessage.MaxHeaders, BlockHeader.EncodedSize + 1, 0 },
        { "getheaders", BlockLocator.MaxHashes, Hash256.Size, 4 },
        { "getblocks", BlockLocator.MaxHashes, Hash256.Size, 4 },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void Decode_CountAtLimit_AcceptedAndOneMoreRefused(string command, int limit, int entrySize, int prefix)
    {
        int suffix = command.StartsWith("get", StringComparison.Ordinal) && command != "getdata" ? Hash256.Size : 0;
        Assert.Equal(ReadStatus.Message, MessageCodec.Decode(command, new ReadOnlySequence<byte>(Build(limit))).Status);
        var over = MessageCodec.Decode(command, new ReadOnlySequence<byte>(Build(limit + 1)));
        Assert.Equal(ReadStatus.Error, over.Status);
        Assert.Contains($"limit {limit}", over.Error);

        byte[] Build(int count)
        {
            var payload = new byte[prefix + WireStream.CompactSizeLength((ulong)count) + count * entrySize + suffix];
            var buffer = new ArrayBufferWriter<byte>();
            var s = WireStream.ForWriting(buffer);
            ulong c = (ulong)count;
            s.CompactSize(ref c);
            buffer.WrittenSpan.CopyTo(payload.AsSpan(prefix));
            return payload;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(252)]
    [InlineData(253)]
    [InlineData(HeadersMessage.MaxHeaders)]
    public void HeadersPayloadSize_IsTheEncodedLength(int count)
    {
        var message = new HeadersMessage(Enumerable.Range(0, count).Select(i => new BlockHeader { Version = i, Nonce = (uint)i }));
        Assert.Equal(MessageCodec.EncodePayload(message).Length, HeadersMessage.PayloadSize(count));
    }

    [Fact]
    public void Decode_HeadersWithNonZeroTxCount_Error()
    {
        var payload = Samples.Payload(new HeadersMessage([new BlockHeader { Version = 1 }]));
        payload[^1] = 1;
        var result = MessageCodec.Decode("headers", new ReadOnlySequence<byte>(payload));
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("transaction count", result.Error);
    }

    [Fact]
    public void Encode_MoreThanLimit_Throws()
    {
        var inv = new InvMessage(Enumerable.Repeat(new InvVector(InvType.Tx, Hash256.Zero), InvVector.MaxPerMessage + 1));
        Assert.Throws<WireFormatException>(() => MessageCodec.EncodePayload(inv));
    }

    [Theory]
    [InlineData("ping", "0102030405060708ff")] // trailing byte
    [InlineData("ping", "01020304")] // truncated
    [InlineData("verack", "00")]
    [InlineData("inv", "fd0100")] // non-canonical count
    public void Decode_Malformed_ErrorNamesTheCommand(string command, string hex)
    {
        var result = MessageCodec.Decode(command, new ReadOnlySequence<byte>(Convert.FromHexString(hex)));
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains(command, result.Error);
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void PayloadSize_EveryMessage_EqualsEncodedLength(int index)
    {
        var message = Samples.AllMessages()[index];
        Assert.Equal(Samples.Payload(message).Length, MessageCodec.PayloadSize(message));
    }
}
