import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { normalFromState, Rng, seedState, uniformFromState } from "../../lib/rng";
import { disposeTree, flatten, type Tree } from "../../lib/tree";
import { sgd } from "../../lib/optimizers/alias";
import { applyUpdates, perRun, type GradientTransformation } from "../../lib/optimizers/transform";
import {
  clipPerExample,
  disposeSvrg,
  dpGradient,
  geometricSubgradient,
  langevin,
  langevinRule,
  perExampleGradients,
  privatizeGradients,
  svrg,
  zerothOrderGradient,
} from "../../lib/optimizers/stochastic";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const flat = (t: Tree) => flatten(t).flatMap((l) => Array.from(l.dataSync()));
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(err).toBeLessThan(tol);
}

/** Runs `steps` of opt on params with gradient gradFn, recording the iterates (flattened). */
function trajectory(opt: GradientTransformation, params0: Tree, gradFn: (p: Tree) => Tree, steps: number): number[][] {
  let p = params0;
  let s = opt.init(p);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = gradFn(p);
    const r = opt.update(g, s, p);
    const np = applyUpdates(p, r.updates);
    disposeTree([g, r.updates, s]);
    if (p !== params0) disposeTree(p);
    p = np;
    s = r.state;
    out.push(flat(p));
  }
  disposeTree([p, s]);
  return out;
}

describe("Langevin (ULA / SGLD)", () => {
  // U(θ) = Σ a_j θ_j²/2 + sin θ_j, ∇U = aθ + cos θ.
  const a = [0.5, 1.5, 1, 2, 0.7, 1.2];
  const U = (th: tf.Tensor) =>
    tf.sum(tf.add(tf.mul(tf.mul(tf.tensor1d(a), tf.square(th)), 0.5), tf.sin(th))) as tf.Scalar;
  for (const stepSize of ["ula", "wellingTeh"] as const) {
    it(`${stepSize}: 25 steps against a float64 reference with the same noise stream`, () => {
      const lr = 0.05,
        T = 0.7,
        seed = 9;
      const th0 = [0.3, -1, 2, 0.5, -0.2, 1.1];
      const got = trajectory(
        langevin({ lr, temperature: T, seed, stepSize }),
        tf.tensor1d(th0),
        (p) => tf.grad(U)(p as tf.Tensor),
        25,
      );
      const key = new Uint32Array(4);
      seedState(seed, 0, key);
      const gamma = stepSize === "ula" ? lr : lr / 2;
      let th = th0.slice();
      for (let t = 0; t < 25; t++) {
        th = th.map((v, j) => v - gamma * (a[j] * v + Math.cos(v)) + Math.sqrt(2 * gamma * T) * normalFromState(key));
        expectClose(got[t], th, 1e-5);
      }
    });
  }
  it("ULA's stationary variance on a Gaussian target is σ²T/(1 − γ/(2σ²)) (exact for the discretised chain)", async () => {
    // U = θ²/(2σ²): θ' = (1 − γ/σ²)θ + √(2γT)ξ has stationary variance 2γT/(1 − (1 − γ/σ²)²).
    const R = 4000,
      sigma2 = 1,
      T = 2,
      lr = 0.5;
    const opt = langevin({ lr, temperature: T, seed: 3 });
    let p: tf.Tensor = tf.zeros([R]);
    let s = opt.init(p);
    for (let t = 0; t < 120; t++) {
      const g = tf.div(p, sigma2);
      const r = opt.update(g, s, p);
      const np = applyUpdates(p, r.updates) as tf.Tensor;
      disposeTree([g, r.updates, s, p]);
      p = np;
      s = r.state;
    }
    const x = Array.from(await p.data());
    const v = x.reduce((acc, xi) => acc + xi * xi, 0) / R;
    const want = (2 * lr * T) / (1 - (1 - lr / sigma2) ** 2);
    expect(want).toBeCloseTo((sigma2 * T) / (1 - lr / (2 * sigma2)), 10);
    // Standard error of a variance estimate: want·√(2/R) ≈ 0.06; the continuous-time value 2 is 10 SE away.
    expect(Math.abs(v - want)).toBeLessThan(4 * want * Math.sqrt(2 / R));
    disposeTree([p, s]);
  });
  it("rejects bad input", () => {
    expect(() => langevin({ lr: 0.1 } as never)).toThrow(/needs a seed/);
    expect(() => langevin({ lr: -1, seed: 1 })).toThrow(/lr = -1 .*out of range/);
    expect(() => langevinRule({ stepSize: "mala" as never })).toThrow(/unknown stepSize/);
    expect(() => langevin({ seed: 1, sigma: 1 } as never)).toThrow(/unknown option "sigma"/);
  });
});

describe("zeroth-order two-point estimator", () => {
  // f(w, b) = Σ_i log(1 + (x_iᵀw + b − y_i)²) on 5 fixed points; params { b: [1], w: [3] } (leaves order b, w).
  const X = [
    [1, 0.5, -1],
    [0.2, -0.3, 0.8],
    [-1, 1, 0.1],
    [0.4, 0.4, 0.4],
    [2, -1, 0],
  ];
  const y = [0.5, -1, 2, 0.3, 1];
  const fRef = (v: number[]) =>
    X.reduce((s, xi, i) => s + Math.log(1 + (xi[0] * v[1] + xi[1] * v[2] + xi[2] * v[3] + v[0] - y[i]) ** 2), 0);
  const loss = (p: Tree) => {
    const { w, b } = p as { w: tf.Tensor; b: tf.Tensor };
    const r = tf.sub(tf.add(tf.matMul(tf.tensor2d(X), w.reshape([3, 1])).reshape([5]), b), tf.tensor1d(y));
    return tf.sum(tf.log1p(tf.square(r))) as tf.Scalar;
  };
  const v0 = [0.1, 0.3, -0.2, 0.5];
  const params0 = () => ({ b: tf.tensor1d([v0[0]]), w: tf.tensor1d(v0.slice(1)) });

  /** Reference: the same draws from Rng(seed), in the documented order, then the paper's formula. */
  function refEstimate(
    rng: Rng,
    v: number[],
    mu: number,
    q: number,
    form: "twoSided" | "forward",
    s?: number,
    law: "gaussian" | "sphere" = "gaussian",
  ) {
    const d = v.length,
      g = new Array(d).fill(0);
    for (let k = 0; k < q; k++) {
      const support = s === undefined ? [...Array(d).keys()] : Array.from(rng.permutation(d).subarray(0, s));
      const z = Array.from(rng.normalArray(support.length));
      const zn = Math.hypot(...z);
      const u = new Array(d).fill(0);
      support.forEach((j, i) => (u[j] = law === "sphere" ? (z[i] * Math.sqrt(support.length)) / zn : z[i]));
      const plus = fRef(v.map((x, j) => x + mu * u[j]));
      const slope =
        form === "twoSided" ? (plus - fRef(v.map((x, j) => x - mu * u[j]))) / (2 * mu) : (plus - fRef(v)) / mu;
      u.forEach((uj, j) => (g[j] += (slope * uj) / q));
    }
    return g;
  }

  for (const [label, opts] of [
    ["two-sided gaussian", { mu: 1e-2, difference: "twoSided" as const }],
    [
      "forward, sphere, 3 samples",
      { mu: 1e-2, difference: "forward" as const, directions: "sphere" as const, samples: 3 },
    ],
    ["masked to s = 2 random coordinates", { mu: 1e-2, sparsity: 2 }],
  ] as const) {
    it(`ZO-SGD, ${label}: 25 steps against a float64 reference`, () => {
      const lr = 0.05;
      const rng = new Rng(17);
      const got = trajectory(sgd({ lr }), params0(), (p) => zerothOrderGradient(loss, p, rng, opts), 25);
      const ref = new Rng(17);
      let v = v0.slice();
      const o = opts as {
        mu: number;
        difference?: "twoSided" | "forward";
        samples?: number;
        sparsity?: number;
        directions?: "gaussian" | "sphere";
      };
      for (let t = 0; t < 25; t++) {
        const g = refEstimate(ref, v, o.mu, o.samples ?? 1, o.difference ?? "twoSided", o.sparsity, o.directions);
        v = v.map((x, j) => x - lr * g[j]);
        expectClose(got[t], v, 2e-3);
      }
    });
  }
  it("is exact on a quadratic (ĝ = u uᵀ∇f), and a masked draw touches only s coordinates", async () => {
    const c = [1, -2, 0.5, 3, 0.1, -0.7];
    const quad = (p: Tree) => tf.sum(tf.mul(tf.tensor1d(c), tf.square(p as tf.Tensor))) as tf.Scalar;
    const x = tf.tensor1d([0.5, 1, -1, 0.2, 2, -0.3]);
    const xs = Array.from(await x.data());
    const g = zerothOrderGradient(quad, x, new Rng(4), { mu: 0.1 }) as tf.Tensor;
    const u = Array.from(new Rng(4).normalArray(6));
    const dir = u.reduce((s, uj, j) => s + uj * 2 * c[j] * xs[j], 0);
    expectClose(
      Array.from(await g.data()),
      u.map((uj) => dir * uj),
      1e-4,
    );
    const sparse = zerothOrderGradient(quad, x, new Rng(4), { mu: 0.1, sparsity: 2 }) as tf.Tensor;
    expect(Array.from(await sparse.data()).filter((v) => v !== 0).length).toBeLessThanOrEqual(2);
    // Smallest-magnitude mask: |x| smallest at indices 3 (0.2) and 5 (0.3).
    const small = zerothOrderGradient(quad, x, new Rng(4), {
      mu: 0.1,
      sparsity: 2,
      mask: "smallestMagnitude",
    }) as tf.Tensor;
    const sv = Array.from(await small.data());
    [0, 1, 2, 4].forEach((j) => expect(sv[j]).toBe(0));
    expect(sv[3] !== 0 || sv[5] !== 0).toBe(true);
    disposeTree([x, g, sparse, small]);
  });
  it("rejects bad input", () => {
    const x = tf.tensor1d([1, 2]);
    const l = (p: Tree) => tf.sum(p as tf.Tensor) as tf.Scalar;
    expect(() => zerothOrderGradient(l, x, new Rng(1), { mu: 0 })).toThrow(/mu must be finite and > 0/);
    expect(() => zerothOrderGradient(l, x, new Rng(1), { sparsity: 3 })).toThrow(
      /sparsity must be an integer in \[1, 2\]/,
    );
    expect(() => zerothOrderGradient(l, x, new Rng(1), { mask: "top" as never })).toThrow(/unknown mask/);
    expect(() => zerothOrderGradient(l, x, new Rng(1), { radius: 1 } as never)).toThrow(/unknown option "radius"/);
    expect(() => zerothOrderGradient((p) => (p as tf.Tensor).mul(1) as tf.Scalar, x, new Rng(1))).toThrow(
      /must return a scalar/,
    );
    x.dispose();
  });
});

describe("DP-SGD", () => {
  // Logistic regression, per-example loss log(1 + exp(−y_i (x_iᵀw + b))).
  const r = new Rng(2);
  const N = 8;
  const X = Array.from({ length: N }, () => [r.normal() * 2, r.normal() * 2]);
  const Y = Array.from({ length: N }, (_, i) => (i % 2 ? 1 : -1));
  const loss = (p: Tree, i: number) => {
    const { w, b } = p as { w: tf.Tensor; b: tf.Tensor };
    const z = tf.add(tf.sum(tf.mul(w, tf.tensor1d(X[i]))), b.reshape([]));
    return tf.softplus(tf.mul(-Y[i], z)) as tf.Scalar;
  };
  // ∂/∂(w, b) = −y σ(−y z) (x, 1).
  const refGrad = (v: number[], i: number) => {
    const z = X[i][0] * v[1] + X[i][1] * v[2] + v[0];
    const c = -Y[i] / (1 + Math.exp(Y[i] * z));
    return [c, c * X[i][0], c * X[i][1]]; // leaves order: b, w
  };

  it("per-example gradients match the closed form; clipping bounds every contribution by C", async () => {
    const p = { b: tf.tensor1d([0.1]), w: tf.tensor1d([0.3, -0.4]) };
    const per = perExampleGradients(loss, p, [...Array(N).keys()]) as { b: tf.Tensor; w: tf.Tensor };
    const pb = (await per.b.array()) as number[][],
      pw = (await per.w.array()) as number[][];
    for (let i = 0; i < N; i++) expectClose([pb[i][0], ...pw[i]], refGrad([0.1, 0.3, -0.4], i), 1e-5);
    const C = 0.3;
    const clipped = clipPerExample(per, C) as { b: tf.Tensor; w: tf.Tensor };
    const cb = (await clipped.b.array()) as number[][],
      cw = (await clipped.w.array()) as number[][];
    let someClipped = false;
    for (let i = 0; i < N; i++) {
      const g = [pb[i][0], ...pw[i]],
        c = [cb[i][0], ...cw[i]];
      const n = Math.hypot(...g),
        nc = Math.hypot(...c);
      expect(nc).toBeLessThanOrEqual(C * (1 + 1e-5));
      expectClose(
        c,
        g.map((v) => v / Math.max(1, n / C)),
        1e-5,
      );
      if (n > C) someClipped = true;
    }
    expect(someClipped).toBe(true);
    const layer = clipPerExample(per, C, "perLayer") as { b: tf.Tensor; w: tf.Tensor };
    const lb = (await layer.b.array()) as number[][],
      lw = (await layer.w.array()) as number[][];
    for (let i = 0; i < N; i++) {
      expect(Math.abs(lb[i][0])).toBeLessThanOrEqual((C / Math.SQRT2) * (1 + 1e-5));
      expect(Math.hypot(...lw[i])).toBeLessThanOrEqual((C / Math.SQRT2) * (1 + 1e-5));
    }
    disposeTree([p, per, clipped, layer]);
  });

  it("DP-SGD: 25 steps against a float64 reference (Abadi et al. Algorithm 1, same noise draws)", () => {
    const C = 0.5,
      sigma = 1.1,
      lr = 0.2,
      B = 4;
    const rng = new Rng(31),
      batchRng = new Rng(5);
    const batches = Array.from({ length: 25 }, () => Array.from(batchRng.permutation(N).subarray(0, B)));
    let t = 0;
    const got = trajectory(
      sgd({ lr }),
      { b: tf.tensor1d([0]), w: tf.tensor1d([0, 0]) },
      (p) => dpGradient(loss, p, batches[t++], { clipNorm: C, noiseMultiplier: sigma, rng }),
      25,
    );
    const ref = new Rng(31);
    let v = [0, 0, 0];
    for (let k = 0; k < 25; k++) {
      const sum = [0, 0, 0];
      for (const i of batches[k]) {
        const g = refGrad(v, i);
        const f = Math.min(1, C / Math.hypot(...g));
        g.forEach((gj, j) => (sum[j] += gj * f));
      }
      // Noise per leaf in leaves order (b then w), std σC.
      const noise = [...ref.normalArray(1, 0, sigma * C), ...ref.normalArray(2, 0, sigma * C)];
      v = v.map((x, j) => x - (lr * (sum[j] + noise[j])) / B);
      expectClose(got[k], v, 1e-4);
    }
  });

  it("rejects bad input", () => {
    const per = { b: tf.zeros([3, 1]), w: tf.zeros([2, 2]) };
    expect(() => clipPerExample(per, 1)).toThrow(/leading examples axis of length 3/);
    expect(() => clipPerExample({ w: tf.zeros([2, 2]) }, -1)).toThrow(/clipNorm must be finite and > 0/);
    expect(() =>
      privatizeGradients({ w: tf.zeros([2, 2]) }, { clipNorm: 1, noiseMultiplier: NaN, rng: new Rng(1) }),
    ).toThrow(/noiseMultiplier/);
    expect(() => clipPerExample({ w: tf.zeros([2, 2]) }, 1, "global" as never)).toThrow(/unknown clipping/);
    disposeTree(per);
  });
});

describe("SVRG", () => {
  // Ridge least squares: f_i(w) = ½(a_iᵀw − b_i)² + (λ/2)‖w‖².
  const n = 12,
    d = 4,
    lambda = 0.1;
  const r = new Rng(8);
  const A = Array.from({ length: n }, () => Array.from(r.normalArray(d)));
  const b = Array.from(r.normalArray(n));
  const gradRef = (w: number[], i: number) => {
    const res = A[i].reduce((s, a, j) => s + a * w[j], 0) - b[i];
    return A[i].map((a, j) => res * a + lambda * w[j]);
  };
  const gradI = (p: Tree, i: number): Tree =>
    tf.tidy(() =>
      tf.grad((w: tf.Tensor) =>
        tf.add(
          tf.mul(0.5, tf.square(tf.sub(tf.sum(tf.mul(w, tf.tensor1d(A[i]))), b[i]))),
          tf.mul(lambda / 2, tf.sum(tf.square(w))),
        ),
      )(p as tf.Tensor),
    );
  const fullRef = (w: number[]) => {
    const g = new Array(d).fill(0);
    for (let i = 0; i < n; i++) gradRef(w, i).forEach((v, j) => (g[j] += v / n));
    return g;
  };

  it("the variance-reduced gradient is unbiased: its average over i is ∇F(w)", async () => {
    const est = svrg(gradI, { n });
    const snapAt = tf.tensor1d([0.5, -0.5, 1, 0]);
    const st = est.init(snapAt);
    const w = [0.2, 0.1, -0.3, 0.7];
    const wt = tf.tensor1d(w);
    const mean = new Array(d).fill(0);
    for (let i = 0; i < n; i++) {
      const { grad, state } = est.direction(wt, st, i);
      Array.from(await (grad as tf.Tensor).data()).forEach((v, j) => (mean[j] += v / n));
      disposeTree(grad);
      disposeSvrg(state, st);
    }
    expectClose(mean, fullRef(w), 1e-5);
    // A single direction is not the full gradient (the estimate is random).
    const one = est.direction(wt, st, 0);
    expect(
      Math.max(...Array.from(await (one.grad as tf.Tensor).data()).map((v, j) => Math.abs(v - fullRef(w)[j]))),
    ).toBeGreaterThan(1e-3);
    disposeTree([snapAt, wt, one.grad]);
    disposeSvrg(st);
  });

  it("30 steps against a float64 reference (epochLength 7, same index stream)", () => {
    const lr = 0.05,
      m = 7,
      seed = 4;
    const est = svrg(gradI, { n, epochLength: m, seed });
    let p: Tree = tf.zeros([d]);
    let st = est.init(p);
    const key = new Uint32Array(4);
    seedState(seed, 0, key);
    let w = new Array(d).fill(0),
      snap = w.slice(),
      mu = fullRef(snap);
    for (let t = 0; t < 30; t++) {
      const { grad, state } = est.direction(p, st, undefined);
      const np: tf.Tensor = tf.sub(p as tf.Tensor, tf.mul(lr, grad as tf.Tensor));
      disposeTree([grad, p]);
      disposeSvrg(st, state);
      p = np;
      st = state;
      if (t > 0 && t % m === 0) {
        snap = w.slice();
        mu = fullRef(snap);
      }
      const i = Math.floor(uniformFromState(key) * n);
      const gw = gradRef(w, i),
        gs = gradRef(snap, i);
      w = w.map((x, j) => x - lr * (gw[j] - gs[j] + mu[j]));
      expectClose((p as tf.Tensor).dataSync(), w, 1e-5);
    }
    disposeTree(p);
    disposeSvrg(st);
  });

  it("converges linearly on a strongly convex finite sum (SGD with the same step stalls)", async () => {
    // Minimiser: (AᵀA/n + λI) w* = Aᵀb/n, solved by Gaussian elimination in float64.
    const M = Array.from({ length: d }, (_, j) =>
      Array.from({ length: d }, (_, k) => A.reduce((s, a) => s + a[j] * a[k], 0) / n + (j === k ? lambda : 0)),
    );
    const rhs = Array.from({ length: d }, (_, j) => A.reduce((s, a, i) => s + a[j] * b[i], 0) / n);
    for (let c = 0; c < d; c++)
      for (let r2 = c + 1; r2 < d; r2++) {
        const f = M[r2][c] / M[c][c];
        for (let k = c; k < d; k++) M[r2][k] -= f * M[c][k];
        rhs[r2] -= f * rhs[c];
      }
    const ws = new Array(d).fill(0);
    for (let c = d - 1; c >= 0; c--)
      ws[c] = (rhs[c] - M[c].slice(c + 1).reduce((s, v, k) => s + v * ws[c + 1 + k], 0)) / M[c][c];
    const dist = (x: ArrayLike<number>) => Math.hypot(...Array.from(x).map((v, j) => v - ws[j]));

    const lr = 0.05,
      epochs = 25,
      m = 2 * n;
    const est = svrg(gradI, { n, seed: 1 });
    let p: Tree = tf.zeros([d]);
    let st = est.init(p);
    const perEpoch: number[] = [dist(new Array(d).fill(0))];
    for (let t = 1; t <= epochs * m; t++) {
      const { grad, state } = est.direction(p, st);
      const np: tf.Tensor = tf.sub(p as tf.Tensor, tf.mul(lr, grad as tf.Tensor));
      disposeTree([grad, p]);
      disposeSvrg(st, state);
      p = np;
      st = state;
      if (t % m === 0) perEpoch.push(dist(await (p as tf.Tensor).data()));
    }
    // Geometric decrease: every 5 epochs at least 10× closer, down to float32 precision.
    for (let e = 5; e <= 15; e += 5) expect(perEpoch[e]).toBeLessThan(0.1 * perEpoch[e - 5]);
    expect(perEpoch[epochs]).toBeLessThan(1e-4 * perEpoch[0]);
    disposeTree(p);
    disposeSvrg(st);

    // Plain SGD with the same step and index law stays at a noise floor.
    const idx = new Rng(1);
    let q = new Array(d).fill(0);
    for (let t = 0; t < epochs * m; t++) {
      const g = gradRef(q, idx.int(n));
      q = q.map((x, j) => x - lr * g[j]);
    }
    expect(dist(q)).toBeGreaterThan(100 * perEpoch[epochs]);
  });

  it("rejects bad input", () => {
    expect(() => svrg(gradI, { n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => svrg(gradI, { n: 3, epochLength: 1.5 })).toThrow(/epochLength/);
    expect(() => svrg(gradI, { n: 3, batch: 2 } as never)).toThrow(/unknown option "batch"/);
    const est = svrg(gradI, { n });
    const st = est.init(tf.zeros([d]));
    expect(() => est.direction(tf.zeros([d + 1]), st)).toThrow(/params and snapshot do not match/);
    expect(() => est.direction(tf.zeros([d]), st, n)).toThrow(/index 12 is not in \[0, 12\)/);
    disposeSvrg(st);
  });
});

describe("ℓ1 subgradient method with geometric step decay", () => {
  // Robust regression f(x) = (1/m) Σ |a_iᵀx − b_i| with 20% gross outliers: x* is recovered exactly.
  const m = 60,
    d = 4;
  const r = new Rng(12);
  const A = Array.from({ length: m }, () => Array.from(r.normalArray(d)));
  const xs = [1, -2, 0.5, 1.5];
  const b = A.map((a, i) => a.reduce((s, v, j) => s + v * xs[j], 0) + (i % 5 === 0 ? 10 * r.normal() : 0));
  const grad = (p: Tree) =>
    tf.tidy(() =>
      tf.grad((x: tf.Tensor) =>
        tf.mean(tf.abs(tf.sub(tf.matMul(tf.tensor2d(A), x.reshape([d, 1])).reshape([m]), tf.tensor1d(b)))),
      )(p as tf.Tensor),
    );
  const subRef = (x: number[]) => {
    const g = new Array(d).fill(0);
    A.forEach((a, i) => {
      const res = a.reduce((s, v, j) => s + v * x[j], 0) - b[i];
      const sg = res > 0 ? 1 : res < 0 ? -1 : 0;
      a.forEach((v, j) => (g[j] += (sg * v) / m));
    });
    return g;
  };

  for (const normalize of ["none", "global"] as const) {
    it(`normalize "${normalize}": 25 steps against a float64 reference`, () => {
      const lr = 0.3,
        decay = 0.9;
      const got = trajectory(geometricSubgradient({ lr, decay, normalize }), tf.zeros([d]), grad, 25);
      let x = new Array(d).fill(0);
      for (let t = 0; t < 25; t++) {
        const g = subRef(x);
        const n = normalize === "none" ? 1 : Math.hypot(...g);
        x = x.map((v, j) => v - (lr * decay ** t * g[j]) / n);
        expectClose(got[t], x, 1e-4);
      }
    });
  }
  it("recovers x* linearly despite outliers; per-run normalisation equals runs one by one", async () => {
    const got = trajectory(geometricSubgradient({ lr: 1, decay: 0.97, normalize: "global" }), tf.zeros([d]), grad, 300);
    const dist = (x: number[]) => Math.hypot(...x.map((v, j) => v - xs[j]));
    expect(dist(got[299])).toBeLessThan(1e-3);
    expect(dist(got[149])).toBeLessThan(0.1);

    // Runs [R, d] with per-run norms and per-run... the same lr: equal to each run alone.
    const starts = [
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [-2, 0.5, 0, 3],
    ];
    const gradBatch = (p: Tree) =>
      tf.tidy(() =>
        tf.grad((x: tf.Tensor) =>
          tf.sum(tf.mean(tf.abs(tf.sub(tf.matMul(x, tf.tensor2d(A).transpose()), tf.tensor1d(b))), 1)),
        )(p as tf.Tensor),
      );
    const batched = trajectory(
      geometricSubgradient({ lr: 0.5, decay: 0.9, normalize: "perRun" }),
      tf.tensor2d(starts),
      gradBatch,
      20,
    );
    starts.forEach((s0, k) => {
      const single = trajectory(
        geometricSubgradient({ lr: 0.5, decay: 0.9, normalize: "global" }),
        tf.tensor1d(s0),
        grad,
        20,
      );
      expectClose(batched[19].slice(k * d, (k + 1) * d), single[19], 1e-5);
    });
  });
  it("rejects bad input", () => {
    expect(() => geometricSubgradient({ lr: NaN })).toThrow(/lr is NaN/);
    expect(() => geometricSubgradient({ decay: 1.5 })).toThrow(/decay = 1.5 .*out of range/);
    expect(() => geometricSubgradient({ normalize: "l1" as never })).toThrow(/unknown normalize/);
    expect(() => geometricSubgradient({ q: 0.9 } as never)).toThrow(/unknown option "q"/);
  });
});

// perRun is used by the Langevin per-run test below.
describe("Langevin with per-run step sizes", () => {
  it("a perRun lr scales each run's drift and noise (noise-free runs equal gradient descent per run)", () => {
    // temperature 0: ULA is gradient descent, so runs batched with perRun lr equal runs one by one.
    const lrs = [0.1, 0.2, 0.3];
    const starts = [
      [1, -1],
      [0.5, 2],
      [-1, 0.3],
    ];
    const g = (p: Tree) => tf.tidy(() => tf.add(tf.mul(p as tf.Tensor, 2), tf.cos(p as tf.Tensor)));
    const batched = trajectory(langevin({ lr: perRun(lrs), temperature: 0, seed: 1 }), tf.tensor2d(starts), g, 20);
    starts.forEach((s0, k) => {
      const single = trajectory(langevin({ lr: lrs[k], temperature: 0, seed: 1 }), tf.tensor1d(s0), g, 20);
      expectClose(batched[19].slice(2 * k, 2 * k + 2), single[19], 1e-6);
    });
  });
});
