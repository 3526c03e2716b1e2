using Nodus.Core;

namespace Nodus.Sim.Metrics;

/// <summary>
/// First arrival of each tracked broadcast item (a transaction, a block, a completed handshake) at every node, and
/// who delivered it: the raw data for coverage, latency, fairness and the source estimators.
/// </summary>
public sealed class BroadcastTracker
{
    /// <summary>Bounds memory: each item costs 12 bytes per node.</summary>
    public const int MaxItems = 100_000;

    private readonly int _nodes;
    private readonly List<Item> _items = [];
    private readonly Dictionary<string, int> _byKey = new(StringComparer.Ordinal);

    public BroadcastTracker(int nodes) => _nodes = nodes;

    public int Count => _items.Count;
    public IReadOnlyList<Item> Items => _items;

    public int Track(string key, int source, long origin)
    {
        if (_items.Count >= MaxItems) throw new InvalidOperationException($"more than {MaxItems} tracked items");
        var item = new Item(key, source, origin, _nodes);
        _byKey[key] = _items.Count;
        _items.Add(item);
        if (source >= 0) item.Record(source, -1, origin);
        return _items.Count - 1;
    }

    public int Find(string key) => _byKey.GetValueOrDefault(key, -1);

    /// <summary>Records that <paramref name="node"/> got item <paramref name="item"/> from <paramref name="from"/>; false when not its first.</summary>
    public bool Record(int item, int node, int from, long time) => _items[item].Record(node, from, time);

    public sealed class Item
    {
        internal Item(string key, int source, long origin, int nodes)
        {
            Key = key;
            Source = source;
            Origin = origin;
            Arrival = new long[nodes];
            Array.Fill(Arrival, Time.Never);
            DeliveredBy = new int[nodes];
            Array.Fill(DeliveredBy, -1);
        }

        public string Key { get; }
        public int Source { get; }
        public long Origin { get; }
        /// <summary>First arrival per node, <see cref="Time.Never"/> if it never came.</summary>
        public long[] Arrival { get; }
        /// <summary>The neighbour that delivered the first copy, -1 for the source or if none.</summary>
        public int[] DeliveredBy { get; }
        public int Reached { get; private set; }

        internal bool Record(int node, int from, long time)
        {
            if (Arrival[node] != Time.Never) return false;
            Arrival[node] = time;
            DeliveredBy[node] = from;
            Reached++;
            return true;
        }
    }
}
