using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nodus.Core.Chain;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>The chain, mining and mempool RPC methods on two real daemons joined over loopback.</summary>
public sealed class ChainRpcTests : IAsyncLifetime
{
    private NodeDaemon _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        _a = await StartAsync(null);
        _b = await StartAsync(_a.Host.ListenEndPoint);
        await TestNet.WaitUntilAsync(async () => (await TestNet.EstablishedAsync(_b.Host)).Count == 1, "b connects to a");
    }

    public async Task DisposeAsync()
    {
        await _b.StopAsync();
        await _a.StopAsync();
    }

    private static Task<NodeDaemon> StartAsync(IPEndPoint? connect) => NodeDaemon.StartAsync(new NodeDaemonOptions
    {
        DataDir = TestNet.TempDir(),
        Network = Networks.Regtest,
        Host = new NodeHostOptions
        {
            Magic = Networks.Regtest.Magic,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Node = new Core.NodeOptions { Connect = connect is null ? [] : [connect] },
        },
    }, new ListLoggerFactory());

    private static async Task<JsonNode?> CallAsync(NodeDaemon daemon, string method, params object[] args)
    {
        var values = args.Select(a => (JsonElement?)JsonSerializer.SerializeToElement(a)).ToList();
        return await daemon.Methods.Find(method)!.Handler(new RpcParams(method, values), CancellationToken.None);
    }

    [Fact(Timeout = 60_000)]
    public async Task Generate_BlocksReachPeer_AndChainMethodsDescribeThem()
    {
        var hashes = (await CallAsync(_a, "generate", 5))!.AsArray();
        Assert.Equal(5, hashes.Count);
        await TestNet.WaitUntilAsync(async () => (int)(await CallAsync(_b, "getblockcount"))! == 5, "b syncs the 5 blocks");

        var info = (await CallAsync(_b, "getblockchaininfo"))!;
        Assert.Equal("regtest", info["chain"]!.GetValue<string>());
        Assert.Equal(5, info["blocks"]!.GetValue<int>());
        Assert.Equal(hashes[4]!.GetValue<string>(), info["bestblockhash"]!.GetValue<string>());
        Assert.False(info["initialblockdownload"]!.GetValue<bool>());

        Assert.Equal(hashes[2]!.GetValue<string>(), (await CallAsync(_b, "getblockhash", 3))!.GetValue<string>());
        var header = (await CallAsync(_b, "getblockheader", hashes[2]!.GetValue<string>()))!;
        Assert.Equal(3, header["height"]!.GetValue<int>());
        Assert.Equal(3, header["confirmations"]!.GetValue<int>());
        Assert.Equal(hashes[1]!.GetValue<string>(), header["previousblockhash"]!.GetValue<string>());

        string rawHeader = (await CallAsync(_b, "getblockheader", hashes[2]!.GetValue<string>(), false))!.GetValue<string>();
        Assert.Equal(160, rawHeader.Length);
        var block = (await CallAsync(_b, "getblock", hashes[4]!.GetValue<string>()))!;
        Assert.Single(block["tx"]!.AsArray()); // the coinbase
        var tips = (await CallAsync(_b, "getchaintips"))!.AsArray();
        Assert.Equal("active", Assert.Single(tips)!["status"]!.GetValue<string>());

        var e = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_b, "getblockhash", 99));
        Assert.Equal(RpcErrorCode.InvalidParameter, e.Code);
    }

    [Fact(Timeout = 60_000)]
    public async Task SendRawTransaction_ReachesPeerMempool_ThenIsMined()
    {
        string hex = "01000000" + "01" + new string('a', 64) + "00000000" + "0151" + "ffffffff"
                     + "01" + "e803000000000000" + "0151" + "00000000";
        string txid = (await CallAsync(_b, "sendrawtransaction", hex))!.GetValue<string>();
        await TestNet.WaitUntilAsync(async () => (await CallAsync(_a, "getrawmempool"))!.AsArray().Any(t => t!.GetValue<string>() == txid),
            "the transaction reaches a's mempool", TimeSpan.FromSeconds(30));
        var tx = (await CallAsync(_a, "getrawtransaction", txid, true))!;
        Assert.Equal(txid, tx["txid"]!.GetValue<string>());

        var mined = (await CallAsync(_a, "generate", 1))!.AsArray()[0]!.GetValue<string>();
        var block = (await CallAsync(_a, "getblock", mined))!;
        Assert.Contains(block["tx"]!.AsArray(), t => t!.GetValue<string>() == txid);
        await TestNet.WaitUntilAsync(async () => (await CallAsync(_b, "getrawmempool"))!.AsArray().Count == 0, "b's mempool empties once mined");

        var bad = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_a, "sendrawtransaction", "00ff"));
        Assert.Equal(RpcErrorCode.DeserializationError, bad.Code);
    }
}
