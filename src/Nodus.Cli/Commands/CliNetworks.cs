namespace Nodus.Cli.Commands;

/// <summary>
/// The network parameters the CLI needs (magic, P2P and RPC ports). Mirrors Nodus.Core.Chain.NetworkParams until
/// that lands on main; then this file becomes a call to NetworkParams.Get.
/// </summary>
internal sealed record CliNetwork(string Name, uint Magic, int DefaultPort, int DefaultRpcPort)
{
    public static CliNetwork Get(string name) => name switch
    {
        "main" => new(name, 0x53444ed1, 8650, 8651),
        "test" => new(name, 0x54444ed2, 18650, 18651),
        "regtest" => new(name, 0x52444ed3, 28650, 28651),
        // Bitcoin Core's regtest: magic fa bf b5 da, P2P port 18444, RPC port 18443.
        "bitcoin-regtest" => new(name, 0xdab5bffa, 18444, 18443),
        _ => throw new ArgumentException($"unknown network '{name}'", nameof(name)),
    };
}
