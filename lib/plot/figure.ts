/**
 * Plotly figure builders for the common views of optimization experiments. Each returns a plain
 * JSON figure `{ data, layout, config }` (Plotly's schema, https://plotly.com/javascript/reference/),
 * so it can be shown in a notebook (`show`), embedded in a report, or saved.
 * Non-finite values (a diverged run) become `null`, which Plotly draws as a gap.
 */
import { quantile } from "../stats";

export type Trace = { type?: string; name?: string; [key: string]: unknown };
export type Layout = { [key: string]: unknown };
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: { [key: string]: unknown };
}

/** Plotly's default qualitative palette (D3 category10). */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

export interface AxisOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function checkArray(name: string, a: unknown): asserts a is number[] {
  if (!Array.isArray(a) && !(a instanceof Float32Array) && !(a instanceof Float64Array)) {
    throw new Error(`${name} must be an array of numbers, got ${typeof a}`);
  }
  if ((a as number[]).length === 0) throw new Error(`${name} is empty`);
  for (const v of a as number[]) {
    if (typeof v !== "number") throw new Error(`${name} must contain numbers, found ${typeof v}`);
  }
}

/** `#rrggbb` with opacity `alpha` ∈ [0, 1] as a CSS `rgba(…)` colour (for bands under a line). */
export function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function baseLayout(o: AxisOptions): Layout {
  return {
    title: o.title ? { text: o.title } : undefined,
    xaxis: { title: { text: o.xTitle ?? "" }, type: o.logX ? "log" : "linear", exponentformat: "power" },
    yaxis: { title: { text: o.yTitle ?? "" }, type: o.logY ? "log" : "linear", exponentformat: "power" },
    width: o.width,
    height: o.height ?? 420,
    margin: { l: 70, r: 20, t: o.title ? 50 : 20, b: 55 },
    legend: { orientation: "h", y: -0.2 },
    template: undefined,
  };
}

export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  /** defaults to 0, 1, 2, … */
  x?: ArrayLike<number>;
  color?: string;
  dash?: "solid" | "dash" | "dot" | "dashdot";
  mode?: "lines" | "markers" | "lines+markers";
}

export interface LineChartOptions extends AxisOptions {
  /** horizontal reference lines, e.g. the stability threshold 2/η */
  hlines?: { y: number; name: string; color?: string }[];
}

/** Line chart of one or more series y(x). */
export function lineChart(series: LineSeries[], opts: LineChartOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new Error("lineChart needs at least one series");
  const data: Trace[] = series.map((s, i) => {
    const y = Array.from(s.y);
    checkArray(`series "${s.name}" y`, y);
    const x = s.x ? Array.from(s.x) : y.map((_, k) => k);
    if (x.length !== y.length) throw new Error(`series "${s.name}": x has ${x.length} points but y has ${y.length}`);
    const color = s.color ?? PALETTE[i % PALETTE.length];
    return {
      type: "scatter",
      mode: s.mode ?? "lines",
      name: s.name,
      x: x.map(finiteOrNull),
      y: y.map(finiteOrNull),
      line: { color, dash: s.dash ?? "solid", width: 2 },
    };
  });
  const layout = baseLayout(opts);
  if (opts.hlines?.length) {
    layout.shapes = opts.hlines.map((h) => ({
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: opts.logY ? Math.log10(h.y) : h.y,
      y1: opts.logY ? Math.log10(h.y) : h.y,
      line: { color: h.color ?? "#444", dash: "dash", width: 1.5 },
    }));
    layout.annotations = opts.hlines.map((h) => ({
      xref: "paper",
      x: 1,
      xanchor: "right",
      y: opts.logY ? Math.log10(h.y) : h.y,
      yanchor: "bottom",
      text: h.name,
      showarrow: false,
      font: { size: 12 },
    }));
  }
  return { data, layout, config: { responsive: true } };
}

export interface SeedSeries {
  name: string;
  /** one row per seed (run), one column per step; all rows the same length */
  runs: ArrayLike<number>[];
  x?: ArrayLike<number>;
  color?: string;
}

export interface LossCurveOptions extends AxisOptions {
  /** band around the median: inter-quartile range (default) or min–max over seeds */
  band?: "iqr" | "minmax" | "none";
}

/**
 * Loss curves over several seeds: per step, the median over seeds as a line and a shaded band
 * (quartiles Q(0.25)–Q(0.75) by default, or min–max). Log-scaled y by default, as losses span
 * orders of magnitude.
 */
export function lossCurves(series: SeedSeries[], opts: LossCurveOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new Error("lossCurves needs at least one series");
  const band = opts.band ?? "iqr";
  if (!["iqr", "minmax", "none"].includes(band))
    throw new Error(`lossCurves band must be "iqr", "minmax" or "none", got ${band}`);
  const data: Trace[] = [];
  series.forEach((s, i) => {
    if (!Array.isArray(s.runs) || s.runs.length === 0) throw new Error(`series "${s.name}" has no runs`);
    const runs = s.runs.map((r) => Array.from(r));
    runs.forEach((r, k) => checkArray(`series "${s.name}" run ${k}`, r));
    const T = runs[0].length;
    runs.forEach((r, k) => {
      if (r.length !== T) throw new Error(`series "${s.name}": run ${k} has ${r.length} steps, run 0 has ${T}`);
    });
    const x = s.x ? Array.from(s.x) : runs[0].map((_, t) => t);
    if (x.length !== T) throw new Error(`series "${s.name}": x has ${x.length} points but runs have ${T} steps`);
    const col = (t: number) => runs.map((r) => r[t]);
    const med = x.map((_, t) => finiteOrNull(quantile(col(t), 0.5)));
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (band !== "none" && runs.length > 1) {
      const [qlo, qhi] = band === "iqr" ? [0.25, 0.75] : [0, 1];
      const lo = x.map((_, t) => finiteOrNull(quantile(col(t), qlo)));
      const hi = x.map((_, t) => finiteOrNull(quantile(col(t), qhi)));
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: hi,
        line: { width: 0, color },
        hoverinfo: "skip",
        showlegend: false,
        legendgroup: s.name,
        name: `${s.name} upper`,
      });
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: lo,
        line: { width: 0, color },
        fill: "tonexty",
        fillcolor: rgba(color, 0.2),
        hoverinfo: "skip",
        showlegend: false,
        legendgroup: s.name,
        name: `${s.name} lower`,
      });
    }
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: med,
      name: runs.length > 1 ? `${s.name} (median of ${runs.length})` : s.name,
      line: { color, width: 2 },
      legendgroup: s.name,
    });
  });
  const layout = baseLayout({ xTitle: "step", yTitle: "loss", logY: true, ...opts });
  return { data, layout, config: { responsive: true } };
}

export interface Grid {
  x: number[];
  y: number[];
  /** z[i][j] = f(x[j], y[i]) (Plotly's row = y convention) */
  z: number[][];
}

/** Evaluates f on an n×n grid over [x0, x1] × [y0, y1] (rows indexed by y). */
export function gridEval(
  f: (x: number, y: number) => number,
  xRange: [number, number],
  yRange: [number, number],
  n = 100,
): Grid {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`gridEval n must be an integer ≥ 2, got ${n}`);
  const lin = ([a, b]: [number, number]) => Array.from({ length: n }, (_, k) => a + ((b - a) * k) / (n - 1));
  const x = lin(xRange);
  const y = lin(yRange);
  return { x, y, z: y.map((yy) => x.map((xx) => f(xx, yy))) };
}

export interface Trajectory {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
}

export interface ContourOptions extends AxisOptions {
  /** contour log₁₀(z − min z + ε) instead of z (for valleys like Rosenbrock's) */
  logZ?: boolean;
  /** marker for the known minimum */
  minimum?: [number, number];
  ncontours?: number;
}

/**
 * A 2-D landscape as filled contours with optimizer trajectories drawn over it (start ○, end ×).
 * With `logZ`, levels are log₁₀(z − z_min + 10⁻³) so narrow valleys stay visible.
 */
export function contourTrajectories(grid: Grid, trajectories: Trajectory[], opts: ContourOptions = {}): Figure {
  const { x, y, z } = grid;
  checkArray("grid.x", x);
  checkArray("grid.y", y);
  if (!Array.isArray(z) || z.length !== y.length || z.some((row) => row.length !== x.length)) {
    throw new Error(`grid.z must be ${y.length} rows × ${x.length} columns (rows follow grid.y)`);
  }
  let zz = z.map((r) => r.map(finiteOrNull));
  if (opts.logZ) {
    const zmin = Math.min(...z.flat().filter(Number.isFinite));
    zz = z.map((r) => r.map((v) => (Number.isFinite(v) ? Math.log10(v - zmin + 1e-3) : null)));
  }
  const data: Trace[] = [
    {
      // Grey levels, so trajectories in the palette's colours stay visible everywhere.
      type: "contour",
      x,
      y,
      z: zz,
      colorscale: [
        [0, "#ffffff"],
        [1, "#4d4d4d"],
      ],
      ncontours: opts.ncontours ?? 30,
      showscale: true,
      colorbar: { title: { text: opts.logZ ? "log₁₀ f" : "f" } },
      contours: { coloring: "heatmap" },
      line: { width: 0.5 },
      hoverinfo: "skip",
      name: "landscape",
    },
  ];
  trajectories.forEach((t, i) => {
    const tx = Array.from(t.x);
    const ty = Array.from(t.y);
    checkArray(`trajectory "${t.name}" x`, tx);
    if (tx.length !== ty.length)
      throw new Error(`trajectory "${t.name}": x has ${tx.length} points but y has ${ty.length}`);
    const color = t.color ?? PALETTE[i % PALETTE.length];
    data.push({
      type: "scatter",
      mode: "lines",
      name: t.name,
      x: tx.map(finiteOrNull),
      y: ty.map(finiteOrNull),
      line: { color, width: 2 },
      legendgroup: t.name,
    });
    data.push({
      type: "scatter",
      mode: "markers",
      x: [tx[0]],
      y: [ty[0]],
      marker: { color, symbol: "circle-open", size: 10, line: { width: 2 } },
      showlegend: false,
      legendgroup: t.name,
      name: `${t.name} start`,
    });
    const last = tx.length - 1;
    data.push({
      type: "scatter",
      mode: "markers",
      x: [finiteOrNull(tx[last])],
      y: [finiteOrNull(ty[last])],
      marker: { color, symbol: "x", size: 10 },
      showlegend: false,
      legendgroup: t.name,
      name: `${t.name} end`,
    });
  });
  if (opts.minimum) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "minimum",
      x: [opts.minimum[0]],
      y: [opts.minimum[1]],
      marker: { color: "#d62728", symbol: "star", size: 14 },
    });
  }
  const layout = baseLayout({ xTitle: "x", yTitle: "y", height: 480, ...opts });
  (layout.xaxis as Layout).range = [x[0], x[x.length - 1]];
  (layout.yaxis as Layout).range = [y[0], y[y.length - 1]];
  return { data, layout, config: { responsive: true } };
}

export interface HeatmapOptions extends AxisOptions {
  zTitle?: string;
  /** colour log₁₀ z */
  logZ?: boolean;
  /** print the value in each cell */
  annotate?: boolean;
}

const label = (v: number) =>
  (Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4) || v === 0 ? String(+v.toPrecision(3)) : v.toExponential(1);

/**
 * Heatmap over a hyperparameter grid: z[i][j] is the result for (x[j], y[i]), e.g. final loss for
 * learning rate x and momentum y. Axes are categorical (one cell per grid value, so log-spaced
 * grids get equal-width cells); non-finite cells (diverged runs) are left blank and labelled "div".
 */
export function heatmap(grid: { x: number[]; y: number[]; z: number[][] }, opts: HeatmapOptions = {}): Figure {
  const { x, y, z } = grid;
  checkArray("heatmap x", x);
  checkArray("heatmap y", y);
  if (!Array.isArray(z) || z.length !== y.length || z.some((r) => r.length !== x.length)) {
    throw new Error(`heatmap z must be ${y.length} rows (y) × ${x.length} columns (x)`);
  }
  const zz = z.map((r) =>
    r.map((v) => (Number.isFinite(v) && (!opts.logZ || v > 0) ? (opts.logZ ? Math.log10(v) : v) : null)),
  );
  const text = z.map((r) => r.map((v) => (Number.isFinite(v) ? label(v) : "div")));
  const data: Trace[] = [
    {
      type: "heatmap",
      x: x.map(label),
      y: y.map(label),
      z: zz,
      text,
      colorscale: "Viridis",
      colorbar: { title: { text: opts.logZ ? `log₁₀ ${opts.zTitle ?? "z"}` : (opts.zTitle ?? "") } },
      hovertemplate: "x=%{x}<br>y=%{y}<br>%{text}<extra></extra>",
      texttemplate: opts.annotate ? "%{text}" : undefined,
    },
  ];
  const layout = baseLayout(opts);
  // Categorical axes of long grids carry rotated tick labels: let Plotly grow the margins to fit them.
  Object.assign(layout.xaxis as Layout, { type: "category", automargin: true });
  Object.assign(layout.yaxis as Layout, { type: "category", automargin: true });
  return { data, layout, config: { responsive: true } };
}

export interface HistogramOptions extends AxisOptions {
  bins?: number;
  /** vertical reference lines (e.g. the largest eigenvalue, or 2/η) */
  vlines?: { x: number; name: string; color?: string }[];
  /** probability density instead of counts */
  density?: boolean;
}

/**
 * Histogram of one or more samples, binned here (equal-width bins over the pooled range) so the
 * figure carries exact counts: bin k covers [lo + kw, lo + (k+1)w), w = (hi − lo)/bins, the last
 * bin closed. With `density`, heights are count / (n·w).
 */
export function histogram(series: { name: string; values: ArrayLike<number> }[], opts: HistogramOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new Error("histogram needs at least one series");
  const bins = opts.bins ?? 40;
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`histogram bins must be a positive integer, got ${bins}`);
  const all = series.flatMap((s) => {
    const v = Array.from(s.values);
    checkArray(`histogram series "${s.name}"`, v);
    return v.filter(Number.isFinite);
  });
  if (all.length === 0) throw new Error("histogram: no finite values");
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const w = (hi - lo) / bins;
  const centers = Array.from({ length: bins }, (_, k) => lo + (k + 0.5) * w);
  const data: Trace[] = series.map((s, i) => {
    const counts = new Array<number>(bins).fill(0);
    const v = Array.from(s.values).filter(Number.isFinite);
    for (const e of v) counts[Math.min(bins - 1, Math.floor((e - lo) / w))]++;
    const y = opts.density ? counts.map((c) => c / (v.length * w)) : counts;
    return {
      type: "bar",
      name: s.name,
      x: centers,
      y,
      width: w,
      marker: { color: PALETTE[i % PALETTE.length], opacity: series.length > 1 ? 0.6 : 0.9 },
    };
  });
  const layout = baseLayout({ yTitle: opts.density ? "density" : "count", ...opts });
  layout.barmode = "overlay";
  layout.bargap = 0;
  if (opts.vlines?.length) {
    layout.shapes = opts.vlines.map((l) => ({
      type: "line",
      yref: "paper",
      y0: 0,
      y1: 1,
      x0: opts.logX ? Math.log10(l.x) : l.x,
      x1: opts.logX ? Math.log10(l.x) : l.x,
      line: { color: l.color ?? "#d62728", dash: "dash" },
    }));
    layout.annotations = opts.vlines.map((l) => ({
      yref: "paper",
      y: 1,
      yanchor: "bottom",
      x: opts.logX ? Math.log10(l.x) : l.x,
      text: l.name,
      showarrow: false,
    }));
  }
  return { data, layout, config: { responsive: true } };
}

/** Eigenvalue spectrum (e.g. of a Hessian) as a histogram; log-count axis by default to show the bulk and the outliers. */
export function spectrum(eigenvalues: ArrayLike<number>, opts: HistogramOptions & { name?: string } = {}): Figure {
  return histogram([{ name: opts.name ?? "eigenvalues", values: eigenvalues }], {
    xTitle: "eigenvalue",
    logY: true,
    bins: 60,
    ...opts,
  });
}

/**
 * Eigenvalue-vs-step traces, e.g. the sharpness λ_max(∇²L(θ_t)) during training, with optional
 * reference lines such as the gradient-descent stability threshold 2/η (Cohen et al., 2021,
 * "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability", arXiv:2103.00065).
 */
export function eigenTraces(
  steps: ArrayLike<number>,
  series: { name: string; values: ArrayLike<number> }[],
  opts: LineChartOptions = {},
): Figure {
  const x = Array.from(steps);
  return lineChart(
    series.map((s) => ({ name: s.name, x, y: s.values })),
    { xTitle: "step", yTitle: "eigenvalue", ...opts },
  );
}
