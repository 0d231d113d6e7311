// bendspace decision regions for the pages: class scores on a coarse lattice, drawn smooth.
// Each pixel interpolates the scores bilinearly between the four nearest lattice nodes and
// takes the best class; within a pixel of the boundary (where the best and the second score
// meet, measured with the interpolant's own gradient) it mixes the two colours, so the edge
// is a smooth anti-aliased curve at any size, not the stairs of one colour per lattice cell.
// A classic script shared by the interactive page and the playground (self.BendspaceRegions).
"use strict";
self.BendspaceRegions = self.BendspaceRegions || (() => {
  // Paint `target` (a canvas, made size x size pixels) from `scores`: cells x cells x K
  // values, row-major, the top row first, sampled at the cells' centres. `colors` are [r, g, b]
  // per class; `alphaOf(s, best)` (optional) gives a pixel's opacity in [0, 1] from its
  // interpolated scores `s` (a K-long array) and its class; without it the regions are opaque.
  function paint(target, size, cells, scores, K, colors, alphaOf) {
    target.width = target.height = size;
    const g = target.getContext("2d"), img = g.createImageData(size, size), out = img.data;
    const s = new Float64Array(K), step = cells / size;  // lattice cells per pixel
    for (let py = 0; py < size; py++) {
      const v = Math.min(Math.max((py + 0.5) * step - 0.5, 0), cells - 1);
      const r0 = Math.min(Math.floor(v), cells - 2), fy = v - r0;
      for (let px = 0; px < size; px++) {
        const u = Math.min(Math.max((px + 0.5) * step - 0.5, 0), cells - 1);
        const c0 = Math.min(Math.floor(u), cells - 2), fx = u - c0;
        const o00 = (r0 * cells + c0) * K, o01 = o00 + K, o10 = o00 + cells * K, o11 = o10 + K;
        let best = 0, second = -1;
        for (let k = 0; k < K; k++) {
          const top = scores[o00 + k] + (scores[o01 + k] - scores[o00 + k]) * fx;
          const bottom = scores[o10 + k] + (scores[o11 + k] - scores[o10 + k]) * fx;
          s[k] = top + (bottom - top) * fy;
          if (k === 0) continue;
          if (s[k] > s[best]) { second = best; best = k; } else if (second < 0 || s[k] > s[second]) second = k;
        }
        let w = 1;  // the best class's share of the pixel's colour
        if (second >= 0) {
          // the margin s_best - s_second and its gradient (per pixel) on this cell's interpolant
          const d = (o) => scores[o + best] - scores[o + second];
          const d00 = d(o00), d01 = d(o01), d10 = d(o10), d11 = d(o11);
          const gx = ((1 - fy) * (d01 - d00) + fy * (d11 - d10)) * step;
          const gy = ((1 - fx) * (d10 - d00) + fx * (d11 - d01)) * step;
          const grad = Math.hypot(gx, gy);
          if (grad > 0) w = Math.min(1, 0.5 + (s[best] - s[second]) / grad);
        }
        const a = colors[best % colors.length], b = colors[(second < 0 ? best : second) % colors.length];
        const i = (py * size + px) * 4;
        out[i] = a[0] * w + b[0] * (1 - w);
        out[i + 1] = a[1] * w + b[1] * (1 - w);
        out[i + 2] = a[2] * w + b[2] * (1 - w);
        out[i + 3] = 255 * (alphaOf ? alphaOf(s, best) : 1);
      }
    }
    g.putImageData(img, 0, 0);
  }
  return { paint };
})();
