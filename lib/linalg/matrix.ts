/**
 * Small dense float64 linear algebra: on `number[][]` for landscape construction and test oracles
 * (random rotations, equilibria of small games), and Cholesky solves on row-major `Float64Array`s
 * (kernel regression). Sizes are small (≤ a few thousand), so plain loops.
 */
import { Rng } from "../rng";

/** n×n identity. */
export function eye(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** Aᵀ. */
export function transpose(a: readonly (readonly number[])[]): number[][] {
  if (a.length === 0) return [];
  return a[0].map((_, j) => a.map((row) => row[j]));
}

/** A·B. */
export function matmul(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const k = b.length;
  if (a.length > 0 && a[0].length !== k)
    throw new Error(`matmul: shapes [${a.length},${a[0].length}] and [${k},${b[0]?.length}] do not match`);
  const m = b[0]?.length ?? 0;
  return a.map((row) => {
    const out = new Array<number>(m).fill(0);
    for (let p = 0; p < k; p++) for (let j = 0; j < m; j++) out[j] += row[p] * b[p][j];
    return out;
  });
}

/**
 * A Haar-distributed random orthogonal n×n matrix: Gram–Schmidt (modified, run twice for
 * orthogonality to machine precision) on the columns of a standard normal matrix drawn from
 * `new Rng(seed)`. Gram–Schmidt is QR with a positive diagonal R, which is what makes Q Haar
 * (Mezzadri, "How to generate random matrices from the classical compact groups", 2007).
 */
export function randomOrthogonal(n: number, seed: number): number[][] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`randomOrthogonal: n must be a positive integer, got ${n}`);
  const rng = new Rng(seed);
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const v = Array.from(rng.normalArray(n));
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * q[i];
      }
    }
    const norm = Math.hypot(...v);
    if (!(norm > 1e-10)) throw new Error("randomOrthogonal: degenerate draw (retry with another seed)");
    cols.push(v.map((x) => x / norm));
  }
  return transpose(cols); // columns are the q_j
}

/** Solves A x = b by Gaussian elimination with partial pivoting; returns undefined if A is singular. */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] | undefined {
  const n = a.length;
  if (b.length !== n || a.some((r) => r.length !== n))
    throw new Error(`solve: expected an ${n}×${n} matrix and a length-${n} vector`);
  const m = a.map((r, i) => [...r, b[i]]);
  const scale = Math.max(1e-300, ...a.flat().map(Math.abs));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12 * scale) return undefined;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      if (f !== 0) for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((r, i) => r[n] / r[i] + 0); // + 0 turns −0 into 0
}

/**
 * Solves (A + ridge·I) X = B for a symmetric positive (semi)definite A [n, n] and B [n, k] (row-major)
 * by a float64 Cholesky factorisation A + ridge I = L Lᵀ (Golub & Van Loan, Alg. 4.2.1), then the
 * forward and back substitutions L Y = B, Lᵀ X = Y. Throws when a pivot is not positive.
 */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array, k: number, ridge = 0): Float64Array {
  if (a.length !== n * n) throw new Error(`choleskySolve: A must have ${n}×${n} entries, got ${a.length}`);
  if (b.length !== n * k) throw new Error(`choleskySolve: B must have ${n}×${k} entries, got ${b.length}`);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] + (i === j ? ridge : 0);
      for (let p = 0; p < j; p++) s -= L[i * n + p] * L[j * n + p];
      if (i === j) {
        if (!(s > 0))
          throw new Error(`choleskySolve: matrix not positive definite at pivot ${i} (${s}); increase the ridge`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * k + c];
      for (let p = 0; p < i; p++) s -= L[i * n + p] * x[p * k + c];
      x[i * k + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let p = i + 1; p < n; p++) s -= L[p * n + i] * x[p * k + c];
      x[i * k + c] = s / L[i * n + i];
    }
  }
  return x;
}
