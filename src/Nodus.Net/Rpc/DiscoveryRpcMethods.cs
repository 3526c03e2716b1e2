using System.Text.Json.Nodes;
using Nodus.Core.Discovery;
using Nodus.Net.Runtime;
using CoreRpcException = Nodus.Core.Discovery.RpcException;

namespace Nodus.Net.Rpc;

/// <summary>
/// getnodeaddresses, getaddednodeinfo, setban, listbanned and clearbanned with bitcoin-cli's names, parameters and
/// result shapes, answered by <see cref="DiscoveryRpc"/> on the node's event loop.
/// </summary>
public static class DiscoveryRpcMethods
{
    public static void Register(RpcMethods methods, NodeHost host, DiscoveryService discovery)
    {
        var rpc = discovery.Rpc;
        methods.Register("getnodeaddresses", ["count", "network"], p =>
        {
            int count = (int)Math.Clamp(p.GetOptionalInt64(0, "count") ?? DiscoveryRpc.DefaultNodeAddressCount, -1, int.MaxValue);
            string? network = p.GetOptionalString(1, "network");
            return Call(host, now => new JsonArray([.. rpc.GetNodeAddresses(now, count, network).Select(a => (JsonNode)new JsonObject
            {
                ["time"] = a.Time, ["services"] = a.Services, ["address"] = a.Address, ["port"] = a.Port, ["network"] = a.Network,
            })]));
        }, "Returns up to count (default 1, 0 for all) known addresses, optionally only of network ipv4 or ipv6.");

        methods.Register("getaddednodeinfo", ["node"], p =>
        {
            string? node = p.GetOptionalString(0, "node");
            return Call(host, _ => new JsonArray([.. rpc.GetAddedNodeInfo(node).Select(n => (JsonNode)new JsonObject
            {
                ["addednode"] = n.AddedNode,
                ["connected"] = n.Connected,
                ["addresses"] = new JsonArray([.. n.Addresses.Select(a => (JsonNode)new JsonObject { ["address"] = a.Address, ["connected"] = a.Connected })]),
            })]));
        }, "Returns information about the added nodes (addnode), or about one of them.");

        methods.Register("setban", ["subnet", "command", "bantime", "absolute"], p =>
        {
            string subnet = p.GetString(0, "subnet");
            string command = p.GetString(1, "command");
            long bantime = p.GetOptionalInt64(2, "bantime") ?? 0;
            bool absolute = p.GetOptionalBool(3, "absolute") ?? false;
            return Call(host, now => { rpc.SetBan(subnet, command, now, bantime, absolute); return null; });
        }, "Adds (with bantime seconds, default 24 h, or an absolute Unix time) or removes an IP/subnet ban; bans persist.");

        methods.Register("listbanned", [], _ => Call(host, now => new JsonArray([.. rpc.ListBanned(now).Select(b => (JsonNode)new JsonObject
        {
            ["address"] = b.Address, ["ban_created"] = b.BanCreated, ["banned_until"] = b.BannedUntil,
            ["ban_duration"] = b.BanDuration, ["time_remaining"] = b.TimeRemaining,
        })])), "Lists the manually banned IPs/subnets.");

        methods.Register("clearbanned", [], _ => Call(host, _ => { rpc.ClearBanned(); return null; }),
            "Clears all manual bans and discouragements.");
    }

    /// <summary>Runs on the event loop; a discovery error becomes the RPC error with Bitcoin Core's code.</summary>
    private static async Task<JsonNode?> Call(NodeHost host, Func<long, JsonNode?> body)
    {
        try { return await host.InvokeAsync((_, now) => body(now)).ConfigureAwait(false); }
        catch (CoreRpcException e) { throw new RpcException(e.Code, e.Message); }
    }
}
