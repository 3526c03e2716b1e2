using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Relay;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;

namespace Nodus.Net.Tests;

/// <summary>
/// A set of in-process regtest <see cref="NodeDaemon"/>s on 127.0.0.1 with ephemeral ports and temporary data
/// directories, driven through their RPC handlers (no HTTP); disposing stops them and deletes their directories.
/// </summary>
internal sealed class DaemonNet : IAsyncDisposable
{
    private readonly List<NodeDaemon> _daemons = [];
    private readonly List<string> _dirs = [];

    public IReadOnlyList<NodeDaemon> Nodes => _daemons;

    public NodeDaemon this[int i] => _daemons[i];

    /// <summary>Starts a node that dials exactly <paramref name="connect"/> (and accepts anyone).</summary>
    public async Task<NodeDaemon> StartAsync(IEnumerable<NodeDaemon> connect, RelayOptions? relay = null)
    {
        string dir = TestNet.TempDir();
        _dirs.Add(dir);
        var node = new NodeOptions { Connect = [.. connect.Select(d => d.Host.ListenEndPoint!)] };
        var daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
        {
            DataDir = dir,
            Network = Networks.Regtest,
            Full = new FullNodeOptions { Relay = relay ?? new RelayOptions() },
            Host = new NodeHostOptions
            {
                Magic = Networks.Regtest.Magic,
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                Node = node,
                RandomSeed = Random.Shared.Next(),
            },
        }, new ListLoggerFactory());
        _daemons.Add(daemon);
        return daemon;
    }

    public static async Task<JsonNode?> CallAsync(NodeDaemon daemon, string method, params object[] args)
    {
        var values = args.Select(a => (JsonElement?)JsonSerializer.SerializeToElement(a)).ToList();
        return await daemon.Methods.Find(method)!.Handler(new RpcParams(method, values), CancellationToken.None);
    }

    public static Task<(int Height, string Tip)> TipAsync(NodeDaemon daemon) =>
        daemon.Host.InvokeAsync((_, _) => (daemon.Full.Chain.Height, daemon.Full.Chain.Tip.Hash.ToString()));

    public static Task<int> MempoolCountAsync(NodeDaemon daemon) => daemon.Host.InvokeAsync((_, _) => daemon.Full.Mempool.Count);

    public static Task<int> PeersAsync(NodeDaemon daemon) => daemon.Host.InvokeAsync((node, _) => node.Peers.Count(p => p.IsEstablished));

    /// <summary>A well-formed transaction spending a made-up outpoint (the default validator accepts any), distinct per <paramref name="n"/>.</summary>
    public static string TransactionHex(int n) =>
        "01000000" + "01" + n.ToString("x8") + new string('a', 56) + "00000000" + "0151" + "ffffffff"
        + "01" + "e803000000000000" + "0151" + "00000000";

    public async ValueTask DisposeAsync()
    {
        for (int i = _daemons.Count - 1; i >= 0; i--) await _daemons[i].StopAsync();
        foreach (string dir in _dirs)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { } // a leftover temp directory is harmless
        }
    }
}
