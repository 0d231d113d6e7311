// bendspace interactive page: the network's points and grid, stage by stage, in Canvas 2D.
// Data: the JSON in #bendspace-data (rendering/interactive.py). No library, no request.
"use strict";
(() => {
  const D = JSON.parse(document.getElementById("bendspace-data").textContent);
  const errors = [];
  const $ = (id) => document.getElementById(id);
  // A name from the URL or the data is looked up among an object's own keys only:
  // "constructor" or "__proto__" is in every object, and is no palette.
  const own = (table, name) => (Object.hasOwn(table, name) ? table[name] : undefined);

  // -- decoding ----------------------------------------------------------------------------
  function decode(text, Type) {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  const P = D.points;
  const labels = decode(D.labels, Uint8Array);
  const K = D.widths[D.widths.length - 1];
  const T = D.stages.length;
  const S = D.snapshots.steps.length;
  const view = D.view;
  // the stage slider's last stage: the decision line after the last hidden stage, if drawn
  const END = D.decision ? D.lastStage + 1 : D.lastStage;

  // -- the activations of model/activations.py, elementwise (unit_disk row-wise) -------------
  function erf(x) {  // Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7)
    const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t
                   + 0.254829592) * t * Math.exp(-a * a);
    return s * y;
  }
  const ACT = {
    identity: (x) => x,
    tanh: Math.tanh,
    relu: (x) => (x > 0 ? x : 0),
    leaky_relu: (x, a) => (x >= 0 ? x : a * x),
    sigmoid: (x) => 0.5 * (1 + Math.tanh(0.5 * x)),
    elu: (x, a) => (x > 0 ? x : a * Math.expm1(Math.min(x, 0))),
    gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  };
  function activate(x, n, d, name, param) {
    const y = new Float64Array(n * d);
    if (name === "unit_disk") {  // tanh(|x|) x/|x|, continuous at 0
      for (let i = 0; i < n; i++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += x[i * d + k] ** 2;
        const r = Math.sqrt(r2), s = r > 1e-8 ? Math.tanh(r) / r : 1 - r2 / 3;
        for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k] * s;
      }
      return y;
    }
    const f = own(ACT, name);
    if (!f) throw new Error("unknown activation " + name);
    for (let i = 0; i < n * d; i++) y[i] = f(x[i], param);
    return y;
  }

  // -- every stage's points and grid at one snapshot ------------------------------------------
  const weights = D.mode === "weights";
  const W = weights ? D.W.map((w) => decode(w, Float32Array)) : [];
  const B = weights ? D.b.map((b) => decode(b, Float32Array)) : [];
  const proj = {};
  if (weights) for (const t in D.proj) proj[t] = D.proj[t].map((a) => decode(a, Float64Array));
  const inputs = weights ? Float64Array.from(decode(D.inputs, Float32Array)) : null;

  function gridInput() {  // scenes.lib.mobjects.grid_lines: vertical lines, then horizontal
    if (!D.grid) return null;
    const [lines, samples] = D.grid, [x0, x1, y0, y1] = D.extent;
    const g = new Float64Array(2 * lines * samples * 2);
    let o = 0;
    for (let l = 0; l < lines; l++) {
      const x = x0 + ((x1 - x0) * l) / (lines - 1);
      for (let s = 0; s < samples; s++, o += 2) { g[o] = x; g[o + 1] = y0 + ((y1 - y0) * s) / (samples - 1); }
    }
    for (let l = 0; l < lines; l++) {
      const y = y0 + ((y1 - y0) * l) / (lines - 1);
      for (let s = 0; s < samples; s++, o += 2) { g[o] = x0 + ((x1 - x0) * s) / (samples - 1); g[o + 1] = y; }
    }
    return g;
  }
  const GRID = gridInput();
  const gridCount = GRID ? GRID.length / 2 : 0;

  // model.stages.apply_stage for stage t of snapshot s, on n points of the previous width
  function applyStage(x, n, t, s) {
    const { layer, kind, dim } = D.stages[t];
    if (kind === "input") return x;
    const din = D.widths[layer], dout = D.widths[layer + 1];
    if (kind === "linear") {
      const w = W[layer], off = s * dout * din, y = new Float64Array(n * dout);
      for (let i = 0; i < n; i++)
        for (let o = 0; o < dout; o++) {
          let acc = 0;
          for (let k = 0; k < din; k++) acc += w[off + o * din + k] * x[i * din + k];
          y[i * dout + o] = acc;
        }
      return y;
    }
    if (kind === "bias") {
      const b = B[layer], off = s * dout, y = new Float64Array(n * dout);
      for (let i = 0; i < n; i++) for (let o = 0; o < dout; o++) y[i * dout + o] = x[i * dout + o] + b[off + o];
      return y;
    }
    const [name, param] = D.activations[layer];
    return activate(x, n, dim, name, param);
  }
  function shown(x, n, t) {  // States.project: PCA of wide stages, zero padding of narrow ones
    const dim = D.stages[t].dim, y = new Float32Array(n * 3);
    if (dim > 3) {
      const [c, basis] = proj[t];
      for (let i = 0; i < n; i++)
        for (let j = 0; j < 3; j++) {
          let acc = 0;
          for (let k = 0; k < dim; k++) acc += (x[i * dim + k] - c[k]) * basis[k * 3 + j];
          y[i * 3 + j] = acc;
        }
    } else for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) y[i * 3 + k] = x[i * dim + k];
    return y;
  }
  function throughStages(x, n, s) {
    const out = [];
    for (let t = 0; t < T; t++) { x = applyStage(x, n, t, s); out.push(shown(x, n, t)); }
    return out;
  }
  let trace, traceLo, traceSpan;
  if (!weights) {
    trace = decode(D.trace, Uint16Array);
    traceLo = decode(D.traceLo, Float32Array);
    traceSpan = decode(D.traceSpan, Float32Array);
  }
  function fromTrace(s) {
    const out = [];
    for (let t = 0; t < T; t++) {
      const y = new Float32Array(P * 3), base = (s * T + t) * P * 3, q = (s * T + t) * 3;
      for (let i = 0; i < P * 3; i++) y[i] = traceLo[q + (i % 3)] + (trace[base + i] / 65535) * traceSpan[q + (i % 3)];
      out.push(y);
    }
    return out;
  }
  function centre(stages) {  // DigitView: every picture centred on its own cloud
    for (const y of stages) {
      const m = [0, 0, 0];
      for (let i = 0; i < P; i++) for (let k = 0; k < 3; k++) m[k] += y[i * 3 + k] / P;
      for (let i = 0; i < P; i++) for (let k = 0; k < 3; k++) y[i * 3 + k] -= m[k];
    }
    return stages;
  }
  const cache = new Map();
  function frames(s) {
    if (!cache.has(s)) {
      const snap = D.snapshots.index[s];
      let pts = weights ? throughStages(inputs, P, snap) : fromTrace(s);
      if (view.center) pts = centre(pts);
      const grid = GRID ? throughStages(GRID, gridCount, snap) : null;
      if (cache.size > 12) cache.delete(cache.keys().next().value);
      cache.set(s, { pts, grid });
    }
    return cache.get(s);
  }
  function logits(x, n, s, from) {  // the stages after ``from`` (the network's output)
    for (let t = from + 1; t < T; t++) x = applyStage(x, n, t, D.snapshots.index[s]);
    return x;
  }

  // -- view state ---------------------------------------------------------------------------
  const state = {
    stage: view.stage, step: view.step < 0 ? S - 1 : view.step, theme: D.theme,
    yaw: view.yaw, pitch: view.pitch, panels: !!view.panels,
  };
  const canvas = $("view"), ctx = canvas.getContext("2d");
  let width = 0, height = 0, dpr = 1;
  const screenX = new Float32Array(P), screenY = new Float32Array(P);
  let pal = own(D.palettes, state.theme) || D.palettes.dark;

  function smooth(t) {  // manim's rate function ``smooth`` (inflection 10)
    const sig = (x) => 1 / (1 + Math.exp(-x)), e = sig(-5);
    return Math.min(Math.max((sig(10 * (t - 0.5)) - e) / (1 - 2 * e), 0), 1);
  }
  function reach(data) {  // NetworkView.scale_of (DigitView: a percentile of the distances)
    if (view.percentile >= 100 && view.dims === 2) {
      let m = 0;
      for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
      return Math.max(m, 1e-6);
    }
    const n = data.length / 3, r = new Float32Array(n);
    for (let i = 0; i < n; i++) r[i] = Math.hypot(data[3 * i], data[3 * i + 1], data[3 * i + 2]);
    r.sort();
    const q = (view.percentile / 100) * (n - 1), lo = Math.floor(q);
    return Math.max(r[lo] + (r[Math.min(lo + 1, n - 1)] - r[lo]) * (q - lo), 1e-6);
  }
  function lerp(a, b, u) {
    if (u === 0) return a;
    const y = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) y[i] = a[i] + (b[i] - a[i]) * u;
    return y;
  }
  function rotation() {  // manim's ThreeDCamera: Rz(-theta - 90 deg), then Rx(-phi)
    if (view.dims === 2) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const a = (-(state.yaw + 90) * Math.PI) / 180, p = (state.pitch * Math.PI) / 180;
    const ca = Math.cos(a), sa = Math.sin(a), cp = Math.cos(p), sp = Math.sin(p);
    return [ca, -sa, 0, cp * sa, cp * ca, sp, -sp * sa, -sp * ca, cp];
  }

  // -- decision regions ----------------------------------------------------------------------
  const regionCanvas = document.createElement("canvas");
  let regionKey = "";
  function hexRGB(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }
  function paintRegions(key, size, cells, score) {  // the regions over the canvas, size px
    if (key === regionKey) return;
    BendspaceRegions.paint(regionCanvas, size, cells, score(cells), K, pal.classes.map(hexRGB));
    regionKey = key;
  }
  // Regions where the view is 2-D and the network is computed here: in the input plane
  // (boundary storyboards) and in the last hidden plane (the output layer's line or regions).
  function regionStage(t) {
    if (!weights || view.dims !== 2) return false;
    if (t === 0 && D.widths[0] === 2 && view.inputRegions) return true;
    // the output plane: the larger score (the decision stage draws its line instead)
    return !D.decision && t === D.lastStage && D.stages[t].dim === 2;
  }

  // -- drawing -------------------------------------------------------------------------------
  let lastDraw = 0;
  const drawTimes = [];
  // the panels layout: where panel t's point i lands on the screen is at t * P + i
  const panelX = view.panels ? new Float32Array(P * T) : null, panelY = view.panels ? new Float32Array(P * T) : null;

  function strokeGrid(grid, toX, toY) {  // the warped grid, each line a polyline
    ctx.beginPath();
    const [lines, samples] = D.grid;
    for (let l = 0; l < 2 * lines; l++)
      for (let s = 0; s < samples; s++) {
        const o = (l * samples + s) * 3, X = toX(grid[o], grid[o + 1], grid[o + 2]), Y = toY(grid[o], grid[o + 1], grid[o + 2]);
        if (s === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
      }
    ctx.stroke();
  }
  function fillPoints(xs, ys, off, r, only = -1) {  // one path per class: thousands at 60 fps
    for (let c = 0; c < K; c++) {
      if (only >= 0 && c !== only) continue;
      ctx.fillStyle = pal.classes[c % pal.classes.length];
      ctx.beginPath();
      if (r < 2) {  // a dot this small is a square on the screen, and squares fill 3x faster
        for (let i = 0; i < P; i++) if (labels[i] === c) ctx.rect(xs[off + i] - r, ys[off + i] - r, 2 * r, 2 * r);
      } else
        for (let i = 0; i < P; i++) {
          if (labels[i] !== c) continue;
          ctx.moveTo(xs[off + i] + r, ys[off + i]);
          ctx.arc(xs[off + i], ys[off + i], r, 0, 2 * Math.PI);
        }
      ctx.fill();
    }
  }

  // The output layer's boundary in the (2-D or 3-D) last hidden space at snapshot s, as
  // scenes.lib.boundaries.decision_line: n . h + k = 0, class 1 where it is positive.
  function outputLine(s) {
    const L = D.widths.length - 2, din = D.widths[L], snap = D.snapshots.index[s];
    const w = W[L], b = B[L], o = snap * 2 * din, n = [];
    for (let d = 0; d < din; d++) n.push(w[o + din + d] - w[o + d]);
    return { n, k: b[snap * 2 + 1] - b[snap * 2] };
  }
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const unit = (a) => { const l = Math.hypot(...a); return a.map((x) => x / l); };
  // The plane n . h + k = 0 clipped to the box [lo, hi] (boundaries.box_plane_polygon):
  // where it crosses the box's edges, in order around it; null if it misses the box.
  function boxPlane(n, k, lo, hi) {
    const corners = [];
    for (const x of [lo[0], hi[0]]) for (const y of [lo[1], hi[1]]) for (const z of [lo[2], hi[2]]) corners.push([x, y, z]);
    const f = corners.map((p) => dot(n, p) + k), hits = [];
    for (let i = 0; i < 8; i++)
      for (let j = i + 1; j < 8; j++) {
        const edge = [0, 1, 2].filter((d) => corners[i][d] !== corners[j][d]).length === 1;
        if (!edge || f[i] * f[j] >= 0) continue;
        const a = f[i] / (f[i] - f[j]);
        hits.push(corners[i].map((v, d) => v + (corners[j][d] - v) * a));
      }
    if (hits.length < 3) return null;
    const mid = [0, 1, 2].map((d) => hits.reduce((acc, p) => acc + p[d], 0) / hits.length);
    const nu = unit(n), u = unit(sub(hits[0], mid));
    const v = [nu[1] * u[2] - nu[2] * u[1], nu[2] * u[0] - nu[0] * u[2], nu[0] * u[1] - nu[1] * u[0]];
    const angle = (p) => Math.atan2(dot(sub(p, mid), v), dot(sub(p, mid), u));
    hits.sort((a, b) => angle(a) - angle(b));
    return { corners: hits, mid, u, v };
  }
  // boundaries.plane_grid: `lines` evenly spaced segments each way across the polygon
  function planeGrid({ corners, mid, u, v }, lines) {
    const flat = corners.map((p) => [dot(sub(p, mid), u), dot(sub(p, mid), v)]), segments = [];
    for (const axis of [0, 1]) {
      const lo = Math.min(...flat.map((p) => p[axis])), hi = Math.max(...flat.map((p) => p[axis]));
      for (let i = 1; i <= lines; i++) {
        const t = lo + ((hi - lo) * i) / (lines + 1), hits = [];
        flat.forEach((a, j) => {
          const b = flat[(j + 1) % flat.length];
          if ((a[axis] - t) * (b[axis] - t) >= 0) return;
          const q = (t - a[axis]) / (b[axis] - a[axis]);
          hits.push([a[0] + (b[0] - a[0]) * q, a[1] + (b[1] - a[1]) * q]);
        });
        if (hits.length === 2) segments.push(hits.map(([x, y]) => mid.map((m, d) => m + x * u[d] + y * v[d])));
      }
    }
    return segments;
  }
  // The part of a convex polygon where sign (n . p + k) >= 0 (Sutherland-Hodgman, as
  // half_planes clips the plot square), and where its edges cross the line.
  function clip(poly, n, k, sign) {
    const kept = [], cross = [];
    for (let i = 0; i < poly.length; i++) {
      const p = poly[i], q = poly[(i + 1) % poly.length];
      const fp = sign * (n[0] * p[0] + n[1] * p[1] + k), fq = sign * (n[0] * q[0] + n[1] * q[1] + k);
      if (fp >= 0) kept.push(p);
      if (fp * fq < 0) {
        const a = fp / (fp - fq), x = [p[0] + (q[0] - p[0]) * a, p[1] + (q[1] - p[1]) * a];
        kept.push(x); cross.push(x);
      }
    }
    return { kept, cross };
  }

  function drawView(f, w, h) {  // one view: the stage slider's stage, moving as the video does
    const k = Math.min(Math.floor(state.stage), D.lastStage), u = smooth(state.stage - k);
    const next = Math.min(k + 1, D.lastStage);
    const pts = lerp(f.pts[k], f.pts[next], u);
    const grid = f.grid ? lerp(f.grid[k], f.grid[next], u) : null;
    const fitted = view.fitTo === "grid" && grid ? grid : pts;
    // 2-D: the fitted square fills the view; 3-D: a ball (of the largest distance) that
    // stays inside the view whichever way the camera turns
    const R = (view.dims === 2 ? 0.44 : 0.4) * Math.min(w, h), scale = R / reach(fitted);
    const cx = w / 2, cy = h / 2 + 6, m = rotation();
    const toX = (x, y, z) => cx + scale * (m[0] * x + m[1] * y + m[2] * z);
    const toY = (x, y, z) => cy - scale * (m[3] * x + m[4] * y + m[5] * z);
    bendspace.layout = { cx, cy, scale, R, k, u, panels: null, decision: null };

    // the decision stage (StageByStage.show_output): the two sides fade in over the plot
    // square, the grid dims to 0.35, then the line is drawn across
    const end = D.decision ? Math.min(Math.max(state.stage - D.lastStage, 0), 1) : 0;
    const sides = smooth(Math.min(1, 2 * end)), drawn = smooth(Math.max(0, 2 * end - 1));
    let line = null, plane = null;
    if (end > 0 && D.decision.plane) {  // StageByStage3D: the plane through the points' box
      const { n, k: off } = outputLine(state.step), at = f.pts[D.lastStage];
      const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
      for (let i = 0; i < P; i++)
        for (let d = 0; d < 3; d++) { lo[d] = Math.min(lo[d], at[3 * i + d]); hi[d] = Math.max(hi[d], at[3 * i + d]); }
      for (let d = 0; d < 3; d++) { const pad = 0.08 * (hi[d] - lo[d]); lo[d] -= pad; hi[d] += pad; }
      plane = boxPlane(n, off, lo, hi);
      // the class on the camera's side is drawn over the plane, the other shows through it
      const near = dot(n, [m[6], m[7], m[8]]) > 0 ? 1 : 0;
      if (plane) Object.assign(plane, { near, lines: planeGrid(plane, D.decision.lines) });
      bendspace.layout.decision = { normal: n, offset: off, sides, near,
        corners: plane && plane.corners.map((p) => [toX(...p), toY(...p)]) };
    } else if (end > 0) {
      const { n, k: off } = outputLine(state.step), a = R / scale;
      const square = [[-a, -a], [a, -a], [a, a], [-a, a]];
      ctx.globalAlpha = 0.28 * sides;
      [-1, 1].forEach((sign, c) => {
        const { kept, cross } = clip(square, n, off, sign);
        if (c === 0 && cross.length >= 2) line = cross;
        if (kept.length < 3) return;
        ctx.fillStyle = pal.classes[c];
        ctx.beginPath();
        kept.forEach(([x, y], i) => (i ? ctx.lineTo(toX(x, y, 0), toY(x, y, 0)) : ctx.moveTo(toX(x, y, 0), toY(x, y, 0))));
        ctx.fill();
      });
      ctx.globalAlpha = 1;
      bendspace.layout.decision = { normal: n, offset: off, sides, drawn,
        ends: line && line.map(([x, y]) => [toX(x, y, 0), toY(x, y, 0)]) };
    }

    // regions under everything, at the stages where the page computes them
    const near = Math.round(state.stage);
    if (Math.abs(state.stage - near) < 0.02 && regionStage(near)) {
      // scores at 150 x 150 nodes, drawn at the canvas's own pixels (smooth at any size)
      const cells = 150, x0 = (0 - cx) / scale, y1 = (cy - 0) / scale, span = Math.max(w, h) / scale;
      const size = Math.min(2048, Math.round(Math.max(w, h) * dpr));
      const key = [near, state.step, state.theme, w, h, dpr, scale.toFixed(6), cells].join();
      paintRegions(key, size, cells, (n) => {
        const lattice = new Float64Array(n * n * 2);
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
          lattice[(r * n + c) * 2] = x0 + ((c + 0.5) * span) / n;
          lattice[(r * n + c) * 2 + 1] = y1 - ((r + 0.5) * span) / n;
        }
        return logits(lattice, n * n, state.step, near);
      });
      ctx.globalAlpha = 0.3;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(regionCanvas, 0, 0, Math.max(w, h), Math.max(w, h));
      ctx.globalAlpha = 1;
    }

    if (grid) {
      ctx.strokeStyle = pal.grid;
      ctx.lineWidth = 1;
      ctx.globalAlpha = 1 - (plane ? 0.7 : 0.65) * sides;  // to 0.3 (3-D) or 0.35
      strokeGrid(grid, toX, toY);
      ctx.globalAlpha = 1;
    }
    for (let i = 0; i < P; i++) {
      const x = pts[3 * i], y = pts[3 * i + 1], z = pts[3 * i + 2];
      screenX[i] = toX(x, y, z); screenY[i] = toY(x, y, z);
    }
    const r = Math.max(1.3, Math.min(4, R * view.radius));
    if (!plane) fillPoints(screenX, screenY, 0, r);
    else {  // the far class, the plane (fill, grid, outline) fading in, the near class
      fillPoints(screenX, screenY, 0, r, 1 - plane.near);
      const path = (pts, close) => {
        ctx.beginPath();
        pts.forEach((p, i) => (i ? ctx.lineTo(toX(...p), toY(...p)) : ctx.moveTo(toX(...p), toY(...p))));
        if (close) ctx.closePath();
      };
      ctx.fillStyle = ctx.strokeStyle = pal.accent;
      ctx.globalAlpha = D.decision.opacity * sides;
      path(plane.corners, true); ctx.fill();
      ctx.globalAlpha = 0.45 * sides; ctx.lineWidth = 1;
      for (const segment of plane.lines) { path(segment, false); ctx.stroke(); }
      ctx.globalAlpha = sides; ctx.lineWidth = 1.6;
      path(plane.corners, true); ctx.stroke();
      ctx.globalAlpha = 1;
      fillPoints(screenX, screenY, 0, r, plane.near);
    }
    if (line && drawn > 0) {  // Create(line): drawn from one end, over the points
      const [[x0, y0], [x1, y1]] = line;
      ctx.strokeStyle = pal.accent;
      ctx.lineWidth = Math.max(2, 0.011 * R);  // stroke 4 on the video's 3.6-unit half plot
      ctx.lineCap = "round";
      ctx.beginPath();
      ctx.moveTo(toX(x0, y0, 0), toY(x0, y0, 0));
      ctx.lineTo(toX(x0 + (x1 - x0) * drawn, y0 + (y1 - y0) * drawn, 0), toY(x0 + (x1 - x0) * drawn, y0 + (y1 - y0) * drawn, 0));
      ctx.stroke();
    }
  }

  // Every stage in its own small panel, all at the training slider's snapshot
  // (PanelsOverTraining): `columns` a row, each titled with its stage, fitted to its grid.
  function drawPanels(f, w, h) {
    const cols = Math.min(view.panels.columns, T), rows = Math.ceil(T / cols);
    const top = 58, bottom = 40, room = 15;  // title and legend above, status and buttons below
    const cw = w / cols, ch = Math.max(h - top - bottom, 40) / rows;
    const half = Math.max(0.5 * Math.min(cw, ch - room) - 4, 8), fit = half * view.panels.fit;
    const m = rotation(), r = Math.max(1, Math.min(3, fit * view.panels.radius));
    const panels = [], selected = Math.round(state.stage);
    ctx.font = "11px 'DejaVu Sans', system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (let t = 0; t < T; t++) {
      const row = Math.floor(t / cols), col = t % cols;
      const cx = cw * (col + 0.5), cy = top + ch * row + room + (ch - room) / 2;
      const pts = f.pts[t], grid = f.grid ? f.grid[t] : null;
      const scale = fit / reach(view.fitTo === "grid" && grid ? grid : pts);
      const toX = (x, y, z) => cx + scale * (m[0] * x + m[1] * y + m[2] * z);
      const toY = (x, y, z) => cy - scale * (m[3] * x + m[4] * y + m[5] * z);
      if (t === selected) {  // the stage slider's stage: its panel framed
        ctx.strokeStyle = pal.muted; ctx.lineWidth = 1;
        ctx.strokeRect(cx - half, cy - half, 2 * half, 2 * half);
      }
      if (grid) { ctx.strokeStyle = pal.grid; ctx.lineWidth = 0.6; strokeGrid(grid, toX, toY); }
      for (let i = 0; i < P; i++) {
        const x = pts[3 * i], y = pts[3 * i + 1], z = pts[3 * i + 2];
        panelX[t * P + i] = toX(x, y, z); panelY[t * P + i] = toY(x, y, z);
      }
      fillPoints(panelX, panelY, t * P, r);
      ctx.fillStyle = pal.muted;
      ctx.fillText(D.stages[t].label, cx, cy - half - 2);
      panels.push({ stage: t, cx, cy, half, scale });
    }
    ctx.textAlign = "start"; ctx.textBaseline = "alphabetic";
    bendspace.layout = { panels, r };
  }

  function draw() {
    const t0 = performance.now();
    const w = canvas.clientWidth, h = canvas.clientHeight;
    dpr = window.devicePixelRatio || 1;
    if (w * dpr !== canvas.width || h * dpr !== canvas.height) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); regionKey = "";
    }
    width = w; height = h;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.background;
    ctx.fillRect(0, 0, w, h);
    if (state.panels) drawPanels(frames(state.step), w, h);
    else drawView(frames(state.step), w, h);
    lastDraw = performance.now() - t0;
    drawTimes.push(lastDraw);
    if (drawTimes.length > 600) drawTimes.shift();
    updateText(Math.round(state.stage));
  }

  // -- text, legend, controls ----------------------------------------------------------------
  const pct = (v) => (100 * v).toFixed(1) + "%";
  function updateText(near) {
    const k = Math.min(Math.ceil(state.stage - 1e-9), END), st = D.stages[k];
    if (state.panels) {  // every panel has its own label
      $("stage-label").textContent = `${T} stages, one panel each`;
      $("stage-detail").textContent = "";
    } else if (k > D.lastStage) {
      $("stage-label").textContent = D.decision.label;
      $("stage-detail").textContent = D.decision.detail;
    } else {
      $("stage-label").textContent = st.label;
      const kept = st.kept == null ? "" : `, keeps ${Math.round(100 * st.kept)}% of the variance`;
      $("stage-detail").textContent = st.dim > 3 ? `${st.dim}-D, seen in 3-D${kept}` : `${st.dim}-D`;
    }
    $("stage-value").textContent = `${near} / ${END}`;
    const sn = D.snapshots, s = state.step;
    let status = `step ${sn.steps[s]}   loss ${sn.loss[s].toFixed(3)}   accuracy ${pct(sn.accuracy[s])}`;
    if (sn.heldout) status += `\nheld-out accuracy ${pct(sn.heldout[s])}`;
    $("status").textContent = status;
    $("step-value").textContent = `${s + 1} / ${S}`;
    $("stage-slider").value = state.stage;
    $("step-slider").value = s;
  }
  function applyTheme() {
    pal = own(D.palettes, state.theme) || D.palettes.dark;
    const st = document.body.style;
    st.setProperty("--bg", pal.background); st.setProperty("--ink", pal.ink);
    st.setProperty("--muted", pal.muted); st.setProperty("--grid", pal.grid);
    st.setProperty("--accent2", pal.classes[0]);
    document.documentElement.style.background = pal.background;
    $("legend").innerHTML = "";
    D.classNames.forEach((name, c) => {
      const row = document.createElement("div"), dot = document.createElement("i");
      dot.style.background = pal.classes[c % pal.classes.length];
      row.append(document.createTextNode(name), dot);
      $("legend").append(row);
    });
    regionKey = "";
  }

  // -- the URL fragment: #stage=7&step=40&theme=light&yaw=-70&pitch=66 -------------------------
  function readHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    const num = (key, lo, hi) => {
      const v = parseFloat(q.get(key));
      return Number.isFinite(v) ? Math.min(Math.max(v, lo), hi) : null;
    };
    const stage = num("stage", 0, END), step = num("step", -S, S - 1);
    if (stage !== null) state.stage = stage;
    if (step !== null) state.step = step < 0 ? S + Math.round(step) : Math.round(step);
    if (own(D.palettes, q.get("theme"))) state.theme = q.get("theme");
    const yaw = num("yaw", -3600, 3600), pitch = num("pitch", -180, 180);
    if (yaw !== null) state.yaw = yaw;
    if (pitch !== null) state.pitch = pitch;
    if (view.panels && q.has("panels")) state.panels = q.get("panels") !== "0";
  }
  let hashTimer = 0;
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      const q = new URLSearchParams({ stage: +state.stage.toFixed(2), step: state.step, theme: state.theme });
      if (view.dims === 3) { q.set("yaw", Math.round(state.yaw)); q.set("pitch", Math.round(state.pitch)); }
      if (view.panels) q.set("panels", state.panels ? 1 : 0);
      try { history.replaceState(null, "", "#" + q.toString()); } catch (e) { /* sandboxed frame */ }
    }, 150);
  }

  // -- animation: play the story, step with the keys -----------------------------------------
  let anim = null, frameRequested = false;
  function request() {
    if (!frameRequested) { frameRequested = true; requestAnimationFrame(tick); }
  }
  function tick(now) {
    frameRequested = false;
    if (anim) anim(now);
    draw();
    if (anim) request();
  }
  function stop() { anim = null; $("play").textContent = "play"; writeHash(); }
  function moveStage(target, seconds) {  // slide to a stage as the video does (smooth in draw)
    const from = state.stage, start = performance.now();
    anim = (now) => {
      const a = Math.min(1, (now - start) / (1000 * seconds));
      state.stage = from + (target - from) * a;
      if (a >= 1) stop();
    };
    request();
  }
  function play() {
    if (anim) { stop(); return; }
    $("play").textContent = "pause";
    const training = view.play === "training";
    if (!training && state.stage >= END) state.stage = 0;
    if (training && state.step >= S - 1) state.step = 0;
    let last = performance.now(), hold = 0;
    anim = (now) => {
      const dt = (now - last) / 1000;
      last = now;
      if (training) {
        hold += dt;
        if (hold >= view.snapshotSeconds) { hold = 0; state.step = Math.min(state.step + 1, S - 1); }
        if (state.step >= S - 1) stop();
        return;
      }
      if (hold > 0) { hold -= dt; return; }
      const k = Math.floor(state.stage + 1e-9);
      state.stage = Math.min(state.stage + dt / view.stageSeconds, k + 1, END);
      if (state.stage >= k + 1 - 1e-9) { state.stage = k + 1; hold = view.pauseSeconds; }
      if (state.stage >= END) stop();
    };
    request();
  }
  $("play").addEventListener("click", play);
  function showLayout() {  // the panels page's button names the other layout
    $("layout").style.visibility = view.panels ? "visible" : "hidden";
    $("layout").textContent = state.panels ? "one view" : "panels";
  }
  $("layout").addEventListener("click", () => { state.panels = !state.panels; showLayout(); writeHash(); request(); });
  $("theme").addEventListener("click", () => {
    state.theme = state.theme === "dark" ? "light" : "dark";
    applyTheme(); writeHash(); request();
  });
  const stageSlider = $("stage-slider"), stepSlider = $("step-slider");
  stageSlider.max = END;
  stepSlider.max = S - 1;
  stageSlider.addEventListener("input", () => { anim = null; state.stage = +stageSlider.value; writeHash(); request(); });
  stepSlider.addEventListener("input", () => { state.step = +stepSlider.value; writeHash(); request(); });
  document.addEventListener("keydown", (e) => {
    if (e.target && e.target.tagName === "INPUT" && e.target.type !== "range") return;
    if (e.key === "ArrowRight") moveStage(Math.min(Math.floor(state.stage + 1e-9) + 1, END), 0.6);
    else if (e.key === "ArrowLeft") moveStage(Math.max(Math.ceil(state.stage - 1e-9) - 1, 0), 0.6);
    else if (e.key === "ArrowUp") { state.step = Math.min(state.step + 1, S - 1); writeHash(); request(); }
    else if (e.key === "ArrowDown") { state.step = Math.max(state.step - 1, 0); writeHash(); request(); }
    else if (e.key === " ") play();
    else return;
    e.preventDefault();
  });
  window.addEventListener("hashchange", () => { readHash(); applyTheme(); showLayout(); request(); });
  window.addEventListener("resize", request);

  // -- orbit (3-D) and hover -------------------------------------------------------------------
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {  // a drag turns a 3-D view (panels too)
    if (view.dims !== 3 && !state.panels) return;
    drag = { x: e.clientX, y: e.clientY, yaw: state.yaw, pitch: state.pitch, moved: false };
    if (e.pointerId !== undefined && canvas.setPointerCapture) try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* synthetic */ }
  });
  canvas.addEventListener("pointerup", (e) => {
    if (drag && !drag.moved && state.panels) {  // a panel clicked: its stage in one view
      const rect = canvas.getBoundingClientRect(), x = e.clientX - rect.left, y = e.clientY - rect.top;
      const hit = bendspace.layout.panels.find((p) => Math.abs(x - p.cx) <= p.half && Math.abs(y - p.cy) <= p.half);
      if (hit) { state.panels = false; state.stage = Math.min(hit.stage, END); showLayout(); request(); }
    }
    drag = null;
    writeHash();
  });
  const tip = $("tip");
  const images = D.images ? decode(D.images, Uint8Array) : null;
  const [imageH, imageW, imageC] = D.imageShape || [28, 28, 1];
  const rows = D.rows ? decode(D.rows, Float32Array) : null;
  function imageCanvas(i) {  // 4 bits a value, two a byte; grey is ink on the background
    const c = document.createElement("canvas"), size = imageH * imageW * imageC;
    c.width = imageW; c.height = imageH;
    const g = c.getContext("2d"), img = g.createImageData(imageW, imageH);
    const bg = hexRGB(pal.background), fg = hexRGB(pal.ink), start = i * Math.ceil(size / 2) * 2;
    const value = (q) => { const byte = images[(start + q) >> 1]; return ((q & 1) ? byte & 15 : byte >> 4) / 15; };
    for (let p = 0; p < imageH * imageW; p++) {
      const rgb = imageC === 3 ? [0, 1, 2].map((j) => 255 * value(p * 3 + j))
        : [0, 1, 2].map((j) => bg[j] + value(p) * (fg[j] - bg[j]));
      img.data.set(rgb.concat(255), p * 4);
    }
    g.putImageData(img, 0, 0);
    return c;
  }
  function rowLines(i) {  // a table's first features, named
    const n = D.rowNames.length, more = D.rowWidth > n ? ` (${D.rowWidth - n} more)` : "";
    return D.rowNames.map((name, j) => `${name}: ${+rows[i * n + j].toPrecision(4)}`)
      .concat(more ? [more.trim()] : []);
  }
  canvas.addEventListener("pointermove", (e) => {
    const rect = canvas.getBoundingClientRect(), x = e.clientX - rect.left, y = e.clientY - rect.top;
    if (drag && !drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) > 4) drag.moved = true;
    if (drag && drag.moved && view.dims === 3) {
      state.yaw = drag.yaw - (e.clientX - drag.x) * 0.4;
      state.pitch = Math.min(Math.max(drag.pitch - (e.clientY - drag.y) * 0.4, 0), 180);
      request();
      return;
    }
    let best = -1, dist = 100;  // within 10 px, in whichever panel
    const xs = state.panels ? panelX : screenX, ys = state.panels ? panelY : screenY;
    for (let j = 0; j < xs.length; j++) {
      const d = (xs[j] - x) ** 2 + (ys[j] - y) ** 2;
      if (d < dist) { dist = d; best = j; }
    }
    if (best < 0) { tip.style.display = "none"; return; }
    const where = state.panels ? `, ${D.stages[Math.floor(best / P)].label}` : "";
    best %= P;
    tip.textContent = `${D.classNames[labels[best]]} (point ${best}${where})`;
    if (images) tip.append(document.createElement("br"), imageCanvas(best));
    if (rows) for (const line of rowLines(best)) tip.append(document.createElement("br"), line);
    tip.style.display = "block";
    tip.style.left = Math.min(x + 14, width - 90) + "px";
    tip.style.top = Math.max(y - 20, 0) + "px";
    tip.style.color = pal.classes[labels[best] % pal.classes.length];
  });
  canvas.addEventListener("pointerleave", () => { tip.style.display = "none"; });

  // -- for tests and measurements ------------------------------------------------------------
  const bendspace = (window.bendspace = {
    errors, data: D, state,
    screenPoints: () => ({ x: Array.from(screenX), y: Array.from(screenY), labels: Array.from(labels) }),
    // panel t's points on the screen (the panels layout)
    panelPoints: (t) => ({ x: Array.from(panelX.subarray(t * P, (t + 1) * P)), y: Array.from(panelY.subarray(t * P, (t + 1) * P)) }),
    drawTimes: () => drawTimes.slice(),
    set(changes) { Object.assign(state, changes); applyTheme(); draw(); },
    // n frames of a stage animation, drawn back to back: the cost of a frame (ms each)
    timeFrames(n) {
      const times = [], saved = state.stage;
      for (let i = 0; i < n; i++) { state.stage = (i / n) * END; draw(); times.push(lastDraw); }
      state.stage = saved; draw();
      return times;
    },
  });
  window.addEventListener("error", (e) => errors.push(String(e.message)));

  $("title").textContent = D.title;
  readHash();
  applyTheme();
  showLayout();
  draw();
  document.body.dataset.ready = "1";
})();
