using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Sim.Engine;
using Nodus.Sim.Network;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Xunit;

namespace Nodus.Sim.Tests;

public class SimRuntimeTests
{
    private static readonly long Ms = Time.Millisecond;

    private sealed record Delivery(int Node, int From, IMessage Message, long At);

    private static (SimRuntime, List<Delivery>) TwoNodes(long latency, long bitsPerSecond)
    {
        var model = new SynchronousModel(latency, latency, new UniformBandwidth(bitsPerSecond, bitsPerSecond));
        var runtime = new SimRuntime(2, 42, model, (_, r) => new Node(new NodeOptions(), r));
        var log = new List<Delivery>();
        runtime.MessageDelivered = (node, _, from, m, now) => log.Add(new Delivery(node, from, m, now));
        runtime.PlannedOutbound = v => v == 0 ? new[] { 1 } : Array.Empty<int>();
        runtime.ScheduleStart(1, 0);
        runtime.ScheduleStart(0, 0);
        runtime.ScheduleConnect(0, 0);
        return (runtime, log);
    }

    private static int WireSize(IMessage m) => MessageHeader.Size + MessageCodec.EncodePayload(m).Length;

    [Fact]
    public void Run_Handshake_VersionArrivesAfterRttPlusTransmissionAndLatency()
    {
        var (runtime, log) = TwoNodes(50 * Ms, 8_000_000); // 8 Mbit/s: one byte per microsecond
        runtime.Run(10 * Time.Second);

        var version = log.First(d => d.Message is VersionMessage && d.Node == 1);
        int size = WireSize(version.Message);
        // Dial at 0; the dialer is connected after one RTT (100 ms) and sends its version: 50 ms latency plus
        // size µs of transmission (pipelined through both 8 Mbit/s links).
        Assert.Equal(100 * Ms + 50 * Ms + size, version.At);
        Assert.True(runtime.GetNode(0)!.Peers.Single().IsEstablished);
        Assert.True(runtime.GetNode(1)!.Peers.Single().IsEstablished);
        Assert.Equal(ConnectionType.Inbound, runtime.GetNode(1)!.Peers.Single().ConnectionType);
    }

    [Fact]
    public void Run_BackToBackSends_SecondWaitsForTheUploadLink()
    {
        var (runtime, log) = TwoNodes(50 * Ms, 8_000_000);
        runtime.Run(10 * Time.Second);
        // The inbound side answers a version with its version and a verack at the same instant: the verack queues
        // behind the version on node 1's upload link.
        var fromOne = log.Where(d => d.Node == 0).Take(2).ToArray();
        Assert.IsType<VersionMessage>(fromOne[0].Message);
        Assert.IsType<VerackMessage>(fromOne[1].Message);
        int verackSize = WireSize(fromOne[1].Message);
        Assert.Equal(fromOne[0].At + verackSize, fromOne[1].At); // same latency, departs when the version has left
    }

    [Fact]
    public void Run_SlowReceiver_DownloadLinkBoundsTransmission()
    {
        var model = new SynchronousModel(50 * Ms, 50 * Ms, new UniformBandwidth(0, 800_000)); // 0.1 byte/µs down
        var runtime = new SimRuntime(2, 42, model, (_, r) => new Node(new NodeOptions(), r));
        var log = new List<Delivery>();
        runtime.MessageDelivered = (node, _, from, m, now) => log.Add(new Delivery(node, from, m, now));
        runtime.PlannedOutbound = v => v == 0 ? new[] { 1 } : Array.Empty<int>();
        runtime.ScheduleStart(0, 0);
        runtime.ScheduleStart(1, 0);
        runtime.ScheduleConnect(0, 0);
        runtime.Run(10 * Time.Second);
        var version = log.First(d => d.Message is VersionMessage && d.Node == 1);
        Assert.Equal(150 * Ms + WireSize(version.Message) * 10L, version.At);
    }

    /// <summary>Node 0 is far from node 2 (300 ms), node 1 near (10 ms); links of 8 Mbit/s (one byte per µs).</summary>
    private sealed class FarAndNear : INetworkModel
    {
        public string Name => "far-and-near";
        public long Latency(int from, int to, long now, Random random) => from == 0 || to == 0 ? 300 * Ms : 10 * Ms;
        public long UploadBitsPerSecond(int node) => 8_000_000;
        public long DownloadBitsPerSecond(int node) => 8_000_000;
        public int RegionOf(int node) => 0;
        public IReadOnlyList<string> RegionNames => ["WORLD"];
        public void Describe(System.Text.Json.Utf8JsonWriter json) => json.WriteString("model", Name);
    }

    [Fact]
    public void Run_SmallMessageFromAFarPeer_DoesNotHoldUpTheDownloadLink()
    {
        var runtime = new SimRuntime(3, 42, new FarAndNear(), (_, r) => new Node(new NodeOptions(), r));
        var log = new List<Delivery>();
        runtime.MessageDelivered = (node, _, from, m, now) => log.Add(new Delivery(node, from, m, now));
        runtime.PlannedOutbound = v => v < 2 ? new[] { 2 } : Array.Empty<int>();
        for (int v = 0; v < 3; v++) runtime.ScheduleStart(v, 0);
        runtime.ScheduleConnect(0, 0);         // connected at 600 ms; its version reaches node 2 at ≈ 900 ms
        runtime.ScheduleConnect(1, 700 * Ms);  // connected at 720 ms; its version is sent later but arrives first
        runtime.Run(2 * Time.Second);
        var near = log.First(d => d.Message is VersionMessage && d.Node == 2 && d.From == 1);
        var far = log.First(d => d.Message is VersionMessage && d.Node == 2 && d.From == 0);
        Assert.Equal(720 * Ms + 10 * Ms + WireSize(near.Message), near.At);
        Assert.True(near.At < far.At);
    }

    [Fact]
    public void TransmissionTime_KnownValues()
    {
        Assert.Equal(1_000_000, SimRuntime.TransmissionTime(1_000_000, 8_000_000)); // 1 MB at 8 Mbit/s: 1 s
        Assert.Equal(0, SimRuntime.TransmissionTime(1_000_000, 0)); // unlimited
        Assert.Equal(1, SimRuntime.TransmissionTime(1, 1_000_000_000)); // rounds up to a whole microsecond
    }

    [Fact]
    public void EndPointOf_IndexOf_RoundTrip()
    {
        var runtime = new SimRuntime(300_000, 1, new SynchronousModel(Ms, Ms, UniformBandwidth.Default), (_, r) => new Node(new NodeOptions(), r));
        foreach (int v in new[] { 0, 1, 255, 256, 65_535, 299_999 })
            Assert.Equal(v, runtime.IndexOf(runtime.EndPointOf(v)));
        Assert.Equal(-1, runtime.IndexOf(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, SimRuntime.ListenPort)));
    }

    [Fact]
    public void Run_PartitionDrop_PingsAcrossTheCutAreLost()
    {
        var (runtime, log) = TwoNodes(50 * Ms, 0);
        // From 1 s (after the handshake) to 10 minutes: the 2-minute pings in both directions are dropped.
        runtime.AddPartition(Partition.Split(2, 0.5, 1 * Time.Second, 10 * Time.Minute, PartitionMode.Drop));
        runtime.Run(5 * Time.Minute);
        Assert.DoesNotContain(log, d => d.Message is PingMessage && d.At > Time.Second);
        Assert.True(runtime.MessagesDropped >= 2);
    }

    [Fact]
    public void Run_PartitionHold_MessagesArriveAfterHealing()
    {
        var (runtime, log) = TwoNodes(50 * Ms, 0);
        long heal = 3 * Time.Minute;
        runtime.AddPartition(Partition.Split(2, 0.5, 1 * Time.Second, heal, PartitionMode.Hold));
        runtime.Run(5 * Time.Minute);
        var late = log.Where(d => d.Message is PingMessage && d.At > Time.Second).ToArray();
        Assert.NotEmpty(late); // the 2-minute pings were held, not lost
        Assert.All(late, d => Assert.True(d.At >= heal + 50 * Ms));
        Assert.Equal(0, runtime.MessagesDropped);
    }

    [Fact]
    public void Dial_AcrossActiveCut_FailsWithoutConnecting()
    {
        var (runtime, _) = TwoNodes(50 * Ms, 0);
        runtime.AddPartition(Partition.Split(2, 0.5, 0, Time.Never, PartitionMode.Drop));
        runtime.Run(Time.Minute);
        Assert.Empty(runtime.GetNode(0)!.Peers);
        Assert.Empty(runtime.GetNode(1)!.Peers);
    }

    [Fact]
    public void Crash_ConnectedNode_PeerSeesDisconnect()
    {
        var (runtime, _) = TwoNodes(50 * Ms, 0);
        runtime.Run(Time.Second);
        Assert.Single(runtime.GetNode(0)!.Peers);
        runtime.Crash(1);
        runtime.Run(2 * Time.Second);
        Assert.Empty(runtime.GetNode(0)!.Peers);
        Assert.False(runtime.IsAlive(1));
        Assert.Equal(0, runtime.OpenConnections);
    }
}
