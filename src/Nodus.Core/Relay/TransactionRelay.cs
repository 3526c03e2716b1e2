using Nodus.Core.Mempool;
using Nodus.Core.Peers;
using Nodus.Core.Sync;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Core.Relay;

/// <summary>
/// Transaction relay as a node behaviour: announcements (inv) scheduled by the node's <see cref="IRelayPolicy"/>,
/// downloads (getdata → tx) through the <see cref="TxRequestTracker"/>, serving getdata and mempool from the
/// <see cref="TxMempool"/>, and Dandelion++'s stem phase through the <see cref="StemPool"/>. inv, getdata and
/// notfound also carry block entries, so this behaviour handles their tx entries and lets the chain see the rest.
/// </summary>
public sealed class TransactionRelay : INodeBehaviour
{
    /// <summary>Bitcoin Core's MAX_GETDATA_SZ: entries per getdata we send.</summary>
    public const int MaxGetDataEntries = 1_000;

    /// <summary>Bitcoin Core's UNCONDITIONAL_RELAY_DELAY: a transaction we have not announced to a peer is served to
    /// it only after 2 minutes in the mempool, so a spy cannot learn by getdata what we received before announcing.</summary>
    public const long UnconditionalRelayDelay = 2 * Time.Minute;

    /// <summary>Bitcoin's MAX_INV_SZ: the mempool reply is one inv of at most 50,000 txids.</summary>
    public const int MaxMempoolReply = InvVector.MaxPerMessage;

    /// <summary>A ready peer's relay state. It is its own known-inventory filter: one object per connection, not two.</summary>
    private sealed class PeerRelayState(Peer peer, int knownCapacity) : RecentTxFilter(knownCapacity)
    {
        public Peer Peer { get; } = peer;
        /// <summary>Txids the peer has or was told about (Core's m_tx_inventory_known_filter).</summary>
        public RecentTxFilter Known => this;
        public bool AnsweredMempool;
    }

    private readonly NodeContext _context;
    private readonly PeerTable<PeerRelayState> _peers = new();
    private readonly List<(PeerId Peer, Hash256 Txid)> _requests = [];

    public TransactionRelay(NodeContext context, TxMempool mempool, RelayOptions? options = null)
    {
        _context = context;
        Mempool = mempool;
        Options = options ?? new RelayOptions();
        Policy = Options.CreatePolicy(context.Random);
        Requests = new TxRequestTracker(Options.NonPreferredRequestDelay);
    }

    public RelayOptions Options { get; private set; }
    public TxMempool Mempool { get; }
    public IRelayPolicy Policy { get; private set; }
    public StemPool StemPool { get; } = new();
    public TxRequestTracker Requests { get; }

    /// <summary>First arrival of each transaction at this node (from a peer, or submitted locally).</summary>
    public event Action<TransactionArrival>? TransactionReceived;

    /// <summary>A stem transaction forwarded: txid, where it came from (null: our own), the relay, the time.</summary>
    public event Action<Hash256, PeerId?, PeerId, long>? StemRelayed;

    /// <summary>A transaction left the stem phase at this node and entered the mempool.</summary>
    public event Action<Hash256, FluffReason, long>? Fluffed;

    // ---- RPC-facing API ----

    /// <summary>sendrawtransaction: checks the transaction and relays it (Dandelion: always stemmed first, so it
    /// shows in the mempool only once fluffed). Returns why it was refused, or <see cref="MempoolAcceptResult.Ok"/>.</summary>
    public MempoolAcceptResult SubmitTransaction(Transaction tx, long now)
    {
        MarkChanged();
        var txid = tx.GetHash();
        if (StemPool.Contains(txid)) return new(MempoolAcceptStatus.AlreadyKnown, "txn-already-known");
        var check = CheckStemmable(tx);
        if (!check.IsAccepted) return check;
        TransactionReceived?.Invoke(new TransactionArrival(txid, null, now, ViaStem: false));
        if (Policy.Kind == RelayPolicyKind.Dandelion) return Stem(tx, source: null, now);
        return AcceptAndAnnounce(tx, now);
    }

    /// <summary>getrawmempool: txids in arrival order (stem transactions are under embargo and not listed).</summary>
    public IReadOnlyList<Hash256> GetMempoolTxids() => [.. Mempool.Txids];

    /// <summary>getrawtransaction for unconfirmed transactions; <paramref name="includeStem"/> also looks in the
    /// stem pool (for the node's own operator only: never for peers).</summary>
    public Transaction? GetTransaction(Hash256 txid, bool includeStem = false) =>
        Mempool.Get(txid)?.Transaction ?? (includeStem ? StemPool.Get(txid)?.Transaction : null);

    /// <summary>
    /// Switches the relay policy at run time (the dashboard's control): announcements the old policy still held are
    /// sent now, and every ready peer joins the new policy (Dandelion draws a fresh epoch). Stem transactions keep
    /// their embargo timers.
    /// </summary>
    public void SetPolicy(RelayPolicyKind kind, long now)
    {
        MarkChanged();
        if (kind == Policy.Kind) return;
        var old = Policy;
        // Bounded: each round sends up to MaxInvPerFlush per peer; a policy that keeps a timer while empty stops it too.
        for (int round = 0; round < 1_000 && old.NextWakeup != Time.Never; round++)
            old.OnTimer(Math.Max(old.NextWakeup, now), (peer, txids) => SendInv(peer, txids));
        Options = Options with { Policy = kind };
        Policy = Options.CreatePolicy(_context.Random);
        foreach (var state in _peers.Values) Policy.AddPeer(state.Peer, now);
    }

    // ---- chain hooks ----

    /// <summary>A block was connected: its transactions leave the mempool, the stem pool and the download queue.</summary>
    public void OnBlockConnected(IReadOnlyList<Transaction> blockTransactions, long now)
    {
        MarkChanged();
        var txs = blockTransactions;
        Mempool.RemoveForBlock(txs);
        // With no stem transaction and no download tracked there is nothing to forget: the walk would change nothing.
        if (StemPool.Count == 0 && Requests.TrackedCount == 0) return;
        foreach (var tx in txs)
        {
            var txid = tx.GetHash();
            StemPool.Remove(txid);
            Requests.Forget(txid);
            if (tx.IsCoinbase) continue;
            foreach (var input in tx.Inputs)
                if (StemPool.SpenderOf(input.PrevOut) is { } conflict) StemPool.Remove(conflict);
        }
    }

    /// <summary>A block was disconnected in a reorganisation: its transactions return to the mempool.</summary>
    public List<Transaction> OnBlockDisconnected(IReadOnlyList<Transaction> blockTransactions, long now) =>
        Mempool.ReturnFromBlock(blockTransactions, now);

    // ---- INodeBehaviour ----

    public void ReservePeers(int count)
    {
        _peers.Reserve(count);
        Policy.ReservePeers(count);
    }

    public void OnPeerReady(Peer peer, long now)
    {
        MarkChanged();
        _peers[peer.Id] = new PeerRelayState(peer, Options.KnownInventoryPerPeer);
        Policy.AddPeer(peer, now);
    }

    public void OnPeerClosed(Peer peer, long now)
    {
        MarkChanged();
        _peers.Remove(peer.Id);
        Policy.RemovePeer(peer.Id, now);
        Requests.RemovePeer(peer.Id, now);
        SendRequests(now);
    }

    public bool OnMessage(Peer peer, IMessage message, long now)
    {
        // Most messages are not relay's (headers, blocks, the handshake's sendheaders and sendcmpct): the type is
        // looked at before the peer's state, a lookup in a table no other part of the message's handling touches.
        if (message is not (InvMessage or GetDataMessage or NotFoundMessage or TxMessage or DandelionTxMessage or MempoolMessage)
            || !_peers.TryGetValue(peer.Id, out var state)) return false;
        MarkChanged();
        switch (message)
        {
            case InvMessage inv:
                OnInv(state, inv, now);
                return false;
            case GetDataMessage getData:
                OnGetData(state, getData, now);
                return false;
            case NotFoundMessage notFound:
                foreach (var item in notFound.Inventory)
                    if (IsTxType(item.Type)) Requests.ReceivedResponse(peer.Id, item.Hash, notFound: true, now);
                SendRequests(now);
                return false;
            case TxMessage tx:
                OnTx(state, tx.Transaction, now);
                return true;
            case DandelionTxMessage stem:
                OnStemTx(state, stem.Transaction, now);
                return true;
            case MempoolMessage:
                OnMempoolRequest(state);
                return true;
            default:
                return false;
        }
    }

    public long NextWakeup
    {
        get
        {
            if (_wakeupStale)
            {
                _wakeup = Math.Min(Policy.NextWakeup, Requests.NextWakeup);
                _wakeupStale = false;
            }
            // The stem pool is asked each time, as before: asking drops its stale embargoes, and when that happens
            // decides the order of equal embargoes in its queue (unused, it has none and answers at once).
            return Math.Min(_wakeup, StemPool.NextEmbargo);
        }
    }

    // NextWakeup is asked after every input the node handles, nearly always with no relay state changed since: the
    // policy's and the download tracker's wakeups are kept, asked again only after an entry point that may change
    // them (MarkChanged); both are changed only through this class.
    private long _wakeup;
    private bool _wakeupStale = true;

    private void MarkChanged() => _wakeupStale = true;

    public void OnTimer(long now)
    {
        MarkChanged();
        SendRequests(now);
        foreach (var entry in StemPool.TakeExpired(now)) Fluff(entry.Transaction, FluffReason.EmbargoExpired, except: null, now);
        Policy.OnTimer(now, (peer, txids) => SendInv(peer, txids));
    }

    // ---- message handling ----

    private void OnInv(PeerRelayState state, InvMessage inv, long now)
    {
        // A node started with -blocksonly ignores transaction announcements (Core disconnects; we only ignore).
        if (!_context.Options.RelayTransactions) return;
        foreach (var item in inv.Inventory)
        {
            if (!IsTxType(item.Type)) continue;
            state.Known.Add(item.Hash);
            if (StemPool.Get(item.Hash) is { } stem)
            {
                // BIP 156: the embargo ends as soon as the transaction is announced in fluff mode.
                StemPool.Remove(item.Hash);
                Fluff(stem.Transaction, FluffReason.SeenFluffed, except: state.Peer.Id, now);
                continue;
            }
            if (Mempool.IsKnown(item.Hash)) continue;
            Requests.ReceivedInv(state.Peer.Id, item.Hash, preferred: !state.Peer.IsInbound, now);
        }
        SendRequests(now);
    }

    private void OnGetData(PeerRelayState state, GetDataMessage getData, long now)
    {
        List<InvVector>? missing = null;
        foreach (var item in getData.Inventory)
        {
            if (!IsTxType(item.Type)) continue;
            // Stem transactions are under embargo: the mempool does not hold them, so they get notfound too.
            if (Mempool.Get(item.Hash) is { } entry && (state.Known.Contains(item.Hash) || now - entry.Time >= UnconditionalRelayDelay))
            {
                state.Known.Add(item.Hash);
                // Core answers MSG_TX without witness data and MSG_WITNESS_TX with it (BIP 144).
                var tx = item.Type == InvType.Tx ? WithoutWitness(entry.Transaction) : entry.Transaction;
                _context.Send(state.Peer, new TxMessage(tx));
            }
            else
            {
                (missing ??= []).Add(item);
            }
        }
        if (missing is not null) _context.Send(state.Peer, new NotFoundMessage(missing));
    }

    private void OnTx(PeerRelayState state, Transaction tx, long now)
    {
        var txid = tx.GetHash();
        var peer = state.Peer;
        state.Known.Add(txid);
        Requests.ReceivedResponse(peer.Id, txid, notFound: false, now);
        if (StemPool.Remove(txid) is not null)
        {
            Requests.Forget(txid);
            Fluff(tx, FluffReason.SeenFluffed, except: peer.Id, now);
            return;
        }
        if (Mempool.IsKnown(txid))
        {
            Requests.Forget(txid);
            return;
        }
        TransactionReceived?.Invoke(new TransactionArrival(txid, peer.Id, now, ViaStem: false));
        Requests.Forget(txid);
        var result = AcceptAndAnnounce(tx, now);
        if (result.IsPeerFault) _context.Misbehaving(peer, $"invalid transaction {txid}: {result.Reason}");
        else if (!result.IsAccepted) _context.Log(LogSeverity.Debug, $"tx {txid} from peer {peer.Id} not accepted: {result}");
        // Refused, or waiting for a parent: kept for compact block reconstruction (Core's AddToCompactExtraTransactions).
        if (!result.IsAccepted && result.Status is not (MempoolAcceptStatus.AlreadyKnown or MempoolAcceptStatus.Full)) CompactExtra.Add(tx);
        SendRequests(now);
    }

    /// <summary>Transactions received and not kept, for rebuilding compact blocks (<see cref="CompactExtraPool"/>).</summary>
    public CompactExtraPool CompactExtra { get; } = new();

    private void OnStemTx(PeerRelayState state, Transaction tx, long now)
    {
        var txid = tx.GetHash();
        var peer = state.Peer;
        // Not added to the peer's known set (BIP 156), so the fluffed transaction can travel back up the stem.
        if (Mempool.IsKnown(txid)) return;
        if (StemPool.Remove(txid) is not null)
        {
            Fluff(tx, FluffReason.StemCycle, except: null, now);
            return;
        }
        TransactionReceived?.Invoke(new TransactionArrival(txid, peer.Id, now, ViaStem: true));
        var check = CheckStemmable(tx);
        if (check.IsPeerFault)
        {
            _context.Misbehaving(peer, $"invalid dandeliontx {txid}: {check.Reason}");
            return;
        }
        if (!check.IsAccepted)
        {
            if (check.Status is not (MempoolAcceptStatus.Full or MempoolAcceptStatus.MissingInputs)) Mempool.RecentRejects.Add(txid);
            return;
        }
        // A node that does not run Dandelion fluffs at once, as a non-Dandelion node ends the stem (BIP 156).
        if (Policy.Kind != RelayPolicyKind.Dandelion)
        {
            Fluff(tx, FluffReason.Diffuser, except: null, now);
            return;
        }
        Stem(tx, peer.Id, now);
    }

    private void OnMempoolRequest(PeerRelayState state)
    {
        // BIP 35 reply, bounded to one inv and answered once per connection so it cannot be used to flood us.
        if (!WantsTransactions(state.Peer) || state.AnsweredMempool) return;
        state.AnsweredMempool = true;
        var items = new List<InvVector>();
        foreach (var txid in Mempool.Txids)
        {
            if (items.Count >= MaxMempoolReply) break;
            state.Known.Add(txid);
            items.Add(new InvVector(InvType.Tx, txid));
        }
        if (items.Count > 0) _context.Send(state.Peer, new InvMessage(items));
    }

    // ---- relay ----

    /// <summary>Mempool checks plus conflicts with the stem pool (a stem double spend is refused as well).</summary>
    private MempoolAcceptResult CheckStemmable(Transaction tx)
    {
        var result = Mempool.Check(tx);
        if (!result.IsAccepted) return result;
        var txid = tx.GetHash();
        foreach (var input in tx.Inputs)
            if (StemPool.SpenderOf(input.PrevOut) is { } other && other != txid)
                return new(MempoolAcceptStatus.DoubleSpend, $"txn-stempool-conflict (with {other})");
        return result;
    }

    /// <summary>Forwards a stem transaction to this epoch's relay for its source, or fluffs it. The fluff is
    /// also announced to the source: its own embargo then ends, as BIP 156 lets a fluff travel back up the stem.</summary>
    private MempoolAcceptResult Stem(Transaction tx, PeerId? source, long now)
    {
        var txid = tx.GetHash();
        int size = tx.GetSerializedSize();
        var relayId = Policy.ChooseStemRelay(source, now);
        if (relayId is not { } relay || !_peers.TryGetValue(relay, out var relayState))
            return Fluff(tx, FluffReason.Diffuser, except: null, now);
        if (!StemPool.HasRoomFor(size)) return Fluff(tx, FluffReason.StemPoolFull, except: null, now);
        long embargo = now + Options.EmbargoMinimum + AnnouncementScheduler.ExponentialDelay(_context.Random, Options.EmbargoAverageExtra);
        // BIP 156: a child of embargoed transactions keeps the latest of their embargoes; one microsecond later, as
        // the embargo queue does not order ties, so that parents always fluff first.
        foreach (var input in tx.Inputs)
            if (StemPool.Get(input.PrevOut.Hash) is { } parent) embargo = Math.Max(embargo, parent.EmbargoUntil + 1);
        StemPool.Add(new StemEntry(tx, size, embargo, source, relay));
        _context.Send(relayState.Peer, new DandelionTxMessage(tx));
        StemRelayed?.Invoke(txid, source, relay, now);
        return MempoolAcceptResult.Ok;
    }

    private MempoolAcceptResult Fluff(Transaction tx, FluffReason reason, PeerId? except, long now)
    {
        var result = AcceptAndAnnounce(tx, now, except);
        if (result.IsAccepted) Fluffed?.Invoke(tx.GetHash(), reason, now);
        return result;
    }

    private MempoolAcceptResult AcceptAndAnnounce(Transaction tx, long now, PeerId? except = null)
    {
        var result = Mempool.Accept(tx, now);
        if (!result.IsAccepted) return result;
        var txid = tx.GetHash();
        foreach (var state in _peers.Values)
        {
            if (state.Peer.Id == except || !WantsTransactions(state.Peer) || state.Known.Contains(txid)) continue;
            Policy.Enqueue(state.Peer.Id, txid, now);
        }
        return result;
    }

    private void SendInv(PeerId peerId, List<Hash256> txids)
    {
        if (!_peers.TryGetValue(peerId, out var state)) return;
        var items = new List<InvVector>(txids.Count);
        foreach (var txid in txids)
        {
            // Core checks at send time too: a transaction mined or announced to us meanwhile is skipped.
            if (!Mempool.Contains(txid) || state.Known.Contains(txid)) continue;
            state.Known.Add(txid);
            items.Add(new InvVector(InvType.Tx, txid));
        }
        if (items.Count > 0) _context.Send(state.Peer, new InvMessage(items));
    }

    private void SendRequests(long now)
    {
        _requests.Clear();
        Requests.Poll(now, _requests);
        if (_requests.Count == 0) return;
        foreach (var group in _requests.GroupBy(r => r.Peer))
        {
            if (!_peers.TryGetValue(group.Key, out var state)) continue;
            // Ask witness-capable peers for the witness form (Core: MSG_WITNESS_TX when the peer has NODE_WITNESS),
            // so the transaction we relay on is the one that was signed.
            var type = (state.Peer.Services & NodeOptions.NodeWitness) != 0 ? InvType.WitnessTx : InvType.Tx;
            foreach (var chunk in group.Select(r => new InvVector(type, r.Txid)).Chunk(MaxGetDataEntries))
                _context.Send(state.Peer, new GetDataMessage(chunk));
        }
    }

    /// <summary>Peers that get transaction announcements: they asked for them (BIP 37 relay flag) and the
    /// connection is not block-relay-only, a feeler or an address fetch (Core gives those no tx relay).</summary>
    public static bool WantsTransactions(Peer peer) =>
        peer.RelayTransactions && peer.ConnectionType is not (ConnectionType.BlockRelayOnly or ConnectionType.Feeler or ConnectionType.AddrFetch);

    /// <summary>The legacy serialization of <paramref name="tx"/> (same txid), for peers that asked with MSG_TX.</summary>
    public static Transaction WithoutWitness(Transaction tx)
    {
        if (!tx.HasWitness) return tx;
        var copy = new Transaction { Version = tx.Version, Outputs = tx.Outputs, LockTime = tx.LockTime };
        foreach (var input in tx.Inputs) copy.Inputs.Add(input with { Witness = [] });
        return copy;
    }

    private static bool IsTxType(InvType type) => type is InvType.Tx or InvType.WitnessTx;
}
