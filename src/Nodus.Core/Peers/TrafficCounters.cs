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

    /// <summary>Every known command and "*other*", each with a slot: two small arrays per connection instead of two
    /// growing dictionaries (the simulator holds millions of connections; the dictionaries were most of a Peer).</summary>
    private static readonly string[] Commands = [.. MessageCodec.KnownCommands.Order(StringComparer.Ordinal), OtherCommand];
    private static readonly FrozenDictionary<string, int> Slots =
        Commands.Select((c, i) => (c, i)).ToFrozenDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    private long[]? _sent;
    private long[]? _received;

    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    public long LastSend { get; private set; }
    public long LastReceive { get; private set; }
    public long MessagesSent { get; private set; }
    public long MessagesReceived { get; private set; }

    public IReadOnlyDictionary<string, long> SentPerCommand => ToTable(_sent);
    public IReadOnlyDictionary<string, long> ReceivedPerCommand => ToTable(_received);

    public void RecordSent(string command, int bytes, long now)
    {
        BytesSent += bytes;
        MessagesSent++;
        LastSend = now;
        Add(ref _sent, command, bytes);
    }

    /// <param name="known">False for a command the node does not know, counted as "*other*".</param>
    public void RecordReceived(string command, int bytes, bool known, long now)
    {
        BytesReceived += bytes;
        MessagesReceived++;
        LastReceive = now;
        Add(ref _received, known ? command : OtherCommand, bytes);
    }

    private static void Add(ref long[]? table, string command, int bytes)
    {
        table ??= new long[Commands.Length];
        table[Slots.TryGetValue(command, out int slot) ? slot : Commands.Length - 1] += bytes;
    }

    /// <summary>The commands with traffic, as getpeerinfo lists them.</summary>
    private static Dictionary<string, long> ToTable(long[]? table)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (table is null) return result;
        for (int i = 0; i < table.Length; i++)
            if (table[i] != 0) result[Commands[i]] = table[i];
        return result;
    }
}
