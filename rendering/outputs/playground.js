// bendspace playground engine: the data generators, the MLP with the activations of
// model/activations.py, torch's nn.Linear initialisation, softmax cross-entropy and torch's
// full-batch Adam, all in float64, and the stage function of model/stages.py.
// A classic script: the page runs it (self.BendspaceEngine) and its Web Worker runs the same
// text, where it also answers the page's messages (trainer() below). No library, no request.
"use strict";
(function (root) {
  // -- a seeded generator: mulberry32 (uniform in [0, 1)), Box-Muller for normals ---------------
  function random(seed) {
    let a = seed >>> 0, spare = null;
    const next = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    next.uniform = (lo, hi) => lo + (hi - lo) * next();
    next.normal = () => {
      if (spare !== null) { const s = spare; spare = null; return s; }
      let u = 0;
      while (u === 0) u = next();
      const r = Math.sqrt(-2 * Math.log(u)), t = 2 * Math.PI * next();
      spare = r * Math.sin(t);
      return r * Math.cos(t);
    };
    return next;
  }

  // -- the activations (model/activations.py) and their derivatives -----------------------------
  // erf to about 1e-15: its Taylor series near 0, a continued fraction for erfc further out.
  function erf(x) {
    const a = Math.abs(x);
    if (a < 2.5) {
      let term = a, sum = a;
      for (let n = 1; n < 60; n++) {
        term *= (-a * a) / n;
        const add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      }
      return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
    }
    // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), Lentz's method
    let f = a, c = a, d = 0;
    for (let n = 1; n < 200; n++) {
      const k = n / 2;
      d = 1 / (a + k * d);
      c = a + k / c;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    return Math.sign(x) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f));
  }
  const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  // f(x, param) and its derivative d(x, y = f(x), param), elementwise
  const ACTIVATIONS = {
    tanh: { f: Math.tanh, d: (x, y) => 1 - y * y },
    relu: { f: (x) => (x > 0 ? x : 0), d: (x, y) => (y > 0 ? 1 : 0) },
    leaky_relu: { f: (x, a) => (x >= 0 ? x : a * x), d: (x, y, a) => (x > 0 ? 1 : a), param: 0.01 },
    sigmoid: { f: (x) => 0.5 * (1 + Math.tanh(0.5 * x)), d: (x, y) => y * (1 - y) },
    elu: { f: (x, a) => (x > 0 ? x : a * Math.expm1(x)), d: (x, y, a) => (x > 0 ? 1 : y + a), param: 1 },
    gelu: {
      f: (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)),
      d: (x) => 0.5 * (1 + erf(x * Math.SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
    },
    unit_disk: { rowwise: true },  // tanh(|x|) x/|x|, row by row
    identity: { f: (x) => x, d: () => 1 },
  };
  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  // "leaky_relu:0.2" -> {name: "leaky_relu", param: 0.2}; throws on a name the registry lacks
  function parseActivation(spec) {
    const text = String(spec), colon = text.indexOf(":");
    const name = colon < 0 ? text : text.slice(0, colon);
    if (!has(ACTIVATIONS, name)) throw new Error(`unknown activation ${JSON.stringify(text)}`);
    const row = ACTIVATIONS[name];
    if (colon < 0) return { name, param: row.param === undefined ? null : row.param };
    const value = Number(text.slice(colon + 1));
    if (row.param === undefined || !Number.isFinite(value))
      throw new Error(`activation ${JSON.stringify(text)}: give NAME or NAME:NUMBER`);
    return { name, param: value };
  }

  // y = act(x) for n rows of d values
  function activate(x, n, d, act) {
    const y = new Float64Array(n * d);
    if (act.name === "unit_disk") {
      for (let i = 0; i < n; i++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += x[i * d + k] * x[i * d + k];
        const r = Math.sqrt(r2), s = r > 1e-8 ? Math.tanh(r) / r : 1 - r2 / 3;
        for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k] * s;
      }
      return y;
    }
    const f = ACTIVATIONS[act.name].f, p = act.param;
    for (let i = 0; i < n * d; i++) y[i] = f(x[i], p);
    return y;
  }

  // the gradient at the activation's input from the gradient g at its output, in place in g
  function activateBack(x, y, g, n, d, act) {
    if (act.name === "unit_disk") {  // as autograd takes UnitDisk.forward apart
      for (let i = 0; i < n; i++) {
        let r2 = 0, xg = 0;
        for (let k = 0; k < d; k++) { r2 += x[i * d + k] * x[i * d + k]; xg += x[i * d + k] * g[i * d + k]; }
        const r = Math.sqrt(r2);
        let s, dr;  // the scale and d(loss)/d|x| over |x|
        if (r > 1e-8) {
          const t = Math.tanh(r);
          s = t / r;
          dr = (xg * ((1 - t * t) / r - t / (r * r))) / r;
        } else {
          s = 1 - r2 / 3;
          dr = (-2 / 3) * xg;
        }
        for (let k = 0; k < d; k++) g[i * d + k] = g[i * d + k] * s + dr * x[i * d + k];
      }
      return;
    }
    const deriv = ACTIVATIONS[act.name].d, p = act.param;
    for (let i = 0; i < n * d; i++) g[i] *= deriv(x[i], y[i], p);
  }

  // -- the network: widths [2, hidden..., K], every parameter in one Float64Array ---------------
  // torch's order (layer by layer, weight then bias; weights (out, in) row-major), so the
  // parameters, their gradients and Adam's moments share one layout.
  function network(widths, activation) {
    const layers = [];
    let size = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const din = widths[l], dout = widths[l + 1];
      layers.push({ din, dout, w: size, b: size + din * dout });
      size += din * dout + dout;
    }
    return { widths: widths.slice(), act: parseActivation(activation), activation: String(activation), layers, size };
  }

  // nn.Linear's reset_parameters: kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), +), and
  // the bias is drawn from the same bound; layer by layer, weight then bias, as torch does.
  function initialParams(net, seed) {
    const draw = random(seed), params = new Float64Array(net.size);
    for (const L of net.layers) {
      const bound = 1 / Math.sqrt(L.din);
      for (let i = 0; i < L.din * L.dout; i++) params[L.w + i] = draw.uniform(-bound, bound);
      for (let i = 0; i < L.dout; i++) params[L.b + i] = draw.uniform(-bound, bound);
    }
    return params;
  }

  // {W: [matrix (out, in) per layer], b: [vector per layer]} -> params; throws if it does not fit
  function paramsFrom(net, weights) {
    const params = new Float64Array(net.size);
    if (!weights || !Array.isArray(weights.W) || !Array.isArray(weights.b) ||
        weights.W.length !== net.layers.length || weights.b.length !== net.layers.length)
      throw new Error(`weights: give {W, b} with ${net.layers.length} layers each`);
    net.layers.forEach((L, l) => {
      const W = weights.W[l], b = weights.b[l];
      if (!Array.isArray(W) || W.length !== L.dout || !Array.isArray(b) || b.length !== L.dout)
        throw new Error(`weights: layer ${l} must be ${L.dout} x ${L.din} with ${L.dout} biases`);
      for (let o = 0; o < L.dout; o++) {
        if (!Array.isArray(W[o]) || W[o].length !== L.din)
          throw new Error(`weights: layer ${l} must be ${L.dout} x ${L.din}`);
        for (let k = 0; k < L.din; k++) params[L.w + o * L.din + k] = Number(W[o][k]);
        params[L.b + o] = Number(b[o]);
      }
    });
    if (!params.every(Number.isFinite)) throw new Error("weights: every value must be a finite number");
    return params;
  }

  function weightsOf(net, params) {  // the inverse of paramsFrom, as plain arrays
    const W = [], b = [];
    for (const L of net.layers) {
      const rows = [];
      for (let o = 0; o < L.dout; o++) rows.push(Array.from(params.subarray(L.w + o * L.din, L.w + (o + 1) * L.din)));
      W.push(rows);
      b.push(Array.from(params.subarray(L.b, L.b + L.dout)));
    }
    return { W, b };
  }

  // -- the stages (model/stages.py): input, then linear, bias, activation per layer ------------
  // The output layer (identity) has no activation stage, as stage_plan says.
  function stagePlan(net) {
    const plan = [{ layer: -1, kind: "input", dim: net.widths[0] }];
    net.layers.forEach((L, l) => {
      plan.push({ layer: l, kind: "linear", dim: L.dout }, { layer: l, kind: "bias", dim: L.dout });
      if (l < net.layers.length - 1) plan.push({ layer: l, kind: "activation", dim: L.dout });
    });
    return plan;
  }

  // apply_stage: one stage of a layer to n points of the previous stage's width
  function applyStage(net, params, x, n, stage) {
    if (stage.kind === "input") return x;
    const L = net.layers[stage.layer], y = new Float64Array(n * L.dout);
    if (stage.kind === "linear") {
      for (let i = 0; i < n; i++)
        for (let o = 0; o < L.dout; o++) {
          let acc = 0;
          for (let k = 0; k < L.din; k++) acc += params[L.w + o * L.din + k] * x[i * L.din + k];
          y[i * L.dout + o] = acc;
        }
      return y;
    }
    if (stage.kind === "bias") {
      for (let i = 0; i < n; i++) for (let o = 0; o < L.dout; o++) y[i * L.dout + o] = x[i * L.dout + o] + params[L.b + o];
      return y;
    }
    return activate(x, n, L.dout, net.act);
  }

  // forward_stages: every stage's output for n points x (n x 2), in stagePlan's order
  function forwardStages(net, params, x, n, from = 0, plan = stagePlan(net)) {
    const out = [x];
    for (let t = from + 1; t < plan.length; t++) out.push(applyStage(net, params, out[out.length - 1], n, plan[t]));
    return out;
  }

  // the output of forwardStages(...).at(-1) from stage ``from``, the same numbers without
  // keeping every stage: each layer's x W^T + b in one pass, then its activation
  function outputFrom(net, params, x, n, from, plan = stagePlan(net)) {
    let t = from;
    while (t + 1 < plan.length && plan[t + 1].kind !== "linear") x = applyStage(net, params, x, n, plan[++t]);
    const last = net.layers.length - 1;
    for (let l = t + 1 < plan.length ? plan[t + 1].layer : last + 1; l <= last; l++) {
      const L = net.layers[l], y = new Float64Array(n * L.dout);
      for (let i = 0; i < n; i++)
        for (let o = 0; o < L.dout; o++) {
          let acc = 0;
          for (let k = 0; k < L.din; k++) acc += params[L.w + o * L.din + k] * x[i * L.din + k];
          y[i * L.dout + o] = acc + params[L.b + o];
        }
      x = l < last ? activate(y, n, L.dout, net.act) : y;
    }
    return x;
  }

  function argmax(z, n, k) {  // torch's argmax: the first of equal maxima
    const cls = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (z[i * k + c] > z[i * k + best]) best = c;
      cls[i] = best;
    }
    return cls;
  }

  // -- the loss: softmax cross-entropy, mean over the points (torch's cross_entropy) -------------
  // Returns {loss, accuracy}; with grad, also the gradient of the loss in grad (net.size).
  function lossAndGradient(net, params, data, grad) {
    const n = data.n, K = net.widths[net.widths.length - 1], last = net.layers.length - 1;
    const inputs = [data.x], pre = [];
    for (let l = 0; l <= last; l++) {  // z = a W^T + b, a = act(z)
      const L = net.layers[l], a = inputs[l], z = new Float64Array(n * L.dout);
      for (let i = 0; i < n; i++)
        for (let o = 0; o < L.dout; o++) {
          let acc = 0;
          for (let k = 0; k < L.din; k++) acc += a[i * L.din + k] * params[L.w + o * L.din + k];
          z[i * L.dout + o] = acc + params[L.b + o];
        }
      pre.push(z);
      if (l < last) inputs.push(activate(z, n, L.dout, net.act));
    }
    const z = pre[last], dz = grad ? new Float64Array(n * K) : null;
    let total = 0, correct = 0;
    for (let i = 0; i < n; i++) {
      let m = z[i * K], best = 0;
      for (let c = 1; c < K; c++) if (z[i * K + c] > m) { m = z[i * K + c]; best = c; }
      let sum = 0;
      for (let c = 0; c < K; c++) sum += Math.exp(z[i * K + c] - m);
      const logSum = Math.log(sum), y = data.y[i];
      total -= z[i * K + y] - m - logSum;  // log_softmax, then nll
      if (best === y) correct++;
      if (dz) for (let c = 0; c < K; c++) dz[i * K + c] = (Math.exp(z[i * K + c] - m - logSum) - (c === y ? 1 : 0)) / n;
    }
    const result = { loss: total / n, accuracy: correct / n };
    if (!grad) return result;
    let g = dz;
    for (let l = last; l >= 0; l--) {
      const L = net.layers[l], a = inputs[l];
      for (let o = 0; o < L.dout; o++) {
        let gb = 0;
        for (let i = 0; i < n; i++) gb += g[i * L.dout + o];
        grad[L.b + o] = gb;
        for (let k = 0; k < L.din; k++) {
          let gw = 0;
          for (let i = 0; i < n; i++) gw += g[i * L.dout + o] * a[i * L.din + k];
          grad[L.w + o * L.din + k] = gw;
        }
      }
      if (l === 0) break;
      const ga = new Float64Array(n * L.din);  // the gradient at the layer's input
      for (let i = 0; i < n; i++)
        for (let k = 0; k < L.din; k++) {
          let acc = 0;
          for (let o = 0; o < L.dout; o++) acc += g[i * L.dout + o] * params[L.w + o * L.din + k];
          ga[i * L.din + k] = acc;
        }
      activateBack(pre[l - 1], inputs[l], ga, n, L.din, net.act);
      g = ga;
    }
    return result;
  }

  // -- torch.optim.Adam (no amsgrad), full batch --------------------------------------------------
  function adam(size, lr, weightDecay = 0) {
    return { lr, weightDecay, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 0,
             m: new Float64Array(size), v: new Float64Array(size) };
  }
  // torch's _single_tensor_adam: m.lerp_(g, 1 - b1); v.mul_(b2).addcmul_(g, g, 1 - b2);
  // p.addcdiv_(m, v.sqrt() / sqrt(1 - b2^t) + eps, -lr / (1 - b1^t))
  function adamStep(opt, params, grad) {
    opt.t += 1;
    const { beta1, beta2, eps } = opt;
    const stepSize = opt.lr / (1 - beta1 ** opt.t), bc2Sqrt = Math.sqrt(1 - beta2 ** opt.t);
    for (let i = 0; i < params.length; i++) {
      const g = opt.weightDecay ? grad[i] + opt.weightDecay * params[i] : grad[i];
      opt.m[i] += (g - opt.m[i]) * (1 - beta1);
      opt.v[i] = opt.v[i] * beta2 + (1 - beta2) * g * g;
      params[i] -= stepSize * (opt.m[i] / (Math.sqrt(opt.v[i]) / bc2Sqrt + eps));
    }
  }

  // -- the data generators: {count, noise, seed} -> {x (n x 2), y, names} ------------------------
  // spirals and disks as model/data.py makes them (CS231n's spiral, a disk inside a ring);
  // moons, XOR and blobs as the playgrounds people know. Noise: Gaussian, in data units
  // (for spirals: radians of angle, as model/data.py's noise).
  const GENERATORS = {
    spirals: { label: "spirals", names: ["spiral A", "spiral B"], noise: 0.1,
      make(n, noise, draw, push) {
        for (let j = 0; j < 2; j++) {
          const m = Math.ceil(n / 2) - (j ? n % 2 : 0);
          for (let i = 0; i < m; i++) {
            const r = m > 1 ? i / (m - 1) : 0;
            const t = 4 * j + 4 * r + noise * draw.normal();
            push(r * Math.sin(t), r * Math.cos(t), j);
          }
        }
      } },
    disks: { label: "disk in a ring", names: ["disk", "ring"], noise: 0,
      make(n, noise, draw, push) {
        for (let i = 0; i < n; i++) {
          const ring = i % 2, t = draw.uniform(0, 2 * Math.PI);
          const r = ring ? Math.sqrt(draw.uniform(0.75 ** 2, 1.25 ** 2)) : 0.5 * Math.sqrt(draw());
          push(r * Math.cos(t) + noise * draw.normal(), r * Math.sin(t) + noise * draw.normal(), ring);
        }
      } },
    moons: { label: "two moons", names: ["upper", "lower"], noise: 0.1,
      make(n, noise, draw, push) {
        for (let i = 0; i < n; i++) {
          const lower = i % 2, t = draw.uniform(0, Math.PI);
          const x = lower ? 1 - Math.cos(t) : Math.cos(t), y = lower ? 0.5 - Math.sin(t) : Math.sin(t);
          push((x - 0.5) * 0.9 + noise * draw.normal(), (y - 0.25) * 0.9 + noise * draw.normal(), lower);
        }
      } },
    xor: { label: "XOR", names: ["same signs", "opposite signs"], noise: 0.05,
      make(n, noise, draw, push) {
        for (let i = 0; i < n; i++) {
          const x = draw.uniform(-1, 1), y = draw.uniform(-1, 1);
          const pad = (v) => v + (v > 0 ? 0.05 : -0.05);  // a margin along the axes
          push(pad(x) + noise * draw.normal(), pad(y) + noise * draw.normal(), x * y > 0 ? 0 : 1);
        }
      } },
    blobs: { label: "three blobs", names: ["blob A", "blob B", "blob C"], noise: 0.1,
      make(n, noise, draw, push) {
        for (let i = 0; i < n; i++) {
          const c = i % 3, a = Math.PI / 2 + (2 * Math.PI * c) / 3, spread = 0.12 + noise;
          push(0.7 * Math.cos(a) + spread * draw.normal(), 0.7 * Math.sin(a) + spread * draw.normal(), c);
        }
      } },
  };

  function generate(name, count, noise, seed) {
    if (!has(GENERATORS, name)) throw new Error(`unknown data set ${JSON.stringify(String(name))}`);
    const gen = GENERATORS[name], xs = [], ys = [];
    gen.make(count, noise, random(seed), (x, y, c) => { xs.push([x, y]); ys.push(c); });
    return { x: xs, y: ys, names: gen.names.slice() };
  }

  // -- the snapshots an export keeps: every step up to 12, then one per 8% of the steps ----------
  // (log-spaced as model.train.snapshot_steps: 60 of 500 steps, 140 of 200,000)
  function snapshotDue(step) {
    if (step <= 12) return true;
    const r = Math.log(1.08);
    return Math.floor(Math.log(step) / r) !== Math.floor(Math.log(step - 1) / r);
  }

  // -- the trainer: what the Web Worker runs (or the page itself, where workers are refused) -----
  // Messages in: setup, data, lr, run {speed steps per second}, pause, train {steps, id}.
  // Messages out: progress {step, params, loss, accuracy, curve, snapshots, id?}, diverged,
  // cancelled (a train replaced by another request), error {message}.
  // Every step's loss is of the weights before its update, as torch's loop computes it.
  function trainer(post, now = () => Date.now()) {
    let net = null, params = null, opt = null, data = null, grad = null, current = null;
    let step = 0, timer = 0, job = 0, jobs = 0;  // job: the run or train under way (0: none)
    let curve = [], snaps = [], recorded = -1;

    function record(result) {  // the loss of the weights at this step, once
      if (step === recorded) return;
      recorded = step;
      curve.push([step, result.loss, result.accuracy]);
      if (snapshotDue(step)) snaps.push({ step, params: params.slice(), loss: result.loss, accuracy: result.accuracy });
    }
    function report(id) {
      if (!current) current = lossAndGradient(net, params, data, null);
      record(current);
      post({ type: "progress", step, params: params.slice(), loss: current.loss,
             accuracy: current.accuracy, curve, snapshots: snaps, id });
      curve = []; snaps = [];
    }
    function trainSteps(count, until) {  // false if the loss is not finite
      for (let i = 0; i < count; i++) {
        const result = lossAndGradient(net, params, data, grad);
        if (!Number.isFinite(result.loss)) return false;
        record(result);
        adamStep(opt, params, grad);
        step += 1;
        current = null;
        if (now() > until) break;
      }
      return true;
    }
    function stop(id) {
      job = 0;
      clearTimeout(timer);
      report(id);
    }
    function run(mine, speed) {  // speed steps a second, in slices of at most 12 ms
      let t0 = now(), done = 0;
      const slice = () => {
        if (job !== mine) return;
        if (data.n === 0) { timer = setTimeout(slice, 100); return; }  // no points: wait for some
        const start = now(), due = Number.isFinite(speed) ? Math.floor(((start - t0) / 1000) * speed) - done : 1e9;
        if (due > 0) {
          const before = step;
          if (!trainSteps(due, start + 12)) { job = 0; post({ type: "diverged", step }); return; }
          done += step - before;
          if (due - (step - before) > speed / 5) { t0 = now(); done = 0; }  // behind: drop it
          report();
        }
        timer = setTimeout(slice, due > 0 ? 0 : 8);
      };
      slice();
    }
    function train(mine, left, id) {  // exactly ``left`` steps, reported every 50 ms
      const slice = () => {
        if (job !== mine) { post({ type: "cancelled", id }); return; }
        if (data.n === 0) { job = 0; post({ type: "error", message: "no points to train on", id }); return; }
        const before = step;
        if (!trainSteps(left, now() + 50)) { job = 0; post({ type: "diverged", step, id }); return; }
        left -= step - before;
        if (left > 0) { report(); timer = setTimeout(slice, 0); } else { job = 0; report(id); }
      };
      slice();
    }
    function handle(msg) {
      if (msg.type === "setup") {
        job = 0; clearTimeout(timer);
        net = network(msg.widths, msg.activation);
        params = msg.weights ? paramsFrom(net, msg.weights) : initialParams(net, msg.seed);
        opt = adam(net.size, msg.lr);
        grad = new Float64Array(net.size);
        data = msg.data; step = 0; recorded = -1; curve = []; snaps = []; current = null;
        report(msg.id);
      } else if (msg.type === "data") {  // the same weights on other points
        data = msg.data; current = null;
        report(msg.id);
      } else if (msg.type === "lr") {
        opt.lr = msg.lr;
      } else if (msg.type === "run") {
        clearTimeout(timer); job = ++jobs;
        run(job, msg.speed);
      } else if (msg.type === "pause") {
        stop(msg.id);
      } else if (msg.type === "train") {
        clearTimeout(timer); job = ++jobs;
        train(job, msg.steps, msg.id);
      }
    }
    return (msg) => {
      try { handle(msg); } catch (err) { post({ type: "error", message: String((err && err.message) || err), id: msg.id }); }
    };
  }

  // -- model/project.py in the page: PCA to 3-D, aligned by orthogonal Procrustes ---------------
  function symmetricEigen(A, d) {  // cyclic Jacobi: eigenvalues (descending) and column vectors
    const a = Float64Array.from(A), V = new Float64Array(d * d);
    for (let i = 0; i < d; i++) V[i * d + i] = 1;
    for (let sweep = 0; sweep < 60; sweep++) {
      let off = 0;
      for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
      if (off < 1e-22) break;
      for (let p = 0; p < d; p++)
        for (let q = p + 1; q < d; q++) {
          if (Math.abs(a[p * d + q]) < 1e-300) continue;
          const theta = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q]);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1), s = t * c;
          for (let k = 0; k < d; k++) {  // columns p and q, then rows p and q
            const akp = a[k * d + p], akq = a[k * d + q];
            a[k * d + p] = c * akp - s * akq; a[k * d + q] = s * akp + c * akq;
          }
          for (let k = 0; k < d; k++) {
            const apk = a[p * d + k], aqk = a[q * d + k];
            a[p * d + k] = c * apk - s * aqk; a[q * d + k] = s * apk + c * aqk;
          }
          for (let k = 0; k < d; k++) {
            const vkp = V[k * d + p], vkq = V[k * d + q];
            V[k * d + p] = c * vkp - s * vkq; V[k * d + q] = s * vkp + c * vkq;
          }
        }
    }
    const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j] - a[i * d + i]);
    return { values: order.map((i) => a[i * d + i]), vectors: order.map((i) => Array.from({ length: d }, (_, k) => V[k * d + i])) };
  }
  // pca_basis, then align_basis onto `previous` (the last stage's picture, n x 3) if given
  function projection(x, n, d, previous) {
    const center = new Float64Array(d), cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) center[k] += x[i * d + k] / n;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++) {
        const da = x[i * d + a] - center[a];
        for (let b = a; b < d; b++) cov[a * d + b] += da * (x[i * d + b] - center[b]);
      }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
    const basis = symmetricEigen(cov, d).vectors.slice(0, 3).map((v) => {
      let big = 0;  // the sign that makes the largest loading positive
      for (const x of v) if (Math.abs(x) > Math.abs(big)) big = x;
      return big < 0 ? v.map((x) => -x) : v;
    });
    if (!previous || !n) return [center, basis];
    const shown = project(x, n, d, center, basis), mean = [0, 0, 0], M = new Float64Array(9);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) mean[k] += previous[i * 3 + k] / n;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) M[a * 3 + b] += shown[i * 3 + a] * (previous[i * 3 + b] - mean[b]);
    // orthogonal_procrustes: R = U V^T of M = U S V^T, here M (M^T M)^(-1/2)
    const MtM = new Float64Array(9);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let k = 0; k < 3; k++) MtM[a * 3 + b] += M[k * 3 + a] * M[k * 3 + b];
    const { values, vectors } = symmetricEigen(MtM, 3);
    if (values[2] <= 1e-12 * Math.max(values[0], 1e-300)) return [center, basis];  // no rotation pinned down
    const inv = new Float64Array(9), R = new Float64Array(9);
    for (let e = 0; e < 3; e++)
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) inv[a * 3 + b] += (vectors[e][a] * vectors[e][b]) / Math.sqrt(values[e]);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let k = 0; k < 3; k++) R[a * 3 + b] += M[a * 3 + k] * inv[k * 3 + b];
    const rotated = [0, 1, 2].map((j) => Array.from({ length: d }, (_, k) => basis[0][k] * R[j] + basis[1][k] * R[3 + j] + basis[2][k] * R[6 + j]));
    return [center, rotated];
  }
  // model/project.py's project_stages for one snapshot: every stage's points in 3-D, narrow
  // ones zero padded, wide ones through their projection (returned by stage, to reuse)
  function projectStages(stages, n, plan) {
    const shown = [], projections = {};
    plan.forEach((st, t) => {
      if (st.dim > 3) {
        projections[t] = projection(stages[t], n, st.dim, t ? shown[t - 1] : null);
        shown.push(project(stages[t], n, st.dim, ...projections[t]));
        return;
      }
      const y = new Float64Array(n * 3);
      for (let i = 0; i < n; i++) for (let k = 0; k < st.dim; k++) y[i * 3 + k] = stages[t][i * st.dim + k];
      shown.push(y);
    });
    return { shown, projections };
  }
  function project(x, n, d, center, basis) {  // (x - center) @ basis: n x 3
    const y = new Float64Array(n * 3);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < 3; j++) {
        let acc = 0;
        for (let k = 0; k < d; k++) acc += (x[i * d + k] - center[k]) * basis[j][k];
        y[i * 3 + j] = acc;
      }
    return y;
  }
  const engine = {
    ACTIVATIONS, GENERATORS, random, erf, parseActivation, activate, activateBack, network,
    initialParams, paramsFrom, weightsOf, stagePlan, applyStage, forwardStages, outputFrom, argmax,
    lossAndGradient, adam, adamStep, generate, snapshotDue, trainer, symmetricEigen, projection, project,
    projectStages,
  };
  root.BendspaceEngine = engine;
  // In a Web Worker: answer the page.
  if (typeof root.WorkerGlobalScope !== "undefined" && root instanceof root.WorkerGlobalScope) {
    const handle = trainer((message) => root.postMessage(message), () => performance.now());
    root.onmessage = (event) => handle(event.data);
  }
  if (typeof module !== "undefined" && module.exports) module.exports = engine;  // node, for a quick check
})(typeof self !== "undefined" ? self : globalThis);
