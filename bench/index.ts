/**
 * `npm run bench [-- --only <name>[,<name>…]] [-- --quick] [-- --backends wasm,cpu]`
 *
 * Runs every benchmark module `bench/<name>.ts` (all `.ts` files here except this one) and prints
 * one table. Not part of `npm test` / CI.
 *
 * ## Writing a benchmark module
 *
 * A module exports
 *
 *     export async function run(ctx: BenchContext): Promise<Row[]>
 *
 * (`ctx` may be ignored). It switches backends itself (`await initBackend({ force, quiet: true })`
 * for each of `ctx.backends`), times with `timeMedian` below (warm-up, then the median of several
 * runs) and returns one `Row` per (task, implementation). To compare against a reference (PyTorch,
 * the tfjs path of a fused engine, …), give the row a `ref`: the table prints `ms / ref.ms`.
 *
 * Import only types and helpers from this file (`import { type Row, timeMedian } from "./index"`):
 * it starts running only when it is the entry script, so importing it has no side effects.
 */
import { readdirSync, existsSync } from "node:fs";
import { dirname, join, basename, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cpus } from "node:os";

/** One line of the benchmark table. */
export interface Row {
  /** The workload, e.g. "hvp, 784-256-10 tanh MLP, batch 256". Rows with the same task are grouped. */
  task: string;
  /** What ran it: a tfjs backend ("wasm", "cpu", "webgpu"), "pytorch", "fused-engine", … */
  impl: string;
  /** Median wall time of one call, in milliseconds. */
  ms: number;
  /** Number of timed runs the median is over (after warm-up). */
  runs: number;
  /** A reference timing of the same task; the table prints the ratio ms / ref.ms. */
  ref?: { impl: string; ms: number };
  /** Anything worth a word: sizes, "skipped: …", throughput. */
  note?: string;
}

/** What `bench/index.ts` passes to each module's `run`. */
export interface BenchContext {
  /** tfjs backends to time on (those that load here, or those given with --backends). */
  backends: string[];
  /** Python interpreter with torch for reference rows, or null (modules then note the skip). */
  python: string | null;
  /** --quick: fewer runs and smaller sizes, for a smoke test of the bench itself. */
  quick: boolean;
}

export type BenchModule = { run(ctx?: BenchContext): Promise<Row[]> };

/**
 * Calls `fn` `warmup` times, then `runs` times, and returns the median wall time (ms) of the timed
 * calls. `fn` may be async (awaited; make it read its result so lazy backends finish their work).
 */
export async function timeMedian(
  fn: () => unknown | Promise<unknown>,
  opts: { warmup?: number; runs?: number } = {},
): Promise<{ ms: number; runs: number; all: number[] }> {
  const warmup = opts.warmup ?? 2,
    runs = opts.runs ?? 7;
  if (!(runs >= 1)) throw new Error(`timeMedian: runs must be >= 1, got ${runs}`);
  for (let i = 0; i < warmup; i++) await fn();
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    all.push(performance.now() - t0);
  }
  const s = [...all].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { ms: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, runs, all };
}

/** The Python with torch for reference rows: $OPTBOOK_BENCH_PYTHON, else `.venv-bench/bin/python`. */
export function findBenchPython(root = resolve(dirname(fileURLToPath(import.meta.url)), "..")): string | null {
  const env = process.env.OPTBOOK_BENCH_PYTHON;
  if (env) return env;
  const venv = join(root, ".venv-bench", "bin", "python");
  return existsSync(venv) ? venv : null;
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** Renders rows (with the module each came from) as a Markdown table. */
export function formatTable(rows: (Row & { module: string })[]): string {
  const head = ["module", "task", "impl", "median ms", "runs", "vs ref", "note"];
  const body = rows.map((r) => [
    r.module,
    r.task,
    r.impl,
    fmtMs(r.ms),
    String(r.runs),
    r.ref && Number.isFinite(r.ms) && Number.isFinite(r.ref.ms) ? `${(r.ms / r.ref.ms).toFixed(2)}× ${r.ref.impl}` : "",
    r.note ?? "",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

function parseArgs(argv: string[]): { only: string[] | null; quick: boolean; backends: string[] | null } {
  let only: string[] | null = null,
    quick = false,
    backends: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") {
      if (!argv[i + 1]) throw new Error("bench: --only needs a module name (e.g. --only diagnostics)");
      only = argv[++i].split(",").filter(Boolean);
    } else if (a.startsWith("--only=")) only = a.slice(7).split(",").filter(Boolean);
    else if (a === "--quick") quick = true;
    else if (a === "--backends") {
      if (!argv[i + 1]) throw new Error("bench: --backends needs a list (e.g. --backends wasm,cpu)");
      backends = argv[++i].split(",").filter(Boolean);
    } else if (a.startsWith("--backends=")) backends = a.slice(11).split(",").filter(Boolean);
    else throw new Error(`bench: unknown argument ${a} (use --only <name>, --quick, --backends <list>)`);
  }
  return { only, quick, backends };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  const names = readdirSync(here)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.endsWith(".d.ts"))
    .map((f) => basename(f, ".ts"))
    .sort();
  if (args.only) {
    const unknown = args.only.filter((n) => !names.includes(n));
    if (unknown.length) throw new Error(`bench: no module ${unknown.join(", ")} in bench/ (have: ${names.join(", ")})`);
  }
  const selected = args.only ? names.filter((n) => args.only!.includes(n)) : names;

  const { availableBackends, initBackend } = await import("../lib/backend");
  // webgpu/tensorflow are timed too where they load; this machine has wasm and cpu.
  const backends = args.backends ?? (await availableBackends());
  const python = findBenchPython();
  const ctx: BenchContext = { backends, python, quick: args.quick };
  const cpu = cpus();
  console.log(
    `optbook bench — ${new Date().toISOString().slice(0, 10)} — ${cpu.length}× ${cpu[0]?.model ?? "cpu"}, ` +
      `node ${process.version}, backends: ${backends.join(", ")}, ` +
      `pytorch: ${python ?? "skipped (no .venv-bench / OPTBOOK_BENCH_PYTHON)"}`,
  );

  const rows: (Row & { module: string })[] = [];
  for (const name of selected) {
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== "function") {
      console.log(`bench/${name}.ts exports no run(); skipped`);
      continue;
    }
    const t0 = performance.now();
    console.log(`running bench/${name}.ts …`);
    const out = await mod.run(ctx);
    for (const r of out) rows.push({ ...r, module: name });
    console.log(`  ${out.length} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (backends.length) await initBackend({ force: backends[0] as never, quiet: true });
  }
  console.log("\n" + formatTable(rows));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
