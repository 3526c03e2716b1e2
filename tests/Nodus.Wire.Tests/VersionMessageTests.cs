using System.Buffers;
using System.Net;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Wire.Tests;

public class VersionMessageTests
{
    [Fact]
    public void TryRead_ProtocolDocumentationExample_DecodesEveryField()
    {
        var frame = Vectors.Bytes(Vectors.VersionFrameHex);
        var buffer = new ReadOnlySequence<byte>(frame);
        var result = FrameReader.TryRead(ref buffer, Vectors.MainnetMagic);

        Assert.Equal(ReadStatus.Message, result.Status);
        Assert.Equal(frame.Length, result.WireSize);
        Assert.Equal(0, buffer.Length);
        var v = Assert.IsType<VersionMessage>(result.Message);
        Assert.Equal("version", result.Command);
        Assert.Equal(70002, v.Version);
        Assert.Equal(1ul, v.Services); // NODE_NETWORK
        Assert.Equal(1415483324, v.Timestamp);
        Assert.Equal(1ul, v.Receiver.Services);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.27.100.9"), 8333), v.Receiver.EndPoint);
        Assert.Equal(1ul, v.Sender.Services);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.192"), 8333), v.Sender.EndPoint);
        Assert.Equal(0xf85379c9cb358012ul, v.Nonce);
        Assert.Equal("/Satoshi:0.9.3/", v.UserAgent);
        Assert.Equal(329167, v.StartHeight);
        Assert.True(v.Relay);
    }

    [Fact]
    public void Serialize_ProtocolDocumentationExample_ByteIdentical()
    {
        var frame = Vectors.Bytes(Vectors.VersionFrameHex);
        var buffer = new ReadOnlySequence<byte>(frame);
        var message = FrameReader.TryRead(ref buffer, Vectors.MainnetMagic).Message!;
        Assert.Equal(Vectors.VersionFrameHex, Convert.ToHexStringLower(FrameWriter.Serialize(Vectors.MainnetMagic, message)));
    }

    [Fact]
    public void Decode_OldVersionEndingAfterReceiver_DefaultsOptionalFields()
    {
        var payload = Vectors.Bytes(Vectors.VersionFrameHex)[MessageHeader.Size..][..46];
        var result = MessageCodec.Decode(VersionMessage.CommandName, new ReadOnlySequence<byte>(payload));
        var v = Assert.IsType<VersionMessage>(result.Message);
        Assert.Equal(70002, v.Version);
        Assert.Equal("", v.UserAgent);
        Assert.True(v.Relay);
    }

    [Fact]
    public void Decode_UserAgentLongerThanLimit_Error()
    {
        var m = new VersionMessage { UserAgent = new string('a', VersionMessage.MaxUserAgentLength) };
        var ok = Samples.Payload(m);
        Assert.Equal(ReadStatus.Message, MessageCodec.Decode("version", new ReadOnlySequence<byte>(ok)).Status);

        // Same message with a 257-byte user agent, written by hand since the encoder refuses it.
        var bad = ok[..80].Concat(new byte[] { 0xfd, 0x01, 0x01 }).Concat(new byte[257]).Concat(ok[^5..]).ToArray();
        var result = MessageCodec.Decode("version", new ReadOnlySequence<byte>(bad));
        Assert.Equal(ReadStatus.Error, result.Status);
        Assert.Contains("user agent", result.Error);
    }

    [Fact]
    public void Decode_InvalidUtf8UserAgentAtLimit_ReencodesWithinLimit()
    {
        var m = new VersionMessage { UserAgent = new string('a', VersionMessage.MaxUserAgentLength) };
        var payload = Samples.Payload(m);
        for (int i = 83; i < 83 + VersionMessage.MaxUserAgentLength; i += 2) payload[i] = 0xff; // invalid UTF-8 bytes

        var decoded = Assert.IsType<VersionMessage>(MessageCodec.Decode("version", new ReadOnlySequence<byte>(payload)).Message);
        Assert.Contains('?', decoded.UserAgent);
        var reencoded = Samples.Payload(decoded); // each bad byte became one '?', one byte again
        Assert.Equal(payload.Length, reencoded.Length);
        var again = Assert.IsType<VersionMessage>(MessageCodec.Decode("version", new ReadOnlySequence<byte>(reencoded)).Message);
        Assert.Equal(decoded.UserAgent, again.UserAgent);
    }
}
