// The dashboard page: follows a live network over server-sent events (devnet) or replays a trace (a simulation's
// events.jsonl), draws it, and sends the controls to the server, which acts on the real nodes.
import './style.css';
import { NetworkModel } from './model.js';
import { GraphView } from './graph.js';
import { drawPropagation } from './charts.js';
import { ReplayPlayer, parseTrace } from './replay.js';

const $ = id => document.getElementById(id);
const model = new NetworkModel();
let replay = null;
let mode = 'live';
const graph = new GraphView($('graph'), model, select);
const PACKET_MS = 450;

function select(id) {
  graph.select(id);
  $('node-select').value = id ?? '';
  renderNodePanel();
}

function onMoved(moved, e) {
  const speed = replay ? replay.speed : 1;
  graph.addPacket(moved, Math.max(120, Math.min(1200, PACKET_MS / Math.sqrt(Math.max(speed, 0.25)))));
  if (moved.kind === 'block') log(`block ${e.height} ${short(e.hash)} reached ${e.node} from ${e.from}`, true);
}

// ---- live ----------------------------------------------------------------------------------------------------

function connectLive() {
  const source = new EventSource('api/events');
  let loaded = false;
  source.onmessage = m => {
    const e = JSON.parse(m.data);
    if (e.type === 'meta') { model.reset(); loaded = false; $('mode').textContent = `live · ${e.label}`; }
    const moved = model.apply(e);
    // The snapshot replays recent arrivals; only newer ones are animated.
    if (e.type === 'stats') loaded = true;
    if (moved && loaded) onMoved(moved, e);
    note(e);
  };
  source.onerror = () => { $('mode').textContent = 'reconnecting…'; };
}

function note(e) {
  switch (e.type) {
    case 'node': log(`node ${e.node} joined (${e.address}, ${e.relay}${e.miner ? ', miner' : ''})`); break;
    case 'node-removed': log(`node ${e.node} removed`); break;
    case 'cut': log(`underlay cut: ${e.groupA.length} | ${e.groupB.length} nodes`); break;
    case 'heal': log('underlay healed'); break;
    case 'block': if (e.from === null) log(`node ${e.node} mined block ${e.height} ${short(e.hash)}`); break;
    default: break;
  }
}

async function control(method, path, what) {
  try {
    const response = await fetch(path, { method });
    const body = await response.json().catch(() => ({ ok: false, message: response.statusText }));
    message(`${what}: ${body.message}`, !body.ok);
    log(`${what}: ${body.message}`);
    return body;
  } catch (err) {
    message(`${what}: ${err}`, true);
    return { ok: false };
  }
}

$('btn-add').onclick = async () => { const r = await control('POST', 'api/nodes', 'add node'); if (r.node) select(r.node); };
$('btn-delete-random').onclick = () => control('DELETE', 'api/nodes/random', 'delete random node');
$('btn-cut').onclick = () => control('POST', 'api/cut', 'cut');
$('btn-heal').onclick = () => control('POST', 'api/heal', 'heal');
$('btn-send-tx').onclick = () => graph.selected && control('POST', `api/nodes/${graph.selected}/tx`, `send transaction from ${graph.selected}`);
$('btn-mine').onclick = () => graph.selected && control('POST', `api/nodes/${graph.selected}/mine`, `mine on ${graph.selected}`);
$('btn-delete-node').onclick = async () => {
  if (!graph.selected) return;
  const id = graph.selected;
  const r = await control('DELETE', `api/nodes/${id}`, `delete node ${id}`);
  if (r.ok) select(null);
};
$('relay-select').onchange = e => graph.selected && control('POST', `api/nodes/${graph.selected}/relay/${e.target.value}`, `relay policy of ${graph.selected}`);
$('node-select').onchange = e => select(e.target.value || null);

// ---- replay --------------------------------------------------------------------------------------------------

function startReplay(text, label) {
  mode = 'replay';
  document.body.classList.add('replay');
  $('replay-bar').classList.remove('hidden');
  replay = new ReplayPlayer(parseTrace(text), model, onMoved, () => graph.clearPackets());
  replay.speed = Number($('replay-speed').value);
  $('mode').textContent = `replay · ${label}`;
  log(`replaying ${replay.events.length} events (${(replay.duration / 1e6).toFixed(1)} s)`);
}

$('btn-play').onclick = () => {
  if (!replay) return;
  if (!replay.playing && replay.time >= replay.end) replay.seek(0);
  replay.playing = !replay.playing;
};
$('replay-speed').onchange = e => { if (replay) replay.speed = Number(e.target.value); };
$('replay-pos').oninput = e => { if (replay) replay.seek(Number(e.target.value) / 1000); };
$('replay-file').onchange = async e => {
  const file = e.target.files[0];
  if (file) startReplay(await file.text(), file.name);
};

// Events are applied every frame (only those now due); the replay bar's text is written at most 4 times a second,
// since rewriting the same text every frame is wasted layout work.
let replayBarAt = 0;
function replayFrame(now) {
  if (replay) replay.tick();
  if (replay && now - replayBarAt >= 250) {
    replayBarAt = now;
    $('btn-play').textContent = replay.playing ? 'Pause' : 'Play';
    $('replay-time').textContent = `${((replay.time - replay.start) / 1e6).toFixed(1)} / ${(replay.duration / 1e6).toFixed(1)} s`;
    if (document.activeElement !== $('replay-pos'))
      $('replay-pos').value = String(replay.duration > 0 ? Math.round((replay.time - replay.start) / replay.duration * 1000) : 1000);
  }
  requestAnimationFrame(replayFrame);
}
requestAnimationFrame(replayFrame);

// ---- panels --------------------------------------------------------------------------------------------------

function renderSummary() {
  const tip = model.tip();
  $('stat-nodes').textContent = model.nodes.size;
  $('stat-links').textContent = model.links.size;
  $('stat-tip').textContent = tip.height >= 0 ? `${tip.height} ${short(tip.tip)}` : '–';
  $('stat-stale').textContent = model.staleCount();
  $('stat-cut').classList.toggle('hidden', !model.cut);
  $('fps').textContent = graph.fps;
  const groups = [...model.tipGroups().entries()].sort((a, b) => b[1] - a[1]);
  const onTip = groups.find(g => g[0] === tip.tip)?.[1] ?? 0;
  details($('network-details'), [
    ['nodes', model.nodes.size],
    ['connections', model.links.size],
    ['tip', tip.height >= 0 ? `${tip.height} · ${short(tip.tip)}` : '–'],
    ['on the tip', `${onTip} of ${model.nodes.size}`],
    ['distinct tips', groups.length],
    ['stale blocks', model.staleCount()],
    ['mempool (avg)', avg([...model.nodes.values()].map(n => n.mempool)).toFixed(1)],
    ['underlay', model.cut ? `cut: ${model.cut.a.size} | ${model.cut.b.size}` : 'whole'],
  ]);
  // The node list changes rarely; rebuild it only when its membership does.
  const sel = $('node-select');
  const ids = [...model.nodes.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (sel.dataset.ids !== ids.join(',')) {
    sel.dataset.ids = ids.join(',');
    sel.replaceChildren(new Option('(click a node)', ''), ...ids.map(id => new Option(`${id} ${model.nodes.get(id).address}`, id)));
    sel.value = graph.selected ?? '';
  }
  renderNodePanel();
}

function renderNodePanel() {
  const n = graph.selected && model.nodes.get(graph.selected);
  for (const b of ['btn-send-tx', 'btn-mine', 'btn-delete-node', 'relay-select']) $(b).disabled = !n;
  if (!n) { details($('node-details'), [['', graph.selected ? `node ${graph.selected} is gone` : 'click a node in the graph']]); return; }
  const peers = [...model.links.values()].filter(l => l.from === n.id || l.to === n.id)
    .map(l => l.from === n.id ? `→${l.to}` : `←${l.from}`);
  details($('node-details'), [
    ['node', n.id], ['address', n.address], ['height', n.height], ['tip', short(n.tip)], ['sync', n.sync],
    ['peers', n.peers], ['address book', n.addresses < 0 ? 'n/a' : n.addresses], ['mempool', n.mempool],
    ['relay', n.relay], ['miner', n.miner ? 'yes' : 'no'], ['sent', bytes(n.bytesSent)], ['received', bytes(n.bytesReceived)],
    ['links', peers.join(' ')],
  ]);
  if (document.activeElement !== $('relay-select')) $('relay-select').value = n.relay;
}

function details(dl, rows) {
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = String(v);
    dd.dataset.key = k;
    return [dt, dd];
  }));
}

function renderCharts() {
  drawPropagation($('chart-blocks'), model.propagation(model.blocks, 30), '#ff9f1c');
  drawPropagation($('chart-txs'), model.propagation(model.txs, 60), '#22d3ee');
}

setInterval(renderSummary, 250);
setInterval(renderCharts, 1000);

// ---- helpers -------------------------------------------------------------------------------------------------

function message(text, error = false) { const m = $('message'); m.textContent = text; m.classList.toggle('error', error); }

function log(text, quiet = false) {
  if (quiet) return;
  const li = document.createElement('li');
  const t = new Date(model.now / 1000 || Date.now());
  li.textContent = `${t.toISOString().slice(11, 19)} ${text}`;
  const list = $('log');
  list.prepend(li);
  while (list.childElementCount > 200) list.lastElementChild.remove();
}

function short(hash) { return hash ? hash.slice(0, 10) : '–'; }
function avg(xs) { return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0; }
function bytes(n) { return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`; }

// Tests and curious users: the model behind the picture.
window.nodus = { model, graph, select, summary: () => model.summary(), get replay() { return replay; }, get mode() { return mode; } };

// ---- start ---------------------------------------------------------------------------------------------------

(async () => {
  let info = { mode: 'none' };
  try { info = await (await fetch('api/info')).json(); } catch { /* opened as a file: replay from the file picker */ }
  if (info.mode === 'live') { connectLive(); return; }
  document.body.classList.add('replay');
  $('mode').textContent = 'replay: open a trace';
  if (info.mode === 'replay') {
    const response = await fetch('api/replay');
    if (response.ok) startReplay(await response.text(), 'events.jsonl');
    else message(await response.text(), true);
  }
})();
