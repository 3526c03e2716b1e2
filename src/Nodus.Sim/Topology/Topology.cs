namespace Nodus.Sim.Topology;

/// <summary>
/// A connection graph: directed edges "<c>From[i]</c> dials <c>To[i]</c>", so each edge becomes one outbound connection
/// of its source and one inbound connection of its target. No self-loops, at most one edge per unordered pair.
/// </summary>
public sealed class Topology
{
    public Topology(string name, int nodes, int[] from, int[] to)
    {
        if (from.Length != to.Length) throw new ArgumentException("edge arrays differ in length");
        Name = name;
        Nodes = nodes;
        From = from;
        To = to;
    }

    public string Name { get; }
    public int Nodes { get; }
    public int[] From { get; }
    public int[] To { get; }
    public int EdgeCount => From.Length;

    /// <summary>Total degree (in + out) of every node.</summary>
    public int[] Degrees()
    {
        var d = new int[Nodes];
        for (int i = 0; i < From.Length; i++)
        {
            d[From[i]]++;
            d[To[i]]++;
        }
        return d;
    }

    public int[] OutDegrees()
    {
        var d = new int[Nodes];
        foreach (int f in From) d[f]++;
        return d;
    }

    public int[] InDegrees()
    {
        var d = new int[Nodes];
        foreach (int t in To) d[t]++;
        return d;
    }

    /// <summary>Adjacency lists (both directions) in compressed form: neighbours of v are Targets[Offsets[v]..Offsets[v+1]].</summary>
    public (int[] Offsets, int[] Targets) Adjacency()
    {
        var degree = Degrees();
        var offsets = new int[Nodes + 1];
        for (int v = 0; v < Nodes; v++) offsets[v + 1] = offsets[v] + degree[v];
        var fill = (int[])offsets.Clone();
        var targets = new int[offsets[Nodes]];
        for (int i = 0; i < From.Length; i++)
        {
            targets[fill[From[i]]++] = To[i];
            targets[fill[To[i]]++] = From[i];
        }
        return (offsets, targets);
    }

    internal static long PairKey(int a, int b) => a < b ? ((long)a << 32) | (uint)b : ((long)b << 32) | (uint)a;
}
