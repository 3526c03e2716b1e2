using System.Net;

namespace Nodus.Core.Discovery;

/// <summary>One address-book entry as persisted.</summary>
public sealed record AddressRecord(
    AddressKey Address, AddressKey Source, ulong Services, long Time, long LastTry, long LastSuccess, int Attempts, bool InTried)
{
    public static AddressRecord From(AddressInfo i) =>
        new(i.Address, i.Source, i.Services, i.Time, i.LastTry, i.LastSuccess, i.Attempts, i.InTried);
}

/// <summary>The whole address book: the secret bucketing key and every entry.</summary>
public sealed record AddressBookSnapshot(ulong Key0, ulong Key1, IReadOnlyList<AddressRecord> Entries);

/// <summary>A manual ban or a discouragement, over a subnet, until a time (core microseconds).</summary>
public sealed record BanEntry(SubNet SubNet, long Created, long Until);

/// <summary>
/// Where the discovery state survives restarts: the address book, manual bans and the anchors (the block-relay-only
/// peers at the last shutdown). The real runtime uses SQLite (Nodus.Net.Storage.SqliteAddressStore), the simulator
/// <see cref="MemoryAddressStore"/>. Every save replaces the previous state atomically.
/// </summary>
public interface IAddressStore
{
    AddressBookSnapshot? LoadAddressBook();
    void SaveAddressBook(AddressBookSnapshot snapshot);
    IReadOnlyList<BanEntry> LoadBans();
    void SaveBans(IReadOnlyList<BanEntry> bans);
    IReadOnlyList<IPEndPoint> LoadAnchors();
    void SaveAnchors(IReadOnlyList<IPEndPoint> anchors);
}

/// <summary>An address store in memory (simulator, tests): state survives a node restart within one process.</summary>
public sealed class MemoryAddressStore : IAddressStore
{
    private AddressBookSnapshot? _book;
    private IReadOnlyList<BanEntry> _bans = [];
    private IReadOnlyList<IPEndPoint> _anchors = [];

    public int AddressBookSaves { get; private set; }

    public AddressBookSnapshot? LoadAddressBook() => _book;
    public void SaveAddressBook(AddressBookSnapshot snapshot)
    {
        _book = snapshot with { Entries = [.. snapshot.Entries] };
        AddressBookSaves++;
    }
    public IReadOnlyList<BanEntry> LoadBans() => _bans;
    public void SaveBans(IReadOnlyList<BanEntry> bans) => _bans = [.. bans];
    public IReadOnlyList<IPEndPoint> LoadAnchors() => _anchors;
    public void SaveAnchors(IReadOnlyList<IPEndPoint> anchors) => _anchors = [.. anchors];
}
