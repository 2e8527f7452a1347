/**
 * Shaping sweep results for plots: grid axes, 2-D slices for heatmaps, and quantile bands over
 * seeds for histories. Results are row-major over `result.axes` (last axis fastest).
 */
import type { SweepResult } from "./sweep";

/** n evenly spaced values lo … hi (inclusive). */
export function linearGrid(lo: number, hi: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`linearGrid: n must be a positive integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

/** n log-spaced values lo … hi (inclusive), lo, hi > 0: lo·(hi/lo)^(i/(n−1)). */
export function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi > 0)) throw new Error(`logGrid: bounds must be positive, got ${lo}, ${hi}`);
  return linearGrid(Math.log(lo), Math.log(hi), n).map(Math.exp);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The q-quantile (linear interpolation) of the finite values of xs; NaN if none. */
function quantileOf(xs: number[], q: number): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const p = q * (v.length - 1),
    i = Math.floor(p);
  return i + 1 < v.length ? v[i] + (p - i) * (v[i + 1] - v[i]) : v[i];
}

/**
 * A per-run array as a 2-D grid over axes `rows` × `cols`, for heatmaps: `z[i][j]` is the value at
 * rows-axis index i and cols-axis index j. Other axes are fixed with `at` (axis → index) or, for
 * axes not in `at`, reduced by the median over their values (e.g. over seeds; diverged runs count
 * when `values` is the divergence mask).
 */
export function grid2d(
  result: Pick<SweepResult, "axes" | "shape" | "axisValues">,
  values: ArrayLike<number>,
  rows: string,
  cols: string,
  at: Record<string, number> = {},
): { rows: number[]; cols: number[]; z: number[][] } {
  const ai = result.axes.indexOf(rows),
    aj = result.axes.indexOf(cols);
  if (ai < 0 || aj < 0 || ai === aj)
    throw new Error(
      `grid2d: rows "${rows}" and cols "${cols}" must be two different axes of [${result.axes.join(", ")}]`,
    );
  const st = strides(result.shape);
  const runs = result.shape.reduce((a, b) => a * b, 1);
  if (values.length !== runs) throw new Error(`grid2d: values has ${values.length} entries for ${runs} runs`);
  for (const [k, v] of Object.entries(at)) {
    const a = result.axes.indexOf(k);
    if (a < 0 || !Number.isInteger(v) || v < 0 || v >= result.shape[a])
      throw new Error(`grid2d: at.${k} = ${v} is not an index of an axis`);
  }
  const free = result.axes.map((_, a) => a).filter((a) => a !== ai && a !== aj && !(result.axes[a] in at));
  const z = Array.from({ length: result.shape[ai] }, (_, i) =>
    Array.from({ length: result.shape[aj] }, (_, j) => {
      let base = i * st[ai] + j * st[aj];
      for (const [k, v] of Object.entries(at)) base += v * st[result.axes.indexOf(k)];
      // enumerate the free axes
      const xs: number[] = [];
      const walk = (d: number, off: number) => {
        if (d === free.length) return void xs.push(values[off]);
        for (let q = 0; q < result.shape[free[d]]; q++) walk(d + 1, off + q * st[free[d]]);
      };
      walk(0, base);
      return xs.length === 1 ? xs[0] : quantileOf(xs, 0.5);
    }),
  );
  return { rows: Array.from(result.axisValues[rows]), cols: Array.from(result.axisValues[cols]), z };
}

/**
 * Quantile bands of a recorded history over the "seed" axis, per remaining grid cell: for cell c
 * and record k, `lo`, `median`, `hi` at quantiles q, ½, 1−q of the finite values over seeds
 * (diverged runs' NaN records are left out; `nFinite` counts what remains).
 */
export function seedBands(
  result: SweepResult,
  history: "loss" | { coordinate: number } = "loss",
  q = 0.1,
): { steps: number[]; cells: number; lo: Float64Array; median: Float64Array; hi: Float64Array; nFinite: Int32Array } {
  if (!result.recordSteps || !result.loss || !result.x)
    throw new Error("seedBands: the sweep recorded no history (use record: { every: k })");
  const sa = result.axes.indexOf("seed");
  const nRec = result.recordSteps.length;
  const nSeeds = sa < 0 ? 1 : result.shape[sa];
  const cells = result.runs / nSeeds;
  const st = strides(result.shape);
  const inner = sa < 0 ? 1 : st[sa];
  const lo = new Float64Array(cells * nRec),
    median = new Float64Array(cells * nRec),
    hi = new Float64Array(cells * nRec);
  const nFinite = new Int32Array(cells * nRec);
  const read = (run: number, k: number) =>
    history === "loss" ? result.loss![run * nRec + k] : result.x![(run * nRec + k) * result.dim + history.coordinate];
  for (let c = 0; c < cells; c++) {
    // cell c ↦ its first run: split c into the index above the seed axis and below it
    const first = sa < 0 ? c : Math.floor(c / inner) * inner * nSeeds + (c % inner);
    for (let k = 0; k < nRec; k++) {
      const xs = Array.from({ length: nSeeds }, (_, s) => read(first + s * inner, k));
      lo[c * nRec + k] = quantileOf(xs, q);
      median[c * nRec + k] = quantileOf(xs, 0.5);
      hi[c * nRec + k] = quantileOf(xs, 1 - q);
      nFinite[c * nRec + k] = xs.filter(Number.isFinite).length;
    }
  }
  return { steps: Array.from(result.recordSteps), cells, lo, median, hi, nFinite };
}
