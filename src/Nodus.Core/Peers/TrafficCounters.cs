using System.Collections.Frozen;
using Nodus.Wire.Messages;

namespace Nodus.Core.Peers;

/// <summary>
/// One connection's traffic as getpeerinfo shows it: totals (bytessent, bytesrecv, lastsend, lastrecv) and bytes
/// per message type (bytessent_per_msg, bytesrecv_per_msg). A view over its <see cref="Peer"/>: the totals live in
/// the <see cref="Peer"/> itself, because every delivered message updates them and a separate object was one more
/// cold cache line per event in a 10,000-node simulation.
/// </summary>
public readonly struct TrafficCounters
{
    public const string OtherCommand = CommandTraffic.OtherCommand;

    private readonly Peer _peer;

    internal TrafficCounters(Peer peer) => _peer = peer;

    public long BytesSent => _peer.BytesSent;
    public long BytesReceived => _peer.BytesReceived;
    public long LastSend => _peer.LastSend;
    public long LastReceive => _peer.LastReceive;
    public long MessagesSent => _peer.MessagesSent;
    public long MessagesReceived => _peer.MessagesReceived;

    public IReadOnlyDictionary<string, long> SentPerCommand => CommandTraffic.ToTable(_peer.PerCommand, received: false);
    public IReadOnlyDictionary<string, long> ReceivedPerCommand => CommandTraffic.ToTable(_peer.PerCommand, received: true);

    public void RecordSent(string command, int bytes, long now)
    {
        _peer.BytesSent += bytes;
        _peer.MessagesSent++;
        _peer.LastSend = now;
        _peer.PerCommand?.Add(command, received: false, bytes);
    }

    /// <param name="known">False for a command the node does not know, counted as "*other*".</param>
    public void RecordReceived(string command, int bytes, bool known, long now)
    {
        _peer.BytesReceived += bytes;
        _peer.MessagesReceived++;
        _peer.LastReceive = now;
        _peer.PerCommand?.Add(known ? command : OtherCommand, received: true, bytes);
    }
}

/// <summary>
/// Bytes sent and received per message type on one connection. Unknown commands are counted under "*other*", as
/// Bitcoin Core does, which also bounds the table: a peer cannot grow it with invented command names. Absent when
/// <see cref="NodeOptions.TrafficPerCommand"/> is off (the simulator).
/// </summary>
internal sealed class CommandTraffic
{
    public const string OtherCommand = "*other*";

    /// <summary>Every known command and "*other*", each with a slot number.</summary>
    private static readonly string[] Commands = [.. MessageCodec.KnownCommands.Order(StringComparer.Ordinal), OtherCommand];
    private static readonly FrozenDictionary<string, int> Slots =
        Commands.Select((c, i) => (c, i)).ToFrozenDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    /// <summary>Entries grow by this many: a connection uses a handful of commands in each direction.</summary>
    private const int Growth = 4;

    /// <summary>One (command slot, direction) → bytes entry. The simulator holds millions of connections that each
    /// use a handful of commands, so only the commands seen get an entry (not a slot for each of the ~25 known).</summary>
    private struct Entry
    {
        public ushort Key; // slot * 2 + (received ? 1 : 0)
        public long Bytes;
    }

    private Entry[]? _entries;
    private int _used;

    public void Add(string command, bool received, int bytes)
    {
        int slot = Slots.TryGetValue(command, out int s) ? s : Commands.Length - 1;
        var key = (ushort)(slot * 2 + (received ? 1 : 0));
        for (int i = 0; i < _used; i++)
        {
            if (_entries![i].Key != key) continue;
            _entries[i].Bytes += bytes;
            return;
        }
        if (_entries is null || _used == _entries.Length) Array.Resize(ref _entries, _used + Growth);
        _entries[_used++] = new Entry { Key = key, Bytes = bytes };
    }

    /// <summary>The commands with traffic, as getpeerinfo lists them (empty without a table).</summary>
    public static Dictionary<string, long> ToTable(CommandTraffic? table, bool received)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (table is null) return result;
        for (int i = 0; i < table._used; i++)
            if ((table._entries![i].Key & 1) == (received ? 1 : 0) && table._entries[i].Bytes != 0)
                result[Commands[table._entries[i].Key / 2]] = table._entries[i].Bytes;
        return result;
    }
}
