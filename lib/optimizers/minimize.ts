/**
 * A small training loop: runs an optimizer on a loss for a fixed number of steps, records the loss
 * history into plain arrays, frees every tensor it makes, and handles batches of runs — params of
 * shape `[runs, …]` with a loss of shape `[runs]` — stopping (freezing) each run that goes
 * non-finite while the others continue.
 */
import * as tf from "@tensorflow/tfjs";
import { disposeTree, flatten, leaves, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
import type { GradientTransformation } from "./transform";

export interface MinimizeRecord {
  /** Number of updates applied before this loss was measured (0 = the initial point). */
  step: number;
  /** Loss per run at this step (NaN for a run that has diverged). */
  losses: number[];
  /** The current parameters; valid only during the callback (they are disposed afterwards). */
  params: Tree;
}

export interface MinimizeOptions {
  /** Number of optimizer updates. */
  steps: number;
  /** Record the loss every `every` updates (plus the initial and final points). Default 1. */
  every?: number;
  /** Called at every record (awaited if it returns a promise). */
  onStep?: (record: MinimizeRecord) => void | Promise<void>;
  /** Print a progress line at most this often, in seconds (0 disables). Default 5. */
  progressSeconds?: number;
  /** Where progress lines go. Default `console.error` (stderr). */
  log?: (line: string) => void;
}

export interface MinimizeResult {
  /** Final parameters (owned by the caller: dispose them). A diverged run keeps its last finite value. */
  params: Tree;
  /** `losses[k][r]`: loss of run r at record k (NaN once the run has diverged). */
  losses: number[][];
  /** `steps[k]`: updates applied before record k. */
  steps: number[];
  /** Per run: did the loss, gradient or next iterate become non-finite? */
  diverged: boolean[];
  /** Per run: the step whose loss/gradient/update was non-finite (the run was frozen there), or null. */
  divergedAt: (number | null)[];
  /** Number of runs (1 for a scalar loss). */
  runs: number;
  /** Updates actually run (fewer than `steps` when every run diverged). */
  stepsDone: number;
}

/**
 * Minimises `lossFn` from `params` with `optimizer`:
 * for t = 0, …, steps − 1: (L_t, g_t) = (L(θ_t), ∇Σ_r L_r(θ_t)); (u, s) = update(g_t, s, θ_t);
 * θ_{t+1} = θ_t + u. `lossFn` returns a scalar (one run) or a `[runs]` vector (a batch of
 * independent runs sharing the leading axis of every parameter leaf; its sum is differentiated).
 * A run whose loss, gradient or next iterate is non-finite is marked diverged at that step: its
 * gradient is zeroed and its parameters frozen at their last finite value; the others continue, and
 * the loop stops early when every run has diverged. `params` is not modified or disposed.
 */
export async function minimize(
  lossFn: (params: Tree) => tf.Tensor,
  params: Tree,
  optimizer: GradientTransformation,
  options: MinimizeOptions,
): Promise<MinimizeResult> {
  checkOptions("minimize", options, ["steps", "every", "onStep", "progressSeconds", "log"]);
  const { steps, every = 1, onStep, progressSeconds = 5, log = (l: string) => console.error(l) } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`minimize: steps must be an integer ≥ 0, got ${steps}`);
  if (!Number.isInteger(every) || every < 1) throw new Error(`minimize: every must be an integer ≥ 1, got ${every}`);
  if (typeof lossFn !== "function") throw new Error("minimize: lossFn must be a function of the parameters");

  const structure = leaves(params);
  let p: Tree = unflatten(
    params,
    structure.map(({ leaf }) => leaf.clone()),
  );
  let state: unknown;
  let runs = -1; // fixed by the first loss: 0 for a scalar loss, else the batch size
  let alive: boolean[] = [];
  let divergedAt: (number | null)[] = [];
  let mask: tf.Tensor | undefined; // 1/0 per run, only once some run has diverged

  const losses: number[][] = [];
  const recordedSteps: number[] = [];
  const t0 = Date.now();
  let lastLog = t0;
  let stepsDone = 0;

  const lossAndGrads = (x: Tree) =>
    tf.tidy(() => {
      const f = (...xs: tf.Tensor[]) => lossFn(unflatten(x, xs));
      try {
        return tf.valueAndGrads(f)(flatten(x));
      } catch (e) {
        if (/Cannot compute gradient/.test(String((e as Error)?.message))) {
          throw new Error(
            `minimize: the loss does not depend (differentiably) on every parameter leaf [${structure.map((l) => l.path).join(", ")}]; ${(e as Error).message}`,
            { cause: e },
          );
        }
        throw e;
      }
    });

  const record = async (t: number, value: tf.Tensor, aliveBefore: boolean[]) => {
    const lv = await value.data();
    const row = Array.from(lv, (v, i) => (aliveBefore[i] ? v : NaN));
    losses.push(row);
    recordedSteps.push(t);
    if (onStep) await onStep({ step: t, losses: row, params: p });
    if (progressSeconds > 0 && Date.now() - lastLog > progressSeconds * 1000) {
      lastLog = Date.now();
      log(progressLine(optimizer.name, t, steps, (Date.now() - t0) / 1000, row));
    }
  };

  try {
    state = optimizer.init(p);
    for (let t = 0; t <= steps; t++) {
      if (t === steps) {
        // Final point: the loss only.
        const value = tf.tidy(() => lossFn(p));
        if (runs < 0) runs = checkLossShape(value, structure);
        if (alive.length === 0) alive = new Array(Math.max(runs, 1)).fill(true);
        if (divergedAt.length === 0) divergedAt = new Array(Math.max(runs, 1)).fill(null);
        const before = alive.slice();
        const fin = Array.from(await readAndDispose(finiteFlags(value, [], runs)));
        fin.forEach((f, r) => {
          if (f || !alive[r]) return;
          alive[r] = false;
          divergedAt[r] = t;
        });
        await record(t, value, before);
        value.dispose();
        break;
      }
      const { value, grads } = lossAndGrads(p);
      if (runs < 0) {
        runs = checkLossShape(value, structure);
        alive = new Array(Math.max(runs, 1)).fill(true);
        divergedAt = new Array(Math.max(runs, 1)).fill(null);
      }
      // Dead runs get a zero gradient (where, not multiply: their gradient may be NaN).
      const g = mask
        ? grads.map((x) =>
            tf.tidy(() => tf.where(tf.broadcastTo(tf.greater(along(mask!, x, runs), 0), x.shape), x, tf.zerosLike(x))),
          )
        : grads;
      if (mask) tf.dispose(grads);
      const gTree = unflatten(p, g);
      const r = optimizer.update(gTree, state, p);
      disposeTree(gTree);
      disposeTree(state);
      state = r.state;
      const ps = flatten(p),
        us = flatten(r.updates);
      const cand = tf.tidy(() => ps.map((x, i) => tf.add(x, us[i])));
      disposeTree(r.updates);
      // A run stops when its loss here or its next iterate is non-finite.
      const fin = Array.from(await readAndDispose(finiteFlags(value, cand, runs)));
      const before = alive.slice();
      let changed = false;
      fin.forEach((f, k) => {
        if (!f && alive[k]) {
          alive[k] = false;
          divergedAt[k] = t;
          changed = true;
        }
      });
      if (t % every === 0) await record(t, value, before);
      value.dispose();
      if (changed) {
        mask?.dispose();
        mask = runs === 0 ? tf.scalar(alive[0] ? 1 : 0) : tf.tensor1d(alive.map((a) => (a ? 1 : 0)));
      }
      let next = cand;
      if (mask) {
        next = tf.tidy(() =>
          cand.map((c, i) => tf.where(tf.broadcastTo(tf.greater(along(mask!, c, runs), 0), c.shape), c, ps[i])),
        );
        tf.dispose(cand);
      }
      disposeTree(p);
      p = unflatten(p, next);
      stepsDone = t + 1;
      if (!alive.some((a) => a)) {
        // Every run diverged: record where they stopped and end.
        const v = tf.tidy(() => lossFn(p));
        await record(t + 1, v, alive);
        v.dispose();
        break;
      }
    }
    disposeTree(state);
    mask?.dispose();
    return {
      params: p,
      losses,
      steps: recordedSteps,
      diverged: alive.map((a) => !a),
      divergedAt,
      runs: Math.max(runs, 1),
      stepsDone,
    };
  } catch (e) {
    disposeTree([p, state]);
    mask?.dispose();
    throw e;
  }
}

/** 0 for a scalar loss; the number of runs for a `[runs]` loss (checked against every leaf). */
function checkLossShape(value: tf.Tensor, structure: { path: string; leaf: tf.Tensor }[]): number {
  if (value.rank === 0) return 0;
  if (value.rank !== 1) {
    throw new Error(`minimize: lossFn must return a scalar or a [runs] vector, got shape [${value.shape}]`);
  }
  const runs = value.shape[0];
  for (const { path, leaf } of structure) {
    if (leaf.rank === 0 || leaf.shape[0] !== runs) {
      throw new Error(
        `minimize: the loss has ${runs} runs but parameter ${path} has shape [${leaf.shape}]; every leaf needs the leading runs axis`,
      );
    }
  }
  return runs;
}

/**
 * Per run (or one flag for a scalar loss): 1 if the loss and every entry of the run's slice of the
 * tensors `xs` are finite. x·0 is 0 for finite x and NaN otherwise, so one sum tells.
 */
function finiteFlags(loss: tf.Tensor, xs: tf.Tensor[], runs: number): tf.Tensor {
  return tf.tidy(() => {
    let acc = tf.mul(loss, 0);
    for (const x of xs) {
      const z = tf.mul(x, 0);
      acc = tf.add(
        acc,
        runs === 0 || x.rank <= 1 ? (runs === 0 ? tf.sum(z) : z) : tf.sum(z, x.shape.map((_, i) => i).slice(1)),
      );
    }
    return tf.equal(acc, 0);
  });
}

async function readAndDispose(t: tf.Tensor): Promise<ArrayLike<number>> {
  try {
    return (await t.data()) as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}

/** A per-run flag vector reshaped to broadcast against `x` `[runs, …]`. */
function along(flag: tf.Tensor, x: tf.Tensor, runs: number): tf.Tensor {
  if (runs === 0) return flag;
  return flag.reshape([runs, ...new Array(Math.max(x.rank - 1, 0)).fill(1)]);
}

function progressLine(name: string, t: number, steps: number, seconds: number, last: number[]): string {
  const finite = last.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const med = finite.length ? finite[Math.floor(finite.length / 2)] : NaN;
  const div = last.length - finite.length;
  return `minimize(${name}): step ${t}/${steps} (${((100 * t) / Math.max(steps, 1)).toFixed(0)}%), ${seconds.toFixed(1)} s, loss median ${med.toPrecision(4)}${last.length > 1 ? ` over ${last.length} runs` : ""}${div ? `, ${div} diverged` : ""}`;
}
