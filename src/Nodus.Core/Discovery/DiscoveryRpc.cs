using System.Globalization;
using System.Net;
using Nodus.Core.Peers;

namespace Nodus.Core.Discovery;

/// <summary>A JSON-RPC error with Bitcoin Core's code (rpc/protocol.h), for the runtime's RPC server to return.</summary>
public sealed class RpcException(int code, string message) : Exception(message)
{
    /// <summary>Bitcoin Core's RPC_INVALID_PARAMETER, RPC_CLIENT_NODE_ALREADY_ADDED, RPC_CLIENT_NODE_NOT_ADDED,
    /// RPC_CLIENT_INVALID_IP_OR_SUBNET.</summary>
    public const int InvalidParameter = -8, NodeAlreadyAdded = -23, NodeNotAdded = -24, InvalidIpOrSubnet = -30;

    public int Code { get; } = code;
}

/// <summary>getnodeaddresses entry (bitcoin-cli shape).</summary>
public sealed record NodeAddressResult(long Time, ulong Services, string Address, int Port, string Network);

/// <summary>getaddednodeinfo entry.</summary>
public sealed record AddedNodeResult(string AddedNode, bool Connected, IReadOnlyList<AddedNodeAddress> Addresses);
public sealed record AddedNodeAddress(string Address, string Connected);

/// <summary>listbanned entry (times in Unix seconds, durations in seconds).</summary>
public sealed record BannedResult(string Address, long BanCreated, long BannedUntil, long BanDuration, long TimeRemaining);

/// <summary>
/// The discovery RPC methods, producing bitcoin-cli's result shapes as plain records (the runtime serialises them
/// with snake_case names: ban_created, banned_until, …). Errors are <see cref="RpcException"/>s.
/// </summary>
public sealed class DiscoveryRpc
{
    /// <summary>Bitcoin Core's getnodeaddresses default count.</summary>
    public const int DefaultNodeAddressCount = 1;

    private readonly DiscoveryService _discovery;

    internal DiscoveryRpc(DiscoveryService discovery) => _discovery = discovery;

    /// <summary>getnodeaddresses [count=1] [network]: random known addresses; count 0 means all.</summary>
    public IReadOnlyList<NodeAddressResult> GetNodeAddresses(long now, int count = DefaultNodeAddressCount, string? network = null)
    {
        if (count < 0) throw new RpcException(RpcException.InvalidParameter, "Address count out of range");
        if (network is not null and not ("ipv4" or "ipv6"))
            throw new RpcException(RpcException.InvalidParameter, $"Network not recognized: {network}");
        var picked = _discovery.Addresses.GetAddresses(count, 0, now,
            i => network is not null && NetworkName(i.Address) != network);
        return picked.Select(i => new NodeAddressResult(Time.ToUnixSeconds(i.Time), i.Services, i.Address.Address.ToString(),
            i.Address.Port, NetworkName(i.Address))).ToList();
    }

    /// <summary>getaddednodeinfo [node]: the addnode list and whether each is connected.</summary>
    public IReadOnlyList<AddedNodeResult> GetAddedNodeInfo(string? node = null)
    {
        var added = _discovery.Node.AddedNodes.All.AsEnumerable();
        if (node is not null)
        {
            added = added.Where(n => n.EndPoint.ToString() == node || n.EndPoint.Address.ToString() == node).ToList();
            if (!added.Any()) throw new RpcException(RpcException.NodeNotAdded, "Error: Node has not been added.");
        }
        return added.Select(n =>
        {
            var peer = _discovery.Node.Peers.FirstOrDefault(p => p.Remote.Equals(n.EndPoint) && !p.IsInbound);
            var addresses = peer is null ? [] : new[] { new AddedNodeAddress(n.EndPoint.ToString(), "outbound") };
            return new AddedNodeResult(n.EndPoint.ToString(), peer is not null, addresses);
        }).ToList();
    }

    /// <summary>
    /// setban "subnet" "add|remove" [bantime] [absolute]: bantime in seconds (0: 24 h), or a Unix time when
    /// <paramref name="absolute"/>. Adding disconnects peers inside the subnet.
    /// </summary>
    public void SetBan(string subnet, string command, long now, long banTimeSeconds = 0, bool absolute = false)
    {
        if (command is not ("add" or "remove"))
            throw new RpcException(RpcException.InvalidParameter, "setban command must be \"add\" or \"remove\"");
        if (SubNet.Parse(subnet) is not { } net)
            throw new RpcException(RpcException.InvalidIpOrSubnet, "Error: Invalid IP/Subnet");
        var bans = _discovery.Bans;
        if (command == "add")
        {
            long until = absolute ? Time.FromUnixSeconds(banTimeSeconds)
                : now + (banTimeSeconds > 0 ? Time.FromUnixSeconds(banTimeSeconds) : BanManager.DefaultBanTime);
            if (until <= now) throw new RpcException(RpcException.InvalidParameter, "Error: Absolute timestamp is in the past");
            if (!bans.Ban(net, until, now)) throw new RpcException(RpcException.NodeAlreadyAdded, "Error: IP/Subnet already banned");
        }
        else if (!bans.Unban(net, now))
            throw new RpcException(RpcException.InvalidIpOrSubnet,
                "Error: Unban failed. Requested address/subnet was not previously manually banned.");
    }

    /// <summary>listbanned.</summary>
    public IReadOnlyList<BannedResult> ListBanned(long now) =>
        _discovery.Bans.List(now).Select(b => new BannedResult(b.SubNet.ToString(), Time.ToUnixSeconds(b.Created),
            Time.ToUnixSeconds(b.Until), Time.ToUnixSeconds(b.Until - b.Created), Time.ToUnixSeconds(b.Until - now))).ToList();

    /// <summary>clearbanned.</summary>
    public void ClearBanned() => _discovery.Bans.Clear();

    private static string NetworkName(AddressKey a) => a.IsIPv4 ? "ipv4" : "ipv6";
}
