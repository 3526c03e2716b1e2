namespace Nodus.Wire.Tests;

/// <summary>Published byte vectors, with where each comes from.</summary>
internal static class Vectors
{
    public const uint MainnetMagic = 0xd9b4bef9; // f9 be b4 d9 on the wire
    public const uint RegtestMagic = 0xdab5bffa; // fa bf b5 da on the wire

    /// <summary>The coinbase of both genesis blocks (Bitcoin Core chainparams.cpp CreateGenesisBlock).</summary>
    public const string GenesisCoinbaseHex =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054" +
        "696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420" +
        "666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61" +
        "deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

    /// <summary>Mainnet genesis header: time 1231006505, bits 0x1d00ffff, nonce 2083236893.</summary>
    public const string MainnetGenesisHeaderHex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3" +
        "888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    /// <summary>Regtest genesis header: time 1296688602, bits 0x207fffff, nonce 2.</summary>
    public const string RegtestGenesisHeaderHex =
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3" +
        "888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000";

    public const string MainnetGenesisBlockHex = MainnetGenesisHeaderHex + "01" + GenesisCoinbaseHex;
    public const string RegtestGenesisBlockHex = RegtestGenesisHeaderHex + "01" + GenesisCoinbaseHex;

    /// <summary>
    /// A mainnet P2SH-P2WPKH spend with one witness input (rust-bitcoin's transaction tests, "segwit_transaction"):
    /// txid f5864806…, wtxid 80b7d8a8…, weight 442.
    /// </summary>
    public const string SegwitTxHex =
        "02000000000101595895ea20179de87052b4046dfe6fd515860505d6511a9004cf12a1f93cac7c0100000000ffffffff01deb807000000" +
        "000017a9140f3444e271620c736808aa7b33e370bd87cb5a078702483045022100fb60dad8df4af2841adc0346638c16d0b8035f5e3f37" +
        "53b88db122e70c79f9370220756e6633b17fd2710e626347d28d60b0a2d6cbb41de51740644b9fb3ba7751040121028fa937ca8cba2197" +
        "a37c007176ed8941055d3bcb8627d085e94553e62f057dcc00000000";
    public const string SegwitTxId = "f5864806e3565c34d1b41e716f72609d00b55ea5eac5b924c9719a842ef42206";
    public const string SegwitTxWitnessId = "80b7d8a82d5d5bf92905b06f2014dd699e03837ca172e3a59d51426ebbe3e7f5";

    /// <summary>
    /// The version message example of the Bitcoin protocol documentation (a /Satoshi:0.9.3/ node, protocol 70002),
    /// used verbatim by many Bitcoin libraries' tests: mainnet magic, 101-byte payload, checksum 5f1a69d2.
    /// </summary>
    public const string VersionFrameHex =
        "f9beb4d976657273696f6e0000000000650000005f1a69d2" +
        "721101000100000000000000bc8f5e5400000000010000000000000000000000000000000000ffffc61b6409208d01000000000000000000" +
        "0000000000000000ffffcb0071c0208d128035cbc97953f80f2f5361746f7368693a302e392e332fcf05050001";

    /// <summary>verack on mainnet: empty payload, checksum 5df6e0e2 = SHA-256d of nothing.</summary>
    public const string VerackFrameHex = "f9beb4d976657261636b000000000000000000005df6e0e2";

    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);
}
