/**
 * Generates the sweep kernel's JavaScript source from a traced `StepProgram`:
 *
 *   for each group of `lanes` runs in [r0, r1):            (lanes interleave independent runs so
 *     load iterate, state, hyperparameters, noise stream    the CPU overlaps their dependency chains)
 *     hoist expressions of per-run hyperparameters only
 *     for t = 1..T:
 *       read per-step tables (expressions of t and schedules only, computed once per sweep)
 *       field → rule → projection        (straight-line code, one `const` per DAG node and lane)
 *       divergence check: every |xᵢ| ≤ bound (false for NaN) — else record the step and freeze
 *       at the recorded steps (a step → index table): record loss and iterate
 *     store final iterate and loss
 *
 * No allocation inside the loops. In float32 mode every rounded operation is wrapped in
 * `Math.fround`, which reproduces IEEE single-precision arithmetic exactly. Random draws inline
 * xoshiro128** (Blackman & Vigna 2018) on a per-lane copy of the run's 4-word state, with the
 * same uniform (53-bit) and Box–Muller normal constructions as `lib/rng.ts`; `test/engine` checks
 * the draws are bit-identical to `uniformFromState` / `normalFromState`.
 *
 * The source is plain JavaScript with no free variables, so worker threads can compile it too.
 */
import type { StepProgram } from "./program";
import type { Node } from "./trace";
import { loopNodes, NO_HYPER_TABLES, type HyperTablePlan } from "./hypertables";
import { lit, opExpr, reachable } from "./jsEmit";

// (kept exported from here for existing importers)
export { lit, opExpr, reachable };

export interface KernelOptions {
  steps: number;
  /** a run diverges when some |xᵢ| > bound or is not finite */
  bound: number;
  /** number of recorded steps (0: final values only); which steps is data (`P.RI`) */
  nRecord: number;
  lanes: number;
  /** step-and-hyperparameter expressions read from tables (see hypertables.ts) */
  hyperTables?: HyperTablePlan;
}

export interface KernelSource {
  /** `(function (P, r0, r1) {…})`: runs [r0, r1) of the sweep arrays in `P`. */
  kernel: string;
  /** `(function (SC, T) {…})`: returns the per-step tables, from the schedule tables `SC`. */
  tables: string;
  nTables: number;
  /** number of recorded points per run */
  nRecord: number;
}

// The generator's arithmetic, as in lib/rng.ts (xoshiroNext, uniformFromState, normalFromState).
const RNG_SOURCE = `
  function xo(s) {
    const s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0, n3 = (s3 ^ s1) >>> 0;
    s[1] = (s1 ^ n2) >>> 0; s[0] = (s0 ^ n3) >>> 0; s[2] = (n2 ^ t) >>> 0;
    s[3] = ((n3 << 11) | (n3 >>> 21)) >>> 0;
    return r;
  }
  function unif(s) { const a = xo(s) >>> 5; const b = xo(s) >>> 6; return (a * 67108864 + b) / 9007199254740992; }
  function norm(s) {
    let u = unif(s); if (u < 1e-300) u = 1e-300;
    const v = unif(s);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }`;

/**
 * `function lossAt(t, x0, …, x{D−1})`: the recorded loss (value with noise at its mean) at a point,
 * as JavaScript source. Rarely called (record steps, divergence, the end of a run).
 */
export function lossSource(p: StepProgram): string {
  const f32 = p.graph.precision === "float32";
  const ref = (a: Node): string => {
    if (a.op === "const") return lit(a.value);
    if (a.op === "input") return a.input!.kind === "x" ? `x${a.input!.index}` : "t";
    return `v${a.id}`;
  };
  const lines = [`function lossAt(t, ${Array.from({ length: p.dim }, (_, i) => `x${i}`).join(", ")}) {`];
  for (const n of reachable([p.loss])) {
    if (n.op === "const" || n.op === "input") continue;
    lines.push(`  const v${n.id} = ${opExpr(n, n.args.map(ref), f32)};`);
  }
  lines.push(`  return ${ref(p.loss)};`, `}`);
  return lines.join("\n");
}

/**
 * The per-step table program shared by the JS and WebAssembly kernels: expressions of the step
 * and schedules only, computed once per sweep; `exported` maps the node ids the loop reads to table
 * indices.
 */
export function tableProgram(
  p: StepProgram,
  nodes: readonly Node[],
  roots: readonly Node[],
  /** nodes read from hyperparameter tables: their arguments are not needed by the loop */
  skip: ReadonlySet<number> = new Set(),
): { source: string; exported: Map<number, number> } {
  const f32 = p.graph.precision === "float32";
  const isT = (n: Node) => n.op === "input" && n.input!.kind === "t";
  const stepOnly = nodes.filter((n) => n.mask === 1 && !isT(n));
  const exported = new Map<number, number>();
  const exportIfNeeded = (n: Node) => {
    if (n.mask === 1 && !isT(n) && !exported.has(n.id)) exported.set(n.id, exported.size);
  };
  for (const n of nodes) if (n.mask !== 1 && !skip.has(n.id)) for (const a of n.args) exportIfNeeded(a);
  for (const r of roots) exportIfNeeded(r);
  const tref = (n: Node): string => (n.op === "const" ? lit(n.value) : isT(n) ? "t" : `v${n.id}`);
  const tab: string[] = [];
  tab.push(`(function (SC, T) {`);
  tab.push(`  const TB = [${[...exported.keys()].map(() => `new Float64Array(T)`).join(", ")}];`);
  tab.push(`  for (let t = 1; t <= T; t++) {`);
  tab.push(`    const t1 = t - 1;`);
  for (const n of stepOnly) {
    const e =
      n.op === "input"
        ? f32
          ? `Math.fround(SC[${(n.input as { index: number }).index}][t1])`
          : `SC[${(n.input as { index: number }).index}][t1]`
        : opExpr(n, n.args.map(tref), f32);
    tab.push(`    const v${n.id} = ${e};`);
  }
  for (const [id, k] of exported) tab.push(`    TB[${k}][t1] = v${id};`);
  tab.push(`  }`, `  return TB;`, `})`);
  return { source: tab.join("\n"), exported };
}

/** Generates the kernel and table sources for `p`. */
export function generateKernel(p: StepProgram, opt: KernelOptions): KernelSource {
  const f32 = p.graph.precision === "float32";
  const R = (e: string) => (f32 ? `Math.fround(${e})` : e);
  const D = p.dim,
    L = Math.max(1, Math.floor(opt.lanes)),
    T = opt.steps;
  const nRecord = opt.nRecord;
  const every = nRecord > 0;
  const roots = [...p.nextX, ...p.nextState.flat(), ...p.draws];
  const plan = opt.hyperTables ?? NO_HYPER_TABLES;
  const nodes = loopNodes(roots, plan);

  const { source: tables, exported } = tableProgram(p, nodes, roots, new Set(plan.loads.keys()));
  const kref = (n: Node, lane: number): string => {
    if (n.op === "const") return lit(n.value);
    if (n.op === "input") {
      const inp = n.input!;
      if (inp.kind === "t") return "t";
      if (inp.kind === "x") return `x${inp.index}_${lane}`;
      if (inp.kind === "state") return `s${inp.slot}_${inp.index}_${lane}`;
      if (inp.kind === "hyper") return `h${inp.index}_${lane}`;
    }
    if (n.mask === 1) return `v${n.id}`;
    return `v${n.id}_${lane}`;
  };

  const lanes = Array.from({ length: L }, (_, j) => j);
  const k: string[] = [];
  const out = (s: string) => k.push(s);
  out(`(function (P, r0, r1) {`);
  out(`"use strict";`);
  out(
    `const X0 = P.X0, RS = P.RS, FX = P.FX, FL = P.FL, DV = P.DV, LH = P.LH, XH = P.XH, H = P.H, TB = P.TB, RI = P.RI, HT = P.HT, CI = P.CI;`,
  );
  out(`const T = ${T}, B = ${lit(opt.bound)}, NR = ${nRecord};`);
  out(RNG_SOURCE);
  // The recorded loss, value(x) with noise at its mean; rarely called (record steps, divergence, end).
  out(lossSource(p));
  const hyperIdx = [
    ...new Set(
      nodes
        .filter((n) => n.op === "input" && n.input!.kind === "hyper")
        .map((n) => (n.input as { index: number }).index),
    ),
  ];
  for (const j of lanes) out(`const Q${j} = new Uint32Array(4);`);
  for (const [, kk] of exported) out(`const TB${kk} = TB[${kk}];`);
  for (const i of hyperIdx) out(`const H${i} = H[${i}];`);
  for (const [, { table }] of plan.loads) out(`const HT${table} = HT[${table}];`);
  plan.groups.forEach((_, g) => out(`const CI${g} = CI[${g}];`));
  const xs = (j: number) => Array.from({ length: D }, (_, i) => `x${i}_${j}`).join(", ");
  const record = (j: number, idx: string) => {
    const lines = [`LH[run${j} * NR + ${idx}] = lossAt(${idx === "RI[0]" ? "1" : "t"}, ${xs(j)});`];
    for (let i = 0; i < D; i++) lines.push(`XH[(run${j} * NR + ${idx}) * ${D} + ${i}] = x${i}_${j};`);
    return lines.join(" ");
  };

  out(`for (let r = r0; r < r1; r += ${L}) {`);
  for (const j of lanes) {
    // A group running past r1 repeats run r1-1 in its spare lanes: same inputs, same stream copy,
    // same (identical) writes — so results never depend on how runs are grouped or split.
    out(j === 0 ? `  const run0 = r;` : `  const run${j} = r + ${j} < r1 ? r + ${j} : r1 - 1;`);
    for (let i = 0; i < D; i++) out(`  let x${i}_${j} = ${R(`X0[run${j} * ${D} + ${i}]`)};`);
    p.slots.forEach((_, s) => {
      for (let i = 0; i < D; i++)
        out(`  let s${s}_${i}_${j} = ${lit(f32 ? Math.fround(p.slotInit[s]) : p.slotInit[s])};`);
    });
    for (const i of hyperIdx) out(`  const h${i}_${j} = ${R(`H${i}[run${j}]`)};`);
    out(
      `  Q${j}[0] = RS[4 * run${j}]; Q${j}[1] = RS[4 * run${j} + 1]; Q${j}[2] = RS[4 * run${j} + 2]; Q${j}[3] = RS[4 * run${j} + 3];`,
    );
    out(`  let d${j} = 0;`);
    plan.groups.forEach((_, g) => out(`  const c${g}_${j} = CI${g}[run${j}] * T;`));
    if (every) out(`  if (RI[0] >= 0) { ${record(j, "RI[0]")} }`);
  }
  // Run-only nodes, hoisted out of the step loop.
  for (const n of nodes) {
    if (n.mask !== 2 || n.op === "input") continue;
    for (const j of lanes)
      out(
        `  const v${n.id}_${j} = ${opExpr(
          n,
          n.args.map((a) => kref(a, j)),
          f32,
        )};`,
      );
  }
  out(`  for (let t = 1; t <= T; t++) {`);
  out(`    const t1 = t - 1;`);
  for (const [id, kk] of exported) out(`    const v${id} = TB${kk}[t1];`);
  for (const n of nodes) {
    if (n.mask !== 3 || n.op === "input") continue;
    const load = plan.loads.get(n.id);
    for (const j of lanes) {
      if (load) {
        out(`    const v${n.id}_${j} = HT${load.table}[c${load.group}_${j} + t1];`);
        continue;
      }
      const e =
        n.op === "draw"
          ? R(n.dist === "uniform" ? `unif(Q${j})` : `norm(Q${j})`)
          : opExpr(
              n,
              n.args.map((a) => kref(a, j)),
              f32,
            );
      out(`    const v${n.id}_${j} = ${e};`);
    }
  }
  for (const j of lanes) {
    // Parallel assignment: read every new value before overwriting any variable.
    const assigns: [string, Node][] = [];
    p.nextX.forEach((n, i) => assigns.push([`x${i}_${j}`, n]));
    p.nextState.forEach((ns, s) => ns.forEach((n, i) => assigns.push([`s${s}_${i}_${j}`, n])));
    const direct = assigns.filter(([v, n]) => kref(n, j) !== v);
    direct.forEach(([, n], q) => out(`    const n${q}_${j} = ${kref(n, j)};`));
    direct.forEach(([v], q) => out(`    ${v} = n${q}_${j};`));
  }
  for (const j of lanes) {
    const ok = Array.from({ length: D }, (_, i) => `Math.abs(x${i}_${j}) <= B`).join(" && ");
    out(`    if (d${j} === 0 && !(${ok})) {`);
    out(`      d${j} = t; DV[run${j}] = t; FL[run${j}] = lossAt(t, ${xs(j)});`);
    for (let i = 0; i < D; i++) out(`      FX[run${j} * ${D} + ${i}] = x${i}_${j};`);
    out(`    }`);
  }
  out(`    if (${lanes.map((j) => `d${j} !== 0`).join(" && ")}) break;`);
  if (every) {
    out(`    const idx = RI[t];`);
    out(`    if (idx >= 0) {`);
    for (const j of lanes) out(`      if (d${j} === 0) { ${record(j, "idx")} }`);
    out(`    }`);
  }
  out(`  }`);
  for (const j of lanes) {
    out(`  if (d${j} === 0) {`);
    out(`    DV[run${j}] = 0; FL[run${j}] = lossAt(T, ${xs(j)});`);
    for (let i = 0; i < D; i++) out(`    FX[run${j} * ${D} + ${i}] = x${i}_${j};`);
    out(`  }`);
  }
  out(`}`);
  out(`})`);
  return { kernel: k.join("\n"), tables, nTables: exported.size, nRecord };
}
