using Nodus.Sim.Engine;
using Xunit;

namespace Nodus.Sim.Tests;

public class EventQueueTests
{
    [Fact]
    public void TryDequeue_MixedTimes_ReturnsByTimeThenSchedulingOrder()
    {
        var q = new EventQueue();
        q.Schedule(30, new SimEvent(EventKind.Timer, 0, -1, null, 0));
        q.Schedule(10, new SimEvent(EventKind.Timer, 1, -1, null, 0));
        q.Schedule(30, new SimEvent(EventKind.Timer, 2, -1, null, 0));
        q.Schedule(10, new SimEvent(EventKind.Timer, 3, -1, null, 0));
        q.Schedule(20, new SimEvent(EventKind.Timer, 4, -1, null, 0));

        var order = new List<(long, int)>();
        while (q.TryDequeue(out var e, out long t)) order.Add((t, e.Node));

        Assert.Equal([(10L, 1), (10L, 3), (20L, 4), (30L, 0), (30L, 2)], order);
    }

    [Fact]
    public void TryDequeue_ManyRandomEvents_NeverGoesBackInTime()
    {
        var q = new EventQueue();
        var random = new Random(7);
        for (int i = 0; i < 10_000; i++) q.Schedule(random.Next(1000), new SimEvent(EventKind.Timer, i, -1, null, 0));
        long last = -1;
        int lastNode = -1;
        while (q.TryDequeue(out var e, out long t))
        {
            Assert.True(t > last || (t == last && e.Node > lastNode), "time, then insertion order");
            last = t;
            lastNode = e.Node;
        }
    }
}
