/**
 * Per-example losses with reductions, as pure tfjs functions safe for second-order autodiff
 * (cross-entropy and logistic use the backend layer's stable `logSoftmax`/`logSigmoid`, whose
 * Hessian-vector products are correct; tfjs's own softmax/sigmoid cross-entropies are not).
 *
 * Shapes: predictions and targets are `[n]` or `[n, k…]`; the leading axis indexes examples. The
 * per-example loss reduces the trailing axes; `reduction` then gives `[n]` ("none"), their mean
 * ("mean", the default) or their sum ("sum").
 */
import * as tf from "@tensorflow/tfjs";
import { logSigmoid, logSoftmax } from "../autodiff/gradients";
import { checkOptions } from "../validate";

/** How per-example losses are combined. */
export type Reduction = "none" | "mean" | "sum";

/** Options shared by the losses. */
export interface LossOptions {
  /** "mean" (default): mean over examples; "sum": sum; "none": per-example `[n]`. */
  reduction?: Reduction;
}

function reduce(perExample: tf.Tensor, reduction: Reduction | undefined, what: string): tf.Tensor {
  switch (reduction ?? "mean") {
    case "none":
      return perExample;
    case "mean":
      return tf.mean(perExample);
    case "sum":
      return tf.sum(perExample);
    default:
      throw new Error(`${what}: reduction must be "none", "mean" or "sum", got ${String(reduction)}`);
  }
}

function checkTensor(x: unknown, what: string, name: string): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new Error(`${what}: ${name} must be a tensor, got ${typeof x}`);
  if (x.rank === 0) throw new Error(`${what}: ${name} must have a leading examples axis, got a scalar`);
}

function sameShape(pred: tf.Tensor, target: tf.Tensor, what: string): void {
  checkTensor(pred, what, "predictions");
  checkTensor(target, what, "targets");
  if (pred.rank !== target.rank || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`${what}: predictions [${pred.shape}] and targets [${target.shape}] must have the same shape`);
  }
}

/** Mean over all axes but the first (the identity for `[n]`). */
function perExampleMean(x: tf.Tensor): tf.Tensor {
  return x.rank === 1 ? x : tf.mean(x.reshape([x.shape[0], -1]), 1);
}

/** Sum over all axes but the first. */
function perExampleSum(x: tf.Tensor): tf.Tensor {
  return x.rank === 1 ? x : tf.sum(x.reshape([x.shape[0], -1]), 1);
}

/** Mean squared error: ℓ_i = mean_k (ŷ_ik − y_ik)². */
export function mse(pred: tf.Tensor, target: tf.Tensor, opts: LossOptions = {}): tf.Tensor {
  checkOptions("mse", opts, ["reduction"]);
  sameShape(pred, target, "mse");
  return tf.tidy(() => reduce(perExampleMean(tf.squaredDifference(pred, target)), opts.reduction, "mse"));
}

/** Mean absolute error (ℓ1): ℓ_i = mean_k |ŷ_ik − y_ik| (subgradient sign(r), 0 at r = 0). */
export function l1(pred: tf.Tensor, target: tf.Tensor, opts: LossOptions = {}): tf.Tensor {
  checkOptions("l1", opts, ["reduction"]);
  sameShape(pred, target, "l1");
  return tf.tidy(() => reduce(perExampleMean(tf.abs(tf.sub(pred, target))), opts.reduction, "l1"));
}

/**
 * Huber loss (Huber, 1964): ℓ_i = mean_k h_δ(ŷ_ik − y_ik), h_δ(r) = ½r² for |r| ≤ δ, δ(|r| − ½δ)
 * otherwise (default δ = 1). Quadratic near 0, linear (gradient clipped to ±δ) in the tails.
 */
export function huber(pred: tf.Tensor, target: tf.Tensor, opts: LossOptions & { delta?: number } = {}): tf.Tensor {
  checkOptions("huber", opts, ["reduction", "delta"]);
  sameShape(pred, target, "huber");
  const delta = opts.delta ?? 1;
  if (!(delta > 0 && Number.isFinite(delta))) throw new Error(`huber: delta must be a positive number, got ${delta}`);
  return tf.tidy(() => {
    const a = tf.abs(tf.sub(pred, target));
    // ½ min(|r|, δ)² + δ (|r| − min(|r|, δ)) equals both branches and is twice differentiable a.e.
    const m = tf.minimum(a, delta);
    const h = tf.add(tf.mul(0.5, tf.square(m)), tf.mul(delta, tf.sub(a, m)));
    return reduce(perExampleMean(h), opts.reduction, "huber");
  });
}

/**
 * Elementwise logistic loss log(1 + exp(−y z)) = −logSigmoid(y z), broadcasting y against z (e.g.
 * scores `[runs, n]` against labels `[n]`). Labels y ∈ {−1, +1}.
 */
export function logisticElementwise(scores: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(logSigmoid(tf.mul(labels, scores))));
}

/**
 * Logistic loss for labels y ∈ {−1, +1} on real scores z: ℓ_i = log(1 + exp(−y_i z_i)) =
 * −log σ(y_i z_i), computed as −logSigmoid(y z) (stable for large |z|; correct second derivative
 * σ(z)(1 − σ(z))). Multi-output `[n, k]` scores sum over k.
 */
export function logistic(scores: tf.Tensor, labels: tf.Tensor, opts: LossOptions = {}): tf.Tensor {
  checkOptions("logistic", opts, ["reduction"]);
  sameShape(scores, labels, "logistic");
  return tf.tidy(() => reduce(perExampleSum(logisticElementwise(scores, labels)), opts.reduction, "logistic"));
}

/** Hinge loss for labels y ∈ {−1, +1}: ℓ_i = max(0, 1 − y_i z_i) (SVM; zero Hessian a.e.). Multi-output sums over k. */
export function hinge(scores: tf.Tensor, labels: tf.Tensor, opts: LossOptions = {}): tf.Tensor {
  checkOptions("hinge", opts, ["reduction"]);
  sameShape(scores, labels, "hinge");
  return tf.tidy(() => reduce(perExampleSum(tf.relu(tf.sub(1, tf.mul(labels, scores)))), opts.reduction, "hinge"));
}

/**
 * Cross-entropy from logits z `[n, k]`: ℓ_i = −Σ_c y_ic log softmax(z_i)_c, with y either class
 * indices `[n]` (int32, converted to one-hot) or probabilities `[n, k]` (one-hot or soft labels).
 * Uses the stable `logSoftmax`, whose Hessian is diag(p) − ppᵀ for one-hot y.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, opts: LossOptions = {}): tf.Tensor {
  checkOptions("crossEntropy", opts, ["reduction"]);
  checkTensor(logits, "crossEntropy", "logits");
  checkTensor(labels, "crossEntropy", "labels");
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be [n, classes], got [${logits.shape}]`);
  const [n, k] = logits.shape;
  if (labels.rank === 1) {
    if (labels.shape[0] !== n) throw new Error(`crossEntropy: ${labels.shape[0]} labels for ${n} examples`);
    if (labels.dtype !== "int32")
      throw new Error(
        `crossEntropy: class-index labels must be int32 (got ${labels.dtype}); pass probabilities as [n, ${k}]`,
      );
  } else if (labels.rank !== 2 || labels.shape[0] !== n || labels.shape[1] !== k) {
    throw new Error(
      `crossEntropy: labels must be class indices [${n}] or probabilities [${n}, ${k}], got [${labels.shape}]`,
    );
  }
  return tf.tidy(() => {
    const y = labels.rank === 1 ? tf.oneHot(labels as tf.Tensor1D, k).toFloat() : labels;
    return reduce(tf.neg(tf.sum(tf.mul(y, logSoftmax(logits, -1)), 1)), opts.reduction, "crossEntropy");
  });
}

/** Fraction of examples whose arg-max logit equals the label (class indices `[n]` or one-hot `[n, k]`). Not differentiable. */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  checkTensor(logits, "accuracy", "logits");
  if (logits.rank !== 2) throw new Error(`accuracy: logits must be [n, classes], got [${logits.shape}]`);
  return tf.tidy(() => {
    const idx = labels.rank === 2 ? tf.argMax(labels, 1) : labels.toInt();
    return tf.mean(tf.equal(tf.argMax(logits, 1), idx).toFloat());
  });
}

/** Fraction of examples with sign(z_i) = y_i for labels y ∈ {−1, +1} and scores `[n]`. */
export function signAccuracy(scores: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  sameShape(scores, labels, "signAccuracy");
  return tf.tidy(() => tf.mean(tf.greater(tf.mul(scores, labels), 0).toFloat()));
}
