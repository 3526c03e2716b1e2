// Plays a recorded trace (events.jsonl) over time: the model is rebuilt from the start when seeking backwards,
// and each frame applies the events whose time has come, at the chosen speed.

export class ReplayPlayer {
  constructor(events, model, onEvent, onReset) {
    this.events = events.sort((a, b) => a.t - b.t);
    this.model = model;
    this.onEvent = onEvent;
    this.onReset = onReset;
    this.start = this.events.length ? this.events[0].t : 0;
    this.end = this.events.length ? this.events[this.events.length - 1].t : 0;
    this.speed = 1;
    this.playing = true;
    this.index = 0;
    this.time = this.start;   // trace time (µs) shown now
    this.lastWall = performance.now();
    this.model.reset();
    this.onReset();
  }

  get duration() { return this.end - this.start; }

  // Advances by the wall time since the last call, times the speed.
  tick() {
    const wall = performance.now();
    const dt = (wall - this.lastWall) * 1000 * this.speed;
    this.lastWall = wall;
    if (!this.playing) return;
    this.advanceTo(Math.min(this.end, this.time + dt), true);
    if (this.time >= this.end) this.playing = false;
  }

  advanceTo(time, animate) {
    // A seek far ahead skips animation so it stays instant.
    const skip = !animate;
    while (this.index < this.events.length && this.events[this.index].t <= time) {
      const e = this.events[this.index++];
      const moved = this.model.apply(e);
      if (moved && !skip) this.onEvent(moved, e);
    }
    this.time = time;
  }

  seek(fraction) {
    const target = this.start + this.duration * fraction;
    if (target < this.time) { this.model.reset(); this.onReset(); this.index = 0; }
    this.advanceTo(target, false);
  }
}

export function parseTrace(text) {
  const events = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s) continue;
    try { events.push(JSON.parse(s)); } catch { /* a torn last line of a trace still being written */ }
  }
  return events;
}
