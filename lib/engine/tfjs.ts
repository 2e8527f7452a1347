/**
 * The tfjs execution of a sweep: the same spec, rule and landscape objects run as batched tensor
 * code (each coordinate a [runs] tensor, one program per step, gradients by tfjs autodiff, float32).
 * It is the engine's reference path, the path for anything the engine cannot compile, and the
 * baseline the benchmarks compare against.
 *
 * Noise comes from the same per-run xoshiro128** streams as the engine (drawn on the CPU and
 * uploaded), in the same order, so both paths see identical random numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { tfOps, type Val } from "../core/ops";
import type { Noise } from "../core/rule";
import { normalFromState, uniformFromState } from "../rng";
import { fieldOf, stepWith } from "./program";
import { resolveSweep, type SweepSpec } from "./spec";
import type { SweepResult } from "./sweep";

/**
 * Runs `spec` on the tfjs path (float32, the current backend). Same result layout as `sweep`;
 * `workers`, `lanes`, `kernel` and `precision` are ignored (`kernel` reads "js").
 */
export async function sweepTfjs(spec: SweepSpec): Promise<SweepResult> {
  const r = resolveSweep({ ...spec, precision: "float64" });
  const { runs, dim, steps, landscape, rule } = r;
  const start = performance.now();
  const rs = r.rngState.slice();
  const draw = (f: (s: Uint32Array, o: number) => number) => () => {
    const a = new Float32Array(runs);
    for (let i = 0; i < runs; i++) a[i] = f(rs, 4 * i);
    return tf.tensor1d(a);
  };
  const noise: Noise<tf.Tensor> = { uniform: draw(uniformFromState), normal: draw(normalFromState) };
  const meanNoise: Noise<tf.Tensor> = { uniform: () => tf.scalar(0.5), normal: () => tf.scalar(0) };

  const hyperRun: Record<string, tf.Tensor> = {};
  for (const [name, src] of Object.entries(r.hyperSources)) {
    if (src.kind === "run" || src.kind === "runSched")
      hyperRun[name] = tf.tensor1d(Float32Array.from(r.hyperArrays[src.kind === "run" ? src.index : src.run]));
  }
  // Hyperparameters of the update at 1-based step t: schedule tables hold the value at count t − 1
  // (the count of updates done, optax's convention; see spec.ts and README.md).
  const hyperAt = (t: number): Record<string, Val<tf.Tensor>> => {
    const h: Record<string, Val<tf.Tensor>> = {};
    for (const [name, src] of Object.entries(r.hyperSources)) {
      if (src.kind === "const") h[name] = src.value;
      else if (src.kind === "run") h[name] = hyperRun[name];
      else if (src.kind === "sched") h[name] = r.schedTables[src.index][t - 1];
      else h[name] = tf.mul(hyperRun[name], r.schedTables[src.sched][t - 1]);
    }
    return h;
  };
  const col = (i: number) => tf.tensor1d(Float32Array.from({ length: runs }, (_, k) => r.x0[k * dim + i]));
  let x: tf.Tensor[] = Array.from({ length: dim }, (_, i) => col(i));
  const slots = rule.state as readonly string[];
  let state: Record<string, tf.Tensor[]> = Object.fromEntries(
    slots.map((k) => [k, x.map(() => tf.fill([runs], (rule.init as Record<string, number> | undefined)?.[k] ?? 0))]),
  );
  const lossAt = (xs: readonly tf.Tensor[], t: number) =>
    tf.tidy(() => tf.broadcastTo(landscape.value(tfOps, xs, { ...meanNoise, t }), [runs]));
  // Σ_runs f: runs are independent, so its gradient is each run's gradient. The 0·Σx term connects
  // every coordinate to the output (tf.grads throws for one f does not use); it adds 0 to each.
  const grad = (value: (z: readonly tf.Tensor[]) => tf.Tensor, z: readonly tf.Tensor[]) =>
    tf.grads((...zs: tf.Tensor[]) => tf.add(tf.sum(value(zs)), tf.mul(0, tf.addN(zs.map((q) => tf.sum(q))))))(
      z as tf.Tensor[],
    );

  let dv = tf.zeros([runs], "int32");
  let frozen: tf.Tensor[] = x.map((xi) => tf.clone(xi));
  const lossHist: tf.Tensor[] = [];
  const xHist: tf.Tensor[] = [];
  const record = (t: number) => {
    const alive = tf.tidy(() => tf.equal(dv, 0));
    lossHist.push(tf.tidy(() => tf.where(alive, lossAt(x, Math.max(t, 1)), tf.fill([runs], NaN))));
    xHist.push(
      tf.tidy(() =>
        tf.stack(
          x.map((xi) => tf.where(alive, xi, tf.fill([runs], NaN))),
          1,
        ),
      ),
    );
    alive.dispose();
  };
  const recordAt = new Set(r.recordSteps);
  if (recordAt.has(0)) record(0);
  for (let t = 1; t <= steps; t++) {
    const out = tf.tidy(() => {
      const ctx = { ...noise, t };
      const field = fieldOf(landscape, grad, tfOps, ctx);
      const res = stepWith(tfOps, landscape, rule, field, x, state, hyperAt(t), t, noise);
      const nx = res.x.map((v) => tf.broadcastTo(v, [runs]));
      const ok = nx.map((v) => tf.lessEqual(tf.abs(v), r.bound)).reduce((a, b) => tf.logicalAnd(a, b));
      const newly = tf.logicalAnd(tf.logicalNot(ok), tf.equal(dv, 0));
      const ndv = tf.where(newly, tf.fill([runs], t, "int32"), dv);
      const nfrozen = nx.map((v, i) => tf.where(newly, v, frozen[i]));
      const ns = Object.fromEntries(slots.map((k) => [k, res.state[k].map((v) => tf.broadcastTo(v, [runs]))]));
      return { nx, ns, ndv, nfrozen };
    });
    tf.dispose([x, Object.values(state), dv, frozen]);
    x = out.nx;
    state = out.ns;
    dv = out.ndv;
    frozen = out.nfrozen;
    if (recordAt.has(t)) record(t);
  }
  const finalX = tf.tidy(() => {
    const d = tf.greater(dv, 0);
    return tf.stack(
      x.map((xi, i) => tf.where(d, frozen[i], xi)),
      1,
    );
  });
  const divergedAt = new Int32Array(await dv.data());
  const fx = new Float64Array(await finalX.data());
  const xsFinal = Array.from({ length: dim }, (_, i) =>
    tf.tidy(() => tf.squeeze(tf.slice(finalX, [0, i], [runs, 1]), [1])),
  );
  const lossT = lossAt(xsFinal, steps);
  const finalLoss = new Float64Array(await lossT.data());
  // A diverged run's loss is taken at its divergence step (matters only for online landscapes).
  for (let k = 0; k < runs; k++) {
    if (divergedAt[k] > 0 && landscape.stochastic) {
      const xs = Array.from({ length: dim }, (_, i) => tf.scalar(fx[k * dim + i]));
      const l = tf.tidy(() => tf.reshape(landscape.value(tfOps, xs, { ...meanNoise, t: divergedAt[k] }), [-1]));
      finalLoss[k] = (await l.data())[0];
      tf.dispose([l, ...xs]);
    }
  }
  const result: SweepResult = {
    axes: r.axes,
    shape: r.shape,
    runs,
    steps,
    dim,
    axisValues: r.axisValues,
    hyper: r.hyperRuns,
    seed: r.seedOfRun,
    finalLoss,
    finalX: fx,
    diverged: Uint8Array.from(divergedAt, (d) => (d > 0 ? 1 : 0)),
    divergedAt,
    precision: "float32",
    kernel: "js",
    workers: 0,
    seconds: 0,
  };
  if (r.recordSteps.length) {
    const lh = tf.stack(lossHist, 1);
    const xh = tf.stack(xHist, 1);
    result.recordSteps = r.recordSteps.slice();
    result.loss = new Float64Array(await lh.data());
    result.x = new Float64Array(await xh.data());
    tf.dispose([lh, xh]);
  }
  tf.dispose([x, Object.values(state), dv, frozen, finalX, xsFinal, lossT, lossHist, xHist, Object.values(hyperRun)]);
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
