using System.Runtime.CompilerServices;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Sim.Engine;
using Nodus.Wire.Encoding;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Sim.Adversaries;

/// <summary>What a Byzantine node does to the relay messages its real node engine sends.</summary>
public enum ByzantineBehaviour
{
    /// <summary>Keeps its connections (handshake, pings, getdata for itself) but relays nothing: no inv, tx,
    /// dandeliontx, headers, block, cmpctblock or blocktxn leaves it — a black hole that honest nodes cannot tell from a quiet peer.</summary>
    Drop,
    /// <summary>Holds every relayed message (inv, tx, dandeliontx, headers, block, cmpctblock, blocktxn) for the delay: a slow relay.</summary>
    Delay,
    /// <summary>Announces at once but holds the bodies (tx, dandeliontx, block, cmpctblock, blocktxn) for the delay, so the honest nodes
    /// that asked it first wait — until their request timeout (Core's 60 s for transactions) moves the request on.</summary>
    Stall,
    /// <summary>Announces at once and answers getdata with data honest validation rejects: a transaction with an
    /// output above 21 M coins (bad-txns-vout-toolarge, a different txid) or a block whose coinbase was altered
    /// (bad-txnmrklroot; in a cmpctblock the prefilled coinbase is altered, so the rebuild fails and the receiver asks
    /// for the whole block). Honest nodes punish the sender (disconnect, discourage) and re-request elsewhere.</summary>
    Invalid,
    /// <summary>Relays honestly, but poisons address relay: every addr message it sends carries addresses where no node
    /// listens, with fresh timestamps — as many as the original for a relayed announcement, and a full 1,000 (Core's
    /// MAX_ADDR_TO_SEND, so not punished) in answer to getaddr. Honest nodes store them, relay the short announcements
    /// on, and waste dials on them; Core's defences are the addr rate limit and the new table's bucketing by source group.</summary>
    Poison,
    /// <summary>Relays honestly, but floods transaction announcements: every inv with transactions it sends also
    /// announces <see cref="ByzantineNodes.SpamPerInv"/> transactions that do not exist (fresh random ids). Honest nodes
    /// ask for some, get notfound from the Byzantine node's own engine, and must keep real announcements moving: Core's
    /// defences are the request tracker's limits (5,000 announcements and 100 requests in flight per peer) and asking
    /// another announcer first.</summary>
    Spam,
    /// <summary>Announces blocks with headers that fail proof of work: every header it sends (headers messages, compact
    /// blocks) claims Bitcoin's mainnet difficulty over a hash that meets only the simulated network's, so honest
    /// validation says high-hash, an invalid header, which Core punishes at once. A block it mines reaches nobody
    /// through it.</summary>
    InvalidHeaders,
}

/// <summary>
/// The Byzantine nodes of one case: which nodes they are and how they tamper with their own node's sends. The node
/// itself is the real engine; only the runtime's transmission of its outputs is altered (<see cref="ISendTamper"/>).
/// </summary>
public sealed class ByzantineNodes : ISendTamper
{

    /// <summary>Bounds how long a message may be held (one virtual hour), so held events cannot pile up forever.</summary>
    public const double MaxDelaySeconds = 3600;

    private readonly bool[] _byzantine;
    private readonly long _delay;
    private readonly bool _collude;
    // Corrupted copies per original object and sender (or one shared by all senders when they collude), so a body
    // served to many peers is one object (and one cached size) too.
    private readonly ConditionalWeakTable<Transaction, Dictionary<int, Transaction>> _badTransactions = [];
    private readonly ConditionalWeakTable<Block, Block> _badBlocks = [];
    private readonly ConditionalWeakTable<CompactBlock, CompactBlock> _badCompactBlocks = [];

    private readonly SimAddresses? _addresses;
    private readonly Random? _forge;

    /// <param name="addresses">For <see cref="ByzantineBehaviour.Poison"/>: the network's addresses, past whose nodes
    /// the bogus ones are taken (same /16 groups, nobody listening).</param>
    /// <param name="random">For poison and spam: where the made-up addresses and transaction ids come from.</param>
    public ByzantineNodes(bool[] byzantine, ByzantineBehaviour behaviour, long delay, bool collude = false, SimAddresses? addresses = null, Random? random = null)
    {
        _addresses = addresses;
        _forge = random;
        if (behaviour == ByzantineBehaviour.Poison && (addresses is null || random is null))
            throw new ArgumentException("poison needs the network's addresses and a random stream");
        if (behaviour == ByzantineBehaviour.Spam && random is null) throw new ArgumentException("spam needs a random stream");
        _collude = collude;
        _byzantine = byzantine;
        Behaviour = behaviour;
        _delay = delay;
        Count = byzantine.Count(b => b);
    }

    public ByzantineBehaviour Behaviour { get; }
    public int Count { get; }
    /// <summary>Relay messages never sent (drop).</summary>
    public long Withheld { get; private set; }
    /// <summary>Relay messages sent late (delay, stall).</summary>
    public long Held { get; private set; }
    /// <summary>Bodies replaced by invalid ones (invalid).</summary>
    public long Corrupted { get; private set; }
    /// <summary>Addresses of nobody sent in addr messages (poison).</summary>
    public long Poisoned { get; private set; }
    /// <summary>Announcements of transactions that do not exist (spam).</summary>
    public long Spammed { get; private set; }

    /// <summary>Made-up transactions added to each inv with transactions (spam): with diffusion's inv every ~2–5 s per
    /// peer, a few thousand a minute per peer, enough to hit the 5,000-announcement limit now and then.</summary>
    public const int SpamPerInv = 100;

    public bool IsByzantine(int node) => node < _byzantine.Length && _byzantine[node];

    /// <summary>Each behaviour's name in scenario files and reports.</summary>
    private static readonly (string Name, ByzantineBehaviour Behaviour)[] Names =
    [
        ("drop", ByzantineBehaviour.Drop), ("delay", ByzantineBehaviour.Delay), ("stall", ByzantineBehaviour.Stall),
        ("invalid", ByzantineBehaviour.Invalid), ("poison", ByzantineBehaviour.Poison), ("spam", ByzantineBehaviour.Spam),
        ("invalid-headers", ByzantineBehaviour.InvalidHeaders),
    ];

    public static readonly string BehaviourNames = string.Join(", ", Names[..^1].Select(n => n.Name)) + " or " + Names[^1].Name;

    public static bool TryParse(string name, out ByzantineBehaviour behaviour)
    {
        foreach (var (n, b) in Names)
            if (n == name)
            {
                behaviour = b;
                return true;
            }
        behaviour = default;
        return false;
    }

    public static string NameOf(ByzantineBehaviour behaviour) => Names.First(n => n.Behaviour == behaviour).Name;

    /// <summary>
    /// Picks <paramref name="count"/> of the nodes below <paramref name="n"/> that <paramref name="eligible"/> allows,
    /// from a fixed permutation: with the same seed a larger fraction contains the smaller one's nodes, so the cases
    /// of a sweep differ only in the added attackers.
    /// </summary>
    public static bool[] Choose(int n, int count, Random random, Func<int, bool> eligible)
    {
        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        var chosen = new bool[n];
        int picked = 0;
        foreach (int v in order)
        {
            if (picked >= count) break;
            if (!eligible(v)) continue;
            chosen[v] = true;
            picked++;
        }
        return chosen;
    }

    public bool Applies(int node) => IsByzantine(node);

    public IMessage? Tamper(int from, IMessage message, long now, out long hold)
    {
        hold = 0;
        if (Behaviour == ByzantineBehaviour.Poison) return message is AddrMessage addr ? Poison(addr, now) : message;
        if (Behaviour == ByzantineBehaviour.Spam) return message is InvMessage inv ? Spam(inv) : message;
        // Bodies: transactions and blocks, whole or compact (BIP 152: cmpctblock, and blocktxn's missing transactions).
        bool body = message is TxMessage or DandelionTxMessage or BlockMessage or CmpctBlockMessage or BlockTxnMessage;
        bool relayed = body || message is InvMessage or HeadersMessage;
        if (!relayed) return message;
        switch (Behaviour)
        {
            case ByzantineBehaviour.Drop:
                Withheld++;
                return null;
            case ByzantineBehaviour.Delay:
            case ByzantineBehaviour.Stall when body:
                Held++;
                hold = _delay;
                return message;
            case ByzantineBehaviour.Invalid when body:
                Corrupted++;
                return message switch
                {
                    TxMessage tx => new TxMessage(Corrupt(from, tx.Transaction)),
                    DandelionTxMessage stem => new DandelionTxMessage(Corrupt(from, stem.Transaction)),
                    BlockMessage block => new BlockMessage(_badBlocks.GetValue(block.Block, Mutate)),
                    // The prefilled coinbase altered: the rebuilt block's merkle root fails, so the receiver asks this
                    // peer for the whole block (Core: "might have collided, fall back to getdata") — and gets a mutated one.
                    CmpctBlockMessage compact => new CmpctBlockMessage(_badCompactBlocks.GetValue(compact.Block, MutateCompact)),
                    _ => message,
                };
            case ByzantineBehaviour.InvalidHeaders when message is HeadersMessage { Headers.Count: > 0 } headers:
                Corrupted++;
                return new HeadersMessage(headers.Headers.Select(Unworked));
            case ByzantineBehaviour.InvalidHeaders when message is CmpctBlockMessage compact:
                Corrupted++;
                return new CmpctBlockMessage(_badCompactBlocks.GetValue(compact.Block, static c =>
                    new CompactBlock { Header = Unworked(c.Header), Nonce = c.Nonce, ShortIds = c.ShortIds, Prefilled = c.Prefilled }));
            default:
                return message;
        }
    }

    /// <summary>Bitcoin's mainnet difficulty of 2009 (nBits 0x1d00ffff): a simulated header's hash misses its target.</summary>
    private const uint MainnetBits = 0x1d00ffff;

    private static BlockHeader Unworked(BlockHeader header)
    {
        header.Bits = MainnetBits; // the setter drops the memoised hash
        return header;
    }

    /// <summary>Relayed announcements carry at most this many addresses (Core relays addr messages up to 10 entries);
    /// a longer addr message answers a getaddr.</summary>
    private const int MaxRelayedAddresses = 10;

    /// <summary>Bogus addresses are drawn from this many times the network's size past its last node.</summary>
    private const int BogusSpaceFactor = 100;

    private AddrMessage Poison(AddrMessage original, long now)
    {
        int count = original.Addresses.Count > MaxRelayedAddresses ? AddrMessage.MaxAddresses : original.Addresses.Count;
        uint seen = (uint)Time.ToUnixSeconds(now);
        var bogus = new List<TimestampedAddress>(count);
        long space = (long)_addresses!.Nodes * BogusSpaceFactor;
        for (int i = 0; i < count; i++)
        {
            int index = (int)Math.Min(int.MaxValue, _addresses.Nodes + _forge!.NextInt64(space));
            bogus.Add(new TimestampedAddress(seen, new NetAddress(new System.Net.IPEndPoint(_addresses.AddressOf(index), _addresses.Port),
                NodeOptions.NodeNetwork | NodeOptions.NodeWitness)));
        }
        Poisoned += count;
        return new AddrMessage(bogus);
    }

    private InvMessage Spam(InvMessage original)
    {
        InvType? type = null;
        foreach (var item in original.Inventory)
            if (item.Type is not (InvType.Block or InvType.WitnessBlock or InvType.CompactBlock or InvType.FilteredBlock)) { type = item.Type; break; }
        if (type is not { } txType) return original; // a block announcement: left alone
        var items = new List<InvVector>(original.Inventory.Count + SpamPerInv);
        items.AddRange(original.Inventory);
        Span<byte> id = stackalloc byte[32];
        for (int i = 0; i < SpamPerInv; i++)
        {
            _forge!.NextBytes(id);
            items.Add(new InvVector(txType, new Hash256(id)));
        }
        Spammed += SpamPerInv;
        return new InvMessage(items);
    }

    /// <summary>
    /// CheckTransaction's bad-txns-vout-toolarge: consensus-invalid in any context, so Core punishes the sender. Each
    /// sender's copy differs (the excess encodes the sender) unless they collude: then all send one body, and an
    /// honest node that rejected it once ignores it from everyone else without punishment (Core's m_recent_rejects
    /// rule), while its request for the real transaction waits for the 60 s timeout.
    /// </summary>
    private Transaction Corrupt(int from, Transaction tx)
    {
        var copies = _badTransactions.GetValue(tx, static _ => []);
        int key = _collude ? -1 : from;
        if (copies.TryGetValue(key, out var bad)) return bad;
        bad = Copy(tx);
        var output = bad.Outputs.Count > 0 ? bad.Outputs[0] : new TxOut { ScriptPubKey = [] };
        output.Value = ConsensusLimits.MaxMoney + 1 + key + 1;
        if (bad.Outputs.Count > 0) bad.Outputs[0] = output; else bad.Outputs.Add(output);
        return copies[key] = bad;
    }

    /// <summary>The same header over an altered coinbase: the merkle root no longer matches (a mutated block, which
    /// Core punishes without marking the header invalid, so the real body can still come from someone else).</summary>
    private static Block Mutate(Block original)
    {
        var txs = new List<Transaction>(original.Transactions);
        if (txs.Count > 0)
        {
            var coinbase = Copy(txs[0]);
            coinbase.LockTime ^= 1;
            txs[0] = coinbase;
        }
        return new Block { Header = original.Header, Transactions = txs };
    }

    private static CompactBlock MutateCompact(CompactBlock original)
    {
        var prefilled = new List<PrefilledTransaction>(original.Prefilled);
        if (prefilled.Count > 0)
        {
            var coinbase = Copy(prefilled[0].Transaction);
            coinbase.LockTime ^= 1;
            prefilled[0] = prefilled[0] with { Transaction = coinbase };
        }
        return new CompactBlock { Header = original.Header, Nonce = original.Nonce, ShortIds = original.ShortIds, Prefilled = prefilled };
    }

    private static Transaction Copy(Transaction tx) =>
        new() { Version = tx.Version, Inputs = [.. tx.Inputs], Outputs = [.. tx.Outputs], LockTime = tx.LockTime };
}
