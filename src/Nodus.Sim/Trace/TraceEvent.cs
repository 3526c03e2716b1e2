using System.Text.Json.Serialization;

namespace Nodus.Sim.Trace;

/// <summary>
/// One event of a network's life as the dashboard shows it — the same schema for the live stream of a devnet and
/// for a simulation's <c>events.jsonl</c> (docs/dashboard.md). <see cref="T"/> is microseconds since the Unix
/// epoch (virtual time in a simulation). Nodes are named by short strings ("3": 127.0.0.3 in a devnet, 10.0.0.3 in
/// a simulation).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TraceStarted), "meta")]
[JsonDerivedType(typeof(NodeAdded), "node")]
[JsonDerivedType(typeof(NodeRemoved), "node-removed")]
[JsonDerivedType(typeof(LinkOpened), "link")]
[JsonDerivedType(typeof(LinkClosed), "link-closed")]
[JsonDerivedType(typeof(BlockArrived), "block")]
[JsonDerivedType(typeof(TransactionArrived), "tx")]
[JsonDerivedType(typeof(StatsSnapshot), "stats")]
[JsonDerivedType(typeof(NetworkCut), "cut")]
[JsonDerivedType(typeof(NetworkHealed), "heal")]
public abstract record TraceEvent(long T);

/// <summary>First line of a trace: where it comes from (devnet or sim) and what it runs.</summary>
public sealed record TraceStarted(long T, string Source, string Network, string Label) : TraceEvent(T);

public sealed record NodeAdded(long T, string Node, string Address, string Relay, bool Miner) : TraceEvent(T);

public sealed record NodeRemoved(long T, string Node) : TraceEvent(T);

/// <summary>A connection completed its handshake; <see cref="From"/> dialed <see cref="To"/>. Kind is getpeerinfo's connection_type.</summary>
public sealed record LinkOpened(long T, string From, string To, string Kind) : TraceEvent(T);

public sealed record LinkClosed(long T, string From, string To) : TraceEvent(T);

/// <summary>A block joined <see cref="Node"/>'s active chain; <see cref="From"/> delivered it (null: mined there).</summary>
public sealed record BlockArrived(long T, string Node, string Hash, int Height, string? From) : TraceEvent(T);

/// <summary>A transaction first reached <see cref="Node"/>; <see cref="From"/> is the peer (null: submitted there), <see cref="Stem"/> is Dandelion's stem phase.</summary>
public sealed record TransactionArrived(long T, string Node, string Txid, string? From, bool Stem) : TraceEvent(T);

/// <summary>Per-node figures, about twice a second live, about once a virtual second in a simulation.</summary>
public sealed record StatsSnapshot(long T, IReadOnlyList<NodeStats> Nodes) : TraceEvent(T);

/// <param name="Addresses">Address book size, or -1 when the node keeps none.</param>
/// <param name="Sync">"synced" or "ibd" (initial block download).</param>
public sealed record NodeStats(string Node, int Peers, int Addresses, int Height, string Tip, int Mempool, string Relay,
    long BytesSent, long BytesReceived, string Sync);

/// <summary>The underlay broke in two: no connection crosses between the groups until <see cref="NetworkHealed"/>.</summary>
public sealed record NetworkCut(long T, IReadOnlyList<string> GroupA, IReadOnlyList<string> GroupB) : TraceEvent(T);

public sealed record NetworkHealed(long T) : TraceEvent(T);
