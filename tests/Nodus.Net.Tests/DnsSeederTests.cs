using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Net.Runtime;
using Nodus.Net.Seeder;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>The DNS seed: its wire format, its answers to good and bad queries over real UDP, and a node that
/// bootstraps from it with no other way into the network.</summary>
public sealed class DnsSeederTests
{
    private const string SeedName = "seed.nodus.test";

    // RFC 1035 §4.1 layout of a standard query: id 0x1234, RD, one question "seed.nodus.test" A IN.
    private static readonly byte[] QueryBytes =
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        4, (byte)'s', (byte)'e', (byte)'e', (byte)'d', 5, (byte)'n', (byte)'o', (byte)'d', (byte)'u', (byte)'s',
        4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0x00, 0x01, 0x00, 0x01,
    ];

    [Fact]
    public void Query_ReadAsLaidOutInRfc1035_AndWrittenBackTheSame()
    {
        Assert.True(DnsMessage.TryReadQuery(QueryBytes, out var query, out var error));
        Assert.Null(error);
        Assert.Equal(0x1234, query!.Id);
        Assert.Equal(SeedName, query.Name);
        Assert.Equal((ushort)DnsType.A, query.Type);
        Assert.True(query.RecursionDesired);
        Assert.Equal(QueryBytes, DnsMessage.WriteQuery(0x1234, SeedName + ".", DnsType.A));
        Assert.True(DnsMessage.TryReadQuery(DnsMessage.WriteQuery(1, "SEED.Nodus.TEST", DnsType.A), out var upper, out _));
        Assert.Equal(SeedName, upper!.Name); // names compare case-insensitively

        var answer = DnsMessage.WriteAnswer(query, DnsRcode.NoError, [IPAddress.Parse("203.0.113.7")], 60);
        // Header: same id, QR | AA | RD, NOERROR, one question, one answer.
        Assert.Equal(new byte[] { 0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0 }, answer[..12]);
        Assert.Equal(QueryBytes[12..], answer[12..QueryBytes.Length]);
        // The record: a pointer to the question's name, A, IN, TTL 60, 4 bytes of address.
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0, 113, 7 }, answer[QueryBytes.Length..]);
        var (rcode, addresses) = DnsMessage.ReadAnswer(answer);
        Assert.Equal(DnsRcode.NoError, rcode);
        Assert.Equal([IPAddress.Parse("203.0.113.7")], addresses);
    }

    [Theory]
    [InlineData("seed.nodus.test")]
    [InlineData("seed0.nodus.sim")]
    [InlineData("a-much-longer-seed-name.bitcoin.example.org")]
    public void Ipv4AnswerCapacity_IsWhatOneAnswerHolds(string name)
    {
        Assert.True(DnsMessage.TryReadQuery(DnsMessage.WriteQuery(7, name, DnsType.A), out var query, out _));
        var many = Enumerable.Range(0, 100).Select(i => new IPAddress(new byte[] { 203, 0, 113, (byte)i }));
        var (_, answered) = DnsMessage.ReadAnswer(DnsMessage.WriteAnswer(query!, DnsRcode.NoError, many, 60));
        // The simulator's seeds answer with as many as the TCP node's would (SeedSelection is theirs too).
        Assert.Equal(SeedSelection.Ipv4AnswerCapacity(name), answered.Count);
    }

    [Theory]
    [InlineData("short", DnsRcode.NoError, false)]                 // shorter than a header: dropped
    [InlineData("response", DnsRcode.NoError, false)]              // an answer, not a query: dropped
    [InlineData("two-questions", DnsRcode.FormatError, true)]
    [InlineData("pointer-in-name", DnsRcode.FormatError, true)]
    [InlineData("truncated", DnsRcode.FormatError, true)]
    [InlineData("opcode-status", DnsRcode.NotImplemented, true)]
    public void MalformedQuery_DroppedOrAnsweredWithAnError_NeverThrows(string kind, DnsRcode expected, bool answered)
    {
        byte[] datagram = (byte[])QueryBytes.Clone();
        switch (kind)
        {
            case "short": datagram = datagram[..11]; break;
            case "response": datagram[2] |= 0x80; break;
            case "two-questions": datagram[5] = 2; break;
            case "pointer-in-name": datagram[12] = 0xC0; break;
            case "truncated": datagram = datagram[..^3]; break;
            case "opcode-status": datagram[2] = 0x10; break; // opcode 2
        }
        Assert.False(DnsMessage.TryReadQuery(datagram, out _, out var error));
        Assert.Equal(answered, error is not null);
        if (!answered) return;
        var reply = DnsMessage.WriteError(datagram, error!.Value);
        Assert.Equal(expected, DnsMessage.ReadAnswer(reply).Rcode);
        Assert.Equal(datagram[..2], reply[..2]); // the id is echoed
    }

    [Fact]
    public void RandomDatagrams_NeverThrow()
    {
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            var datagram = new byte[random.Next(0, 80)];
            random.NextBytes(datagram);
            if (i % 2 == 0 && datagram.Length > 12) { datagram[2] &= 0x07; datagram[4] = 0; datagram[5] = 1; } // mostly well-formed headers
            if (DnsMessage.TryReadQuery(datagram, out var query, out var error))
                DnsMessage.WriteAnswer(query!, DnsRcode.NoError, [IPAddress.Loopback], 1);
            else if (error is { } code) DnsMessage.WriteError(datagram, code);
        }
    }

    private static async Task<(DnsRcode Rcode, List<IPAddress> Addresses)> AskAsync(IPEndPoint server, string name, DnsType type)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(server);
        await udp.SendAsync(DnsMessage.WriteQuery((ushort)Random.Shared.Next(65536), name, type));
        var reply = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
        return DnsMessage.ReadAnswer(reply.Buffer);
    }

    [Fact]
    public async Task Seeder_OverUdp_AnswersItsNameWithinOneDatagram_FiltersByFamilyAndServices_RefusesOthers()
    {
        // 100 good addresses: more than fit in 512 bytes. Even ones are NODE_NETWORK | NODE_WITNESS (9), odd ones 1.
        var good = Enumerable.Range(0, 100).Select(i => (new IPAddress([198, 51, (byte)(i / 200), (byte)(i % 200 + 1)]), i % 2 == 0 ? 9UL : 1UL))
            .Append((IPAddress.Parse("2001:db8::5"), 9UL)).ToList();
        await using var seeder = DnsSeeder.Start(new DnsSeederOptions { Name = SeedName, Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            () => Task.FromResult<IReadOnlyList<(IPAddress, ulong)>>(good), NullLogger.Instance);
        var at = seeder.LocalEndPoint;

        var (rcode, v4) = await AskAsync(at, "Seed.Nodus.Test", DnsType.A);
        Assert.Equal(DnsRcode.NoError, rcode);
        Assert.InRange(v4.Count, 20, 30); // (512 - 12 - 21) / 16 = 29 records fit
        Assert.All(v4, a => Assert.Contains(good, g => g.Item1.Equals(a)));
        Assert.Equal(v4.Count, v4.Distinct().Count());
        var (_, again) = await AskAsync(at, SeedName, DnsType.A);
        Assert.NotEqual(v4, again); // a different sample for each asker

        var (_, v6) = await AskAsync(at, SeedName, DnsType.Aaaa);
        Assert.Equal([IPAddress.Parse("2001:db8::5")], v6);
        var (_, witness) = await AskAsync(at, "x9." + SeedName, DnsType.A);
        Assert.NotEmpty(witness);
        Assert.All(witness, a => Assert.Equal(1, a.GetAddressBytes()[3] % 2)); // services 9: the even i, whose host byte is odd
        Assert.Equal(DnsRcode.NameError, (await AskAsync(at, "www." + SeedName, DnsType.A)).Rcode);
        Assert.Equal(DnsRcode.Refused, (await AskAsync(at, "example.org", DnsType.A)).Rcode);

        // A malformed datagram gets FORMERR and the seeder keeps serving.
        using (var udp = new UdpClient(AddressFamily.InterNetwork))
        {
            udp.Connect(at);
            byte[] bad = [.. QueryBytes[..^3]];
            await udp.SendAsync(bad);
            var reply = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(DnsRcode.FormatError, DnsMessage.ReadAnswer(reply.Buffer).Rcode);
        }
        Assert.Equal(DnsRcode.NoError, (await AskAsync(at, SeedName, DnsType.A)).Rcode);
    }

    [Fact]
    public async Task AnswersPerSecond_Bounded()
    {
        await using var seeder = DnsSeeder.Start(new DnsSeederOptions { Name = SeedName, Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            () => Task.FromResult<IReadOnlyList<(IPAddress, ulong)>>([]), NullLogger.Instance);
        Assert.Equal(DnsSeeder.MaxAnswersPerSecond, Enumerable.Range(0, 1_500).Count(_ => seeder.WithinRate(7)));
        Assert.True(seeder.WithinRate(8)); // a new second, a new allowance
    }

    [Fact]
    public async Task DnsClient_AsksTheServerDirectly_IgnoresStrayDatagrams_AndGivesUpOnASilentOne()
    {
        var good = new List<(IPAddress, ulong)> { (IPAddress.Parse("198.51.100.7"), 9UL), (IPAddress.Parse("2001:db8::7"), 9UL) };
        await using var seeder = DnsSeeder.Start(new DnsSeederOptions { Name = SeedName, Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            () => Task.FromResult<IReadOnlyList<(IPAddress, ulong)>>(good), NullLogger.Instance);
        var found = await DnsClient.ResolveAsync(seeder.LocalEndPoint, SeedName, CancellationToken.None);
        Assert.Equal(["198.51.100.7", "2001:db8::7"], found.Select(a => a.ToString()));
        Assert.Empty(await DnsClient.ResolveAsync(seeder.LocalEndPoint, "other." + SeedName, CancellationToken.None)); // NXDOMAIN

        // A server that first sends garbage and an answer with the wrong id, then stays silent: no addresses, a timeout.
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var server = (IPEndPoint)silent.Client.LocalEndPoint!;
        var prank = Task.Run(async () =>
        {
            var query = await silent.ReceiveAsync();
            await silent.SendAsync(new byte[] { 1, 2, 3 }, query.RemoteEndPoint);
            var wrongId = DnsMessage.WriteQuery((ushort)(BinaryPrimitives.ReadUInt16BigEndian(query.Buffer) + 1), SeedName, DnsType.A);
            wrongId[2] |= 0x80;
            await silent.SendAsync(wrongId, query.RemoteEndPoint);
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DnsClient.QueryAsync(server, SeedName, DnsType.A, CancellationToken.None));
        Assert.True(clock.Elapsed >= DnsClient.AttemptTimeout * DnsClient.Attempts - TimeSpan.FromMilliseconds(100), $"{clock.Elapsed}");
        await prank;
    }

    [Fact]
    public async Task NewNode_WithOnlyTheDnsSeed_FindsTheNetworkThroughIt()
    {
        const int Nodes = 5; // 127.0.0.1 (the seed, also everyone's bootnode) … 127.0.0.5
        int port = TestNet.FreePort();
        string root = TestNet.TempDir();
        var daemons = new List<NodeDaemon>();
        IPEndPoint At(int k) => new(IPAddress.Parse($"127.0.0.{k}"), port);
        var seedAt = new IPEndPoint(IPAddress.Loopback, TestNet.FreePort()); // a free TCP port is free for UDP as well, almost always
        async Task<NodeDaemon> StartAsync(int k, IPEndPoint[] bootnodes, IReadOnlyList<string> dnsSeeds, DnsSeederOptions? seeder)
        {
            var node = new NodeOptions { AddNodes = bootnodes };
            var daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
            {
                DataDir = Path.Combine(root, $"node-{k}"),
                Network = Networks.Regtest,
                DefaultPort = port,
                DnsSeeder = seeder,
                Full = new FullNodeOptions
                {
                    Node = node,
                    Discovery = DiscoveryOptions.ForNetwork(Networks.Regtest) with
                    {
                        DefaultPort = (ushort)port, UseSeeds = dnsSeeds.Count > 0, DnsSeeds = dnsSeeds, FixedSeeds = [],
                        ListenAddress = At(k), SeedNodes = bootnodes,
                    },
                },
                Host = new NodeHostOptions
                {
                    Magic = Networks.Regtest.Magic, Listen = At(k), DialFrom = At(k).Address, Node = node, RandomSeed = 500 + k,
                    // The system resolver knows nothing of the test's seed: ask the seeder directly (nodus node --dns-server).
                    ResolveHost = (host, cancel) => DnsClient.ResolveAsync(seedAt, host, cancel), // what --dns-server does
                },
            }, NullLoggerFactory.Instance);
            daemons.Add(daemon);
            return daemon;
        }
        try
        {
            var seed = await StartAsync(1, [], [], new DnsSeederOptions { Name = SeedName, Listen = seedAt });
            for (int k = 2; k <= Nodes; k++) await StartAsync(k, [At(1)], [], null);
            // The seed hands out only addresses it has itself connected to: wait until it has dialled some.
            var good = new List<(IPAddress, ulong)>();
            await TestNet.WaitUntilAsync(async () =>
            {
                good = await seed.Host.InvokeAsync((_, now) => SeedSelection.Good(seed.Full.Discovery!.Addresses, (ushort)port, now));
                return good.Count >= 3;
            }, "the seed has 3 good addresses", TimeSpan.FromSeconds(120));
            var (_, answered) = await AskAsync(seedAt, SeedName, DnsType.A);
            Assert.True(answered.Count >= 3, $"{answered.Count} addresses");
            Assert.All(answered, a => Assert.Contains(a, Enumerable.Range(2, Nodes - 1).Select(k => At(k).Address)));

            // A node told nothing but the seed's name: it resolves it, dials what it gets, and is in.
            var newcomer = await StartAsync(Nodes + 1, [], [SeedName], null);
            await TestNet.WaitUntilAsync(async () => await newcomer.Host.InvokeAsync((node, _) =>
                node.Peers.Count(p => p.IsEstablished && p.ConnectionType == ConnectionType.OutboundFullRelay)) >= 2,
                "the newcomer has 2 full-relay outbound peers", TimeSpan.FromSeconds(60));
            Assert.True(seed.Seeder!.QueriesAnswered >= 2);
            // What an operator sees over RPC.
            var info = (await DaemonNet.CallAsync(seed, "getdnsseedinfo"))!.AsObject();
            Assert.Equal(SeedName, (string?)info["name"]);
            Assert.Equal(seedAt.ToString(), (string?)info["listen"]);
            Assert.True((long)info["queriesanswered"]! >= 2);
            Assert.True((int)info["goodaddresses"]! >= 3);
            Assert.Equal(0L, (long)info["queriesdropped"]!);
        }
        finally
        {
            foreach (var d in daemons) await d.StopAsync();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
