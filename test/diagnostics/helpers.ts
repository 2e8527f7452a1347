/**
 * Shared fixtures for the diagnostics tests: a tiny tanh MLP with softmax cross-entropy written
 * twice — in tfjs (the code under test) and in plain float64 JavaScript with an analytic gradient
 * (the reference; its Hessian is taken by central differences of that gradient).
 */
import * as tf from "@tensorflow/tfjs";
import { logSoftmax } from "../../lib/autodiff/gradients";
import { Rng } from "../../lib/rng";
import type { Tree } from "../../lib/tree";

export interface MlpFixture {
  sizes: { nIn: number; nHidden: number; nOut: number; n: number };
  /** Float64 parameters in the tree's leaf order: b1, b2, w1, w2 (keys sorted). */
  theta: Float64Array;
  X: Float64Array; // [n, nIn]
  Y: Int32Array; // labels
  params: () => Record<string, tf.Tensor>;
  xTensor: () => tf.Tensor2D;
  yOneHot: () => tf.Tensor2D;
  /** tfjs model outputs (logits) [n, nOut] for inputs x. */
  model: (p: Tree, x: tf.Tensor) => tf.Tensor;
  /** tfjs mean cross-entropy on the fixture's data. */
  loss: (p: Tree) => tf.Scalar;
  /** float64 reference loss and gradient. */
  lossRef: (theta: Float64Array) => number;
  gradRef: (theta: Float64Array) => Float64Array;
  /** float64 logits for one example (for finite-difference Jacobians). */
  logitsRef: (theta: Float64Array, x: ArrayLike<number>) => Float64Array;
  /** float64 Hessian by central differences of gradRef. */
  hessianRef: () => Float64Array;
}

export function tinyMlp(seed = 1, sizes = { nIn: 3, nHidden: 4, nOut: 3, n: 6 }, weightScale = 1.2): MlpFixture {
  const { nIn, nHidden, nOut, n } = sizes;
  const rng = new Rng(seed);
  const nb1 = nHidden,
    nb2 = nOut,
    nw1 = nIn * nHidden,
    nw2 = nHidden * nOut;
  const P = nb1 + nb2 + nw1 + nw2;
  const theta = new Float64Array(P);
  for (let i = 0; i < P; i++)
    theta[i] = rng.normal(0, i < nb1 + nb2 ? 0.3 : weightScale / Math.sqrt(i < nb1 + nb2 + nw1 ? nIn : nHidden));
  const X = rng.normalArray(n * nIn);
  const Y = Int32Array.from({ length: n }, () => rng.int(nOut));
  const off = { b1: 0, b2: nb1, w1: nb1 + nb2, w2: nb1 + nb2 + nw1 };

  const f32 = (a: Float64Array, s: number, len: number, shape: number[]) =>
    tf.tensor(Float32Array.from(a.subarray(s, s + len)), shape);
  const params = () => ({
    b1: f32(theta, off.b1, nb1, [nHidden]),
    b2: f32(theta, off.b2, nb2, [nOut]),
    w1: f32(theta, off.w1, nw1, [nIn, nHidden]),
    w2: f32(theta, off.w2, nw2, [nHidden, nOut]),
  });
  const xTensor = () => tf.tensor2d(Float32Array.from(X), [n, nIn]);
  const yOneHot = () => tf.oneHot(Array.from(Y), nOut).toFloat() as tf.Tensor2D;
  const model = (p: Tree, x: tf.Tensor) => {
    const q = p as Record<string, tf.Tensor>;
    const h = tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, q.w1 as tf.Tensor2D), q.b1));
    return tf.add(tf.matMul(h as tf.Tensor2D, q.w2 as tf.Tensor2D), q.b2);
  };
  let xs: tf.Tensor | undefined, ys: tf.Tensor | undefined;
  const loss = (p: Tree) => {
    xs ??= tf.keep(xTensor());
    ys ??= tf.keep(yOneHot());
    return tf.neg(tf.mean(tf.sum(tf.mul(ys, logSoftmax(model(p, xs))), -1))) as tf.Scalar;
  };

  const forward = (th: Float64Array, x: ArrayLike<number>) => {
    const h = new Float64Array(nHidden),
      z = new Float64Array(nOut);
    for (let j = 0; j < nHidden; j++) {
      let s = th[off.b1 + j];
      for (let i = 0; i < nIn; i++) s += x[i] * th[off.w1 + i * nHidden + j];
      h[j] = Math.tanh(s);
    }
    for (let k = 0; k < nOut; k++) {
      let s = th[off.b2 + k];
      for (let j = 0; j < nHidden; j++) s += h[j] * th[off.w2 + j * nOut + k];
      z[k] = s;
    }
    return { h, z };
  };
  const logitsRef = (th: Float64Array, x: ArrayLike<number>) => forward(th, x).z;
  const lossRef = (th: Float64Array) => {
    let L = 0;
    for (let e = 0; e < n; e++) {
      const { z } = forward(th, X.subarray(e * nIn, (e + 1) * nIn));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      L += lse - z[Y[e]];
    }
    return L / n;
  };
  const gradRef = (th: Float64Array) => {
    const g = new Float64Array(P);
    for (let e = 0; e < n; e++) {
      const x = X.subarray(e * nIn, (e + 1) * nIn);
      const { h, z } = forward(th, x);
      const m = Math.max(...z);
      const ez = z.map((v) => Math.exp(v - m));
      const sum = ez.reduce((a, b) => a + b, 0);
      const dz = ez.map((v, k) => (v / sum - (k === Y[e] ? 1 : 0)) / n);
      const dh = new Float64Array(nHidden);
      for (let k = 0; k < nOut; k++) {
        g[off.b2 + k] += dz[k];
        for (let j = 0; j < nHidden; j++) {
          g[off.w2 + j * nOut + k] += h[j] * dz[k];
          dh[j] += th[off.w2 + j * nOut + k] * dz[k];
        }
      }
      for (let j = 0; j < nHidden; j++) {
        const da = dh[j] * (1 - h[j] * h[j]);
        g[off.b1 + j] += da;
        for (let i = 0; i < nIn; i++) g[off.w1 + i * nHidden + j] += x[i] * da;
      }
    }
    return g;
  };
  const hessianRef = () => {
    const H = new Float64Array(P * P),
      eps = 1e-5;
    for (let j = 0; j < P; j++) {
      const tp = Float64Array.from(theta),
        tm = Float64Array.from(theta);
      tp[j] += eps;
      tm[j] -= eps;
      const gp = gradRef(tp),
        gm = gradRef(tm);
      for (let i = 0; i < P; i++) H[i * P + j] = (gp[i] - gm[i]) / (2 * eps);
    }
    for (let i = 0; i < P; i++)
      for (let j = i + 1; j < P; j++) {
        const m = 0.5 * (H[i * P + j] + H[j * P + i]);
        H[i * P + j] = H[j * P + i] = m;
      }
    return H;
  };
  return { sizes, theta, X, Y, params, xTensor, yOneHot, model, loss, lossRef, gradRef, logitsRef, hessianRef };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const BACKENDS = ["cpu", "wasm"] as const;
