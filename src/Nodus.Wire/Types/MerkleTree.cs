using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>Bitcoin's merkle tree over transaction ids.</summary>
public static class MerkleTree
{
    /// <summary>
    /// The root; <paramref name="mutated"/> is set when two equal hashes are paired at some level, the
    /// CVE-2012-2459 pattern by which two different transaction lists give the same root.
    /// </summary>
    public static Hash256 Root(IReadOnlyList<Hash256> leaves, out bool mutated)
    {
        mutated = false;
        if (leaves.Count == 0) return Hash256.Zero;
        var level = leaves.ToArray();
        Span<byte> pair = stackalloc byte[64];
        int count = level.Length;
        while (count > 1)
        {
            int next = 0;
            for (int i = 0; i < count; i += 2)
            {
                var left = level[i];
                var right = i + 1 < count ? level[i + 1] : left;
                if (i + 1 < count && left == right) mutated = true;
                left.CopyTo(pair);
                right.CopyTo(pair[32..]);
                level[next++] = Sha256d.Hash(pair);
            }
            count = next;
        }
        return level[0];
    }
}
