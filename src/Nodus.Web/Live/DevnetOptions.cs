using Nodus.Core.Chain;
using Nodus.Core.Relay;

namespace Nodus.Web.Live;

/// <summary>What <c>nodus devnet</c> starts: N nodes on 127.0.0.1 … 127.0.0.N, same ports, one data directory each.</summary>
public sealed record DevnetOptions
{
    /// <summary>127.0.0.0/8 is loopback on Linux without setup; the last octet numbers the node, so at most 254.</summary>
    public const int MaxNodes = 254;

    public int Nodes { get; init; } = 12;

    /// <summary>Holds node-1 … node-N.</summary>
    public required string DataDir { get; init; }

    public NetworkParams Network { get; init; } = Networks.Regtest;

    /// <summary>P2P port of every node (each on its own address); default: the network's.</summary>
    public int? Port { get; init; }

    /// <summary>RPC port of every node (each on its own address); default: the network's.</summary>
    public int? RpcPort { get; init; }

    public RelayPolicyKind Relay { get; init; } = RelayPolicyKinds.Default;

    /// <summary>Transactions per second submitted to random nodes (Poisson); 0: none.</summary>
    public double TransactionRate { get; init; } = 1;

    /// <summary>Mean seconds between blocks over the whole network (Poisson, shared by the miners); 0: no timed mining.</summary>
    public double BlockInterval { get; init; } = 15;

    /// <summary>How many of the first nodes mine.</summary>
    public int Miners { get; init; } = 2;

    /// <summary>Seed of the devnet's own choices (which node gets a transaction, cut halves); null: random.</summary>
    public int? Seed { get; init; }

    public int P2pPort => Port ?? Network.DefaultPort;
    public int RpcPortOrDefault => RpcPort ?? Network.DefaultRpcPort;
}
