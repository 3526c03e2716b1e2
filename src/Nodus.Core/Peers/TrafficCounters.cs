using System.Collections.Frozen;
using Nodus.Wire.Messages;

namespace Nodus.Core.Peers;

/// <summary>
/// Bytes sent and received per message type on one connection (getpeerinfo's bytessent_per_msg and
/// bytesrecv_per_msg). Unknown commands are counted under "*other*", as Bitcoin Core does, which also bounds the
/// table: a peer cannot grow it with invented command names.
/// </summary>
public sealed class TrafficCounters
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

    private readonly bool _perCommand;
    private Entry[]? _entries;
    private int _used;

    /// <param name="perCommand">False keeps only the totals (<see cref="NodeOptions.TrafficPerCommand"/>): the
    /// per-command tables are then empty.</param>
    public TrafficCounters(bool perCommand = true) => _perCommand = perCommand;

    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    public long LastSend { get; private set; }
    public long LastReceive { get; private set; }
    public long MessagesSent { get; private set; }
    public long MessagesReceived { get; private set; }

    public IReadOnlyDictionary<string, long> SentPerCommand => ToTable(received: false);
    public IReadOnlyDictionary<string, long> ReceivedPerCommand => ToTable(received: true);

    public void RecordSent(string command, int bytes, long now)
    {
        BytesSent += bytes;
        MessagesSent++;
        LastSend = now;
        Add(command, received: false, bytes);
    }

    /// <param name="known">False for a command the node does not know, counted as "*other*".</param>
    public void RecordReceived(string command, int bytes, bool known, long now)
    {
        BytesReceived += bytes;
        MessagesReceived++;
        LastReceive = now;
        Add(known ? command : OtherCommand, received: true, bytes);
    }

    private void Add(string command, bool received, int bytes)
    {
        if (!_perCommand) return;
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

    /// <summary>The commands with traffic, as getpeerinfo lists them.</summary>
    private Dictionary<string, long> ToTable(bool received)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < _used; i++)
            if ((_entries![i].Key & 1) == (received ? 1 : 0) && _entries[i].Bytes != 0)
                result[Commands[_entries[i].Key / 2]] = _entries[i].Bytes;
        return result;
    }
}
