/**
 * Dense Hessians and their full eigendecomposition, for small models (d ≤ ~2000): the reference
 * every iterative method here is tested against, and the "full spectrum" users of PyHessian ask for.
 */
import type { Tree } from "../tree";
import type { LeafSelector, ParamsLoss } from "./hvp";
import { symmetricEig, type DenseMatrix, type SymmetricEig } from "../linalg/eigen";
import { denseMatrix, hessianOperator } from "./operator";

/**
 * The dense Hessian ∇²L(θ) (or its block for the leaves picked by `block`), column j = H e_j by
 * d Hessian–vector products, symmetrised (H + Hᵀ)/2. Refuses d > `maxSize` (default 2000).
 */
export async function denseHessian(
  lossFn: ParamsLoss,
  params: Tree,
  opts: { block?: LeafSelector; maxSize?: number } = {},
): Promise<DenseMatrix> {
  const op = hessianOperator(lossFn, params, { block: opts.block });
  return denseMatrix(op, { maxSize: opts.maxSize ?? 2000 });
}

/**
 * All eigenvalues (ascending) and orthonormal eigenvectors of the dense Hessian, by Householder
 * tridiagonalisation + implicit QL in float64 (`symmetricEig`).
 */
export async function hessianEigendecomposition(
  lossFn: ParamsLoss,
  params: Tree,
  opts: { block?: LeafSelector; maxSize?: number } = {},
): Promise<SymmetricEig & { hessian: DenseMatrix }> {
  const hessian = await denseHessian(lossFn, params, opts);
  return { ...symmetricEig(hessian), hessian };
}
