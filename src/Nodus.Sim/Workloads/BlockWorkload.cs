using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Core.Sync;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Network;
using Nodus.Sim.Scenarios;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Sim.Workloads;

/// <summary>
/// Blocks mined in proportion to hash power: block discovery is a Poisson process (exponential gaps with the block
/// interval as mean), and each block goes to a miner drawn by hash power, who mines it for real with
/// <see cref="Nodus.Core.Mining.BlockProducer.Generate"/> on its own tip (regtest difficulty makes the proof of work
/// trivial). The blocks then travel by the nodes' own <see cref="Nodus.Core.Sync.BlockSync"/> (headers
/// announcements, getdata, block), and this class records, from the core's events, when each node first received
/// each block, which blocks ended up stale, and when all nodes agreed on one tip.
/// </summary>
internal sealed class BlockWorkload
{
    private readonly WorkloadSpec _spec;
    private readonly int _honest;
    private readonly FullNode?[] _full;
    private readonly Func<SimRuntime> _runtime;
    private readonly BroadcastTracker _tracker;
    private readonly Dictionary<Hash256, int> _items = [];
    private readonly List<MinedBlock> _mined = [];
    private readonly Random _random;
    private readonly TransactionFactory _transactions;
    private readonly Hash256[] _tip;
    private readonly Dictionary<Hash256, int> _nodesOnTip = [];
    // Whether a node is among the _liveCount whose tips are counted; churn adds and removes nodes while blocks travel.
    private readonly bool[] _counted;
    // Each node's validation time over the scenario's mean (WorkloadSpec.BlockValidationSpread), drawn once per node.
    private readonly double[] _validationFactor;
    // Height, size and transactions of each mined block, taken when its miner connected it: the miner may have left,
    // or come back as a fresh node without it, by the end.
    private readonly Dictionary<Hash256, (int Height, int Bytes, int Transactions)> _shapes = [];
    private int _bestMinedHeight;
    // Nodes that (re)joined behind the newest mined block (churn): when they joined and the height that catches them up.
    private readonly long[] _joinedAt;
    private readonly int[] _catchUpTarget;
    private readonly List<double> _catchUpMs = [], _blocksBehind = [];
    private int _joinsWithChain, _joinsFromGenesis, _leftBehind;
    private readonly List<long> _agreements = [];
    private Func<int, bool> _live = _ => true;
    private int _liveCount = -1;
    private int[] _miners = [];
    private double[] _cumulativePower = [];
    private int _mining = -1;
    private long _previousBlockAt;

    public BlockWorkload(WorkloadSpec spec, int honest, long seed, Func<SimRuntime> runtime)
    {
        _spec = spec;
        _honest = honest;
        _runtime = runtime;
        _full = new FullNode?[honest];
        _tracker = new BroadcastTracker(honest);
        _tip = new Hash256[honest];
        _counted = new bool[honest];
        _validationFactor = ValidationFactors(spec.BlockValidationSpread, honest, seed);
        _joinedAt = new long[honest];
        _catchUpTarget = new int[honest];
        _random = RandomStreams.For(seed, RandomStreams.Mining);
        _transactions = new TransactionFactory(RandomStreams.For(seed, RandomStreams.BlockTransactions));
    }

    public long Reorganisations { get; private set; }

    /// <summary>Wires one full node's events to the metrics and sets its template limit.</summary>
    public void Attach(int v, FullNode node)
    {
        _full[v] = node;
        var mempool = node.Mempool;
        int maxBytes = _spec.BlockMaxBytes;
        node.Producer.TemplateSource = () => mempool.SelectForBlock(maxBytes);
        // What a node rebuilds compact blocks from: as a full node (its mempool, the transactions it refused), then the
        // transactions relay is modelled to have delivered to it (the newest first, where the next block's are).
        var extra = node.Relay.CompactExtra;
        node.Sync.CompactCandidates = () => CandidateRun.Sources(mempool, extra, _known);
        node.Sync.BlockReceived += (hash, from, now) => OnReceived(v, hash, from, now);
        node.Sync.ShareRebuiltBlock = Share;
        long validation = (long)Math.Round(Math.Min(_spec.BlockValidationMs * _validationFactor[v], WorkloadSpec.MaxBlockValidationMs) * Time.Millisecond);
        node.Sync.BlockConnected += (block, entry, now) => // one handler: each is a delegate call per block and node
        {
            if (validation > 0) _runtime().HoldOutputs(v, validation);
            if (v == _mining) Mined(block, entry.Height);
            OnTipChanged(v, now);
        };
        node.Sync.BlockDisconnected += (_, _, _) => Reorganisations++;
        _tip[v] = node.Chain.Tip.Hash;
        // A node that starts once the tips are being counted (a churned node coming back): counted from now, on the
        // tip it starts with (the chain it reloaded, or genesis when it joins fresh).
        if (_liveCount >= 0 && !_counted[v])
        {
            Count(v);
            Joined(v, node);
        }
    }

    /// <summary>A node joining once blocks are under way: from genesis (fresh) or from the chain it reloaded
    /// (returning), and how far behind the newest mined block it starts.</summary>
    private void Joined(int v, FullNode node)
    {
        int height = node.Chain.Height;
        if (height > 0) _joinsWithChain++;
        else _joinsFromGenesis++;
        _catchUpTarget[v] = 0;
        if (height >= _bestMinedHeight) return;
        _catchUpTarget[v] = _bestMinedHeight;
        _joinedAt[v] = _runtime().Now;
        _blocksBehind.Add(_bestMinedHeight - height);
    }

    /// <summary>Per node, a lognormal factor with mean 1 and log-σ <paramref name="spread"/> (all 1 when 0), from its own
    /// random stream so that the spread changes nothing else in the run.</summary>
    internal static double[] ValidationFactors(double spread, int nodes, long seed)
    {
        var factors = new double[nodes];
        Array.Fill(factors, 1.0);
        if (spread <= 0) return factors;
        var random = RandomStreams.For(seed, RandomStreams.ValidationSpeeds);
        for (int v = 0; v < nodes; v++)
        {
            // Box-Muller: a standard normal from two uniforms.
            double z = Math.Sqrt(-2 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            factors[v] = Math.Exp(spread * z - spread * spread / 2);
        }
        return factors;
    }

    /// <summary>A node leaves (churn): its tip no longer counts towards agreement.</summary>
    public void Departed(int v)
    {
        if (_catchUpTarget[v] > 0) _leftBehind++;
        _catchUpTarget[v] = 0;
        if (_liveCount < 0 || !_counted[v]) return;
        _counted[v] = false;
        _liveCount--;
        if (--_nodesOnTip[_tip[v]] == 0) _nodesOnTip.Remove(_tip[v]);
    }

    private void Count(int v)
    {
        _counted[v] = true;
        _liveCount++;
        _nodesOnTip[_tip[v]] = _nodesOnTip.GetValueOrDefault(_tip[v]) + 1;
    }

    private void Mined(Block block, int height)
    {
        KeepOriginal(block);
        _bestMinedHeight = Math.Max(_bestMinedHeight, height);
        // Counted, not encoded: ten 535 KB arrays on the large object heap forced a full collection at the end.
        _shapes.TryAdd(block.GetHash(), (height, MessageCodec.PayloadSize(new BlockMessage(block)), block.Transactions.Count));
    }

    /// <summary>Schedules the blocks: exponential gaps from <paramref name="start"/>; returns the last block's time.</summary>
    public long Schedule(SimRuntime runtime, long start, Func<int, bool> live)
    {
        _live = live;
        ChooseMiners();
        _previousBlockAt = start;
        long at = start, mean = (long)(_spec.BlockIntervalSeconds * Time.Second);
        for (int i = 0; i < _spec.Blocks; i++)
        {
            at += AnnouncementScheduler.ExponentialDelay(_random, mean);
            runtime.Schedule(at, new MineBlock(this));
        }
        return at;
    }

    private void ChooseMiners()
    {
        int count = _spec.Miners <= 0 ? _honest : Math.Min(_spec.Miners, _honest);
        var pool = Enumerable.Range(0, _honest).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = _random.Next(i, _honest);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        _miners = pool[..count];
        Array.Sort(_miners);
        _cumulativePower = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += _spec.HashPower == "exponential" ? -Math.Log(1.0 - _random.NextDouble()) : 1.0;
            _cumulativePower[i] = sum;
        }
    }

    /// <summary>A miner drawn by hash power among the live ones (a dead miner's share is simply lost, as in reality).</summary>
    private int PickMiner(SimRuntime runtime)
    {
        double total = _cumulativePower[^1];
        for (int tries = 0; tries < 1000; tries++)
        {
            int i = Array.BinarySearch(_cumulativePower, _random.NextDouble() * total);
            if (i < 0) i = ~i;
            int v = _miners[Math.Min(i, _miners.Length - 1)];
            if (runtime.IsAlive(v) && _full[v] is not null) return v;
        }
        return -1;
    }

    private void Mine(SimRuntime runtime, long now)
    {
        if (_liveCount < 0) StartAgreementCount();
        int miner = PickMiner(runtime);
        if (miner < 0) return;
        var full = _full[miner]!;
        if (_spec.BlockFill == "direct") FillMempool(full, now);
        _previousBlockAt = now;
        _mining = miner;
        runtime.Input(miner, (_, t) => full.Producer.Generate(1, t));
        _mining = -1;
    }

    /// <summary>
    /// The transactions that arrived (at <see cref="WorkloadSpec.TxPerSecond"/>) since the previous block, up to the
    /// template limit, enter the miner's own mempool through its normal acceptance — real transactions, so the block
    /// is real and well-formed at its real size.
    /// </summary>
    private void FillMempool(FullNode full, long now)
    {
        long expected = (long)Math.Round(_spec.TxPerSecond * Time.ToSeconds(now - _previousBlockAt));
        // Leaves room for the header, the transaction count and the coinbase.
        long budget = _spec.BlockMaxBytes - 1_000 - full.Mempool.Bytes;
        var arrived = new List<Transaction>();
        for (long i = 0; i < expected && budget > 0; i++)
        {
            var tx = _transactions.Next();
            if (!full.Mempool.Accept(tx, now).IsAccepted) continue;
            budget -= tx.GetSerializedSize();
            arrived.Add(tx);
        }
        // The oldest arrivals have reached every node by now; the newest (1 - knownShare) are only at the miner.
        int known = (int)Math.Floor(arrived.Count * _spec.KnownShare);
        _known.Insert(0, CandidateRun.Of(arrived.GetRange(0, known)));
        if (_known.Count > KnownIntervalsKept) _known.RemoveAt(_known.Count - 1);
    }

    /// <summary>
    /// Intervals of relayed transactions every node holds, newest first: the current block's and the previous one's
    /// (for a node that is one block behind). One shared list stands for every node's copy, so 10,000 nodes do not
    /// hold 10,000 mempools of the same transactions (nor their wtxids); the rebuild itself is the core's, unchanged.
    /// </summary>
    private readonly List<CandidateRun> _known = [];
    private const int KnownIntervalsKept = 2;

    // The mined blocks' own objects, newest last: a node that rebuilds one from a compact block keeps this object
    // instead of its copy, as every node keeps the one object of a relayed full block (memory and memoised checks).
    private readonly Dictionary<Hash256, Block> _originals = [];
    private readonly Queue<Hash256> _originalOrder = new();
    /// <summary>Compact blocks are only rebuilt near the tip, so the last few mined blocks are all that is shared.</summary>
    private const int OriginalsKept = 16;

    private void KeepOriginal(Block block)
    {
        if (!_originals.TryAdd(block.GetHash(), block)) return;
        _originalOrder.Enqueue(block.GetHash());
        if (_originalOrder.Count > OriginalsKept) _originals.Remove(_originalOrder.Dequeue());
    }

    private Block? Share(Hash256 hash, ReadOnlySpan<Transaction> rebuilt)
    {
        if (!_originals.TryGetValue(hash, out var original)) return null;
        var a = original.Transactions;
        if (a.Count != rebuilt.Length) return null;
        for (int i = 0; i < a.Count; i++)
            if (!ReferenceEquals(a[i], rebuilt[i]) && a[i].GetWitnessHash() != rebuilt[i].GetWitnessHash()) return null;
        return original;
    }

    private void OnReceived(int v, Hash256 hash, PeerId? from, long now)
    {
        if (!_items.TryGetValue(hash, out int item))
        {
            if (from is not null || v != _mining) return; // not a block of this workload
            item = _tracker.Track(hash.ToString(), v, now);
            _items[hash] = item;
            _mined.Add(new MinedBlock(hash, v, now));
            return;
        }
        int sender = from is { } peer ? _runtime().RemoteOf(v, peer) : -1;
        _tracker.Record(item, v, sender, now);
    }

    private void StartAgreementCount()
    {
        _liveCount = 0;
        for (int v = 0; v < _honest; v++)
            if (_live(v) && _full[v] is not null) Count(v);
    }

    /// <summary>Counts the nodes on each tip: the moments when every live node holds the same tip are agreements.</summary>
    private void OnTipChanged(int v, long now)
    {
        var full = _full[v]!;
        if (_catchUpTarget[v] > 0 && full.Chain.Height >= _catchUpTarget[v])
        {
            _catchUpMs.Add((now - _joinedAt[v]) / (double)Time.Millisecond);
            _catchUpTarget[v] = 0;
        }
        var tip = full.Chain.Tip.Hash;
        if (_liveCount < 0 || tip == _tip[v])
        {
            _tip[v] = tip;
            return;
        }
        if (!_live(v) || !_counted[v]) return;
        if (--_nodesOnTip[_tip[v]] == 0) _nodesOnTip.Remove(_tip[v]);
        _tip[v] = tip;
        int on = _nodesOnTip[tip] = _nodesOnTip.GetValueOrDefault(tip) + 1;
        if (on == _liveCount) _agreements.Add(now);
    }

    public BlockResult Summarize(Func<int, bool> live, INetworkModel network, IEnumerable<(long HealAt, string Label)> heals, bool churn = false)
    {
        // The main chain is the tip most live nodes hold (ties: most work, then the lower hash).
        var tips = new Dictionary<Hash256, int>();
        int reference = -1;
        for (int v = 0; v < _honest; v++)
        {
            if (!live(v) || _full[v] is null) continue;
            var t = _full[v]!.Chain.Tip.Hash;
            tips[t] = tips.GetValueOrDefault(t) + 1;
            if (reference < 0 || tips[t] > tips[_full[reference]!.Chain.Tip.Hash]) reference = v;
        }
        var main = new HashSet<Hash256>();
        if (reference >= 0)
            for (var e = _full[reference]!.Chain.Tip; e is not null; e = e.Parent) main.Add(e.Hash);

        var rows = new List<BlockRow>();
        foreach (var m in _mined)
        {
            var item = _tracker.Items[_items[m.Hash]];
            var shape = _shapes.TryGetValue(m.Hash, out var s) ? s : (Height: -1, Bytes: 0, Transactions: 0);
            rows.Add(new BlockRow
            {
                Hash = m.Hash.ToString(),
                Miner = m.Miner,
                Height = shape.Height,
                Bytes = shape.Bytes,
                Transactions = shape.Transactions,
                OnMainChain = main.Contains(m.Hash),
                Propagation = PropagationSummary.Of(item, live, network.RegionOf, network.RegionNames),
            });
        }
        var (pooled, fairness) = PooledDelays.Of(_mined.Select(m => _tracker.Items[_items[m.Hash]]), live,
            network.RegionOf, network.RegionNames);
        var convergence = heals.Select(h => new TipConvergence(h.Label, h.HealAt,
            _agreements.Where(a => a >= h.HealAt).Select(a => (long?)a).FirstOrDefault())).ToList();
        return new BlockResult
        {
            Blocks = rows,
            PooledDelayMs = pooled,
            Fairness = fairness,
            Reorganisations = Reorganisations,
            DistinctFinalTips = tips.Count,
            NodesOnMainTip = reference < 0 ? 0 : tips[_full[reference]!.Chain.Tip.Hash],
            MainChainHeight = reference < 0 ? 0 : _full[reference]!.Chain.Height,
            TipConvergence = convergence,
            Rejoins = churn ? new RejoinResult
            {
                WithChain = _joinsWithChain,
                FromGenesis = _joinsFromGenesis,
                BlocksBehind = new Stats(_blocksBehind),
                CaughtUp = _catchUpMs.Count,
                LeftBehind = _leftBehind,
                BehindAtEnd = _catchUpTarget.Count(t => t > 0),
                CatchUpMs = new Stats(_catchUpMs),
            } : null,
        };
    }

    private sealed record MinedBlock(Hash256 Hash, int Miner, long At);

    private sealed class MineBlock(BlockWorkload workload) : ISimAction
    {
        public void Run(SimRuntime runtime, long now) => workload.Mine(runtime, now);
    }
}

/// <summary>The block metrics of one case.</summary>
public sealed class BlockResult
{
    public required IReadOnlyList<BlockRow> Blocks { get; init; }
    /// <summary>Arrival delays (first receipt of the block body) at every reached live node, over all blocks.</summary>
    public required Stats PooledDelayMs { get; init; }
    public required IReadOnlyList<FairnessClass> Fairness { get; init; }
    /// <summary>Blocks disconnected from active chains, summed over nodes.</summary>
    public required long Reorganisations { get; init; }
    public required int DistinctFinalTips { get; init; }
    public required int NodesOnMainTip { get; init; }
    public required int MainChainHeight { get; init; }
    public int Stale => Blocks.Count(b => !b.OnMainChain);
    public required IReadOnlyList<TipConvergence> TipConvergence { get; init; }
    /// <summary>With churn: the nodes that joined while blocks were being mined, and how they caught up.</summary>
    public RejoinResult? Rejoins { get; init; }
}

/// <summary>
/// Nodes that started after the first block (churn): returning ones reload their chain, fresh ones start from genesis;
/// those behind the newest mined block sync the rest by headers-first download from their new peers.
/// </summary>
public sealed class RejoinResult
{
    public required int WithChain { get; init; }
    public required int FromGenesis { get; init; }
    /// <summary>Blocks between a joining node's tip and the newest mined block, for those that started behind.</summary>
    public required Stats BlocksBehind { get; init; }
    /// <summary>Of those behind, how many reached that block's height, how many left again first, how many were still
    /// syncing when the run ended (they joined shortly before); and how fast the first caught up.</summary>
    public required int CaughtUp { get; init; }
    public required int LeftBehind { get; init; }
    public required int BehindAtEnd { get; init; }
    public required Stats CatchUpMs { get; init; }
}

public sealed class BlockRow
{
    public required string Hash { get; init; }
    public required int Miner { get; init; }
    public required int Height { get; init; }
    public required int Bytes { get; init; }
    public required int Transactions { get; init; }
    public required bool OnMainChain { get; init; }
    public required PropagationSummary Propagation { get; init; }
}

/// <summary>After a partition heals at <see cref="HealAt"/>: the first moment all live nodes held one tip (null: never).</summary>
public sealed record TipConvergence(string Partition, long HealAt, long? OneTipAt);
