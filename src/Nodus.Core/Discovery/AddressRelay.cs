using Nodus.Wire.Encoding;
using System.Buffers.Binary;
using System.Net;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Discovery;

/// <summary>
/// The addr protocol (Bitcoin Core's net_processing addr handling): getaddr to new outbound peers, one getaddr reply
/// per inbound connection, rate-limited processing of incoming addr messages, relay of fresh addresses to two peers
/// chosen per address per day, and advertisement of our own address about every 24 hours.
/// </summary>
public sealed class AddressRelay : INodeBehaviour
{
    /// <summary>Bitcoin Core's MAX_ADDR_TO_SEND: entries per addr message; more is a protocol violation.</summary>
    public const int MaxAddrToSend = AddrMessage.MaxAddresses;
    /// <summary>Bitcoin Core's MAX_ADDR_RATE_PER_SECOND: addresses processed per second per peer, on average.</summary>
    public const double MaxAddrRatePerSecond = 0.1;
    /// <summary>Bitcoin Core's MAX_ADDR_PROCESSING_TOKEN_BUCKET: the bucket never fills beyond one full addr message.</summary>
    public const double MaxAddrProcessingTokenBucket = MaxAddrToSend;
    /// <summary>Bitcoin Core's AVG_ADDRESS_BROADCAST_INTERVAL: queued addresses go out every 30 s on average.</summary>
    public static readonly long AvgAddressBroadcastInterval = 30 * Time.Second;
    /// <summary>Bitcoin Core's AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL: our own address, about once a day.</summary>
    public static readonly long AvgLocalAddressBroadcastInterval = 24 * Time.Hour;
    /// <summary>Bitcoin Core's ROTATE_ADDR_RELAY_DEST_INTERVAL: an address goes to the same 2 peers for a day.</summary>
    public const long RotateAddrRelayDestSeconds = 24 * 60 * 60;
    /// <summary>Bitcoin Core's RelayAddress: fresh reachable addresses go to 2 peers.</summary>
    public const int RelayFanout = 2;
    /// <summary>Bitcoin Core relays only from addr messages of at most 10 entries (unsolicited announcements).</summary>
    public const int MaxRelayedMessageSize = 10;
    /// <summary>Bitcoin Core relays an address only when its timestamp is within the last 10 minutes.</summary>
    public static readonly long FreshWindow = 10 * Time.Minute;
    /// <summary>Bitcoin Core's addr time penalty: addresses heard from others are aged by 2 hours.</summary>
    public static readonly long AddrTimePenalty = 2 * Time.Hour;
    /// <summary>Bitcoin Core's m_addr_known holds 5,000 addresses per peer.</summary>
    public const int MaxKnownAddresses = 5_000;
    /// <summary>Bitcoin Core's getaddr response cache lives 21 hours plus up to 6 random hours (defeats topology probing).</summary>
    public static readonly long AddrResponseCacheLifetime = 21 * Time.Hour, AddrResponseCacheJitter = 6 * Time.Hour;
    /// <summary>
    /// The cached getaddr reply is rebuilt before it expires when it was short of the 2,500 cap and the address book
    /// has since grown by this factor (a Nodus departure from Bitcoin Core, whose nodes never start a network empty).
    /// </summary>
    public const int AddrResponseCacheGrowthFactor = 2;
    /// <summary>Bitcoin Core treats timestamps at or below 100,000,000 (1973) as unknown and ages them 5 days.</summary>
    private const uint ObsoleteTimestamp = 100_000_000;
    private static readonly long UnknownTimeAge = 5 * Time.Day;

    private readonly NodeContext _context;
    private readonly DiscoveryOptions _options;
    private readonly AddressManager _addresses;
    private readonly BanManager _bans;
    private readonly Dictionary<PeerId, AddrPeerState> _states = [];
    private readonly ulong _relayKey0, _relayKey1;
    private List<TimestampedAddress> _responseCache = [];
    private long _responseCacheExpiry;
    private int _responseCacheBookSize;

    public AddressRelay(NodeContext context, DiscoveryOptions options, AddressManager addresses, BanManager bans)
    {
        _context = context;
        _options = options;
        _addresses = addresses;
        _bans = bans;
        _relayKey0 = (ulong)context.Random.NextInt64();
        _relayKey1 = (ulong)context.Random.NextInt64();
    }

    /// <summary>Addresses dropped by the rate limit since start (Bitcoin Core's addr_rate_limited in getpeerinfo, summed).</summary>
    public long RateLimitedTotal { get; private set; }
    public long ProcessedTotal { get; private set; }

    public AddrPeerState? StateOf(PeerId peer) => _states.GetValueOrDefault(peer);

    /// <summary>The earliest per-peer send time, cached: the engine asks for it after every input.</summary>
    public long NextWakeup => _nextWakeup;

    private long _nextWakeup = Time.Never;

    private void RecomputeNextWakeup()
    {
        long next = Time.Never;
        foreach (var s in _states.Values)
            if (s.RelayEnabled) next = Math.Min(next, Math.Min(s.NextAddrSend, s.NextLocalAddrSend));
        _nextWakeup = next;
    }

    public void OnPeerReady(Peer peer, long now)
    {
        var state = new AddrPeerState(_relayKey0, _relayKey1) { TokenTimestamp = now };
        _states[peer.Id] = state;
        switch (peer.ConnectionType)
        {
            case ConnectionType.BlockRelayOnly or ConnectionType.Feeler:
                return; // no addr traffic: block-relay-only peers must not reveal the connection; feelers leave at once
            case ConnectionType.Inbound:
                return; // enabled when the peer first speaks addr or getaddr (Bitcoin Core's SetupAddressRelay)
        }
        EnableRelay(state, now);
        // Outbound: announce ourselves, so the peer can find us, and ask once for addresses to fill our book.
        if (LocalAddressFor(peer, now) is { } self) PushAddress(state, self);
        _context.Send(peer, new GetAddrMessage());
        state.GetAddrSent = true;
        state.Tokens += MaxAddrToSend; // the reply may be a full addr message
    }

    private void EnableRelay(AddrPeerState state, long now)
    {
        if (state.RelayEnabled) return;
        state.RelayEnabled = true;
        // Bitcoin Core's m_next_addr_send starts at zero: the first addr (our own address on an outbound connection)
        // goes out at once, and only later ones wait ~30 s. Delaying the first made a new node unknown for half a minute.
        state.NextAddrSend = now;
        state.NextLocalAddrSend = now + Exponential(AvgLocalAddressBroadcastInterval);
        _nextWakeup = Math.Min(_nextWakeup, Math.Min(state.NextAddrSend, state.NextLocalAddrSend));
    }

    public void OnPeerClosed(Peer peer, long now) => _states.Remove(peer.Id);

    public bool OnMessage(Peer peer, IMessage message, long now)
    {
        switch (message)
        {
            case GetAddrMessage:
                OnGetAddr(peer, now);
                return true;
            case AddrMessage addr:
                OnAddr(peer, addr.Addresses, now);
                return true;
            default:
                return false;
        }
    }

    private void OnGetAddr(Peer peer, long now)
    {
        if (!_states.TryGetValue(peer.Id, out var state)) return;
        // Only inbound peers are answered (Bitcoin Core): an outbound peer asking is fingerprinting us.
        if (!peer.IsInbound || peer.ConnectionType == ConnectionType.BlockRelayOnly)
        {
            _context.Log(LogSeverity.Debug, $"peer {peer.Id}: ignoring getaddr from an outbound connection");
            return;
        }
        if (state.GetAddrReceived)
        {
            _context.Log(LogSeverity.Debug, $"peer {peer.Id}: ignoring repeated getaddr");
            return;
        }
        state.GetAddrReceived = true;
        EnableRelay(state, now);
        state.AddrsToSend.Clear();

        var reply = GetAddrResponse(now);
        for (int i = 0; i < reply.Count; i += MaxAddrToSend)
        {
            var chunk = reply.GetRange(i, Math.Min(MaxAddrToSend, reply.Count - i));
            foreach (var a in chunk) state.MarkKnown(AddressKey.From(a.Address.EndPoint));
            _context.Send(peer, new AddrMessage(chunk));
        }
    }

    /// <summary>
    /// The getaddr reply: up to 2,500 addresses, at most 23% of the book, cached for about a day (Bitcoin Core), so that
    /// repeated getaddr from new connections cannot map the whole book. The cache is also rebuilt early when the
    /// reply was short of the cap and the book has since doubled: otherwise a bootnode that first answered with a
    /// nearly empty book would hand every newcomer that same handful of addresses for a day, and a network started
    /// from one bootnode would grow only by slow addr gossip. Privacy holds: the refresh depends only on the book's
    /// own growth, not on who asks, so doubling allows at most log2(table size) ≈ 17 extra snapshots in the cache's
    /// lifetime, each still at most 23% of the book, and each connection still gets one reply.
    /// </summary>
    public List<TimestampedAddress> GetAddrResponse(long now)
    {
        bool outgrown = _responseCache.Count < AddressManager.GetAddrMax
                        && _addresses.Count >= Math.Max(1, _responseCacheBookSize * AddrResponseCacheGrowthFactor);
        if (now >= _responseCacheExpiry || outgrown)
        {
            _responseCacheBookSize = _addresses.Count;
            _responseCache = _addresses.GetAddresses(AddressManager.GetAddrMax, AddressManager.GetAddrMaxPercent, now,
                    i => _bans.IsBannedOrDiscouraged(i.Address, now))
                .Select(ToWire).ToList();
            _responseCacheExpiry = now + AddrResponseCacheLifetime + (long)(_context.Random.NextDouble() * AddrResponseCacheJitter);
        }
        return _responseCache;
    }

    private void OnAddr(Peer peer, List<TimestampedAddress> entries, long now)
    {
        if (entries.Count > MaxAddrToSend)
        {
            _context.Misbehaving(peer, $"addr message size = {entries.Count}");
            return;
        }
        if (!_states.TryGetValue(peer.Id, out var state)) return;
        if (peer.ConnectionType is ConnectionType.BlockRelayOnly or ConnectionType.Feeler) return;
        EnableRelay(state, now);

        // Refill the token bucket: 0.1 per second since the last addr, never beyond one full message.
        if (state.TokenTimestamp < now)
            state.Tokens = Math.Min(state.Tokens + Time.ToSeconds(now - state.TokenTimestamp) * MaxAddrRatePerSecond,
                MaxAddrProcessingTokenBucket);
        state.TokenTimestamp = now;

        var shuffled = entries.ToArray();
        _context.Random.Shuffle(shuffled); // which entries survive the rate limit must not be the sender's choice
        long nowSeconds = Time.ToUnixSeconds(now);
        var source = AddressKey.From(peer.Remote);
        int rateLimited = 0, added = 0;
        foreach (var entry in shuffled)
        {
            if (_options.AddrRateLimit)
            {
                if (state.Tokens < 1.0) { rateLimited++; continue; }
                state.Tokens -= 1.0;
            }
            if (entry.Address.Address is null) continue;
            var key = AddressKey.From(entry.Address.EndPoint);
            long seen = entry.Time <= ObsoleteTimestamp || entry.Time > nowSeconds + Time.ToUnixSeconds(AddressInfo.MaxFutureDrift)
                ? now - UnknownTimeAge
                : Time.FromUnixSeconds(entry.Time);
            state.MarkKnown(key);
            if (_bans.IsBannedOrDiscouraged(key, now)) continue;
            ProcessedTotal++;
            if (seen > now - FreshWindow && !state.GetAddrSent && entries.Count <= MaxRelayedMessageSize && _addresses.Groups.IsRoutable(key))
                RelayAddress(peer.Id, new TimestampedAddress((uint)Time.ToUnixSeconds(seen), entry.Address), key, now);
            if (_addresses.Add(key, entry.Address.Services, seen, source, AddrTimePenalty, now)) added++;
        }
        RateLimitedTotal += rateLimited;
        if (rateLimited > 0)
            _context.Log(LogSeverity.Debug, $"peer {peer.Id}: {rateLimited} of {entries.Count} addresses rate-limited");
        // A short addr message ends the reply to our getaddr; later ones are unsolicited and may be relayed.
        if (entries.Count < MaxAddrToSend) state.GetAddrSent = false;
        // An addr-fetch connection has done its work with the reply (more than one entry: not a self-announcement).
        if (peer.ConnectionType == ConnectionType.AddrFetch && entries.Count > 1)
            _context.Close(peer, new DisconnectReason(DisconnectCode.Requested, "addr-fetch connection completed"));
    }

    /// <summary>
    /// Bitcoin Core's RelayAddress: the 2 peers with the highest keyed hash of (address, day, peer) get the
    /// address, so the same address goes to the same peers all day and repeats do not flood the network.
    /// </summary>
    private void RelayAddress(PeerId originator, TimestampedAddress address, AddressKey key, long now)
    {
        Span<byte> buf = stackalloc byte[18];
        key.Write(buf);
        ulong hashAddr = SipHasher.Hash(_relayKey0, _relayKey1, buf);
        ulong period = ((ulong)Time.ToUnixSeconds(now) + hashAddr) / RotateAddrRelayDestSeconds;
        Span<byte> seed = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(seed, hashAddr);
        BinaryPrimitives.WriteUInt64LittleEndian(seed[8..], period);
        ulong dayKey = SipHasher.Hash(_relayKey0, _relayKey1, seed);

        Span<(ulong Score, PeerId Peer)> best = stackalloc (ulong, PeerId)[RelayFanout];
        int found = 0;
        Span<byte> idBytes = stackalloc byte[8];
        foreach (var (id, state) in _states)
        {
            if (id == originator || !state.RelayEnabled) continue;
            BinaryPrimitives.WriteInt64LittleEndian(idBytes, id.Value);
            ulong score = SipHasher.Hash(dayKey, _relayKey1, idBytes);
            for (int i = 0; i < RelayFanout; i++)
            {
                if (i < found && score <= best[i].Score) continue;
                for (int j = Math.Min(found, RelayFanout - 1); j > i; j--) best[j] = best[j - 1];
                best[i] = (score, id);
                found = Math.Min(found + 1, RelayFanout);
                break;
            }
        }
        for (int i = 0; i < found; i++) PushAddress(_states[best[i].Peer], address);
    }

    /// <summary>Queues an address for a peer unless it already knows it; a full queue replaces a random entry.</summary>
    private void PushAddress(AddrPeerState state, TimestampedAddress address)
    {
        if (state.Knows(AddressKey.From(address.Address.EndPoint))) return;
        if (state.AddrsToSend.Count >= MaxAddrToSend) state.AddrsToSend[_context.Random.Next(state.AddrsToSend.Count)] = address;
        else state.AddrsToSend.Add(address);
    }

    public void OnTimer(long now)
    {
        foreach (var (id, state) in _states)
        {
            if (!state.RelayEnabled || !_context.Peers.TryGetValue(id, out var peer) || !peer.IsEstablished) continue;
            if (now >= state.NextLocalAddrSend)
            {
                if (LocalAddressFor(peer, now) is { } self) PushAddress(state, self);
                state.NextLocalAddrSend = now + Exponential(AvgLocalAddressBroadcastInterval);
            }
            if (now < state.NextAddrSend) continue;
            state.NextAddrSend = now + Exponential(AvgAddressBroadcastInterval);
            var batch = new List<TimestampedAddress>(state.AddrsToSend.Count);
            foreach (var a in state.AddrsToSend)
            {
                var key = AddressKey.From(a.Address.EndPoint);
                if (state.Knows(key)) continue;
                state.MarkKnown(key);
                batch.Add(a);
            }
            state.AddrsToSend.Clear();
            if (batch.Count > 0) _context.Send(peer, new AddrMessage(batch));
        }
        RecomputeNextWakeup();
    }

    /// <summary>
    /// Our address as this peer should learn it: the configured listen address, else the address the peer says it
    /// sees us at (its version message) with our listening port. Null when we do not listen or it is not routable.
    /// </summary>
    public TimestampedAddress? LocalAddressFor(Peer peer, long now = 0)
    {
        if (!_options.Listening) return null;
        IPEndPoint? ep = _options.ListenAddress;
        if (ep is null || !_addresses.Groups.IsRoutable(AddressKey.From(ep)))
        {
            if (peer.LocalAddressSeenByPeer is not { } seen) return null;
            ep = new IPEndPoint(seen.Address, _options.ListenAddress?.Port ?? _options.DefaultPort);
        }
        if (!_addresses.Groups.IsRoutable(AddressKey.From(ep))) return null;
        long t = now != 0 ? now : peer.ConnectedAt;
        return new TimestampedAddress((uint)Time.ToUnixSeconds(t), new NetAddress(ep, _context.Options.Services));
    }

    private static TimestampedAddress ToWire(AddressInfo info) =>
        new((uint)Math.Max(0, Time.ToUnixSeconds(info.Time)), new NetAddress(info.Address.EndPoint, info.Services));

    private long Exponential(long mean) => (long)(-Math.Log(1.0 - _context.Random.NextDouble()) * mean);
}

/// <summary>Per-peer addr state (Bitcoin Core's Peer::m_addr_* fields).</summary>
public sealed class AddrPeerState
{
    // The addresses the peer knows, as 64-bit keyed SipHash fingerprints rather than 24-byte keys: Core keeps them in
    // a rolling bloom filter (m_addr_known, 5,000 entries, false positives 1/1,000); a keyed 64-bit fingerprint is
    // exact in practice, cannot be steered by an attacker, and halves what the set costs per entry (≈ 28 vs ≈ 60
    // bytes) — it is most of discovery's memory per node in large simulations (docs/simulator.md).
    private readonly HashSet<ulong> _known = [];
    private readonly Queue<ulong> _knownOrder = new();
    private readonly ulong _key0, _key1;

    /// <param name="key0">First half of the node's secret SipHash key for the fingerprints.</param>
    /// <param name="key1">Second half.</param>
    public AddrPeerState(ulong key0, ulong key1)
    {
        _key0 = key0;
        _key1 = key1;
    }

    public bool RelayEnabled { get; internal set; }
    public double Tokens { get; internal set; } = 1.0;
    public long TokenTimestamp { get; internal set; }
    /// <summary>We sent getaddr and its reply has not ended yet.</summary>
    public bool GetAddrSent { get; internal set; }
    /// <summary>The peer already had its one getaddr reply.</summary>
    public bool GetAddrReceived { get; internal set; }
    public List<TimestampedAddress> AddrsToSend { get; } = [];
    public long NextAddrSend { get; internal set; } = Time.Never;
    public long NextLocalAddrSend { get; internal set; } = Time.Never;

    public bool Knows(AddressKey key) => _known.Contains(Fingerprint(key));

    /// <summary>Remembers that the peer knows an address, forgetting the oldest beyond 5,000 (a rolling filter).</summary>
    public void MarkKnown(AddressKey key)
    {
        ulong fingerprint = Fingerprint(key);
        if (!_known.Add(fingerprint)) return;
        _knownOrder.Enqueue(fingerprint);
        if (_knownOrder.Count > AddressRelay.MaxKnownAddresses) _known.Remove(_knownOrder.Dequeue());
    }

    private ulong Fingerprint(AddressKey key)
    {
        Span<byte> buf = stackalloc byte[18];
        key.Write(buf);
        return SipHasher.Hash(_key0, _key1, buf);
    }
}
