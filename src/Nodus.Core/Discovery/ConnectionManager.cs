using Nodus.Wire.Encoding;
using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;

namespace Nodus.Core.Discovery;

/// <summary>
/// Outbound connection policy and inbound admission (Bitcoin Core's ThreadOpenConnections, ThreadDNSAddressSeed and
/// AttemptToEvictConnection). Keeps 8 full-relay and 2 block-relay-only outbound connections to addresses chosen
/// from the address manager, at most one per network group; opens a feeler about every 2 minutes to test a new-table
/// address (or a tried-table collision) and closes it after the handshake (a node serving a DNS seed crawls instead:
/// <see cref="DiscoveryOptions.Crawl"/>); reconnects first to the anchors (the
/// block-relay-only peers at the last shutdown); asks the seed nodes for addresses (addr-fetch connections) and falls
/// back to DNS seeds, then hard-coded seeds, when the book is empty. With --connect it makes no automatic connections.
/// </summary>
public sealed class ConnectionManager : INodeBehaviour
{
    /// <summary>Bitcoin Core's ThreadOpenConnections waits 500 ms between connection attempts.</summary>
    public static readonly long OpenConnectionInterval = 500 * Time.Millisecond;
    /// <summary>Bitcoin Core's FEELER_INTERVAL: mean time between feeler connections (exponentially distributed).</summary>
    public static readonly long FeelerInterval = 2 * Time.Minute;
    /// <summary>A dial the runtime never answered is forgotten after this (Bitcoin Core's connect timeout is 5 s).</summary>
    public static readonly long DialTimeout = 30 * Time.Second;
    /// <summary>Bitcoin Core's DNSSEEDS_DELAY_FEW_PEERS / DNSSEEDS_DELAY_MANY_PEERS and DNSSEEDS_DELAY_PEER_THRESHOLD.</summary>
    public static readonly long DnsSeedDelayFewPeers = 11 * Time.Second, DnsSeedDelayManyPeers = 5 * Time.Minute;
    public const int DnsSeedDelayPeerThreshold = 1000;
    /// <summary>Bitcoin Core's SEED_OUTBOUND_CONNECTION_THRESHOLD: skip DNS seeds once 2 outbound peers are up.</summary>
    public const int SeedOutboundThreshold = 2;
    /// <summary>Bitcoin Core adds the fixed seeds when the address book is still empty after 60 s.</summary>
    public static readonly long FixedSeedsDelay = 60 * Time.Second;
    /// <summary>Bitcoin Core's ThreadDNSAddressSeed takes at most 32 addresses from one seed (256 in older versions), so that
    /// one seed's answer cannot dominate the address book; a UDP answer holds about 30 anyway.</summary>
    public const int MaxAddressesPerSeed = 32;
    /// <summary>Bitcoin Core's DUMP_PEERS_INTERVAL: the address book is written every 15 minutes (and at shutdown).</summary>
    public static readonly long DumpInterval = 15 * Time.Minute;
    /// <summary>Bitcoin Core's MAX_BLOCK_RELAY_ONLY_ANCHORS.</summary>
    public const int MaxAnchors = 2;
    /// <summary>Bitcoin Core's ThreadOpenConnections: 100 selections per attempt; recently tried addresses only after 30,
    /// non-default ports only after 50.</summary>
    private const int MaxSelectTries = 100, RecentTryThreshold = 30, OtherPortThreshold = 50;
    private static readonly long RecentTryWindow = 10 * Time.Minute;
    /// <summary>Bitcoin Core's SEEDNODE_TIMEOUT: with seed nodes given, the DNS seeds wait this long for their answers.</summary>
    public static readonly long SeedNodeTimeout = 30 * Time.Second;
    /// <summary>Bitcoin Core drops an addr-fetch connection after 10 x AVG_ADDRESS_BROADCAST_INTERVAL (30 s).</summary>
    public static readonly long AddrFetchTimeout = 10 * 30 * Time.Second;
    /// <summary>
    /// Not in Bitcoin Core, which asks each seed node once: while the node has fewer than
    /// <see cref="SeedOutboundThreshold"/> full-relay outbound peers, or fewer addresses than outbound slots, the seed
    /// nodes are asked again this often (Core's AVG_ADDRESS_BROADCAST_INTERVAL). A node that joins a young network gets
    /// at most 23% of the seed node's small, cached book in one reply: possibly nothing it can dial.
    /// </summary>
    public static readonly long AddrFetchRetryInterval = 30 * Time.Second;

    private readonly NodeContext _context;
    private readonly DiscoveryOptions _options;
    private readonly AddressManager _addresses;
    private readonly BanManager _bans;
    private readonly IAddressStore _store;
    private readonly Dictionary<AddressKey, (ConnectionType Type, long Deadline)> _pending = [];
    private readonly HashSet<string> _outstandingSeeds = new(StringComparer.Ordinal);
    private readonly Queue<IPEndPoint> _addrFetches = new(); // bounded: each seed node at most once
    private long _nextAddrFetchRound = Time.Never, _nextAddrFetchExpiry = Time.Never;
    private readonly ulong _groupKey0, _groupKey1;
    private List<IPEndPoint> _anchors = [];
    private long _nextOpen = Time.Never, _nextFeeler = Time.Never, _nextDump = Time.Never;
    private long _dnsSeedsAt = Time.Never, _fixedSeedsAt = Time.Never;
    private bool _fixedSeedsAdded;
    private bool _retestNext; // a crawler alternates: a new address, then a re-test of a tried one

    public ConnectionManager(NodeContext context, DiscoveryOptions options, AddressManager addresses, BanManager bans, IAddressStore store)
    {
        _context = context;
        _options = options;
        _addresses = addresses;
        _bans = bans;
        _store = store;
        _groupKey0 = (ulong)context.Random.NextInt64();
        _groupKey1 = (ulong)context.Random.NextInt64();
    }

    public bool Automatic => _options.AutomaticOutbound;
    public IReadOnlyList<IPEndPoint> PendingAnchors => _anchors;
    public int PendingDials => _pending.Count;

    public long NextWakeup => Math.Min(Math.Min(Math.Min(_nextOpen, _nextDump), Math.Min(_dnsSeedsAt, _fixedSeedsAt)),
        Math.Min(_nextAddrFetchRound, _nextAddrFetchExpiry));

    // ---------------------------------------------------------------- lifecycle

    public void OnStart(long now)
    {
        _nextDump = now + DumpInterval;
        if (!Automatic) return;
        // Anchors are used once: a node that crashes right after restarting does not keep returning to them.
        _anchors = _options.Anchors ? [.. _store.LoadAnchors().Take(MaxAnchors)] : [];
        _store.SaveAnchors([]);
        _nextFeeler = now + Exponential(_options.FeelerInterval);
        _nextOpen = now;
        if (_options.SeedNodes.Count > 0) QueueAddrFetches(now);
        if (_options.UseSeeds)
        {
            if (_options.DnsSeeds.Count > 0)
            {
                // Seed nodes first: Bitcoin Core gives them SEEDNODE_TIMEOUT before it asks the DNS seeds.
                if (_addresses.Count == 0 && _options.SeedNodes.Count > 0) _dnsSeedsAt = now + SeedNodeTimeout;
                else if (_addresses.Count == 0) ResolveDnsSeeds();
                else _dnsSeedsAt = now + (_addresses.Count >= DnsSeedDelayPeerThreshold ? DnsSeedDelayManyPeers : DnsSeedDelayFewPeers);
                if (_options.FixedSeeds.Count > 0) _fixedSeedsAt = now + FixedSeedsDelay;
            }
            else if (_addresses.Count == 0) AddFixedSeeds(now);
        }
    }

    public void OnShutdown(long now)
    {
        SaveAnchors();
        _store.SaveAddressBook(_addresses.Snapshot());
    }

    public void OnTimer(long now)
    {
        if (now >= _nextDump)
        {
            _store.SaveAddressBook(_addresses.Snapshot());
            _nextDump = now + DumpInterval;
        }
        if (now >= _dnsSeedsAt)
        {
            _dnsSeedsAt = Time.Never;
            if (Count(now).FullRelay < SeedOutboundThreshold) ResolveDnsSeeds();
        }
        if (now >= _fixedSeedsAt)
        {
            _fixedSeedsAt = Time.Never;
            if (_addresses.Count == 0) AddFixedSeeds(now);
        }
        if (now >= _nextAddrFetchExpiry) ExpireAddrFetches(now);
        if (Automatic && now >= _nextAddrFetchRound)
        {
            _nextAddrFetchRound = Time.Never;
            if (_addrFetches.Count == 0 && NeedsAddresses(now)) QueueAddrFetches(now);
            else _nextAddrFetchRound = now + AddrFetchRetryInterval;
        }
        if (Automatic && now >= _nextOpen) OpenConnection(now);
    }

    // ---------------------------------------------------------------- addr-fetch (seed nodes)

    private void QueueAddrFetches(long now)
    {
        foreach (var ep in _options.SeedNodes) _addrFetches.Enqueue(ep);
        _nextAddrFetchRound = now + AddrFetchRetryInterval;
        _nextOpen = Math.Min(_nextOpen, now);
    }

    private bool NeedsAddresses(long now) =>
        _addresses.Count < _options.MaxOutboundFullRelay + _options.MaxBlockRelayOnly || Count(now).FullRelay < SeedOutboundThreshold;

    /// <summary>Bitcoin Core's ProcessAddrFetch: one queued seed node, unless we are connected to it already.</summary>
    private bool OpenAddrFetch(OutboundCounts counts, long now)
    {
        while (_addrFetches.TryDequeue(out var ep))
        {
            var key = AddressKey.From(ep);
            if (counts.Addresses.Contains(key) || IsSelf(key) || _bans.IsBannedOrDiscouraged(key, now)) continue;
            _pending[key] = (ConnectionType.AddrFetch, now + DialTimeout);
            _context.Log(LogSeverity.Debug, $"addr-fetch connection to seed node {ep}");
            _context.Dial(ep, ConnectionType.AddrFetch);
            return true;
        }
        return false;
    }

    /// <summary>An addr-fetch peer that has not answered getaddr in time is dropped (Bitcoin Core's SendMessages).</summary>
    private void ExpireAddrFetches(long now)
    {
        _nextAddrFetchExpiry = Time.Never;
        foreach (var peer in _context.Peers.Values.ToList())
        {
            if (peer.ConnectionType != ConnectionType.AddrFetch || peer.State == HandshakeState.Closing) continue;
            long expiry = peer.ConnectedAt + AddrFetchTimeout;
            if (now >= expiry) _context.Close(peer, new DisconnectReason(DisconnectCode.Requested, "addr-fetch connection timeout"));
            else _nextAddrFetchExpiry = Math.Min(_nextAddrFetchExpiry, expiry);
        }
    }

    // ---------------------------------------------------------------- seeds

    private void ResolveDnsSeeds()
    {
        foreach (var host in _options.DnsSeeds) _outstandingSeeds.Add(host);
        _context.Log(LogSeverity.Information, $"querying DNS seeds: {string.Join(", ", _options.DnsSeeds)}");
        _context.ResolveDnsSeeds([.. _options.DnsSeeds]);
    }

    public void OnSeedsResolved(string host, IReadOnlyList<IPAddress> addresses, long now)
    {
        if (!_outstandingSeeds.Remove(host)) return;
        var source = NetworkGroups.InternalSource(host);
        int added = 0;
        foreach (var ip in addresses.Take(MaxAddressesPerSeed))
        {
            // Bitcoin Core dates seed results 3 to 7 days back, so they rank below addresses heard from peers.
            long seen = now - 3 * Time.Day - (long)(_context.Random.NextDouble() * 4 * Time.Day);
            if (_addresses.Add(AddressKey.From(ip, _options.DefaultPort), NodeOptions.NodeNetwork, seen, source, 0, now)) added++;
        }
        _context.Log(LogSeverity.Information, $"DNS seed {host}: {addresses.Count} addresses, {added} new");
        if (_outstandingSeeds.Count == 0 && _addresses.Count == 0) AddFixedSeeds(now);
        _nextOpen = Math.Min(_nextOpen, now);
    }

    private void AddFixedSeeds(long now)
    {
        if (_fixedSeedsAdded || _options.FixedSeeds.Count == 0) return;
        _fixedSeedsAdded = true;
        var source = NetworkGroups.InternalSource("fixedseeds");
        foreach (var ep in _options.FixedSeeds)
        {
            // Bitcoin Core gives fixed seeds a random age of one to two weeks.
            long seen = now - Time.Day * 7 - (long)(_context.Random.NextDouble() * 7 * Time.Day);
            _addresses.Add(AddressKey.From(ep), NodeOptions.NodeNetwork, seen, source, 0, now);
        }
        _context.Log(LogSeverity.Information, $"added {_options.FixedSeeds.Count} hard-coded seed addresses");
        _nextOpen = Math.Min(_nextOpen, now);
    }

    // ---------------------------------------------------------------- outbound

    public readonly record struct OutboundCounts(int FullRelay, int BlockRelay, int Feelers, HashSet<ulong> Groups, HashSet<AddressKey> Addresses);

    /// <summary>Outbound connections open or being dialled, by type, with the network groups they occupy.</summary>
    public OutboundCounts Count(long now)
    {
        int full = 0, block = 0, feelers = 0;
        var groups = new HashSet<ulong>();
        var addresses = new HashSet<AddressKey>();
        foreach (var (key, (type, deadline)) in _pending.ToList())
        {
            if (deadline <= now) { _pending.Remove(key); continue; }
            Tally(type, key);
        }
        foreach (var peer in _context.Peers.Values)
        {
            if (peer.State == HandshakeState.Closing) continue;
            var key = AddressKey.From(peer.Remote);
            addresses.Add(key);
            if (!peer.IsInbound) Tally(peer.ConnectionType, key);
        }
        return new OutboundCounts(full, block, feelers, groups, addresses);

        void Tally(ConnectionType type, AddressKey key)
        {
            addresses.Add(key);
            switch (type)
            {
                case ConnectionType.OutboundFullRelay: full++; break;
                case ConnectionType.BlockRelayOnly: block++; break;
                case ConnectionType.Feeler: feelers++; return; // feelers are short-lived: they hold no group
                case ConnectionType.AddrFetch: return; // as short-lived, and it fills no slot
            }
            groups.Add(_addresses.Groups.GroupOf(key));
        }
    }

    private void OpenConnection(long now)
    {
        _nextOpen = now + OpenConnectionInterval;
        var counts = Count(now);
        if (OpenAddrFetch(counts, now)) return;

        // Anchors first: reconnect to the block-relay-only peers we had at the last shutdown.
        while (_anchors.Count > 0 && counts.BlockRelay < _options.MaxBlockRelayOnly)
        {
            var anchor = _anchors[^1];
            _anchors.RemoveAt(_anchors.Count - 1);
            var key = AddressKey.From(anchor);
            if (!Dialable(key, counts, now)) continue;
            Dial(key, ConnectionType.BlockRelayOnly, countFailure: false, now);
            return;
        }

        bool feelerDue = _options.Feelers && now >= _nextFeeler && counts.Feelers < _options.MaxFeelerConnections;
        ConnectionType type;
        // A crawler tests addresses whatever its own peers are; Core's feelers wait until the outbound slots are full.
        if (feelerDue && _options.Crawl) type = ConnectionType.Feeler;
        else if (counts.FullRelay < _options.MaxOutboundFullRelay) type = ConnectionType.OutboundFullRelay;
        else if (counts.BlockRelay < _options.MaxBlockRelayOnly) type = ConnectionType.BlockRelayOnly;
        else if (feelerDue) type = ConnectionType.Feeler;
        else
        {
            // Nothing to do until the next feeler (or until a connection closes, which wakes us sooner).
            _nextOpen = Math.Max(now + OpenConnectionInterval, _nextFeeler);
            return;
        }

        if (type == ConnectionType.Feeler) _nextFeeler = now + Exponential(_options.FeelerInterval);
        if (PickAddress(type, counts, now) is not { } chosen) return;
        // Failures count only when we have working connections, so an offline node does not ruin its own book.
        bool countFailure = counts.Groups.Count >= Math.Min(_options.MaxOutboundFullRelay + _options.MaxBlockRelayOnly - 1, 2);
        Dial(chosen, type, countFailure, now);
    }

    private AddressKey? PickAddress(ConnectionType type, OutboundCounts counts, long now)
    {
        bool feeler = type == ConnectionType.Feeler;
        if (feeler && _options.Crawl && (_retestNext = !_retestNext) && Retest(counts, now) is { } stale) return stale;
        if (feeler)
        {
            _addresses.ResolveCollisions(now);
            if (_addresses.SelectTriedCollision() is { } occupant)
            {
                // Test-before-evict: the feeler tests the tried entry a newcomer would replace.
                if (!counts.Addresses.Contains(occupant.Address)) return occupant.Address;
                _addresses.Good(occupant.Address, now); // already connected to it: it is evidently alive
            }
        }
        for (int tries = 1; tries <= MaxSelectTries; tries++)
        {
            var info = _addresses.Select(feeler, now, i => !Dialable(i.Address, counts, now, feeler));
            if (info is null) return null;
            if (now - info.LastTry < RecentTryWindow && tries < RecentTryThreshold) continue;
            if (info.Address.Port != _options.DefaultPort && tries < OtherPortThreshold) continue;
            return info.Address;
        }
        return null;
    }

    /// <summary>A crawler's re-test: the tried address tested longest ago, once that test is old enough.</summary>
    private AddressKey? Retest(OutboundCounts counts, long now) =>
        _addresses.LeastRecentlyTriedInTried(i => !Dialable(i.Address, counts, now, feeler: true)) is { } info
        && now - info.LastTry >= DiscoveryOptions.CrawlRetestAge ? info.Address : null;

    /// <summary>Whether we may dial the address: routable, not connected, not banned, not ourselves, and in a network
    /// group none of our outbound peers is in — except for a feeler, which holds no slot (Bitcoin Core exempts feelers
    /// from the distinct-group rule in ThreadOpenConnections).</summary>
    private bool Dialable(AddressKey key, OutboundCounts counts, long now, bool feeler = false) =>
        _addresses.Groups.IsRoutable(key)
        && !counts.Addresses.Contains(key)
        && (feeler || !counts.Groups.Contains(_addresses.Groups.GroupOf(key)))
        && !_bans.IsBannedOrDiscouraged(key, now)
        && !IsSelf(key);

    private bool IsSelf(AddressKey key) =>
        _options.ListenAddress is { } self && AddressKey.From(self) == key;

    private void Dial(AddressKey key, ConnectionType type, bool countFailure, long now)
    {
        _addresses.Attempt(key, countFailure, now);
        _pending[key] = (type, now + DialTimeout);
        _context.Dial(key.EndPoint, type);
    }

    public void OnConnectionOpened(Peer peer, long now)
    {
        // Only our own dial settles a pending dial: an inbound connection from the same address (which the simulator's
        // peers always show, listening address = source address) must not hide the dial still in flight, or one
        // more outbound slot gets filled and the node ends with 9 full-relay peers.
        if (!peer.IsInbound) _pending.Remove(AddressKey.From(peer.Remote));
        if (peer.ConnectionType == ConnectionType.AddrFetch)
            _nextAddrFetchExpiry = Math.Min(_nextAddrFetchExpiry, peer.ConnectedAt + AddrFetchTimeout);
    }

    public void OnDialFailed(IPEndPoint endPoint, ConnectionType type, string reason, long now)
    {
        _pending.Remove(AddressKey.From(endPoint));
        if (Automatic) _nextOpen = Math.Min(_nextOpen, now + OpenConnectionInterval);
    }

    public void OnPeerReady(Peer peer, long now)
    {
        var key = AddressKey.From(peer.Remote);
        if (peer.IsInbound)
        {
            // Only as an experiment setting: the pre-countermeasure behaviour Heilman et al. exploited.
            if (_options.InboundToTried && _addresses.Groups.IsRoutable(key))
            {
                _addresses.Add(key, peer.Services, now, key, 0, now);
                _addresses.Good(key, now);
            }
            return;
        }
        if (peer.ConnectionType == ConnectionType.AddrFetch) return; // the seed node is asked, not judged
        _addresses.Good(key, now);
        _addresses.SetServices(key, peer.Services);
        switch (peer.ConnectionType)
        {
            case ConnectionType.Feeler:
                _context.Close(peer, new DisconnectReason(DisconnectCode.Requested, "feeler connection completed"));
                break;
            case ConnectionType.BlockRelayOnly:
                SaveAnchors();
                break;
        }
    }

    public void OnPeerClosed(Peer peer, long now)
    {
        if (!peer.IsInbound && peer.ConnectionType is not (ConnectionType.BlockRelayOnly or ConnectionType.AddrFetch))
            _addresses.Connected(AddressKey.From(peer.Remote), now);
    }

    public void OnConnectionClosed(Peer peer, long now)
    {
        if (Automatic && !peer.IsInbound) _nextOpen = Math.Min(_nextOpen, now + OpenConnectionInterval);
    }

    public bool OnMessage(Peer peer, IMessage message, long now) => false;

    /// <summary>The block-relay-only peers now connected become the anchors of the next start.</summary>
    private void SaveAnchors()
    {
        if (!Automatic) return;
        if (!_options.Anchors)
        {
            _store.SaveAnchors([]);
            return;
        }
        var anchors = _context.EstablishedPeers.Where(p => p.ConnectionType == ConnectionType.BlockRelayOnly)
            .Select(p => p.Remote).Take(MaxAnchors).ToList();
        _store.SaveAnchors(anchors);
    }

    // ---------------------------------------------------------------- inbound

    public bool ShouldAcceptInbound(IPEndPoint remote, long now)
    {
        var key = AddressKey.From(remote);
        if (_bans.IsBannedOrDiscouraged(key, now))
        {
            _context.Log(LogSeverity.Debug, $"refusing inbound connection from banned or discouraged {remote}");
            return false;
        }
        int inbound = _context.Peers.Values.Count(p => p.IsInbound && p.State != HandshakeState.Closing);
        if (inbound < _options.MaxInbound) return true;

        var candidates = _context.Peers.Values.Where(p => p.IsInbound && p.State != HandshakeState.Closing)
            .Select(p => new EvictionCandidate(p.Id, p.ConnectedAt, p.MinPingTime ?? long.MaxValue, p.LastBlockTime,
                p.LastTransactionTime, p.RelayTransactions, KeyedGroup(AddressKey.From(p.Remote))));
        if (InboundEviction.SelectPeerToEvict(candidates) is not { } victim)
        {
            _context.Log(LogSeverity.Debug, $"inbound slots full and every peer protected: refusing {remote}");
            return false;
        }
        var peer = _context.Peers[victim];
        _context.Close(peer, new DisconnectReason(DisconnectCode.Requested, $"evicted to make room for {remote}"));
        return true;
    }

    /// <summary>The network group hashed with a secret, so an attacker cannot predict which groups eviction protects.</summary>
    public ulong KeyedGroup(AddressKey address)
    {
        Span<byte> buf = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buf, _addresses.Groups.GroupOf(address));
        return SipHasher.Hash(_groupKey0, _groupKey1, buf);
    }

    private long Exponential(long mean) => (long)(-Math.Log(1.0 - _context.Random.NextDouble()) * mean);
}
