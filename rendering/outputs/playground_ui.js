// bendspace playground page: the controls, the training Web Worker, the stage-by-stage view,
// the input plane, the loss curve, the network diagram, the URL fragment and window.bendspace.
// Settings: the JSON in #bendspace-playground (rendering/playground.py). No library, no request.
"use strict";
(() => {
  const E = self.BendspaceEngine;
  const C = JSON.parse(document.getElementById("bendspace-playground").textContent);
  const $ = (id) => document.getElementById(id);
  const has = (object, key) => object !== null && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, key);
  const root = $("pg");
  const MAX_POINTS = 2000, MAX_CLASSES = 6, MAX_LAYERS = 6, MAX_SEED = 4294967295;
  // one hidden layer may be wider than 3, shown through its 3-D projection as the video does
  const WIDE = 8, MAX_WIDE = 16;
  const wideOk = (widths) => widths.filter((w) => w > 3).length <= 1;
  const LRS = [0.001, 0.003, 0.01, 0.02, 0.03, 0.1, 0.3, 1];
  const SPEEDS = [[60, "1 step a frame"], [300, "5 steps a frame"], [1200, "20 steps a frame"], [Infinity, "as fast as it goes"]];
  const SOURCES = Object.assign(C.page ? { page: { label: "this page's points", names: C.page.names } } : {}, E.GENERATORS);

  // -- settings (the URL fragment's keys) and the points ------------------------------------------
  const defaults = {
    data: C.page ? "page" : "spirals", noise: null, n: 600, dseed: 0,
    widths: C.page ? C.page.widths.slice() : [2, 2, 2, 2], act: C.page ? C.page.activation : "tanh",
    lr: C.page ? C.page.lr : 0.02, seed: 0, speed: 300, stage: null, theme: C.theme,
  };
  const S = Object.assign({}, defaults);
  const pts = { x: [], y: [], names: [], extent: [-1.5, 1.5, -1.5, 1.5], edited: false };
  const run = { net: null, plan: [], params: null, step: 0, loss: NaN, accuracy: NaN, version: 0,
                curve: { step: [], loss: [], accuracy: [] }, snapshots: [], weights: null };
  let playing = false, pal = C.palettes[S.theme], message = "";

  function noiseOf(source) { return S.noise !== null ? S.noise : (has(E.GENERATORS, source) ? E.GENERATORS[source].noise : 0); }
  function makePoints() {
    let made;
    if (S.data === "page" && C.page) made = { x: C.page.points, y: C.page.labels, names: C.page.names };
    else made = E.generate(S.data, S.n, noiseOf(S.data), S.dseed);
    pts.x = made.x.map((p) => [p[0], p[1]]); pts.y = made.y.slice(); pts.names = made.names.slice();
    pts.extent = extentOf(pts.x, S.data === "page" ? 0.1 : null);
    pts.edited = false;
  }
  function extentOf(x, pad) {  // a square around the points; generators share one plane
    if (pad === null) return [-1.5, 1.5, -1.5, 1.5];
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const [a, b] of x) { x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b); }
    if (!(x1 >= x0)) return [-1.5, 1.5, -1.5, 1.5];
    const half = Math.max(x1 - x0, y1 - y0, 1e-3) * (0.5 + pad), cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    return [cx - half, cx + half, cy - half, cy + half];
  }
  function dataMessage() {
    const n = pts.y.length, x = new Float64Array(2 * n);
    pts.x.forEach((p, i) => { x[2 * i] = p[0]; x[2 * i + 1] = p[1]; });
    return { x, y: Int32Array.from(pts.y), n };
  }
  const classes = () => pts.names.length;

  // -- the trainer: a Web Worker made from the engine's own text, else the page itself ------------
  let send, ids = 0, workerAlive = false;
  const pending = new Map();
  function startTrainer() {
    const local = () => {
      const handle = E.trainer((msg) => setTimeout(() => receive(msg), 0), () => performance.now());
      send = (msg) => setTimeout(() => handle(msg), 0);
    };
    try {
      const url = URL.createObjectURL(new Blob([$("bendspace-engine").textContent], { type: "text/javascript" }));
      const worker = new Worker(url);
      worker.onmessage = (e) => { workerAlive = true; receive(e.data); };
      worker.onerror = (e) => {  // refused (a strict sandbox): train in the page instead
        e.preventDefault();
        if (workerAlive) { say(`the trainer stopped: ${e.message}`); return; }
        worker.terminate(); local(); setup();
      };
      send = (msg) => worker.postMessage(msg);
    } catch (err) {
      local();
    }
  }
  function request(msg) {  // a message the trainer answers with its id
    const id = ++ids;
    const answer = new Promise((resolve, reject) => { pending.set(id, { resolve, reject }); send(Object.assign(msg, { id })); });
    answer.catch(() => {});  // a request the page itself made and then replaced is no error
    return answer;
  }
  function settleAll(why) {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  }
  function receive(msg) {
    const waiting = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (waiting) pending.delete(msg.id);
    if (msg.type === "progress") {
      if (msg.params.length !== run.net.size) return;  // from a network since replaced
      run.params = msg.params; run.step = msg.step; run.loss = msg.loss; run.accuracy = msg.accuracy;
      for (const [s, l, a] of msg.curve) { run.curve.step.push(s); run.curve.loss.push(l); run.curve.accuracy.push(a); }
      for (const snap of msg.snapshots) run.snapshots.push(snap);
      run.version++;
      if (waiting) waiting.resolve({ loss: msg.loss, accuracy: msg.accuracy, step: msg.step });
      request_frame();
    } else if (msg.type === "diverged") {
      setPlaying(false);
      say(`training diverged at step ${msg.step} (the loss is not a number): lower the learning rate or reset`);
      if (waiting) waiting.reject(new Error(`training diverged at step ${msg.step}; lower the learning rate`));
    } else if (msg.type === "error") {
      setPlaying(false);
      say(msg.message);
      if (waiting) waiting.reject(new Error(msg.message));
    } else if (msg.type === "cancelled" && waiting) {
      waiting.reject(new Error("training was replaced by another request"));
    }
  }

  // -- setting up: a network of S.widths on the points, from the seed or given weights -----------
  function setup(weights) {
    settleAll("the network was set up again");
    run.net = E.network([2, ...S.widths, classes()], S.act);
    run.plan = E.stagePlan(run.net);
    run.params = weights ? E.paramsFrom(run.net, weights) : E.initialParams(run.net, S.seed);
    run.weights = weights ? "given" : "seed";
    run.step = 0; run.loss = NaN; run.accuracy = NaN; run.snapshots = [];
    run.curve = { step: [], loss: [], accuracy: [] }; run.version++;
    say("");
    const done = request({ type: "setup", widths: run.net.widths, activation: S.act, lr: S.lr, seed: S.seed,
                           weights: weights || null, data: dataMessage() });
    if (S.stage === null || S.stage > run.plan.length - 1) S.stage = defaultStage();
    if (playing) send({ type: "run", speed: S.speed });
    controls(); request_frame();
    return done;
  }
  function pointsChanged() {  // the same network on other points (a new class: a new network)
    if (run.net && run.net.widths[run.net.widths.length - 1] !== classes()) return setup();
    const done = request({ type: "data", data: dataMessage() });
    controls(); request_frame();
    return done;
  }
  function setPlaying(on) {
    if (on && pts.y.length === 0) { say("add points first: click in the input plane"); on = false; }
    playing = on;
    send({ type: on ? "run" : "pause", speed: S.speed });
    $("pg-play").textContent = on ? "pause" : "play";
    if (on) { frameLog.length = drawLog.length = partLog.length = 0; lastFrame = 0; }
    request_frame();
  }
  function say(text) { message = text; $("pg-message").textContent = text; }

  // -- what the view shows: every stage of the points and the grid -------------------------------
  const GRID_LINES = 17, GRID_SAMPLES = 48;
  function gridInput() {  // vertical lines, then horizontal, over the points' square
    const [x0, x1, y0, y1] = pts.extent, g = new Float64Array(2 * GRID_LINES * GRID_SAMPLES * 2);
    let o = 0;
    for (let l = 0; l < GRID_LINES; l++)
      for (let s = 0; s < GRID_SAMPLES; s++, o += 2) { g[o] = x0 + ((x1 - x0) * l) / (GRID_LINES - 1); g[o + 1] = y0 + ((y1 - y0) * s) / (GRID_SAMPLES - 1); }
    for (let l = 0; l < GRID_LINES; l++)
      for (let s = 0; s < GRID_SAMPLES; s++, o += 2) { g[o] = x0 + ((x1 - x0) * s) / (GRID_SAMPLES - 1); g[o + 1] = y0 + ((y1 - y0) * l) / (GRID_LINES - 1); }
    return g;
  }
  let traced = { key: "" };
  function trace() {  // cached per weights, points and extent
    const key = `${run.version}|${pts.y.length}|${dataVersion}|${pts.extent}`;
    if (traced.key === key) return traced;
    const data = dataMessage(), grid = gridInput();
    traced = {
      key,
      points: E.forwardStages(run.net, run.params, data.x, data.n, 0, run.plan),
      grid: E.forwardStages(run.net, run.params, grid, grid.length / 2, 0, run.plan),
    };
    // what the view shows of each stage in 3-D (wide stages through the points' projection)
    const views = E.projectStages(traced.points, data.n, run.plan), gn = grid.length / 2;
    traced.shown = views.shown;
    traced.gridShown = run.plan.map((st, t) => (t in views.projections
      ? E.project(traced.grid[t], gn, st.dim, ...views.projections[t]) : as3(traced.grid[t], gn, st.dim)));
    return traced;
  }

  let dataVersion = 0;
  const solidNow = () => run.plan[Math.min(Math.round(S.stage), run.plan.length - 1)].dim >= 3;
  function lastHidden() {
    for (let t = run.plan.length - 1; t >= 0; t--) if (run.plan[t].kind === "activation") return t;
    return run.plan.length - 1;
  }
  const defaultStage = () => lastHidden();
  function stageLabel(t) {
    const st = run.plan[t];
    if (st.kind === "input") return "input";
    const name = st.layer === run.net.layers.length - 1 ? "output" : `layer ${st.layer + 1}`;
    return `${name} - ${st.kind}`;
  }
  function as3(x, n, dim) {  // zero padded to three coordinates
    const y = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) for (let k = 0; k < Math.min(dim, 3); k++) y[i * 3 + k] = x[i * dim + k];
    return y;
  }
  function smooth(t) {  // manim's rate function, as the video moves between stages
    const sig = (x) => 1 / (1 + Math.exp(-x)), e = sig(-5);
    return Math.min(Math.max((sig(10 * (t - 0.5)) - e) / (1 - 2 * e), 0), 1);
  }
  function mix(a, b, u) {
    if (u === 0) return a;
    const y = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) y[i] = a[i] + (b[i] - a[i]) * u;
    return y;
  }
  function hexRGB(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

  // -- canvases ------------------------------------------------------------------------------------
  function fit(canvas, cssW, cssH) {  // the backing store at the device's pixel ratio
    const dpr = window.devicePixelRatio || 1, ctx = canvas.getContext("2d");
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
    }
    canvas.style.width = cssW + "px"; canvas.style.height = cssH + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }
  // The regions are redrawn every frame while the network trains: painted at 2 px a lattice
  // cell and stretched with smoothing, the edge stays a smooth curve (headless Chromium, 2
  // loaded cores: the view's regions at its own 790 px took 57 ms a paint, at 220 px 2.3 ms).
  const PAINT_PER_CELL = 2;
  // the regions over a cells x cells lattice of scores, drawn smooth at size x size pixels, each
  // pixel's class faded by the network's confidence (over the background the canvas is filled with)
  function regionImage(target, size, cells, logits, K) {
    BendspaceRegions.paint(target, size, cells, logits, K, pal.classes.map(hexRGB), [0.12, 0.42]);
  }
  function lattice(cells, x0, x1, y0, y1) {  // row-major, top row first
    const g = new Float64Array(cells * cells * 2);
    for (let r = 0; r < cells; r++)
      for (let c = 0; c < cells; c++) {
        g[(r * cells + c) * 2] = x0 + ((c + 0.5) * (x1 - x0)) / cells;
        g[(r * cells + c) * 2 + 1] = y1 - ((r + 0.5) * (y1 - y0)) / cells;
      }
    return g;
  }
  const logitsFrom = (x, n, t) => E.outputFrom(run.net, run.params, x, n, t, run.plan);

  // the main view: the points and the grid at stage S.stage (between two stages, moving)
  const view = { yaw: -70, pitch: 66, screenX: new Float32Array(0), screenY: new Float32Array(0) };
  const mainRegions = document.createElement("canvas");
  function drawView() {
    const canvas = $("pg-view"), w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return;
    const ctx = fit(canvas, w, h);
    canvas.style.width = canvas.style.height = "";
    ctx.fillStyle = pal.background; ctx.fillRect(0, 0, w, h);
    const T = run.plan.length, stage = Math.min(Math.max(S.stage, 0), T - 1);
    const k = Math.floor(stage), next = Math.min(k + 1, T - 1), u = smooth(stage - k), tr = trace();
    const n = pts.y.length, gn = GRID_LINES * GRID_SAMPLES * 2;
    const p = mix(tr.shown[k], tr.shown[next], u), g = mix(tr.gridShown[k], tr.gridShown[next], u);
    // the camera: from above at 2-D stages, turned (as dragged) at 3-D ones, in between while moving
    const solid = (t) => (run.plan[t].dim >= 3 ? 1 : 0), c = solid(k) * (1 - u) + solid(next) * u;
    let flat = 1e-6, round = 1e-6;
    for (let i = 0; i < gn; i++) {
      flat = Math.max(flat, Math.abs(g[3 * i]), Math.abs(g[3 * i + 1]));
      round = Math.max(round, Math.hypot(g[3 * i], g[3 * i + 1], g[3 * i + 2]));
    }
    const R = (0.44 - 0.04 * c) * Math.min(w, h), scale = R / (flat * (1 - c) + round * c);
    const cx = w / 2, cy = h / 2 + 8, yaw = -90 + (view.yaw + 90) * c, pitch = view.pitch * c;
    const a = (-(yaw + 90) * Math.PI) / 180, q = (pitch * Math.PI) / 180;
    const m = [Math.cos(a), -Math.sin(a), 0, Math.cos(q) * Math.sin(a), Math.cos(q) * Math.cos(a), Math.sin(q)];
    const toX = (x, y, z) => cx + scale * (m[0] * x + m[1] * y + m[2] * z);
    const toY = (x, y, z) => cy - scale * (m[3] * x + m[4] * y + m[5] * z);

    const near = Math.round(stage);  // regions under everything, at a 2-D stage
    if (c === 0 && Math.abs(stage - near) < 0.02 && run.plan[near].dim === 2 && n > 0) {
      const cells = 110, span = Math.max(w, h) / scale, x0 = -cx / scale, y1 = cy / scale;
      const size = Math.min(PAINT_PER_CELL * cells, Math.round(Math.max(w, h) * (window.devicePixelRatio || 1)));
      regionImage(mainRegions, size, cells, logitsFrom(lattice(cells, x0, x0 + span, y1 - span, y1), cells * cells, near), classes());
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(mainRegions, 0, 0, Math.max(w, h), Math.max(w, h));
    }
    ctx.strokeStyle = pal.grid; ctx.lineWidth = 1; ctx.beginPath();
    for (let l = 0; l < 2 * GRID_LINES; l++)
      for (let s = 0; s < GRID_SAMPLES; s++) {
        const o = (l * GRID_SAMPLES + s) * 3, X = toX(g[o], g[o + 1], g[o + 2]), Y = toY(g[o], g[o + 1], g[o + 2]);
        if (s === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
      }
    ctx.stroke();
    if (view.screenX.length !== n) { view.screenX = new Float32Array(n); view.screenY = new Float32Array(n); }
    for (let i = 0; i < n; i++) { view.screenX[i] = toX(p[3 * i], p[3 * i + 1], p[3 * i + 2]); view.screenY[i] = toY(p[3 * i], p[3 * i + 1], p[3 * i + 2]); }
    dots(ctx, view.screenX, view.screenY, Math.max(1.6, Math.min(3.2, R * 0.011)));
    view.layout = { cx, cy, scale, R };
    $("pg-stage-label").textContent = stageLabel(Math.min(Math.ceil(stage - 1e-9), T - 1));
    const dim = run.plan[Math.min(Math.ceil(stage - 1e-9), T - 1)].dim;
    $("pg-stage-detail").textContent = `${dim}-D` + (dim > 3 ? ", seen in 3-D" : "") + (dim >= 3 ? ", drag to turn" : "");
    $("pg-stage-value").textContent = `${near} / ${T - 1}`;
    if (document.activeElement !== $("pg-stage")) { $("pg-stage").max = T - 1; $("pg-stage").value = stage; }
  }
  function dots(ctx, X, Y, r) {  // one path per class
    for (let c = 0; c < classes(); c++) {
      ctx.fillStyle = pal.classes[c % pal.classes.length];
      ctx.beginPath();
      for (let i = 0; i < pts.y.length; i++) {
        if (pts.y[i] !== c) continue;
        ctx.moveTo(X[i] + r, Y[i]);
        ctx.arc(X[i], Y[i], r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
  }

  // the input plane: the network's regions and the points (the editing surface)
  const dataRegions = document.createElement("canvas"), DATA_SIZE = 248;
  const plane = {  // data <-> canvas pixels
    toX: (x) => ((x - pts.extent[0]) / (pts.extent[1] - pts.extent[0])) * DATA_SIZE,
    toY: (y) => ((pts.extent[3] - y) / (pts.extent[3] - pts.extent[2])) * DATA_SIZE,
    fromX: (X) => pts.extent[0] + (X / DATA_SIZE) * (pts.extent[1] - pts.extent[0]),
    fromY: (Y) => pts.extent[3] - (Y / DATA_SIZE) * (pts.extent[3] - pts.extent[2]),
  };
  function drawData() {
    const ctx = fit($("pg-data"), DATA_SIZE, DATA_SIZE), cells = 64;
    ctx.fillStyle = pal.background; ctx.fillRect(0, 0, DATA_SIZE, DATA_SIZE);
    if (plane.key !== String(pts.extent)) { plane.key = String(pts.extent); plane.lattice = lattice(cells, ...pts.extent); }
    regionImage(dataRegions, Math.min(PAINT_PER_CELL * cells, Math.round(DATA_SIZE * (window.devicePixelRatio || 1))),
                cells, logitsFrom(plane.lattice, cells * cells, 0), classes());
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(dataRegions, 0, 0, DATA_SIZE, DATA_SIZE);
    ctx.strokeStyle = pal.grid; ctx.globalAlpha = 0.6; ctx.beginPath();
    ctx.moveTo(plane.toX(0), 0); ctx.lineTo(plane.toX(0), DATA_SIZE); ctx.moveTo(0, plane.toY(0)); ctx.lineTo(DATA_SIZE, plane.toY(0));
    ctx.stroke(); ctx.globalAlpha = 1;
    const X = pts.x.map((p) => plane.toX(p[0])), Y = pts.x.map((p) => plane.toY(p[1]));
    dots(ctx, X, Y, 2.4);
  }

  // the loss (log scale) and the accuracy over the steps trained
  function drawCurve() {
    const W = 248, H = 112, ctx = fit($("pg-curve"), W, H), c = run.curve, n = c.step.length;
    ctx.fillStyle = pal.background; ctx.fillRect(0, 0, W, H);
    ctx.font = '10px "DejaVu Sans", sans-serif'; ctx.fillStyle = pal.muted;
    if (n < 2) { ctx.fillText("press play: the loss and accuracy appear here", 8, H / 2); return; }
    const left = 6, right = W - 6, top = 14, bottom = H - 14, last = c.step[n - 1] || 1;
    let lo = Infinity, hi = -Infinity;
    for (const l of c.loss) if (l > 0 && Number.isFinite(l)) { lo = Math.min(lo, l); hi = Math.max(hi, l); }
    lo = Math.log(Math.max(lo, 1e-6)); hi = Math.log(Math.max(hi, 1e-6));
    if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
    const X = (s) => left + ((right - left) * s) / last;
    const line = (values, toY, color) => {  // at most one point a pixel column
      ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
      const every = Math.max(1, Math.floor(n / (right - left)));
      for (let i = 0; i < n; i += every) { const x = X(c.step[i]), y = toY(values[i]); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); }
      ctx.lineTo(X(c.step[n - 1]), toY(values[n - 1]));
      ctx.stroke();
    };
    ctx.strokeStyle = pal.grid; ctx.lineWidth = 1;
    ctx.strokeRect(left + 0.5, top + 0.5, right - left - 1, bottom - top - 1);
    line(c.loss, (l) => bottom - ((Math.log(Math.max(l, 1e-6)) - lo) / (hi - lo)) * (bottom - top), pal.ink);
    line(c.accuracy, (a) => bottom - a * (bottom - top), pal.classes[2 % pal.classes.length]);
    ctx.fillStyle = pal.ink; ctx.fillText(`loss ${c.loss[n - 1].toPrecision(3)} (log scale)`, left, top - 3);
    ctx.fillStyle = pal.classes[2 % pal.classes.length];
    ctx.textAlign = "right"; ctx.fillText(`accuracy ${(100 * c.accuracy[n - 1]).toFixed(1)}%`, right, top - 3);
    ctx.fillStyle = pal.muted; ctx.fillText(`step ${last}`, right, H - 3); ctx.textAlign = "left"; ctx.fillText("0", left, H - 3);
  }

  // the network: a column of neurons a layer, edges coloured by the sign of their weight
  let nodes = [];
  function drawNet() {
    const W = 248, H = 168, ctx = fit($("pg-net"), W, H), widths = run.net.widths, cols = widths.length;
    ctx.fillStyle = pal.background; ctx.fillRect(0, 0, W, H);
    nodes = widths.map((d, l) => Array.from({ length: d }, (_, i) => ({
      x: 16 + ((W - 32) * l) / (cols - 1), y: H / 2 + (i - (d - 1) / 2) * Math.min(34, (H - 24) / Math.max(d, 1)), layer: l, unit: i })));
    let big = 1e-9;
    for (let i = 0; i < run.params.length; i++) big = Math.max(big, Math.abs(run.params[i]));
    run.net.layers.forEach((L, l) => {
      for (let o = 0; o < L.dout; o++)
        for (let k = 0; k < L.din; k++) {
          const v = run.params[L.w + o * L.din + k];
          ctx.strokeStyle = pal.classes[v >= 0 ? 0 : 1];
          ctx.globalAlpha = 0.25 + 0.75 * Math.min(1, Math.abs(v) / big);
          ctx.lineWidth = 0.6 + 3.4 * Math.min(1, Math.abs(v) / big);
          ctx.beginPath(); ctx.moveTo(nodes[l][k].x, nodes[l][k].y); ctx.lineTo(nodes[l + 1][o].x, nodes[l + 1][o].y); ctx.stroke();
        }
    });
    ctx.globalAlpha = 1; ctx.lineWidth = 1.5;
    for (const column of nodes)
      for (const node of column) {
        ctx.fillStyle = pal.background; ctx.strokeStyle = pal.ink;
        ctx.beginPath(); ctx.arc(node.x, node.y, 7, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      }
    ctx.fillStyle = pal.muted; ctx.font = '10px "DejaVu Sans", sans-serif'; ctx.textAlign = "center";
    ctx.fillText(`${widths.join("-")}, ${S.act}`, W / 2, H - 4); ctx.textAlign = "left";
    ctx.fillText("+", 4, 10); ctx.fillStyle = pal.classes[0]; ctx.fillRect(12, 5, 14, 3);
    ctx.fillStyle = pal.muted; ctx.fillText("\u2212", 32, 10); ctx.fillStyle = pal.classes[1]; ctx.fillRect(40, 5, 14, 3);
  }
  // a neuron's output over the input plane (hidden: after its activation; output: its score)
  function neuronCanvas(node) {
    const cells = 56, [x0, x1, y0, y1] = pts.extent, grid = lattice(cells, x0, x1, y0, y1);
    let values, dim = 2;
    if (node.layer === 0) values = grid;
    else {
      const out = E.forwardStages(run.net, run.params, grid, cells * cells, 0, run.plan);
      const t = node.layer === run.net.widths.length - 1 ? run.plan.length - 1
        : run.plan.findIndex((st) => st.layer === node.layer - 1 && st.kind === "activation");
      values = out[t]; dim = run.plan[t].dim;
    }
    let big = 1e-9;
    for (let i = 0; i < cells * cells; i++) big = Math.max(big, Math.abs(values[i * dim + node.unit]));
    const c = document.createElement("canvas");
    c.width = c.height = cells; c.style.width = c.style.height = "112px";
    const g = c.getContext("2d"), img = g.createImageData(cells, cells), bg = hexRGB(pal.background);
    const pos = hexRGB(pal.classes[0]), neg = hexRGB(pal.classes[1]);
    for (let i = 0; i < cells * cells; i++) {
      const v = values[i * dim + node.unit] / big, col = v >= 0 ? pos : neg, a = Math.abs(v);
      for (let j = 0; j < 3; j++) img.data[i * 4 + j] = bg[j] + (col[j] - bg[j]) * a;
      img.data[i * 4 + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    return { canvas: c, big };
  }

  // -- one frame: draw what changed ---------------------------------------------------------------
  let frameRequested = false, stagesAnim = null, lastFrame = 0;
  const frameLog = [], drawLog = [], partLog = [];  // ms: between frames, drawing, its parts
  function request_frame() { if (!frameRequested && root.classList.contains("open")) { frameRequested = true; requestAnimationFrame(frame); } }
  function frame(now) {
    frameRequested = false;
    const t0 = performance.now();
    if (stagesAnim) stagesAnim(now);
    const parts = [drawView, drawData, drawCurve, drawNet, status].map((draw) => {
      const start = performance.now();
      draw();
      return performance.now() - start;
    });
    if (playing) {
      if (lastFrame) frameLog.push(now - lastFrame);
      drawLog.push(performance.now() - t0);
      partLog.push(parts);
      if (frameLog.length > 2000) { frameLog.shift(); drawLog.shift(); partLog.shift(); }
    }
    lastFrame = playing ? now : 0;
    if (playing || stagesAnim) request_frame();
  }
  function status() {
    const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(1) + "%" : "-");
    const loss = Number.isFinite(run.loss) ? run.loss.toFixed(4) : "-";
    $("pg-status").textContent = `step ${run.step}\nloss ${loss}\naccuracy ${pct(run.accuracy)}\n${pts.y.length} points, ${classes()} classes`;
    const legend = $("pg-legend");
    if (legend.dataset.key !== pts.names.join("\u0000") + S.theme) {
      legend.dataset.key = pts.names.join("\u0000") + S.theme;
      legend.textContent = "";
      pts.names.forEach((name, c) => {
        const row = document.createElement("div"), dot = document.createElement("i");
        dot.className = "dot"; dot.style.background = pal.classes[c % pal.classes.length];
        row.append(dot, document.createTextNode(name)); legend.append(row);
      });
    }
  }

  // -- the controls --------------------------------------------------------------------------------
  function option(select, value, text) {
    const o = document.createElement("option"); o.value = String(value); o.textContent = text; select.append(o); return o;
  }
  function buildControls() {
    for (const [key, source] of Object.entries(SOURCES)) option($("pg-dataset"), key, source.label);
    for (const name of C.activations) option($("pg-act"), name, name);
    for (const [speed, text] of SPEEDS) option($("pg-speed"), speed, text);
  }
  function controls() {  // the controls show S
    applyTheme();
    $("pg-dataset").value = S.data;
    const generated = S.data !== "page";
    $("pg-noise").disabled = $("pg-count").disabled = !generated;
    $("pg-noise").value = noiseOf(S.data); $("pg-noise-value").textContent = (+noiseOf(S.data)).toFixed(2);
    $("pg-count").value = S.n; $("pg-count-value").textContent = generated ? S.n : pts.y.length;
    if (![...$("pg-act").options].some((o) => o.value === S.act)) option($("pg-act"), S.act, S.act);
    $("pg-act").value = S.act;
    const lr = $("pg-lr");
    lr.textContent = "";
    for (const v of [...new Set([...LRS, S.lr])].sort((a, b) => a - b)) option(lr, v, String(v));
    lr.value = String(S.lr);
    $("pg-seed").value = S.seed;
    $("pg-speed").value = String(S.speed);
    const widths = $("pg-widths");
    widths.textContent = "";
    S.widths.forEach((w, l) => {
      const b = document.createElement("button");
      // 2 -> 3 -> the wide layer (if no other layer is wide) -> 2
      const then = w === 2 ? 3 : w === 3 && wideOk([...S.widths.filter((_, j) => j !== l), WIDE]) ? WIDE : 2;
      b.textContent = String(w); b.title = `layer ${l + 1}: ${w} neurons (click: ${then})`;
      b.addEventListener("click", () => { S.widths[l] = then; changed(true); });
      widths.append(b);
    });
    $("pg-fewer").disabled = S.widths.length <= 1;
    $("pg-more").disabled = S.widths.length >= MAX_LAYERS;
    const box = $("pg-classes");
    box.textContent = "";
    const label = document.createElement("label"); label.textContent = "class"; box.append(label);
    pts.names.forEach((name, c) => {
      const b = document.createElement("button"), dot = document.createElement("i");
      dot.className = "dot"; dot.style.background = pal.classes[c % pal.classes.length];
      b.append(dot, document.createTextNode(name)); b.className = c === tool.cls ? "on" : "";
      b.title = `new points are of class ${name}`;
      b.addEventListener("click", () => { tool.cls = c; controls(); });
      box.append(b);
    });
    if (classes() < MAX_CLASSES) {
      const b = document.createElement("button");
      b.textContent = "+"; b.title = "a new class (a new output neuron: the network starts again)";
      b.addEventListener("click", () => { pts.names.push(`class ${classes() + 1}`); tool.cls = classes() - 1; pts.edited = true; setup(); });
      box.append(b);
    }
    $("pg-tool-add").className = tool.mode === "add" ? "on" : "";
    $("pg-tool-erase").className = tool.mode === "erase" ? "on" : "";
    $("pg-close").hidden = !C.page;
  }
  function applyTheme() {
    pal = C.palettes[S.theme];
    const st = root.style;
    st.setProperty("--pg-bg", pal.background); st.setProperty("--pg-ink", pal.ink);
    st.setProperty("--pg-muted", pal.muted); st.setProperty("--pg-grid", pal.grid);
    st.setProperty("--pg-c0", pal.classes[0]); st.setProperty("--pg-c1", pal.classes[1]);
  }
  // a setting changed: the fragment follows; a new network (or new points) when it must
  function changed(network, points) {
    if (points) { makePoints(); dataVersion++; tool.cls = Math.min(tool.cls, classes() - 1); }
    if (network || points) setup(); else controls();
    writeFragment();
  }
  function bindControls() {
    $("pg-dataset").addEventListener("change", (e) => { S.data = e.target.value; S.noise = null; changed(false, true); });
    $("pg-noise").addEventListener("change", (e) => { S.noise = +e.target.value; changed(false, true); });
    $("pg-noise").addEventListener("input", (e) => { $("pg-noise-value").textContent = (+e.target.value).toFixed(2); });
    $("pg-count").addEventListener("change", (e) => { S.n = +e.target.value; changed(false, true); });
    $("pg-count").addEventListener("input", (e) => { $("pg-count-value").textContent = e.target.value; });
    $("pg-act").addEventListener("change", (e) => { S.act = e.target.value; changed(true); });
    $("pg-lr").addEventListener("change", (e) => { S.lr = +e.target.value; send({ type: "lr", lr: S.lr }); changed(false); });
    $("pg-seed").addEventListener("change", (e) => { S.seed = clampInt(e.target.value, 0, MAX_SEED, S.seed); changed(true); });
    $("pg-reseed").addEventListener("click", () => { S.seed = (S.seed + 1) % (MAX_SEED + 1); changed(true); });
    $("pg-speed").addEventListener("change", (e) => { S.speed = +e.target.value; if (playing) send({ type: "run", speed: S.speed }); writeFragment(); });
    $("pg-fewer").addEventListener("click", () => { S.widths.pop(); changed(true); });
    $("pg-more").addEventListener("click", () => { S.widths.push(Math.min(S.widths[S.widths.length - 1] || 2, 3)); changed(true); });
    $("pg-play").addEventListener("click", () => setPlaying(!playing));
    $("pg-step").addEventListener("click", () => { setPlaying(false); if (pts.y.length) request({ type: "train", steps: 1 }).catch(() => {}); });
    $("pg-reset").addEventListener("click", () => setup());
    $("pg-export").addEventListener("click", download);
    $("pg-theme").addEventListener("click", () => {
      S.theme = S.theme === "dark" ? "light" : "dark";
      if (!has(C.palettes, S.theme)) S.theme = defaults.theme;
      document.documentElement.style.background = C.palettes[S.theme].background;
      changed(false);
      request_frame();
    });
    $("pg-close").addEventListener("click", () => { try { history.replaceState(null, "", "#"); } catch (e) { /* sandboxed */ } close(); });
    $("pg-tool-add").addEventListener("click", () => { tool.mode = "add"; controls(); });
    $("pg-tool-erase").addEventListener("click", () => { tool.mode = "erase"; controls(); });
    $("pg-clear").addEventListener("click", () => { pts.x = []; pts.y = []; edited(); });
    $("pg-stage").addEventListener("input", (e) => { stagesAnim = null; S.stage = +e.target.value; writeFragment(); request_frame(); });
    $("pg-stages").addEventListener("click", playStages);
    window.addEventListener("keydown", (e) => {  // capture: the replay page under us must not move
      if (!root.classList.contains("open")) return;
      e.stopPropagation();
      const tag = e.target && e.target.tagName;
      if (tag === "SELECT" || (tag === "INPUT" && e.target.type !== "range")) return;
      const T = run.plan.length - 1;
      if (e.key === " ") setPlaying(!playing);
      else if (e.key === "ArrowRight") moveStage(Math.min(Math.floor(S.stage + 1e-9) + 1, T));
      else if (e.key === "ArrowLeft") moveStage(Math.max(Math.ceil(S.stage - 1e-9) - 1, 0));
      else return;
      e.preventDefault();
    }, true);
    window.addEventListener("resize", request_frame);
    window.addEventListener("hashchange", () => { if (readFragment()) { changed(true, true); open(); } else if (C.page) close(); });
  }
  function moveStage(target, seconds = 0.6) {
    const from = S.stage, start = performance.now();
    stagesAnim = (now) => {
      const a = Math.min(1, (now - start) / (1000 * seconds));
      S.stage = from + (target - from) * a;
      if (a >= 1) { stagesAnim = null; writeFragment(); }
    };
    request_frame();
  }
  function playStages() {  // input to output, a second a stage, as the video tells it
    const T = run.plan.length - 1;
    S.stage = 0;
    let last = performance.now();
    stagesAnim = (now) => {
      S.stage = Math.min(S.stage + (now - last) / 1000, T);
      last = now;
      if (S.stage >= T) { stagesAnim = null; writeFragment(); }
    };
    request_frame();
  }

  // -- editing the points on the input plane -----------------------------------------------------
  const tool = { mode: "add", cls: 0, drag: -1, erasing: false };
  function nearest(X, Y, within) {
    let best = -1, d2 = within * within;
    pts.x.forEach((p, i) => { const d = (plane.toX(p[0]) - X) ** 2 + (plane.toY(p[1]) - Y) ** 2; if (d < d2) { d2 = d; best = i; } });
    return best;
  }
  function erase(X, Y) {
    const keep = pts.x.map((p) => (plane.toX(p[0]) - X) ** 2 + (plane.toY(p[1]) - Y) ** 2 > 100);
    if (keep.every(Boolean)) return;
    pts.x = pts.x.filter((_, i) => keep[i]); pts.y = pts.y.filter((_, i) => keep[i]);
    edited();
  }
  let editTimer = 0;
  function edited() {  // the trainer hears of edits at most every 50 ms
    pts.edited = true; dataVersion++;
    $("pg-count-value").textContent = pts.y.length;
    request_frame();
    if (!editTimer) editTimer = setTimeout(() => { editTimer = 0; pointsChanged(); }, 50);
  }
  function bindEditing() {
    const canvas = $("pg-data");
    const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    canvas.addEventListener("pointerdown", (e) => {
      const [X, Y] = at(e);
      canvas.setPointerCapture(e.pointerId);
      if (tool.mode === "erase") { tool.erasing = true; erase(X, Y); return; }
      tool.drag = nearest(X, Y, 6);
      if (tool.drag < 0) {
        if (pts.y.length >= MAX_POINTS) { say(`at most ${MAX_POINTS} points`); return; }
        pts.x.push([plane.fromX(X), plane.fromY(Y)]); pts.y.push(tool.cls);
        tool.drag = pts.y.length - 1;
        edited();
      }
    });
    canvas.addEventListener("pointermove", (e) => {
      const [X, Y] = at(e);
      if (tool.erasing) erase(X, Y);
      else if (tool.drag >= 0) { pts.x[tool.drag] = [plane.fromX(X), plane.fromY(Y)]; edited(); }
    });
    const up = () => { tool.drag = -1; tool.erasing = false; };
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    // the main view turns in 3-D
    const main = $("pg-view");
    let orbit = null;
    main.addEventListener("pointerdown", (e) => { if (solidNow()) { orbit = { x: e.clientX, y: e.clientY, yaw: view.yaw, pitch: view.pitch }; main.setPointerCapture(e.pointerId); } });
    main.addEventListener("pointermove", (e) => {
      if (!orbit) return;
      view.yaw = orbit.yaw - (e.clientX - orbit.x) * 0.4;
      view.pitch = Math.min(Math.max(orbit.pitch - (e.clientY - orbit.y) * 0.4, 0), 180);
      request_frame();
    });
    main.addEventListener("pointerup", () => { orbit = null; });
    // hover a neuron: its output over the input plane
    const net = $("pg-net"), tip = $("pg-tip");
    net.addEventListener("pointermove", (e) => {
      const r = net.getBoundingClientRect(), X = e.clientX - r.left, Y = e.clientY - r.top;
      const node = nodes.flat().find((n) => (n.x - X) ** 2 + (n.y - Y) ** 2 < 100);
      if (!node) { tip.style.display = "none"; return; }
      const { canvas, big } = neuronCanvas(node);
      const what = node.layer === 0 ? `input ${"xy"[node.unit]}` : node.layer === run.net.widths.length - 1
        ? `score of ${pts.names[node.unit]}` : `layer ${node.layer}, neuron ${node.unit + 1}`;
      tip.textContent = `${what}: −${big.toPrecision(2)} to +${big.toPrecision(2)}`;
      tip.append(document.createElement("br"), canvas);
      tip.style.display = "block";
      tip.style.left = Math.max(4, e.clientX - 150) + "px";
      tip.style.top = Math.max(4, e.clientY - 150) + "px";
    });
    net.addEventListener("pointerleave", () => { tip.style.display = "none"; });
  }

  // -- the URL fragment: #play&data=moons&noise=0.1&widths=3,3,3&act=tanh&lr=0.03&seed=2 ---------
  function clampInt(text, lo, hi, otherwise) {
    const v = Number(text);
    return Number.isInteger(v) && v >= lo && v <= hi ? v : otherwise;
  }
  function readFragment() {  // true if the fragment asks for the playground
    const q = new URLSearchParams(location.hash.slice(1));
    if (!q.has("play")) return false;
    Object.assign(S, defaults, { widths: defaults.widths.slice() });
    const data = q.get("data");
    if (data !== null && has(SOURCES, data)) S.data = data;
    const num = (key, lo, hi) => { const v = Number(q.get(key)); return q.get(key) !== null && q.get(key) !== "" && Number.isFinite(v) && v >= lo && v <= hi ? v : null; };
    const noise = num("noise", 0, 0.5);  // the slider's range
    if (noise !== null) S.noise = noise;
    S.n = clampInt(q.get("n"), 20, MAX_POINTS, S.n);
    S.dseed = clampInt(q.get("dseed"), 0, MAX_SEED, S.dseed);
    const widths = (q.get("widths") || "").split(",").map(Number);
    if (widths.length >= 1 && widths.length <= MAX_LAYERS && widths.every((w) => Number.isInteger(w) && w >= 2 && w <= MAX_WIDE)
        && wideOk(widths)) S.widths = widths;
    const act = q.get("act");
    if (act !== null && C.activations.includes(act)) S.act = act;
    const lr = num("lr", 1e-6, 10);
    if (lr !== null) S.lr = lr;
    S.seed = clampInt(q.get("seed"), 0, MAX_SEED, S.seed);
    const speed = q.get("speed");
    if (speed !== null) S.speed = speed === "max" ? Infinity : clampInt(speed, 1, 100000, S.speed);
    const stage = num("stage", 0, 100);
    if (stage !== null) S.stage = stage;
    const theme = q.get("theme");
    if (theme !== null && has(C.palettes, theme)) S.theme = theme;
    return true;
  }
  let fragmentTimer = 0;
  function writeFragment() {
    clearTimeout(fragmentTimer);
    fragmentTimer = setTimeout(() => {
      if (!root.classList.contains("open")) return;
      const q = new URLSearchParams();
      q.set("data", S.data);
      if (S.data !== "page") { q.set("noise", String(+noiseOf(S.data).toFixed(3))); q.set("n", String(S.n)); }
      if (S.dseed) q.set("dseed", String(S.dseed));
      q.set("widths", S.widths.join(",")); q.set("act", S.act); q.set("lr", String(S.lr)); q.set("seed", String(S.seed));
      if (S.speed !== defaults.speed) q.set("speed", Number.isFinite(S.speed) ? String(S.speed) : "max");
      q.set("stage", String(+(+S.stage).toFixed(2)));
      if (S.theme !== defaults.theme) q.set("theme", S.theme);
      try { history.replaceState(null, "", "#play&" + q.toString().replace(/%2C/g, ",")); } catch (e) { /* sandboxed frame */ }
    }, 200);
  }
  function open() { root.classList.add("open"); request_frame(); }
  function close() { setPlaying(false); root.classList.remove("open"); }

  // -- export: one JSON file with the points, the network and every snapshot ---------------------
  function exportRun() {
    const data = dataMessage(), snaps = run.snapshots.slice();
    if (!snaps.length || snaps[snaps.length - 1].step < run.step) snaps.push({ step: run.step, params: run.params });
    const shown = (v) => (Number.isFinite(v) ? v : null);
    const every = Math.max(1, Math.ceil(run.curve.step.length / 2000)), pick = (a) => a.filter((_, i) => i % every === 0);
    return {
      format: "bendspace-playground-run", version: 1,
      points: pts.x.map((p) => [p[0], p[1]]), labels: pts.y.slice(), classNames: pts.names.slice(),
      network: { widths: run.net.widths.slice(), activation: S.act, lr: S.lr, seed: S.seed,
                 initial: run.weights, optimizer: "Adam, full batch (torch's defaults)" },
      data: { source: S.data, noise: S.data === "page" ? null : noiseOf(S.data), count: S.n, seed: S.dseed, edited: pts.edited },
      steps: run.step,
      // each snapshot's loss and accuracy on these points (the curve is as trained)
      snapshots: snaps.map((s) => {
        const r = data.n ? E.lossAndGradient(run.net, s.params, data, null) : { loss: NaN, accuracy: NaN };
        return Object.assign({ step: s.step, loss: shown(r.loss), accuracy: shown(r.accuracy) }, E.weightsOf(run.net, s.params));
      }),
      curve: { step: pick(run.curve.step), loss: pick(run.curve.loss).map(shown), accuracy: pick(run.curve.accuracy).map(shown) },
    };
  }
  function download() {
    const blob = new Blob([JSON.stringify(exportRun())], { type: "application/json" });
    const a = document.createElement("a"), url = URL.createObjectURL(blob);
    a.setAttribute("href", url);
    a.download = `bendspace-${S.data}-${run.net.widths.join("-")}-${S.act}-step${run.step}.json`;
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    say(`exported; render it with: render.py custom --from-page ${a.download}`);
  }

  // -- window.bendspace: the scripting API (README) -----------------------------------------------
  function fail(text) { throw new Error(text); }
  const api = {
    setData(spec) {
      if (!spec || !Array.isArray(spec.x) || !Array.isArray(spec.y)) fail("setData: give {x: [[x, y], ...], y: [class, ...], names?}");
      const n = spec.x.length;
      if (n !== spec.y.length) fail(`setData: ${n} points but ${spec.y.length} labels`);
      if (n > MAX_POINTS) fail(`setData: ${n} points, at most ${MAX_POINTS}`);
      spec.x.forEach((p, i) => { if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === "number" && Number.isFinite(v))) fail(`setData: point ${i} is not two finite numbers`); });
      const K = spec.names !== undefined ? (Array.isArray(spec.names) ? spec.names.length : fail("setData: names must be a list")) : Math.max(1, ...spec.y.map((v) => v + 1));
      spec.y.forEach((v, i) => { if (!Number.isInteger(v) || v < 0 || v >= K) fail(`setData: label ${i} is ${v}, not a class in 0..${K - 1}`); });
      if (K < 2 || K > MAX_CLASSES) fail(`setData: ${K} classes; give 2 to ${MAX_CLASSES}`);
      open();
      pts.x = spec.x.map((p) => [p[0], p[1]]); pts.y = spec.y.slice();
      pts.names = spec.names !== undefined ? spec.names.map(String) : Array.from({ length: K }, (_, k) => `class ${k + 1}`);
      pts.extent = extentOf(pts.x, 0.15); pts.edited = false;
      S.data = "custom"; dataVersion++; tool.cls = 0;
      writeFragment();
      return pointsChanged().then(() => ({ points: n, classes: K }));
    },
    setNetwork(spec = {}) {
      const widths = spec.widths !== undefined ? spec.widths : S.widths;
      if (!Array.isArray(widths) || widths.length < 1 || widths.length > MAX_LAYERS
          || !widths.every((w) => Number.isInteger(w) && w >= 1 && w <= MAX_WIDE) || !wideOk(widths))
        fail(`setNetwork: widths are the hidden layers, 1 to ${MAX_LAYERS} of 1 to 3 neurons (one may have up to ${MAX_WIDE}), like [2, 8, 2]`);
      const act = spec.activation !== undefined ? String(spec.activation) : S.act;
      if (!C.activations.includes(act)) fail(`setNetwork: unknown activation ${JSON.stringify(act)}; use one of ${C.activations.join(", ")}`);
      const lr = spec.lr !== undefined ? spec.lr : S.lr;
      if (typeof lr !== "number" || !(lr > 0 && lr <= 10)) fail("setNetwork: lr must be a number in (0, 10]");
      const seed = spec.seed !== undefined ? spec.seed : S.seed;
      if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) fail(`setNetwork: seed must be a whole number in 0..${MAX_SEED}`);
      if (spec.weights !== undefined) E.paramsFrom(E.network([2, ...widths, classes()], act), spec.weights);
      open();
      Object.assign(S, { widths: widths.slice(), act, lr, seed });
      writeFragment();
      return setup(spec.weights).then(() => api.state());
    },
    async train(steps = 1) {
      if (!Number.isInteger(steps) || steps < 1 || steps > 1e6) fail("train: steps must be a whole number from 1 to 1,000,000");
      if (!pts.y.length) fail("train: no points; setData first");
      open();
      if (playing) setPlaying(false);
      return request({ type: "train", steps });
    },
    exportRun,
    state: () => ({ step: run.step, loss: run.loss, accuracy: run.accuracy, widths: run.net.widths.slice(), activation: S.act,
                    lr: S.lr, seed: S.seed, data: S.data, noise: noiseOf(S.data), n: S.n, stage: S.stage, theme: S.theme,
                    points: pts.y.length, classes: classes(), playing, message,
                    trainer: workerAlive ? "worker" : "page" }),
    curve: () => ({ step: run.curve.step.slice(), loss: run.curve.loss.slice(), accuracy: run.curve.accuracy.slice() }),
    play: () => setPlaying(true),
    pause: () => setPlaying(false),
    // while playing: ms between frames, drawing each, and its parts (view, plane, curve, network, text)
    frameTimes: () => ({ interval: frameLog.slice(), draw: drawLog.slice(), parts: partLog.map((p) => p.slice()) }),
    open, close,
  };
  const existing = window.bendspace;  // the replay page's own object keeps its fields
  // On a replay page the replay's own fields win (its `state` is an object the page's tests
  // read); the playground's whole API is always at bendspace.playground.
  const target = existing && typeof existing === "object" ? existing : {};
  for (const key of Object.keys(api)) if (!Object.prototype.hasOwnProperty.call(target, key)) target[key] = api[key];
  target.playground = api;
  window.bendspace = target;

  // -- start ---------------------------------------------------------------------------------------
  buildControls();
  bindControls();
  bindEditing();
  startTrainer();
  const asked = readFragment();
  makePoints();
  setup();
  if (C.page) {  // the replay page: a button opens the playground with its own run
    const button = document.createElement("button");
    button.id = "pg-open"; button.textContent = "train it yourself";
    button.title = "change the data or the network and watch it learn";
    button.addEventListener("click", () => { open(); writeFragment(); });
    ($("stage") || document.body).append(button);
  }
  if (asked || !C.page) open();
  root.dataset.ready = "1";
})();
