namespace Nodus.Sim.Metrics;

/// <summary>Messages and bytes on the simulated wire: per node (sent and received) and per command (whole network).</summary>
public sealed class TrafficStats
{
    private readonly Dictionary<string, CommandTotals> _perCommand = new(StringComparer.Ordinal);

    public TrafficStats(int nodes)
    {
        BytesSent = new long[nodes];
        BytesReceived = new long[nodes];
        MessagesSent = new int[nodes];
    }

    public long[] BytesSent { get; }
    public long[] BytesReceived { get; }
    public int[] MessagesSent { get; }
    public long TotalMessages { get; private set; }
    public long TotalBytes { get; private set; }

    /// <summary>Per command, sorted by name so reports are stable.</summary>
    public IEnumerable<KeyValuePair<string, CommandTotals>> PerCommand =>
        _perCommand.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    public void RecordSent(int node, string command, int bytes)
    {
        BytesSent[node] += bytes;
        MessagesSent[node]++;
        TotalMessages++;
        TotalBytes += bytes;
        ref var totals = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perCommand, command, out _);
        totals = new CommandTotals(totals.Messages + 1, totals.Bytes + bytes);
    }

    public void RecordReceived(int node, int bytes) => BytesReceived[node] += bytes;
}

public readonly record struct CommandTotals(long Messages, long Bytes);
