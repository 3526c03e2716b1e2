// The network as the page knows it, rebuilt from trace events (live stream or replay): nodes, links, the cut,
// per-node figures, and the first arrival of each block and transaction at each node (for the charts).

const MAX_ITEMS = 400; // blocks and transactions remembered for the charts; older ones are forgotten

export class NetworkModel {
  constructor() { this.reset(); }

  reset() {
    this.meta = null;
    this.nodes = new Map();   // id -> node
    this.links = new Map();   // "from|to" -> { from, to, kind }
    this.cut = null;          // { a: Set, b: Set } while the underlay is cut
    this.blocks = new Map();  // hash -> { hash, height, first, last, nodes: Set, origin }
    this.txs = new Map();     // txid -> { txid, first, last, nodes: Set, origin, stem }
    this.heights = new Map(); // height -> Set of hashes seen at that height (stale blocks)
    this.bestHeight = -1;
    this.bestHash = null;
    this.now = 0;
    this.version = 0;         // bumped on every change, so views redraw lazily
    // Counters only grow, a reset included, so a view that cached an older value always notices.
    this.topology = (this.topology ?? 0) + 1; // bumped when nodes or links come or go (the layout needs them)
    this.looks = (this.looks ?? 0) + 1;       // bumped when something a node's colour or ring depends on changes (not on tx arrivals)
  }

  // Applies one event; returns what moved along an edge (for the animation), or null.
  apply(e) {
    this.now = Math.max(this.now, e.t);
    this.version++;
    switch (e.type) {
      case 'meta': this.meta = e; return null;
      case 'node': {
        this.topology++; this.looks++;
        const old = this.nodes.get(e.node);
        this.nodes.set(e.node, Object.assign(old ?? { height: -1, tip: '', peers: 0, addresses: -1, mempool: 0,
          bytesSent: 0, bytesReceived: 0, sync: 'ibd' }, { id: e.node, address: e.address, relay: e.relay, miner: e.miner }));
        return null;
      }
      case 'node-removed':
        this.topology++; this.looks++;
        this.nodes.delete(e.node);
        for (const [k, l] of this.links) if (l.from === e.node || l.to === e.node) this.links.delete(k);
        return null;
      case 'link': this.topology++; this.links.set(`${e.from}|${e.to}`, { from: e.from, to: e.to, kind: e.kind }); return null;
      case 'link-closed': this.topology++; this.links.delete(`${e.from}|${e.to}`); return null;
      case 'cut': this.looks++; this.cut = { a: new Set(e.groupA), b: new Set(e.groupB) }; return null;
      case 'heal': this.looks++; this.cut = null; return null;
      case 'stats':
        this.looks++;
        for (const s of e.nodes) {
          const n = this.nodes.get(s.node);
          if (!n) continue;
          n.peers = s.peers; n.addresses = s.addresses; n.mempool = s.mempool; n.relay = s.relay;
          n.bytesSent = s.bytesSent; n.bytesReceived = s.bytesReceived; n.sync = s.sync;
          // A snapshot is read just before it is sent; a block event may have overtaken it. It wins only when it is
          // ahead, or when no block event came for a while (a reorganisation the events did not show).
          if (s.height > n.height || (s.tip !== n.tip && e.t - (n.tipAt ?? 0) > 1.5e6)) { n.height = s.height; n.tip = s.tip; }
          this.noteTip(s.height, s.tip);
        }
        return null;
      case 'block': {
        this.looks++;
        const n = this.nodes.get(e.node);
        if (n) { n.height = e.height; n.tip = e.hash; n.tipAt = e.t; } // connected blocks come in chain order, reorgs included
        this.noteTip(e.height, e.hash);
        let b = this.blocks.get(e.hash);
        if (!b) {
          b = { hash: e.hash, height: e.height, first: e.t, last: e.t, nodes: new Set(), origin: e.from === null ? e.node : null };
          this.blocks.set(e.hash, b);
          trim(this.blocks);
        }
        b.nodes.add(e.node); b.last = Math.max(b.last, e.t);
        if (e.from === null) b.origin = e.node;
        let atHeight = this.heights.get(e.height);
        if (!atHeight) { atHeight = new Set(); this.heights.set(e.height, atHeight); }
        atHeight.add(e.hash);
        return e.from !== null ? { kind: 'block', from: e.from, to: e.node, t: e.t } : null;
      }
      case 'tx': {
        let x = this.txs.get(e.txid);
        if (!x) {
          x = { txid: e.txid, first: e.t, last: e.t, nodes: new Set(), origin: e.from === null ? e.node : null, stemHops: 0 };
          this.txs.set(e.txid, x);
          trim(this.txs);
        }
        x.nodes.add(e.node); x.last = Math.max(x.last, e.t);
        if (e.stem) x.stemHops++;
        return e.from !== null ? { kind: e.stem ? 'stem' : 'fluff', from: e.from, to: e.node, t: e.t } : null;
      }
      default: return null;
    }
  }

  noteTip(height, hash) {
    if (height > this.bestHeight) { this.bestHeight = height; this.bestHash = hash; }
  }

  // The best tip among live nodes (the tallest; ties: the one most nodes are on).
  tip() {
    const count = new Map();
    let best = null;
    for (const n of this.nodes.values()) {
      if (n.height < 0) continue;
      const c = (count.get(n.tip) ?? 0) + 1;
      count.set(n.tip, c);
      if (!best || n.height > best.height || (n.height === best.height && c > count.get(best.tip))) best = { height: n.height, tip: n.tip };
    }
    return best ?? { height: -1, tip: '' };
  }

  // Blocks seen that are not on the chain of the best tip at their height: competing blocks at the same height.
  staleCount() {
    let stale = 0;
    for (const set of this.heights.values()) stale += set.size - 1;
    return stale;
  }

  // How many nodes share each tip hash: two large groups mean the network is split.
  tipGroups() {
    const groups = new Map();
    for (const n of this.nodes.values()) groups.set(n.tip, (groups.get(n.tip) ?? 0) + 1);
    return groups;
  }

  // Propagation of recent items: seconds from first arrival until all (currently live) nodes had it.
  propagation(map, limit) {
    const live = this.nodes.size;
    const items = [...map.values()].slice(-limit);
    return items.map(i => ({
      id: i.hash ?? i.txid,
      seconds: (i.last - i.first) / 1e6,
      complete: live > 0 && i.nodes.size >= live,
      reached: i.nodes.size,
    }));
  }

  summary() {
    const tip = this.tip();
    const heights = {};
    for (const n of this.nodes.values()) heights[n.id] = { height: n.height, tip: n.tip, peers: n.peers, mempool: n.mempool, relay: n.relay };
    return { nodes: this.nodes.size, links: this.links.size, tipHeight: tip.height, tip: tip.tip, stale: this.staleCount(),
      cut: this.cut !== null, heights };
  }
}

function trim(map) {
  while (map.size > MAX_ITEMS) map.delete(map.keys().next().value);
}
