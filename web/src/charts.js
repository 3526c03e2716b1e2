// Small bar charts on a canvas: one bar per recent block or transaction, its height the seconds it took to reach
// every node; items that have not reached every node yet are drawn hollow.

export function drawPropagation(canvas, items, color) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const left = 34, bottom = 14, top = 6;
  const max = niceMax(Math.max(0.001, ...items.map(i => i.seconds)));
  ctx.fillStyle = '#8a98a8'; ctx.font = '10px system-ui';
  ctx.fillText(format(max), 2, top + 8);
  ctx.fillText('0', 2, h - bottom);
  ctx.strokeStyle = '#263140'; ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left, h - bottom); ctx.lineTo(w, h - bottom); ctx.stroke();
  if (items.length === 0) { ctx.fillText('nothing yet', left + 8, h / 2); return; }
  const bw = Math.max(1, (w - left - 4) / items.length);
  items.forEach((item, i) => {
    const bh = (h - bottom - top) * Math.min(1, item.seconds / max);
    const x = left + 2 + i * bw, y = h - bottom - bh;
    if (item.complete) { ctx.fillStyle = color; ctx.fillRect(x, y, Math.max(1, bw - 1), bh); }
    else { ctx.strokeStyle = color; ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, bw - 2), bh); }
  });
  const done = items.filter(i => i.complete).map(i => i.seconds).sort((a, b) => a - b);
  if (done.length) {
    const median = done[Math.floor(done.length / 2)];
    ctx.fillStyle = '#c7d2de';
    ctx.fillText(`median ${format(median)} s`, w - 92, top + 8);
  }
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function format(s) { return s >= 10 ? s.toFixed(0) : s >= 1 ? s.toFixed(1) : s.toFixed(2); }
