namespace Nodus.Core.Chain;

/// <summary>
/// The four networks. Our own (main, test, regtest) have their own magic, ports and genesis so that a Nodus node
/// never talks to a Bitcoin node by mistake; bitcoin-regtest copies Bitcoin Core's regtest for interoperability.
/// <para>
/// Magics: 0xD1/0xD2/0xD3 followed by "NDS"/"NDT"/"NDR". The high first byte is rarely valid ASCII or UTF-8, as
/// with Bitcoin's own magics. Ports: main 8650, test 18650, regtest 28650; RPC is the P2P port + 1 (bitcoin-regtest
/// uses Bitcoin's 18444 and 18443 so that Bitcoin tooling finds it).
/// </para>
/// <para>
/// Difficulty: regtest networks never retarget (fixed 0x207fffff: about 2 hashes per block, as Bitcoin's regtest).
/// main and test use Bitcoin's retarget rule (every interval, new target = old × actual / expected timespan,
/// clamped to a factor of 4, capped at the limit) scaled to shorter periods: main 60 s blocks retargeted every
/// 1,440 blocks (one day), test 30 s blocks every 120 blocks (one hour). The limits are CPU-friendly: test's
/// 0x1f00ffff needs about 65,000 hashes (tens of milliseconds), main's 0x1e0fffff about a million.
/// </para>
/// <para>
/// Seeds: main and test list DNS seeds under the reserved ".example" domain (RFC 2606) as placeholders until real
/// seeders exist; they can never resolve to someone else's host. No fixed seeds yet; regtest has none by design.
/// </para>
/// </summary>
public static class Networks
{
    /// <summary>Bitcoin's initial subsidy, 50 coins; halving every 210,000 blocks (150 on regtest), as Bitcoin.</summary>
    private const long FiftyCoins = 50 * ConsensusLimits.Coin;
    private const int MainHalvingInterval = 210_000;
    private const int RegtestHalvingInterval = 150;

    /// <summary>Bitcoin's regtest (and our regtest's) minimum difficulty.</summary>
    public const uint RegtestPowLimitBits = 0x207fffff;
    public const uint TestPowLimitBits = 0x1f00ffff;
    public const uint MainPowLimitBits = 0x1e0fffff;

    // Genesis nonces were mined once (Miner.Grind from nonce 0, see NetworksTests) and pinned with the resulting hashes.
    public const uint MainGenesisTime = 1764000000;
    public const uint MainGenesisNonce = 931453;
    public const string MainGenesisHash = "00000068f991b0f2af5596cb3ce97f08967d9fd3d492b574ccfab10b6f8067a6";
    public const uint TestGenesisTime = 1764000000;
    public const uint TestGenesisNonce = 12140;
    public const string TestGenesisHash = "00006804f99038255358035af543068828f3fb92e6d8ac325cf6d9df4e3badf1";
    public const uint RegtestGenesisTime = 1764000000;
    public const uint RegtestGenesisNonce = 1;
    public const string RegtestGenesisHash = "4fbd1fcbe8e6e7279ecd43e4294c311f189b4042af4bd54e75c80c464bf2ed66";

    public const string MainGenesisMessage = "Nodus main: one protocol core, two runtimes";
    public const string TestGenesisMessage = "Nodus test: one protocol core, two runtimes";
    public const string RegtestGenesisMessage = "Nodus regtest: one protocol core, two runtimes";

    public const string BitcoinRegtestGenesisHash = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";

    public static readonly NetworkParams Main = new()
    {
        Name = "main",
        Magic = 0x53444ed1, // wire bytes d1 4e 44 53
        DefaultPort = 8650,
        DefaultRpcPort = 8651,
        Genesis = GenesisBlock.CreateNodus(MainGenesisMessage, MainGenesisTime, MainGenesisNonce, MainPowLimitBits, FiftyCoins),
        PowLimitBits = MainPowLimitBits,
        TargetSpacingSeconds = 60,
        NoRetargeting = false,
        RetargetInterval = 1_440,
        InitialSubsidy = FiftyCoins,
        SubsidyHalvingInterval = MainHalvingInterval,
        DnsSeeds = ["seed1.nodus.example", "seed2.nodus.example"],
    };

    public static readonly NetworkParams Test = new()
    {
        Name = "test",
        Magic = 0x54444ed2, // d2 4e 44 54
        DefaultPort = 18650,
        DefaultRpcPort = 18651,
        Genesis = GenesisBlock.CreateNodus(TestGenesisMessage, TestGenesisTime, TestGenesisNonce, TestPowLimitBits, FiftyCoins),
        PowLimitBits = TestPowLimitBits,
        TargetSpacingSeconds = 30,
        NoRetargeting = false,
        RetargetInterval = 120,
        InitialSubsidy = FiftyCoins,
        SubsidyHalvingInterval = MainHalvingInterval,
        DnsSeeds = ["testseed1.nodus.example"],
    };

    public static readonly NetworkParams Regtest = new()
    {
        Name = "regtest",
        Magic = 0x52444ed3, // d3 4e 44 52
        DefaultPort = 28650,
        DefaultRpcPort = 28651,
        Genesis = GenesisBlock.CreateNodus(RegtestGenesisMessage, RegtestGenesisTime, RegtestGenesisNonce, RegtestPowLimitBits, FiftyCoins),
        PowLimitBits = RegtestPowLimitBits,
        TargetSpacingSeconds = 600,
        NoRetargeting = true,
        RetargetInterval = 2_016,
        InitialSubsidy = FiftyCoins,
        SubsidyHalvingInterval = RegtestHalvingInterval,
    };

    /// <summary>Bitcoin Core's regtest: magic fa bf b5 da, port 18444 (RPC 18443), genesis of 2011-02-02 with nonce 2.</summary>
    public static readonly NetworkParams BitcoinRegtest = new()
    {
        Name = "bitcoin-regtest",
        Magic = 0xdab5bffa,
        DefaultPort = 18444,
        DefaultRpcPort = 18443,
        Genesis = GenesisBlock.Create(GenesisBlock.BitcoinCoinbaseScript, GenesisBlock.BitcoinOutputScript,
            time: 1296688602, nonce: 2, bits: RegtestPowLimitBits, version: 1, reward: FiftyCoins),
        PowLimitBits = RegtestPowLimitBits,
        TargetSpacingSeconds = 600,
        NoRetargeting = true,
        RetargetInterval = 2_016,
        InitialSubsidy = FiftyCoins,
        SubsidyHalvingInterval = RegtestHalvingInterval,
    };

    public static IReadOnlyList<NetworkParams> All { get; } = [Main, Test, Regtest, BitcoinRegtest];
}
