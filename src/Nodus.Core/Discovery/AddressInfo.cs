namespace Nodus.Core.Discovery;

/// <summary>
/// One address in the address manager (Bitcoin Core's AddrInfo): when it was last seen, who told us, and how our
/// own attempts went. Times are core microseconds; 0 means never.
/// </summary>
public sealed class AddressInfo
{
    /// <summary>Bitcoin Core's ADDRMAN_RETRIES: an address never reached after 3 attempts is terrible.</summary>
    public const int Retries = 3;
    /// <summary>Bitcoin Core's ADDRMAN_MAX_FAILURES: 10 failures since the last success within a week is terrible.</summary>
    public const int MaxFailures = 10;
    /// <summary>Bitcoin Core's ADDRMAN_MIN_FAIL: how long since the last success before failures count (7 days).</summary>
    public static readonly long MinFailWindow = 7 * Nodus.Core.Time.Day;
    /// <summary>Bitcoin Core's ADDRMAN_HORIZON: an address not seen for 30 days is forgotten.</summary>
    public static readonly long Horizon = 30 * Nodus.Core.Time.Day;
    /// <summary>A timestamp more than 10 minutes ahead of our clock is a lie (Bitcoin Core's "flying DeLorean").</summary>
    public static readonly long MaxFutureDrift = 10 * Nodus.Core.Time.Minute;

    internal AddressInfo(AddressKey address, AddressKey source, ulong services, long time)
    {
        Address = address;
        Source = source;
        Services = services;
        Time = time;
    }

    public AddressKey Address { get; }
    /// <summary>The peer that first told us about the address; its group chooses the new-table buckets.</summary>
    public AddressKey Source { get; internal set; }
    public ulong Services { get; internal set; }
    /// <summary>When the address was last seen on the network (as announced, minus a penalty), microseconds.</summary>
    public long Time { get; internal set; }
    public long LastTry { get; internal set; }
    public long LastSuccess { get; internal set; }
    /// <summary>When a failed attempt was last counted (failures count at most once per successful connection).</summary>
    public long LastCountAttempt { get; internal set; }
    /// <summary>Failed attempts since the last success.</summary>
    public int Attempts { get; internal set; }
    public bool InTried { get; internal set; }
    /// <summary>How many new-table slots point at this entry (0 when in tried).</summary>
    public int RefCount { get; internal set; }

    internal int Id;
    internal int RandomPosition;

    /// <summary>Bitcoin Core's IsTerrible: not worth keeping or sharing.</summary>
    public bool IsTerrible(long now)
    {
        if (LastTry != 0 && now - LastTry <= Nodus.Core.Time.Minute) return false; // tried in the last minute: keep
        if (Time > now + MaxFutureDrift) return true;
        if (now - Time > Horizon) return true;
        if (LastSuccess == 0 && Attempts >= Retries) return true;
        if (now - LastSuccess > MinFailWindow && Attempts >= MaxFailures) return true;
        return false;
    }

    /// <summary>Bitcoin Core's GetChance: relative chance of selection, lowered by recent and repeated failures.</summary>
    public double Chance(long now)
    {
        double chance = 1.0;
        if (now - LastTry < 10 * Nodus.Core.Time.Minute) chance *= 0.01; // deprioritise very recent attempts
        return chance * Math.Pow(0.66, Math.Min(Attempts, 8));              // each failure cuts the chance by a third
    }

    public override string ToString() => $"{Address} ({(InTried ? "tried" : "new")})";
}
