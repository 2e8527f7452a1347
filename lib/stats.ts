/**
 * Small statistics shared by the figures, the experiments and their claims: quantiles over the
 * finite entries, medians and median bands over seeds, power-law slopes, log-spaced step lists and
 * first crossings of a level.
 */

/**
 * The q-quantile of the finite entries of `values`, by linear interpolation between order statistics
 * (Hyndman–Fan type 7, the default of numpy and R): with sorted v₀ ≤ … ≤ v_{n−1},
 * h = (n−1)q, Q(q) = v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋). Returns NaN when no entry is finite.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must be in [0, 1], got ${q}`);
  const v = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

/** Median of the finite values (NaN if none). */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** A median line with its 25–75 % band, one entry per column. */
export interface Band {
  median: number[];
  lo: number[];
  hi: number[];
}

/**
 * Median and 25–75 % band of each column of `rows` (rows = seeds, columns = steps), over the finite
 * entries of the column (NaN where a column has none). Rows shorter than the first give NaN (skipped).
 */
export function medianBand(rows: readonly ArrayLike<number>[]): Band {
  if (rows.length === 0) throw new Error("medianBand: no rows");
  const n = rows[0].length;
  const out: Band = { median: [], lo: [], hi: [] };
  for (let j = 0; j < n; j++) {
    const col = rows.map((r) => r[j]);
    out.median.push(quantile(col, 0.5));
    out.lo.push(quantile(col, 0.25));
    out.hi.push(quantile(col, 0.75));
  }
  return out;
}

/**
 * Least-squares slope of log y against log x: the exponent p of a power law y ∝ x^p
 * (b in log y ≈ a + b log x). Needs two equal-length arrays of ≥ 2 points.
 *
 * Non-positive (or non-finite) points: by default (`nonPositive: "throw"`) they are an error; with
 * `nonPositive: "skip"` the pairs where x or y is not positive and finite are left out of the fit
 * (then at least two must remain). Throws when all used x are equal.
 */
export function logLogSlope(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: { nonPositive?: "throw" | "skip" } = {},
): number {
  const mode = opts.nonPositive ?? "throw";
  if (mode !== "throw" && mode !== "skip")
    throw new Error(`logLogSlope: nonPositive must be "throw" or "skip", got ${String(mode)}`);
  if (x.length !== y.length || x.length < 2)
    throw new Error(`logLogSlope: need two equal-length arrays of ≥ 2 points, got ${x.length}, ${y.length}`);
  const lx: number[] = [],
    ly: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const a = Math.log(x[i]),
      b = Math.log(y[i]);
    if (Number.isFinite(a) && Number.isFinite(b)) {
      lx.push(a);
      ly.push(b);
    } else if (mode === "throw") throw new Error("logLogSlope: values must be positive and finite");
  }
  if (lx.length < 2) throw new Error("logLogSlope: need at least two points with positive x and y");
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length,
    my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  if (sxx === 0) throw new Error("logLogSlope: all x are equal");
  return sxy / sxx;
}

/**
 * Increasing integer steps from 1 to T spread evenly on a log axis: 1, T and round(T^(j/(points−1)))
 * for j = 0 … points−1 (duplicates removed, so there may be fewer than `points`). With
 * `{ zero: true }` step 0 is included too.
 */
export function logSteps(T: number, points: number, opts: { zero?: boolean } = {}): number[] {
  if (!Number.isInteger(T) || T < 1) throw new Error(`logSteps: T must be a positive integer, got ${T}`);
  if (!Number.isInteger(points) || points < 2)
    throw new Error(`logSteps: points must be an integer ≥ 2, got ${points}`);
  const out = new Set<number>(opts.zero ? [0, 1, T] : [1, T]);
  for (let j = 0; j < points; j++)
    out.add(Math.min(T, Math.max(1, Math.round(Math.exp((Math.log(T) * j) / (points - 1))))));
  return [...out].sort((a, b) => a - b);
}

/**
 * Index of the first entry of `xs` at or below `level` (xs[j] ≤ level), or −1 if none is. Callers
 * map the index to a step (`steps[j]`) and choose what "never" means (∞, −1) themselves.
 */
export function firstCrossing(xs: ArrayLike<number>, level: number): number {
  for (let j = 0; j < xs.length; j++) if (xs[j] <= level) return j;
  return -1;
}
