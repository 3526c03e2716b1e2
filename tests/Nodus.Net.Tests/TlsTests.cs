using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>TLS between real nodes on 127.0.0.1: require, on/off negotiation, and the fingerprint allowlist.</summary>
public sealed class TlsTests
{
    private static TlsOptions Tls(TlsMode mode, params string[] allowed) => new()
    {
        Mode = mode,
        Certificate = mode == TlsMode.Off ? null : TlsCertificates.CreateEphemeral(),
        AllowedFingerprints = allowed.ToHashSet(),
    };

    private static Task<NodeHost> StartAsync(TlsOptions tls, ListLoggerFactory logs, IPEndPoint? connect = null, bool listen = true) =>
        TestNet.StartHostAsync(logs, node => node with { Connect = connect is null ? [] : [connect] }, host => host with { Tls = tls }, listen);

    private static Task<List<PeerTransportInfo?>> TransportsAsync(NodeHost host) =>
        host.InvokeAsync((node, _) => node.Peers.Where(p => p.IsEstablished).Select(p => host.TransportOf(p.Id)).ToList());

    private static async Task<PeerTransportInfo> OnlyEstablishedAsync(NodeHost host, string what)
    {
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(host)).Count == 1, what);
        return Assert.Single(await TransportsAsync(host))!;
    }

    private static async Task<JsonNode?> CallAsync(NodeDaemon daemon, string method, params object[] args)
    {
        var values = args.Select(a => (JsonElement?)JsonSerializer.SerializeToElement(a)).ToList();
        return await daemon.Methods.Find(method)!.Handler(new RpcParams(method, values), CancellationToken.None);
    }

    private static Task<NodeDaemon> StartDaemonAsync(TlsMode mode, IPEndPoint? connect) => NodeDaemon.StartAsync(new NodeDaemonOptions
    {
        DataDir = TestNet.TempDir(),
        Network = Networks.Regtest,
        Host = new NodeHostOptions
        {
            Magic = Networks.Regtest.Magic,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Node = new NodeOptions { Connect = connect is null ? [] : [connect] },
            Tls = new TlsOptions { Mode = mode },
        },
    }, new ListLoggerFactory());

    [Fact(Timeout = 60_000)]
    public async Task Require_TwoDaemons_HandshakeAndRelayBlocksOverTls()
    {
        await using var a = await StartDaemonAsync(TlsMode.Require, null);
        await using var b = await StartDaemonAsync(TlsMode.Require, a.Host.ListenEndPoint);
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(b.Host)).Count == 1, "b connects to a");

        var hashes = (await CallAsync(a, "generate", 3))!.AsArray();
        await TestNet.WaitUntilAsync(async () => (int)(await CallAsync(b, "getblockcount"))! == 3, "b syncs a's blocks over TLS");
        Assert.Equal(hashes[2]!.GetValue<string>(), (await CallAsync(b, "getbestblockhash"))!.GetValue<string>());

        var networkInfo = (await CallAsync(a, "getnetworkinfo"))!;
        string aFingerprint = networkInfo["tlsfingerprint"]!.GetValue<string>();
        Assert.Equal("require", networkInfo["tls"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", aFingerprint);
        Assert.Contains("NODUS_TLS", networkInfo["localservicesnames"]!.AsArray().Select(n => n!.GetValue<string>()));

        var peer = Assert.Single((await CallAsync(b, "getpeerinfo"))!.AsArray())!;
        Assert.True(peer["tls"]!.GetValue<bool>());
        Assert.Equal(aFingerprint, peer["tlsfingerprint"]!.GetValue<string>());
        Assert.Contains("NODUS_TLS", peer["servicesnames"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Daemon_Restart_NewCertificateUnlessKept(bool keep)
    {
        string dir = TestNet.TempDir();
        async Task<string> RunOnceAsync()
        {
            await using var daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
            {
                DataDir = dir,
                Network = Networks.Regtest,
                KeepTlsCertificate = keep,
                Host = new NodeHostOptions { Magic = Networks.Regtest.Magic, Tls = new TlsOptions { Mode = TlsMode.On } },
            }, new ListLoggerFactory());
            return (await CallAsync(daemon, "getnetworkinfo"))!["tlsfingerprint"]!.GetValue<string>();
        }

        string first = await RunOnceAsync();
        string second = await RunOnceAsync();
        Assert.Equal(keep, first == second);
        Assert.Equal(keep, File.Exists(Path.Combine(dir, TlsCertificates.FileName)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Require_PlainPeer_IsRefused()
    {
        var requireLogs = new ListLoggerFactory();
        await using var secure = await StartAsync(Tls(TlsMode.Require), requireLogs);
        await using var plain = await StartAsync(TlsOptions.Off, new ListLoggerFactory(), secure.ListenEndPoint, listen: false);

        await TestNet.WaitUntilAsync(() => Task.FromResult(requireLogs.Contains("plain TCP refused (--tls require)")), "the plain peer is refused");
        Assert.Equal(0, await TestNet.PeerCountAsync(secure));
        Assert.Empty(await TestNet.EstablishedAsync(plain));
    }

    [Fact(Timeout = 30_000)]
    public async Task Require_DialsPlainPeer_NeverFallsBack()
    {
        var requireLogs = new ListLoggerFactory();
        await using var plain = await StartAsync(TlsOptions.Off, new ListLoggerFactory());
        await using var secure = await StartAsync(Tls(TlsMode.Require), requireLogs, plain.ListenEndPoint, listen: false);

        await TestNet.WaitUntilAsync(() => Task.FromResult(requireLogs.Contains("refused TLS peer")), "the dial fails without fallback");
        Assert.Empty(await TestNet.EstablishedAsync(secure));
        Assert.Empty(await TestNet.EstablishedAsync(plain));
    }

    [Fact(Timeout = 30_000)]
    public async Task Allowlist_UnlistedPeerRefused_ListedPeerAccepted()
    {
        var listed = Tls(TlsMode.Require);
        var unlisted = Tls(TlsMode.Require);
        var gateLogs = new ListLoggerFactory();
        var gateCertificate = TlsCertificates.CreateEphemeral();
        var gateTls = new TlsOptions
        {
            Mode = TlsMode.Require,
            Certificate = gateCertificate,
            AllowedFingerprints = new HashSet<string> { listed.Fingerprint! },
        };
        await using var gate = await StartAsync(gateTls, gateLogs);

        await using var stranger = await StartAsync(unlisted, new ListLoggerFactory(), gate.ListenEndPoint, listen: false);
        await TestNet.WaitUntilAsync(() => Task.FromResult(gateLogs.Contains($"certificate {unlisted.Fingerprint} is not on --tls-allow")),
            "the gate refuses the unlisted certificate");
        Assert.Empty(await TestNet.EstablishedAsync(stranger));

        // The member lists the gate too (both directions are checked), and is admitted.
        await using var member = await StartAsync(listed with { AllowedFingerprints = new HashSet<string> { TlsCertificates.Fingerprint(gateCertificate) } },
            new ListLoggerFactory(), gate.ListenEndPoint, listen: false);
        var transport = await OnlyEstablishedAsync(member, "the listed member connects");
        Assert.True(transport.IsTls);
        Assert.Equal(TlsCertificates.Fingerprint(gateCertificate), transport.RemoteFingerprint);
        var seenByGate = await OnlyEstablishedAsync(gate, "the gate has exactly the member");
        Assert.Equal(listed.Fingerprint, seenByGate.RemoteFingerprint);
    }

    [Fact(Timeout = 30_000)]
    public async Task Allowlist_DialerRefusesUnlistedServer()
    {
        var dialerLogs = new ListLoggerFactory();
        var server = Tls(TlsMode.Require);
        await using var open = await StartAsync(server, new ListLoggerFactory());
        string someoneElse = TlsCertificates.Fingerprint(TlsCertificates.CreateEphemeral());
        await using var dialer = await StartAsync(Tls(TlsMode.Require, someoneElse), dialerLogs, open.ListenEndPoint, listen: false);

        await TestNet.WaitUntilAsync(() => Task.FromResult(dialerLogs.Contains($"certificate {server.Fingerprint} is not on --tls-allow")),
            "the dialer refuses the server's certificate");
        Assert.Empty(await TestNet.EstablishedAsync(dialer));
    }

    [Fact(Timeout = 30_000)]
    public async Task On_WithOffPeer_UsesPlainTcp()
    {
        var offLogs = new ListLoggerFactory();
        await using var off = await StartAsync(TlsOptions.Off, offLogs);
        await using var on = await StartAsync(Tls(TlsMode.On), new ListLoggerFactory(), off.ListenEndPoint, listen: false);

        var transport = await OnlyEstablishedAsync(on, "the on node falls back to plain TCP");
        Assert.False(transport.IsTls);
        Assert.False((await OnlyEstablishedAsync(off, "the off node has the peer")).IsTls);
        // The refused TLS attempt is logged when the off node's loop handles its close, which can come after the
        // plain connection is up: wait for it rather than race it.
        await TestNet.WaitUntilAsync(() => Task.FromResult(offLogs.Contains("peer offered TLS; this node runs --tls off")),
            "the off node logs why it closed the TLS attempt");
    }

    [Fact(Timeout = 30_000)]
    public async Task On_OffPeerDialsIn_UsesPlainTcp()
    {
        await using var on = await StartAsync(Tls(TlsMode.On), new ListLoggerFactory());
        await using var off = await StartAsync(TlsOptions.Off, new ListLoggerFactory(), on.ListenEndPoint, listen: false);

        Assert.False((await OnlyEstablishedAsync(off, "the off node connects")).IsTls);
        Assert.False((await OnlyEstablishedAsync(on, "the on node accepts plain TCP")).IsTls);
    }

    [Fact(Timeout = 30_000)]
    public async Task On_WithOnPeer_UsesTls()
    {
        var listening = Tls(TlsMode.On);
        await using var server = await StartAsync(listening, new ListLoggerFactory());
        await using var client = await StartAsync(Tls(TlsMode.On), new ListLoggerFactory(), server.ListenEndPoint, listen: false);

        var transport = await OnlyEstablishedAsync(client, "the on nodes connect");
        Assert.True(transport.IsTls);
        Assert.Equal(listening.Fingerprint, transport.RemoteFingerprint);
        Assert.True((await OnlyEstablishedAsync(server, "the server has the peer")).IsTls);
        var services = await client.InvokeAsync((node, _) => node.Peers.Single().Services);
        Assert.NotEqual(0UL, services & NodeOptions.NodeNodusTls);
    }

    [Fact(Timeout = 30_000)]
    public async Task Off_AdvertisesNoTlsBit_AndNoFingerprint()
    {
        await using var off = await StartAsync(TlsOptions.Off, new ListLoggerFactory(), listen: false);
        var services = await off.InvokeAsync((node, _) => node.Options.Services);
        Assert.Equal(0UL, services & NodeOptions.NodeNodusTls);
        Assert.Null(off.Options.Tls.Fingerprint);
    }
}
