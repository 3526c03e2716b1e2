using System.Diagnostics;
using System.Net;
using Nodus.Core;
using Nodus.Core.Discovery;
using Nodus.Net.Storage;
using Xunit;

namespace Nodus.Net.Tests.Storage;

public sealed class SqliteAddressStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nodus-addr-").FullName;
    private string DbPath => System.IO.Path.Combine(_dir, SqliteAddressStore.DefaultFileName);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A book of <paramref name="count"/> entries whose attempts all equal <paramref name="generation"/>.</summary>
    internal static AddressBookSnapshot Book(int count, int generation) => new(0x0123456789abcdef, 0xfedcba9876543210 ^ (ulong)generation,
        Enumerable.Range(0, count).Select(i => new AddressRecord(
            AddressKey.FromIPv4((uint)(0x2A000000 + i * 7919), (ushort)(8333 + i % 3)),
            i % 2 == 0 ? AddressKey.From(IPAddress.Parse("2a01:4f8::1"), 0) : AddressKey.FromIPv4(0x2B000001, 0),
            (ulong)i << 40 | 9, 1_700_000_000 * Time.Second + i, i * 3L, i * 5L, generation, i % 4 == 0)).ToList());

    [Fact]
    public void AddressBook_RoundTrip_ThroughTheFile()
    {
        var book = Book(3000, generation: 2);
        using (var store = SqliteAddressStore.Open(DbPath)) store.SaveAddressBook(book);
        using var reopened = SqliteAddressStore.Open(DbPath);
        var loaded = reopened.LoadAddressBook()!;
        Assert.Equal((book.Key0, book.Key1), (loaded.Key0, loaded.Key1));
        Assert.Equal(book.Entries.OrderBy(e => e.Address), loaded.Entries.OrderBy(e => e.Address));
    }

    [Fact]
    public void EmptyStore_HasNoBook_NoBans_NoAnchors()
    {
        using var store = SqliteAddressStore.Open(DbPath);
        Assert.Null(store.LoadAddressBook());
        Assert.Empty(store.LoadBans());
        Assert.Empty(store.LoadAnchors());
    }

    [Fact]
    public void BansAndAnchors_RoundTrip_AndSavesReplace()
    {
        var bans = new[]
        {
            new BanEntry(SubNet.Parse("1.2.3.0/24")!.Value, 10, 20),
            new BanEntry(SubNet.Parse("2001:db8::/32")!.Value, 11, 21),
            new BanEntry(SubNet.Parse("9.9.9.9")!.Value, 12, 22),
        };
        var anchors = new[] { IPEndPoint.Parse("1.2.3.4:8333"), IPEndPoint.Parse("[2a01::5]:18444") };
        using (var store = SqliteAddressStore.Open(DbPath))
        {
            store.SaveBans(bans);
            store.SaveAnchors(anchors);
        }
        using (var store = SqliteAddressStore.Open(DbPath))
        {
            Assert.Equal(bans, store.LoadBans());
            Assert.Equal(anchors, store.LoadAnchors());
            store.SaveBans(bans[1..]);
            store.SaveAnchors([]);
        }
        using var last = SqliteAddressStore.Open(DbPath);
        Assert.Equal(bans[1..], last.LoadBans());
        Assert.Empty(last.LoadAnchors());
    }

    [Fact]
    public void AddressManager_RestoredFromSqlite_KeepsPlacementAndState()
    {
        var random = new Random(5);
        var manager = new AddressManager(AddressManagerOptions.Default, NetworkGroups.Internet, random);
        long now = 1_700_000_000 * Time.Second;
        for (int i = 0; i < 5000; i++)
            manager.Add(AddressKey.FromIPv4((uint)(0x2A000000 + i * 104_729), 8333), 1, now, AddressKey.FromIPv4((uint)(0x30000000 + i % 50 * 65536), 0), 0, now);
        foreach (var info in manager.All.Take(500).ToList()) manager.Good(info.Address, now, testBeforeEvict: false);
        using (var store = SqliteAddressStore.Open(DbPath)) store.SaveAddressBook(manager.Snapshot());

        using var reopened = SqliteAddressStore.Open(DbPath);
        var restored = new AddressManager(AddressManagerOptions.Default, NetworkGroups.Internet, new Random(99));
        restored.Restore(reopened.LoadAddressBook()!);
        Assert.Equal(manager.Key, restored.Key);
        Assert.Equal(manager.Count, restored.Count);
        Assert.Equal(manager.TriedCount, restored.TriedCount);
        Assert.Null(restored.CheckConsistency());
        foreach (var info in manager.All)
            Assert.Equal(AddressRecord.From(info), AddressRecord.From(restored.Find(info.Address)!));
    }

    [Fact]
    public async Task KilledWriter_RestartsWithAWholeBook()
    {
        for (int round = 0; round < 3; round++)
        {
            using var child = Process.Start(Tests.ChildProcessEntry.StartInfo(AddressBookWriterChild.Role, DbPath))!;
            int lastSaved = 0;
            try
            {
                // Kill after a few saves, at a moment that falls somewhere inside the next one.
                while (lastSaved < 2 + round)
                {
                    var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                    Assert.NotNull(line);
                    lastSaved = int.Parse(line!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                await Task.Delay(7 * round);
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
            using var store = SqliteAddressStore.Open(DbPath);
            var book = store.LoadAddressBook()!;
            Assert.Equal(AddressBookWriterChild.Entries, book.Entries.Count);
            int generation = book.Entries[0].Attempts;
            Assert.True(generation >= lastSaved, $"book of generation {generation}, but {lastSaved} was committed");
            Assert.All(book.Entries, e => Assert.Equal(generation, e.Attempts));
            Assert.Equal(0xfedcba9876543210 ^ (ulong)generation, book.Key1);
        }
    }
}
