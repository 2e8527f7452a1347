/**
 * Tree-level transforms and wrappers against float64 references: global-norm and per-coordinate
 * clipping, AdaGrad-Norm (Ward et al.), Lookahead (Zhang et al.), SAM and ASAM (Foret et al.,
 * Kwon et al.) — each also per run.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import * as O from "../../lib/optimizers";
import { Rng } from "../../lib/rng";
import { disposeTree } from "../../lib/tree";
import { MIXED, expectClose, f32Normals, flatOf, runTransform, sizeOf, treeFrom } from "./helpers";

const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, v) => a + v * v, 0));

/** Runs `opt` where the gradient is a function of the current parameters; returns the final params. */
async function runWithGradient(
  opt: O.GradientTransformation,
  shape: number[],
  p0: ArrayLike<number>,
  grad: (p: Float64Array) => Float64Array,
  calls: number,
): Promise<Float64Array> {
  let p = tf.tensor(Float32Array.from(p0 as number[]), shape) as tf.Tensor;
  let s = opt.init(p);
  for (let k = 0; k < calls; k++) {
    const g = tf.tensor(Float32Array.from(grad(Float64Array.from(await p.data()))), shape);
    const r = opt.update(g, s, p);
    const np = O.applyUpdates(p, r.updates) as tf.Tensor;
    disposeTree([g, s, r.updates, p]);
    s = r.state;
    p = np;
  }
  const out = Float64Array.from(await p.data());
  disposeTree([p, s]);
  return out;
}

describe("clipping, AdaGrad-Norm, Lookahead, SAM", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it("clipByGlobalNorm scales the whole tree to norm ≤ c, and leaves small gradients alone", async () => {
    const n = sizeOf(MIXED);
    const g = f32Normals(new Rng(1), n);
    const gn = norm(g);
    for (const c of [0.5 * gn, 2 * gn]) {
      const opt = O.clipByGlobalNorm(c);
      const gt = treeFrom(MIXED, g);
      const s = opt.init(gt);
      const r = opt.update(gt, s);
      const want = g.map((v) => v * Math.min(1, c / gn));
      expectClose(await flatOf(r.updates), want, 1e-5, 1e-7, `clip at ${c}`);
      disposeTree([gt, s, r]);
    }
  });

  it("clipByGlobalNorm perRun clips each run by its own norm", async () => {
    const runs = 3,
      d = 4;
    const g = f32Normals(new Rng(2), runs * d, 2);
    const opt = O.clipByGlobalNorm(1, { perRun: true });
    const gt = { w: tf.tensor(Float32Array.from(g), [runs, 2, 2]), b: tf.zeros([runs]) };
    const r = opt.update(gt, opt.init(gt));
    const got = await flatOf(r.updates); // leaves order: b, w
    for (let k = 0; k < runs; k++) {
      const row = g.slice(k * d, (k + 1) * d);
      const f = Math.min(1, 1 / norm(row));
      expectClose(
        got.slice(runs + k * d, runs + (k + 1) * d),
        row.map((v) => v * f),
        1e-5,
        1e-7,
        `run ${k}`,
      );
    }
    disposeTree([gt, r]);
  });

  it("clipByValue clips each coordinate", async () => {
    const got = await runTransform(
      O.chain(O.clipByValue(0.5), O.sgd({ lr: 1 })),
      [4],
      [0, 0, 0, 0],
      [[-2, -0.25, 0.3, 7]],
    );
    expectClose(got[0], [0.5, 0.25, -0.3, -0.5], 1e-6, 0, "clipByValue");
  });

  it("AdaGrad-Norm: b² accumulates ‖g‖², step −η g/b (Ward et al., 2019), also per run", async () => {
    const n = sizeOf(MIXED),
      steps = 20;
    const rng = new Rng(3);
    const p0 = f32Normals(rng, n);
    const grads = Array.from({ length: steps }, () => f32Normals(rng, n));
    const got = await runTransform(O.adagradNorm({ lr: 0.5, b0: 0.1 }), MIXED, p0, grads);
    const p = Float64Array.from(p0);
    let b2 = 0.01;
    grads.forEach((g, k) => {
      b2 += g.reduce((a, v) => a + v * v, 0);
      for (let i = 0; i < n; i++) p[i] -= (0.5 * g[i]) / Math.sqrt(b2);
      expectClose(got[k], p, 1e-5, 1e-6, `step ${k + 1}`);
    });

    const runs = 2,
      d = 3;
    const pr = f32Normals(rng, runs * d);
    const gr = Array.from({ length: 10 }, () => f32Normals(rng, runs * d));
    const batched = await runTransform(O.adagradNorm({ lr: O.perRun([0.5, 0.1]), perRun: true }), [runs, d], pr, gr);
    for (let r = 0; r < runs; r++) {
      const sl = (x: Float64Array) => x.slice(r * d, (r + 1) * d);
      const single = await runTransform(O.adagradNorm({ lr: [0.5, 0.1][r] }), [d], sl(pr), gr.map(sl));
      expectClose(sl(batched[9]), single[9], 1e-6, 1e-7, `run ${r}`);
    }
  });

  it("Lookahead: k fast steps of the inner optimizer, then φ ← φ + α(θ − φ), θ ← φ (Zhang et al., 2019)", async () => {
    const rng = new Rng(4);
    const d = 5,
      steps = 23,
      k = 4,
      alpha = 0.3,
      lr = 0.1,
      mu = 0.5;
    const p0 = f32Normals(rng, d);
    const grads = Array.from({ length: steps }, () => f32Normals(rng, d));
    const got = await runTransform(
      O.lookahead(O.heavyBall({ lr, momentum: mu }), { syncPeriod: k, alpha }),
      [d],
      p0,
      grads,
    );
    const theta = Float64Array.from(p0),
      phi = Float64Array.from(p0),
      m = new Float64Array(d);
    grads.forEach((g, t) => {
      for (let i = 0; i < d; i++) {
        m[i] = mu * m[i] + g[i];
        theta[i] -= lr * m[i];
      }
      if ((t + 1) % k === 0) {
        for (let i = 0; i < d; i++) {
          phi[i] += alpha * (theta[i] - phi[i]);
          theta[i] = phi[i];
        }
      }
      expectClose(got[t], theta, 1e-5, 1e-6, `step ${t + 1}`);
    });
    expect(() => O.lookahead(O.sgd()).update(tf.zeros([1]), O.lookahead(O.sgd()).init(tf.zeros([1])))).toThrow(
      /needs the parameters/,
    );
  });

  it("SAM: x ← x − η∇f(x + ρ g/‖g‖) over two calls per step (Foret et al., 2021), and ASAM", async () => {
    // f(x) = ½ Σ a_i x_i² + Σ c_i x_i³/3 (non-quadratic so the perturbation matters)
    const a = [1, 3, 0.5, 2],
      c = [0.2, -0.1, 0.3, 0.05];
    const grad = (x: Float64Array) => x.map((v, i) => a[i] * v + c[i] * v * v);
    const x0 = [1, -1, 2, 0.5];
    for (const adaptive of [false, true]) {
      const rho = 0.2,
        lr = 0.1,
        steps = 15;
      const got = await runWithGradient(O.sam(O.sgd({ lr }), { rho, adaptive }), [4], x0, grad, 2 * steps);
      const x = Float64Array.from(x0);
      for (let k = 0; k < steps; k++) {
        const g = grad(x);
        const tg = adaptive ? g.map((v, i) => Math.abs(x[i]) * v) : g;
        const nrm = norm(tg);
        const eps = adaptive ? g.map((v, i) => (rho * x[i] * x[i] * v) / nrm) : g.map((v) => (rho * v) / nrm);
        const gs = grad(x.map((v, i) => v + eps[i]));
        for (let i = 0; i < 4; i++) x[i] -= lr * gs[i];
      }
      expectClose(got, x, 1e-5, 1e-6, adaptive ? "ASAM" : "SAM");
      // and it differs from plain gradient descent (the perturbation is not a no-op)
      const gd = await runWithGradient(O.sgd({ lr }), [4], x0, grad, steps);
      expect(Math.max(...gd.map((v, i) => Math.abs(v - x[i])))).toBeGreaterThan(1e-3);
    }
  });

  it("SAM perRun normalises each run separately", async () => {
    const runs = 2,
      d = 3;
    const a = [1, 2, 3];
    const grad = (x: Float64Array) => x.map((v, i) => a[i % d] * v + 0.3 * v * v);
    const x0 = [1, -1, 0.5, 2, 0.3, -0.7];
    const got = await runWithGradient(O.sam(O.sgd({ lr: 0.1 }), { rho: 0.3, perRun: true }), [runs, d], x0, grad, 10);
    for (let r = 0; r < runs; r++) {
      const single = await runWithGradient(
        O.sam(O.sgd({ lr: 0.1 }), { rho: 0.3 }),
        [d],
        x0.slice(r * d, (r + 1) * d),
        grad,
        10,
      );
      expectClose(got.slice(r * d, (r + 1) * d), single, 1e-5, 1e-6, `run ${r}`);
    }
  });
});
