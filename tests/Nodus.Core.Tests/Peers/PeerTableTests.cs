using Nodus.Core.Peers;
using Xunit;

namespace Nodus.Core.Tests.Peers;

public sealed class PeerTableTests
{
    private sealed record Item(PeerId Id, int Serial);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PeerTable_RandomAddsAndRemoves_MatchDictionaryLookupsAndIterationOrder(int seed)
    {
        // The behaviours iterate their peers to draw random timers; the table must iterate exactly as the Dictionary
        // it replaced (free slots reused last-freed first), or simulations would change.
        var random = new Random(seed);
        var table = new PeerTable<Item>();
        var reference = new Dictionary<PeerId, Item>();
        long nextId = 0;
        for (int step = 0; step < 2_000; step++)
        {
            int op = random.Next(10);
            if (op < 5 || reference.Count == 0)
            {
                var item = new Item(new PeerId(++nextId), step);
                table[item.Id] = item;
                reference[item.Id] = item;
            }
            else if (op < 8)
            {
                var victim = reference.Keys.ElementAt(random.Next(reference.Count));
                Assert.True(table.Remove(victim, out var removed));
                Assert.Equal(victim, removed.Id);
                reference.Remove(victim);
            }
            else
            {
                var id = new PeerId(random.Next(1, (int)nextId + 2));
                Assert.Equal(reference.TryGetValue(id, out var expected), table.TryGetValue(id, out var actual));
                Assert.Same(expected, actual);
            }
            Assert.Equal(reference.Count, table.Count);
            Assert.Equal(reference.Values, table.Values);
        }
    }

    [Fact]
    public void PeerTable_PastTheIndexThreshold_FindsEveryPeerInDictionaryOrder_AndAfterTrimStartsOver()
    {
        var table = new PeerTable<Item>();
        var reference = new Dictionary<PeerId, Item>();
        void Add(int i)
        {
            var item = new Item(new PeerId(i), i);
            table[item.Id] = item;
            reference[item.Id] = item;
        }
        int n = PeerTable<Item>.IndexThreshold * 3;
        for (int i = 1; i <= n; i++) Add(i);
        for (int i = 1; i <= n; i += 2)
        {
            Assert.True(table.Remove(new PeerId(i)));
            reference.Remove(new PeerId(i));
        }
        Add(n + 1); // takes the last freed slot, as the Dictionary does
        for (int i = 0; i <= n + 2; i++)
        {
            Assert.Equal(reference.TryGetValue(new PeerId(i), out var expected), table.TryGetValue(new PeerId(i), out var actual));
            Assert.Same(expected, actual);
        }
        Assert.Equal(reference.Values, table.Values);

        foreach (var item in table.Values.ToList()) table.Remove(item.Id);
        table.TrimIfEmpty();
        table[new PeerId(7)] = new Item(new PeerId(7), 7);
        Assert.True(table.ContainsKey(new PeerId(7)));
        Assert.False(table.ContainsKey(new PeerId(8)));
    }

    [Fact]
    public void PeerTable_ChangedWhileIterating_Throws()
    {
        var table = new PeerTable<Item>();
        table[new PeerId(1)] = new Item(new PeerId(1), 0);
        table[new PeerId(2)] = new Item(new PeerId(2), 0);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var item in table) table.Remove(item.Id);
        });
    }
}
