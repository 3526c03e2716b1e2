using System.Threading.Channels;
using Nodus.Sim.Trace;

namespace Nodus.Web.Live;

/// <summary>
/// Fans the live events out to every open page, and keeps the current picture (nodes, links, cut, latest stats,
/// recent blocks) so a page that connects later starts from a snapshot and then follows the stream without a gap.
/// </summary>
public sealed class EventHub
{
    /// <summary>Events a slow page may fall behind by; past it the page is dropped and reconnects to a fresh snapshot.</summary>
    public const int SubscriberQueueCapacity = 20_000;

    /// <summary>Recent block and transaction arrivals kept for a new page's propagation charts.</summary>
    public const int RecentArrivals = 4_000;

    /// <summary>Pages watching at once; a bound so the server's memory stays bounded.</summary>
    public const int MaxSubscribers = 64;

    private readonly Lock _lock = new();
    private readonly List<Channel<TraceEvent>> _subscribers = [];
    private readonly Dictionary<string, NodeAdded> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), LinkOpened> _links = [];
    private readonly Queue<TraceEvent> _recent = new();
    private readonly TraceStarted _started;
    private NetworkCut? _cut;
    private StatsSnapshot? _stats;

    public EventHub(TraceStarted started) => _started = started;

    public int NodeCount { get { lock (_lock) return _nodes.Count; } }

    public void Publish(TraceEvent e)
    {
        lock (_lock)
        {
            Apply(e);
            for (int i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (_subscribers[i].Writer.TryWrite(e)) continue;
                _subscribers[i].Writer.TryComplete(); // too slow: it reconnects and gets a snapshot
                _subscribers.RemoveAt(i);
            }
        }
    }

    /// <summary>A new page: the snapshot to draw first, then every later event; null when too many pages watch.</summary>
    public (IReadOnlyList<TraceEvent> Snapshot, ChannelReader<TraceEvent> Events, Action Unsubscribe)? Subscribe()
    {
        var channel = Channel.CreateBounded<TraceEvent>(new BoundedChannelOptions(SubscriberQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; Publish then drops the page
        });
        lock (_lock)
        {
            if (_subscribers.Count >= MaxSubscribers) return null;
            _subscribers.Add(channel);
            return (Snapshot(), channel.Reader, () => { lock (_lock) _subscribers.Remove(channel); });
        }
    }

    /// <summary>The events that rebuild the current picture, in an order a page can apply.</summary>
    public IReadOnlyList<TraceEvent> Snapshot()
    {
        lock (_lock)
        {
            var list = new List<TraceEvent>(_nodes.Count + _links.Count + _recent.Count + 3) { _started };
            list.AddRange(_nodes.Values);
            list.AddRange(_links.Values);
            if (_cut is not null) list.Add(_cut);
            list.AddRange(_recent);
            if (_stats is not null) list.Add(_stats);
            return list;
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
    }

    private void Apply(TraceEvent e)
    {
        switch (e)
        {
            case NodeAdded n: _nodes[n.Node] = n; break;
            case NodeRemoved r:
                _nodes.Remove(r.Node);
                foreach (var key in _links.Keys.Where(k => k.Item1 == r.Node || k.Item2 == r.Node).ToList()) _links.Remove(key);
                break;
            case LinkOpened l: _links[(l.From, l.To)] = l; break;
            case LinkClosed c: _links.Remove((c.From, c.To)); break;
            case NetworkCut cut: _cut = cut; break;
            case NetworkHealed: _cut = null; break;
            case StatsSnapshot s: _stats = s; break;
            case BlockArrived or TransactionArrived:
                _recent.Enqueue(e);
                if (_recent.Count > RecentArrivals) _recent.Dequeue();
                break;
        }
    }
}
