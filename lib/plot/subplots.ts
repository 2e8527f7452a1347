/**
 * Grids of independent subplots in one Plotly figure: the layout (one x/y axis pair per cell, a
 * title above each cell, powers-of-ten tick labels on log axes, the legend below) and the axis
 * names a trace needs to land in cell i. Cells are numbered row by row from 0.
 *
 *     const layout = subplotGrid({ title: "…", rows: 1, cols: 2, titles: ["a", "b"],
 *       x: [{ title: "step" }, { title: "step", log: true }], y: [{ title: "loss", log: true }, { title: "λ" }] });
 *     data.push({ type: "scatter", x, y, ...subplotAxes(1) }); // into the second cell
 */
import type { Layout } from "./figure";

/** One axis of a cell: its title (with units), log or category scale, and an optional fixed range. */
export interface SubplotAxis {
  title: string;
  log?: boolean;
  category?: boolean;
  range?: [number, number];
}

export interface SubplotGridOptions {
  title: string;
  rows: number;
  cols: number;
  /** one title per cell, shown above it */
  titles: readonly string[];
  /** one axis per cell; cells past the end of the list reuse its last entry (so one entry serves all) */
  x: readonly SubplotAxis[];
  y: readonly SubplotAxis[];
  /** pixels; default 380 per row */
  height?: number;
  /** pixels; default: none (the figure takes its container's width) */
  width?: number;
}

/** The axis-name suffix of cell i: "" for the first, "2", "3", … after it (Plotly's naming). */
export function subplotSuffix(i: number): string {
  return i === 0 ? "" : String(i + 1);
}

/** The `xaxis`/`yaxis` fields that put a trace into cell i. */
export function subplotAxes(i: number): { xaxis: string; yaxis: string } {
  return { xaxis: `x${subplotSuffix(i)}`, yaxis: `y${subplotSuffix(i)}` };
}

function axisLayout(a: SubplotAxis): Record<string, unknown> {
  return {
    title: { text: a.title },
    type: a.category ? "category" : a.log ? "log" : "linear",
    exponentformat: "power",
    ...(a.range ? { range: a.range } : {}),
  };
}

/** The layout of a rows × cols grid of independent subplots, with a title over each cell. */
export function subplotGrid(opts: SubplotGridOptions): Layout {
  const cells = opts.rows * opts.cols;
  if (!(Number.isInteger(cells) && cells > 0)) {
    throw new Error(`subplotGrid: rows and cols must be positive integers, got ${opts.rows} × ${opts.cols}`);
  }
  if (opts.x.length === 0) throw new Error("subplotGrid: x needs at least one axis");
  if (opts.y.length === 0) throw new Error("subplotGrid: y needs at least one axis");
  const annotations: unknown[] = [];
  const layout: Layout = {
    title: { text: opts.title, font: { size: 14 } },
    grid: { rows: opts.rows, columns: opts.cols, pattern: "independent", ygap: 0.4, xgap: 0.14 },
    height: opts.height ?? 380 * opts.rows,
    ...(opts.width ? { width: opts.width } : {}),
    legend: { orientation: "h", yanchor: "top", y: opts.rows === 1 ? -0.25 : -0.1 },
    margin: { t: 90, b: 150 },
    annotations,
    shapes: [],
  };
  for (let i = 0; i < cells; i++) {
    layout[`xaxis${subplotSuffix(i)}`] = axisLayout(opts.x[i] ?? opts.x[opts.x.length - 1]);
    layout[`yaxis${subplotSuffix(i)}`] = axisLayout(opts.y[i] ?? opts.y[opts.y.length - 1]);
    annotations.push({
      text: opts.titles[i] ?? "",
      showarrow: false,
      xref: `x${subplotSuffix(i)} domain`,
      yref: `y${subplotSuffix(i)} domain`,
      x: 0.5,
      y: 1.13,
      font: { size: 12 },
    });
  }
  return layout;
}
