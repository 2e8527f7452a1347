/**
 * Toy-sweep benchmarks for the fused engine (issue 13): the same sweep — one definition of the rule
 * and landscape — on the tfjs path (one batched program per step), in the engine on 1 and 2
 * threads, and, where `.venv-bench` has them, in PyTorch eager and JAX jit + lax.scan
 * (`bench/sweep_ref.py`). Ratios are against the engine on one thread (the kernel it picks: WebAssembly
 * SIMD here; a JS-kernel row shows the fallback); notes give point-steps/s (runs × steps / time).
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "../lib/backend";
import { sweep, sweepTfjs, type SweepSpec } from "../lib/engine";
import { bilinearGame, rosenbrock } from "../lib/landscapes";
import { adamRule, extragradientRule } from "../lib/optimizers";
import { timeMedian, type BenchContext, type Row } from "./index";

interface Workload {
  task: string;
  problem: "rosenbrock-adam" | "bilinear-extragradient";
  runs: number;
  steps: number;
  /** tfjs path: timed runs (it is slow on the largest sweep) */
  tfjsRuns: number;
}

/** Log-spaced per-run learning rates lo…hi (the Python side builds the same grid). */
function lrGrid(runs: number, lo: number, hi: number): number[] {
  return Array.from({ length: runs }, (_, i) => lo * (hi / lo) ** (i / Math.max(runs - 1, 1)));
}

function specOf(w: Workload): SweepSpec {
  return w.problem === "rosenbrock-adam"
    ? {
        landscape: rosenbrock(),
        optimizer: adamRule(),
        init: [-1.5, 2],
        steps: w.steps,
        grid: { lr: lrGrid(w.runs, 1e-4, 1e-1) },
        progress: false,
      }
    : {
        landscape: bilinearGame({ A: [[1]] }),
        optimizer: extragradientRule(),
        init: [1, 0.5],
        steps: w.steps,
        grid: { lr: lrGrid(w.runs, 1e-2, 3e-1) },
        progress: false,
      };
}

const rate = (w: Workload, ms: number) => `${((w.runs * w.steps) / (ms / 1000) / 1e6).toFixed(1)} M point-steps/s`;

export async function run(ctx?: BenchContext): Promise<Row[]> {
  const quick = ctx?.quick ?? false;
  const fmt = (n: number) => (n >= 1e6 && Math.log10(n) % 1 === 0 ? `10^${Math.log10(n)}` : String(n));
  const make = (problem: Workload["problem"], runs: number, steps: number, tfjsRuns: number): Workload => ({
    task: `sweep: ${problem === "rosenbrock-adam" ? "Rosenbrock-Adam" : "bilinear game, extragradient"}, ${fmt(runs)} runs × ${steps} steps`,
    problem,
    runs,
    steps,
    tfjsRuns,
  });
  const workloads: Workload[] = [
    make("rosenbrock-adam", 1000, quick ? 100 : 1000, 3),
    make("rosenbrock-adam", quick ? 10_000 : 1_000_000, quick ? 10 : 100, 1),
    make("bilinear-extragradient", 10_000, quick ? 100 : 1000, 3),
  ];
  const rows: Row[] = [];
  const backend = ctx?.backends.includes("wasm") ? "wasm" : (ctx?.backends[0] ?? "cpu");
  for (const w of workloads) {
    const spec = specOf(w);
    let kernel = "";
    const e1 = await timeMedian(async () => (kernel = (await sweep({ ...spec, workers: 0 })).kernel), {
      warmup: 1,
      runs: quick ? 3 : 5,
    });
    const ref = { impl: "engine, 1 thread", ms: e1.ms };
    rows.push({
      task: w.task,
      impl: "engine, 1 thread",
      ms: e1.ms,
      runs: e1.runs,
      note: `float64, ${kernel} kernel, ${rate(w, e1.ms)}`,
    });
    if (kernel === "wasm") {
      const ej = await timeMedian(() => sweep({ ...spec, workers: 0, kernel: "js" }), {
        warmup: 1,
        runs: quick ? 3 : 5,
      });
      rows.push({
        task: w.task,
        impl: "engine, 1 thread, JS kernel",
        ms: ej.ms,
        runs: ej.runs,
        ref,
        note: `float64, ${rate(w, ej.ms)}`,
      });
    }
    const e2 = await timeMedian(() => sweep({ ...spec, workers: 2 }), { warmup: 1, runs: quick ? 3 : 5 });
    rows.push({
      task: w.task,
      impl: "engine, 2 threads",
      ms: e2.ms,
      runs: e2.runs,
      ref,
      note: `float64, ${kernel} kernel, ${rate(w, e2.ms)}`,
    });
    await initBackend({ force: backend as never, quiet: true });
    const tfSpec = { ...spec, steps: w.steps };
    const tp = await timeMedian(() => sweepTfjs(tfSpec), { warmup: 1, runs: w.tfjsRuns });
    rows.push({
      task: w.task,
      impl: `tfjs path (${backend})`,
      ms: tp.ms,
      runs: tp.runs,
      ref,
      note: `float32, ${rate(w, tp.ms)}`,
    });
    const py = pythonRows(ctx, w, quick);
    for (const r of py) rows.push({ ...r, ref, note: `${r.note ?? ""}, ${rate(w, r.ms)}` });
    if (!py.length) rows.push({ task: w.task, impl: "pytorch / jax", ms: NaN, runs: 0, note: skippedNote });
  }
  return rows;
}

let skippedNote = "skipped: no Python with torch/jax (.venv-bench or OPTBOOK_BENCH_PYTHON)";

function pythonRows(ctx: BenchContext | undefined, w: Workload, quick: boolean): Row[] {
  if (!ctx?.python) return [];
  const script = join(dirname(fileURLToPath(import.meta.url)), "sweep_ref.py");
  try {
    const reps = quick ? 2 : w.runs * w.steps >= 1e8 ? 3 : 5;
    const out = execFileSync(ctx.python, [script, JSON.stringify([{ ...w }]), "--reps", String(reps)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const parsed = JSON.parse(out.trim().split("\n").pop()!) as { results: Row[]; skipped: string[] };
    if (parsed.skipped.length) skippedNote = `skipped: ${parsed.skipped.join("; ")}`;
    const rows = parsed.results.map((r) => ({ task: w.task, impl: r.impl, ms: r.ms, runs: r.runs, note: r.note }));
    if (parsed.skipped.length) rows.push({ task: w.task, impl: "pytorch / jax", ms: NaN, runs: 0, note: skippedNote });
    return rows;
  } catch (e) {
    skippedNote = `skipped: ${ctx.python} failed: ${(e as Error).message.split("\n")[0]}`;
    return [];
  }
}
