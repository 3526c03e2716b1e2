using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nodus.Core;
using Nodus.Net.Runtime;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>
/// A raw TCP peer that breaks the protocol is disconnected with a logged reason while a well-behaved peer of the
/// same node stays connected (issue 2: garbage, wrong magic, bad checksum, 4 GB length, silence).
/// </summary>
public class MisbehavingPeerTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "garbage", "ProtocolViolation" },
        { "wrong-magic", "ProtocolViolation: wrong network magic" },
        { "bad-checksum", "ProtocolViolation: bad checksum" },
        { "4gb-length", "ProtocolViolation: payload length 4294967295 exceeds limit" },
        { "undecodable", "ProtocolViolation: malformed version" },
        { "silent", "HandshakeTimeout" },
    };

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(Cases))]
    public async Task RawPeer_BreaksProtocol_IsDisconnectedAndOthersStay(string kind, string loggedReason)
    {
        var logs = new ListLoggerFactory();
        await using var node = await TestNet.StartHostAsync(logs, node: o => o with { HandshakeTimeout = Time.Second });
        await using var good = await TestNet.StartHostAsync(node: o => o with { Connect = [node.ListenEndPoint!] }, listen: false);
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(node)).Count == 1, "the good peer is established");

        using var raw = new TcpClient();
        await raw.ConnectAsync(node.ListenEndPoint!);
        var stream = raw.GetStream();
        byte[] bytes = Frame(kind);
        if (bytes.Length > 0) await stream.WriteAsync(bytes);

        Assert.True(await ClosedByRemoteAsync(stream, TestNet.Patience), $"{kind}: the node did not close the connection");
        await TestNet.WaitUntilAsync(() => Task.FromResult(logs.Contains(loggedReason)), $"the log says '{loggedReason}'");
        await TestNet.WaitUntilAsync(async () => await TestNet.PeerCountAsync(node) == 1, "only the good peer remains");
        var remaining = Assert.Single(await TestNet.EstablishedAsync(node));
        var goodSide = Assert.Single(await TestNet.EstablishedAsync(good));
        Assert.Equal(node.ListenEndPoint, goodSide.Remote);
        Assert.True(remaining.Inbound);
    }

    private static byte[] Frame(string kind)
    {
        var version = new VersionMessage
        {
            Version = NodeOptions.CurrentProtocolVersion,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Receiver = new NetAddress(new IPEndPoint(IPAddress.Loopback, 1), 0),
            Sender = new NetAddress(new IPEndPoint(IPAddress.IPv6Any, 0), 0),
            Nonce = 42,
            UserAgent = "/raw:0/",
        };
        byte[] frame = FrameWriter.Serialize(TestNet.Magic, version);
        switch (kind)
        {
            case "garbage":
                var garbage = new byte[200];
                new Random(7).NextBytes(garbage);
                return garbage;
            case "wrong-magic":
                return FrameWriter.Serialize(0xd9b4bef9, version); // Bitcoin main's magic, not ours
            case "bad-checksum":
                frame[20] ^= 0xff;
                return frame;
            case "4gb-length":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(16), uint.MaxValue);
                return frame[..MessageHeader.Size];
            case "undecodable":
                // A well-framed version whose payload is cut short: checksum right, content wrong.
                byte[] payload = new byte[10];
                var header = new byte[MessageHeader.Size];
                MessageHeader.Write(header, TestNet.Magic, "version", payload.Length, Wire.Encoding.Sha256d.Checksum(payload.AsSpan()));
                return [.. header, .. payload];
            case "silent":
                return [];
            default:
                throw new ArgumentException(kind);
        }
    }

    /// <summary>True when the remote end closes (EOF or reset) within <paramref name="timeout"/>.</summary>
    private static async Task<bool> ClosedByRemoteAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0) { }
            return true;
        }
        catch (IOException) { return true; }
        catch (OperationCanceledException) { return false; }
    }
}
