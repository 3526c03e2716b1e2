using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Net.Runtime;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>
/// A full node on bitcoin-regtest, spoken to over a raw socket the way Bitcoin Core 0.21+ speaks: version, then
/// wtxidrelay and sendaddrv2 (unknown to us, to be skipped) before verack, then ping and getheaders.
/// </summary>
public class BitcoinInteropTests
{
    [Fact(Timeout = 60_000)]
    public async Task BitcoinRegtest_CoreStyleHandshakePingGetHeaders_Answered()
    {
        var network = Networks.BitcoinRegtest;
        await using var daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
        {
            DataDir = TestNet.TempDir(),
            Network = network,
            Host = new NodeHostOptions { Magic = network.Magic, Listen = new IPEndPoint(IPAddress.Loopback, 0) },
        }, new ListLoggerFactory());

        using var client = new TcpClient();
        await client.ConnectAsync(daemon.Host.ListenEndPoint!);
        var peer = new RawPeer(client.GetStream(), network.Magic);

        await peer.SendAsync(new VersionMessage
        {
            Version = NodeOptions.CurrentProtocolVersion,
            Services = NodeOptions.NodeNetwork | NodeOptions.NodeWitness,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Receiver = new NetAddress(daemon.Host.ListenEndPoint!, 0),
            Sender = new NetAddress(new IPEndPoint(IPAddress.IPv6Any, 0), 0),
            Nonce = 0x1122334455667788,
            UserAgent = "/Satoshi:27.0.0/",
            StartHeight = 0,
            Relay = true,
        });
        var theirVersion = await peer.ReceiveAsync<VersionMessage>();
        Assert.Equal(NodeOptions.CurrentProtocolVersion, theirVersion.Version);
        await peer.SendRawAsync("wtxidrelay", []);
        await peer.SendRawAsync("sendaddrv2", []);
        await peer.ReceiveAsync<VerackMessage>();
        await peer.SendAsync(new VerackMessage());

        await peer.SendAsync(new PingMessage(0xfeedface));
        Assert.Equal(0xfeedfaceUL, (await peer.ReceiveAsync<PongMessage>()).Nonce);

        await peer.SendAsync(new GetHeadersMessage((uint)NodeOptions.CurrentProtocolVersion, new BlockLocator([network.GenesisHash]), default));
        var headers = await peer.ReceiveAsync<HeadersMessage>();
        var previous = network.GenesisHash;
        foreach (var header in headers.Headers)
        {
            Assert.Equal(previous, header.PrevBlock);
            previous = header.GetHash();
        }

        // Still connected and established after the unknown commands.
        var established = await TestNet.EstablishedAsync(daemon.Host);
        Assert.Contains(established, p => p.Inbound);
    }

    /// <summary>A minimal Bitcoin peer over a socket: frames out with FrameWriter, frames in with FrameReader.</summary>
    private sealed class RawPeer(NetworkStream stream, uint magic)
    {
        private readonly byte[] _buffer = new byte[8 * 1024 * 1024];
        private int _filled;

        public Task SendAsync(IMessage message) => stream.WriteAsync(FrameWriter.Serialize(magic, message)).AsTask();

        public Task SendRawAsync(string command, byte[] payload)
        {
            var frame = new byte[MessageHeader.Size + payload.Length];
            MessageHeader.Write(frame, magic, command, payload.Length, Sha256d.Checksum(payload.AsSpan()));
            payload.CopyTo(frame.AsSpan(MessageHeader.Size));
            return stream.WriteAsync(frame).AsTask();
        }

        /// <summary>Reads frames until one of type <typeparamref name="T"/> arrives (others, such as the node's own ping, are skipped).</summary>
        public async Task<T> ReceiveAsync<T>() where T : class, IMessage
        {
            using var timeout = new CancellationTokenSource(TestNet.Patience);
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_buffer, 0, _filled);
                var result = FrameReader.TryRead(ref sequence, magic);
                if (result.Status == ReadStatus.Error) throw new InvalidDataException(result.Error);
                if (result.Status != ReadStatus.NeedMoreData)
                {
                    int consumed = _filled - (int)sequence.Length;
                    Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _filled - consumed);
                    _filled -= consumed;
                    if (result.Message is T wanted) return wanted;
                    continue;
                }
                int n = await stream.ReadAsync(_buffer.AsMemory(_filled), timeout.Token);
                if (n == 0) throw new EndOfStreamException($"the node closed the connection while we waited for {typeof(T).Name}");
                _filled += n;
            }
        }
    }
}
