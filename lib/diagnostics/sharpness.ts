/**
 * Sharpness diagnostics: λ_max of the full-batch and mini-batch Hessians (Cohen et al., "Gradient
 * Descent on Neural Networks Typically Occurs at the Edge of Stability", ICLR 2021), the fraction
 * of the gradient inside the top-k Hessian eigenspace (Gur-Ari, Roberts & Dyer, "Gradient Descent
 * Happens in a Tiny Subspace", 2018), and a tracker recording them every N optimizer steps.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import type { Tree } from "../tree";
import { gradLeaves, selectLeaves, type LeafSelector, type ParamsLoss } from "./hvp";
import { dot } from "../linalg/eigen";
import { hessianOperator } from "./operator";
import { lanczos, type EigenResult, type LanczosOptions } from "./eigen";

export interface SharpnessOptions extends Omit<LanczosOptions, "k" | "which"> {
  /** Restrict to a parameter block (per-layer sharpness). */
  block?: LeafSelector;
}

/** λ_max(∇²L(θ)) by Lanczos (default tol 1e-6); returns the value, its residual and the run. */
export async function sharpness(
  lossFn: ParamsLoss,
  params: Tree,
  opts: SharpnessOptions = {},
): Promise<{ value: number; residual: number; result: EigenResult }> {
  const { block, ...lz } = opts;
  const op = hessianOperator(lossFn, params, { block });
  const result = await lanczos(op, { ...lz, k: 1, which: "largest" });
  return { value: result.values[0], residual: result.residuals[0], result };
}

/**
 * λ_max of mini-batch Hessians ∇²L_B(θ) for `numBatches` random batches of `batchSize` indices
 * drawn without replacement from [0, numExamples) (seeded), and their mean and standard deviation.
 * `lossOnBatch(params, indices)` must return the mean loss over those examples.
 */
export async function minibatchSharpness(
  lossOnBatch: (params: Tree, indices: Int32Array) => tf.Scalar,
  params: Tree,
  opts: { numExamples: number; batchSize: number; numBatches?: number; seed?: number } & SharpnessOptions,
): Promise<{ values: number[]; mean: number; std: number }> {
  const { numExamples, batchSize, numBatches = 10, seed = 0, ...sh } = opts;
  if (!Number.isInteger(numExamples) || numExamples < 1)
    throw new Error(`minibatchSharpness: numExamples must be a positive integer, got ${numExamples}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > numExamples) {
    throw new Error(`minibatchSharpness: batchSize must be an integer in [1, ${numExamples}], got ${batchSize}`);
  }
  if (!Number.isInteger(numBatches) || numBatches < 1)
    throw new Error(`minibatchSharpness: numBatches must be a positive integer, got ${numBatches}`);
  const rng = new Rng(seed);
  const values: number[] = [];
  for (let b = 0; b < numBatches; b++) {
    const idx = rng.permutation(numExamples).slice(0, batchSize);
    const { value } = await sharpness((p) => lossOnBatch(p, idx), params, { seed: seed + b, ...sh });
    values.push(value);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { values, mean, std };
}

/** Flat float64 gradient of `lossFn` at `params` (leaves selected by `block`, in `ravel` order). */
export async function flatGradient(lossFn: ParamsLoss, params: Tree, block?: LeafSelector): Promise<Float64Array> {
  const { index } = selectLeaves(params, block);
  const flat = tf.tidy(() => tf.concat(gradLeaves(lossFn, params, index).map((g) => g.reshape([-1]))));
  const d = await flat.data();
  flat.dispose();
  return Float64Array.from(d);
}

/**
 * Fraction of the gradient in the top-k Hessian eigenspace, ‖P_k g‖² / ‖g‖² = Σ_{i≤k} (v_iᵀg)² / ‖g‖²
 * with v_i the top-k eigenvectors (largest algebraic eigenvalues) by Lanczos (Gur-Ari et al. 2018).
 */
export async function gradientTopSubspaceFraction(
  lossFn: ParamsLoss,
  params: Tree,
  opts: { k?: number } & SharpnessOptions = {},
): Promise<{ fraction: number; eigenvalues: number[]; gradNorm: number }> {
  const { k = 10, block, ...lz } = opts;
  const g = await flatGradient(lossFn, params, block);
  const op = hessianOperator(lossFn, params, { block });
  const res = await lanczos(op, { ...lz, k, which: "largest" });
  const gg = dot(g, g);
  if (gg === 0) return { fraction: 0, eigenvalues: res.values, gradNorm: 0 };
  const inside = res.vectors.reduce((s, v) => s + dot(v, g) ** 2, 0);
  return { fraction: inside / gg, eigenvalues: res.values, gradNorm: Math.sqrt(gg) };
}

/** One record of `sharpnessTracker`. */
export interface SharpnessRecord {
  step: number;
  /** λ_max of the full-batch Hessian. */
  sharpness: number;
  /** Its Lanczos residual ‖Hv − λv‖. */
  residual: number;
  /** ‖P_k g‖²/‖g‖² when `topK` is set. */
  gradientFraction?: number;
  /** Top-k eigenvalues when `topK` is set. */
  topEigenvalues?: number[];
  /** Mean and std of mini-batch λ_max when `minibatch` is set. */
  minibatchMean?: number;
  minibatchStd?: number;
}

export interface SharpnessTrackerOptions extends SharpnessOptions {
  /** The full-batch loss of a parameter tree. */
  lossFn: ParamsLoss;
  /** Record at steps that are multiples of `every` (default 10; step 0 included). */
  every?: number;
  /** Also record the top-k eigenvalues and the gradient fraction inside their span. */
  topK?: number;
  /** Also record mini-batch sharpness (see `minibatchSharpness`). */
  minibatch?: {
    lossOnBatch: (params: Tree, indices: Int32Array) => tf.Scalar;
    numExamples: number;
    batchSize: number;
    numBatches?: number;
  };
}

/**
 * Records sharpness during training. `tracker.onStep` has the shape of `minimize`'s `onStep`
 * (`lib/optimizers/minimize.ts`: called with `{ step, params }`, awaited, params valid during the
 * call), so `minimize(loss, params, opt, { steps, every, onStep: tracker.onStep })` records at
 * every step that is a multiple of `every` (and that `minimize` reports). `tracker.record(step,
 * params)` does the same from a hand-written loop. Records accumulate in `tracker.records`; the
 * tracker reads the parameters and never modifies or keeps them.
 */
export function sharpnessTracker(opts: SharpnessTrackerOptions): {
  records: SharpnessRecord[];
  record: (step: number, params: Tree) => Promise<SharpnessRecord | undefined>;
  onStep: (rec: { step: number; params: Tree }) => Promise<void>;
} {
  const { lossFn, every = 10, topK, minibatch, ...sh } = opts;
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`sharpnessTracker: every must be a positive integer, got ${every}`);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1))
    throw new Error(`sharpnessTracker: topK must be a positive integer, got ${topK}`);
  const records: SharpnessRecord[] = [];
  const record = async (step: number, params: Tree): Promise<SharpnessRecord | undefined> => {
    if (step % every !== 0) return undefined;
    const { value, residual } = await sharpness(lossFn, params, sh);
    const rec: SharpnessRecord = { step, sharpness: value, residual };
    if (topK !== undefined) {
      const g = await gradientTopSubspaceFraction(lossFn, params, { ...sh, k: topK });
      rec.gradientFraction = g.fraction;
      rec.topEigenvalues = g.eigenvalues;
    }
    if (minibatch) {
      const m = await minibatchSharpness(minibatch.lossOnBatch, params, {
        ...sh,
        ...minibatch,
        seed: (sh.seed ?? 0) + step,
      });
      rec.minibatchMean = m.mean;
      rec.minibatchStd = m.std;
    }
    records.push(rec);
    return rec;
  };
  return { records, record, onStep: async ({ step, params }) => void (await record(step, params)) };
}
