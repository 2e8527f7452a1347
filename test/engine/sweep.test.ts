import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import type { ClosedFormLandscape } from "../../lib/core/landscape";
import { numOps } from "../../lib/core/ops";
import { sweep } from "../../lib/engine/sweep";
import { sweepTfjs } from "../../lib/engine/tfjs";
import { normalFromState, seedState, uniformFromState } from "../../lib/rng";
import {
  libAdam,
  libBilinear,
  libExtragradient,
  fxNoiseRule,
  libNoisyQuadratic,
  libQuadratic,
  libRosenbrock,
  libSgd,
} from "./fixtures";

const linearLr = (n: number) => Array.from({ length: n }, (_, i) => 0.001 + (0.5 * i) / n);
const rosenGrad = (x: number, y: number) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];

/** Float64 reference: Adam on Rosenbrock by hand (hand-written gradient, rule on plain numbers). */
function adamRosenbrockReference(lr: number, b1: number, steps: number, x0: number[]): number[][] {
  let x = [...x0];
  let m = [0, 0],
    v = [0, 0];
  const path = [x];
  const h = { lr, b1, b2: 0.999, eps: 1e-8 };
  const noise = { uniform: () => 0.5, normal: () => 0 };
  for (let t = 1; t <= steps; t++) {
    const g = rosenGrad(x[0], x[1]);
    const r = [0, 1].map((i) => libAdam.step(numOps, g[i], x[i], { m: m[i], v: v[i] }, h, t, noise));
    x = x.map((xi, i) => xi + r[i].update);
    m = r.map((q) => q.state.m);
    v = r.map((q) => q.state.v);
    path.push(x);
  }
  return path;
}

describe("sweep (fused engine)", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it("Adam on Rosenbrock matches a float64 reference step by step, for every grid cell", async () => {
    const lrs = [1e-3, 1e-2, 0.05],
      b1s = [0, 0.5, 0.9];
    const steps = 300;
    const r = await sweep({
      landscape: libRosenbrock,
      optimizer: libAdam,
      init: [-1.5, 2],
      steps,
      grid: { lr: lrs, b1: b1s },
      record: { every: 1 },
      workers: 0,
    });
    expect(r.shape).toEqual([3, 3]);
    expect(r.axes).toEqual(["lr", "b1"]);
    let worst = 0;
    lrs.forEach((lr, i) =>
      b1s.forEach((b1, j) => {
        const run = i * 3 + j;
        expect(r.hyper.lr[run]).toBe(lr);
        expect(r.hyper.b1[run]).toBe(b1);
        const ref = adamRosenbrockReference(lr, b1, steps, [-1.5, 2]);
        for (let t = 0; t <= steps; t++)
          for (let d = 0; d < 2; d++) {
            const e = r.x![(run * (steps + 1) + t) * 2 + d];
            worst = Math.max(worst, Math.abs(e - ref[t][d]) / (1 + Math.abs(ref[t][d])));
          }
        const [fx, fy] = ref[steps];
        expect(r.finalLoss[run]).toBeCloseTo((1 - fx) ** 2 + 100 * (fy - fx * fx) ** 2, 10);
      }),
    );
    expect(worst).toBeLessThan(1e-12);
    expect(Array.from(r.diverged)).toEqual(new Array(9).fill(0));
  });

  it("float32 engine and the tfjs path agree within float32 tolerance, and both track float64", async () => {
    const spec = {
      landscape: libRosenbrock,
      optimizer: libAdam,
      init: [-1.2, 1],
      steps: 60,
      grid: { lr: [1e-3, 1e-2] },
      record: { every: 10 },
    } as const;
    const e32 = await sweep({ ...spec, precision: "float32", workers: 0 });
    const e64 = await sweep({ ...spec, workers: 0 });
    const tfp = await sweepTfjs(spec);
    expect(Array.from(e32.recordSteps!)).toEqual(Array.from(tfp.recordSteps!));
    for (let k = 0; k < e32.x!.length; k++) {
      expect(Math.abs(e32.x![k] - tfp.x![k])).toBeLessThan(1e-4);
      expect(Math.abs(e32.x![k] - e64.x![k])).toBeLessThan(1e-4);
      expect(Math.fround(e32.x![k])).toBe(e32.x![k]); // really single precision
    }
    for (let k = 0; k < 2; k++)
      expect(Math.abs(tfp.finalLoss[k] - e64.finalLoss[k])).toBeLessThan(1e-3 * (1 + e64.finalLoss[k]));
  });

  it("the tfjs path handles a landscape that ignores a coordinate (zero gradient there)", async () => {
    const partial: ClosedFormLandscape = { name: "fxPartial", dim: 2, value: (o, [x]) => o.square(o.sub(x, 1)) };
    const spec = { landscape: partial, optimizer: libSgd, init: [0, 5], steps: 10, grid: { lr: [0.1] } } as const;
    const t = await sweepTfjs(spec),
      e = await sweep({ ...spec, workers: 0 });
    expect(t.finalX[1]).toBe(5);
    expect(e.finalX[1]).toBe(5);
    expect(t.finalX[0]).toBeCloseTo(e.finalX[0], 6);
    expect(e.finalX[0]).toBeCloseTo(1 - 0.8 ** 10, 14);
  });

  it("noise streams are the run's seeded xoshiro128** draws, bit for bit", async () => {
    const steps = 20;
    const r = await sweep({
      landscape: libQuadratic([1]),
      optimizer: fxNoiseRule,
      init: [0],
      steps,
      seeds: [7, 8],
      record: { every: 1 },
      workers: 0,
    });
    for (const [run, seed] of [
      [0, 7],
      [1, 8],
    ]) {
      const s = new Uint32Array(4);
      seedState(seed, run, s);
      let x = 0;
      for (let t = 1; t <= steps; t++) {
        const z = normalFromState(s);
        const u = uniformFromState(s);
        x = x + (z + u);
        expect(r.x![run * (steps + 1) + t]).toBe(x);
      }
    }
  });

  it("seeds: identical results when repeated, different seeds differ", async () => {
    const spec = {
      landscape: libNoisyQuadratic,
      optimizer: libAdam,
      init: [1],
      steps: 200,
      grid: { lr: [0.01, 0.02] },
      seeds: 3,
      workers: 0,
    } as const;
    const a = await sweep(spec),
      b = await sweep(spec);
    expect(Array.from(a.finalX)).toEqual(Array.from(b.finalX));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.seed)).toEqual([0, 1, 2, 0, 1, 2]);
    const x = Array.from(a.finalX);
    expect(new Set(x.slice(0, 3)).size).toBe(3);
    // tfjs path draws the same noise: its float32 trajectory stays close to the engine's.
    const t = await sweepTfjs({ ...spec, steps: 50 });
    const e = await sweep({ ...spec, steps: 50 });
    for (let k = 0; k < 6; k++) expect(Math.abs(t.finalX[k] - e.finalX[k])).toBeLessThan(1e-4);
  });

  it("results are bit-identical for 0, 1, 2 and 3 workers and any lane grouping", async () => {
    const lr = Array.from({ length: 37 }, (_, i) => 0.001 * 1.2 ** i);
    const spec = {
      landscape: libNoisyQuadratic,
      optimizer: libAdam,
      init: [2],
      steps: 300,
      grid: { lr },
      seeds: 3,
      record: { every: 50 },
    } as const;
    const base = await sweep({ ...spec, workers: 0, lanes: 4 });
    for (const [workers, lanes] of [
      [1, 4],
      [2, 4],
      [3, 4],
      [0, 1],
      [3, 3],
    ]) {
      const r = await sweep({ ...spec, workers, lanes });
      expect(r.workers).toBe(workers);
      expect(Buffer.from(r.finalX.buffer).equals(Buffer.from(base.finalX.buffer))).toBe(true);
      expect(Buffer.from(r.finalLoss.buffer).equals(Buffer.from(base.finalLoss.buffer))).toBe(true);
      expect(Buffer.from(r.x!.buffer).equals(Buffer.from(base.x!.buffer))).toBe(true);
      expect(Array.from(r.divergedAt)).toEqual(Array.from(base.divergedAt));
    }
  });

  it("workers keep a bounded kernel cache and recompile evicted kernels", async () => {
    // 40 distinct kernels (the step count is part of the source) through a pool that keeps 32.
    for (const pass of [0, 1]) {
      for (let steps = 1; steps <= 40; steps += pass ? 13 : 1) {
        const spec = {
          landscape: libQuadratic([1, 3]),
          optimizer: libAdam,
          init: [1, -1],
          steps,
          grid: { lr: [0.1, 0.2, 0.3] },
        } as const;
        const a = await sweep({ ...spec, workers: 2 }),
          b = await sweep({ ...spec, workers: 0 });
        expect(Array.from(a.finalX)).toEqual(Array.from(b.finalX));
      }
    }
  });

  it("reports progress to a callback, monotonically, ending at the total (both thread modes)", async () => {
    for (const workers of [0, 2]) {
      const seen: number[] = [];
      await sweep({
        landscape: libQuadratic([1]),
        optimizer: libSgd,
        init: [1],
        steps: 50,
        grid: { lr: linearLr(300) },
        workers,
        progress: (p) => seen.push(p.done),
      });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[seen.length - 1]).toBe(300);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    }
  });

  it("flags divergence of gradient descent on a quadratic at the step its closed form predicts", async () => {
    // x_t = (1 − ηλ)^t x₀: diverges (|x_t| > B) first at the smallest t with |1 − ηλ|^t |x₀| > B.
    const lambda = 4,
      x0 = 1,
      B = 1e3;
    const lrs = [0.1, 0.45, 0.499, 0.55, 0.625, 0.8, 1.3];
    const r = await sweep({
      landscape: libQuadratic([lambda]),
      optimizer: libSgd,
      init: [x0],
      steps: 400,
      grid: { lr: lrs },
      bound: B,
      workers: 0,
    });
    lrs.forEach((lr, k) => {
      const q = Math.abs(1 - lr * lambda);
      let predicted = 0;
      for (let t = 1; t <= 400 && !predicted; t++) if (q ** t * x0 > B) predicted = t;
      expect(r.divergedAt[k]).toBe(predicted);
      expect(r.diverged[k]).toBe(predicted ? 1 : 0);
      if (predicted) expect(Math.abs(r.finalX[k])).toBeGreaterThan(B);
    });
    expect(r.divergedAt[4]).toBe(Math.ceil(Math.log(B) / Math.log(1.5)));
  });

  it("flags non-finite iterates and leaves NaN in the history after divergence", async () => {
    const logLand: ClosedFormLandscape = { name: "fxLog", dim: 1, value: (o, [x]) => o.mul(-1, o.log(x)) };
    // GD on −log x from x₀ = 1 with lr 2: x₁ = 1 + 2 = 3, … never diverges; with x₀ = 0.1: x₁ = 20.1; fine.
    // Start at 0: gradient −1/0 = −Inf → x₁ = Inf: flagged at step 1.
    const r = await sweep({
      landscape: logLand,
      optimizer: libSgd,
      init: [0],
      steps: 10,
      grid: { lr: [0.5] },
      record: { every: 2 },
      workers: 0,
    });
    expect(r.divergedAt[0]).toBe(1);
    expect(r.x![0]).toBe(0);
    expect(Number.isNaN(r.x![1])).toBe(true);
  });

  it("extragradient converges and GDA diverges on a bilinear game at their closed-form rates", async () => {
    const eta = 0.2,
      steps = 50;
    const eg = await sweep({
      landscape: libBilinear,
      optimizer: libExtragradient,
      init: [1, 0.5],
      steps,
      grid: { lr: [eta] },
      workers: 0,
    });
    const gda = await sweep({
      landscape: libBilinear,
      optimizer: libSgd,
      init: [1, 0.5],
      steps,
      grid: { lr: [eta] },
      workers: 0,
    });
    const n0 = Math.hypot(1, 0.5);
    expect(Math.hypot(eg.finalX[0], eg.finalX[1]) / n0).toBeCloseTo(
      Math.sqrt((1 - eta ** 2) ** 2 + eta ** 2) ** steps,
      12,
    );
    expect(Math.hypot(gda.finalX[0], gda.finalX[1]) / n0).toBeCloseTo(Math.sqrt(1 + eta ** 2) ** steps, 8);
  });

  it("schedules: a hyperparameter given as (count) => value (count = updates done before, optax's convention) matches a reference loop", async () => {
    const lam = 2,
      lr = (count: number) => 0.3 / Math.sqrt(count + 1);
    const r = await sweep({
      landscape: libQuadratic([lam]),
      optimizer: libSgd,
      init: [1],
      steps: 40,
      hyper: { lr },
      workers: 0,
    });
    let x = 1;
    for (let t = 1; t <= 40; t++) x = x + -(lr(t - 1) * (0.5 * lam * (x * 2)));
    expect(r.finalX[0]).toBe(x);
    // a multiplier on a gridded value
    const m = await sweep({
      landscape: libQuadratic([lam]),
      optimizer: libSgd,
      init: [1],
      steps: 40,
      grid: { lr: [0.3, 0.1] },
      schedule: { lr: (count) => 1 / Math.sqrt(count + 1) },
      workers: 0,
    });
    let y = 1;
    for (let t = 1; t <= 40; t++) y = y + -(0.1 * (1 / Math.sqrt(t)) * (0.5 * lam * (y * 2)));
    expect(m.finalX[1]).toBeCloseTo(y, 14);
  });

  it("records at listed steps (e.g. log-spaced): the same values as a full history at those steps", async () => {
    const spec = {
      landscape: libRosenbrock,
      optimizer: libAdam,
      init: [-1.5, 2],
      steps: 100,
      grid: { lr: [0.01, 0.05] },
      workers: 0,
    } as const;
    const full = await sweep({ ...spec, record: { every: 1 } });
    const some = await sweep({ ...spec, record: { steps: [100, 1, 10, 0, 3, 10] } });
    expect(Array.from(some.recordSteps!)).toEqual([0, 1, 3, 10, 100]);
    for (let r = 0; r < 2; r++) {
      some.recordSteps!.forEach((st, i) => {
        expect(some.loss![r * 5 + i]).toBe(full.loss![r * 101 + st]);
        expect(some.x![(r * 5 + i) * 2 + 1]).toBe(full.x![(r * 101 + st) * 2 + 1]);
      });
    }
    await expect(sweep({ ...spec, record: { steps: [0, 101] } })).rejects.toThrow(/steps must be integers in 0..100/);
  });

  it("gives clear errors for bad input", async () => {
    const base = { landscape: libRosenbrock, optimizer: libAdam, init: [0, 0], steps: 10 } as const;
    await expect(sweep({ ...base, grid: { beta1: [0.9] } })).rejects.toThrow(
      /unknown hyperparameter "beta1" in grid for rule adam \(its hyperparameters: b1, b2, eps, lr\)/,
    );
    await expect(sweep({ ...base, grid: { lr: [] } })).rejects.toThrow(/grid axis "lr" must be a non-empty array/);
    await expect(sweep({ ...base, grid: { lr: [0.1, NaN] } })).rejects.toThrow(/"lr"\[1\] is NaN/);
    await expect(sweep({ ...base, init: [0, 0, 0], grid: { lr: [1, 2] } })).rejects.toThrow(
      /init has 3 numbers; expected 2 .* or 4/,
    );
    await expect(sweep({ ...base, hyper: { lr: 0.1 }, grid: { lr: [0.1] } })).rejects.toThrow(/both gridded and fixed/);
    await expect(sweep({ ...base, landscape: { name: "mlp" } as unknown as ClosedFormLandscape })).rejects.toThrow(
      /"mlp" has no closed form.*tfjs path/,
    );
    const branchy: ClosedFormLandscape = {
      name: "branchy",
      dim: 1,
      value: (o, [x]) => ((x as unknown as number) > 0 ? o.square(x) : o.neg(x)),
    };
    await expect(sweep({ ...base, landscape: branchy, init: [1] })).rejects.toThrow(/control flow/);
    await expect(sweep({ ...base, steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
  });
});
