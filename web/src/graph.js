// The network graph on one canvas: d3-force lays it out until it settles; the edges (batched by kind) and nodes
// (batched by colour) are drawn into a cached layer redrawn only when the layout, view or node states change, and each
// frame copies that layer and draws the packets moving along edges, batched by kind. No DOM element per node or edge,
// so a thousand nodes and their connections stay smooth.
import { forceSimulation, forceLink, forceManyBody, forceCenter, forceX, forceY } from 'd3-force';

const MAX_PACKETS = 2000; // packets in flight on screen (after merging per edge); more are dropped, the arrivals still count

const EDGE_STYLE = {
  'outbound-full-relay': { color: 'rgba(79,111,148,0.55)', dash: [] },
  'block-relay-only': { color: 'rgba(154,123,208,0.6)', dash: [4, 3] },
  manual: { color: 'rgba(63,167,160,0.6)', dash: [] },
  feeler: { color: 'rgba(120,120,120,0.4)', dash: [1, 3] },
  'addr-fetch': { color: 'rgba(120,120,120,0.4)', dash: [1, 3] },
};

const PACKET_STYLE = {
  block: { color: '#ff9f1c', size: 5, square: true },
  fluff: { color: '#22d3ee', size: 2.6 },
  stem: { color: '#ff4fd8', size: 4.2, trail: true },
};

export class GraphView {
  constructor(canvas, model, onSelect) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.model = model;
    this.onSelect = onSelect;
    this.simNodes = new Map();
    this.packets = new Map(); // "from|to|kind" -> packet in flight
    this.selected = null;
    this.view = { x: 0, y: 0, k: 1 };
    this.layoutVersion = -1;
    this.frames = 0;
    this.fps = 0;
    this.lastFpsAt = performance.now();
    this.simulation = forceSimulation([])
      .force('link', forceLink([]).id(d => d.id).distance(40).strength(0.3))
      .force('charge', forceManyBody().strength(-60).theta(0.9).distanceMax(400))
      .force('center', forceCenter(0, 0))
      .force('x', forceX(0).strength(0.02))
      .force('y', forceY(0).strength(0.02))
      .alphaDecay(0.03)
      .stop();
    this.installInput();
    const frame = () => { this.draw(); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  }

  // Brings the layout in line with the model's nodes and links (called when they changed).
  syncLayout() {
    const model = this.model;
    let changed = false;
    for (const id of this.simNodes.keys()) if (!model.nodes.has(id)) { this.simNodes.delete(id); changed = true; }
    for (const id of model.nodes.keys()) {
      if (this.simNodes.has(id)) continue;
      // A new node starts next to a neighbour if it has one, else on a ring: layouts settle faster.
      const angle = Math.random() * Math.PI * 2, r = 30 + Math.sqrt(this.simNodes.size) * 12;
      this.simNodes.set(id, { id, x: Math.cos(angle) * r, y: Math.sin(angle) * r });
      changed = true;
    }
    const links = [];
    for (const l of model.links.values())
      if (this.simNodes.has(l.from) && this.simNodes.has(l.to)) links.push({ source: l.from, target: l.to, kind: l.kind });
    if (!changed && links.length === this.linkCount) return;
    this.linkCount = links.length;
    const nodes = [...this.simNodes.values()];
    this.simulation.nodes(nodes);
    this.simulation.force('link').links(links);
    this.simulation.alpha(Math.max(this.simulation.alpha(), changed ? 0.5 : 0.2));
  }

  // One animated packet per edge, direction and kind: an item arriving while another of its kind still travels that
  // edge joins it (its count grows) instead of adding a dot, so thousands of arrivals per second stay cheap.
  addPacket(p, durationMs) {
    if (!this.simNodes.has(p.from) || !this.simNodes.has(p.to)) return;
    const key = `${p.from}|${p.to}|${p.kind}`;
    const running = this.packets.get(key);
    if (running) { running.count++; return; }
    if (this.packets.size >= MAX_PACKETS) return;
    this.packets.set(key, { kind: p.kind, from: p.from, to: p.to, start: performance.now(), duration: durationMs, count: 1 });
  }

  clearPackets() {
    this.packets.clear();
  }

  select(id) {
    this.selected = id;
  }

  colorOf(n, tip) {
    if (n.sync === 'ibd' && n.height < tip.height - 1) return '#7f8c9b';
    if (n.height < 0) return '#7f8c9b';
    if (n.tip === tip.tip) return '#2ecc71';
    const behind = tip.height - n.height;
    if (behind <= 0) return '#b48cff';
    if (behind === 1) return '#f1c40f';
    return '#e67e22';
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
    }
    return { w, h, dpr };
  }

  draw() {
    const now = performance.now();
    this.frames++;
    if (now - this.lastFpsAt >= 1000) {
      this.fps = Math.round(this.frames * 1000 / (now - this.lastFpsAt));
      this.frames = 0; this.lastFpsAt = now;
    }
    if (this.layoutVersion !== this.model.topology) { this.syncLayout(); this.layoutVersion = this.model.topology; }
    // The force layout runs only until it settles (alpha below alphaMin); after that nodes stand still and the static
    // layer is reused frame after frame.
    let moved = false;
    if (this.simulation.alpha() > this.simulation.alphaMin()) { this.simulation.tick(); moved = true; }

    const { w, h, dpr } = this.resize();
    const k = this.view.k * this.autoScale(w, h, moved);
    this.scale = k; this.w = w; this.h = h;
    const ctx = this.ctx;
    if (moved) {
      // While the layout moves, the layer would be redrawn every frame anyway: draw straight to the screen, saving a copy.
      this.drawLayer(ctx, w, h, dpr, k);
      this.layerKey = null;
    } else {
      const key = `${w}|${h}|${dpr}|${k}|${this.view.x}|${this.view.y}|${this.model.looks}|${this.selected}`;
      if (key !== this.layerKey) { this.drawLayer(this.layerContext(), w, h, dpr, k); this.layerKey = key; }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      ctx.drawImage(this.layer, 0, 0);
    }
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * (w / 2 + this.view.x), dpr * (h / 2 + this.view.y));
    this.drawPackets(ctx, now, k);
  }

  // Edges, nodes, rings and labels: everything that changes only when the layout, the view or a node's state does,
  // drawn into an offscreen canvas (8,000 edges stroked every frame is what made large graphs slow).
  drawLayer(ctx, w, h, dpr, k) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * (w / 2 + this.view.x), dpr * (h / 2 + this.view.y));

    // Edges, one path per kind.
    const byKind = new Map();
    for (const l of this.simulation.force('link').links()) {
      let path = byKind.get(l.kind);
      if (!path) { path = new Path2D(); byKind.set(l.kind, path); }
      path.moveTo(l.source.x, l.source.y);
      path.lineTo(l.target.x, l.target.y);
    }
    ctx.lineWidth = 1 / k;
    for (const [kind, path] of byKind) {
      const style = EDGE_STYLE[kind] ?? EDGE_STYLE['outbound-full-relay'];
      ctx.strokeStyle = style.color;
      ctx.setLineDash(style.dash.map(d => d / k));
      ctx.stroke(path);
    }
    ctx.setLineDash([]);

    // Nodes, one path per colour.
    const tip = this.model.tip();
    // Radius in screen pixels (2.5 to 8), whatever the zoom.
    const radius = Math.max(2.5, Math.min(8, 160 / Math.sqrt(this.simNodes.size + 1))) / k;
    const byColor = new Map();
    for (const s of this.simNodes.values()) {
      const n = this.model.nodes.get(s.id);
      if (!n) continue;
      const color = this.colorOf(n, tip);
      let path = byColor.get(color);
      if (!path) { path = new Path2D(); byColor.set(color, path); }
      path.moveTo(s.x + radius, s.y);
      path.arc(s.x, s.y, radius, 0, Math.PI * 2);
    }
    for (const [color, path] of byColor) { ctx.fillStyle = color; ctx.fill(path); }

    // Halves of a cut: a red ring round group B's nodes.
    if (this.model.cut) {
      const ring = new Path2D();
      for (const id of this.model.cut.b) {
        const s = this.simNodes.get(id);
        if (!s) continue;
        ring.moveTo(s.x + radius + 2 / k, s.y);
        ring.arc(s.x, s.y, radius + 2 / k, 0, Math.PI * 2);
      }
      ctx.strokeStyle = '#ff6b6b'; ctx.lineWidth = 1.2 / k; ctx.stroke(ring);
    }

    // Miners get a small mark; the selected node a white ring and its label.
    ctx.fillStyle = '#fff';
    for (const s of this.simNodes.values()) {
      const n = this.model.nodes.get(s.id);
      if (n?.miner) ctx.fillRect(s.x - 1.5 / k, s.y - 1.5 / k, 3 / k, 3 / k);
    }
    if (this.simNodes.size <= 60) {
      ctx.font = `${10 / k}px system-ui`;
      ctx.fillStyle = '#c7d2de';
      for (const s of this.simNodes.values()) ctx.fillText(s.id, s.x + radius + 1 / k, s.y - radius);
    }
    const sel = this.selected && this.simNodes.get(this.selected);
    if (sel) {
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 2 / k;
      ctx.beginPath(); ctx.arc(sel.x, sel.y, radius + 4 / k, 0, Math.PI * 2); ctx.stroke();
    }
  }

  // The offscreen canvas behind the cached layer, at the screen canvas's pixel size.
  layerContext() {
    if (!this.layer) this.layer = document.createElement('canvas');
    if (this.layer.width !== this.canvas.width || this.layer.height !== this.canvas.height) {
      this.layer.width = this.canvas.width; this.layer.height = this.canvas.height;
    }
    return this.layer.getContext('2d');
  }

  // Packets travelling along their edge: one path per kind, so a thousand packets cost three fills, not a thousand.
  drawPackets(ctx, now, k) {
    const heads = new Map(), trails = new Map();
    for (const [key, p] of this.packets) {
      const f = (now - p.start) / p.duration;
      if (f >= 1) { this.packets.delete(key); continue; }
      if (f < 0) continue;
      const a = this.simNodes.get(p.from), b = this.simNodes.get(p.to);
      if (!a || !b) { this.packets.delete(key); continue; }
      const style = PACKET_STYLE[p.kind];
      const x = a.x + (b.x - a.x) * f, y = a.y + (b.y - a.y) * f;
      let head = heads.get(p.kind);
      if (!head) { head = new Path2D(); heads.set(p.kind, head); }
      // Merged packets (several items on one edge at once) are drawn a little larger.
      const size = style.size * (p.count > 1 ? 1.35 : 1) / k;
      if (style.square) head.rect(x - size, y - size, size * 2, size * 2);
      else { head.moveTo(x + size, y); head.arc(x, y, size, 0, Math.PI * 2); }
      if (style.trail) {
        let trail = trails.get(p.kind);
        if (!trail) { trail = new Path2D(); trails.set(p.kind, trail); }
        trail.moveTo(a.x, a.y); trail.lineTo(x, y);
      }
    }
    ctx.lineWidth = 2 / k;
    for (const [kind, trail] of trails) { ctx.strokeStyle = PACKET_STYLE[kind].color; ctx.stroke(trail); }
    // Stem and blocks last, so a flood of fluff never hides them.
    for (const kind of ['fluff', 'stem', 'block']) {
      const head = heads.get(kind);
      if (head) { ctx.fillStyle = PACKET_STYLE[kind].color; ctx.fill(head); }
    }
  }

  // Fits the layout's extent into the canvas (before the user's own zoom). The extent is measured only while nodes
  // move, and the eased scale snaps to its target once close, so a settled picture keeps one exact transform.
  autoScale(w, h, moved) {
    if (moved || this.extent === undefined || this.extentNodes !== this.simNodes.size) {
      let r = 50;
      for (const s of this.simNodes.values()) r = Math.max(r, Math.abs(s.x), Math.abs(s.y));
      this.extent = r; this.extentNodes = this.simNodes.size;
    }
    const target = (Math.min(w, h) / 2 - 20) / this.extent;
    // Gentle while the layout grows; quicker once it stands still, so the cached layer stops being redrawn soon.
    const ease = moved ? 0.05 : 0.2;
    this.fitted = this.fitted ? this.fitted * (1 - ease) + target * ease : target;
    if (Math.abs(this.fitted - target) <= target * 0.003) this.fitted = target;
    return this.fitted;
  }

  // Screen point -> nearest node within a few pixels.
  nodeAt(clientX, clientY) {
    const rect = this.canvas.getBoundingClientRect();
    const x = (clientX - rect.left - this.w / 2 - this.view.x) / this.scale;
    const y = (clientY - rect.top - this.h / 2 - this.view.y) / this.scale;
    let best = null, bestD = (12 / this.scale) ** 2;
    for (const s of this.simNodes.values()) {
      const d = (s.x - x) ** 2 + (s.y - y) ** 2;
      if (d < bestD) { best = s.id; bestD = d; }
    }
    return best;
  }

  // The screen position of a node (tests click it like a person would).
  screenPositionOf(id) {
    const s = this.simNodes.get(id);
    if (!s) return null;
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + this.w / 2 + this.view.x + s.x * this.scale, y: rect.top + this.h / 2 + this.view.y + s.y * this.scale };
  }

  installInput() {
    let drag = null;
    this.canvas.addEventListener('mousedown', e => { drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false }; });
    window.addEventListener('mousemove', e => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      this.view.x = drag.vx + dx; this.view.y = drag.vy + dy;
    });
    window.addEventListener('mouseup', e => {
      if (drag && !drag.moved) { const id = this.nodeAt(e.clientX, e.clientY); if (id) this.onSelect(id); }
      drag = null;
    });
    this.canvas.addEventListener('wheel', e => {
      e.preventDefault();
      const factor = Math.exp(-e.deltaY * 0.001);
      const rect = this.canvas.getBoundingClientRect();
      const cx = e.clientX - rect.left - this.w / 2, cy = e.clientY - rect.top - this.h / 2;
      this.view.x = cx - (cx - this.view.x) * factor;
      this.view.y = cy - (cy - this.view.y) * factor;
      this.view.k *= factor;
    }, { passive: false });
  }
}
