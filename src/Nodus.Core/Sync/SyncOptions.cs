namespace Nodus.Core.Sync;

/// <summary>Headers-first block download limits (DESIGN.md "block download"; Bitcoin Core net_processing.cpp).</summary>
public sealed record SyncOptions
{
    /// <summary>Bitcoin Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER.</summary>
    public const int DefaultMaxBlocksInFlightPerPeer = 16;

    /// <summary>Bitcoin Core's BLOCK_DOWNLOAD_WINDOW: how far past the active tip blocks are requested.</summary>
    public const int DefaultDownloadWindow = 1024;

    /// <summary>Bitcoin Core's MAX_BLOCKS_TO_ANNOUNCE: more new blocks than this are announced by inv of the tip.</summary>
    public const int MaxBlocksToAnnounce = 8;

    /// <summary>Bitcoin Core's DEFAULT_MAX_TIP_AGE: a tip older than this means initial block download.</summary>
    public static readonly long MaxTipAge = 24 * Time.Hour;

    /// <summary>Bitcoin Core's MAX_NUM_UNCONNECTING_HEADERS_MSGS: headers that never connect, then misbehaviour.</summary>
    public const int MaxUnconnectingHeaders = 10;

    /// <summary>Bitcoin Core's SHORT_IDS_BLOCKS_VERSION: peers from this protocol version may speak BIP 152.</summary>
    public const int ShortIdsBlocksVersion = 70014;

    /// <summary>Peers asked to push compact blocks to us (high-bandwidth mode): Bitcoin Core's limit of 3 (BIP 152).</summary>
    public const int MaxHighBandwidthPeers = 3;

    /// <summary>
    /// Bitcoin Core's MAX_CMPCTBLOCKS_INFLIGHT_PER_BLOCK (since 26.0): up to 3 peers may rebuild the same compact block
    /// at once, each with its own getblocktxn, so that a slow or stalling first peer does not hold the block up; the
    /// ones after the first must be outbound peers (an attacker cannot open them).
    /// </summary>
    public const int MaxCompactBlocksInFlightPerBlock = 3;

    /// <summary>Bitcoin Core's MAX_CMPCTBLOCK_DEPTH: a getdata MSG_CMPCT_BLOCK deeper than this gets the full block.</summary>
    public const int MaxCompactBlockDepth = 5;

    /// <summary>Bitcoin Core's MAX_BLOCKTXN_DEPTH: a getblocktxn deeper than this gets the full block.</summary>
    public const int MaxBlockTxnDepth = 10;

    /// <summary>
    /// Relay blocks near the tip as BIP 152 compact blocks (on by default, as in Bitcoin Core since 0.13); off, every
    /// block travels whole after a headers announcement, for comparison.
    /// </summary>
    public bool CompactBlocks { get; init; } = true;

    public int MaxBlocksInFlightPerPeer { get; init; } = DefaultMaxBlocksInFlightPerPeer;
    public int DownloadWindow { get; init; } = DefaultDownloadWindow;

    /// <summary>
    /// A requested block not delivered within this time is taken from the peer and asked of others. Bitcoin Core
    /// uses 2 s for the peer that blocks the window and minutes otherwise; one bound keeps this simple and a slow
    /// link can raise it.
    /// </summary>
    public long StallTimeout { get; init; } = 10 * Time.Second;

    /// <summary>A peer whose requests time out this many times is disconnected as stalling.</summary>
    public int MaxStalls { get; init; } = 3;

    /// <summary>A getheaders unanswered this long may be sent again (to this or another peer).</summary>
    public long HeadersTimeout { get; init; } = 2 * Time.Minute;
}
