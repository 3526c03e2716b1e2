using Nodus.Core.Peers;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Relay;

/// <summary>
/// Dandelion++ (Fanti et al., SIGMETRICS 2018; BIP 156; Grin's DandelionEpoch). Time is cut into epochs; in each
/// epoch the node is a relayer (90%) or a diffuser (10%) and picks two stem relays among its outbound peers. A
/// relayer forwards each stem transaction to one relay: the one its source peer is mapped to for the epoch, and
/// always the same one for its own transactions. A diffuser fluffs what it receives (its own transactions are still
/// stemmed). Fluffed transactions spread by <see cref="DiffusionPolicy"/>. Epochs start lazily on first use, so an
/// idle node needs no timer; a relay that disconnects is replaced at once (Grin's relay_peer).
/// </summary>
public sealed class DandelionPolicy : IRelayPolicy
{
    /// <summary>Epoch length: 10 minutes (BIP 156's stem-set re-randomisation; Grin's DANDELION_EPOCH_SECS = 600).</summary>
    public const long DefaultEpochLength = 10 * Time.Minute;

    /// <summary>Probability of being a relayer in an epoch: 90% (BIP 156 -dandelion default; Grin DANDELION_STEM_PROBABILITY).</summary>
    public const double DefaultStemProbability = 0.9;

    /// <summary>Stem relays per epoch: 2 (BIP 156 "stem set of two peers"; Bitcoin PR 13947 DANDELION_MAX_DESTINATIONS).</summary>
    public const int RelaysPerEpoch = 2;

    private readonly DiffusionPolicy _fluff;
    private readonly PeerTable<Peer> _peers = new();
    private readonly PeerId?[] _relays = new PeerId?[RelaysPerEpoch];
    private readonly Dictionary<PeerId, int> _sourceToRelay = [];
    private readonly Random _random;
    private int _ownRelay;

    public DandelionPolicy(Random random, long epochLength = DefaultEpochLength, double stemProbability = DefaultStemProbability,
        long outboundMean = DiffusionPolicy.OutboundInterval, long inboundMean = DiffusionPolicy.InboundInterval,
        bool sharedInboundTimer = true)
    {
        _random = random;
        _fluff = new DiffusionPolicy(random, outboundMean, inboundMean, sharedInboundTimer);
        EpochLength = epochLength;
        StemProbability = stemProbability;
    }

    public RelayPolicyKind Kind => RelayPolicyKind.Dandelion;
    public long EpochLength { get; }
    public double StemProbability { get; }

    /// <summary>When the current epoch started; <see cref="Time.Never"/> before the first one.</summary>
    public long EpochStart { get; private set; } = Time.Never;
    public long EpochEnd => EpochStart == Time.Never ? Time.Never : EpochStart + EpochLength;
    public int EpochNumber { get; private set; }
    public bool IsDiffuser { get; private set; }

    /// <summary>The current stem relays (null slots when too few outbound peers exist).</summary>
    public IReadOnlyList<PeerId?> Relays => _relays;

    public DiffusionPolicy Fluff => _fluff;

    public void ReservePeers(int count)
    {
        _peers.Reserve(count);
        _fluff.ReservePeers(count);
    }

    public void AddPeer(Peer peer, long now)
    {
        _peers[peer.Id] = peer;
        _fluff.AddPeer(peer, now);
    }

    public void RemovePeer(PeerId peer, long now)
    {
        _peers.Remove(peer);
        _sourceToRelay.Remove(peer);
        _fluff.RemovePeer(peer, now);
        for (int i = 0; i < _relays.Length; i++)
            if (_relays[i] == peer) _relays[i] = null; // refilled on next use
    }

    public void Enqueue(PeerId peer, Hash256 txid, long now) => _fluff.Enqueue(peer, txid, now);
    public long NextWakeup => _fluff.NextWakeup;
    public void OnTimer(long now, Action<PeerId, List<Hash256>> send) => _fluff.OnTimer(now, send);

    public PeerId? ChooseStemRelay(PeerId? source, long now)
    {
        if (EpochStart == Time.Never || now >= EpochEnd) StartEpoch(now);
        if (source is not null && IsDiffuser) return null;
        int slot = source is { } s
            ? (_sourceToRelay.TryGetValue(s, out int mapped) ? mapped : _sourceToRelay[s] = _random.Next(RelaysPerEpoch))
            : _ownRelay;
        var relay = RelayAt(slot);
        // Never hand a stem back to the peer it came from: try the other relay, else fluff.
        if (relay is not null && relay == source) relay = RelayAt(1 - slot);
        return relay == source ? null : relay;
    }

    /// <summary>Starts a new epoch now: role coin flip, two fresh relays, a fresh inbound mapping.</summary>
    public void StartEpoch(long now)
    {
        EpochStart = now;
        EpochNumber++;
        IsDiffuser = _random.NextDouble() >= StemProbability;
        _sourceToRelay.Clear();
        Array.Fill(_relays, null);
        for (int i = 0; i < _relays.Length; i++) _relays[i] = PickRelay();
        _ownRelay = _random.Next(RelaysPerEpoch);
    }

    private PeerId? RelayAt(int slot)
    {
        if (_relays[slot] is { } id && _peers.ContainsKey(id)) return id;
        _relays[slot] = PickRelay();
        return _relays[slot] ?? _relays[1 - slot];
    }

    /// <summary>A random outbound peer that takes transactions and is not already a relay. Only outbound peers
    /// qualify (BIP 156), so an attacker cannot become a stem relay just by connecting to us.</summary>
    private PeerId? PickRelay()
    {
        var candidates = _peers.Values
            .Where(p => IsEligible(p) && !_relays.Contains(p.Id))
            .Select(p => p.Id)
            .OrderBy(id => id.Value)
            .ToList();
        return candidates.Count == 0 ? null : candidates[_random.Next(candidates.Count)];
    }

    public static bool IsEligible(Peer peer) =>
        peer.ConnectionType is ConnectionType.OutboundFullRelay or ConnectionType.Manual && peer.RelayTransactions;
}
