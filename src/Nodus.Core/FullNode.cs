using Nodus.Core.Chain;
using Nodus.Core.Discovery;
using Nodus.Core.Mempool;
using Nodus.Core.Mining;
using Nodus.Core.Relay;
using Nodus.Core.Sync;

namespace Nodus.Core;

/// <summary>Everything a full node is made of, chosen once by the runtime.</summary>
public sealed record FullNodeOptions
{
    public NodeOptions Node { get; init; } = new();
    public SyncOptions Sync { get; init; } = new();
    public RelayOptions Relay { get; init; } = new();
    /// <summary>Peer discovery and connection policy; null: only the peers given by --connect / --addnode.</summary>
    public DiscoveryOptions? Discovery { get; init; }

    /// <summary>
    /// Confirmed txids remembered so that late announcements of them are ignored (Bitcoin Core's
    /// m_recent_confirmed_transactions, 48,000). A simulation of thousands of nodes sizes it to the transactions that
    /// were actually relayed: every block otherwise adds its txids at every node, ≈ 2 GB per full block at 10,000 nodes.
    /// </summary>
    public int RecentConfirmedCapacity { get; init; } = TxMempool.RecentConfirmedCapacity;

    /// <summary>Mean gap between blocks this node mines by itself; null: mine only on request (RPC generate).</summary>
    public long? MineInterval { get; init; }
}

/// <summary>
/// The composition of one full node — the engine with chain sync, mining, mempool and transaction relay wired
/// together — so that the real runtime and the simulator build exactly the same node.
/// </summary>
public sealed class FullNode
{
    private FullNode(FullNodeOptions options, Node engine, ChainState chain, BlockSync sync, BlockProducer producer, TransactionRelay relay,
        DiscoveryService? discovery)
    {
        Discovery = discovery;
        Options = options;
        Engine = engine;
        Chain = chain;
        Sync = sync;
        Producer = producer;
        Relay = relay;
    }

    public FullNodeOptions Options { get; }
    public Node Engine { get; }
    public ChainState Chain { get; }
    public BlockSync Sync { get; }
    public BlockProducer Producer { get; }
    public TransactionRelay Relay { get; }
    public TxMempool Mempool => Relay.Mempool;
    /// <summary>Address manager, connection manager, addr relay and bans (when <see cref="FullNodeOptions.Discovery"/> is set).</summary>
    public DiscoveryService? Discovery { get; }

    /// <param name="random">The node's only randomness, seeded by the runtime.</param>
    /// <param name="addressStore">Where the address book, bans and anchors persist (in memory when null).</param>
    public static FullNode Create(NetworkParams network, IChainStore store, FullNodeOptions options, Random random,
        ITransactionValidator? validator = null, IAddressStore? addressStore = null)
    {
        var engine = new Node(options.Node, random);
        var chain = ChainState.Open(network, store, validator);
        var sync = new BlockSync(engine.Context, chain, options.Sync);
        var mempool = new TxMempool(validator, recentConfirmedCapacity: options.RecentConfirmedCapacity) { NextBlockHeight = () => chain.Height + 1 };
        var relay = new TransactionRelay(engine.Context, mempool, options.Relay);
        var producer = new BlockProducer(engine.Context, sync)
        {
            TemplateSource = () => mempool.SelectForBlock(ConsensusLimits.MaxBlockBaseSize),
        };
        sync.CompactCandidates = () => CandidateRun.Sources(mempool, relay.CompactExtra, []);
        sync.BlockConnected += (block, _, now) => relay.OnBlockConnected(block.Transactions, now);
        sync.BlockDisconnected += (block, _, now) => relay.OnBlockDisconnected(block.Transactions, now);

        // Novel transactions and blocks protect their peer from inbound eviction (Bitcoin Core's m_last_tx_time, m_last_block_time).
        relay.TransactionReceived += a => { if (a.From is { } id && engine.GetPeer(id) is { } p) p.LastTransactionTime = a.Time; };
        sync.BlockReceived += (_, from, now) => { if (from is { } id && engine.GetPeer(id) is { } p) p.LastBlockTime = now; };

        engine.AddBehaviour(sync);
        engine.AddBehaviour(relay);
        engine.AddBehaviour(producer);
        var discovery = options.Discovery is { } d
            ? DiscoveryService.Attach(engine, d, addressStore ?? new MemoryAddressStore())
            : null;
        return new FullNode(options, engine, chain, sync, producer, relay, discovery);
    }

    /// <summary>Starts the engine (dials configured peers) and, when configured, timed mining.</summary>
    public void Start(long now)
    {
        Engine.Start(now);
        if (Options.MineInterval is not null) Producer.SetInterval(Options.MineInterval, now);
    }
}
