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
  // per class. With `fade` ([low, high]) a pixel's opacity goes from low to high with the
  // network's confidence there (its best softmax probability, from 1/K to 1, of the pixel's
  // own interpolated scores); without it the regions are opaque.
  function paint(target, size, cells, scores, K, colors, fade) {
    target.width = target.height = size;
    const g = target.getContext("2d"), img = g.createImageData(size, size), out = img.data;
    const step = cells / size, row = cells * K;  // lattice cells per pixel; values per lattice row
    const mid = new Float64Array(row), down = new Float64Array(row);  // a pixel row's lerp, d/dy
    const s = new Float64Array(K);
    for (let py = 0; py < size; py++) {
      const v = Math.min(Math.max((py + 0.5) * step - 0.5, 0), cells - 1);
      const r0 = Math.min(Math.floor(v), cells - 2), fy = v - r0, top = r0 * row;
      for (let j = 0; j < row; j++) {  // the two lattice rows around this pixel row, once
        down[j] = scores[top + row + j] - scores[top + j];
        mid[j] = scores[top + j] + down[j] * fy;
      }
      for (let px = 0; px < size; px++) {
        const u = Math.min(Math.max((px + 0.5) * step - 0.5, 0), cells - 1);
        const c0 = Math.min(Math.floor(u), cells - 2), fx = u - c0, o0 = c0 * K, o1 = o0 + K;
        let best = 0, second = -1;
        for (let k = 0; k < K; k++) {
          s[k] = mid[o0 + k] + (mid[o1 + k] - mid[o0 + k]) * fx;
          if (k === 0) continue;
          if (s[k] > s[best]) { second = best; best = k; } else if (second < 0 || s[k] > s[second]) second = k;
        }
        let w = 1;  // the best class's share of the pixel's colour
        if (second >= 0) {
          // the margin s_best - s_second against its gradient (per pixel) on this interpolant
          const margin = s[best] - s[second];
          const gx = (mid[o1 + best] - mid[o1 + second] - mid[o0 + best] + mid[o0 + second]) * step;
          const gy = (down[o0 + best] - down[o0 + second]
                      + (down[o1 + best] - down[o1 + second] - down[o0 + best] + down[o0 + second]) * fx) * step;
          const grad2 = gx * gx + gy * gy;
          if (4 * margin * margin < grad2) w = 0.5 + margin / Math.sqrt(grad2);
        }
        const a = colors[best % colors.length], b = colors[(second < 0 ? best : second) % colors.length];
        const i = (py * size + px) * 4;
        out[i] = a[0] * w + b[0] * (1 - w);
        out[i + 1] = a[1] * w + b[1] * (1 - w);
        out[i + 2] = a[2] * w + b[2] * (1 - w);
        if (!fade) { out[i + 3] = 255; continue; }
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(s[k] - s[best]);
        const sure = K > 1 ? (1 / sum - 1 / K) / (1 - 1 / K) : 1;
        out[i + 3] = 255 * (fade[0] + (fade[1] - fade[0]) * sure);
      }
    }
    g.putImageData(img, 0, 0);
  }
  return { paint };
})();
