using System.Buffers.Binary;
using System.Numerics;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Everything that tells one network from another, as data (Bitcoin Core's CChainParams): magic, ports, genesis,
/// proof-of-work limit and difficulty rule, block reward, seeds. The definitions live in <see cref="Networks"/>.
/// </summary>
public sealed record NetworkParams
{
    public required string Name { get; init; }

    /// <summary>The 4 magic bytes read as a little-endian uint, as the frame reader compares them.</summary>
    public required uint Magic { get; init; }

    public required int DefaultPort { get; init; }
    public required int DefaultRpcPort { get; init; }

    public required Block Genesis { get; init; }
    public Hash256 GenesisHash => Genesis.GetHash();

    /// <summary>The easiest target allowed, in compact form; also the genesis bits of our networks.</summary>
    public required uint PowLimitBits { get; init; }
    public BigInteger PowLimit
    {
        get
        {
            // Cached with the bits it came from, so that a copy made with `with { PowLimitBits = … }` recomputes.
            var cached = _powLimit;
            if (cached is null || cached.Value.Bits != PowLimitBits)
                _powLimit = cached = (PowLimitBits, ProofOfWork.DecodeCompact(PowLimitBits));
            return cached.Value.Limit;
        }
    }

    private (uint Bits, BigInteger Limit)? _powLimit;

    /// <summary>Seconds between blocks the difficulty rule aims for.</summary>
    public required long TargetSpacingSeconds { get; init; }

    /// <summary>True on regtest networks: every block has the minimum difficulty (Bitcoin's fPowNoRetargeting).</summary>
    public required bool NoRetargeting { get; init; }

    /// <summary>Blocks per retarget period (Bitcoin's 2016); the target timespan is this times the spacing.</summary>
    public required int RetargetInterval { get; init; }
    public long TargetTimespanSeconds => TargetSpacingSeconds * RetargetInterval;

    /// <summary>Coinbase reward of the first blocks, in base units (100,000,000 per coin).</summary>
    public required long InitialSubsidy { get; init; }
    public required int SubsidyHalvingInterval { get; init; }

    /// <summary>Height from which the coinbase must start with the height (BIP 34); 1 on every network, as on Bitcoin's regtest today.</summary>
    public int Bip34Height { get; init; } = 1;

    public IReadOnlyList<string> DnsSeeds { get; init; } = [];
    /// <summary>Hard-coded "IP:port" seeds, tried when DNS seeds fail.</summary>
    public IReadOnlyList<string> FixedSeeds { get; init; } = [];

    public byte[] MagicBytes
    {
        get
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
            return bytes;
        }
    }

    /// <summary>Bitcoin's GetBlockSubsidy: halves every <see cref="SubsidyHalvingInterval"/> blocks, zero after 64 halvings.</summary>
    public long GetBlockSubsidy(int height)
    {
        int halvings = height / SubsidyHalvingInterval;
        return halvings >= 64 ? 0 : InitialSubsidy >> halvings;
    }

    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyList<string> Names => Networks.All.Select(n => n.Name).ToArray();

    /// <summary>The network called <paramref name="name"/> (case-insensitive), or an error listing the valid names.</summary>
    public static NetworkParams Get(string name) =>
        TryGet(name, out var network)
            ? network
            : throw new ArgumentException($"unknown network '{name}'; valid networks: {string.Join(", ", Names)}", nameof(name));

    public static bool TryGet(string? name, out NetworkParams network)
    {
        network = Networks.All.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return network is not null;
    }

    public override string ToString() => Name;
}
