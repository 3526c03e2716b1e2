using System.Buffers;
using System.Buffers.Binary;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Wire.Tests;

public class FrameReaderTests
{
    private const uint Magic = Vectors.RegtestMagic;

    public static TheoryData<int> MessageIndexes => new(Enumerable.Range(0, Samples.AllMessages().Count));

    private static FrameResult Read(byte[] bytes) => Read(bytes, out _);

    private static FrameResult Read(byte[] bytes, out long left)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var result = FrameReader.TryRead(ref buffer, Magic);
        left = buffer.Length;
        return result;
    }

    private static byte[] Frame(string command, byte[] payload)
    {
        var frame = new byte[MessageHeader.Size + payload.Length];
        MessageHeader.Write(frame, Magic, command, payload.Length, Sha256d.Checksum(payload));
        payload.CopyTo(frame, MessageHeader.Size);
        return frame;
    }

    [Fact]
    public void TryRead_FourGigabyteLengthInHeaderOnly_ErrorWithoutWaitingForPayload()
    {
        var header = new byte[MessageHeader.Size];
        MessageHeader.Write(header, Magic, "block", 0, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), uint.MaxValue);

        var result = Read(header, out long left);

        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("exceeds limit", result.Error);
        Assert.Equal(header.Length, left); // buffer untouched
    }

    [Fact]
    public void TryRead_LengthJustAboveMaxPayload_Error()
    {
        var header = new byte[MessageHeader.Size];
        MessageHeader.Write(header, Magic, "block", MessageHeader.MaxPayloadLength + 1, 0);
        Assert.Equal(ReadStatus.Error, Read(header).Status);

        MessageHeader.Write(header, Magic, "block", MessageHeader.MaxPayloadLength, 0);
        Assert.Equal(ReadStatus.NeedMoreData, Read(header).Status);
    }

    [Fact]
    public void TryRead_BadMagic_Error()
    {
        var frame = Vectors.Bytes(Vectors.VerackFrameHex); // mainnet magic
        var result = Read(frame);
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("magic", result.Error);
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.Equal(ReadStatus.Message, FrameReader.TryRead(ref buffer, Vectors.MainnetMagic).Status);
    }

    [Fact]
    public void TryRead_BadChecksum_Error()
    {
        var frame = FrameWriter.Serialize(Magic, new PingMessage(1));
        frame[20] ^= 1;
        var result = Read(frame);
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("checksum", result.Error);
    }

    [Theory]
    [InlineData("70696e670a0000000000000000")] // "ping\n": control character
    [InlineData("70696e6700410000000000000000")] // "ping\0A": data after the padding
    [InlineData("70696e67ff0000000000000000")] // non-ASCII
    [InlineData("70697f670000000000000000")] // DEL inside the field
    public void TryRead_InvalidCommandBytes_Error(string commandHex)
    {
        var frame = FrameWriter.Serialize(Magic, new VerackMessage());
        var field = Convert.FromHexString(commandHex)[..MessageHeader.CommandSize];
        field.CopyTo(frame, 4);
        var result = Read(frame);
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("command", result.Error);
    }

    [Theory]
    [InlineData("sendaddrv2", "")]
    [InlineData("wtxidrelay", "")]
    [InlineData("feefilter", "e803000000000000")]
    public void TryRead_UnknownWellFramedCommand_UnknownCommandAndSkipped(string command, string payloadHex)
    {
        var frame = Frame(command, Convert.FromHexString(payloadHex));
        var ping = FrameWriter.Serialize(Magic, new PingMessage(9));
        var buffer = new ReadOnlySequence<byte>([.. frame, .. ping]);

        var unknown = FrameReader.TryRead(ref buffer, Magic);
        Assert.Equal(ReadStatus.UnknownCommand, unknown.Status);
        Assert.Equal(command, unknown.Command);
        Assert.Equal(frame.Length, unknown.WireSize);

        var next = FrameReader.TryRead(ref buffer, Magic);
        Assert.Equal(9ul, Assert.IsType<PingMessage>(next.Message).Nonce);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_TwoFramesInOneBuffer_ReadsOneAtATime()
    {
        var a = FrameWriter.Serialize(Magic, new PingMessage(1));
        var b = FrameWriter.Serialize(Magic, new PongMessage(2));
        var buffer = new ReadOnlySequence<byte>([.. a, .. b, .. b[..10]]);
        Assert.IsType<PingMessage>(FrameReader.TryRead(ref buffer, Magic).Message);
        Assert.IsType<PongMessage>(FrameReader.TryRead(ref buffer, Magic).Message);
        Assert.Equal(ReadStatus.NeedMoreData, FrameReader.TryRead(ref buffer, Magic).Status);
        Assert.Equal(10, buffer.Length);
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void TryRead_FrameTruncatedAtEveryOffset_NeedMoreData(int index)
    {
        var frame = FrameWriter.Serialize(Magic, Samples.AllMessages()[index]);
        for (int cut = 0; cut < frame.Length; cut++)
        {
            var result = Read(frame[..cut], out long left);
            Assert.True(result.Status == ReadStatus.NeedMoreData, $"cut {cut}: {result.Status} {result.Error}");
            Assert.Equal(cut, left);
        }
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void TryRead_PayloadTruncatedWithFixedHeader_ProtocolError(int index)
    {
        var message = Samples.AllMessages()[index];
        var payload = Samples.Payload(message);
        var validCuts = message is VersionMessage v ? VersionOptionalFieldBoundaries(v) : [];
        for (int cut = 0; cut < payload.Length; cut++)
        {
            var result = Read(Frame(message.Command, payload[..cut]));
            if (validCuts.Contains(cut))
                Assert.Equal(ReadStatus.Message, result.Status); // an older peer's shorter version message
            else
                Assert.True(result.Status == ReadStatus.Error, $"{message.Command} cut at {cut}: {result.Status}");
        }
    }

    /// <summary>Where a version payload may end: after addr_recv, the nonce, the user agent and the start height.</summary>
    private static int[] VersionOptionalFieldBoundaries(VersionMessage v)
    {
        int ua = WireStream.CompactSizeLength((ulong)v.UserAgent.Length) + System.Text.Encoding.UTF8.GetByteCount(v.UserAgent);
        return [46, 80, 80 + ua, 84 + ua];
    }

    [Fact]
    public void Write_ToBufferWriter_SameBytesAsSerialize()
    {
        var message = Samples.AllMessages().First(m => m is BlockMessage);
        var output = new ArrayBufferWriter<byte>();
        output.Write(new byte[] { 1, 2, 3 });
        int size = FrameWriter.Write(output, Magic, message);
        var frame = FrameWriter.Serialize(Magic, message);
        Assert.Equal(frame.Length, size);
        Assert.Equal([1, 2, 3, .. frame], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Serialize_PayloadAboveLimit_Throws()
    {
        var block = new Types.Block();
        var tx = Samples.RandomTransaction(new Random(1), witness: false);
        tx.Outputs.Add(new Types.TxOut { ScriptPubKey = new byte[MessageHeader.MaxPayloadLength] });
        block.Transactions.Add(tx);
        Assert.Throws<WireFormatException>(() => FrameWriter.Serialize(Magic, new BlockMessage(block)));
    }
}
