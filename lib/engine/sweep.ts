/**
 * `sweep`: many small optimisation runs (a hyperparameter grid × seeds) as one compiled loop over
 * typed arrays, split across worker threads by run ranges. Runs are independent and each run's
 * arithmetic and noise stream do not depend on which thread or group runs it, so results are
 * bit-identical for any number of workers.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { generateKernel, type KernelSource } from "./codegen";
import { traceStep, type StepProgram } from "./program";
import { generateWasmKernel, wasmIneligible } from "./wasm";
import { hyperTableSource, planHyperTables, type HyperTableData, type HyperTablePlan } from "./hypertables";
import { resolveSweep, type ResolvedSweep, type SweepProgress, type SweepSpec } from "./spec";

export interface SweepResult {
  /** grid axes in order (hyperparameters, then "seed" when seeds were given) */
  axes: string[];
  /** axis lengths; runs are laid out row-major over them */
  shape: number[];
  runs: number;
  steps: number;
  dim: number;
  /** each axis's values */
  axisValues: Record<string, Float64Array>;
  /** per-run value of each gridded hyperparameter */
  hyper: Record<string, Float64Array>;
  /** per-run seed */
  seed: Int32Array;
  /** loss at the last iterate (value with noise at its mean), per run; at the divergence step for diverged runs */
  finalLoss: Float64Array;
  /** last iterate, runs × dim (the iterate that triggered divergence, for diverged runs) */
  finalX: Float64Array;
  /** 1 where the run diverged */
  diverged: Uint8Array;
  /** the step at which it diverged (0 = never) */
  divergedAt: Int32Array;
  /** the recorded steps (0, k, 2k, … for `record: { every: k }`) */
  recordSteps?: Int32Array;
  /** recorded losses, runs × recordSteps.length; NaN after divergence */
  loss?: Float64Array;
  /** recorded iterates, runs × recordSteps.length × dim; NaN after divergence */
  x?: Float64Array;
  precision: "float64" | "float32";
  /** which kernel ran: the WebAssembly SIMD one or the JavaScript one */
  kernel: "js" | "wasm";
  workers: number;
  seconds: number;
}

/** The arrays a kernel reads and writes. */
interface KernelArrays {
  X0: Float64Array;
  RS: Uint32Array;
  FX: Float64Array;
  FL: Float64Array;
  DV: Int32Array;
  LH: Float64Array;
  XH: Float64Array;
  H: Float64Array[];
  TB: Float64Array[];
  /** step → record index, or −1 (length steps + 1) */
  RI: Int32Array;
  /** hyperparameter tables (see hypertables.ts) and each group's per-run combination index */
  HT: Float64Array[];
  CI: Int32Array[];
  /** identifies the sweep, so a wasm instance reloads its tables once per sweep */
  ID: number;
}

type Kernel = (P: KernelArrays, r0: number, r1: number) => void;

const compileCache = new Map<string, Kernel>();
function compile<F>(src: string): F {
  return new Function(`return ${src}`)() as F;
}
function compileKernel(src: string): Kernel {
  let k = compileCache.get(src);
  if (!k) {
    k = compile<Kernel>(src);
    if (compileCache.size > 64) compileCache.clear();
    compileCache.set(src, k);
  }
  return k;
}

/**
 * Traces and generates the kernel for a resolved sweep (exposed for inspection and tests): the
 * WebAssembly SIMD kernel where `kernel` allows and the step qualifies, else the JS kernel.
 */
export function buildKernel(
  r: ResolvedSweep,
  lanes = 4,
  kernel: "auto" | "js" | "wasm" = "auto",
  useHyperTables = true,
): KernelSource & { backend: "js" | "wasm"; hyperTables: string; hyperData: HyperTableData } {
  const program = tracedStep(r);
  const { plan, data } = planHyperTables(program, r.hyperArrays, r.steps, useHyperTables ? 1 << 23 : 0);
  // Generated sources depend on the program, the options and which tables the data allowed.
  const key = JSON.stringify([r.steps, r.bound, r.recordSteps.length, lanes, kernel, plan.groups]);
  let bySource = generated.get(program);
  if (!bySource) generated.set(program, (bySource = new Map()));
  const hit = bySource.get(key);
  if (hit) return { ...hit, hyperData: data };
  const out = generate(r, program, plan, lanes, kernel);
  if (bySource.size > 32) bySource.clear();
  bySource.set(key, out);
  return { ...out, hyperData: data };
}

// Traced programs per (landscape, rule, hyperparameter sources, precision), and generated sources
// per program and options: repeated sweeps of one problem skip tracing and code generation.
const traced = new WeakMap<object, WeakMap<object, Map<string, StepProgram>>>();
const generated = new WeakMap<
  StepProgram,
  Map<string, KernelSource & { backend: "js" | "wasm"; hyperTables: string }>
>();

function tracedStep(r: ResolvedSweep): StepProgram {
  let byRule = traced.get(r.landscape);
  if (!byRule) traced.set(r.landscape, (byRule = new WeakMap()));
  let byKey = byRule.get(r.rule);
  if (!byKey) byRule.set(r.rule, (byKey = new Map()));
  const key = JSON.stringify([r.hyperSources, r.precision]);
  let p = byKey.get(key);
  if (!p) {
    p = traceStep(r.landscape, r.rule, r.hyperSources, r.precision);
    if (byKey.size > 32) byKey.clear();
    byKey.set(key, p);
  }
  return p;
}

function generate(
  r: ResolvedSweep,
  program: StepProgram,
  plan: HyperTablePlan,
  lanes: number,
  kernel: "auto" | "js" | "wasm",
): KernelSource & { backend: "js" | "wasm"; hyperTables: string } {
  const hyperTables = hyperTableSource(program, plan);
  if (kernel !== "js") {
    const why = wasmIneligible(program, { nRecord: r.recordSteps.length });
    if (!why) {
      // `lanes` runs per group: lanes/2 f64x2 vectors
      const w = generateWasmKernel(program, {
        steps: r.steps,
        bound: r.bound,
        vectors: Math.max(1, Math.round(lanes / 2)),
        hyperTables: plan,
      });
      return { kernel: w.kernel, tables: w.tables, nTables: w.nTables, nRecord: 0, backend: "wasm", hyperTables };
    }
    if (kernel === "wasm")
      throw new Error(`sweep: kernel "wasm" cannot run ${r.rule.name} on ${r.landscape.name}: ${why}`);
  }
  const js = generateKernel(program, {
    steps: r.steps,
    bound: r.bound,
    nRecord: r.recordSteps.length,
    lanes,
    hyperTables: plan,
  });
  return { ...js, backend: "js", hyperTables };
}

/** Source of the generated kernel for a spec, for reading what the engine compiles. */
export function sweepSource(spec: SweepSpec): KernelSource & { backend: "js" | "wasm"; hyperTables: string } {
  const r = resolveSweep(spec);
  return buildKernel(r, spec.lanes ?? 4, spec.kernel ?? "auto", spec.hyperTables ?? true);
}

let sweepIds = 0;

function recordIndex(r: ResolvedSweep, shared: boolean): Int32Array {
  const ri = alloc(Int32Array, r.steps + 1, shared).fill(-1);
  r.recordSteps.forEach((s, i) => (ri[s] = i));
  return ri;
}

function alloc<A extends Float64Array | Int32Array | Uint32Array>(
  ctor: { new (b: ArrayBufferLike): A; BYTES_PER_ELEMENT: number },
  n: number,
  shared: boolean,
): A {
  const bytes = Math.max(n, 1) * ctor.BYTES_PER_ELEMENT;
  return new ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)).subarray(0, n) as A;
}
/** `a` itself, or a copy on shared memory when workers will read it. */
function share<A extends Float64Array | Int32Array | Uint32Array>(a: A, shared: boolean): A {
  if (!shared) return a;
  const out = alloc(a.constructor as { new (b: ArrayBufferLike): A; BYTES_PER_ELEMENT: number }, a.length, true);
  (out as unknown as { set(x: A): void }).set(a);
  return out;
}

// A worker compiles each kernel source once and runs [r0, r1) jobs on the shared arrays it is sent.
// It keeps the last WORKER_CACHE kernels, evicting the oldest first — the main thread mirrors the
// same rule in `seen`, so it knows when to send a source again.
const WORKER_CACHE = 32;
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const cache = new Map();
parentPort.on("message", (m) => {
  try {
    let k = cache.get(m.key);
    if (!k) {
      k = (0, eval)(m.src);
      if (cache.size >= ${WORKER_CACHE}) cache.delete(cache.keys().next().value);
      cache.set(m.key, k);
    }
    k(m.P, m.r0, m.r1);
    parentPort.postMessage({ r0: m.r0, r1: m.r1 });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.stack || e) });
  }
});
`;

/**
 * A pool of worker threads kept between sweeps (starting a worker costs tens of milliseconds).
 * Workers are unref'd while idle so they never keep a script alive, and one sweep uses the pool at
 * a time.
 */
const pool: { worker: Worker; seen: Set<string> }[] = [];
let poolQueue: Promise<unknown> = Promise.resolve();

function poolWorkers(n: number): { worker: Worker; seen: Set<string> }[] {
  while (pool.length < n) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const entry = { worker, seen: new Set<string>() };
    worker.on("error", () => {
      const i = pool.indexOf(entry);
      if (i >= 0) pool.splice(i, 1);
    });
    pool.push(entry);
  }
  return pool.slice(0, n);
}

function progressReporter(spec: SweepSpec, total: number, work: number): ((p: SweepProgress) => void) | undefined {
  const opt = spec.progress ?? "auto";
  if (typeof opt === "function") return opt;
  if (opt === false || (opt === "auto" && work < 1e8)) return undefined;
  const tty = Boolean(process.stderr.isTTY);
  let lastShown = -1;
  return ({ done, total: n, seconds }) => {
    const pct = Math.floor((100 * done) / n);
    const line = `sweep: ${done}/${n} runs (${pct}%) ${seconds.toFixed(1)} s`;
    if (tty) process.stderr.write(`\r${line}${done === n ? "\n" : ""}`);
    else if (Math.floor(pct / 10) !== Math.floor(lastShown / 10) || done === n) console.log(line);
    lastShown = pct;
  };
}

/**
 * Runs every (grid cell × seed) of `spec` for `spec.steps` steps of `spec.optimizer` on
 * `spec.landscape`, as one compiled typed-array loop (see `codegen.ts`):
 * x_{t} = proj(x_{t−1} + rule(field(x_{t−1}), …)), field = ∇f (−∇f for maximising players).
 *
 * @example
 * const r = await sweep({ landscape: rosenbrock(), optimizer: adamRule(), init: [-1.5, 2], steps: 2000,
 *   grid: { lr: logspace(-4, 0, 256), b1: linspace(0, 0.99, 256) } });
 * // r.finalLoss is 256 × 256 (row-major, lr slowest); r.diverged marks the diverged cells.
 */
export async function sweep(spec: SweepSpec): Promise<SweepResult> {
  const r = resolveSweep(spec);
  const work = r.runs * r.steps;
  const cores = availableParallelism();
  let workers = spec.workers ?? "auto";
  if (workers === "auto") workers = work >= 3e7 && r.runs >= 64 ? cores : 0;
  if (!Number.isInteger(workers) || workers < 0)
    throw new Error(`sweep: workers must be a non-negative integer or "auto", got ${workers}`);
  workers = Math.min(workers, r.runs);
  const lanes = spec.lanes ?? 4;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 16)
    throw new Error(`sweep: lanes must be an integer in 1..16, got ${lanes}`);
  const kernelChoice = spec.kernel ?? "auto";
  if (!["auto", "js", "wasm"].includes(kernelChoice))
    throw new Error(`sweep: kernel must be "auto", "js" or "wasm", got ${kernelChoice}`);
  const src = buildKernel(r, lanes, kernelChoice, spec.hyperTables ?? true);
  const shared = workers > 0;
  const TB = compile<(SC: Float64Array[], T: number) => Float64Array[]>(src.tables)(r.schedTables, r.steps);
  const nRec = src.nRecord;
  const P: KernelArrays = {
    X0: share(r.x0, shared),
    RS: share(r.rngState, shared),
    FX: alloc(Float64Array, r.runs * r.dim, shared),
    FL: alloc(Float64Array, r.runs, shared),
    DV: alloc(Int32Array, r.runs, shared),
    LH: alloc(Float64Array, r.runs * nRec, shared),
    XH: alloc(Float64Array, r.runs * nRec * r.dim, shared),
    H: r.hyperArrays.map((h) => share(h, shared)),
    TB: TB.map((t) => share(t, shared)),
    RI: recordIndex(r, shared),
    HT: compile<(HV: Float64Array[][], SC: Float64Array[], T: number) => Float64Array[]>(src.hyperTables)(
      src.hyperData.values,
      r.schedTables,
      r.steps,
    ).map((t) => share(t, shared)),
    CI: src.hyperData.combo.map((c) => share(c, shared)),
    ID: ++sweepIds,
  };
  P.LH.fill(NaN);
  P.XH.fill(NaN);
  const report = progressReporter(spec, r.runs, work);
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  // Chunks of whole lane groups; several per worker so uneven runs (early divergence) balance out.
  const parts = Math.max(1, workers) * 8;
  const chunk = Math.max(lanes, lanes * Math.ceil(r.runs / (lanes * parts)));

  if (workers === 0) {
    const kernel = compileKernel(src.kernel);
    let lastReport = performance.now();
    for (let a = 0; a < r.runs; a += chunk) {
      kernel(P, a, Math.min(a + chunk, r.runs));
      if (report && (performance.now() - lastReport > 500 || a + chunk >= r.runs)) {
        report({ done: Math.min(a + chunk, r.runs), total: r.runs, seconds: seconds() });
        lastReport = performance.now();
      }
    }
  } else {
    await runOnWorkers(src.kernel, P, r.runs, chunk, workers, (done) =>
      report?.({ done, total: r.runs, seconds: seconds() }),
    );
  }

  const secs = seconds();
  const plain = <A extends Float64Array | Int32Array>(a: A): A => (shared ? (a.slice() as A) : a);
  const divergedAt = plain(P.DV);
  const result: SweepResult = {
    axes: r.axes,
    shape: r.shape,
    runs: r.runs,
    steps: r.steps,
    dim: r.dim,
    axisValues: r.axisValues,
    hyper: r.hyperRuns,
    seed: r.seedOfRun,
    finalLoss: plain(P.FL),
    finalX: plain(P.FX),
    diverged: Uint8Array.from(divergedAt, (d) => (d > 0 ? 1 : 0)),
    divergedAt,
    precision: r.precision,
    kernel: src.backend,
    workers,
    seconds: secs,
  };
  if (nRec > 0) {
    result.recordSteps = r.recordSteps.slice();
    result.loss = plain(P.LH);
    result.x = plain(P.XH);
  }
  return result;
}

let kernelKeys = 0;
const keyOfSource = new Map<string, string>();

async function runOnWorkers(
  kernelSrc: string,
  P: KernelArrays,
  runs: number,
  chunk: number,
  n: number,
  onDone: (done: number) => void,
): Promise<void> {
  const mine = poolQueue.then(() => runJobs(kernelSrc, P, runs, chunk, n, onDone));
  poolQueue = mine.catch(() => undefined);
  return mine;
}

async function runJobs(
  kernelSrc: string,
  P: KernelArrays,
  runs: number,
  chunk: number,
  n: number,
  onDone: (done: number) => void,
): Promise<void> {
  let key = keyOfSource.get(kernelSrc);
  if (!key) {
    if (keyOfSource.size > 64) keyOfSource.clear();
    key = `k${kernelKeys++}`;
    keyOfSource.set(kernelSrc, key);
  }
  const queue: [number, number][] = [];
  for (let a = 0; a < runs; a += chunk) queue.push([a, Math.min(a + chunk, runs)]);
  let done = 0;
  const workers = poolWorkers(n);
  const listeners: (() => void)[] = [];
  try {
    await Promise.all(
      workers.map(
        (entry) =>
          new Promise<void>((resolve, reject) => {
            const w = entry.worker;
            const next = () => {
              const job = queue.shift();
              if (!job) return resolve();
              const first = !entry.seen.has(key!);
              if (first) {
                if (entry.seen.size >= WORKER_CACHE) entry.seen.delete(entry.seen.values().next().value!);
                entry.seen.add(key!);
              }
              w.postMessage({ key, src: first ? kernelSrc : undefined, P, r0: job[0], r1: job[1] });
            };
            const onMessage = (m: { r0: number; r1: number; error?: string }) => {
              if (m.error) return reject(new Error(`sweep: worker failed: ${m.error}`));
              done += m.r1 - m.r0;
              onDone(done);
              next();
            };
            const onError = (e: Error) => reject(new Error(`sweep: worker failed: ${e.message}`));
            const onExit = (code: number) => reject(new Error(`sweep: worker exited with code ${code}`));
            w.on("message", onMessage);
            w.on("error", onError);
            w.on("exit", onExit);
            listeners.push(() => {
              w.off("message", onMessage);
              w.off("error", onError);
              w.off("exit", onExit);
            });
            w.ref();
            next();
          }),
      ),
    );
  } finally {
    for (const off of listeners) off();
    for (const { worker } of workers) worker.unref();
  }
}
