using System.Net;
using System.Text.Json.Nodes;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Net.Runtime;

namespace Nodus.Net.Rpc;

/// <summary>
/// The peer-to-peer RPC methods of bitcoind's "network" and "control" categories, answered from the node on its
/// event loop: getnetworkinfo, getpeerinfo, getconnectioncount, addnode, disconnectnode, uptime, stop.
/// </summary>
public static class NetworkRpc
{
    /// <summary>Our version as bitcoind encodes it in getnetworkinfo (major·10000 + minor·100 + patch): 0.1.0.</summary>
    public const int ClientVersion = 100;

    /// <param name="defaultPort">The network's P2P port, used when addnode is given an address without one.</param>
    public static void Register(RpcMethods methods, NodeHost host, int defaultPort)
    {
        methods.Register("getnetworkinfo", [], _ => host.InvokeAsync((node, now) => (JsonNode?)NetworkInfo(host, node)),
            "Returns the node's version, services and connection counts.");

        methods.Register("getpeerinfo", [], _ => host.InvokeAsync((node, now) =>
        {
            var peers = new JsonArray();
            foreach (var peer in node.Peers.OrderBy(p => p.Id.Value))
                peers.Add(PeerInfoJson.Describe(peer, host.LocalEndPointOf(peer.Id), now, host.TransportOf(peer.Id)));
            return (JsonNode?)peers;
        }), "Returns data about each connected peer.");

        methods.Register("getconnectioncount", [], _ => host.InvokeAsync((node, now) => (JsonNode?)node.Peers.Count),
            "Returns the number of connections to other nodes.");

        methods.Register("addnode", ["node", "command"], p =>
        {
            string address = p.GetString(0, "node");
            string command = p.GetString(1, "command");
            if (!EndPoints.TryParse(address, defaultPort, out var endPoint))
                throw new RpcException(RpcErrorCode.InvalidParameter, $"addnode: '{address}' is not IP[:PORT] (host names are not resolved)");
            var parsed = command switch
            {
                "add" => AddNodeCommand.Add,
                "remove" => AddNodeCommand.Remove,
                "onetry" => AddNodeCommand.OneTry,
                _ => throw new RpcException(RpcErrorCode.InvalidParameter, $"addnode: command must be add, remove or onetry, not '{command}'"),
            };
            return host.InvokeAsync((node, now) =>
            {
                string? error = node.AddNode(endPoint, parsed, now);
                if (error is not null)
                    throw new RpcException(parsed == AddNodeCommand.Add ? RpcErrorCode.ClientNodeAlreadyAdded : RpcErrorCode.ClientNodeNotAdded,
                        $"Error: {error}");
                return (JsonNode?)null;
            });
        }, "Adds a node to keep connected to (add), forgets it (remove), or connects to it once (onetry).");

        methods.Register("disconnectnode", ["address", "nodeid"], p =>
        {
            string? address = p.GetOptionalString(0, "address");
            long? nodeId = p.GetOptionalInt64(1, "nodeid");
            if (!string.IsNullOrEmpty(address) && nodeId is not null)
                throw new RpcException(RpcErrorCode.InvalidParameter, "Only one of address and nodeid should be provided.");
            Func<Peer, bool> match;
            if (!string.IsNullOrEmpty(address))
            {
                if (!EndPoints.TryParse(address, defaultPort, out var endPoint))
                    throw new RpcException(RpcErrorCode.InvalidParameter, $"disconnectnode: '{address}' is not IP[:PORT]");
                match = peer => peer.Remote.Equals(endPoint);
            }
            else if (nodeId is { } id) match = peer => peer.Id.Value == id;
            else throw new RpcException(RpcErrorCode.InvalidParameter, "disconnectnode: give an address or a nodeid");
            return host.InvokeAsync((node, now) => node.Disconnect(match)
                ? (JsonNode?)null
                : throw new RpcException(RpcErrorCode.ClientNodeNotConnected, "Node not found in connected nodes"));
        }, "Disconnects a peer, chosen by address or by its getpeerinfo id.");

        methods.Register("uptime", [], _ => host.InvokeAsync((node, now) => (JsonNode?)Time.ToUnixSeconds(now - node.StartedAt)),
            "Returns the number of seconds the node has been running.");

        methods.Register("stop", [], _ =>
        {
            host.RequestStop();
            return Task.FromResult<JsonNode?>("Nodus stopping");
        }, "Stops the node.");
    }

    private static JsonObject NetworkInfo(NodeHost host, Node node)
    {
        var options = node.Options;
        int inbound = node.Peers.Count(p => p.IsInbound);
        var offsets = node.Peers.Where(p => !p.IsInbound && p.IsEstablished).Select(p => p.TimeOffsetSeconds).Order().ToList();
        var localAddresses = new JsonArray();
        if (host.ListenEndPoint is { } listen && !listen.Address.Equals(IPAddress.Any) && !listen.Address.Equals(IPAddress.IPv6Any))
            localAddresses.Add(new JsonObject { ["address"] = listen.Address.ToString(), ["port"] = listen.Port, ["score"] = 1 });
        return new JsonObject
        {
            ["version"] = ClientVersion,
            ["subversion"] = options.UserAgent,
            ["protocolversion"] = options.ProtocolVersion,
            ["localservices"] = PeerInfoJson.ServicesHex(options.Services),
            ["localservicesnames"] = PeerInfoJson.ServicesNames(options.Services),
            ["localrelay"] = options.RelayTransactions,
            // Not in bitcoind: the TLS mode and this node's certificate fingerprint, for operators to exchange.
            ["tls"] = host.Options.Tls.Mode.ToName(),
            ["tlsfingerprint"] = host.Options.Tls.Fingerprint,
            // bitcoind reports the median offset of its outbound peers' clocks.
            ["timeoffset"] = offsets.Count == 0 ? 0 : offsets[offsets.Count / 2],
            ["networkactive"] = true,
            ["connections"] = node.Peers.Count,
            ["connections_in"] = inbound,
            ["connections_out"] = node.Peers.Count - inbound,
            ["networks"] = new JsonArray(
                new JsonObject { ["name"] = "ipv4", ["limited"] = false, ["reachable"] = true, ["proxy"] = "", ["proxy_randomize_credentials"] = false },
                new JsonObject { ["name"] = "ipv6", ["limited"] = false, ["reachable"] = true, ["proxy"] = "", ["proxy_randomize_credentials"] = false }),
            ["localaddresses"] = localAddresses,
            ["warnings"] = new JsonArray(),
        };
    }
}
