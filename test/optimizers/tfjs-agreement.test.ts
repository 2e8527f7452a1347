/**
 * Where TensorFlow.js ships the same optimizer (tf.train.sgd, momentum, adagrad, rmsprop, adam),
 * our transform with the matching variant agrees with it step by step.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, it } from "vitest";
import { initBackend } from "../../lib/backend";
import * as O from "../../lib/optimizers";
import { Rng } from "../../lib/rng";
import { disposeTree } from "../../lib/tree";
import { expectClose, f32Normals } from "./helpers";

const SHAPES: Record<string, number[]> = { a: [3, 4], b: [5], c: [2, 1, 2] };

async function runTfjs(
  make: () => tf.Optimizer,
  p0: Record<string, Float64Array>,
  grads: Record<string, Float64Array>[],
) {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(p0))
    vars[k] = tf.variable(tf.tensor(Float32Array.from(v), SHAPES[k]), true, `agree_${k}_${Math.random()}`);
  const opt = make();
  const out: Record<string, Float64Array>[] = [];
  for (const g of grads) {
    const named: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(g)) named[vars[k].name] = tf.tensor(Float32Array.from(v), SHAPES[k]);
    opt.applyGradients(named);
    tf.dispose(Object.values(named));
    const row: Record<string, Float64Array> = {};
    for (const k of Object.keys(vars)) row[k] = Float64Array.from(await vars[k].data());
    out.push(row);
  }
  opt.dispose();
  Object.values(vars).forEach((v) => v.dispose());
  return out;
}

async function runOurs(
  opt: O.GradientTransformation,
  p0: Record<string, Float64Array>,
  grads: Record<string, Float64Array>[],
) {
  const mk = (d: Record<string, Float64Array>) => {
    const t: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(d)) t[k] = tf.tensor(Float32Array.from(v), SHAPES[k]);
    return t;
  };
  let p: O.OptState = mk(p0);
  let s = opt.init(p);
  const out: Record<string, Float64Array>[] = [];
  for (const gd of grads) {
    const g = mk(gd);
    const r = opt.update(g, s, p);
    const np = O.applyUpdates(p, r.updates) as Record<string, tf.Tensor>;
    disposeTree([g, s, r.updates, p]);
    s = r.state;
    p = np;
    const row: Record<string, Float64Array> = {};
    for (const k of Object.keys(np)) row[k] = Float64Array.from(await np[k].data());
    out.push(row);
  }
  disposeTree([p, s]);
  return out;
}

describe("agreement with tf.train optimizers", () => {
  let eps = 1e-7;
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
    eps = tf.backend().epsilon();
  });

  const cases: [string, () => tf.Optimizer, () => O.GradientTransformation][] = [
    ["sgd", () => tf.train.sgd(0.05), () => O.sgd({ lr: 0.05 })],
    ["momentum", () => tf.train.momentum(0.02, 0.9), () => O.heavyBall({ lr: 0.02, momentum: 0.9 })],
    ["nesterov", () => tf.train.momentum(0.02, 0.8, true), () => O.nesterov({ lr: 0.02, momentum: 0.8 })],
    [
      "adagrad",
      () => tf.train.adagrad(0.1, 0.1),
      () => O.adagrad({ lr: 0.1, eps, epsPlacement: "inside", initialAccumulator: 0.1 }),
    ],
    [
      "rmsprop",
      () => tf.train.rmsprop(0.01, 0.9, 0, 1e-6),
      () => O.rmsprop({ lr: 0.01, decay: 0.9, eps: 1e-6, epsPlacement: "inside" }),
    ],
    // tfjs 4.22's centered RMSProp computes √(v − (m² + ε)) — ε subtracted, unlike TensorFlow's
    // √(v − m² + ε) — so the centered case is compared with an ε too small to matter.
    [
      "rmsprop centered with momentum",
      () => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-12, true),
      () => O.rmsprop({ lr: 0.01, decay: 0.8, momentum: 0.5, eps: 1e-12, epsPlacement: "inside", centered: true }),
    ],
    ["adam", () => tf.train.adam(0.03, 0.8, 0.95, 1e-6), () => O.adam({ lr: 0.03, b1: 0.8, b2: 0.95, eps: 1e-6 })],
  ];

  it.each(cases)("%s agrees over 25 steps", async (name, theirs, ours) => {
    const rng = new Rng(42);
    const p0: Record<string, Float64Array> = {};
    for (const [k, s] of Object.entries(SHAPES))
      p0[k] = f32Normals(
        rng,
        s.reduce((a, b) => a * b, 1),
      );
    const grads = Array.from({ length: 25 }, () => {
      const g: Record<string, Float64Array> = {};
      for (const [k, s] of Object.entries(SHAPES))
        g[k] = f32Normals(
          rng,
          s.reduce((a, b) => a * b, 1),
        );
      return g;
    });
    const a = await runTfjs(theirs, p0, grads);
    const b = await runOurs(ours(), p0, grads);
    for (let t = 0; t < grads.length; t++) {
      for (const k of Object.keys(SHAPES)) expectClose(b[t][k], a[t][k], 1e-4, 1e-5, `${name}, ${k}, step ${t + 1}`);
    }
  });
});
