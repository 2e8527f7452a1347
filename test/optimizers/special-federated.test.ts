import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import { disposeTree, flatten, type Tree } from "../../lib/tree";
import { sgd } from "../../lib/optimizers/alias";
import { applyUpdates } from "../../lib/optimizers/transform";
import {
  fedAdam,
  fedAvg,
  fedProx,
  federated,
  runFederated,
  type ClientLoss,
  type FederatedAlgorithm,
} from "../../lib/optimizers/federated";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

// Heterogeneous clients: f_k(w) = Σ_j log cosh(a_kj·w_j − c_kj) + ½‖w‖²·λ_k, w ∈ R³ (a tree { w }).
const N = 5,
  d = 3;
const r = new Rng(3);
const a = Array.from({ length: N }, () => Array.from(r.uniformArray(d, 0.5, 2)));
const c = Array.from({ length: N }, () => Array.from(r.normalArray(d, 0, 2)));
const lam = Array.from(r.uniformArray(N, 0.05, 0.3));
const clientLoss =
  (k: number): ClientLoss =>
  (p) => {
    const w = (p as { w: tf.Tensor }).w;
    const z = tf.sub(tf.mul(tf.tensor(a[k]), w), tf.tensor(c[k]));
    // log cosh z = z + softplus(−2z) − log 2 (stable)
    const lc = tf.sub(tf.add(z, tf.softplus(tf.mul(-2, z))), Math.log(2));
    return tf.add(tf.sum(lc), tf.mul(lam[k] / 2, tf.sum(tf.square(w)))) as tf.Scalar;
  };
const clients = Array.from({ length: N }, (_, k) => clientLoss(k));
// Works for w of shape [d] and [runs, d] (a, c broadcast along the last axis).
const gradRef = (k: number, w: number[]) => w.map((wj, j) => a[k][j] * Math.tanh(a[k][j] * wj - c[k][j]) + lam[k] * wj);
const w0 = [0.5, -1, 2];

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(err).toBeLessThan(tol);
}

function rounds(alg: FederatedAlgorithm, start: number[] | number[][], R: number) {
  const out: { w: number[]; clients: number[] }[] = [];
  const p0 = { w: tf.tensor(start) };
  const fin = runFederated(alg, p0, R, (_r, p, cl) =>
    out.push({ w: Array.from(flatten(p)[0].dataSync()), clients: cl }),
  );
  disposeTree([fin, p0]);
  return out;
}

/** Float64 reference of a round (the papers' equations): K local (proximal) SGD steps, weighted average. */
function refLocal(k: number, x: number[], K: number, lr: number, mu: number) {
  let w = x.slice();
  for (let s = 0; s < K; s++) {
    const g = gradRef(k, w);
    w = w.map((wj, j) => wj - lr * (g[j] + mu * (wj - x[j])));
  }
  return w;
}
function refAverage(x: number[], chosen: number[], K: number, lr: number, mu: number, weights?: number[]) {
  const wt = chosen.map((k) => weights?.[k] ?? 1);
  const tot = wt.reduce((s, v) => s + v, 0);
  const avg = new Array(d).fill(0);
  chosen.forEach((k, i) => refLocal(k, x, K, lr, mu).forEach((v, j) => (avg[j] += (wt[i] / tot) * v)));
  return avg;
}

describe("federated optimisation", () => {
  it("FedAvg with K = 1 and full participation equals SGD on the average loss (20 rounds)", () => {
    const lr = 0.1;
    const fed = rounds(fedAvg({ clients, localLr: lr }), w0, 20);
    // SGD on F = (1/N)Σf_k through the library's sgd, and in float64.
    const F = (w: tf.Tensor) =>
      tf.div(tf.addN(clients.map((f) => f({ w }, { round: 0, step: 0, client: 0 }))), N) as tf.Scalar;
    const opt = sgd({ lr });
    let p: Tree = tf.tensor1d(w0);
    let s = opt.init(p);
    let x = w0.slice();
    for (let t = 0; t < 20; t++) {
      const g = tf.grad(F)(p as tf.Tensor);
      const res = opt.update(g, s, p);
      const np = applyUpdates(p, res.updates);
      disposeTree([g, res.updates, s, p]);
      p = np;
      s = res.state;
      expectClose(fed[t].w, (p as tf.Tensor).dataSync(), 1e-5);
      const gs = Array.from({ length: N }, (_, k) => gradRef(k, x));
      x = x.map((v, j) => v - (lr * gs.reduce((acc, g2) => acc + g2[j], 0)) / N);
      expectClose(fed[t].w, x, 1e-5);
    }
    disposeTree([p, s]);
  });

  it("FedAvg with K = 5 local steps, 3 of 5 clients sampled per round, data-size weights: 20 rounds against a float64 reference", () => {
    const lr = 0.05,
      K = 5,
      weights = [1, 2, 3, 4, 5];
    const fed = rounds(fedAvg({ clients, localLr: lr, localSteps: K, clientsPerRound: 3, weights, seed: 7 }), w0, 20);
    let x = w0.slice();
    const seen = new Set<number>();
    for (const { w, clients: cl } of fed) {
      expect(cl.length).toBe(3);
      expect(new Set(cl).size).toBe(3);
      cl.forEach((k) => seen.add(k));
      x = refAverage(x, cl, K, lr, 0, weights);
      expectClose(w, x, 1e-5);
    }
    expect(seen.size).toBe(N); // every client gets sampled at some point
    // The sampling is reproducible under a seed and changes with it.
    const again = rounds(fedAvg({ clients, localLr: lr, localSteps: K, clientsPerRound: 3, weights, seed: 7 }), w0, 20);
    expect(again.map((o) => o.clients)).toEqual(fed.map((o) => o.clients));
    const other = rounds(fedAvg({ clients, localLr: lr, localSteps: K, clientsPerRound: 3, weights, seed: 8 }), w0, 20);
    expect(other.map((o) => o.clients)).not.toEqual(fed.map((o) => o.clients));
  });

  it("FedProx: 20 rounds against a float64 reference; μ → 0 equals FedAvg", () => {
    const lr = 0.05,
      K = 4,
      mu = 0.5;
    const prox = rounds(fedProx({ clients, localLr: lr, localSteps: K, mu }), w0, 20);
    let x = w0.slice();
    for (const { w, clients: cl } of prox) {
      x = refAverage(x, cl, K, lr, mu);
      expectClose(w, x, 1e-5);
    }
    const avg = rounds(fedAvg({ clients, localLr: lr, localSteps: K, clientsPerRound: 2, seed: 1 }), w0, 15);
    const prox0 = rounds(fedProx({ clients, localLr: lr, localSteps: K, clientsPerRound: 2, seed: 1, mu: 0 }), w0, 15);
    const proxTiny = rounds(
      fedProx({ clients, localLr: lr, localSteps: K, clientsPerRound: 2, seed: 1, mu: 1e-6 }),
      w0,
      15,
    );
    for (let t = 0; t < 15; t++) {
      expect(prox0[t].w).toEqual(avg[t].w);
      expectClose(proxTiny[t].w, avg[t].w, 1e-5);
    }
    // With large μ and many local steps the clients stay near the server model (less drift).
    const drift = (m: number) => {
      const x1 = refAverage(w0, [0, 1, 2, 3, 4], 50, 0.05, m);
      return Math.hypot(...x1.map((v, j) => v - w0[j]));
    };
    const big = rounds(fedProx({ clients, localLr: 0.05, localSteps: 50, mu: 5 }), w0, 1)[0].w;
    expect(Math.hypot(...big.map((v, j) => v - w0[j]))).toBeCloseTo(drift(5), 4);
    expect(drift(5)).toBeLessThan(drift(0));
  });

  it("FedAdam: 20 rounds against Reddi et al. Algorithm 2 in float64", () => {
    const lr = 0.05,
      K = 3,
      eta = 0.1,
      b1 = 0.9,
      b2 = 0.99,
      tau = 1e-3;
    const fed = rounds(
      fedAdam({ clients, localLr: lr, localSteps: K, clientsPerRound: 4, seed: 2, serverLr: eta, b1, b2, tau }),
      w0,
      20,
    );
    let x = w0.slice(),
      m = new Array(d).fill(0),
      v = new Array(d).fill(0);
    for (const { w, clients: cl } of fed) {
      const delta = refAverage(x, cl, K, lr, 0).map((avg, j) => avg - x[j]);
      m = m.map((mj, j) => b1 * mj + (1 - b1) * delta[j]);
      v = v.map((vj, j) => b2 * vj + (1 - b2) * delta[j] ** 2);
      x = x.map((xj, j) => xj + (eta * m[j]) / (Math.sqrt(v[j]) + tau));
      expectClose(w, x, 1e-4);
    }
  });

  it("batched over runs [runs, d] equals runs one by one", () => {
    const starts = [w0, [1, 1, 1], [-2, 0, 0.5]];
    const mk = () => fedAdam({ clients, localLr: 0.05, localSteps: 2, clientsPerRound: 3, seed: 4 });
    const batched = rounds(mk(), starts, 10);
    starts.forEach((s0, k) => {
      const single = rounds(mk(), s0, 10);
      expectClose(batched[9].w.slice(k * d, (k + 1) * d), single[9].w, 1e-5);
    });
  });

  it("does not leak tensors across rounds", () => {
    const alg = fedProx({ clients, localSteps: 2, clientsPerRound: 2 });
    const p0 = { w: tf.tensor1d(w0) };
    disposeTree(runFederated(alg, p0, 2));
    const before = tf.memory().numTensors;
    const fin = runFederated(alg, p0, 30);
    expect(tf.memory().numTensors).toBe(before + 1);
    disposeTree([fin, p0]);
  });

  it("rejects bad input", () => {
    expect(() => fedAvg({ clients: [] })).toThrow(/non-empty array of loss functions/);
    expect(() => fedAvg({ clients, localSteps: 0 })).toThrow(/localSteps must be a positive integer/);
    expect(() => fedAvg({ clients, localLr: -1 })).toThrow(/lr = -1 .*out of range/);
    expect(() => fedAvg({ clients, localLr: NaN })).toThrow(/lr is NaN/);
    expect(() => fedAvg({ clients, clientsPerRound: 6 })).toThrow(/clientsPerRound must be an integer in \[1, 5\]/);
    expect(() => fedAvg({ clients, weights: [1, 2] })).toThrow(/weights must be 5 finite positive numbers/);
    expect(() => fedProx({ clients, mu: -1 })).toThrow(/mu must be finite and ≥ 0/);
    expect(() => fedAvg({ clients, rounds: 3 } as never)).toThrow(/unknown option "rounds"/);
    expect(() => fedAvg({ clients, mu: 0.1 } as never)).toThrow(/unknown option "mu"/);
    const bad = federated("fedAvg", { clients: [(p) => (p as { w: tf.Tensor }).w.mul(1) as tf.Scalar] });
    const p0 = { w: tf.tensor1d([1, 2]) };
    expect(() => bad.round(p0, bad.init(p0))).toThrow(/client 0's loss must return a scalar tensor/);
    disposeTree(p0);
  });
});
