import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import { disposeTree, type Tree } from "../../lib/tree";
import { applyUpdates, perRun, type GradientTransformation } from "../../lib/optimizers/transform";
import {
  inversePthRoot,
  muon,
  MUON_NS_COEFFICIENTS,
  muonShapeScale,
  newtonSchulzOrthogonalize,
  shampoo,
} from "../../lib/optimizers/matrix";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

// ---------- float64 dense linear algebra, written in the test ----------
type M = number[][];
const T = (a: M): M => a[0].map((_, j) => a.map((r) => r[j]));
const mm = (a: M, b: M): M => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const add = (a: M, b: M, s = 1): M => a.map((r, i) => r.map((v, j) => v + s * b[i][j]));
const scale = (a: M, s: number): M => a.map((r) => r.map((v) => v * s));
const eye = (k: number): M =>
  Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
const fro = (a: M) => Math.hypot(...a.flat());

/** Cyclic Jacobi eigendecomposition of a symmetric matrix: A = V diag(w) Vᵀ. */
function jacobiEig(A0: M): { w: number[]; V: M } {
  const n = A0.length;
  const A = A0.map((r) => r.slice());
  const V = eye(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p],
            akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k],
            aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p],
            vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { w: A.map((r, i) => r[i]), V };
}

/** Thin SVD of an m×n matrix with m ≤ n from the eigendecomposition of GGᵀ: G = U diag(s) Vᵀ. */
function svd(G: M): { U: M; s: number[]; Vt: M } {
  const { w, V: U } = jacobiEig(mm(G, T(G)));
  const s = w.map((x) => Math.sqrt(Math.max(x, 0)));
  const Vt = T(U).map((u, i) => T(G).map((col) => col.reduce((acc, g, k) => acc + g * u[k], 0) / s[i]));
  return { U, s, Vt };
}

/** A^{−1/4} by eigendecomposition. */
const invRoot4 = (A: M) => {
  const { w, V } = jacobiEig(A);
  return mm(
    mm(
      V,
      w.map((x, i) => w.map((_, j) => (i === j ? x ** -0.25 : 0))),
    ),
    T(V),
  );
};

const randM = (r: Rng, m: number, n: number): M => Array.from({ length: m }, () => Array.from(r.normalArray(n)));
const maxRelErr = (a: number[], b: number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))));

describe("Newton–Schulz orthogonalisation (Muon)", () => {
  it("acts on singular values by the quintic map φ(s) = as + bs³ + cs⁵ (checked against a Jacobi SVD)", async () => {
    const r = new Rng(1);
    for (const [m, n] of [
      [4, 6],
      [6, 4],
      [5, 5],
    ]) {
      const G = randM(r, m, n);
      const wide = m <= n ? G : T(G);
      const { U, s, Vt } = svd(wide);
      const [a, b, c] = MUON_NS_COEFFICIENTS;
      const f = fro(G) + 1e-7;
      const phi5 = s.map((si) => {
        let x = si / f;
        for (let k = 0; k < 5; k++) x = a * x + b * x ** 3 + c * x ** 5;
        return x;
      });
      let O = mm(
        mm(
          U,
          phi5.map((p, i) => phi5.map((_, j) => (i === j ? p : 0))),
        ),
        Vt,
      );
      if (m > n) O = T(O);
      const got = newtonSchulzOrthogonalize(tf.tensor2d(G));
      expect(got.shape).toEqual([m, n]);
      expect(maxRelErr(Array.from(await got.data()), O.flat())).toBeLessThan(1e-4);
      // Singular values of the output are near 1 (Keller Jordan: roughly within [0.5, 1.5]).
      const so = svd(m <= n ? ((await got.array()) as M) : T((await got.array()) as M)).s;
      for (const x of so) {
        expect(x).toBeGreaterThan(0.5);
        expect(x).toBeLessThan(1.5);
      }
      got.dispose();
    }
  });
  it("with more steps of the cubic iteration (1.5, −0.5, 0) it converges to the polar factor UVᵀ", async () => {
    const G = randM(new Rng(2), 3, 5);
    const { U, Vt } = svd(G);
    const got = newtonSchulzOrthogonalize(tf.tensor2d(G), { steps: 40, coefficients: [1.5, -0.5, 0] });
    expect(maxRelErr(Array.from(await got.data()), mm(U, Vt).flat())).toBeLessThan(1e-4);
    got.dispose();
  });
  it("batched over leading axes equals one by one", async () => {
    const r = new Rng(3);
    const Gs = [randM(r, 3, 4), randM(r, 3, 4), randM(r, 3, 4)];
    const batched = (await newtonSchulzOrthogonalize(tf.tensor3d(Gs)).array()) as number[][][];
    for (let k = 0; k < 3; k++) {
      const one = newtonSchulzOrthogonalize(tf.tensor2d(Gs[k]));
      expect(maxRelErr(batched[k].flat(), Array.from(await one.data()))).toBeLessThan(1e-6);
      one.dispose();
    }
  });
});

/** Runs opt on f(W) = ½‖AW − B‖² + Σ W⁴/4 (gradient Aᵀ(AW − B) + W³), recording iterates. */
function run(opt: GradientTransformation, W0: tf.Tensor, Am: M, Bm: M, steps: number): number[][] {
  const At = tf.tensor2d(Am),
    Bt = tf.tensor2d(Bm);
  const grad = (W: tf.Tensor) =>
    tf.tidy(() => tf.add(tf.matMul(At, tf.sub(tf.matMul(At, W.rank === 2 ? W : W), Bt), true), tf.pow(W, 3)));
  let p: Tree = W0;
  let s = opt.init(p);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = grad(p as tf.Tensor);
    const r = opt.update(g, s, p);
    const np = applyUpdates(p, r.updates);
    disposeTree([g, r.updates, s]);
    if (t > 0) disposeTree(p);
    p = np;
    s = r.state;
    out.push(Array.from((p as tf.Tensor).dataSync()));
  }
  disposeTree([p, s, At, Bt]);
  return out;
}

const refGrad = (A: M, B: M, W: M) =>
  add(
    mm(T(A), add(mm(A, W), B, -1)),
    W.map((r) => r.map((v) => v ** 3)),
  );

describe("Muon", () => {
  const r = new Rng(5);
  const [m, n] = [4, 3];
  const A = randM(r, 5, m),
    B = randM(r, 5, n),
    W0 = scale(randM(r, m, n), 0.3);
  const [a, b, c] = MUON_NS_COEFFICIENTS;
  /** Newton–Schulz written directly on float64 matrices, from the reference's description. */
  const ns = (G: M) => {
    const tall = G.length > G[0].length;
    let X = tall ? T(G) : G;
    X = scale(X, 1 / (fro(X) + 1e-7));
    for (let k = 0; k < 5; k++) {
      const Am = mm(X, T(X));
      X = add(scale(X, a), mm(add(scale(Am, b), mm(Am, Am), c), X));
    }
    return tall ? T(X) : X;
  };
  for (const nesterov of [true, false]) {
    it(`${nesterov ? "Nesterov" : "plain"} momentum, weight decay: 25 steps against a float64 reference`, () => {
      // Small steps keep the run away from the optimum, where Muon oscillates and NS amplifies
      // float32 rounding in the gradient's tiny singular directions (~3.4⁵×).
      const lr = 0.01,
        beta = 0.9,
        wd = 0.1;
      const got = run(muon({ lr, momentum: beta, weightDecay: wd, nesterov }), tf.tensor2d(W0), A, B, 25);
      let W = W0.map((row) => row.slice()),
        mom = W.map((row) => row.map(() => 0));
      for (let t = 0; t < 25; t++) {
        const g = refGrad(A, B, W);
        mom = add(scale(mom, beta), g, 1 - beta);
        const u = nesterov ? add(scale(g, 1 - beta), mom, beta) : mom;
        const O = scale(ns(u), Math.sqrt(Math.max(1, n / m))); // W is [fanIn m, fanOut n]
        W = add(scale(W, 1 - lr * wd), O, -lr);
        expect(maxRelErr(got[t], W.flat())).toBeLessThan(1e-5);
      }
    });
  }
  it("batched over runs [runs, m, n] with per-run lr equals runs one by one", () => {
    const starts = [W0, scale(W0, -1), scale(randM(new Rng(9), m, n), 0.2)];
    const lrs = [0.01, 0.03, 0.05];
    const AB = tf.tensor3d([A, A, A]),
      BB = tf.tensor3d([B, B, B]);
    const opt = muon({ lr: perRun(lrs) });
    let p: Tree = tf.tensor3d(starts);
    let s = opt.init(p);
    for (let t = 0; t < 20; t++) {
      const g = tf.tidy(() =>
        tf.add(tf.matMul(AB, tf.sub(tf.matMul(AB, p as tf.Tensor3D), BB), true), tf.pow(p as tf.Tensor, 3)),
      );
      const res = opt.update(g, s, p);
      const np = applyUpdates(p, res.updates);
      disposeTree([g, res.updates, s, p]);
      p = np;
      s = res.state;
    }
    const batched = (p as tf.Tensor).arraySync() as number[][][];
    starts.forEach((W, k) => {
      const single = run(muon({ lr: lrs[k] }), tf.tensor2d(W), A, B, 20);
      expect(maxRelErr(batched[k].flat(), single[19])).toBeLessThan(1e-5);
    });
    disposeTree([p, s, AB, BB]);
  });
  it("the default scale is √max(1, fanOut/fanIn) for weights stored [fanIn, fanOut], in both orientations", () => {
    // One step from zero momentum with β = 0: the update is −η·s·NS(g); NS(g) is the same matrix
    // for g and (transposed) gᵀ, so the ratio of the two updates' norms is the ratio of the scales.
    const g = randM(new Rng(21), 2, 6); // [fanIn 2, fanOut 6]: s = √3 by hand; [6, 2]: s = 1
    const step = (G: M) => {
      const opt = muon({ lr: 1, momentum: 0, nesterov: false });
      const p = tf.zeros([G.length, G[0].length]);
      const s = opt.init(p);
      const r = opt.update(tf.tensor2d(G), s, p);
      const u = (r.updates as tf.Tensor).arraySync() as M;
      disposeTree([p, s, r.updates, r.state]);
      return u;
    };
    const wide = step(g),
      tall = step(T(g));
    expect(fro(wide) / fro(tall)).toBeCloseTo(Math.sqrt(3), 4);
    expect(maxRelErr(wide.flat(), scale(ns(g), -Math.sqrt(3)).flat())).toBeLessThan(1e-5);
    expect(maxRelErr(tall.flat(), scale(ns(T(g)), -1).flat())).toBeLessThan(1e-5);
    expect(muonShapeScale(2, 6)).toBeCloseTo(Math.sqrt(3), 12);
    expect(muonShapeScale(6, 2)).toBe(1);
  });
  it("rejects bad input", () => {
    expect(() => muon({ lr: -1 })).toThrow(/lr = -1 .*out of range/);
    expect(() => muon({ lr: NaN })).toThrow(/lr is NaN/);
    expect(() => muon({ beta: 0.9 } as never)).toThrow(/unknown option "beta"/);
    expect(() => muon({ scale: "spectral" as never })).toThrow(/unknown scale/);
    expect(() => muon().init({ w: tf.zeros([3, 2]), b: tf.zeros([2]) })).toThrow(
      /parameter b has shape \[2\]; matrix optimizers need rank ≥ 2/,
    );
    expect(() => newtonSchulzOrthogonalize(tf.zeros([3]))).toThrow(/needs a matrix/);
  });
});

describe("Shampoo", () => {
  it("the coupled Newton inverse 4th root matches an eigendecomposition", async () => {
    const r = new Rng(6);
    const G = randM(r, 4, 4);
    const A = add(mm(G, T(G)), eye(4), 1e-2);
    const got = inversePthRoot(tf.tensor2d(A), 4);
    expect(maxRelErr(Array.from(await got.data()), invRoot4(A).flat())).toBeLessThan(1e-4);
    got.dispose();
  });
  for (const beta2 of [undefined, 0.9]) {
    it(`${beta2 === undefined ? "sum" : "EMA"} accumulation: 20 steps against a float64 reference`, () => {
      const r = new Rng(7);
      const [m, n] = [3, 4];
      const A = randM(r, 5, m),
        B = randM(r, 5, n),
        W0 = scale(randM(r, m, n), 0.3);
      const lr = 0.05,
        eps = 0.1;
      const got = run(shampoo({ lr, eps, beta2 }), tf.tensor2d(W0), A, B, 20);
      let W = W0.map((row) => row.slice()),
        L = scale(eye(m), eps),
        R = scale(eye(n), eps);
      for (let t = 0; t < 20; t++) {
        const g = refGrad(A, B, W);
        L = beta2 === undefined ? add(L, mm(g, T(g))) : add(scale(L, beta2), mm(g, T(g)), 1 - beta2);
        R = beta2 === undefined ? add(R, mm(T(g), g)) : add(scale(R, beta2), mm(T(g), g), 1 - beta2);
        W = add(W, mm(mm(invRoot4(L), g), invRoot4(R)), -lr);
        expect(maxRelErr(got[t], W.flat())).toBeLessThan(1e-3);
      }
    });
  }
  it("batched over runs [runs, m, n] equals runs one by one", () => {
    const r = new Rng(10);
    const [m, n] = [3, 2];
    const A = randM(r, 4, m),
      B = randM(r, 4, n);
    const starts = [randM(r, m, n), randM(r, m, n)];
    const AB = tf.tensor3d([A, A]),
      BB = tf.tensor3d([B, B]);
    const opt = shampoo({ lr: 0.05, eps: 0.1 });
    let p: Tree = tf.tensor3d(starts);
    let s = opt.init(p);
    for (let t = 0; t < 20; t++) {
      const g = tf.tidy(() =>
        tf.add(tf.matMul(AB, tf.sub(tf.matMul(AB, p as tf.Tensor3D), BB), true), tf.pow(p as tf.Tensor, 3)),
      );
      const res = opt.update(g, s, p);
      const np = applyUpdates(p, res.updates);
      disposeTree([g, res.updates, s, p]);
      p = np;
      s = res.state;
    }
    const batched = (p as tf.Tensor).arraySync() as number[][][];
    starts.forEach((W, k) => {
      const single = run(shampoo({ lr: 0.05, eps: 0.1 }), tf.tensor2d(W), A, B, 20);
      expect(maxRelErr(batched[k].flat(), single[19])).toBeLessThan(1e-5);
    });
    disposeTree([p, s, AB, BB]);
  });
  it("uses the reference's published defaults and frees every tensor over a long run", () => {
    // KellerJordan/Muon: (a, b, c) = (3.4445, −4.7750, 2.0315), 5 steps.
    expect([...MUON_NS_COEFFICIENTS]).toEqual([3.4445, -4.775, 2.0315]);
    const G = tf.tensor2d(randM(new Rng(11), 3, 5));
    const d5 = newtonSchulzOrthogonalize(G),
      e5 = newtonSchulzOrthogonalize(G, { steps: 5 }),
      e4 = newtonSchulzOrthogonalize(G, { steps: 4 });
    expect(maxRelErr(Array.from(d5.dataSync()), Array.from(e5.dataSync()))).toBe(0);
    expect(maxRelErr(Array.from(d5.dataSync()), Array.from(e4.dataSync()))).toBeGreaterThan(1e-3);
    disposeTree([G, d5, e5, e4]);
    for (const opt of [muon(), shampoo()]) {
      const p = { w: tf.tensor2d(randM(new Rng(12), 3, 2)) };
      let s = opt.init(p);
      const before = tf.memory().numTensors;
      for (let t = 0; t < 50; t++) {
        const g = tf.mul(p.w, 0.1);
        const r = opt.update({ w: g }, s, p);
        disposeTree([g, r.updates, s]);
        s = r.state;
      }
      expect(tf.memory().numTensors).toBe(before);
      disposeTree([p, s]);
    }
  });
  it("rejects mismatched trees", () => {
    for (const opt of [shampoo(), muon()]) {
      const params = { w: tf.zeros([2, 3]) };
      const s = opt.init(params);
      expect(() => opt.update({ w: tf.zeros([3, 2]) }, s, params)).toThrow(
        /do not match at w: shape \[3,2\] vs \[2,3\]/,
      );
      expect(() => opt.update({ v: tf.zeros([2, 3]) }, s, params)).toThrow(/do not match/);
      disposeTree([params, s]);
    }
  });
  it("rejects bad input", () => {
    expect(() => shampoo({ eps: 0 })).toThrow(/eps must be finite and > 0/);
    expect(() => shampoo({ beta2: 1 })).toThrow(/beta2 must lie in \[0, 1\)/);
    expect(() => shampoo({ lr: -0.1 })).toThrow(/out of range/);
    expect(() => shampoo({ epsilon: 1 } as never)).toThrow(/unknown option "epsilon"/);
    expect(() => shampoo().init(tf.zeros([4]))).toThrow(/matrix optimizers need rank ≥ 2/);
  });
});
