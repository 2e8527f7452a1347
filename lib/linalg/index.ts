/**
 * Dense float64 linear algebra on the host (lib/linalg): symmetric and general eigenproblems,
 * spectral radius of a matrix, orthonormal bases (eigen.ts); identity, products, random rotations,
 * Gaussian-elimination and Cholesky solves (matrix.ts). The small vector helpers (dot, axpy, …)
 * stay internal to keep the top-level namespace clean; lib/ modules import them from ./eigen.
 */
export {
  symmetricEig,
  tridiagonalEig,
  generalEigenvalues,
  spectralRadiusOfMatrix,
  fromEigen,
  toDense,
  orthonormalBasis,
  type DenseMatrix,
  type SymmetricEig,
  type GeneralEigenvalues,
} from "./eigen";
export { randomOrthogonal, choleskySolve } from "./matrix";
