using Nodus.Wire.Encoding;
using System.Buffers.Binary;

namespace Nodus.Core.Discovery;

/// <summary>
/// The address book (Bitcoin Core's AddrMan, after Heilman et al., "Eclipse attacks on Bitcoin's peer-to-peer
/// network", 2015). Addresses heard of live in the new table; addresses we connected to live in the tried table.
/// Both are fixed arrays of buckets whose slots are chosen by a keyed hash: a new address's bucket depends on its
/// group and on the group of the peer that announced it, so one source group reaches at most
/// <see cref="AddressManagerOptions.NewBucketsPerSourceGroup"/> buckets and an attacker flooding from a few groups
/// can only overwrite a bounded share of the table. Deterministic given its seeded random source and the times it
/// is told; no I/O.
/// </summary>
public sealed class AddressManager
{
    /// <summary>Bitcoin Core's ADDRMAN_GETADDR_MAX_PCT: a getaddr reply holds at most 23% of the table.</summary>
    public const int GetAddrMaxPercent = 23;
    /// <summary>The seeds' getaddr reply size ("a maximum of 2500"), as Bitcoin Core's former ADDRMAN_GETADDR_MAX.</summary>
    public const int GetAddrMax = 2500;
    /// <summary>Bitcoin Core's ADDRMAN_SET_TRIED_COLLISION_SIZE: pending test-before-evict collisions.</summary>
    public const int TriedCollisionSetSize = 10;
    /// <summary>Bitcoin Core's ADDRMAN_REPLACEMENT: a tried entry that succeeded within 4 hours is not evicted.</summary>
    public static readonly long ReplacementWindow = 4 * Time.Hour;
    /// <summary>Bitcoin Core's ADDRMAN_TEST_WINDOW: an unresolved collision is settled for the newcomer after 40 minutes.</summary>
    public static readonly long TestWindow = 40 * Time.Minute;
    /// <summary>Bitcoin Core's ADDRMAN_TRIED_BUCKETS... update intervals in Add_: refresh a known address's time hourly if online.</summary>
    private static readonly long OnlineUpdateInterval = Time.Hour, OfflineUpdateInterval = Time.Day;
    /// <summary>Bitcoin Core's Connected_ update interval: a connected address's time is refreshed at most every 20 minutes.</summary>
    private static readonly long ConnectedUpdateInterval = 20 * Time.Minute;
    /// <summary>Bucket draws in <see cref="Select"/> before it falls back to a linear scan (bounds the random search).</summary>
    private const int MaxSelectDraws = 20_000;

    private readonly AddressManagerOptions _options;
    private readonly Random _random;
    private readonly Dictionary<AddressKey, int> _ids = [];
    private readonly Dictionary<int, AddressInfo> _infos = [];
    private readonly List<int> _randomOrder = [];
    private readonly int[] _new, _tried;
    private readonly int[] _newBucketFill, _triedBucketFill;
    private readonly SortedSet<int> _triedCollisions = [];
    private ulong _k0, _k1;
    private int _nextId;

    public AddressManager(AddressManagerOptions options, NetworkGroups groups, Random random)
    {
        options.Validate();
        _options = options;
        Groups = groups;
        _random = random;
        _k0 = (ulong)random.NextInt64() ^ (ulong)random.Next() << 63;
        _k1 = (ulong)random.NextInt64() ^ (ulong)random.Next() << 63;
        _new = new int[options.NewBucketCount * options.BucketSize];
        _tried = new int[options.TriedBucketCount * options.BucketSize];
        Array.Fill(_new, -1);
        Array.Fill(_tried, -1);
        _newBucketFill = new int[options.NewBucketCount];
        _triedBucketFill = new int[options.TriedBucketCount];
    }

    public AddressManagerOptions Options => _options;
    public NetworkGroups Groups { get; }
    public int Count => _infos.Count;
    public int NewCount { get; private set; }
    public int TriedCount { get; private set; }
    /// <summary>Occupied slots in the new table (an address may hold several).</summary>
    public int NewSlotsUsed { get; private set; }
    public int PendingCollisions => _triedCollisions.Count;

    /// <summary>The secret bucketing key, persisted with the book so a restart keeps the same placement.</summary>
    public (ulong K0, ulong K1) Key => (_k0, _k1);

    public AddressInfo? Find(AddressKey address) =>
        _ids.TryGetValue(address, out int id) ? _infos[id] : null;

    public IEnumerable<AddressInfo> All => _randomOrder.Select(id => _infos[id]);

    // ---------------------------------------------------------------- bucket placement (keyed hashes)

    /// <summary>Bitcoin Core's GetNewBucket: H(addr group, source group) picks one of the source group's buckets.</summary>
    public int NewBucket(AddressKey address, AddressKey source)
    {
        // Without group bucketing (an experiment setting) any address from any source may land in any bucket.
        if (!_options.GroupBucketing) return (int)(HashAddress(7, HashAddress(8, 0, source), address) % (ulong)_options.NewBucketCount);
        ulong sourceGroup = Groups.GroupOf(source);
        ulong h1 = HashWords(1, Groups.GroupOf(address), sourceGroup) % (ulong)_options.NewBucketsPerSourceGroup;
        return (int)(HashWords(2, sourceGroup, h1) % (ulong)_options.NewBucketCount);
    }

    /// <summary>Bitcoin Core's GetTriedBucket: H(addr) picks one of the address group's tried buckets.</summary>
    public int TriedBucket(AddressKey address)
    {
        if (!_options.GroupBucketing) return (int)(HashAddress(9, 0, address) % (ulong)_options.TriedBucketCount);
        ulong h1 = HashAddress(3, 0, address) % (ulong)_options.TriedBucketsPerGroup;
        return (int)(HashWords(4, Groups.GroupOf(address), h1) % (ulong)_options.TriedBucketCount);
    }

    /// <summary>Bitcoin Core's GetBucketPosition: the slot within a bucket, keyed by table, bucket and address.</summary>
    public int BucketPosition(bool isNew, int bucket, AddressKey address) =>
        (int)(HashAddress(isNew ? 5UL : 6UL, (ulong)bucket, address) % (ulong)_options.BucketSize);

    private ulong HashWords(ulong domain, ulong a, ulong b)
    {
        Span<byte> buf = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(buf, domain);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[8..], a);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[16..], b);
        return SipHasher.Hash(_k0, _k1, buf);
    }

    private ulong HashAddress(ulong domain, ulong word, AddressKey address)
    {
        Span<byte> buf = stackalloc byte[34];
        BinaryPrimitives.WriteUInt64LittleEndian(buf, domain);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[8..], word);
        address.Write(buf[16..]);
        return SipHasher.Hash(_k0, _k1, buf);
    }

    private int NewSlot(int bucket, int position) => bucket * _options.BucketSize + position;

    // ---------------------------------------------------------------- adding

    /// <summary>
    /// Bitcoin Core's Add_: records an address announced by <paramref name="source"/>, last seen at
    /// <paramref name="time"/>; the time is lowered by <paramref name="timePenalty"/> unless the source announced
    /// itself. Returns true when the address is new to the table or gained a new-table reference.
    /// </summary>
    public bool Add(AddressKey address, ulong services, long time, AddressKey source, long timePenalty, long now)
    {
        if (!Groups.IsRoutable(address)) return false;
        if (address == source) timePenalty = 0;

        AddressInfo info;
        if (_ids.TryGetValue(address, out int id))
        {
            info = _infos[id];
            // Refresh the last-seen time now and then: hourly for addresses that look online, daily otherwise.
            bool online = now - time < Time.Day;
            long interval = online ? OnlineUpdateInterval : OfflineUpdateInterval;
            if (info.Time < time - interval - timePenalty) info.Time = Math.Max(0, time - timePenalty);
            info.Services |= services;
            if (time <= info.Time) return false;          // nothing newer: do not add references
            if (info.InTried) return false;               // tried entries never go back to new
            if (info.RefCount >= _options.NewBucketsPerAddress) return false;
            // Each further reference is half as likely as the one before (2^refcount), as in Bitcoin Core.
            if (info.RefCount > 0 && _random.Next(1 << info.RefCount) != 0) return false;
        }
        else
        {
            info = Create(address, source, services, Math.Max(0, time - timePenalty));
            id = info.Id;
        }

        int bucket = NewBucket(address, source);
        int slot = NewSlot(bucket, BucketPosition(true, bucket, address));
        int occupant = _new[slot];
        if (occupant == id) return false;
        bool insert = occupant == -1;
        if (!insert)
        {
            var existing = _infos[occupant];
            // Overwrite only a terrible entry, or one that has other references while this address has none.
            insert = existing.IsTerrible(now) || (existing.RefCount > 1 && info.RefCount == 0);
        }
        if (insert)
        {
            ClearNew(bucket, slot);
            info.RefCount++;
            _new[slot] = id;
            _newBucketFill[bucket]++;
            NewSlotsUsed++;
            return true;
        }
        if (info.RefCount == 0) Delete(id);
        return false;
    }

    private AddressInfo Create(AddressKey address, AddressKey source, ulong services, long time)
    {
        int id = _nextId++;
        var info = new AddressInfo(address, source, services, time) { Id = id, RandomPosition = _randomOrder.Count };
        _infos.Add(id, info);
        _ids.Add(address, id);
        _randomOrder.Add(id);
        NewCount++;
        return info;
    }

    private void Delete(int id)
    {
        var info = _infos[id];
        SwapRandom(info.RandomPosition, _randomOrder.Count - 1);
        _randomOrder.RemoveAt(_randomOrder.Count - 1);
        _infos.Remove(id);
        _ids.Remove(info.Address);
        NewCount--;
    }

    private void SwapRandom(int i, int j)
    {
        if (i == j) return;
        (int a, int b) = (_randomOrder[i], _randomOrder[j]);
        _infos[a].RandomPosition = j;
        _infos[b].RandomPosition = i;
        _randomOrder[i] = b;
        _randomOrder[j] = a;
    }

    /// <summary>Empties a new-table slot, deleting its entry when that was its last reference.</summary>
    private void ClearNew(int bucket, int slot)
    {
        int id = _new[slot];
        if (id == -1) return;
        var info = _infos[id];
        info.RefCount--;
        _new[slot] = -1;
        _newBucketFill[bucket]--;
        NewSlotsUsed--;
        if (info.RefCount == 0) Delete(id);
    }

    // ---------------------------------------------------------------- outcomes of connections

    /// <summary>
    /// Bitcoin Core's Good_: we completed a handshake with the address. It moves to the tried table, unless its tried
    /// slot is taken and <paramref name="testBeforeEvict"/> is set: then the collision waits until a feeler tests
    /// the occupant (<see cref="SelectTriedCollision"/>, <see cref="ResolveCollisions"/>). Returns true when moved.
    /// </summary>
    public bool Good(AddressKey address, long now, bool testBeforeEvict = true)
    {
        LastGood = now;
        if (!_ids.TryGetValue(address, out int id)) return false;
        var info = _infos[id];
        info.LastSuccess = now;
        info.LastTry = now;
        info.Attempts = 0;
        // Time is deliberately not updated, so the table does not leak who we are connected to (Bitcoin Core).
        if (info.InTried) return false;

        int bucket = TriedBucket(address);
        int slot = NewSlot(bucket, BucketPosition(false, bucket, address));
        if (testBeforeEvict && _options.TestBeforeEvict && _tried[slot] != -1)
        {
            if (_triedCollisions.Count < TriedCollisionSetSize) _triedCollisions.Add(id);
            return false;
        }
        MakeTried(info, bucket, slot);
        return true;
    }

    private void MakeTried(AddressInfo info, int triedBucket, int triedSlot)
    {
        // Remove every new-table reference (Bitcoin Core scans all buckets; a position is a pure function of them).
        for (int bucket = 0; bucket < _options.NewBucketCount && info.RefCount > 0; bucket++)
        {
            int slot = NewSlot(bucket, BucketPosition(true, bucket, info.Address));
            if (_new[slot] != info.Id) continue;
            _new[slot] = -1;
            _newBucketFill[bucket]--;
            NewSlotsUsed--;
            info.RefCount--;
        }
        NewCount--;

        if (_tried[triedSlot] != -1)
        {
            // Evict the occupant back to the new table, into the bucket its own source chooses.
            var old = _infos[_tried[triedSlot]];
            old.InTried = false;
            _tried[triedSlot] = -1;
            _triedBucketFill[triedBucket]--;
            TriedCount--;
            int newBucket = NewBucket(old.Address, old.Source);
            int newSlot = NewSlot(newBucket, BucketPosition(true, newBucket, old.Address));
            ClearNew(newBucket, newSlot);
            old.RefCount = 1;
            _new[newSlot] = old.Id;
            _newBucketFill[newBucket]++;
            NewSlotsUsed++;
            NewCount++;
        }

        _tried[triedSlot] = info.Id;
        _triedBucketFill[triedBucket]++;
        TriedCount++;
        info.InTried = true;
    }

    /// <summary>
    /// Bitcoin Core's Attempt_: we are dialling the address. A failure is counted at most once per success, and
    /// only when <paramref name="countFailure"/> (the node has other working connections, so the fault is not ours).
    /// </summary>
    public void Attempt(AddressKey address, bool countFailure, long now)
    {
        if (Find(address) is not { } info) return;
        info.LastTry = now;
        if (countFailure && info.LastCountAttempt < LastGood)
        {
            info.LastCountAttempt = now;
            info.Attempts++;
        }
    }

    /// <summary>The last time any address was marked good (Bitcoin Core's m_last_good).</summary>
    public long LastGood { get; private set; } = 1;

    /// <summary>Bitcoin Core's Connected_: a connection to the address just ended cleanly; refresh its last-seen time.</summary>
    public void Connected(AddressKey address, long now)
    {
        if (Find(address) is not { } info) return;
        if (now - info.Time > ConnectedUpdateInterval) info.Time = now;
    }

    public void SetServices(AddressKey address, ulong services)
    {
        if (Find(address) is { } info) info.Services = services;
    }

    // ---------------------------------------------------------------- selection

    /// <summary>
    /// Bitcoin Core's Select_: a random address, tried or new with equal odds (new only for feelers), accepted with a
    /// probability that falls with recent and repeated failures and rises by 1.2× per rejected draw. Never returns a
    /// terrible address, nor one <paramref name="exclude"/> rejects (banned, already connected). Null when none fits.
    /// </summary>
    public AddressInfo? Select(bool newOnly, long now, Func<AddressInfo, bool>? exclude = null)
    {
        if (_infos.Count == 0 || (newOnly && NewCount == 0)) return null;
        bool searchTried = !newOnly && TriedCount > 0 && (NewCount == 0 || _random.Next(2) == 0);
        var table = searchTried ? _tried : _new;
        var fill = searchTried ? _triedBucketFill : _newBucketFill;
        int bucketCount = fill.Length, size = _options.BucketSize;
        double chanceFactor = 1.0;

        for (int draw = 0; draw < MaxSelectDraws; draw++)
        {
            int bucket = _random.Next(bucketCount);
            if (fill[bucket] == 0) continue;
            int start = _random.Next(size), id = -1;
            for (int i = 0; i < size && id == -1; i++) id = table[bucket * size + (start + i) % size];
            var info = _infos[id];
            if (info.IsTerrible(now) || (exclude is not null && exclude(info))) continue;
            if (_random.NextDouble() < chanceFactor * info.Chance(now)) return info;
            chanceFactor *= 1.2;
        }
        // Nearly everything is excluded: scan from a random point so the answer is still random and terminates.
        int n = _randomOrder.Count, offset = _random.Next(n);
        for (int i = 0; i < n; i++)
        {
            var info = _infos[_randomOrder[(offset + i) % n]];
            if (newOnly && info.InTried) continue;
            if (!info.IsTerrible(now) && (exclude is null || !exclude(info))) return info;
        }
        return null;
    }

    /// <summary>The tried-table address whose last connection attempt is oldest (ties: the first in the book's order),
    /// skipping those <paramref name="exclude"/> rejects; null when none is left. A crawler re-tests it
    /// (<see cref="DiscoveryOptions.Crawl"/>). A scan of the book: a crawler calls it about once a second.</summary>
    public AddressInfo? LeastRecentlyTriedInTried(Func<AddressInfo, bool>? exclude = null)
    {
        AddressInfo? oldest = null;
        foreach (int id in _randomOrder)
        {
            var info = _infos[id];
            if (!info.InTried || (oldest is not null && info.LastTry >= oldest.LastTry) || (exclude is not null && exclude(info))) continue;
            oldest = info;
        }
        return oldest;
    }

    /// <summary>
    /// Bitcoin Core's GetAddr_: up to <paramref name="maxAddresses"/> (0: no limit) random addresses, at most
    /// <paramref name="maxPercent"/>% of the table (0: no limit), never a terrible one.
    /// </summary>
    public List<AddressInfo> GetAddresses(int maxAddresses, int maxPercent, long now, Func<AddressInfo, bool>? exclude = null)
    {
        int count = _randomOrder.Count;
        if (maxPercent > 0) count = maxPercent * count / 100;
        if (maxAddresses > 0) count = Math.Min(count, maxAddresses);
        var result = new List<AddressInfo>(count);
        // A partial Fisher-Yates shuffle of the random order, as Bitcoin Core does: no extra allocation per call.
        for (int n = 0; n < _randomOrder.Count && result.Count < count; n++)
        {
            SwapRandom(n, n + _random.Next(_randomOrder.Count - n));
            var info = _infos[_randomOrder[n]];
            if (info.IsTerrible(now) || (exclude is not null && exclude(info))) continue;
            result.Add(info);
        }
        return result;
    }

    // ---------------------------------------------------------------- test-before-evict

    /// <summary>
    /// Bitcoin Core's ResolveCollisions_: settles pending tried-table collisions. The occupant stays when it
    /// succeeded within 4 hours; the newcomer wins when the occupant failed a recent test, or when the test has not
    /// happened within 40 minutes.
    /// </summary>
    public void ResolveCollisions(long now)
    {
        foreach (int idNew in _triedCollisions.ToList())
        {
            bool erase = false;
            if (!_infos.TryGetValue(idNew, out var infoNew) || infoNew.InTried) erase = true;
            else
            {
                int bucket = TriedBucket(infoNew.Address);
                int slot = NewSlot(bucket, BucketPosition(false, bucket, infoNew.Address));
                if (_tried[slot] == -1)
                {
                    MakeTried(infoNew, bucket, slot);
                    erase = true;
                }
                else
                {
                    var old = _infos[_tried[slot]];
                    if (now - old.LastSuccess < ReplacementWindow) erase = true; // occupant is alive: keep it
                    else if (now - old.LastTry < ReplacementWindow)
                    {
                        if (now - old.LastTry > Time.Minute) // tried recently and failed (no success since)
                        {
                            MakeTried(infoNew, bucket, slot);
                            erase = true;
                        }
                    }
                    else if (now - infoNew.LastSuccess > TestWindow)
                    {
                        MakeTried(infoNew, bucket, slot); // the occupant was never tested in time: evict it
                        erase = true;
                    }
                }
            }
            if (erase) _triedCollisions.Remove(idNew);
        }
    }

    /// <summary>Bitcoin Core's SelectTriedCollision_: the tried occupant a feeler should test, or null.</summary>
    public AddressInfo? SelectTriedCollision()
    {
        if (_triedCollisions.Count == 0) return null;
        int idNew = _triedCollisions.ElementAt(_random.Next(_triedCollisions.Count));
        if (!_infos.TryGetValue(idNew, out var infoNew))
        {
            _triedCollisions.Remove(idNew);
            return null;
        }
        int bucket = TriedBucket(infoNew.Address);
        int occupant = _tried[NewSlot(bucket, BucketPosition(false, bucket, infoNew.Address))];
        return occupant == -1 ? null : _infos[occupant];
    }

    // ---------------------------------------------------------------- persistence

    /// <summary>Everything needed to rebuild the book after a restart: the key and every entry.</summary>
    public AddressBookSnapshot Snapshot() => new(_k0, _k1, _randomOrder.Select(id => AddressRecord.From(_infos[id])).ToList());

    /// <summary>
    /// Rebuilds the book from a snapshot (into an empty manager). Tried entries return to their tried slot (or to new
    /// when the table shrank and they collide); new entries to the bucket their source chooses, one reference each,
    /// as Bitcoin Core does when it cannot reuse the stored bucket layout.
    /// </summary>
    public void Restore(AddressBookSnapshot snapshot)
    {
        if (_infos.Count != 0) throw new InvalidOperationException("restore into an empty address manager");
        (_k0, _k1) = (snapshot.Key0, snapshot.Key1);
        foreach (var r in snapshot.Entries.OrderByDescending(r => r.InTried))
        {
            if (!Groups.IsRoutable(r.Address) || _ids.ContainsKey(r.Address)) continue;
            LastGood = Math.Max(LastGood, r.LastSuccess);
            var info = Create(r.Address, r.Source, r.Services, r.Time);
            info.LastTry = r.LastTry;
            info.LastSuccess = r.LastSuccess;
            info.LastCountAttempt = r.LastTry;
            info.Attempts = r.Attempts;
            if (r.InTried)
            {
                int tb = TriedBucket(r.Address);
                int ts = NewSlot(tb, BucketPosition(false, tb, r.Address));
                if (_tried[ts] == -1)
                {
                    NewCount--;
                    _tried[ts] = info.Id;
                    _triedBucketFill[tb]++;
                    TriedCount++;
                    info.InTried = true;
                    continue;
                }
            }
            int bucket = NewBucket(r.Address, r.Source);
            int slot = NewSlot(bucket, BucketPosition(true, bucket, r.Address));
            if (_new[slot] == -1)
            {
                _new[slot] = info.Id;
                _newBucketFill[bucket]++;
                NewSlotsUsed++;
                info.RefCount = 1;
            }
            else Delete(info.Id);
        }
    }

    // ---------------------------------------------------------------- invariants (tests)

    /// <summary>Bitcoin Core's CheckAddrman: verifies the tables agree with the entries. Returns null when consistent.</summary>
    public string? CheckConsistency()
    {
        var refs = new Dictionary<int, int>();
        for (int slot = 0; slot < _new.Length; slot++)
        {
            int id = _new[slot];
            if (id == -1) continue;
            if (!_infos.TryGetValue(id, out var info)) return $"new slot {slot} points at missing entry {id}";
            if (info.InTried) return $"tried entry {info} referenced from new slot {slot}";
            int bucket = slot / _options.BucketSize;
            if (BucketPosition(true, bucket, info.Address) != slot % _options.BucketSize) return $"{info} at wrong position";
            refs[id] = refs.GetValueOrDefault(id) + 1;
        }
        int tried = 0;
        for (int slot = 0; slot < _tried.Length; slot++)
        {
            int id = _tried[slot];
            if (id == -1) continue;
            if (!_infos.TryGetValue(id, out var info) || !info.InTried) return $"tried slot {slot} holds a non-tried entry";
            if (TriedBucket(info.Address) != slot / _options.BucketSize) return $"{info} in wrong tried bucket";
            tried++;
        }
        foreach (var info in _infos.Values)
        {
            if (info.InTried) continue;
            if (refs.GetValueOrDefault(info.Id) != info.RefCount) return $"{info} refcount {info.RefCount} != {refs.GetValueOrDefault(info.Id)}";
            if (info.RefCount is < 1) return $"{info} has no reference";
            if (info.RefCount > _options.NewBucketsPerAddress) return $"{info} in {info.RefCount} new buckets";
        }
        if (tried != TriedCount || _infos.Count - tried != NewCount) return "counts disagree";
        if (refs.Values.Sum() != NewSlotsUsed) return "new slot count disagrees";
        for (int i = 0; i < _randomOrder.Count; i++)
            if (_infos[_randomOrder[i]].RandomPosition != i) return "random order index broken";
        return _ids.Count == _infos.Count ? null : "address index broken";
    }
}
