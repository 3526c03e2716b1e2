using FsCheck.Xunit;
using Nodus.Core.Discovery;
using Xunit;

namespace Nodus.Core.Tests.Discovery;

public sealed class AddressManagerTests
{
    internal const long T0 = 1_700_000_000 * Time.Second;
    private const ushort Port = 8333;

    internal static AddressKey V4(int a, int b, int c, int d, ushort port = Port) =>
        AddressKey.FromIPv4((uint)(a << 24 | b << 16 | c << 8 | d), port);

    /// <summary>A routable address in group 20+g/16 (g &lt; 70·256) with host part h.</summary>
    internal static AddressKey InGroup(int group, int host) => V4(20 + group / 256, group % 256, host >> 8 & 255, host & 255);

    private static AddressManager New(int seed = 1, AddressManagerOptions? options = null) =>
        new(options ?? AddressManagerOptions.Default, NetworkGroups.Internet, new Random(seed));

    private static bool Add(AddressManager m, AddressKey a, AddressKey source, long now = T0, long? seen = null) =>
        m.Add(a, 1, seen ?? now - Time.Hour, source, 2 * Time.Hour, now);

    [Fact]
    public void Add_RoutableAddress_GoesToNewTable()
    {
        var m = New();
        Assert.True(Add(m, V4(50, 1, 2, 3), V4(60, 1, 1, 1)));
        Assert.Equal(1, m.NewCount);
        Assert.Equal(0, m.TriedCount);
        var info = m.Find(V4(50, 1, 2, 3))!;
        Assert.Equal(T0 - 3 * Time.Hour, info.Time); // announced an hour ago, minus the 2 h penalty
        Assert.Null(m.CheckConsistency());
    }

    [Fact]
    public void Add_UnroutableAddress_IsRefused()
    {
        var m = New();
        Assert.False(Add(m, V4(10, 0, 0, 1), V4(60, 1, 1, 1)));
        Assert.False(Add(m, V4(127, 0, 0, 1), V4(60, 1, 1, 1)));
        Assert.Equal(0, m.Count);
    }

    [Fact]
    public void Add_SelfAnnouncement_HasNoTimePenalty()
    {
        var m = New();
        Add(m, V4(50, 1, 2, 3), V4(50, 1, 2, 3), seen: T0);
        Assert.Equal(T0, m.Find(V4(50, 1, 2, 3))!.Time);
    }

    [Property(MaxTest = 20)]
    public bool NewBuckets_OneSourceGroup_ReachAtMost64Buckets(int seed)
    {
        var m = New(seed);
        var rng = new Random(seed);
        var buckets = new HashSet<int>();
        var source = InGroup(rng.Next(1000), rng.Next(65536));
        for (int i = 0; i < 3000; i++) buckets.Add(m.NewBucket(InGroup(rng.Next(17000), rng.Next(65536)), source));
        return buckets.Count <= AddressManagerOptions.DefaultNewBucketsPerSourceGroup;
    }

    [Fact]
    public void Flood_FromFewSourceGroups_FillsBoundedShareOfNewTable()
    {
        var m = New(7);
        var rng = new Random(7);
        var sources = Enumerable.Range(0, 4).Select(g => InGroup(g, 1)).ToArray();
        for (int i = 0; i < 20_000; i++) Add(m, InGroup(100 + rng.Next(10_000), rng.Next(65536)), sources[i % 4]);
        var usedBuckets = Enumerable.Range(0, 5000).Select(_ => InGroup(100 + rng.Next(10_000), rng.Next(65536)))
            .SelectMany(a => sources.Select(s => m.NewBucket(a, s))).ToHashSet();
        Assert.True(usedBuckets.Count <= 4 * 64);
        // 4 source groups × 64 buckets × 64 slots = at most a quarter of the 65,536 slots.
        Assert.True(m.NewSlotsUsed <= 4 * 64 * 64, $"{m.NewSlotsUsed} slots");
        Assert.Null(m.CheckConsistency());
    }

    [Fact]
    public void Add_SameAddressFromManySources_AtMost8NewReferences()
    {
        var m = New(3);
        var a = V4(50, 1, 2, 3);
        for (int i = 0; i < 2000; i++)
            m.Add(a, 1, T0 + i * Time.Second, InGroup(i, 7), 0, T0 + i * Time.Second);
        var info = m.Find(a)!;
        Assert.InRange(info.RefCount, 2, AddressManagerOptions.DefaultNewBucketsPerAddress);
        Assert.Null(m.CheckConsistency());
    }

    [Property(MaxTest = 30)]
    public bool RandomOperations_KeepTablesConsistent_AndRefCountsBounded(int seed)
    {
        var options = AddressManagerOptions.Small with { NewBucketsPerAddress = 4 };
        var m = New(seed, options);
        var rng = new Random(seed);
        long now = T0;
        var known = new List<AddressKey>();
        for (int step = 0; step < 1500; step++)
        {
            now += rng.Next(1, 600) * Time.Second;
            int op = rng.Next(10);
            if (op < 6 || known.Count == 0)
            {
                var a = InGroup(rng.Next(40), rng.Next(64));
                known.Add(a);
                m.Add(a, 1, now - rng.Next(0, 40) * Time.Day, InGroup(rng.Next(40), 1), 2 * Time.Hour, now);
            }
            else if (op < 8) m.Good(known[rng.Next(known.Count)], now, testBeforeEvict: rng.Next(2) == 0);
            else if (op < 9) m.Attempt(known[rng.Next(known.Count)], true, now);
            else m.ResolveCollisions(now);
            if (m.All.Any(i => i.RefCount > options.NewBucketsPerAddress)) return false;
        }
        return m.CheckConsistency() is null && m.NewSlotsUsed <= options.NewCapacity && m.TriedCount <= options.TriedCapacity;
    }

    [Fact]
    public void Good_MovesToTried_AndResetsAttempts()
    {
        var m = New();
        var a = V4(50, 1, 2, 3);
        Add(m, a, V4(60, 1, 1, 1));
        m.Attempt(a, true, T0);
        Assert.Equal(1, m.Find(a)!.Attempts);
        Assert.True(m.Good(a, T0 + Time.Second));
        var info = m.Find(a)!;
        Assert.True(info.InTried);
        Assert.Equal(0, info.Attempts);
        Assert.Equal(0, info.RefCount);
        Assert.Equal((0, 1), (m.NewCount, m.TriedCount));
        Assert.Null(m.CheckConsistency());
    }

    /// <summary>Finds two addresses that share a tried slot, so collisions can be tested.</summary>
    private static (AddressKey, AddressKey) TriedCollision(AddressManager m)
    {
        var seen = new Dictionary<(int, int), AddressKey>();
        for (int i = 0; ; i++)
        {
            var a = InGroup(i % 50, i);
            int b = m.TriedBucket(a);
            var slot = (b, m.BucketPosition(false, b, a));
            if (seen.TryGetValue(slot, out var other)) return (other, a);
            seen[slot] = a;
        }
    }

    [Fact]
    public void Good_TriedSlotTaken_WaitsForTestBeforeEvict()
    {
        var m = New(5, AddressManagerOptions.Small);
        var (old, fresh) = TriedCollision(m);
        Add(m, old, V4(60, 1, 1, 1));
        Add(m, fresh, V4(61, 1, 1, 1));
        Assert.True(m.Good(old, T0));
        Assert.False(m.Good(fresh, T0 + Time.Minute));
        Assert.Equal(1, m.PendingCollisions);
        Assert.Equal(old, m.SelectTriedCollision()!.Address);

        // The occupant answered within 4 hours: it stays, the newcomer stays new.
        m.ResolveCollisions(T0 + 2 * Time.Minute);
        Assert.Equal(0, m.PendingCollisions);
        Assert.True(m.Find(old)!.InTried);
        Assert.False(m.Find(fresh)!.InTried);
        Assert.Null(m.CheckConsistency());
    }

    [Fact]
    public void ResolveCollisions_OccupantFailedItsTest_NewcomerTakesTheSlot()
    {
        var m = New(5, AddressManagerOptions.Small);
        var (old, fresh) = TriedCollision(m);
        Add(m, old, V4(60, 1, 1, 1));
        Add(m, fresh, V4(61, 1, 1, 1));
        m.Good(old, T0);
        long later = T0 + 5 * Time.Hour;
        m.Good(fresh, later);
        m.Attempt(old, true, later + Time.Minute);       // the feeler to the occupant fails
        m.ResolveCollisions(later + 3 * Time.Minute);
        Assert.True(m.Find(fresh)!.InTried);
        Assert.False(m.Find(old)!.InTried);              // evicted back to new, not forgotten
        Assert.Null(m.CheckConsistency());
    }

    [Fact]
    public void IsTerrible_FutureOldOrFailing_AreDroppedFromSelectionAndGetAddr()
    {
        var m = New();
        var future = V4(50, 1, 1, 1);
        var ancient = V4(51, 1, 1, 1);
        var failing = V4(52, 1, 1, 1);
        var fine = V4(53, 1, 1, 1);
        m.Add(future, 1, T0 + Time.Hour, future, 0, T0);
        m.Add(ancient, 1, T0 - 31 * Time.Day, ancient, 0, T0);
        m.Add(failing, 1, T0, failing, 0, T0);
        m.Add(fine, 1, T0, fine, 0, T0);
        for (int i = 0; i < 3; i++) { m.Good(fine, T0 + i); m.Attempt(failing, true, T0 + i); }
        long now = T0 + 2 * Time.Minute;
        Assert.True(m.Find(future)!.IsTerrible(now));
        Assert.True(m.Find(ancient)!.IsTerrible(now));
        Assert.True(m.Find(failing)!.IsTerrible(now));
        Assert.False(m.Find(fine)!.IsTerrible(now));
        for (int i = 0; i < 200; i++) Assert.Equal(fine, m.Select(false, now)!.Address);
        Assert.Equal([fine], m.GetAddresses(0, 0, now).Select(i => i.Address));
    }

    [Property(MaxTest = 25)]
    public bool Select_NeverReturnsExcludedOrTerrible(int seed)
    {
        var m = New(seed);
        var rng = new Random(seed);
        var banned = new HashSet<AddressKey>();
        for (int i = 0; i < 300; i++)
        {
            var a = InGroup(rng.Next(200), rng.Next(65536));
            m.Add(a, 1, T0 - rng.Next(0, 45) * Time.Day, InGroup(rng.Next(200), 1), 0, T0);
            if (rng.Next(4) == 0) banned.Add(a);
            if (rng.Next(5) == 0) m.Good(a, T0);
        }
        for (int i = 0; i < 200; i++)
        {
            var s = m.Select(rng.Next(3) == 0, T0 + Time.Hour, info => banned.Contains(info.Address));
            if (s is not null && (banned.Contains(s.Address) || s.IsTerrible(T0 + Time.Hour))) return false;
        }
        return true;
    }

    [Fact]
    public void Select_EverythingExcluded_ReturnsNull()
    {
        var m = New();
        for (int i = 0; i < 50; i++) Add(m, InGroup(i, 1), InGroup(i, 2));
        Assert.Null(m.Select(false, T0, _ => true));
    }

    [Fact]
    public void Select_NewOnly_NeverReturnsTried()
    {
        var m = New();
        for (int i = 0; i < 100; i++) { Add(m, InGroup(i, 1), InGroup(i, 2)); if (i % 2 == 0) m.Good(InGroup(i, 1), T0); }
        for (int i = 0; i < 300; i++) Assert.False(m.Select(true, T0 + Time.Hour)!.InTried);
    }

    [Fact]
    public void Select_RecentlyFailed_IsChosenLessOften()
    {
        var m = New(11);
        var good = InGroup(1, 1);
        var bad = InGroup(2, 1);
        Add(m, good, InGroup(1, 2));
        Add(m, bad, InGroup(2, 2));
        m.Good(InGroup(9, 9), T0); // lets failures count
        for (int i = 0; i < 2; i++) m.Attempt(bad, true, T0 + i);
        int badPicks = Enumerable.Range(0, 2000).Count(_ => m.Select(false, T0 + 5 * Time.Minute)!.Address == bad);
        Assert.InRange(badPicks, 1, 300); // chance 0.01 × 0.66² vs 1, with the 1.2× escalation
    }

    [Property(MaxTest = 15)]
    public bool GetAddresses_NeverExceedsCaps(int seed, ushort extra)
    {
        var m = New(seed);
        var rng = new Random(seed);
        int n = 500 + extra % 15_000;
        for (int i = 0; i < n; i++) Add(m, InGroup(rng.Next(17000), rng.Next(65536)), InGroup(rng.Next(17000), 1));
        var reply = m.GetAddresses(AddressManager.GetAddrMax, AddressManager.GetAddrMaxPercent, T0);
        return reply.Count <= AddressManager.GetAddrMax
            && reply.Count <= m.Count * AddressManager.GetAddrMaxPercent / 100
            && reply.Select(i => i.Address).Distinct().Count() == reply.Count;
    }

    [Fact]
    public void SnapshotRestore_RoundTrip_KeepsEntriesKeyAndPlacement()
    {
        var m = New(21);
        var rng = new Random(21);
        for (int i = 0; i < 2000; i++) Add(m, InGroup(rng.Next(3000), rng.Next(65536)), InGroup(rng.Next(3000), 1));
        foreach (var info in m.All.Take(300).ToList()) m.Good(info.Address, T0, testBeforeEvict: false);
        m.Attempt(m.All.First().Address, true, T0 + 1);
        var snapshot = m.Snapshot();

        var restored = New(99);
        restored.Restore(snapshot);
        Assert.Equal(m.Key, restored.Key);
        Assert.Equal(m.Count, restored.Count);
        Assert.Equal(m.TriedCount, restored.TriedCount);
        foreach (var r in snapshot.Entries)
        {
            var info = restored.Find(r.Address)!;
            Assert.Equal(r, AddressRecord.From(info));
        }
        Assert.Null(restored.CheckConsistency());
    }

    [Fact]
    public void SameSeed_SameOperations_SameChoices()
    {
        static List<AddressKey> Run()
        {
            var m = New(42);
            for (int i = 0; i < 500; i++) Add(m, InGroup(i, i), InGroup(i % 7, 1));
            return Enumerable.Range(0, 50).Select(_ => m.Select(false, T0)!.Address)
                .Concat(m.GetAddresses(100, 0, T0).Select(i => i.Address)).ToList();
        }
        Assert.Equal(Run(), Run());
    }
}
