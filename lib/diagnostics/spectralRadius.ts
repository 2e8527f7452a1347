/**
 * Spectral radius of an iteration map z_{t+1} = T(z_t) (e.g. one step of gradient descent–ascent,
 * extragradient or momentum on a game), from its Jacobian ∂T/∂z computed by autodiff.
 *
 * For a linear map T(z) = M z the Jacobian is M and ρ(M) < 1 ⇔ the iteration converges from every
 * start; for a nonlinear map, ρ(∂T(z*)/∂z) at a fixed point z* governs local convergence
 * (Ostrowski's theorem; Gidel et al., "Negative Momentum for Improved Game Dynamics", AISTATS 2019;
 * Lorraine et al., "Complex Momentum for Optimization in Games", AISTATS 2022).
 */
import * as tf from "@tensorflow/tfjs";
import { leaves, unflatten, type Tree } from "../tree";
import { generalEigenvalues, type DenseMatrix, type GeneralEigenvalues } from "../linalg/eigen";

/** One step of an iteration: a parameter tree to a tree of the same structure and shapes. */
export type IterationMap = (z: Tree) => Tree;

/**
 * The Jacobian ∂T(z)/∂z as a dense float64 matrix (row i = ∇ of output coordinate i, in the
 * tree's `ravel` order), by one vjp per output coordinate. For small maps (d ≤ a few thousand).
 *
 * Pitfall (tfjs): if `step` itself takes gradients (a game's field by `tf.grads`) at blocks where
 * one block was computed from another inside the step (alternating updates), take those inner
 * gradients with respect to `tf.clone`s of the blocks; otherwise tfjs' tape also differentiates
 * through the op linking them and the Jacobian is wrong (the values are right).
 */
export async function iterationJacobian(
  step: IterationMap,
  z: Tree,
  opts: { maxSize?: number } = {},
): Promise<DenseMatrix> {
  const zl = leaves(z).map((l) => l.leaf);
  const sizes = zl.map((t) => t.size);
  const d = sizes.reduce((a, b) => a + b, 0);
  const maxSize = opts.maxSize ?? 4000;
  if (d > maxSize) throw new Error(`iterationJacobian: map of dimension ${d} exceeds maxSize ${maxSize}`);
  const flatOut = (...ys: tf.Tensor[]) => {
    const out = step(unflatten(z, ys));
    const ol = leaves(out);
    if (ol.length !== zl.length || ol.some((l, i) => l.leaf.size !== sizes[i])) {
      throw new Error(
        `iterationJacobian: the step must return a tree shaped like its input (sizes [${sizes}]), got [${ol.map((l) => l.leaf.size)}]`,
      );
    }
    return tf.concat(ol.map((l) => l.leaf.reshape([-1])));
  };
  const data = new Float64Array(d * d);
  // Rows in chunks so no more than a few hundred gradient tensors are alive at once.
  for (let i = 0; i < d; i++) {
    const row = tf.tidy(() => {
      const dy = tf.oneHot([i], d).reshape([d]).toFloat();
      const g = tf.grads(flatOut)(zl, dy);
      return tf.concat(g.map((t) => t.reshape([-1])));
    });
    const r = await row.data();
    row.dispose();
    for (let j = 0; j < d; j++) data[i * d + j] = r[j];
  }
  return { n: d, data };
}

export interface SpectralRadiusResult {
  /** ρ = max_j |μ_j|. */
  radius: number;
  /** All eigenvalues μ_j of the Jacobian. */
  eigenvalues: GeneralEigenvalues;
  /** The Jacobian itself (d×d). */
  jacobian: DenseMatrix;
}

/**
 * ρ(∂T/∂z) at `z`: the Jacobian by autodiff (`iterationJacobian`), then all its eigenvalues by
 * Hessenberg reduction and shifted QR (`generalEigenvalues`).
 */
export async function spectralRadius(
  step: IterationMap,
  z: Tree,
  opts: { maxSize?: number } = {},
): Promise<SpectralRadiusResult> {
  const jacobian = await iterationJacobian(step, z, opts);
  const eigenvalues = generalEigenvalues(jacobian);
  let radius = 0;
  for (let i = 0; i < eigenvalues.re.length; i++)
    radius = Math.max(radius, Math.hypot(eigenvalues.re[i], eigenvalues.im[i]));
  return { radius, eigenvalues, jacobian };
}
