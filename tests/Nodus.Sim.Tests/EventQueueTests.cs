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

    [Fact]
    public void ScheduleAndDequeueInterleaved_MatchesASortedReference()
    {
        var q = new EventQueue();
        var reference = new SortedSet<(long Time, long Seq, int Node)>();
        var random = new Random(11);
        long seq = 0, now = 0;
        for (int step = 0; step < 50_000; step++)
        {
            if (random.Next(3) > 0 || reference.Count == 0)
            {
                long at = now + random.Next(500); // never before the present, as the simulator schedules
                q.Schedule(at, new SimEvent(EventKind.Timer, step, -1, null, 0));
                reference.Add((at, seq++, step));
            }
            else
            {
                var expected = reference.Min;
                reference.Remove(expected);
                Assert.True(q.TryDequeue(out var e, out long t));
                Assert.Equal((expected.Time, expected.Node), (t, e.Node));
                now = t;
            }
            Assert.Equal(reference.Count, q.Count);
        }
    }
}
