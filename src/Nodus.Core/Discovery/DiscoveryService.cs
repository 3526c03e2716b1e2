using Nodus.Core.Peers;

namespace Nodus.Core.Discovery;

/// <summary>
/// Peer discovery wired into one node: the address manager (restored from the store), bans, the connection manager
/// and the addr protocol. The real runtime and the simulator both build it with <see cref="Attach"/>.
/// </summary>
public sealed class DiscoveryService
{
    private DiscoveryService(Node node, DiscoveryOptions options, AddressManager addresses, BanManager bans,
        ConnectionManager connections, AddressRelay relay, IAddressStore store)
    {
        Node = node;
        Options = options;
        Addresses = addresses;
        Bans = bans;
        Connections = connections;
        Relay = relay;
        Store = store;
        Rpc = new DiscoveryRpc(this);
    }

    public Node Node { get; }
    public DiscoveryOptions Options { get; }
    public AddressManager Addresses { get; }
    public BanManager Bans { get; }
    public ConnectionManager Connections { get; }
    public AddressRelay Relay { get; }
    public IAddressStore Store { get; }
    /// <summary>getnodeaddresses, getaddednodeinfo, setban, listbanned, clearbanned.</summary>
    public DiscoveryRpc Rpc { get; }

    /// <summary>Builds discovery for <paramref name="node"/> (before <see cref="Node.Start"/>), restoring the book and bans.</summary>
    public static DiscoveryService Attach(Node node, DiscoveryOptions options, IAddressStore store)
    {
        var context = node.Context;
        // -connect means only the given peers, as Bitcoin Core: no automatic outbound, no seeds.
        if (node.Options.Connect.Count > 0) options = options with { AutomaticOutbound = false };
        var groups = options.AllowLocalAddresses ? NetworkGroups.Local : NetworkGroups.Internet;
        var addresses = new AddressManager(options.AddressManager, groups, context.Random);
        if (store.LoadAddressBook() is { } snapshot)
        {
            addresses.Restore(snapshot);
            context.Log(LogSeverity.Information, $"address book: {addresses.NewCount} new, {addresses.TriedCount} tried");
        }
        var bans = new BanManager(store);
        var connections = new ConnectionManager(context, options, addresses, bans, store);
        var relay = new AddressRelay(context, options, addresses, bans);
        node.AddBehaviour(connections);
        node.AddBehaviour(relay);

        context.Misbehaved += (peer, reason) =>
        {
            // Manual peers are the user's choice and local ones are ourselves (Bitcoin Core does not discourage them).
            var key = AddressKey.From(peer.Remote);
            if (peer.ConnectionType == ConnectionType.Manual || (!groups.AllowLocal && NetworkGroups.IsLocal(key))) return;
            // The event carries no time; the misbehaving message arrived with the peer's last receive.
            long at = Math.Max(peer.Traffic.LastReceive, peer.ConnectedAt);
            bans.Discourage(key, at);
            context.Log(LogSeverity.Information, $"discouraging {peer.Remote.Address} for 24 h: {reason}");
        };
        bans.Banned += subnet =>
        {
            foreach (var peer in context.Peers.Values.ToList())
                if (subnet.Contains(AddressKey.From(peer.Remote)))
                    context.Close(peer, new DisconnectReason(DisconnectCode.Requested, $"banned ({subnet})"));
        };
        return new DiscoveryService(node, options, addresses, bans, connections, relay, store);
    }

    /// <summary>Writes the address book now (the connection manager also does every 15 minutes and at shutdown).</summary>
    public void Flush() => Store.SaveAddressBook(Addresses.Snapshot());
}
