/**
 * Low-rank matrix sensing with Gaussian measurements, as a tfjs model over factor parameters,
 * batched over a leading runs axis.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import type { Tree } from "../tree";
import { checkOptions } from "../validate";
import { assertInt } from "./checks";
import { randomOrthogonal } from "../linalg/matrix";

/** Options of `matrixSensing`. */
export interface MatrixSensingOptions {
  /** Rows of M* (and columns for the symmetric problem). */
  n: number;
  /** Columns of M* for the asymmetric problem (default n). */
  n2?: number;
  /** Rank r of M*. */
  rank: number;
  /** Rank k ≥ r of the factors (k > r: over-parameterised). Default r. */
  modelRank?: number;
  /** Number of measurements m. */
  measurements: number;
  /** PSD M* = X*X*ᵀ with symmetric measurements (default), or a general M* = F*G*ᵀ (n×n2). */
  symmetric?: boolean;
  /**
   * Factorisation of the model: "XX^T" (params {X}) or "FG^T" (params {F, G}). Default: "XX^T" for
   * the symmetric problem, "FG^T" otherwise. "FG^T" on the symmetric problem is the asymmetric
   * parameterisation of a PSD target (Xiong et al.: linear instead of sublinear convergence).
   */
  factorization?: "XX^T" | "FG^T";
  /** Condition number κ of M*: its non-zero singular values are geometric from 1 to 1/κ. Default 1. */
  condition?: number;
  /** Fraction of measurements corrupted by gross outliers (default 0). */
  outlierFraction?: number;
  /** Standard deviation of the outliers added to corrupted measurements (default 10). */
  outlierScale?: number;
  /** "l2": 1/(2m) Σ r_i² (default); "l1": 1/m Σ |r_i| (robust, for sub-gradient methods). */
  loss?: "l2" | "l1";
  seed?: number;
}

/** A matrix-sensing problem: data, ground truth, and losses of factor parameters. */
export interface MatrixSensing {
  readonly symmetric: boolean;
  readonly factorization: "XX^T" | "FG^T";
  readonly n: number;
  readonly n2: number;
  readonly rank: number;
  readonly modelRank: number;
  readonly measurements: number;
  /** M* as float64 rows. */
  readonly target: number[][];
  /** Which measurements carry an outlier. */
  readonly outlierMask: boolean[];
  /** Measurement matrices, flattened: `[m, n·n2]` (symmetric for the symmetric problem). */
  readonly A: tf.Tensor2D;
  /** Observations y_i = ⟨A_i, M*⟩ (+ outlier) `[m]`. */
  readonly y: tf.Tensor1D;
  /** Loss of factors `{X}` (XXᵀ) or `{F, G}` (FGᵀ): each `[n, k]` (a scalar loss) or `[runs, n, k]` (losses `[runs]`). */
  loss(params: Tree): tf.Tensor;
  /** Residuals ⟨A_i, M(params)⟩ − y_i: `[m]` or `[runs, m]`. */
  residuals(params: Tree): tf.Tensor;
  /** Relative recovery error ‖M(params) − M*‖_F / ‖M*‖_F: scalar or `[runs]`. */
  recoveryError(params: Tree): tf.Tensor;
  /** The product M = XXᵀ or FGᵀ: `[n, n2]` or `[runs, n, n2]`. */
  product(params: Tree): tf.Tensor;
  /** Factors of M* padded with k − r zero columns (a global minimiser of the clean problem). */
  groundTruth(): Tree;
  /** Random initialisation with entries scale·N(0, 1) (default scale 1e-3: small initialisation), optionally `[runs, n, k]`. */
  init(seed: number, opts?: { scale?: number; runs?: number }): Tree;
  dispose(): void;
}

/**
 * Matrix sensing: recover a rank-r M* from m linear measurements y_i = ⟨A_i, M*⟩ with Gaussian A_i
 * (i.i.d. N(0, 1) entries; symmetrised (B + Bᵀ)/2 for the symmetric problem), by minimising over
 * factors f(X) = 1/(2m) Σ (⟨A_i, XXᵀ⟩ − y_i)² (or FGᵀ; or the ℓ1 loss 1/m Σ |·| with gross outliers
 * on a `outlierFraction` of the y_i).
 * Settings of Xiong, Ding & Du, "How Over-Parameterization Slows Down Gradient Descent in Matrix
 * Sensing: The Curses of Symmetry and Initialization" (ICLR 2024: symmetric XXᵀ vs asymmetric FGᵀ,
 * exact k = r vs over-parameterised k > r, initialisation scale), and Ma & Fattahi, "Global
 * Convergence of Sub-gradient Method for Robust Matrix Recovery: Small Initialization, Noisy
 * Measurements, and Over-parameterization" (JMLR 2023: ℓ1 loss with gross outliers).
 * M*'s factors are U diag(√σ) (V diag(√σ)) with Haar-random orthonormal U, V.
 */
export function matrixSensing(opts: MatrixSensingOptions): MatrixSensing {
  checkOptions("matrixSensing", opts, [
    "n",
    "n2",
    "rank",
    "modelRank",
    "measurements",
    "symmetric",
    "factorization",
    "condition",
    "outlierFraction",
    "outlierScale",
    "loss",
    "seed",
  ]);
  const {
    n,
    rank,
    measurements: m,
    symmetric = true,
    condition = 1,
    outlierFraction = 0,
    outlierScale = 10,
    loss = "l2",
  } = opts;
  const n2 = symmetric ? n : (opts.n2 ?? n);
  const factorization = opts.factorization ?? (symmetric ? "XX^T" : "FG^T");
  if (factorization !== "XX^T" && factorization !== "FG^T")
    throw new Error(`matrixSensing: factorization must be "XX^T" or "FG^T", got ${String(factorization)}`);
  if (factorization === "XX^T" && !symmetric)
    throw new Error("matrixSensing: the XX^T factorisation needs the symmetric problem (symmetric: true)");
  const xxt = factorization === "XX^T";
  const k = opts.modelRank ?? rank;
  const seed = opts.seed ?? 0;
  assertInt(n, "matrixSensing: n");
  assertInt(n2, "matrixSensing: n2");
  assertInt(rank, "matrixSensing: rank");
  assertInt(m, "matrixSensing: measurements");
  assertInt(k, "matrixSensing: modelRank");
  if (!Number.isInteger(seed)) throw new Error(`matrixSensing: seed must be an integer, got ${seed}`);
  if (rank > Math.min(n, n2)) throw new Error(`matrixSensing: rank ${rank} exceeds the matrix size ${n}×${n2}`);
  if (k < rank) throw new Error(`matrixSensing: modelRank ${k} is below the true rank ${rank}`);
  if (!(condition >= 1)) throw new Error(`matrixSensing: condition must be ≥ 1, got ${condition}`);
  if (!(outlierFraction >= 0 && outlierFraction < 1))
    throw new Error(`matrixSensing: outlierFraction must be in [0, 1), got ${outlierFraction}`);
  if (!(outlierScale >= 0)) throw new Error(`matrixSensing: outlierScale must be ≥ 0, got ${outlierScale}`);
  if (loss !== "l2" && loss !== "l1") throw new Error(`matrixSensing: loss must be "l2" or "l1", got ${String(loss)}`);

  const rng = new Rng(seed);
  const sig = Array.from({ length: rank }, (_, i) => (rank === 1 ? 1 : condition ** (-i / (rank - 1))));
  const U = randomOrthogonal(n, rng.nextU32()).map((row) => row.slice(0, rank).map((u, j) => u * Math.sqrt(sig[j])));
  const V = symmetric
    ? U
    : randomOrthogonal(n2, rng.nextU32()).map((row) => row.slice(0, rank).map((v, j) => v * Math.sqrt(sig[j])));
  const target = U.map((ui) => V.map((vj) => ui.reduce((s, u, p) => s + u * vj[p], 0)));
  const d = n * n2;
  const Aflat = new Float32Array(m * d);
  const yv = new Float32Array(m);
  const outlierMask: boolean[] = [];
  for (let i = 0; i < m; i++) {
    const off = i * d;
    for (let p = 0; p < d; p++) Aflat[off + p] = rng.normal();
    if (symmetric) {
      for (let a = 0; a < n; a++)
        for (let b = a + 1; b < n; b++) {
          const s = 0.5 * (Aflat[off + a * n + b] + Aflat[off + b * n + a]);
          Aflat[off + a * n + b] = s;
          Aflat[off + b * n + a] = s;
        }
    }
    let v = 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n2; b++) v += Aflat[off + a * n2 + b] * target[a][b];
    const bad = rng.uniform() < outlierFraction;
    outlierMask.push(bad);
    yv[i] = v + (bad ? outlierScale * rng.normal() : 0);
  }
  const A = tf.tensor2d(Aflat, [m, d]);
  const y = tf.tensor1d(yv);
  const targetT = tf.tensor2d(target);
  const targetNorm = Math.sqrt(target.flat().reduce((s, v) => s + v * v, 0));

  const factors = (params: Tree): { L: tf.Tensor; R: tf.Tensor } => {
    const p = params as Record<string, tf.Tensor>;
    const check = (t: unknown, name: string, rows: number) => {
      if (
        !(t instanceof tf.Tensor) ||
        (t.rank !== 2 && t.rank !== 3) ||
        t.shape[t.rank - 2] !== rows ||
        t.shape[t.rank - 1] !== k
      ) {
        throw new Error(
          `matrixSensing: ${name} must be [${rows}, ${k}] or [runs, ${rows}, ${k}], got ${t instanceof tf.Tensor ? `[${t.shape}]` : String(t)}`,
        );
      }
      return t;
    };
    if (xxt) {
      const X = check(p?.X, "params.X", n);
      return { L: X, R: X };
    }
    const F = check(p?.F, "params.F", n),
      G = check(p?.G, "params.G", n2);
    if (F.rank !== G.rank || (F.rank === 3 && F.shape[0] !== G.shape[0]))
      throw new Error(`matrixSensing: F [${F.shape}] and G [${G.shape}] must have the same runs axis`);
    return { L: F, R: G };
  };
  const product = (params: Tree) =>
    tf.tidy(() => {
      const { L, R } = factors(params);
      return tf.matMul(L, R, false, true);
    });
  const residuals = (params: Tree) =>
    tf.tidy(() => {
      const M = product(params);
      const flat = M.rank === 2 ? M.reshape([1, d]) : M.reshape([M.shape[0], d]);
      const r = tf.sub(tf.matMul(flat, A, false, true), y); // [runs, m]
      return M.rank === 2 ? r.reshape([m]) : r;
    });
  return {
    symmetric,
    factorization,
    n,
    n2,
    rank,
    modelRank: k,
    measurements: m,
    target,
    outlierMask,
    A,
    y,
    residuals,
    product,
    loss(params: Tree) {
      return tf.tidy(() => {
        const r = residuals(params);
        const axis = r.rank - 1;
        return loss === "l2" ? tf.mul(0.5, tf.mean(tf.square(r), axis)) : tf.mean(tf.abs(r), axis);
      });
    },
    recoveryError(params: Tree) {
      return tf.tidy(() => {
        const D = tf.sub(product(params), targetT);
        const axes = D.rank === 2 ? [0, 1] : [1, 2];
        return tf.div(tf.sqrt(tf.sum(tf.square(D), axes)), targetNorm);
      });
    },
    groundTruth(): Tree {
      const pad = (F: number[][]) => tf.tensor2d(F.map((row) => [...row, ...new Array(k - rank).fill(0)]));
      if (xxt) return { X: pad(U) };
      return { F: pad(U), G: pad(V) };
    },
    init(seed0: number, o: { scale?: number; runs?: number } = {}): Tree {
      const { scale = 1e-3, runs } = o;
      if (runs !== undefined) assertInt(runs, "matrixSensing.init: runs");
      const r = new Rng(seed0);
      const shape = (rows: number) => (runs === undefined ? [rows, k] : [runs, rows, k]);
      if (xxt) return { X: r.normalTensor(shape(n), 0, scale) };
      return { F: r.normalTensor(shape(n), 0, scale), G: r.normalTensor(shape(n2), 0, scale) };
    },
    dispose: () => tf.dispose([A, y, targetT]),
  };
}
