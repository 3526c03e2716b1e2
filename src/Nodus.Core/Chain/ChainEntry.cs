using System.Numerics;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// One header in the <see cref="ChainIndex"/> (Bitcoin's CBlockIndex): its height, the cumulative work of the chain
/// ending here, whether its body is stored, and a skip pointer that makes ancestor lookups logarithmic.
/// </summary>
public sealed class ChainEntry
{
    internal ChainEntry(BlockHeader header, Hash256 hash, ChainEntry? parent, long sequence)
    {
        Header = header;
        Hash = hash;
        Parent = parent;
        Height = parent is null ? 0 : parent.Height + 1;
        ChainWork = (parent?.ChainWork ?? BigInteger.Zero) + ProofOfWork.GetBlockWork(header.Bits);
        Sequence = sequence;
        Skip = parent?.GetAncestor(GetSkipHeight(Height));
    }

    public BlockHeader Header { get; }
    public Hash256 Hash { get; }
    public ChainEntry? Parent { get; }
    public int Height { get; }

    /// <summary>Sum of the work of this block and all its ancestors: the chain with the most wins.</summary>
    public BigInteger ChainWork { get; }

    /// <summary>Order in which headers were first seen; breaks ties between chains of equal work.</summary>
    public long Sequence { get; }

    /// <summary>The block body has been validated and stored.</summary>
    public bool HasBody { get; internal set; }

    /// <summary>This block and every ancestor have bodies: the chain up to here can be the active chain.</summary>
    public bool HasChainBodies { get; internal set; }

    /// <summary>This block, or an ancestor, broke a rule; it and its descendants are never the best chain.</summary>
    public bool IsInvalid { get; internal set; }

    public uint Time => Header.Time;

    internal ChainEntry? Skip { get; }
    internal List<ChainEntry>? Children { get; set; }

    /// <summary>Median of the timestamps of this block and its 10 predecessors (BIP 113's median time past).</summary>
    /// <remarks>Kept once known: it depends only on headers that never change, and a node asks for it at least twice
    /// per block (its child's header, then its child's body), each time a walk over eleven entries.</remarks>
    public long GetMedianTimePast() => _medianTimePast >= 0 ? _medianTimePast : _medianTimePast = ComputeMedianTimePast();

    private long _medianTimePast = -1; // a header time is unsigned: -1 means not yet computed

    private long ComputeMedianTimePast()
    {
        Span<uint> times = stackalloc uint[ConsensusLimits.MedianTimeSpan];
        int n = 0;
        for (var e = this; e is not null && n < times.Length; e = e.Parent) times[n++] = e.Time;
        times = times[..n];
        times.Sort();
        return times[n / 2];
    }

    /// <summary>The ancestor at <paramref name="height"/> (this entry at its own height), via skip pointers as Bitcoin's GetAncestor.</summary>
    public ChainEntry? GetAncestor(int height)
    {
        if (height > Height || height < 0) return null;
        var walk = this;
        int heightWalk = Height;
        while (heightWalk > height)
        {
            int heightSkip = GetSkipHeight(heightWalk);
            int heightSkipPrev = GetSkipHeight(heightWalk - 1);
            if (walk.Skip is not null && (heightSkip == height ||
                (heightSkip > height && !(heightSkipPrev < heightSkip - 2 && heightSkipPrev >= height))))
            {
                walk = walk.Skip;
                heightWalk = heightSkip;
            }
            else
            {
                walk = walk.Parent!;
                heightWalk--;
            }
        }
        return walk;
    }

    private static int InvertLowestOne(int n) => n & (n - 1);

    /// <summary>Bitcoin's GetSkipHeight: any height links to a lower one chosen so that walks take O(log n) steps.</summary>
    private static int GetSkipHeight(int height) =>
        height < 2 ? 0 : (height & 1) != 0 ? InvertLowestOne(InvertLowestOne(height - 1)) + 1 : InvertLowestOne(height);

    public override string ToString() => $"{Hash} @{Height}";
}
