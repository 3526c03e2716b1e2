using Nodus.Core.Chain;
using Nodus.Core.Peers;
using Nodus.Core.Sync;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Mining;

/// <summary>
/// Produces blocks on the node's tip: on demand (RPC generate) and, with a mining interval, as a Poisson process
/// whose mean gap is the interval — block discovery by proof of work is memoryless, so exponential gaps are what a
/// real network sees. Transactions come from the mempool through <see cref="TemplateSource"/>.
/// </summary>
public sealed class BlockProducer : INodeBehaviour
{
    /// <summary>Nonces tried per grind call before the extra nonce changes; bounds one call's work.</summary>
    private const long AttemptsPerGrind = 1L << 32;

    /// <summary>RPC generate refuses more than this many blocks per call, so one call cannot block the node for long.</summary>
    public const int MaxGenerate = 10_000;

    private readonly NodeContext _context;
    private readonly BlockSync _sync;
    private readonly BlockAssembler _assembler;
    private long? _meanInterval;
    private long _nextBlockAt = Time.Never;
    private ulong _extraNonce;

    public BlockProducer(NodeContext context, BlockSync sync)
    {
        _context = context;
        _sync = sync;
        _assembler = new BlockAssembler(sync.Chain.Network);
        // A random start keeps two miners with the same payout and clock from building the very same block.
        _extraNonce = (ulong)context.Random.NextInt64();
    }

    /// <summary>Transactions to include, best first (the mempool's); none when unset.</summary>
    public Func<IEnumerable<Transaction>> TemplateSource { get; set; } = () => [];

    /// <summary>Where the coinbase pays (default anyone-can-spend OP_TRUE, convenient on test networks).</summary>
    public byte[]? PayoutScript { get; set; }

    public long NextWakeup => _nextBlockAt;

    public long BlocksMined { get; private set; }

    /// <summary>Starts (interval in microseconds) or stops (null) mining on a timer.</summary>
    public void SetInterval(long? meanInterval, long now)
    {
        if (meanInterval is <= 0) throw new ArgumentOutOfRangeException(nameof(meanInterval), "the mining interval must be positive");
        _meanInterval = meanInterval;
        _nextBlockAt = meanInterval is { } mean ? now + NextGap(mean) : Time.Never;
    }

    public void OnTimer(long now)
    {
        if (_meanInterval is not { } mean || now < _nextBlockAt) return;
        Generate(1, now);
        _nextBlockAt = now + NextGap(mean);
    }

    /// <summary>Mines <paramref name="count"/> blocks on the tip, one after another, and returns their hashes.</summary>
    public List<Hash256> Generate(int count, long now)
    {
        if (count < 0 || count > MaxGenerate) throw new ArgumentOutOfRangeException(nameof(count), $"generate takes 0 to {MaxGenerate} blocks");
        var hashes = new List<Hash256>(count);
        for (int i = 0; i < count; i++)
        {
            var block = Mine(now);
            var result = _sync.SubmitBlock(block, now);
            if (!result.IsValid) throw new InvalidOperationException($"mined block rejected: {result.Reason}");
            hashes.Add(block.GetHash());
            BlocksMined++;
        }
        return hashes;
    }

    private Block Mine(long now)
    {
        while (true)
        {
            var block = _assembler.Create(_sync.Chain.Tip, now, TemplateSource(), PayoutScript, ++_extraNonce);
            var header = block.Header;
            if (Miner.Grind(ref header, AttemptsPerGrind, out _) == MiningStatus.Found)
            {
                block.Header = header;
                return block;
            }
        }
    }

    private long NextGap(long mean)
    {
        double u = 1.0 - _context.Random.NextDouble(); // (0, 1]
        return Math.Max(1, (long)(-Math.Log(u) * mean));
    }

    public void OnPeerReady(Peer peer, long now) { }
    public void OnPeerClosed(Peer peer, long now) { }
    public bool OnMessage(Peer peer, IMessage message, long now) => false;
}
