/**
 * Linear models on a data set, batched over runs: logistic regression (e.g. on separable data) and
 * ridge regression (the inner problem of hyperparameter tuning).
 */
import * as tf from "@tensorflow/tfjs";
import { logisticElementwise } from "../losses/losses";
import { checkOptions } from "../validate";
import { solve } from "../linalg/matrix";

function checkData(x: tf.Tensor, y: tf.Tensor, what: string): { n: number; d: number } {
  if (!(x instanceof tf.Tensor) || x.rank !== 2)
    throw new Error(`${what}: x must be a [n, d] tensor, got ${x instanceof tf.Tensor ? `[${x.shape}]` : String(x)}`);
  if (!(y instanceof tf.Tensor) || y.rank !== 1 || y.shape[0] !== x.shape[0])
    throw new Error(`${what}: y must be [${x.shape[0]}], got ${y instanceof tf.Tensor ? `[${y.shape}]` : String(y)}`);
  return { n: x.shape[0] as number, d: x.shape[1] as number };
}

function checkWeights(w: tf.Tensor, d: number, what: string): void {
  if (!(w instanceof tf.Tensor) || (w.rank !== 1 && w.rank !== 2) || w.shape[w.rank - 1] !== d) {
    throw new Error(
      `${what}: weights must be [${d}] or [runs, ${d}], got ${w instanceof tf.Tensor ? `[${w.shape}]` : String(w)}`,
    );
  }
}

/** Scores x wᵀ: `[n]` for w `[d]`, `[runs, n]` for w `[runs, d]`. */
function scores(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor {
  return w.rank === 1 ? tf.matMul(x, w.reshape([-1, 1])).reshape([-1]) : tf.matMul(w, x, false, true);
}

/** Σ_k c_k x_k x_kᵀ + λI for rows x_k of the row-major n×d data X (float64). */
function gram(X: ArrayLike<number>, n: number, d: number, c: readonly number[], lambda: number): number[][] {
  const G = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < d; i++) {
      const a = c[k] * X[k * d + i];
      for (let j = 0; j < d; j++) G[i][j] += a * X[k * d + j];
    }
  }
  for (let i = 0; i < d; i++) G[i][i] += lambda;
  return G;
}

/** The data and sizes shared by the linear models. */
export interface LinearModel {
  readonly n: number;
  readonly dim: number;
  readonly x: tf.Tensor2D;
  readonly y: tf.Tensor1D;
}

/**
 * Logistic regression without intercept: L(w) = 1/n Σ_i log(1 + exp(−y_i x_iᵀw)) + (λ/2)|w|², labels
 * y ∈ {−1, +1}. w is `[d]` (scalar loss) or `[runs, d]` (losses `[runs]`). On separable data with
 * λ = 0 the infimum 0 is not attained and GD's direction tends to the max-margin separator (Soudry,
 * Hoffer, Nacson, Gunasekar & Srebro, "The Implicit Bias of Gradient Descent on Separable Data",
 * JMLR 2018); Hessian Xᵀ diag(σ(z)(1 − σ(z))) X / n + λI with z = Xw.
 */
export function logisticRegression(opts: { x: tf.Tensor2D; y: tf.Tensor1D; l2?: number }): LinearModel & {
  loss(w: tf.Tensor): tf.Tensor;
  /** Normalised margins min_i y_i x_iᵀw / |w|: scalar or `[runs]`. */
  margin(w: tf.Tensor): tf.Tensor;
  /** Closed-form Hessian Xᵀ diag(σ(z)(1 − σ(z))) X / n + λI at one w, in float64. */
  hessian(w: readonly number[]): Promise<number[][]>;
} {
  checkOptions("logisticRegression", opts, ["x", "y", "l2"]);
  const { x, y, l2 = 0 } = opts;
  const { n, d } = checkData(x, y, "logisticRegression");
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new Error(`logisticRegression: l2 must be ≥ 0, got ${l2}`);
  return {
    n,
    dim: d,
    x,
    y,
    loss(w: tf.Tensor) {
      checkWeights(w, d, "logisticRegression.loss");
      return tf.tidy(() => {
        const data = tf.mean(logisticElementwise(scores(x, w), y), -1);
        return l2 === 0 ? data : tf.add(data, tf.mul(l2 / 2, tf.sum(tf.square(w), -1)));
      });
    },
    margin(w: tf.Tensor) {
      checkWeights(w, d, "logisticRegression.margin");
      return tf.tidy(() => tf.div(tf.min(tf.mul(scores(x, w), y), -1), tf.norm(w, "euclidean", -1)));
    },
    async hessian(w: readonly number[]) {
      if (w.length !== d || w.some((v) => !Number.isFinite(v)))
        throw new Error(`logisticRegression.hessian: w must be ${d} finite numbers`);
      const X = await x.data();
      const c = Array.from({ length: n }, (_, i) => {
        let z = 0;
        for (let j = 0; j < d; j++) z += X[i * d + j] * w[j];
        const s = 1 / (1 + Math.exp(-z));
        return (s * (1 - s)) / n;
      });
      return gram(X, n, d, c, l2);
    },
  };
}

/**
 * Ridge regression L(w; λ) = 1/(2n) |Xw − y|² + (λ/2)|w|² with w `[d]` or `[runs, d]` and λ a number
 * or a `[runs]` tensor (differentiable, for hypergradients). Its minimiser
 * w*(λ) = (XᵀX/n + λI)⁻¹ Xᵀy/n is computed in float64 by `solve` (the inner problem of bilevel
 * hyperparameter tuning; Pedregosa, "Hyperparameter optimization with approximate gradient", 2016).
 */
export function ridgeRegression(opts: { x: tf.Tensor2D; y: tf.Tensor1D }): LinearModel & {
  loss(w: tf.Tensor, lambda: number | tf.Tensor): tf.Tensor;
  solve(lambda: number): Promise<number[]>;
  /** The (constant) Hessian XᵀX/n + λI, in float64. */
  hessian(lambda: number): Promise<number[][]>;
} {
  checkOptions("ridgeRegression", opts, ["x", "y"]);
  const { x, y } = opts;
  const { n, d } = checkData(x, y, "ridgeRegression");
  return {
    n,
    dim: d,
    x,
    y,
    loss(w: tf.Tensor, lambda: number | tf.Tensor) {
      checkWeights(w, d, "ridgeRegression.loss");
      if (typeof lambda === "number" && !Number.isFinite(lambda))
        throw new Error(`ridgeRegression.loss: lambda must be finite, got ${lambda}`);
      if (
        lambda instanceof tf.Tensor &&
        !(lambda.rank === 0 || (lambda.rank === 1 && w.rank === 2 && lambda.shape[0] === w.shape[0]))
      ) {
        throw new Error(
          `ridgeRegression.loss: lambda must be a number, a scalar or [runs] = [${w.rank === 2 ? w.shape[0] : 1}], got [${lambda.shape}]`,
        );
      }
      return tf.tidy(() => {
        const data = tf.mul(0.5, tf.mean(tf.squaredDifference(scores(x, w), y), -1));
        return tf.add(data, tf.mul(tf.mul(0.5, lambda), tf.sum(tf.square(w), -1)));
      });
    },
    async solve(lambda: number) {
      if (!(lambda >= 0 && Number.isFinite(lambda)))
        throw new Error(`ridgeRegression.solve: lambda must be ≥ 0, got ${lambda}`);
      const X = await x.data(),
        Y = await y.data();
      const G = gram(X, n, d, new Array(n).fill(1 / n), lambda);
      const b = Array.from({ length: d }, (_, i) => {
        let s = 0;
        for (let k = 0; k < n; k++) s += X[k * d + i] * Y[k];
        return s / n;
      });
      const w = solve(G, b);
      if (!w) throw new Error(`ridgeRegression.solve: XᵀX/n + λI is singular at λ = ${lambda}; use λ > 0`);
      return w;
    },
    async hessian(lambda: number) {
      if (!Number.isFinite(lambda)) throw new Error(`ridgeRegression.hessian: lambda must be finite, got ${lambda}`);
      return gram(await x.data(), n, d, new Array(n).fill(1 / n), lambda);
    },
  };
}
