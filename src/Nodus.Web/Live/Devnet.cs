using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Nodus.Core;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Net.Runtime;
using Nodus.Sim.Trace;
using Nodus.Sim.Workloads;
using Nodus.Wire.Encoding;

namespace Nodus.Web.Live;

/// <summary>
/// N real nodes in one process, each a <see cref="NodeDaemon"/> (its own listener on 127.0.0.K, data directory
/// DIR/node-K with its RPC cookie, RPC server on 127.0.0.K) running a <see cref="FullNode"/>; some mine, a generator
/// submits transactions, and everything they do is published to <see cref="Events"/> for the dashboard. Every
/// control runs on the nodes' own event loops through <see cref="NodeHost.InvokeAsync{T}"/>.
/// </summary>
public sealed class Devnet : INetworkView
{
    /// <summary>How often per-node figures and the connection graph are read (the issue asks for about 2 Hz).</summary>
    public static readonly TimeSpan StatsInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Recent block hashes remembered with the peer that delivered them, to name it when the block connects.</summary>
    private const int MaxBlockSources = 1024;

    private readonly DevnetOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<int, DevnetNode> _nodes = new();
    private readonly SemaphoreSlim _membership = new(1, 1); // adds, removals, cut and heal one at a time
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly TransactionFactory _transactions;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private HashSet<string>? _cutB; // the second half while the underlay is cut
    private int _nextIndex = 1;

    private Devnet(DevnetOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        int seed = options.Seed ?? Environment.TickCount;
        _random = new Random(seed);
        _transactions = new TransactionFactory(new Random(seed ^ 0x5eed));
        Events = new EventHub(new TraceStarted(SystemClock.Now(), "devnet", options.Network.Name, $"devnet · {options.Network.Name}"));
    }

    public EventHub Events { get; }
    public DevnetOptions Options => _options;
    public IReadOnlyCollection<string> NodeNames => [.. _nodes.Values.OrderBy(n => n.Index).Select(n => n.Name)];

    /// <summary>The host of node K (tests and RPC-less callers); null when it is not running.</summary>
    public NodeHost? HostOf(string node) => Find(node)?.Host;

    /// <summary>Starts the nodes one after another (each told only the bootnode; discovery finds the rest), then mining, transactions and stats.</summary>
    public static async Task<Devnet> StartAsync(DevnetOptions options, ILoggerFactory loggerFactory)
    {
        if (options.Nodes < 1 || options.Nodes > DevnetOptions.MaxNodes)
            throw new ArgumentOutOfRangeException(nameof(options), $"--nodes must be 1 to {DevnetOptions.MaxNodes}");
        var devnet = new Devnet(options, loggerFactory);
        try
        {
            for (int i = 0; i < options.Nodes; i++) await devnet.StartNodeAsync().ConfigureAwait(false);
        }
        catch
        {
            await devnet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        devnet._loops.Add(Task.Run(devnet.StatsLoopAsync));
        if (options.TransactionRate > 0) devnet._loops.Add(Task.Run(devnet.TransactionLoopAsync));
        return devnet;
    }

    // ---- nodes ---------------------------------------------------------------------------------------------------

    private async Task<DevnetNode> StartNodeAsync()
    {
        int index = _nextIndex;
        if (index > DevnetOptions.MaxNodes) throw new InvalidOperationException($"a devnet numbers at most {DevnetOptions.MaxNodes} nodes");
        _nextIndex++;
        var address = DevnetNode.AddressOf(index);
        string dir = Path.Combine(_options.DataDir, $"node-{index}");
        Directory.CreateDirectory(dir);
        bool miner = index <= _options.Miners && _options.BlockInterval > 0;
        var listen = new IPEndPoint(address, _options.P2pPort);
        IPEndPoint[] bootnode = [.. Bootnode(index)];
        var nodeOptions = new NodeOptions { AddNodes = bootnode };
        var fullOptions = new FullNodeOptions
        {
            Node = nodeOptions,
            // Discovery from one bootnode, as on a real network: getaddr/addr gossip finds the rest, no seeds. The
            // bootnode is also a seed node: asked again while the node has too few peers, so no node stays isolated.
            Discovery = DiscoveryOptions.ForNetwork(_options.Network) with
            {
                SeedNodes = bootnode,
                DefaultPort = (ushort)_options.P2pPort,
                UseSeeds = false,
                DnsSeeds = [],
                FixedSeeds = [],
                AllowLocalAddresses = true, // 127.0.0.K must count as routable, each its own group, on any network
                ListenAddress = listen,
            },
            Relay = new RelayOptions { Policy = _options.Relay },
            // Each miner's mean gap is the network's interval times the number of miners: together, one block per interval.
            MineInterval = miner ? (long)(_options.BlockInterval * _options.Miners * Time.Second) : null,
        };
        var daemonOptions = new NodeDaemonOptions
        {
            DataDir = dir,
            Network = _options.Network,
            Full = fullOptions, // the daemon builds the FullNode (chain in DIR/node-K) and starts its timed mining
            Rpc = new IPEndPoint(address, _options.RpcPortOrDefault),
            DefaultPort = _options.P2pPort,
            Host = new NodeHostOptions
            {
                Magic = _options.Network.Magic,
                Listen = listen,
                DialFrom = address,
                Node = nodeOptions,
            },
        };
        var daemon = await NodeDaemon.StartAsync(daemonOptions, _loggerFactory).ConfigureAwait(false);
        var node = new DevnetNode(index, daemon, daemon.Full, miner);
        // Subscribed on the node's loop, where the events fire.
        await node.Host.InvokeAsync((_, _) => { Wire(node.Name, node.Full); return true; }).ConfigureAwait(false);
        var cutB = _cutB;
        if (cutB is not null) cutB.Add(node.Name); // a node that joins during a cut is on the second half's side
        node.Host.ConnectionFilter = FilterFor(node.Name, cutB);
        _nodes[index] = node;
        Events.Publish(new NodeAdded(SystemClock.Now(), node.Name, $"{address}:{_options.P2pPort}", _options.Relay.ToCliName(), miner));
        return node;
    }

    /// <summary>
    /// The only address a joining node is told: the bootnode, node 1 (or the lowest-numbered live node once node 1
    /// is gone). Everything else it learns through discovery.
    /// </summary>
    private List<IPEndPoint> Bootnode(int index)
    {
        var live = _nodes.Keys.Where(k => k != index).Order().Take(1);
        return [.. live.Select(k => new IPEndPoint(DevnetNode.AddressOf(k), _options.P2pPort))];
    }

    /// <summary>Publishes the node's block and transaction arrivals. The handlers run on the node's own loop.</summary>
    private void Wire(string name, FullNode full)
    {
        var engine = full.Engine;
        var blockSources = new Dictionary<Hash256, string?>();
        string? PeerName(PeerId? id) => id is { } p && engine.GetPeer(p) is { } peer ? DevnetNode.NameOf(peer.Remote.Address) : null;
        full.Sync.BlockReceived += (hash, from, _) =>
        {
            if (blockSources.Count >= MaxBlockSources) blockSources.Clear();
            blockSources[hash] = PeerName(from);
        };
        full.Sync.BlockConnected += (_, entry, now) =>
        {
            blockSources.Remove(entry.Hash, out var from);
            Events.Publish(new BlockArrived(now, name, entry.Hash.ToString(), entry.Height, from));
        };
        full.Relay.TransactionReceived += arrival =>
            Events.Publish(new TransactionArrived(arrival.Time, name, arrival.Txid.ToString(), PeerName(arrival.From), arrival.ViaStem));
    }

    private async Task StopNodeAsync(DevnetNode node)
    {
        _nodes.TryRemove(node.Index, out _);
        await node.Daemon.StopAsync().ConfigureAwait(false);
        Events.Publish(new NodeRemoved(SystemClock.Now(), node.Name));
    }

    private DevnetNode? Find(string name) =>
        int.TryParse(name, out int index) && _nodes.TryGetValue(index, out var node) ? node : null;

    // ---- INetworkView --------------------------------------------------------------------------------------------

    public async Task<ControlResult> AddNodeAsync()
    {
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stop.IsCancellationRequested) return ControlResult.Refused("the devnet is stopping");
            var node = await StartNodeAsync().ConfigureAwait(false);
            return ControlResult.Done($"node {node.Name} started on {node.Host.ListenEndPoint}", node.Name);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or HttpListenerException or InvalidOperationException)
        {
            return ControlResult.Refused($"could not start a node: {e.Message}");
        }
        finally { _membership.Release(); }
    }

    public async Task<ControlResult> RemoveNodeAsync(string? name)
    {
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            DevnetNode? node;
            if (name is null)
            {
                var all = _nodes.Values.ToList();
                if (all.Count == 0) return ControlResult.Refused("no node left");
                lock (_randomLock) node = all[_random.Next(all.Count)];
            }
            else node = Find(name);
            if (node is null) return ControlResult.Refused($"no node {name}");
            await StopNodeAsync(node).ConfigureAwait(false);
            return ControlResult.Done($"node {node.Name} stopped and removed", node.Name);
        }
        finally { _membership.Release(); }
    }

    public async Task<ControlResult> CutAsync()
    {
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cutB is not null) return ControlResult.Refused("the network is already cut");
            var ordered = _nodes.Values.OrderBy(n => n.Index).Select(n => n.Name).ToList();
            if (ordered.Count < 2) return ControlResult.Refused("a cut needs two nodes");
            var a = ordered.Take(ordered.Count / 2).ToList();
            var b = new HashSet<string>(ordered.Skip(ordered.Count / 2), StringComparer.Ordinal);
            _cutB = b;
            foreach (var node in _nodes.Values) node.Host.ConnectionFilter = FilterFor(node.Name, b);
            Events.Publish(new NetworkCut(SystemClock.Now(), a, [.. b]));
            // The underlay breaks: every connection across the halves closes now.
            int closed = 0;
            foreach (var node in _nodes.Values)
            {
                bool inB = b.Contains(node.Name);
                closed += await node.Host.InvokeAsync((engine, _) =>
                {
                    int count = 0;
                    while (engine.Disconnect(p => DevnetNode.NameOf(p.Remote.Address) is { } other && b.Contains(other) != inB)) count++;
                    return count;
                }).ConfigureAwait(false);
            }
            return ControlResult.Done($"cut {a.Count} | {b.Count} nodes; {closed} connection ends closed");
        }
        finally { _membership.Release(); }
    }

    public async Task<ControlResult> HealAsync()
    {
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cutB is null) return ControlResult.Refused("the network is not cut");
            _cutB = null;
            foreach (var node in _nodes.Values) node.Host.ConnectionFilter = null;
            Events.Publish(new NetworkHealed(SystemClock.Now()));
            // Added connections that failed during the cut wait up to a minute to retry; one attempt now heals at once.
            int dialed = 0;
            foreach (var node in _nodes.Values)
                dialed += await node.Host.InvokeAsync((engine, now) =>
                {
                    var due = engine.AddedNodes.All.Where(a => a.Connected is null && !a.Dialing).Select(a => a.EndPoint).ToList();
                    foreach (var ep in due) engine.AddNode(ep, AddNodeCommand.OneTry, now);
                    return due.Count;
                }).ConfigureAwait(false);
            return ControlResult.Done($"healed; {dialed} connections redialled");
        }
        finally { _membership.Release(); }
    }

    public async Task<ControlResult> SendTransactionAsync(string name)
    {
        if (Find(name) is not { } node) return ControlResult.Refused($"no node {name}");
        return await SubmitAsync(node).ConfigureAwait(false);
    }

    private async Task<ControlResult> SubmitAsync(DevnetNode node)
    {
        Wire.Types.Transaction tx;
        lock (_randomLock) tx = _transactions.Next();
        try
        {
            var result = await node.Host.InvokeAsync((_, now) => node.Full.Relay.SubmitTransaction(tx, now)).ConfigureAwait(false);
            return result.IsAccepted
                ? ControlResult.Done(tx.GetHash().ToString(), node.Name)
                : ControlResult.Refused($"node {node.Name} refused the transaction: {result.Reason}");
        }
        catch (InvalidOperationException e) { return ControlResult.Refused(e.Message); }
    }

    public async Task<ControlResult> MineBlockAsync(string name)
    {
        if (Find(name) is not { } node) return ControlResult.Refused($"no node {name}");
        try
        {
            var hashes = await node.Host.InvokeAsync((_, now) => node.Full.Producer.Generate(1, now)).ConfigureAwait(false);
            return ControlResult.Done($"node {name} mined {hashes[0]}", name);
        }
        catch (InvalidOperationException e) { return ControlResult.Refused(e.Message); }
    }

    public async Task<ControlResult> SetRelayPolicyAsync(string name, RelayPolicyKind policy)
    {
        if (Find(name) is not { } node) return ControlResult.Refused($"no node {name}");
        await node.Host.InvokeAsync((_, now) => { node.Full.Relay.SetPolicy(policy, now); return true; }).ConfigureAwait(false);
        return ControlResult.Done($"node {name} relays by {policy.ToCliName()}", name);
    }

    public async Task<IReadOnlyList<NodeStats>> GetStatsAsync()
    {
        var nodes = _nodes.Values.OrderBy(n => n.Index).ToList();
        var reads = nodes.Select(ReadAsync).ToList();
        var results = new List<NodeStats>(nodes.Count);
        foreach (var read in reads)
        {
            try { results.Add((await read.ConfigureAwait(false)).Stats); }
            catch (InvalidOperationException) { } // stopped meanwhile
        }
        return results;
    }

    /// <summary>One node's figures and its established outbound links, read on its loop.</summary>
    private Task<(NodeStats Stats, Dictionary<string, string> Links)> ReadAsync(DevnetNode node) =>
        node.Host.InvokeAsync((engine, now) =>
        {
            var full = node.Full;
            var established = engine.Peers.Where(p => p.IsEstablished).ToList();
            var links = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in established)
                if (!p.IsInbound && DevnetNode.NameOf(p.Remote.Address) is { } other) links[other] = p.ConnectionType.ToRpcName();
            var stats = new NodeStats(node.Name, established.Count, full.Discovery?.Addresses.Count ?? -1, full.Chain.Height, full.Chain.Tip.Hash.ToString(),
                full.Mempool.Count, full.Relay.Policy.Kind.ToCliName(),
                established.Sum(p => p.Traffic.BytesSent), established.Sum(p => p.Traffic.BytesReceived),
                full.Sync.IsInitialBlockDownload(now) ? "ibd" : "synced");
            return (stats, links);
        });

    // ---- loops ---------------------------------------------------------------------------------------------------

    /// <summary>About twice a second: every node's figures, and links opened or closed since the last look.</summary>
    private async Task StatsLoopAsync()
    {
        using var timer = new PeriodicTimer(StatsInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var nodes = _nodes.Values.OrderBy(n => n.Index).ToList();
                var reads = nodes.Select(n => (Node: n, Read: ReadAsync(n))).ToList();
                var stats = new List<NodeStats>(nodes.Count);
                long now = SystemClock.Now();
                foreach (var (node, read) in reads)
                {
                    (NodeStats Stats, Dictionary<string, string> Links) r;
                    try { r = await read.ConfigureAwait(false); }
                    catch (InvalidOperationException) { continue; }
                    if (!_nodes.ContainsKey(node.Index)) continue;
                    stats.Add(r.Stats);
                    foreach (var (other, kind) in r.Links)
                        if (!node.Links.TryGetValue(other, out var had) || had != kind)
                            Events.Publish(new LinkOpened(now, node.Name, other, kind));
                    foreach (var other in node.Links.Keys.Where(o => !r.Links.ContainsKey(o)).ToList())
                        Events.Publish(new LinkClosed(now, node.Name, other));
                    node.Links.Clear();
                    foreach (var (other, kind) in r.Links) node.Links[other] = kind;
                }
                Events.Publish(new StatsSnapshot(now, stats));
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Poisson arrivals at the configured rate, each at a random live node.</summary>
    private async Task TransactionLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                double gap;
                lock (_randomLock) gap = -Math.Log(1 - _random.NextDouble()) / _options.TransactionRate;
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(gap, 3600)), token).ConfigureAwait(false);
                var nodes = _nodes.Values.ToList();
                if (nodes.Count == 0) continue;
                DevnetNode node;
                lock (_randomLock) node = nodes[_random.Next(nodes.Count)];
                await SubmitAsync(node).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
    }

    private Func<IPAddress, bool>? FilterFor(string name, HashSet<string>? cutB)
    {
        if (cutB is null) return null;
        bool inB = cutB.Contains(name);
        return address => DevnetNode.NameOf(address) is not { } other || cutB.Contains(other) == inB;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _membership.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_nodes.Values.ToList().Select(StopNodeAsync)).ConfigureAwait(false);
        }
        finally { _membership.Release(); }
        Events.Complete();
        _stop.Dispose();
    }
}
