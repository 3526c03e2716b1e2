using System.Net;
using Nodus.Core;
using Nodus.Core.Peers;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Sim.Adversaries;

/// <summary>
/// What one attacker node runs beside the plain node engine (handshake, pings): Heilman et al.'s address flood. To
/// every peer, at once and then every <c>interval</c>, and in answer to every getaddr, it sends a full addr message
/// (1,000 entries, Core's MAX_ADDR_TO_SEND) of the attacker's own addresses with fresh timestamps. Every attacker
/// address is a listening attacker node, so a victim that dials one connects to the attacker — and feelers and
/// outbound connections then move it into the victim's tried table.
/// </summary>
internal sealed class EclipseAttacker(NodeContext context, IReadOnlyList<IPEndPoint> addresses, long interval) : INodeBehaviour
{
    private readonly List<Peer> _peers = [];
    private long _next = Time.Never;

    public long NextWakeup => _next;

    public void OnPeerReady(Peer peer, long now)
    {
        _peers.Add(peer);
        SendAddresses(peer, now);
        if (_next == Time.Never) _next = now + interval;
    }

    public void OnPeerClosed(Peer peer, long now) => _peers.Remove(peer);

    public bool OnMessage(Peer peer, IMessage message, long now)
    {
        if (message is not GetAddrMessage) return false;
        SendAddresses(peer, now);
        return true;
    }

    public void OnTimer(long now)
    {
        if (now < _next) return;
        foreach (var peer in _peers) SendAddresses(peer, now);
        _next = now + interval;
    }

    private void SendAddresses(Peer peer, long now)
    {
        int count = Math.Min(AddrMessage.MaxAddresses, addresses.Count);
        uint seen = (uint)Time.ToUnixSeconds(now);
        var entries = new List<TimestampedAddress>(count);
        // A fresh random sample each time (partial Fisher–Yates over indices), from the node's seeded randomness.
        var order = new int[addresses.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        for (int i = 0; i < count; i++)
        {
            int j = context.Random.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
            entries.Add(new TimestampedAddress(seen, new NetAddress(addresses[order[i]], NodeOptions.NodeNetwork)));
        }
        context.Send(peer, new AddrMessage(entries));
    }
}
