namespace Nodus.Sim.Topology;

/// <summary>
/// A random d-regular graph by the configuration model: every node gets d half-edges, the half-edges are paired at
/// random, and each self-loop or duplicate pair is repaired by a random double-edge swap with another pair (which
/// keeps every degree at exactly d). Each edge is then oriented at random (who dialled whom).
/// </summary>
public static class RandomRegular
{
    /// <summary>Stops a hopeless repair (e.g. d ≥ n) instead of looping forever.</summary>
    private const int MaxSwapAttemptsPerEdge = 10_000;

    public static Topology Generate(int nodes, int degree, Random random)
    {
        if (degree < 1 || degree >= nodes) throw new ArgumentException($"degree {degree} impossible for {nodes} nodes");
        if ((long)nodes * degree % 2 != 0) throw new ArgumentException("nodes × degree must be even");
        int m = nodes * degree / 2;
        var stubs = new int[nodes * degree];
        for (int i = 0; i < stubs.Length; i++) stubs[i] = i / degree;
        random.Shuffle(stubs);

        var a = new int[m];
        var b = new int[m];
        var count = new Dictionary<long, int>(m); // multiset of pairs: a repaired pair must not duplicate any other
        var bad = new List<int>();
        for (int k = 0; k < m; k++)
        {
            a[k] = stubs[2 * k];
            b[k] = stubs[2 * k + 1];
            long key = Topology.PairKey(a[k], b[k]);
            int c = count.GetValueOrDefault(key);
            count[key] = c + 1;
            if (a[k] == b[k] || c > 0) bad.Add(k);
        }
        foreach (int k in bad)
        {
            if (a[k] != b[k] && count[Topology.PairKey(a[k], b[k])] == 1) continue; // fixed by an earlier swap
            int attempts = 0;
            while (true)
            {
                if (++attempts > MaxSwapAttemptsPerEdge) throw new InvalidOperationException("could not repair the pairing");
                int j = random.Next(m);
                // (p, q), (r, s) → (p, r), (q, s): every degree is unchanged.
                int p = a[k], q = b[k], r = a[j], s = b[j];
                if (j == k || p == r || q == s) continue;
                long e1 = Topology.PairKey(p, r), e2 = Topology.PairKey(q, s);
                if (e1 == e2 || count.GetValueOrDefault(e1) > 0 || count.GetValueOrDefault(e2) > 0) continue;
                Decrement(count, Topology.PairKey(p, q));
                Decrement(count, Topology.PairKey(r, s));
                count[e1] = 1;
                count[e2] = 1;
                a[k] = p; b[k] = r; a[j] = q; b[j] = s;
                break;
            }
        }
        for (int k = 0; k < m; k++)
            if (random.Next(2) == 1) (a[k], b[k]) = (b[k], a[k]);
        return new Topology($"random-{degree}-regular", nodes, a, b);
    }

    private static void Decrement(Dictionary<long, int> count, long key)
    {
        if (--count[key] == 0) count.Remove(key);
    }
}
