using System.Net;
using Microsoft.Extensions.Logging;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Discovery;
using Nodus.Net.Rpc;
using Nodus.Net.Seeder;
using Nodus.Net.Storage;

namespace Nodus.Net.Runtime;

/// <summary>What <c>nodus node</c> runs: the data directory and its lock, a <see cref="NodeHost"/>, the RPC cookie and server.</summary>
public sealed record NodeDaemonOptions
{
    public required string DataDir { get; init; }
    public required NodeHostOptions Host { get; init; }

    /// <summary>The chain to follow; its magic overrides <see cref="NodeHostOptions.Magic"/>.</summary>
    public required NetworkParams Network { get; init; }

    /// <summary>Sync, relay and mining choices; its <c>Node</c> options replace <see cref="NodeHostOptions.Node"/>.</summary>
    public FullNodeOptions Full { get; init; } = new();

    /// <summary>Where to serve JSON-RPC; null serves none.</summary>
    public IPEndPoint? Rpc { get; init; }

    /// <summary>The network's P2P port, for RPC addresses given without one.</summary>
    public int DefaultPort { get; init; }

    /// <summary>
    /// Keep the TLS certificate in DATADIR/tls.pfx across restarts (implied by a non-empty allowlist, whose peers
    /// pin this node's fingerprint). Otherwise a new certificate is made at every start, so that the node's address
    /// is never linked to a long-lived key.
    /// </summary>
    public bool KeepTlsCertificate { get; init; }

    /// <summary>Serve the address book as a DNS seed (<see cref="Seeder.DnsSeeder"/>); needs discovery.</summary>
    public DnsSeederOptions? DnsSeeder { get; init; }

    /// <summary>Composition hook for other components' RPC methods (getblockchaininfo, sendrawtransaction, …).</summary>
    public Action<RpcMethods, NodeHost>? ConfigureRpc { get; init; }
}

/// <summary>
/// A running node process: starts its parts in order (data directory, lock, P2P host, cookie, RPC server) and
/// stops them in reverse, removing the cookie. <see cref="StopRequested"/> fires on RPC stop.
/// </summary>
public sealed class NodeDaemon : IAsyncDisposable
{
    /// <summary>DATADIR file naming the RPC address while the node runs, so <c>nodus rpc --datadir</c> finds a non-default port.</summary>
    public const string RpcAddressFileName = ".rpcaddress";

    private readonly DataDirectoryLock _lock;
    private readonly RpcCookie? _cookie;
    private int _stopped;

    private readonly string _dataDir;
    private readonly IChainStore _store;
    private SqliteAddressStore? _addressStore;
    private DnsSeeder? _seeder;

    private NodeDaemon(string dataDir, FullNode full, IChainStore store, NodeHost host, RpcMethods methods, RpcServer? rpc, RpcCookie? cookie, DataDirectoryLock dataLock)
    {
        _dataDir = dataDir;
        Full = full;
        _store = store;
        Host = host;
        Methods = methods;
        Rpc = rpc;
        _cookie = cookie;
        _lock = dataLock;
    }

    /// <summary>The protocol node. Touch it only on the host's event loop (<see cref="NodeHost.InvokeAsync{T}"/>).</summary>
    public FullNode Full { get; }
    public NodeHost Host { get; }
    public RpcMethods Methods { get; }
    public RpcServer? Rpc { get; }
    /// <summary>The DNS seed this node serves, when <see cref="NodeDaemonOptions.DnsSeeder"/> was given.</summary>
    public DnsSeeder? Seeder => _seeder;
    public string? CookiePath => _cookie?.Path;
    public CancellationToken StopRequested => Host.StopRequested;

    /// <summary>
    /// Starts everything. Throws <see cref="IOException"/> (data directory in use or not writable),
    /// <see cref="System.Net.Sockets.SocketException"/> (P2P address taken) or <see cref="HttpListenerException"/>
    /// (RPC address taken), having undone what it had started.
    /// </summary>
    public static async Task<NodeDaemon> StartAsync(NodeDaemonOptions options, ILoggerFactory loggerFactory)
    {
        Directory.CreateDirectory(options.DataDir);
        var dataLock = DataDirectoryLock.Acquire(options.DataDir);
        IChainStore? store = null;
        SqliteAddressStore? addressStore = null;
        NodeHost? host = null;
        RpcCookie? cookie = null;
        RpcServer? rpc = null;
        DnsSeeder? seeder = null;
        try
        {
            store = ChainStores.Open(options.DataDir);
            var chainStore = store;
            // The address book, bans and anchors live next to the chain when discovery is on.
            if (options.Full.Discovery is not null)
                addressStore = SqliteAddressStore.Open(Path.Combine(options.DataDir, SqliteAddressStore.DefaultFileName));
            var peersStore = addressStore;
            FullNode? built = null;
            var tls = WithCertificate(options.Host.Tls, options);
            var nodeOptions = options.Host.Node with { Services = tls.Advertise(options.Host.Node.Services) };
            host = new NodeHost(options.Host with
            {
                Magic = options.Network.Magic,
                Tls = tls,
                Node = nodeOptions,
                CreateNode = random => (built = FullNode.Create(options.Network, chainStore, options.Full with
                {
                    Node = nodeOptions,
                    // A DNS seed hands out only addresses it reached lately: the node serving one crawls.
                    Discovery = options.DnsSeeder is null ? options.Full.Discovery : options.Full.Discovery?.AsCrawler(),
                }, random, addressStore: peersStore)).Engine,
                OnStart = (_, now) => built!.Start(now),
            }, loggerFactory);
            var full = built!;
            await host.StartAsync().ConfigureAwait(false);
            var methods = new RpcMethods();
            NetworkRpc.Register(methods, host, options.DefaultPort);
            ChainRpc.Register(methods, host, full);
            if (full.Discovery is { } discovery) DiscoveryRpcMethods.Register(methods, host, discovery);
            options.ConfigureRpc?.Invoke(methods, host);
            if (options.DnsSeeder is { } seed)
            {
                if (full.Discovery is not { } book) throw new InvalidOperationException("a DNS seed needs discovery (the address book)");
                var running = host;
                seeder = DnsSeeder.Start(seed, () => running.InvokeAsync<IReadOnlyList<(IPAddress, ulong)>>((_, now) =>
                    SeedSelection.Good(book.Addresses, book.Options.DefaultPort, now)), loggerFactory.CreateLogger("Nodus.Seeder"));
                var serving = seeder;
                methods.Register("getdnsseedinfo", [], async _ =>
                {
                    int good = (await running.InvokeAsync((_, now) => SeedSelection.Good(book.Addresses, book.Options.DefaultPort, now)).ConfigureAwait(false)).Count;
                    return new System.Text.Json.Nodes.JsonObject
                    {
                        ["name"] = seed.Name,
                        ["listen"] = serving.LocalEndPoint.ToString(),
                        ["goodaddresses"] = good,
                        ["queriesanswered"] = serving.QueriesAnswered,
                        ["queriesdropped"] = serving.QueriesDropped,
                    };
                }, "Returns the DNS seed this node serves (--dns-seed): its name, UDP address, how many addresses it would hand out, queries answered and dropped by the rate limit.");
            }
            if (options.Rpc is { } rpcEndPoint)
            {
                cookie = RpcCookie.Create(options.DataDir);
                rpc = new RpcServer(rpcEndPoint, methods, cookie, loggerFactory);
                rpc.Start();
                await File.WriteAllTextAsync(Path.Combine(options.DataDir, RpcAddressFileName), rpcEndPoint + "\n").ConfigureAwait(false);
            }
            return new NodeDaemon(options.DataDir, full, store, host, methods, rpc, cookie, dataLock) { _addressStore = addressStore, _seeder = seeder };
        }
        catch
        {
            if (seeder is not null) await seeder.DisposeAsync().ConfigureAwait(false);
            if (rpc is not null) await rpc.DisposeAsync().ConfigureAwait(false);
            cookie?.Delete();
            File.Delete(Path.Combine(options.DataDir, RpcAddressFileName));
            if (host is not null) await host.DisposeAsync().ConfigureAwait(false);
            store?.Dispose();
            addressStore?.Dispose();
            dataLock.Dispose();
            throw;
        }
    }

    private static TlsOptions WithCertificate(TlsOptions tls, NodeDaemonOptions options)
    {
        if (tls.Mode == TlsMode.Off || tls.Certificate is not null) return tls;
        bool keep = options.KeepTlsCertificate || tls.AllowedFingerprints.Count > 0;
        return tls with
        {
            Certificate = keep
                ? TlsCertificates.LoadOrCreate(Path.Combine(options.DataDir, TlsCertificates.FileName))
                : TlsCertificates.CreateEphemeral(),
        };
    }

    /// <summary>Runs until <paramref name="cancel"/> (Ctrl+C) or an RPC stop, then stops cleanly.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel, StopRequested);
        try { await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await StopAsync().ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        if (_seeder is not null) await _seeder.DisposeAsync().ConfigureAwait(false);
        if (Rpc is not null) await Rpc.DisposeAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
        _addressStore?.Dispose(); // after the host: its shutdown wrote the book and anchors
        _cookie?.Delete();
        if (Rpc is not null) File.Delete(Path.Combine(_dataDir, RpcAddressFileName));
        _lock.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
