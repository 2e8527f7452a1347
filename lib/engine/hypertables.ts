/**
 * Tables for expressions of the step and per-run hyperparameters only — Adam's bias correction
 * 1 − β₁ᵗ when β₁ is gridded is the typical one. Such a value depends on the run only through a few
 * hyperparameters that take few distinct values across the grid (256 values of β₁ for a 256 × 256
 * grid of 65 536 runs), so it is computed once per distinct combination and step, with the same
 * expression, and read from a table in the loop: the same bits, a fraction of the `Math.pow` calls.
 */
import { lit, opExpr, reachable } from "./jsEmit";
import type { StepProgram } from "./program";
import type { Node } from "./trace";

export interface HyperTableGroup {
  /** the hyperparameter arrays (indices into the sweep's `hyperArrays`) its tables depend on */
  hyper: number[];
  /** ids of the tabulated nodes the loop reads */
  exported: number[];
}

export interface HyperTablePlan {
  groups: HyperTableGroup[];
  /** node id → its group and its table index (over all groups) */
  loads: Map<number, { group: number; table: number }>;
  nTables: number;
}

export const NO_HYPER_TABLES: HyperTablePlan = { groups: [], loads: new Map(), nTables: 0 };

/** Per-run data of a plan: each group's distinct combinations and each run's combination index. */
export interface HyperTableData {
  /** per group: per hyperparameter of the group, its value in each combination */
  values: Float64Array[][];
  /** per group: per run, its combination index */
  combo: Int32Array[];
}

function dynamicOf(): (n: Node) => boolean {
  const memo = new Map<number, boolean>();
  const dyn = (n: Node): boolean => {
    let d = memo.get(n.id);
    if (d !== undefined) return d;
    d =
      n.op === "draw" || (n.op === "input" && (n.input!.kind === "x" || n.input!.kind === "state")) || n.args.some(dyn);
    memo.set(n.id, d);
    return d;
  };
  return dyn;
}

/**
 * Chooses which step-and-hyperparameter expressions of `p` to tabulate, given the sweep's
 * per-run hyperparameter arrays: a group is tabulated when (distinct combinations × steps × its
 * tables) stays within `budget` entries in total.
 */
export function planHyperTables(
  p: StepProgram,
  hyperArrays: readonly Float64Array[],
  steps: number,
  budget = 1 << 23,
): { plan: HyperTablePlan; data: HyperTableData } {
  const roots = [...p.nextX, ...p.nextState.flat(), ...p.draws];
  const nodes = reachable(roots);
  const dyn = dynamicOf();
  const isStatic3 = (n: Node) => n.mask === 3 && n.op !== "input" && !dyn(n);
  const exportedSet = new Set<number>();
  for (const n of nodes) if (n.mask === 3 && dyn(n)) for (const a of n.args) if (isStatic3(a)) exportedSet.add(a.id);
  for (const r of roots) if (isStatic3(r)) exportedSet.add(r.id);
  const byKey = new Map<string, { hyper: number[]; exported: number[] }>();
  for (const id of [...exportedSet].sort((a, b) => a - b)) {
    const n = p.graph.nodes[id];
    const hyper = [
      ...new Set(
        reachable([n])
          .filter((m) => m.op === "input" && m.input!.kind === "hyper")
          .map((m) => (m.input as { index: number }).index),
      ),
    ].sort((a, b) => a - b);
    const key = hyper.join(",");
    if (!byKey.has(key)) byKey.set(key, { hyper, exported: [] });
    byKey.get(key)!.exported.push(id);
  }
  const runs = hyperArrays[0]?.length ?? 0;
  const plan: HyperTablePlan = { groups: [], loads: new Map(), nTables: 0 };
  const data: HyperTableData = { values: [], combo: [] };
  let used = 0;
  for (const g of byKey.values()) {
    // Distinct combinations of the group's hyperparameters (numbers keyed directly for one).
    const perCombo = steps * g.exported.length;
    const index = new Map<string | number, number>();
    const combo = new Int32Array(runs);
    let tooMany = false;
    for (let r = 0; r < runs && !tooMany; r++) {
      // (−0 is kept apart from +0: Map keys would merge them, and 1/h tells them apart)
      const one = g.hyper.length === 1 ? hyperArrays[g.hyper[0]][r] : 0;
      const key =
        g.hyper.length === 1
          ? Object.is(one, -0)
            ? "-0"
            : one
          : g.hyper.map((h) => (Object.is(hyperArrays[h][r], -0) ? "-0" : hyperArrays[h][r])).join(",");
      let c = index.get(key);
      if (c === undefined) {
        c = index.size;
        index.set(key, c);
        tooMany = used + index.size * perCombo > budget;
      }
      combo[r] = c;
    }
    if (tooMany) continue;
    const size = index.size * steps * g.exported.length;
    if (used + size > budget) continue;
    used += size;
    const values = g.hyper.map(() => new Float64Array(index.size));
    for (let r = 0; r < runs; r++) g.hyper.forEach((h, q) => (values[q][combo[r]] = hyperArrays[h][r]));
    const gi = plan.groups.length;
    plan.groups.push(g);
    for (const id of g.exported) plan.loads.set(id, { group: gi, table: plan.nTables++ });
    data.values.push(values);
    data.combo.push(combo);
  }
  return { plan, data };
}

/**
 * Source of `(function (HV, SC, T) {…})`, returning the tables of `plan` (table k has
 * combinations × T entries, entry c·T + t − 1 for combination c at step t), computed with the
 * kernel's own expressions.
 */
export function hyperTableSource(p: StepProgram, plan: HyperTablePlan): string {
  const f32 = p.graph.precision === "float32";
  const R = (e: string) => (f32 ? `Math.fround(${e})` : e);
  const ref = (n: Node): string => {
    if (n.op === "const") return lit(n.value);
    if (n.op === "input") {
      const inp = n.input!;
      if (inp.kind === "t") return "t";
      if (inp.kind === "hyper") return `h${inp.index}`;
    }
    return `v${n.id}`;
  };
  const lines = [`(function (HV, SC, T) {`, `  const HT = [];`];
  plan.groups.forEach((g, gi) => {
    const cone = reachable(g.exported.map((id) => p.graph.nodes[id]));
    lines.push(`  {`, `    const n = HV[${gi}][0].length;`);
    const first = plan.loads.get(g.exported[0])!.table;
    g.exported.forEach((_, q) => lines.push(`    HT[${first + q}] = new Float64Array(n * T);`));
    lines.push(`    for (let c = 0; c < n; c++) {`);
    g.hyper.forEach((h, q) => lines.push(`      const h${h} = ${R(`HV[${gi}][${q}][c]`)};`));
    lines.push(`      for (let t = 1; t <= T; t++) {`, `        const t1 = t - 1;`);
    for (const n of cone) {
      if (n.op === "const") continue;
      if (n.op === "input") {
        if (n.input!.kind === "sched") lines.push(`        const v${n.id} = ${R(`SC[${n.input!.index}][t1]`)};`);
        continue;
      }
      lines.push(`        const v${n.id} = ${opExpr(n, n.args.map(ref), f32)};`);
    }
    g.exported.forEach((id, q) => lines.push(`        HT[${first + q}][c * T + t1] = v${id};`));
    lines.push(`      }`, `    }`, `  }`);
  });
  lines.push(`  return HT;`, `})`);
  return lines.join("\n");
}

/** The nodes the step loop itself must compute: reachable from the roots without entering tables. */
export function loopNodes(roots: readonly Node[], plan: HyperTablePlan): Node[] {
  const seen = new Map<number, Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.set(n.id, n);
    if (plan.loads.has(n.id)) continue;
    for (const a of n.args) stack.push(a);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}
