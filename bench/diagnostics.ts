/**
 * Diagnostics benchmark (`npm run bench -- --only diagnostics`): a 784–256–10 tanh MLP with mean
 * softmax cross-entropy at batch 256 (203,530 parameters), per tfjs backend, against PyTorch on
 * CPU with the same number of threads (`bench/diagnostics.py`, run in the same invocation when a
 * Python with torch is found — see `findBenchPython` in bench/index.ts).
 *
 * Tasks (each: warm-up, then the median of several runs):
 *  - hvp: one Hessian–vector product (double backprop), result read back to the host;
 *  - lanczos: top eigenvalue by 20 Lanczos steps with full reorthogonalisation (tol 0, so exactly 20);
 *  - slq: spectral density by SLQ, 2 probes × 20 Lanczos steps;
 *  - ntk: exact empirical NTK of 64 examples, traced over the 10 outputs ([64, 64]);
 *  - step: one Adam step (loss, gradient, update) through `lib/optimizers`.
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "../lib/backend";
import { logSoftmax } from "../lib/autodiff/gradients";
import { Rng } from "../lib/rng";
import { disposeTree, type Tree } from "../lib/tree";
import { empiricalNtk, hessianOperator, hvp, lanczos, spectralDensity } from "../lib/diagnostics";
import { adam, applyUpdates } from "../lib/optimizers";
import { timeMedian, type BenchContext, type Row } from "./index";

const HIDDEN = 256,
  IN = 784,
  OUT = 10,
  BATCH = 256,
  NTK_N = 64;
const LANCZOS_STEPS = 20,
  SLQ_PROBES = 2,
  SLQ_STEPS = 20;

interface Task {
  key: "hvp" | "lanczos" | "slq" | "ntk" | "step";
  label: string;
  /** Timed runs on fast backends; slow backends (a single call over `slowMs`) get one. */
  runs: number;
}

const TASKS: Task[] = [
  { key: "hvp", label: "HVP (double backprop)", runs: 7 },
  { key: "lanczos", label: `top eigenvalue, Lanczos ${LANCZOS_STEPS} steps`, runs: 3 },
  { key: "slq", label: `SLQ density, ${SLQ_PROBES} probes × ${SLQ_STEPS} steps`, runs: 3 },
  { key: "ntk", label: `exact NTK, ${NTK_N} examples (traced)`, runs: 3 },
  { key: "step", label: "one Adam step", runs: 7 },
];

function wasmThreads(): number {
  // tfjs-backend-wasm runs single-threaded in Node unless its threaded build can start workers.
  try {
    const b = tf.backend() as unknown as { wasm?: { _getThreadsCount?: () => number } };
    return b.wasm?._getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}

function setup(seed = 0) {
  const rng = new Rng(seed);
  const x = rng.normalTensor([BATCH, IN]);
  const labels = Array.from({ length: BATCH }, () => rng.int(OUT));
  const y = tf.oneHot(labels, OUT).toFloat();
  // PyTorch's nn.Linear default init: U(−1/√fan_in, 1/√fan_in).
  const params: Record<string, tf.Tensor> = {
    w1: rng.uniformTensor([IN, HIDDEN], -1 / Math.sqrt(IN), 1 / Math.sqrt(IN)),
    b1: rng.uniformTensor([HIDDEN], -1 / Math.sqrt(IN), 1 / Math.sqrt(IN)),
    w2: rng.uniformTensor([HIDDEN, OUT], -1 / Math.sqrt(HIDDEN), 1 / Math.sqrt(HIDDEN)),
    b2: rng.uniformTensor([OUT], -1 / Math.sqrt(HIDDEN), 1 / Math.sqrt(HIDDEN)),
  };
  const model = (p: Tree, xb: tf.Tensor) => {
    const q = p as Record<string, tf.Tensor>;
    const h = tf.tanh(tf.add(tf.matMul(xb, q.w1), q.b1));
    return tf.add(tf.matMul(h, q.w2), q.b2);
  };
  const loss = (p: Tree) => tf.neg(tf.mean(tf.sum(tf.mul(y, logSoftmax(model(p, x))), -1))) as tf.Scalar;
  const v = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, rng.normalTensor(t.shape)]));
  const xNtk = x.slice(0, NTK_N);
  return { x, y, params, model, loss, v, xNtk };
}

async function runTask(
  key: Task["key"],
  s: ReturnType<typeof setup>,
  state: { opt?: ReturnType<typeof adam>; optState?: unknown; params?: Tree },
): Promise<unknown> {
  switch (key) {
    case "hvp": {
      const out = hvp(s.loss, s.params, s.v) as Record<string, tf.Tensor>;
      await out.w1.data();
      disposeTree(out);
      return;
    }
    case "lanczos": {
      const r = await lanczos(hessianOperator(s.loss, s.params), {
        k: 1,
        maxIter: LANCZOS_STEPS,
        tol: 0,
        residuals: "estimate",
      });
      return r.values[0];
    }
    case "slq": {
      const r = await spectralDensity(hessianOperator(s.loss, s.params), {
        probes: SLQ_PROBES,
        steps: SLQ_STEPS,
        gridSize: 500,
      });
      return r.density.length;
    }
    case "ntk": {
      const k = await empiricalNtk(s.model, s.params, s.xNtk);
      return k.data[0];
    }
    case "step": {
      state.opt ??= adam({ lr: 1e-3 });
      state.params ??= Object.fromEntries(Object.entries(s.params).map(([k, t]) => [k, t.clone()]));
      state.optState ??= state.opt.init(state.params);
      const p = state.params as Record<string, tf.Tensor>;
      const names = Object.keys(p).sort();
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) =>
        s.loss(Object.fromEntries(names.map((n, i) => [n, xs[i]]))),
      )(names.map((n) => p[n]));
      const g = Object.fromEntries(names.map((n, i) => [n, grads[i]]));
      const r = state.opt.update(g, state.optState as never, p);
      const next = applyUpdates(p, r.updates) as Record<string, tf.Tensor>;
      disposeTree([g, r.updates, state.optState, p]);
      state.optState = r.state;
      state.params = next;
      const l = await value.data();
      value.dispose();
      return l[0];
    }
  }
}

function runPytorch(
  python: string,
  threads: number,
  quick: boolean,
  only?: string[],
): { ms: Record<string, number>; info: string } | { error: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  const cfg = {
    threads,
    warmup: quick ? 1 : 2,
    runs: quick ? 1 : 5,
    batch: BATCH,
    hidden: HIDDEN,
    lanczos_steps: LANCZOS_STEPS,
    slq_probes: SLQ_PROBES,
    slq_steps: SLQ_STEPS,
    ntk_n: NTK_N,
    only,
  };
  // Pin every BLAS/OpenMP pool to the same thread count as tfjs (numpy does the Lanczos reorthogonalisation).
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const r = spawnSync(python, [join(here, "diagnostics.py"), JSON.stringify(cfg)], {
    encoding: "utf8",
    timeout: 600_000,
    env,
  });
  if (r.status !== 0)
    return {
      error: `pytorch run failed: ${(r.stderr || r.error?.message || "").split("\n").slice(-3).join(" ").slice(0, 200)}`,
    };
  const last = r.stdout.trim().split("\n").pop() ?? "{}";
  const out = JSON.parse(last) as Record<string, number | string>;
  const ms: Record<string, number> = {};
  for (const t of TASKS) if (typeof out[t.key] === "number") ms[t.key] = out[t.key] as number;
  return { ms, info: `torch ${out.torch}, ${out.threads} thread(s)` };
}

export async function run(ctx?: BenchContext): Promise<Row[]> {
  const backends = ctx?.backends ?? ["wasm", "cpu"];
  const quick = ctx?.quick ?? false;
  const rows: Row[] = [];
  const tfRows: Row[] = [];
  // PyTorch runs each task right after the first backend's run of it, so both see similar machine load.
  const py = { ms: {} as Record<string, number>, info: "", error: undefined as string | undefined };
  const measurePy = (key: Task["key"]) => {
    if (!ctx?.python || py.error || key in py.ms) return;
    const r = runPytorch(ctx.python, threads, quick, [key]);
    if ("error" in r) py.error = r.error;
    else {
      Object.assign(py.ms, r.ms);
      py.info = r.info;
    }
  };
  let threads = 1;
  // A single call slower than this is timed once.
  const slowMs = 40_000;
  for (const b of backends) {
    await initBackend({ force: b as never, quiet: true });
    if (b === "wasm") threads = wasmThreads();
    const s = setup(0);
    const state: Parameters<typeof runTask>[2] = {};
    let hvpMs = 0;
    for (const t of TASKS) {
      // Tasks built from many HVPs are skipped where the HVP alone says they would take minutes
      // (the pure-JS cpu backend at this size).
      // (The NTK's cost is 640 single-example vjps plus the contraction: estimated as 50 HVPs.)
      const hvps =
        t.key === "lanczos" ? LANCZOS_STEPS : t.key === "slq" ? SLQ_PROBES * SLQ_STEPS : t.key === "ntk" ? 50 : 0;
      if (hvps && hvpMs * hvps > 20_000) {
        tfRows.push({
          task: t.label,
          impl: b,
          ms: NaN,
          runs: 0,
          note: `skipped: ≈${((hvpMs * hvps) / 1000).toFixed(0)} s per call from the HVP time`,
        });
        continue;
      }
      const t0 = performance.now();
      await runTask(t.key, s, state); // first call: compile / allocate
      const first = performance.now() - t0;
      const slow = first > slowMs;
      const { ms, runs } = await timeMedian(() => runTask(t.key, s, state), {
        warmup: slow || quick || first > 1000 ? 0 : 1, // the cold call above already warmed up
        runs: quick ? 1 : slow ? 1 : t.runs,
      });
      tfRows.push({ task: t.label, impl: b, ms, runs });
      if (t.key === "hvp") hvpMs = ms;
      if (b === backends[0]) measurePy(t.key);
    }
    disposeTree([s.params, s.v, s.x, s.y, s.xNtk, state.params, state.optState]);
  }
  const keyOf = (label: string) => TASKS.find((t) => t.label === label)!.key;
  if (ctx?.python) {
    for (const t of TASKS) measurePy(t.key); // tasks the first backend skipped
    if (py.error) {
      rows.push(...tfRows.map((r) => ({ ...r, note: [r.note, py.error].filter(Boolean).join("; ") })));
    } else {
      const impl = `pytorch (${threads} thr)`;
      for (const t of TASKS) {
        const ref = py.ms[t.key];
        for (const r of tfRows.filter((x) => keyOf(x.task) === t.key))
          rows.push(ref ? { ...r, ref: { impl, ms: ref } } : r);
        if (ref) rows.push({ task: t.label, impl, ms: ref, runs: quick ? 1 : 5, note: py.info });
      }
    }
  } else {
    rows.push(...tfRows);
    rows.push({
      task: "(PyTorch reference)",
      impl: "pytorch",
      ms: NaN,
      runs: 0,
      note: "skipped: no .venv-bench/bin/python or OPTBOOK_BENCH_PYTHON",
    });
  }
  return rows;
}
