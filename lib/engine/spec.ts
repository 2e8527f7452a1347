/**
 * The sweep specification and its validation, shared by the fused engine (`sweep`) and the tfjs
 * path (`sweepTfjs`): grid axes → runs (row-major, seeds last), per-run hyperparameter arrays,
 * per-step schedule tables, initial points, and per-run seeded noise streams: run r (flat index)
 * draws from xoshiro128** seeded with (its seed, stream r), the convention of `landscapeLoss`.
 */
import type { ClosedFormLandscape } from "../core/landscape";
import type { Rule } from "../core/rule";
import { Rng, seedState } from "../rng";
import { assertClosedForm, assertRule, type HyperSource } from "./program";
import type { Precision } from "./trace";

/** What the init function is told about a run. */
export interface RunInfo {
  /** flat run index */
  index: number;
  /** this run's gridded hyperparameter values */
  cell: Record<string, number>;
  seed: number;
  /** a generator for this run's initialisation: `new Rng(seed, 2³⁰ + index)` (a stream apart from the noise's) */
  rng: Rng;
}

export interface SweepProgress {
  done: number;
  total: number;
  seconds: number;
}

export interface SweepSpec {
  /** A closed-form landscape (lib/landscapes). */
  landscape: ClosedFormLandscape;
  /** An elementwise or oracle rule (lib/optimizers), e.g. `adamRule()`. */
  optimizer: Rule;
  /** One starting point for every run, a flat array of runs × dim, or a function of the run. */
  init: readonly number[] | Float64Array | ((run: RunInfo) => readonly number[]);
  steps: number;
  /** Hyperparameter axes, swept as an outer product in the order given. */
  grid?: Readonly<Record<string, readonly number[] | Float64Array>>;
  /**
   * Fixed hyperparameters (overriding the rule's defaults) or schedules `(count) => value`, read at
   * count = 0..steps−1, the number of updates done before this one (optax's convention, as
   * `adam({ lr: schedule })`; the rule's own t = count + 1). See lib/engine/README.md.
   */
  hyper?: Readonly<Record<string, number | ((count: number) => number)>>;
  /** Multipliers `(count) => factor` applied to a hyperparameter (gridded, fixed or default), count as in `hyper`. */
  schedule?: Readonly<Record<string, (count: number) => number>>;
  /** Seeds (an array, or a count n for seeds 0..n−1): the last grid axis, named "seed". */
  seeds?: readonly number[] | number;
  /**
   * "final" (default); `{ every: k }`: loss and iterate at steps 0, k, 2k, … ≤ steps; or
   * `{ steps: [...] }`: at the listed steps (0..steps, e.g. log-spaced), sorted, duplicates dropped.
   */
  record?: "final" | { every: number } | { steps: readonly number[] };
  /** "float64" (default) or "float32" (every operation rounded to single precision). */
  precision?: Precision;
  /** A run diverges at the first step where some coordinate is non-finite or |xᵢ| > bound. Default 1e8. */
  bound?: number;
  /** Worker threads: 0 runs on the calling thread; "auto" (default) uses all cores for large sweeps. */
  workers?: number | "auto";
  /**
   * Kernel: "auto" (default) uses the WebAssembly SIMD kernel when the step qualifies (float64, no
   * noise, no histories, only f64x2 operations in the loop — see `wasmIneligible`), else the JS
   * kernel; "js" and "wasm" force one ("wasm" throws, saying why, when the step does not qualify).
   * Both return the same bits.
   */
  kernel?: "auto" | "js" | "wasm";
  /**
   * Tabulate expressions of the step and gridded hyperparameters (e.g. 1 − β₁ᵗ for a β₁ grid) per
   * distinct combination instead of recomputing them per run (see hypertables.ts). Default true;
   * the results are the same bits either way.
   */
  hyperTables?: boolean;
  /** Runs interleaved per loop (independent dependency chains the CPU overlaps). Default 4. */
  lanes?: number;
  /**
   * Progress: "auto" (default: shown for sweeps of 10⁸ point-steps or more), true, false, or a
   * callback. On a terminal one updating line; elsewhere (notebooks) a line per 10 %.
   */
  progress?: boolean | "auto" | ((p: SweepProgress) => void);
}

/** Stream offset of the initialisation generators, so they never coincide with a run's noise stream. */
export const INIT_STREAM = 2 ** 30;

export interface ResolvedSweep {
  landscape: ClosedFormLandscape;
  rule: Rule;
  dim: number;
  steps: number;
  runs: number;
  axes: string[];
  shape: number[];
  axisValues: Record<string, Float64Array>;
  /** per-run values of each gridded hyperparameter (run-major) */
  hyperRuns: Record<string, Float64Array>;
  /** the arrays the kernel reads, in `HyperSource.run` index order */
  hyperArrays: Float64Array[];
  /** per-step tables, in `HyperSource.sched` index order (entry t−1 is step t, the schedule at count t−1) */
  schedTables: Float64Array[];
  hyperSources: Record<string, HyperSource>;
  seedOfRun: Int32Array;
  x0: Float64Array;
  /** 4 words per run: run r's noise stream, seedState(seed, r) — as `landscapeLoss` does for batch row r */
  rngState: Uint32Array;
  /** steps at which loss and iterate are recorded (empty: final values only) */
  recordSteps: Int32Array;
  precision: Precision;
  bound: number;
}

function finiteArray(name: string, v: unknown): Float64Array {
  if (!(Array.isArray(v) || v instanceof Float64Array || v instanceof Float32Array) || v.length === 0) {
    throw new Error(`sweep: grid axis "${name}" must be a non-empty array of numbers, got ${String(v)}`);
  }
  const a = Float64Array.from(v as ArrayLike<number>);
  a.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`sweep: grid axis "${name}"[${i}] is ${x}; values must be finite numbers`);
  });
  return a;
}

/** Validates a sweep spec and lays out its runs. Throws errors that name the problem. */
export function resolveSweep(spec: SweepSpec): ResolvedSweep {
  if (!spec || typeof spec !== "object") throw new Error("sweep: expected a spec object");
  assertClosedForm(spec.landscape);
  assertRule(spec.optimizer);
  const landscape = spec.landscape,
    rule = spec.optimizer,
    dim = landscape.dim;
  if (!Number.isInteger(spec.steps) || spec.steps < 1)
    throw new Error(`sweep: steps must be a positive integer, got ${spec.steps}`);
  const steps = spec.steps;
  const known = Object.keys(rule.defaults);
  const checkName = (where: string, name: string) => {
    if (!known.includes(name)) {
      throw new Error(
        `sweep: unknown hyperparameter "${name}" in ${where} for rule ${rule.name} (its hyperparameters: ${known.join(", ") || "none"})`,
      );
    }
  };
  const grid = spec.grid ?? {};
  const axes: string[] = [];
  const axisValues: Record<string, Float64Array> = {};
  for (const [name, vals] of Object.entries(grid)) {
    if (name === "seed") throw new Error('sweep: "seed" is not a hyperparameter; give seeds with the `seeds` option');
    checkName("grid", name);
    axes.push(name);
    axisValues[name] = finiteArray(name, vals);
  }
  for (const name of Object.keys(spec.hyper ?? {})) {
    checkName("hyper", name);
    if (name in grid)
      throw new Error(`sweep: hyperparameter "${name}" is both gridded and fixed in \`hyper\`; give it once`);
  }
  for (const name of Object.keys(spec.schedule ?? {})) {
    checkName("schedule", name);
    if (typeof spec.schedule![name] !== "function")
      throw new Error(`sweep: schedule.${name} must be a function (count) => factor`);
  }
  let seeds: number[] | undefined;
  if (spec.seeds !== undefined) {
    seeds = typeof spec.seeds === "number" ? Array.from({ length: spec.seeds }, (_, i) => i) : [...spec.seeds];
    if (seeds.length === 0) throw new Error("sweep: seeds must be a positive count or a non-empty array");
    for (const s of seeds) if (!Number.isInteger(s)) throw new Error(`sweep: seeds must be integers, got ${s}`);
    axes.push("seed");
    axisValues.seed = Float64Array.from(seeds);
  }
  const shape = axes.map((a) => axisValues[a].length);
  const runs = shape.reduce((a, b) => a * b, 1);
  if (runs > 2 ** 31 / 4) throw new Error(`sweep: ${runs} runs is too many for one sweep; split it`);

  // Per-run values of each axis (row-major: the last axis varies fastest).
  const perRun = (axis: number): Float64Array => {
    const out = new Float64Array(runs);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const vals = axisValues[axes[axis]];
    for (let r = 0; r < runs; r++) out[r] = vals[Math.floor(r / inner) % vals.length];
    return out;
  };
  const hyperRuns: Record<string, Float64Array> = {};
  axes.forEach((a, i) => {
    if (a !== "seed") hyperRuns[a] = perRun(i);
  });
  const seedOfRun = seeds ? Int32Array.from(perRun(axes.length - 1)) : new Int32Array(runs);

  // Hyperparameter sources.
  const hyperArrays: Float64Array[] = [];
  const schedTables: Float64Array[] = [];
  // Schedules follow optax: the update at step t (1-based, the rule's t) reads the schedule at the
  // count of updates done before it, count = t − 1, as a tfjs transform does (hyperAt in
  // lib/optimizers/transform.ts); entry count of the table is the value at that count.
  const table = (name: string, f: (count: number) => number): number => {
    const tab = new Float64Array(steps);
    for (let count = 0; count < steps; count++) {
      const v = f(count);
      // (non-finite too: 1/√t written for 1-based steps gives ∞ at count 0 — say so rather than diverge)
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new Error(
          `sweep: schedule for "${name}" returned ${v} at count ${count} (step ${count + 1}); schedules are read at the 0-based count of updates done and must be finite`,
        );
      }
      tab[count] = v;
    }
    schedTables.push(tab);
    return schedTables.length - 1;
  };
  const hyperSources: Record<string, HyperSource> = {};
  for (const name of known) {
    const fixed = spec.hyper?.[name];
    const mult = spec.schedule?.[name];
    let src: HyperSource;
    if (name in grid) {
      hyperArrays.push(hyperRuns[name]);
      src = { kind: "run", index: hyperArrays.length - 1 };
      if (mult) src = { kind: "runSched", run: src.index, sched: table(name, mult) };
    } else if (typeof fixed === "function") {
      src = { kind: "sched", index: table(name, mult ? (t) => fixed(t) * mult(t) : fixed) };
    } else {
      const base = fixed ?? rule.defaults[name];
      if (typeof base !== "number" || Number.isNaN(base))
        throw new Error(`sweep: hyperparameter "${name}" must be a number, got ${base}`);
      src = mult ? { kind: "sched", index: table(name, (t) => base * mult(t)) } : { kind: "const", value: base };
    }
    hyperSources[name] = src;
  }

  // Initial points.
  const x0 = new Float64Array(runs * dim);
  const init = spec.init;
  if (typeof init === "function") {
    for (let r = 0; r < runs; r++) {
      const cell: Record<string, number> = {};
      for (const [k, v] of Object.entries(hyperRuns)) cell[k] = v[r];
      const p = init({ index: r, cell, seed: seedOfRun[r], rng: new Rng(seedOfRun[r], INIT_STREAM + r) });
      if (!p || p.length !== dim)
        throw new Error(`sweep: init returned ${p?.length} coordinates for run ${r}; ${landscape.name} has dim ${dim}`);
      for (let i = 0; i < dim; i++) x0[r * dim + i] = p[i];
    }
  } else if (init && (init.length === dim || init.length === runs * dim)) {
    if (init.length === dim) for (let r = 0; r < runs; r++) for (let i = 0; i < dim; i++) x0[r * dim + i] = init[i];
    else x0.set(init);
  } else {
    throw new Error(
      `sweep: init has ${(init as ArrayLike<number> | undefined)?.length} numbers; expected ${dim} (one point, dim of ${landscape.name}) ` +
        `or ${runs * dim} (runs × dim for ${runs} runs)`,
    );
  }
  x0.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`sweep: init coordinate ${i % dim} of run ${Math.floor(i / dim)} is ${v}`);
  });

  const rngState = new Uint32Array(4 * runs);
  for (let r = 0; r < runs; r++) seedState(seedOfRun[r], r, rngState, 4 * r);

  let recordSteps = new Int32Array(0);
  if (spec.record !== undefined && spec.record !== "final") {
    const rec = spec.record as { every?: number; steps?: readonly number[] };
    if (rec.steps !== undefined) {
      if (!Array.isArray(rec.steps) && !ArrayBuffer.isView(rec.steps))
        throw new Error("sweep: record.steps must be an array of step numbers");
      for (const s of rec.steps) {
        if (!Number.isInteger(s) || s < 0 || s > steps)
          throw new Error(`sweep: record.steps has ${s}; steps must be integers in 0..${steps}`);
      }
      recordSteps = Int32Array.from(new Set(rec.steps)).sort();
      if (recordSteps.length === 0)
        throw new Error('sweep: record.steps is empty; use record: "final" for final values only');
    } else {
      const e = rec.every;
      if (!Number.isInteger(e) || (e as number) < 1)
        throw new Error(
          `sweep: record must be "final", { every: k } with k ≥ 1 or { steps: [...] }, got ${JSON.stringify(spec.record)}`,
        );
      recordSteps = Int32Array.from({ length: Math.floor(steps / e!) + 1 }, (_, i) => i * e!);
    }
  }
  const precision = spec.precision ?? "float64";
  if (precision !== "float64" && precision !== "float32")
    throw new Error(`sweep: precision must be "float64" or "float32", got ${precision}`);
  const bound = spec.bound ?? 1e8;
  if (!(bound > 0)) throw new Error(`sweep: bound must be positive, got ${bound}`);
  return {
    landscape,
    rule,
    dim,
    steps,
    runs,
    axes,
    shape,
    axisValues,
    hyperRuns,
    hyperArrays,
    schedTables,
    hyperSources,
    seedOfRun,
    x0,
    rngState,
    recordSteps,
    precision,
    bound,
  };
}
