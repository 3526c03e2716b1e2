using System.Text.Json;
using Nodus.Core;

namespace Nodus.Sim.Network;

public enum PartitionMode
{
    /// <summary>Messages across the cut are lost (a black hole; TCP would stall, then the keep-alive times out).</summary>
    Drop,
    /// <summary>Messages across the cut wait and are delivered once it heals (TCP retransmitting until the link returns).</summary>
    Hold,
}

/// <summary>
/// A cut in the underlay between two sets of nodes from <see cref="From"/> until <see cref="Until"/>. Dials across
/// the cut fail; messages are dropped or held according to <see cref="Mode"/>.
/// </summary>
public sealed class Partition
{
    private readonly byte[] _side; // 0: outside the cut, 1: set A, 2: set B

    public Partition(byte[] side, long from, long until, PartitionMode mode, string description)
    {
        _side = side;
        From = from;
        Until = until;
        Mode = mode;
        Description = description;
    }

    public long From { get; }
    public long Until { get; }
    public PartitionMode Mode { get; }
    public string Description { get; }

    /// <summary>Puts the nodes of <paramref name="regionsA"/> against those of <paramref name="regionsB"/>.</summary>
    public static Partition ByRegion(INetworkModel model, int nodes, IReadOnlyCollection<int> regionsA,
        IReadOnlyCollection<int> regionsB, long from, long until, PartitionMode mode)
    {
        var side = new byte[nodes];
        for (int i = 0; i < nodes; i++)
        {
            int r = model.RegionOf(i);
            side[i] = regionsA.Contains(r) ? (byte)1 : regionsB.Contains(r) ? (byte)2 : (byte)0;
        }
        string Names(IEnumerable<int> rs) => string.Join("+", rs.Select(r => model.RegionNames[r]));
        return new Partition(side, from, until, mode, $"{Names(regionsA)} | {Names(regionsB)}");
    }

    /// <summary>Splits the nodes in two: the first <paramref name="fraction"/> of indices against the rest.</summary>
    public static Partition Split(int nodes, double fraction, long from, long until, PartitionMode mode)
    {
        var side = new byte[nodes];
        int cut = (int)Math.Round(nodes * fraction);
        for (int i = 0; i < nodes; i++) side[i] = i < cut ? (byte)1 : (byte)2;
        return new Partition(side, from, until, mode, $"nodes [0,{cut}) | [{cut},{nodes})");
    }

    public bool IsActive(long now) => now >= From && now < Until;

    /// <summary>0: outside the cut, 1: set A, 2: set B.</summary>
    public int SideOf(int node) => _side[node];

    public int Nodes => _side.Length;

    /// <summary>True when a message from <paramref name="a"/> to <paramref name="b"/> sent at <paramref name="now"/> crosses the cut.</summary>
    public bool Cuts(int a, int b, long now)
    {
        if (!IsActive(now)) return false;
        int sa = _side[a], sb = _side[b];
        return sa != 0 && sb != 0 && sa != sb;
    }

    public void Describe(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("cut", Description);
        json.WriteNumber("fromSeconds", From / (double)Time.Second);
        json.WriteNumber("untilSeconds", Until / (double)Time.Second);
        json.WriteString("mode", Mode == PartitionMode.Drop ? "drop" : "hold");
        json.WriteEndObject();
    }
}
