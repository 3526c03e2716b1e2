namespace Nodus.Core.Chain;

/// <summary>
/// Block and transaction limits of Bitcoin's context-free checks (consensus/consensus.h, validation.cpp). Nodus mines
/// blocks within them so that Bitcoin's CheckBlock accepts them on bitcoin-regtest.
/// </summary>
public static class ConsensusLimits
{
    /// <summary>MAX_BLOCK_WEIGHT (BIP 141): base size × 3 + total size.</summary>
    public const int MaxBlockWeight = 4_000_000;

    /// <summary>WITNESS_SCALE_FACTOR (BIP 141): the base (non-witness) size limit is MaxBlockWeight / 4 = 1,000,000 bytes.</summary>
    public const int WitnessScaleFactor = 4;

    /// <summary>The legacy 1 MB block size, as Bitcoin's CheckBlock applies it to the block stripped of witnesses.</summary>
    public const int MaxBlockBaseSize = MaxBlockWeight / WitnessScaleFactor;

    /// <summary>MAX_BLOCK_SIGOPS_COST (BIP 141); legacy sigops count 4 each, so at most 20,000 per block.</summary>
    public const int MaxBlockSigOpsCost = 80_000;

    /// <summary>Legacy signature operations per block: MaxBlockSigOpsCost / WitnessScaleFactor.</summary>
    public const int MaxBlockLegacySigOps = MaxBlockSigOpsCost / WitnessScaleFactor;

    /// <summary>Coinbase scriptSig length bounds in Bitcoin's CheckTransaction ("bad-cb-length").</summary>
    public const int MinCoinbaseScriptLength = 2;
    public const int MaxCoinbaseScriptLength = 100;

    /// <summary>MAX_MONEY: 21 million coins of 100,000,000 base units; outputs above it are invalid.</summary>
    public const long MaxMoney = 21_000_000L * Coin;
    public const long Coin = 100_000_000;

    /// <summary>MAX_FUTURE_BLOCK_TIME (chain.h): a header may be at most 2 hours ahead of our clock.</summary>
    public const long MaxFutureBlockTimeSeconds = 2 * 60 * 60;

    /// <summary>Blocks in the median-time-past window (chain.h, nMedianTimeSpan).</summary>
    public const int MedianTimeSpan = 11;

    /// <summary>After BIP 34/66/65 Bitcoin refuses header versions below 4 ("bad-version"); all are active from height 1 on regtest.</summary>
    public const int MinBlockVersion = 4;

    /// <summary>Bitcoin Core's miner reserves this much weight for the coinbase (DEFAULT_BLOCK_RESERVED_WEIGHT's former 4000).</summary>
    public const int CoinbaseReservedWeight = 4_000;

    /// <summary>Sigops the miner reserves for the coinbase (BlockAssembler::resetBlock: 400 cost = 100 legacy).</summary>
    public const int CoinbaseReservedSigOps = 100;
}
