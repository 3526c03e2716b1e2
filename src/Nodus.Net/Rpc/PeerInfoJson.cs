using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Nodus.Core;
using Nodus.Core.Peers;

namespace Nodus.Net.Rpc;

/// <summary>Peers in getpeerinfo's shape: bitcoind's field names, units (seconds, with decimals for pings) and order.</summary>
public static class PeerInfoJson
{
    /// <summary>Service bits and their names as bitcoind's GetServicesNames lists them (BIP 111, 144, 157, 159, 324).</summary>
    private static readonly (ulong Bit, string Name)[] ServiceNames =
    [
        (1UL << 0, "NETWORK"),
        (1UL << 2, "BLOOM"),
        (1UL << 3, "WITNESS"),
        (1UL << 6, "COMPACT_FILTERS"),
        (1UL << 10, "NETWORK_LIMITED"),
        (1UL << 11, "P2P_V2"),
        (NodeOptions.NodeNodusTls, "NODUS_TLS"), // not in bitcoind: an experimental bit (24), see NodeOptions
    ];

    public static string ServicesHex(ulong services) => services.ToString("x16", CultureInfo.InvariantCulture);

    public static JsonArray ServicesNames(ulong services) =>
        [.. ServiceNames.Where(s => (services & s.Bit) != 0).Select(s => (JsonNode)s.Name)];

    public static string NetworkName(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => "ipv4",
        AddressFamily.InterNetworkV6 => "ipv6",
        _ => "not_publicly_routable",
    };

    /// <param name="transport">The connection's TLS facts from <c>NodeHost.TransportOf</c>; null omits the tls fields.</param>
    public static JsonObject Describe(Peer peer, IPEndPoint? addrBind, long now, Runtime.PeerTransportInfo? transport = null)
    {
        var info = new JsonObject
        {
            ["id"] = peer.Id.Value,
            ["addr"] = peer.Remote.ToString(),
        };
        if (addrBind is not null) info["addrbind"] = addrBind.ToString();
        if (peer.LocalAddressSeenByPeer is { } local) info["addrlocal"] = local.ToString();
        info["network"] = NetworkName(peer.Remote.Address);
        info["services"] = ServicesHex(peer.Services);
        info["servicesnames"] = ServicesNames(peer.Services);
        info["relaytxes"] = peer.RelayTransactions;
        info["lastsend"] = Time.ToUnixSeconds(peer.Traffic.LastSend);
        info["lastrecv"] = Time.ToUnixSeconds(peer.Traffic.LastReceive);
        info["bytessent"] = peer.Traffic.BytesSent;
        info["bytesrecv"] = peer.Traffic.BytesReceived;
        info["conntime"] = Time.ToUnixSeconds(peer.ConnectedAt);
        info["timeoffset"] = peer.TimeOffsetSeconds;
        if (peer.LastPingTime is { } ping) info["pingtime"] = Seconds(ping);
        if (peer.MinPingTime is { } minPing) info["minping"] = Seconds(minPing);
        if (peer.PingNonce is not null) info["pingwait"] = Seconds(now - peer.PingSentAt);
        info["version"] = peer.Version;
        info["subver"] = peer.UserAgent;
        info["inbound"] = peer.IsInbound;
        info["startingheight"] = peer.StartHeight;
        info["connection_type"] = peer.ConnectionType.ToRpcName();
        info["transport_protocol_type"] = peer.IsEstablished ? "v1" : "detecting";
        if (transport is not null)
        {
            // Not in bitcoind: whether the v1 frames travel inside TLS, and the peer's certificate fingerprint.
            info["tls"] = transport.IsTls;
            if (transport.RemoteFingerprint is { } fingerprint) info["tlsfingerprint"] = fingerprint;
        }
        info["handshake"] = peer.State.ToString().ToLowerInvariant(); // not in bitcoind: where the handshake stands
        info["bytessent_per_msg"] = PerMessage(peer.Traffic.SentPerCommand);
        info["bytesrecv_per_msg"] = PerMessage(peer.Traffic.ReceivedPerCommand);
        return info;
    }

    /// <summary>Microseconds as seconds with bitcoind's six decimals.</summary>
    public static double Seconds(long micros) => Math.Round(Time.ToSeconds(micros), 6);

    private static JsonObject PerMessage(IReadOnlyDictionary<string, long> table)
    {
        var result = new JsonObject();
        foreach (var (command, bytes) in table.OrderBy(kv => kv.Key, StringComparer.Ordinal)) result[command] = bytes;
        return result;
    }
}
