using Nodus.Sim.Metrics;
using Xunit;

namespace Nodus.Sim.Tests;

public class SourceEstimatorsTests
{
    [Fact]
    public void Score_AllCorrectDistinctGuesses_PrecisionAndRecallOne()
    {
        var (precision, recall) = SourceEstimators.Score([(0, 0), (1, 1), (2, 2), (3, 3)]);
        Assert.Equal(1.0, precision);
        Assert.Equal(1.0, recall);
    }

    [Fact]
    public void Score_GuessesPiledOnOneNode_PrecisionDividedByPile()
    {
        // Four transactions (sources 0..3), all attributed to node 0: only X_0 is right, and node 0 holds 4 guesses.
        var (precision, recall) = SourceEstimators.Score([(0, 0), (1, 0), (2, 0), (3, 0)]);
        Assert.Equal(0.25, recall);
        Assert.Equal(1.0 / 4 / 4, precision, 12);
    }

    [Fact]
    public void Score_NoGuesses_CountAsWrong()
    {
        var (precision, recall) = SourceEstimators.Score([(0, -1), (1, 1), (2, -1), (3, 2)]);
        Assert.Equal(0.25, recall);
        Assert.Equal(0.25, precision);
    }

    [Fact]
    public void Score_UniformRandomGuessing_RecallNearOneOverN()
    {
        var random = new Random(3);
        const int n = 2000;
        var mapping = Enumerable.Range(0, n).Select(v => (v, random.Next(n))).ToArray();
        var (precision, recall) = SourceEstimators.Score(mapping);
        Assert.InRange(recall, 0, 5.0 / n);
        Assert.True(precision <= recall);
    }

    private static BroadcastTracker.Item Item(int nodes, int source, params (int Node, int From, long Time)[] arrivals)
    {
        var tracker = new BroadcastTracker(nodes);
        int id = tracker.Track("tx", source, 0);
        foreach (var (node, from, time) in arrivals) tracker.Record(id, node, from, time);
        return tracker.Items[id];
    }

    [Fact]
    public void FirstSpy_EarliestSpyArrival_NamesItsDeliverer()
    {
        // Path 0 → 1 → 2 (spy, t=20) and 0 → 3 → 4 → 5 (spy, t=30): the first spy (2) got it from 1.
        var item = Item(6, source: 0, (1, 0, 10), (2, 1, 20), (3, 0, 12), (4, 3, 25), (5, 4, 30));
        var spies = new[] { false, false, true, false, false, true };
        Assert.Equal(1, SourceEstimators.FirstSpy(item, spies));
    }

    [Fact]
    public void FirstSpy_SpyNextToSource_NamesTheSource()
    {
        var item = Item(4, source: 2, (1, 2, 5), (0, 1, 9), (3, 0, 14));
        Assert.Equal(2, SourceEstimators.FirstSpy(item, [false, true, false, true]));
    }

    [Fact]
    public void FirstSpy_NoSpyReached_ReturnsMinusOne()
    {
        var item = Item(3, source: 0, (1, 0, 5));
        Assert.Equal(-1, SourceEstimators.FirstSpy(item, [false, false, true]));
    }

    [Fact]
    public void FirstTimestamp_EarliestAnnouncement_Wins()
    {
        var stamps = new Dictionary<int, long> { [4] = 300, [7] = 120, [1] = 450 };
        Assert.Equal(7, SourceEstimators.FirstTimestamp(stamps));
        Assert.Equal(-1, SourceEstimators.FirstTimestamp(new Dictionary<int, long>()));
    }

    [Fact]
    public void FirstSpy_SyntheticDiffusionOnALine_RecallTracksSpyDensity()
    {
        // Synthetic arrivals on a line 0-1-2-…-(n-1), each source spreading both ways one hop per time unit. A spy
        // adjacent to the source names the true source; this happens for every source with a spy next to it.
        const int n = 1000;
        var random = new Random(11);
        var spies = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.2).ToArray();
        var mapping = new List<(int, int)>();
        for (int s = 0; s < n; s++)
        {
            if (spies[s]) continue;
            var tracker = new BroadcastTracker(n);
            int id = tracker.Track("tx", s, 0);
            for (int v = 0; v < n; v++)
                if (v != s) tracker.Record(id, v, v < s ? v + 1 : v - 1, Math.Abs(v - s) * 10 + (v < s ? 1 : 0));
            mapping.Add((s, SourceEstimators.FirstSpy(tracker.Items[id], spies)));
        }
        var (_, recall) = SourceEstimators.Score(mapping);
        // P(a spy neighbour) = 1 - 0.8² = 0.36 for inner nodes.
        Assert.InRange(recall, 0.30, 0.42);
    }
}
