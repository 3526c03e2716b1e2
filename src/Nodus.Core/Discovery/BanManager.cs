using System.Net;

namespace Nodus.Core.Discovery;

/// <summary>
/// Manual bans (RPC setban, persisted) and discouragement (Bitcoin Core's BanMan). A misbehaving peer's address is
/// discouraged for 24 hours: we neither accept it inbound nor dial it, and its addresses are not relayed. Manual bans
/// cover subnets and survive restarts through the <see cref="IAddressStore"/>.
/// </summary>
public sealed class BanManager
{
    /// <summary>How long a misbehaving address is discouraged (the 24 h; Bitcoin Core's DEFAULT_MISBEHAVING_BANTIME).</summary>
    public static readonly long DiscouragementDuration = 24 * Time.Hour;
    /// <summary>Bitcoin Core's setban default bantime: 24 hours.</summary>
    public static readonly long DefaultBanTime = 24 * Time.Hour;
    /// <summary>Bitcoin Core's discouragement filter holds 50,000 entries; the oldest are forgotten beyond that.</summary>
    public const int MaxDiscouraged = 50_000;
    /// <summary>A bound on manual bans so an RPC caller cannot grow the list (and the store) without limit.</summary>
    public const int MaxManualBans = 100_000;

    private readonly IAddressStore _store;
    private readonly List<BanEntry> _bans;
    private readonly Dictionary<AddressKey, long> _discouraged = [];
    private readonly Queue<(AddressKey Address, long Until)> _discouragedOrder = new();

    public BanManager(IAddressStore store)
    {
        _store = store;
        _bans = [.. store.LoadBans()];
    }

    /// <summary>Raised after a ban is added, with its subnet, so connected peers inside it can be dropped.</summary>
    public event Action<SubNet>? Banned;

    private static AddressKey HostOf(AddressKey a) => a.WithPort(0);

    public bool IsBanned(AddressKey address, long now) => _bans.Exists(b => b.Until > now && b.SubNet.Contains(address));

    public bool IsDiscouraged(AddressKey address, long now) =>
        _discouraged.TryGetValue(HostOf(address), out long until) && until > now;

    public bool IsBannedOrDiscouraged(AddressKey address, long now) => IsDiscouraged(address, now) || IsBanned(address, now);

    public bool IsBannedOrDiscouraged(IPEndPoint endPoint, long now) => IsBannedOrDiscouraged(AddressKey.From(endPoint), now);

    public void Discourage(AddressKey address, long now)
    {
        var host = HostOf(address);
        _discouraged[host] = now + DiscouragementDuration;
        _discouragedOrder.Enqueue((host, now + DiscouragementDuration));
        while (_discouraged.Count > MaxDiscouraged || _discouragedOrder.Count > 2 * MaxDiscouraged)
        {
            var (oldest, until) = _discouragedOrder.Dequeue();
            if (_discouraged.TryGetValue(oldest, out long current) && current == until) _discouraged.Remove(oldest);
        }
    }

    public int DiscouragedCount => _discouraged.Count;

    /// <summary>setban add: bans the subnet until <paramref name="until"/>. False when it is already banned.</summary>
    public bool Ban(SubNet subNet, long until, long now)
    {
        Sweep(now);
        if (_bans.Exists(b => b.SubNet == subNet)) return false;
        if (_bans.Count >= MaxManualBans) throw new InvalidOperationException($"too many bans (limit {MaxManualBans})");
        _bans.Add(new BanEntry(subNet, now, until));
        _store.SaveBans(_bans);
        Banned?.Invoke(subNet);
        return true;
    }

    /// <summary>setban remove. False when the subnet was not banned.</summary>
    public bool Unban(SubNet subNet, long now)
    {
        int removed = _bans.RemoveAll(b => b.SubNet == subNet);
        Sweep(now);
        if (removed > 0) _store.SaveBans(_bans);
        return removed > 0;
    }

    /// <summary>clearbanned: removes every manual ban and every discouragement.</summary>
    public void Clear()
    {
        _bans.Clear();
        _discouraged.Clear();
        _discouragedOrder.Clear();
        _store.SaveBans(_bans);
    }

    /// <summary>listbanned: the bans in force, oldest first.</summary>
    public IReadOnlyList<BanEntry> List(long now)
    {
        Sweep(now);
        return [.. _bans];
    }

    /// <summary>Drops expired bans (Bitcoin Core's SweepBanned), persisting when any went.</summary>
    private void Sweep(long now)
    {
        if (_bans.RemoveAll(b => b.Until <= now) > 0) _store.SaveBans(_bans);
    }
}
