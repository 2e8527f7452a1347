/**
 * Extreme eigenpairs of a curvature operator: Lanczos with full reorthogonalisation and power
 * iteration with deflation. Krylov vectors live on the host in Float64Array, so orthogonality is
 * kept in float64 even though the products run in float32 on the backend.
 */
import { Rng } from "../rng";
import { axpy, dot, norm2, orthogonalize, scale, tridiagonalEig } from "../linalg/eigen";
import type { CurvatureOperator } from "./operator";

/** Top-k eigenpairs with their quality. */
export interface EigenResult {
  /** Eigenvalues in the order asked for (`largest`: descending; `smallest`: ascending; `magnitude`: descending |λ|). */
  values: number[];
  /** Unit eigenvectors (float64), `vectors[i]` ↔ `values[i]`. */
  vectors: Float64Array[];
  /** ‖A v_i − λ_i v_i‖ computed with one extra product per pair (or Lanczos' estimate if `residuals: "estimate"`). */
  residuals: number[];
  /** Whether every pair met the tolerance. */
  converged: boolean;
  /** Lanczos steps or power iterations (summed over pairs) performed. */
  iterations: number;
  /** Operator products used, including those for the residuals. */
  matvecs: number;
}

export type EigenWhich = "largest" | "smallest" | "magnitude";

export interface LanczosOptions {
  /** Number of eigenpairs (default 1). */
  k?: number;
  /** EigenWhich end of the spectrum (default "largest", algebraically — the sharpness). */
  which?: EigenWhich;
  /**
   * Stop when every wanted Ritz pair has Lanczos residual estimate |β_m s_{m,i}| ≤ tol · max_j |θ_j|
   * (default 1e-6). Set 0 to always run `maxIter` steps.
   */
  tol?: number;
  /** Maximum Lanczos steps = Krylov dimension (default min(size, max(100, 4k))). */
  maxIter?: number;
  /** Seed of the random start vector (default 0). */
  seed?: number;
  /** Start vector instead of a random one. */
  start?: Float64Array;
  /** "exact" (default): one extra product per pair for ‖Av − λv‖; "estimate": Lanczos' |β_m s_{m,i}|. */
  residuals?: "exact" | "estimate";
}

function pick(values: Float64Array, k: number, which: EigenWhich): number[] {
  const idx = Array.from(values, (_, i) => i);
  if (which === "largest") idx.sort((a, b) => values[b] - values[a]);
  else if (which === "smallest") idx.sort((a, b) => values[a] - values[b]);
  else idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  return idx.slice(0, k);
}

function checkWhich(which: string): EigenWhich {
  if (which !== "largest" && which !== "smallest" && which !== "magnitude") {
    throw new Error(`which must be "largest", "smallest" or "magnitude", got ${JSON.stringify(which)}`);
  }
  return which;
}

function randomUnit(n: number, rng: Rng, against: readonly Float64Array[] = []): Float64Array {
  for (let attempt = 0; attempt < 10; attempt++) {
    const v = rng.normalArray(n);
    orthogonalize(v, against);
    const nv = norm2(v);
    if (nv > 1e-8) {
      scale(1 / nv, v);
      return v;
    }
  }
  throw new Error("could not draw a vector outside the current subspace");
}

function checkFiniteVec(v: Float64Array, who: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]))
      throw new Error(`${who}: the operator returned ${v[i]} at entry ${i} (NaN/Inf in the loss or its curvature?)`);
  }
}

/** Ritz decomposition of a Lanczos run: alpha/beta of T and the orthonormal basis. */
export interface LanczosRun {
  alpha: number[];
  beta: number[];
  basis: Float64Array[];
  matvecs: number;
}

/**
 * Runs the symmetric Lanczos process from `start` for at most `steps` steps with full
 * reorthogonalisation (classical Gram–Schmidt twice against all previous vectors), producing
 * A Q = Q T + β_m q_{m+1} e_mᵀ with T = tridiag(β, α, β). On breakdown (β ≈ 0: an invariant
 * subspace was found) it stops, unless `restart` is set, in which case it continues from a fresh
 * random vector orthogonal to the basis (β = 0 splits T into blocks).
 *
 * `onStep(alpha, beta)` may return true to stop early (used for convergence checks).
 * Reference: Lanczos (1950); Golub & Van Loan, "Matrix Computations", §10.1.
 */
export async function lanczosProcess(
  op: CurvatureOperator,
  start: Float64Array,
  steps: number,
  opts: { rng?: Rng; restart?: boolean; onStep?: (alpha: number[], beta: number[]) => boolean } = {},
): Promise<LanczosRun> {
  const n = op.size;
  if (start.length !== n) throw new Error(`lanczos: start vector of length ${start.length}, operator has size ${n}`);
  const s0 = norm2(start);
  if (!(s0 > 0) || !Number.isFinite(s0)) throw new Error("lanczos: start vector must be finite and nonzero");
  const q = Float64Array.from(start);
  scale(1 / s0, q);
  const basis: Float64Array[] = [q];
  const alpha: number[] = [],
    beta: number[] = [];
  let matvecs = 0,
    anorm = 0;
  const rng = opts.rng ?? new Rng(0);
  steps = Math.min(steps, n);
  for (let j = 0; j < steps; j++) {
    const qj = basis[j];
    const w = await op.matvec(qj);
    matvecs++;
    checkFiniteVec(w, "lanczos");
    const a = dot(qj, w);
    alpha.push(a);
    axpy(-a, qj, w);
    if (j > 0) axpy(-beta[j - 1], basis[j - 1], w);
    orthogonalize(w, basis);
    const b = norm2(w);
    anorm = Math.max(anorm, Math.abs(a) + b + (j > 0 ? beta[j - 1] : 0));
    if (j === steps - 1) {
      beta.push(b);
      break;
    }
    const breakdown = b <= 1e-10 * Math.max(anorm, 1e-300);
    // After a breakdown with restart, convergence is judged once the next block has started:
    // an invariant subspace holds each distinct eigenvalue once, so multiplicities need restarts.
    const stop = !(breakdown && opts.restart) && (opts.onStep?.(alpha, [...beta, b]) ?? false);
    if (stop || (breakdown && !opts.restart)) {
      beta.push(b);
      break;
    }
    if (breakdown) {
      beta.push(0);
      basis.push(randomUnit(n, rng, basis));
    } else {
      beta.push(b);
      scale(1 / b, w);
      basis.push(w);
    }
  }
  // beta has one entry per step: beta[m-1] is the residual norm after the last step.
  return { alpha, beta, basis: basis.slice(0, alpha.length), matvecs };
}

/**
 * Top-k eigenpairs by the Lanczos method with full reorthogonalisation (Lanczos 1950; Paige 1972;
 * as in PyHessian / hessian-eigenthings / curvlinops). Ritz values θ_i and vectors y_i = Q s_i come
 * from the eigendecomposition of the tridiagonal T_m; the run stops as soon as the wanted pairs
 * satisfy |β_m s_{m,i}| ≤ tol·‖T‖ (so the answer depends on the tolerance, not on an iteration
 * count), or at `maxIter`. Residuals ‖A y − θ y‖ are recomputed exactly by default.
 */
export async function lanczos(op: CurvatureOperator, opts: LanczosOptions = {}): Promise<EigenResult> {
  const n = op.size;
  const k = opts.k ?? 1;
  const which = checkWhich(opts.which ?? "largest");
  const tol = opts.tol ?? 1e-6;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`lanczos: k must be an integer in [1, ${n}], got ${k}`);
  if (!(tol >= 0)) throw new Error(`lanczos: tol must be >= 0, got ${tol}`);
  const maxIter = Math.min(n, opts.maxIter ?? Math.max(100, 4 * k));
  if (!Number.isInteger(maxIter) || maxIter < k)
    throw new Error(`lanczos: maxIter must be an integer >= k = ${k}, got ${opts.maxIter}`);
  const rng = new Rng(opts.seed ?? 0);
  const start = opts.start ?? rng.normalArray(n);
  let converged = false;
  let lastEst: number[] = [];
  const run = await lanczosProcess(op, start, maxIter, {
    rng,
    restart: true,
    onStep: (alpha, beta) => {
      const m = alpha.length;
      if (m < k || tol === 0) return false;
      const { values, vectors } = tridiagonalEig(alpha, beta.slice(0, m - 1));
      const tnorm = Math.max(...Array.from(values, Math.abs), 1e-300);
      const b = beta[m - 1];
      const want = pick(values, k, which);
      lastEst = want.map((i) => Math.abs(b * vectors[i][m - 1]));
      converged = lastEst.every((e) => e <= tol * tnorm);
      return converged;
    },
  });
  const m = run.alpha.length;
  const { values, vectors } = tridiagonalEig(run.alpha, run.beta.slice(0, m - 1));
  const want = pick(values, k, which);
  const bm = run.beta[m - 1];
  const estimates = want.map((i) => Math.abs(bm * vectors[i][m - 1]));
  const tnorm = Math.max(...Array.from(values, Math.abs), 1e-300);
  if (tol > 0) converged = estimates.every((e) => e <= tol * tnorm) || m === n;
  const ritz = want.map((i) => {
    const y = new Float64Array(n);
    for (let j = 0; j < m; j++) axpy(vectors[i][j], run.basis[j], y);
    scale(1 / norm2(y), y);
    return y;
  });
  let matvecs = run.matvecs;
  let residuals = estimates;
  if ((opts.residuals ?? "exact") === "exact") {
    residuals = [];
    for (let r = 0; r < ritz.length; r++) {
      const Ay = await op.matvec(ritz[r]);
      matvecs++;
      axpy(-values[want[r]], ritz[r], Ay);
      residuals.push(norm2(Ay));
    }
  }
  return {
    values: want.map((i) => values[i]),
    vectors: ritz,
    residuals,
    converged,
    iterations: m,
    matvecs,
  };
}

export interface PowerIterationOptions {
  /** Number of eigenpairs (default 1). */
  k?: number;
  /** Stop a pair when its deflated residual ‖P(Av) − λv‖ ≤ tol·|λ| (default 1e-4; float32 products floor near 1e-6). */
  tol?: number;
  /** Maximum iterations per pair (default 1000). */
  maxIter?: number;
  /** Seed of the random start vectors (default 0). */
  seed?: number;
}

/**
 * Top-k eigenpairs of largest magnitude by power iteration with deflation (as in PyHessian,
 * Yao et al. 2020): pair i iterates v ← P A v / ‖P A v‖ with P the projector onto the complement
 * of the pairs already found, λ = vᵀAv (Rayleigh quotient), and stops on the relative residual
 * ‖P(Av) − λv‖ ≤ tol·|λ| (the reported residual is the true ‖Av − λv‖). Converges at rate |λ_{i+1}/λ_i| per iteration, so prefer `lanczos` when
 * eigenvalues cluster; this is the simple baseline and a cross-check.
 */
export async function powerIteration(op: CurvatureOperator, opts: PowerIterationOptions = {}): Promise<EigenResult> {
  const n = op.size;
  const k = opts.k ?? 1;
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 1000;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`powerIteration: k must be an integer in [1, ${n}], got ${k}`);
  if (!(tol >= 0)) throw new Error(`powerIteration: tol must be >= 0, got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 1)
    throw new Error(`powerIteration: maxIter must be a positive integer, got ${maxIter}`);
  const rng = new Rng(opts.seed ?? 0);
  const values: number[] = [],
    vectors: Float64Array[] = [],
    residuals: number[] = [];
  let iterations = 0,
    matvecs = 0,
    converged = true;
  for (let i = 0; i < k; i++) {
    let v = randomUnit(n, rng, vectors);
    let lambda = 0,
      res = Infinity,
      ok = false;
    for (let it = 0; it < maxIter; it++) {
      const w = await op.matvec(v);
      matvecs++;
      iterations++;
      checkFiniteVec(w, "powerIteration");
      lambda = dot(v, w);
      const r = Float64Array.from(w);
      axpy(-lambda, v, r);
      res = norm2(r); // the true residual ‖Av − λv‖, reported
      // Converge on the deflated residual ‖P(Av) − λv‖: the true one also carries the (small)
      // errors of the pairs already found, which this pair cannot reduce.
      orthogonalize(w, vectors);
      const rd = Float64Array.from(w);
      axpy(-lambda, v, rd);
      if (norm2(rd) <= tol * Math.abs(lambda)) {
        ok = true;
        break;
      }
      const nw = norm2(w);
      if (!(nw > 0)) {
        // P A v = 0: v spans an eigenvector of the deflated operator with eigenvalue 0.
        ok = true;
        break;
      }
      scale(1 / nw, w);
      v = w;
    }
    converged &&= ok;
    values.push(lambda);
    vectors.push(v);
    residuals.push(res);
  }
  return { values, vectors, residuals, converged, iterations, matvecs };
}
