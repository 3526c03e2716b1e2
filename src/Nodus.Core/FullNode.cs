using Nodus.Core.Chain;
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

    /// <summary>Mean gap between blocks this node mines by itself; null: mine only on request (RPC generate).</summary>
    public long? MineInterval { get; init; }
}

/// <summary>
/// The composition of one full node — the engine with chain sync, mining, mempool and transaction relay wired
/// together — so that the real runtime and the simulator build exactly the same node.
/// </summary>
public sealed class FullNode
{
    private FullNode(FullNodeOptions options, Node engine, ChainState chain, BlockSync sync, BlockProducer producer, TransactionRelay relay)
    {
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

    /// <param name="random">The node's only randomness, seeded by the runtime.</param>
    public static FullNode Create(NetworkParams network, IChainStore store, FullNodeOptions options, Random random,
        ITransactionValidator? validator = null)
    {
        var engine = new Node(options.Node, random);
        var chain = ChainState.Open(network, store, validator);
        var sync = new BlockSync(engine.Context, chain, options.Sync);
        var mempool = new TxMempool(validator) { NextBlockHeight = () => chain.Height + 1 };
        var relay = new TransactionRelay(engine.Context, mempool, options.Relay);
        var producer = new BlockProducer(engine.Context, sync)
        {
            TemplateSource = () => mempool.SelectForBlock(ConsensusLimits.MaxBlockBaseSize),
        };
        sync.BlockConnected += (block, _, now) => relay.OnBlockConnected(block.Transactions, now);
        sync.BlockDisconnected += (block, _, now) => relay.OnBlockDisconnected(block.Transactions, now);

        engine.AddBehaviour(sync);
        engine.AddBehaviour(relay);
        engine.AddBehaviour(producer);
        return new FullNode(options, engine, chain, sync, producer, relay);
    }

    /// <summary>Starts the engine (dials configured peers) and, when configured, timed mining.</summary>
    public void Start(long now)
    {
        Engine.Start(now);
        if (Options.MineInterval is not null) Producer.SetInterval(Options.MineInterval, now);
    }
}
