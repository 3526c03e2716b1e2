using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Sim.Adversaries;
using Nodus.Core.Mempool;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Core.Sync;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;
using Nodus.Sim.Trace;
using Nodus.Sim.Workloads;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;

namespace Nodus.Sim.Scenarios;

/// <summary>
/// One case of a scenario: builds the runtime over the shared topology, wires the metrics to the nodes' own events
/// (handshake completion, <see cref="TransactionRelay.TransactionReceived"/>), applies removals, spies and the
/// eavesdropper, submits the transactions through <see cref="TransactionRelay.SubmitTransaction"/>, and runs.
/// </summary>
internal sealed class CaseRun
{
    /// <summary>Bounds the per-peer known-inventory filter in simulations (Core's 50,000 is sized for a live mempool;
    /// a simulated run never holds more than its transactions).</summary>
    private const int SimKnownInventory = WorkloadSpec.MaxTransactions;

    private readonly Scenario _scenario;
    private readonly CaseSpec _spec;
    private readonly Topology.Topology _topology;
    private readonly Action<string>? _progress;
    private readonly int _honest;
    private readonly int _total;
    private readonly TransactionRelay?[] _relays;
    private readonly BroadcastTracker _tracker;
    private readonly Dictionary<Hash256, int> _items = [];
    private readonly bool[] _spy;
    private readonly bool[] _removed;
    // Eavesdropper: first inv of each transaction from each honest node, as (item → node → time).
    private readonly Dictionary<int, Dictionary<int, long>> _announcements = [];
    private long _txPayloadDeliveries, _invEntriesDelivered;

    private readonly ByzantineSpec? _byzantineSpec;
    private ByzantineNodes? _byzantine;
    private readonly ByzantineTally _byzantineTally = new();
    private readonly EclipseSpec? _eclipseSpec;
    private readonly EclipseAttack? _eclipse;

    private readonly BlockWorkload? _blocks;
    /// <summary>Each node's chain store across its restarts: only with churn and blocks.</summary>
    private readonly InMemoryChainStore?[]? _chainStores;
    private readonly TraceWriter? _traceWriter;
    private CaseTrace? _trace;

    /// <summary>Time every event by kind and message command, and report it through the progress callback at the end.</summary>
    public bool ProfileEvents { get; init; }

    public CaseRun(Scenario scenario, CaseSpec spec, Topology.Topology topology, Action<string>? progress, TraceWriter? trace = null)
    {
        _traceWriter = trace;
        _scenario = scenario;
        _spec = spec;
        _topology = topology;
        _progress = progress;
        _honest = topology.Nodes;
        _eclipseSpec = spec.Eclipse ?? scenario.Eclipse;
        if (_eclipseSpec is not null)
            _eclipse = new EclipseAttack(_eclipseSpec, _honest, Math.Min(scenario.Topology.Bootnodes, _honest), scenario.Seed, v => _discovery?.Service(v));
        _total = _eclipse is not null ? _eclipse.Total : spec.Eavesdropper ? 2 * _honest : _honest;
        _relays = new TransactionRelay?[_honest];
        _tracker = new BroadcastTracker(_honest);
        _spy = new bool[_honest];
        _removed = new bool[_honest];
        Relay = RelayPolicyKinds.Parse(spec.Relay ?? scenario.Workload.Relay);
        _byzantineSpec = spec.Byzantine ?? scenario.Byzantine;
        if (scenario.Workload.Blocks > 0) _blocks = new BlockWorkload(scenario.Workload, _honest, scenario.Seed, () => _runtimeRef!);
        if (_blocks is not null && scenario.Churn is not null) _chainStores = new InMemoryChainStore?[_honest];
    }

    /// <summary>Virtual time the run continues after the last block is mined, so that it can reach every node.</summary>
    private static readonly long BlockSettleTime = 120 * Time.Second;

    public RelayPolicyKind Relay { get; }
    private bool Broadcasting => _scenario.Workload.Kind == "broadcast";

    public CaseResult Run()
    {
        var seed = _scenario.Seed;
        var network = ScenarioRunner.BuildNetwork(_scenario.Network, _total, seed);
        // Traffic per command is counted by the runtime (TrafficStats), not in a table per connection.
        var nodeOptions = _scenario.KeepAlive
            ? new NodeOptions { TrafficPerCommand = false }
            : new NodeOptions { TrafficPerCommand = false, PingInterval = Time.Never };
        var defaults = new RelayOptions();
        var relayOptions = defaults with
        {
            Policy = Relay,
            KnownInventoryPerPeer = SimKnownInventory,
            OutboundInterval = _spec.OutboundIntervalSeconds is { } outbound ? (long)(outbound * Time.Second) : defaults.OutboundInterval,
            InboundInterval = _spec.InboundIntervalSeconds is { } inbound ? (long)(inbound * Time.Second) : defaults.InboundInterval,
            SharedInboundTimer = _spec.SharedInboundTimer ?? defaults.SharedInboundTimer,
            NonPreferredRequestDelay = _spec.InboundRequestDelaySeconds is { } delay ? (long)(delay * Time.Second) : defaults.NonPreferredRequestDelay,
        };
        var syncOptions = new SyncOptions { CompactBlocks = _spec.CompactBlocks ?? _scenario.CompactBlocks };
        // Only relayed transactions can be announced again after they confirm, so remembering those is exact; the
        // transactions a miner takes straight into its own mempool (blockFill: direct) were never announced.
        int recentConfirmed = Math.Max(1, Broadcasting ? (_scenario.Workload.Transactions < 0 ? _honest : _scenario.Workload.Transactions) : 1);
        DiscoveryNetwork? discovery = null; // topology kind "discovery": built below, once the runtime exists
        var runtime = new SimRuntime(_total, seed, network, (v, random) =>
        {
            if (_eclipse is not null && _eclipse.IsAttacker(v)) return _eclipse.CreateAttacker(_runtimeRef!, random);
            if (v < _honest && _blocks is not null)
            {
                // Blocks need the whole node: chain state, headers-first sync and block relay, mining, mempool.
                // Bitcoin Core's regtest parameters: trivial proof of work, genesis of 2011 (before the virtual epoch).
                // Under churn a node's chain outlives its engine (a returning node reloads it; a fresh one does not).
                IChainStore store = _chainStores is null ? new SimChainStore() : _chainStores[v] ??= new InMemoryChainStore();
                var full = FullNode.Create(Networks.BitcoinRegtest, store,
                    new FullNodeOptions { Node = nodeOptions, Relay = relayOptions, Sync = syncOptions, RecentConfirmedCapacity = recentConfirmed }, random);
                if (Broadcasting) full.Relay.TransactionReceived += arrival => OnArrival(v, arrival);
                _relays[v] = full.Relay;
                _blocks.Attach(v, full);
                discovery?.Attach(v, full.Engine, full.Relay, _runtimeRef!);
                return full.Engine;
            }
            var node = new Node(nodeOptions, random);
            // The eavesdropper's connections complete the handshake and listen, but relay nothing.
            if (v < _honest && Broadcasting)
            {
                var relay = new TransactionRelay(node.Context, new TxMempool(), relayOptions);
                relay.TransactionReceived += arrival => OnArrival(v, arrival);
                node.AddBehaviour(relay);
                _relays[v] = relay;
            }
            if (v < _honest) discovery?.Attach(v, node, _relays[v], _runtimeRef!);
            return node;
        }, ScenarioRunner.Epoch);
        _runtimeRef = runtime;
        if (_scenario.Topology.Kind == "discovery")
            discovery = _discovery = new DiscoveryNetwork(_scenario.Topology, _honest, runtime, _eclipseSpec?.Countermeasures ?? true);
        _eclipse?.Bind(runtime);
        foreach (var p in _scenario.Partitions)
            runtime.AddPartition(ScenarioRunner.ToPartition(p, network, _total, _spec.PartitionMode));

        // Outbound edges per node in compressed form; eavesdropper probe n + v dials node v.
        var outDegree = _topology.OutDegrees();
        var offsets = new int[_honest + 1];
        for (int v = 0; v < _honest; v++) offsets[v + 1] = offsets[v] + outDegree[v];
        var fill = (int[])offsets.Clone();
        runtime.ReserveConnections(_topology.EdgeCount + (_total - _honest));
        var targets = new int[_topology.EdgeCount];
        for (int i = 0; i < _topology.EdgeCount; i++) targets[fill[_topology.From[i]]++] = _topology.To[i];
        var probeTargets = Enumerable.Range(0, _honest).ToArray();
        if (_spec.EavesdropperOutbound)
        {
            // Node v dials its probe n + v as one more outbound connection; the probes dial nobody.
            var withProbe = new int[targets.Length + _honest];
            for (int v = 0; v < _honest; v++)
            {
                targets.AsSpan(offsets[v], offsets[v + 1] - offsets[v]).CopyTo(withProbe.AsSpan(offsets[v] + v));
                withProbe[offsets[v + 1] + v] = _honest + v;
            }
            runtime.PlannedOutbound = v => v < _honest
                ? withProbe.AsMemory(offsets[v] + v, offsets[v + 1] - offsets[v] + 1)
                : ReadOnlyMemory<int>.Empty;
        }
        else
            runtime.PlannedOutbound = v => v < _honest
                ? targets.AsMemory(offsets[v], offsets[v + 1] - offsets[v])
                : probeTargets.AsMemory(v - _honest, 1);

        // Handshakes: the "item" is a node having every planned connection established.
        var graphDegree = _topology.Degrees();
        var degree = (int[])graphDegree.Clone();
        if (_spec.Eavesdropper) for (int v = 0; v < _honest; v++) degree[v]++;
        // Each engine's peer tables sized for its planned connections at once (nodes that find their own peers: unknown).
        if (discovery is null) runtime.ExpectedPeers = v => v < _honest ? degree[v] : 0;
        int handshakes = _tracker.Track("handshakes", -1, ScenarioRunner.Epoch);
        var established = new int[_honest];
        int connectedNodes = 0, expectedConnected = 0;
        for (int v = 0; v < _honest; v++) if (degree[v] > 0) expectedConnected++;
        var handshakeMs = new List<double>();
        runtime.PeerEstablished = (node, peer, remote, now) =>
        {
            _trace?.OnEstablished(node, peer, remote, now);
            if (node < _honest && remote < _honest && !IsByzantine(node) && IsByzantine(remote)) _byzantineTally.HonestByzantineEdges++;
            if (node >= _honest) return;
            discovery?.OnEstablished(node, peer, runtime, now);
            if (!peer.IsInbound) handshakeMs.Add((now - peer.ConnectedAt) / (double)Time.Millisecond);
            if (++established[node] != degree[node]) return;
            _tracker.Record(handshakes, node, -1, now);
            // The fixed start-up cost (engines built, every planned handshake done), on stderr only.
            if (++connectedNodes == expectedConnected)
                _progress?.Invoke($"{_scenario.Name}/{_spec.Label}: every planned connection established at " +
                    $"t={Time.ToSeconds(now - ScenarioRunner.Epoch):F1}s cpu={Environment.CpuUsage.TotalTime.TotalSeconds:F1}s {GcState()}");
        };
        runtime.MessageDelivered = OnDelivered;
        ChooseByzantine(runtime);

        var random = RandomStreams.For(seed, RandomStreams.StartTimes);
        long spread = Math.Max(1, (long)(_scenario.StartSpreadSeconds * Time.Second));
        if (discovery is not null)
        {
            // Nodes find each other themselves; eavesdropper probes still dial their node once it is up.
            discovery.ScheduleStarts(runtime, random, spread, _honest);
            if (_eclipse is not null) _eclipse.Schedule(runtime, ScenarioRunner.Epoch);
            else
            {
                for (int v = _honest; v < _total; v++) runtime.ScheduleStart(v, ScenarioRunner.Epoch + spread + random.NextInt64(spread));
                for (int v = _honest; v < _total; v++) runtime.ScheduleConnect(v, ScenarioRunner.Epoch + spread + random.NextInt64(spread));
            }
        }
        else
        {
            // Every node listens before anyone dials: starts in [0, spread), planned dials in [spread, 2 spread).
            for (int v = 0; v < _total; v++) runtime.ScheduleStart(v, ScenarioRunner.Epoch + random.NextInt64(spread));
            for (int v = 0; v < _total; v++) runtime.ScheduleConnect(v, ScenarioRunner.Epoch + spread + random.NextInt64(spread));
        }

        long firstTx = ScenarioRunner.Epoch + (_scenario.Workload.FirstAtSeconds is { } f
            ? (long)(f * Time.Second) : 2 * spread + 5 * Time.Second);
        var sources = new List<(int Source, Hash256 Txid)>();
        if (Broadcasting)
        {
            ChooseSpies(random);
            if (_spec.RemoveFraction > 0) runtime.Schedule(firstTx - Time.Second, new RemoveNodes(this, random));
            ScheduleTransactions(runtime, firstTx, random, sources);
        }

        // Nodes without a connection in the graph (an edge list may name some) cannot be reached: not counted; nor
        // are Byzantine nodes (coverage is of the honest nodes).
        bool Live(int v) => v < _honest && runtime.IsAlive(v) && (graphDegree[v] > 0 || discovery is not null) && !IsByzantine(v);
        long until = ScenarioRunner.Epoch + (long)(_scenario.DurationSeconds * Time.Second);
        if (Broadcasting) until = Math.Max(until, firstTx + (long)(_scenario.DurationSeconds * Time.Second));
        if (_eclipseSpec is not null)
            until = Math.Max(until, ScenarioRunner.Epoch + (long)((_eclipseSpec.RestartAtSeconds + _eclipseSpec.SettleSeconds) * Time.Second) + Time.Second);
        if (_blocks is not null)
        {
            long firstBlock = _scenario.Workload.FirstBlockAtSeconds is { } fb ? ScenarioRunner.Epoch + (long)(fb * Time.Second) : firstTx;
            until = Math.Max(until, _blocks.Schedule(runtime, firstBlock, Live) + BlockSettleTime);
        }
        discovery?.ScheduleSampling(runtime, ScenarioRunner.Epoch, until, Live);
        var churn = discovery is not null && _scenario.Churn is { } churnSpec
            ? new ChurnProcess(churnSpec, discovery, _honest, seed, until)
            {
                Departed = v => _blocks?.Departed(v),
                ForgetStores = v => { if (_chainStores is not null) _chainStores[v] = null; },
            }
            : null;
        churn?.Schedule(runtime);
        if (_traceWriter is not null)
        {
            _trace = new CaseTrace(_traceWriter, _honest, Relay.ToCliName(), v => _relays[v]);
            _trace.Start(runtime, $"{_scenario.Name}/{_spec.Label}", ScenarioRunner.Epoch, until);
        }
        var wall = System.Diagnostics.Stopwatch.StartNew();
        string name = $"{_scenario.Name}/{_spec.Label}";
        if (ProfileEvents) runtime.CostProfile = new Engine.EventCostProfile();
        Func<bool>? afterEvent = _trace is null ? null : () => { _trace.AfterEvent(runtime); return false; };
        runtime.Run(until, stop: afterEvent, progress: r => _progress?.Invoke(
            $"{name}: t={Time.ToSeconds(r.Now - ScenarioRunner.Epoch):F1}s events={r.EventsProcessed:N0} " +
            $"queue={r.PendingEvents:N0} connections={r.OpenConnections:N0} wall={wall.Elapsed.TotalSeconds:F1}s {GcState()}"));
        if (runtime.CostProfile is not null) _progress?.Invoke($"{name}: where the event loop's time went\n" + runtime.CostProfile.Format($"{name}:   "));
        if (_progress is not null)
            _progress($"{name}: done, {runtime.EventsProcessed:N0} events in {wall.Elapsed.TotalSeconds:F1}s wall, " +
                $"{_honest:N0} nodes and {runtime.OpenConnections:N0} connections, {GcState()}" + (runtime.CostProfile is null ? "" :
                // The live heap after a full collection (the runtime and every engine still referenced): what the nodes
                // really hold, unlike peak RSS, which includes garbage the GC had no reason to collect yet. Only when
                // profiling: the forced collections cost about a second at 10,000 nodes, more than many runs' blocks.
                $", live heap {GC.GetTotalMemory(forceFullCollection: true) / 1e6:F0} MB"));

        var result = new CaseResult
        {
            Label = _spec.Label,
            Spec = _spec,
            Relay = Broadcasting ? Relay.ToCliName() : null,
            CompactBlocks = _blocks is null ? null : _spec.CompactBlocks ?? _scenario.CompactBlocks,
            EventsProcessed = runtime.EventsProcessed,
            VirtualSeconds = Time.ToSeconds(runtime.Now - ScenarioRunner.Epoch),
            MessagesDropped = runtime.MessagesDropped,
            OpenConnections = runtime.OpenConnections,
            Traffic = runtime.Traffic,
            Network = network,
            HonestNodes = _honest,
            Removed = _removed.Count(r => r),
            Handshakes = PropagationSummary.Of(_tracker.Items[handshakes], Live, network.RegionOf, network.RegionNames),
            HandshakeDurationMs = new Stats(handshakeMs),
            WallSeconds = wall.Elapsed.TotalSeconds,
        };
        if (Broadcasting) result.Broadcast = Summarize(sources, Live, network);
        result.Discovery = discovery?.Summarize(runtime, Live, network);
        if (_eclipse is not null) result.Eclipse = _eclipse.Summarize(_eclipseSpec!.Countermeasures);
        if (_byzantine is not null)
            result.Byzantine = _byzantineTally.Summarize(_byzantineSpec!, _byzantine, firstTx,
                _byzantine.Behaviour == ByzantineBehaviour.Poison && discovery is not null ? BookPoisoning(runtime, Live, discovery) : null);
        if (result.Discovery is not null) result.Discovery.Churn = churn?.Result();
        if (_blocks is not null)
            result.Blocks = _blocks.Summarize(Live, network, _scenario.Partitions
                .Where(p => p.UntilSeconds < double.MaxValue / 2)
                .Select((p, i) => (ScenarioRunner.Epoch + (long)(p.UntilSeconds * Time.Second), $"partition {i}")), churn: churn is not null);
        return result;
    }

    /// <summary>The GC's view for the progress line: the heap after the last collection, what the last full
    /// collection left alive, and the memory committed (what RSS follows). Stderr only.</summary>
    private static string GcState()
    {
        var last = GC.GetGCMemoryInfo();
        var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var bg = GC.GetGCMemoryInfo(GCKind.Background);
        long live = Math.Max(full.Index, bg.Index) == full.Index ? full.HeapSizeBytes - full.FragmentedBytes : bg.HeapSizeBytes - bg.FragmentedBytes;
        return $"heap={last.HeapSizeBytes / 1e6:F0}MB gen2live={live / 1e6:F0}MB committed={last.TotalCommittedBytes / 1e6:F0}MB " +
            $"allocated={GC.GetTotalAllocatedBytes() / 1e6:F0}MB gcs={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} " +
            $"gcpause={GC.GetTotalPauseDuration().TotalSeconds:F1}s";
    }

    private void ChooseSpies(Random random)
    {
        if (_spec.SpyFraction <= 0) return;
        int count = (int)Math.Round(_spec.SpyFraction * _honest);
        foreach (int v in Sample(random, _honest, count)) _spy[v] = !IsByzantine(v); // a Byzantine node is no spy
    }

    private bool IsByzantine(int v) => _byzantine is not null && _byzantine.IsByzantine(v);

    /// <summary>Per live honest node: the share of its address book, and of its tried table, that no node answers at.</summary>
    private static (Stats Book, Stats Tried) BookPoisoning(SimRuntime runtime, Func<int, bool> live, DiscoveryNetwork discovery)
    {
        var book = new List<double>();
        var tried = new List<double>();
        for (int v = 0; v < runtime.NodeCount; v++)
        {
            if (!live(v) || discovery.Service(v) is not { } service) continue;
            int all = 0, bogus = 0, inTried = 0, bogusTried = 0;
            foreach (var info in service.Addresses.All)
            {
                bool nobody = runtime.IndexOf(info.Address.EndPoint) < 0;
                all++;
                if (nobody) bogus++;
                if (!info.InTried) continue;
                inTried++;
                if (nobody) bogusTried++;
            }
            if (all > 0) book.Add(bogus / (double)all);
            if (inTried > 0) tried.Add(bogusTried / (double)inTried);
        }
        return (new Stats(book), new Stats(tried));
    }

    /// <summary>
    /// Marks the case's Byzantine nodes (their own seeded stream, so the other draws of the case are unchanged) and
    /// lets them tamper with their sends; counts honest-to-Byzantine connections and the ones honest nodes close.
    /// </summary>
    private void ChooseByzantine(SimRuntime runtime)
    {
        if (_byzantineSpec is not { Fraction: > 0 } spec) return;
        if (!ByzantineNodes.TryParse(spec.Behaviour, out var behaviour)) throw new InvalidDataException($"byzantine.behaviour '{spec.Behaviour}'");
        var graphDegree = _topology.Degrees();
        int count = (int)Math.Round(spec.Fraction * _honest);
        var chosen = ByzantineNodes.Choose(_honest, count, RandomStreams.For(_scenario.Seed, RandomStreams.Byzantine),
            v => graphDegree[v] > 0 || _discovery is not null);
        _byzantine = new ByzantineNodes(chosen, behaviour, (long)(spec.DelaySeconds * Time.Second), spec.Collude,
            runtime.Addresses, RandomStreams.For(_scenario.Seed, RandomStreams.ByzantineForgeries));
        runtime.Tamper = _byzantine;
        runtime.PeerClosedLocally = (node, remote, reason, now) =>
        {
            if (node >= _honest || chosen[node]) return;
            if (remote < _honest && chosen[remote]) _byzantineTally.ClosedByzantine(reason, now);
            else _byzantineTally.ClosedHonest++;
        };
    }

    private void ScheduleTransactions(SimRuntime runtime, long firstTx, Random random, List<(int, Hash256)> sources)
    {
        var factory = new TransactionFactory(RandomStreams.For(_scenario.Seed, RandomStreams.BroadcastTransactions));
        int count = _scenario.Workload.Transactions;
        IEnumerable<int> order;
        if (count == -1) order = Sample(random, _honest, _honest); // one per node, in random order
        else order = Enumerable.Range(0, count).Select(_ => -1);
        long at = firstTx;
        long meanGap = (long)(_scenario.Workload.IntervalSeconds * Time.Second);
        foreach (int fixedSource in order)
        {
            runtime.Schedule(at, new SubmitTransaction(this, factory.Next(), fixedSource, random, sources));
            at += meanGap == 0 ? 0 : AnnouncementScheduler.ExponentialDelay(random, meanGap);
        }
    }

    /// <summary>Picks <paramref name="count"/> distinct indices below <paramref name="n"/> (partial Fisher–Yates).</summary>
    private static IEnumerable<int> Sample(Random random, int n, int count)
    {
        var pool = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < count && i < n; i++)
        {
            int j = random.Next(i, n);
            (pool[i], pool[j]) = (pool[j], pool[i]);
            yield return pool[i];
        }
    }

    private void OnArrival(int node, TransactionArrival arrival)
    {
        if (!_items.TryGetValue(arrival.Txid, out int item)) return; // submitted before tracking (not ours)
        int from = -1;
        if (arrival.From is { } peer) from = _runtimeRef!.RemoteOf(node, peer);
        _trace?.OnArrival(node, arrival, from);
        _tracker.Record(item, node, from, arrival.Time);
    }

    private SimRuntime? _runtimeRef;
    private DiscoveryNetwork? _discovery;

    private void OnDelivered(int node, PeerId peer, int sender, IMessage message, long now)
    {
        switch (message)
        {
            case TxMessage or DandelionTxMessage when node < _honest && !IsByzantine(node):
                _txPayloadDeliveries++;
                break;
            case InvMessage inv when node < _honest && !IsByzantine(node):
                _invEntriesDelivered += inv.Inventory.Count;
                break;
            case InvMessage inv when sender < _honest && node >= _honest:
                // The eavesdropper's probe for `sender` heard an announcement.
                foreach (var entry in inv.Inventory)
                {
                    if (!_items.TryGetValue(entry.Hash, out int item)) continue;
                    if (!_announcements.TryGetValue(item, out var byNode)) _announcements[item] = byNode = [];
                    byNode.TryAdd(sender, now);
                }
                break;
        }
    }

    private BroadcastResult Summarize(List<(int Source, Hash256 Txid)> sources, Func<int, bool> live, INetworkModel network)
    {
        var summaries = new List<PropagationSummary>();
        var firstSpy = new List<(int, int)>();
        var firstTimestamp = new List<(int, int)>();
        foreach (var (source, txid) in sources)
        {
            var item = _tracker.Items[_items[txid]];
            summaries.Add(PropagationSummary.Of(item, live, network.RegionOf, network.RegionNames));
            if (_spy[source]) continue; // the estimators are scored on honest sources only
            if (_spec.SpyFraction > 0) firstSpy.Add((source, SourceEstimators.FirstSpy(item, _spy)));
            if (_spec.Eavesdropper)
                firstTimestamp.Add((source, SourceEstimators.FirstTimestamp(
                    _announcements.TryGetValue(_items[txid], out var byNode) ? byNode : new Dictionary<int, long>())));
        }
        long firstArrivals = summaries.Sum(s => (long)s.Reached - (s.Source >= 0 ? 1 : 0));
        var (pooled, fairness) = PooledDelays.Of(sources.Select(x => _tracker.Items[_items[x.Txid]]), live,
            network.RegionOf, network.RegionNames);
        return new BroadcastResult
        {
            PooledDelayMs = pooled,
            Fairness = fairness,
            Transactions = summaries,
            TxPayloadDeliveries = _txPayloadDeliveries,
            InvEntriesDelivered = _invEntriesDelivered,
            FirstArrivals = firstArrivals,
            SpyFraction = _spec.SpyFraction,
            FirstSpy = _spec.SpyFraction > 0 ? SourceEstimators.Score(firstSpy) : null,
            FirstSpySamples = firstSpy.Count,
            FirstTimestamp = _spec.Eavesdropper ? SourceEstimators.Score(firstTimestamp) : null,
            FirstTimestampSamples = firstTimestamp.Count,
        };
    }

    /// <summary>Submits one transaction at a random live honest node (or the given one) through the relay's RPC entry point.</summary>
    private sealed class SubmitTransaction(CaseRun run, Wire.Types.Transaction tx, int fixedSource, Random random,
        List<(int, Hash256)> sources) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            int source = fixedSource;
            if (source < 0)
            {
                for (int tries = 0; tries < 1000; tries++)
                {
                    int v = random.Next(run._honest);
                    if (runtime.IsAlive(v) && !run._spy[v] && !run.IsByzantine(v)) { source = v; break; }
                }
            }
            if (source < 0 || !runtime.IsAlive(source) || run._relays[source] is null || run.IsByzantine(source)) return;
            var txid = tx.GetHash();
            run._items[txid] = run._tracker.Track(txid.ToString(), source, now);
            run._discovery?.OnSubmitted(runtime, run._tracker.Items[run._items[txid]], now);
            sources.Add((source, txid));
            runtime.Input(source, (_, t) => run._relays[source]!.SubmitTransaction(tx, t));
        }
    }

    /// <summary>Crashes the case's share of nodes, at random or highest degree first (ties by index).</summary>
    private sealed class RemoveNodes(CaseRun run, Random random) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            int count = (int)Math.Round(run._spec.RemoveFraction * run._honest);
            IEnumerable<int> victims = run._spec.RemoveOrder == "degree"
                ? run._topology.Degrees().Select((d, v) => (d, v)).OrderByDescending(x => x.d).ThenBy(x => x.v).Select(x => x.v).Take(count)
                : Sample(random, run._honest, count);
            foreach (int v in victims)
            {
                run._removed[v] = true;
                runtime.Crash(v);
                run._trace?.OnRemoved(v, now);
            }
        }
    }
}

/// <summary>The broadcast metrics of one case.</summary>
public sealed class BroadcastResult
{
    public required IReadOnlyList<PropagationSummary> Transactions { get; init; }
    /// <summary>Arrival delays at every reached live node, over all transactions.</summary>
    public required Stats PooledDelayMs { get; init; }
    /// <summary>The same per region (nodes of one region share their bandwidth): the spread within a class is fairness.</summary>
    public required IReadOnlyList<FairnessClass> Fairness { get; init; }
    /// <summary>tx and dandeliontx messages delivered to honest nodes: one per node per transaction is the minimum.</summary>
    public required long TxPayloadDeliveries { get; init; }
    public required long InvEntriesDelivered { get; init; }
    /// <summary>First arrivals at non-source nodes, summed over transactions.</summary>
    public required long FirstArrivals { get; init; }
    /// <summary>Share of transaction bodies a node received although it already had the transaction.</summary>
    public double DuplicateShare => TxPayloadDeliveries == 0 ? 0 : Math.Max(0, 1 - FirstArrivals / (double)TxPayloadDeliveries);
    public required double SpyFraction { get; init; }
    public (double Precision, double Recall)? FirstSpy { get; init; }
    public int FirstSpySamples { get; init; }
    public (double Precision, double Recall)? FirstTimestamp { get; init; }
    public int FirstTimestampSamples { get; init; }
}
