using System.Net;
using Nodus.Core;
using Nodus.Net.Runtime;

namespace Nodus.Web.Live;

/// <summary>One node of a devnet: its number K (address 127.0.0.K), its running daemon and the full node inside it.</summary>
internal sealed class DevnetNode
{
    public DevnetNode(int index, NodeDaemon daemon, FullNode full, bool miner)
    {
        Index = index;
        Daemon = daemon;
        Full = full;
        Miner = miner;
    }

    public int Index { get; }
    public string Name => Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public NodeDaemon Daemon { get; }
    public NodeHost Host => Daemon.Host;
    public FullNode Full { get; }
    public bool Miner { get; }

    /// <summary>Outbound links seen at the last stats poll (remote node name → connection type), for link events. Poll loop only.</summary>
    public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

    public static IPAddress AddressOf(int index) => new([127, 0, 0, (byte)index]);

    /// <summary>The devnet node behind a loopback address (127.0.0.K → "K"), or null.</summary>
    public static string? NameOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> b = stackalloc byte[4];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(b, out _)) return null;
        return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] > 0 ? b[3].ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
