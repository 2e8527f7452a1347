/**
 * Small dense float64 linear algebra on `number[][]` for landscape construction and test oracles
 * (random rotations, equilibria of small games). Sizes are tiny (≤ a few hundred), so plain loops.
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
  if (a.length > 0 && a[0].length !== k) throw new Error(`matmul: shapes [${a.length},${a[0].length}] and [${k},${b[0]?.length}] do not match`);
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
  if (b.length !== n || a.some((r) => r.length !== n)) throw new Error(`solve: expected an ${n}×${n} matrix and a length-${n} vector`);
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

/** Throws unless `a` is a rows×cols matrix of finite numbers. */
export function assertMatrix(a: readonly (readonly number[])[], what: string, rows?: number, cols?: number): void {
  if (!Array.isArray(a) || a.length === 0 || !Array.isArray(a[0])) throw new Error(`${what}: expected a non-empty matrix (array of rows)`);
  const c = a[0].length;
  if (a.some((r) => !Array.isArray(r) || r.length !== c)) throw new Error(`${what}: rows have different lengths`);
  if (rows !== undefined && a.length !== rows) throw new Error(`${what}: expected ${rows} rows, got ${a.length}`);
  if (cols !== undefined && c !== cols) throw new Error(`${what}: expected ${cols} columns, got ${c}`);
  if (a.some((r) => r.some((x: number) => !Number.isFinite(x)))) throw new Error(`${what}: entries must be finite numbers`);
}

/** Throws unless `v` is a non-empty vector of finite numbers (of length `n`, if given). */
export function assertVector(v: ArrayLike<number>, what: string, n?: number): void {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`${what}: expected an array of numbers`);
  if (v.length === 0) throw new Error(`${what}: must not be empty`);
  if (n !== undefined && v.length !== n) throw new Error(`${what}: expected length ${n}, got ${v.length}`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${what}: entries must be finite numbers, got ${v[i]}`);
}

/** Throws unless `n` is an integer ≥ `min`. */
export function assertInt(n: number, what: string, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${n}`);
}

/** Throws on an option name the factory does not know (a typo would otherwise be silently ignored). */
export function assertKnownOptions(what: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) throw new Error(`${what}: options must be an object, got ${String(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new Error(`${what}: unknown option "${k}" (known: ${allowed.join(", ") || "none"})`);
  }
}
