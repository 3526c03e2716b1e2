namespace Nodus.Core.Peers;

/// <summary>
/// Bytes sent and received per message type on one connection (getpeerinfo's bytessent_per_msg and
/// bytesrecv_per_msg). Unknown commands are counted under "*other*", as Bitcoin Core does, which also bounds the
/// table: a peer cannot grow it with invented command names.
/// </summary>
public sealed class TrafficCounters
{
    public const string OtherCommand = "*other*";

    private readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _received = new(StringComparer.Ordinal);

    public long BytesSent { get; private set; }
    public long BytesReceived { get; private set; }
    public long LastSend { get; private set; }
    public long LastReceive { get; private set; }
    public long MessagesSent { get; private set; }
    public long MessagesReceived { get; private set; }

    public IReadOnlyDictionary<string, long> SentPerCommand => _sent;
    public IReadOnlyDictionary<string, long> ReceivedPerCommand => _received;

    public void RecordSent(string command, int bytes, long now)
    {
        BytesSent += bytes;
        MessagesSent++;
        LastSend = now;
        Add(_sent, command, bytes);
    }

    /// <param name="known">False for a command the node does not know, counted as "*other*".</param>
    public void RecordReceived(string command, int bytes, bool known, long now)
    {
        BytesReceived += bytes;
        MessagesReceived++;
        LastReceive = now;
        Add(_received, known ? command : OtherCommand, bytes);
    }

    private static void Add(Dictionary<string, long> table, string command, int bytes) =>
        table[command] = table.GetValueOrDefault(command) + bytes;
}
