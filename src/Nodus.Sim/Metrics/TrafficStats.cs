namespace Nodus.Sim.Metrics;

/// <summary>Messages and bytes on the simulated wire: per node (sent and received) and per command (whole network).</summary>
public sealed class TrafficStats
{
    // Totals per command in the order first seen. A message's Command is a string constant, so a send finds its
    // slot by reference in a short scan (a few dozen commands exist) instead of hashing the string: one send per
    // simulated message, 25 M in the bitcoin preset.
    /// <summary>Room for every command the wire defines (MessageCodec.KnownCommands) before the table grows;
    /// it holds one slot per distinct command, and the simulator sends only the wire's messages.</summary>
    private const int CommandSlots = 32;

    private string[] _commands = new string[CommandSlots];
    private CommandTotals[] _totals = new CommandTotals[CommandSlots];
    private int _commandCount;

    /// <summary>One node's totals side by side: a send and a delivery each update a random node's, so one array of
    /// these costs one cold cache line where an array per total cost one each.</summary>
    private struct NodeTotals
    {
        public long BytesSent, BytesReceived;
        public int MessagesSent;
    }

    private readonly NodeTotals[] _perNode;

    public TrafficStats(int nodes) => _perNode = new NodeTotals[nodes];

    /// <summary>Bytes each node sent (a copy, indexed by node).</summary>
    public long[] BytesSent => [.. _perNode.Select(t => t.BytesSent)];
    /// <summary>Bytes each node received (a copy, indexed by node).</summary>
    public long[] BytesReceived => [.. _perNode.Select(t => t.BytesReceived)];
    /// <summary>Messages each node sent (a copy, indexed by node).</summary>
    public int[] MessagesSent => [.. _perNode.Select(t => t.MessagesSent)];
    /// <summary>Nodes counted (every node the run could hold).</summary>
    public int Nodes => _perNode.Length;
    public long BytesSentBy(int node) => _perNode[node].BytesSent;
    public long BytesReceivedBy(int node) => _perNode[node].BytesReceived;
    public long TotalMessages { get; private set; }
    public long TotalBytes { get; private set; }

    /// <summary>Per command, sorted by name so reports are stable.</summary>
    public IEnumerable<KeyValuePair<string, CommandTotals>> PerCommand =>
        Enumerable.Range(0, _commandCount).Select(i => KeyValuePair.Create(_commands[i], _totals[i]))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal);

    public void RecordSent(int node, string command, int bytes)
    {
        ref var n = ref _perNode[node];
        n.BytesSent += bytes;
        n.MessagesSent++;
        TotalMessages++;
        TotalBytes += bytes;
        ref var totals = ref TotalsOf(command);
        totals = new CommandTotals(totals.Messages + 1, totals.Bytes + bytes);
    }

    private ref CommandTotals TotalsOf(string command)
    {
        for (int i = 0; i < _commandCount; i++)
            if (ReferenceEquals(_commands[i], command)) return ref _totals[i];
        for (int i = 0; i < _commandCount; i++)
            if (string.Equals(_commands[i], command, StringComparison.Ordinal)) return ref _totals[i]; // an equal copy
        if (_commandCount == _commands.Length)
        {
            Array.Resize(ref _commands, _commandCount * 2);
            Array.Resize(ref _totals, _commandCount * 2);
        }
        _commands[_commandCount] = command;
        return ref _totals[_commandCount++];
    }

    public void RecordReceived(int node, int bytes) => _perNode[node].BytesReceived += bytes;
}

public readonly record struct CommandTotals(long Messages, long Bytes);
