/**
 * Traces one optimisation step — gradient (or game field) of a closed-form landscape, then an
 * elementwise or oracle update rule, then the landscape's projection — into an expression DAG.
 * The same `ElementwiseRule` / `OracleRule` / `ClosedFormLandscape` objects run as tfjs tensor code
 * through `tfOps`; here they run through `traceOps`, so no formula is written twice.
 */
import type { ClosedFormLandscape, LandscapeContext } from "../core/landscape";
import type { Ops, Val } from "../core/ops";
import type { ElementwiseRule, Noise, OracleRule, Rule } from "../core/rule";
import { gradient } from "./grad";
import { Graph, Node, traceOps, type Precision } from "./trace";

/** How one hyperparameter enters the compiled step. */
export type HyperSource =
  | { kind: "const"; value: number }
  /** per-run array `index` of the sweep's hyperparameter arrays */
  | { kind: "run"; index: number }
  /** per-step table `index` of the sweep's schedule tables (entry t − 1: the schedule at count t − 1) */
  | { kind: "sched"; index: number }
  /** per-run value × per-step multiplier */
  | { kind: "runSched"; run: number; sched: number };

export interface StepProgram {
  graph: Graph;
  dim: number;
  /** rule state slot names; state node [slot][coordinate] */
  slots: readonly string[];
  slotInit: readonly number[];
  x: Node[];
  state: Node[][];
  t: Node;
  nextX: Node[];
  nextState: Node[][];
  /** value(x) with noise at its mean (uniform → ½, normal → 0), at ctx.t = t: what gets recorded */
  loss: Node;
  draws: Node[];
}

/** Throws a clear error unless `landscape` has a closed form the engine can compile. */
export function assertClosedForm(landscape: unknown): asserts landscape is ClosedFormLandscape {
  const l = landscape as Partial<ClosedFormLandscape> | undefined;
  if (!l || typeof l.value !== "function" || !Number.isInteger(l.dim) || (l.dim as number) < 1) {
    const name = (l as { name?: string } | undefined)?.name ?? String(landscape);
    throw new Error(
      `engine: landscape "${name}" has no closed form (a ClosedFormLandscape needs \`dim\` and ` +
        "`value(o, x, ctx)` written against Ops); run it on the tfjs path instead (landscapeLoss + an optimizer)",
    );
  }
}

/** Throws a clear error unless `rule` is an elementwise or oracle rule. */
export function assertRule(rule: unknown): asserts rule is Rule {
  const r = rule as Partial<Rule> | undefined;
  if (!r || (r.kind !== "elementwise" && r.kind !== "oracle") || typeof r.step !== "function" || !r.defaults) {
    throw new Error(
      `engine: optimizer ${(r as { name?: string })?.name ?? String(rule)} is not an ElementwiseRule or OracleRule ` +
        "(lib/core/rule.ts); only those can be compiled",
    );
  }
}

/**
 * The per-coordinate field a rule descends: ∂f/∂xᵢ for coordinates of player 0 (minimiser) and
 * −∂f/∂xᵢ for player 1 (maximiser), so simultaneous descent `x − η·field(x)` is gradient
 * descent–ascent.
 */
export function fieldOf<T>(
  landscape: ClosedFormLandscape,
  grad: (value: (x: readonly T[]) => T, x: readonly T[]) => T[],
  o: Ops<T>,
  ctx: LandscapeContext<T>,
): (x: readonly T[]) => T[] {
  const players = landscape.players;
  return (x) => {
    const gr = grad((z) => landscape.value(o, z, ctx), x);
    return players ? gr.map((gi, i) => (players[i] === 1 ? o.neg(gi) : gi)) : gr;
  };
}

/**
 * One step of `rule` on `landscape` with any Ops: field → rule → projection. Elementwise rules
 * are applied coordinate by coordinate (coordinate 0 first), oracle rules see each coordinate as
 * one block. Both execution paths call this, so they draw noise in the same order.
 */
export function stepWith<T>(
  o: Ops<T>,
  landscape: ClosedFormLandscape,
  rule: Rule,
  field: (x: readonly T[]) => T[],
  x: readonly T[],
  state: Readonly<Record<string, readonly T[]>>,
  h: Record<string, Val<T>>,
  t: Val<T>,
  noise: Noise<T>,
): { x: T[]; state: Record<string, T[]> } {
  let nx: T[];
  let ns: Record<string, T[]>;
  if (rule.kind === "elementwise") {
    const r = rule as ElementwiseRule;
    const g = field(x);
    nx = [];
    ns = Object.fromEntries(r.state.map((k) => [k, [] as T[]]));
    for (let i = 0; i < x.length; i++) {
      const si = Object.fromEntries(r.state.map((k) => [k, state[k][i]]));
      const res = r.step(o, g[i], x[i], si, h, t, noise);
      nx.push(o.add(x[i], res.update));
      for (const k of r.state) {
        if (res.state[k] === undefined) throw new Error(`engine: rule ${r.name} did not return state slot "${k}"`);
        ns[k].push(res.state[k]);
      }
    }
  } else {
    const r = rule as OracleRule;
    const res = r.step(o, x, field, state, h, t, noise);
    nx = res.x;
    ns = res.state;
    if (nx.length !== x.length) throw new Error(`engine: rule ${r.name} returned ${nx.length} blocks for ${x.length}`);
  }
  if (landscape.project) nx = landscape.project(o, nx);
  return { x: nx, state: ns };
}

/** Traces one step of `rule` on `landscape` into a `StepProgram`. */
export function traceStep(
  landscape: ClosedFormLandscape,
  rule: Rule,
  hyper: Readonly<Record<string, HyperSource>>,
  precision: Precision,
): StepProgram {
  const g = new Graph(precision);
  const o = traceOps(g);
  const dim = landscape.dim;
  const slots = rule.state as readonly string[];
  const slotInit = slots.map((k) => (rule.init as Record<string, number> | undefined)?.[k] ?? 0);
  const x = Array.from({ length: dim }, (_, i) => g.input({ kind: "x", index: i }));
  const state = slots.map((_, s) =>
    Array.from({ length: dim }, (_, i) => g.input({ kind: "state", slot: s, index: i })),
  );
  const t = g.input({ kind: "t" });
  const draws: Node[] = [];
  const noise: Noise<Node> = {
    uniform: () => {
      const d = g.draw("uniform");
      draws.push(d);
      return d;
    },
    normal: () => {
      const d = g.draw("normal");
      draws.push(d);
      return d;
    },
  };
  const h: Record<string, Node> = {};
  for (const [name, src] of Object.entries(hyper)) {
    if (src.kind === "const") h[name] = g.const(src.value);
    else if (src.kind === "run") h[name] = g.input({ kind: "hyper", index: src.index, name });
    else if (src.kind === "sched") h[name] = g.input({ kind: "sched", index: src.index, name });
    else
      h[name] = g.op(
        "mul",
        g.input({ kind: "hyper", index: src.run, name }),
        g.input({ kind: "sched", index: src.sched, name }),
      );
  }
  const ctx: LandscapeContext<Node> = { ...noise, t };
  const field = fieldOf(landscape, (f, z) => gradient(g, f(z), z), o, ctx);
  const stateRec = Object.fromEntries(slots.map((k, s) => [k, state[s]]));
  let res: { x: Node[]; state: Record<string, Node[]> };
  try {
    res = stepWith(o, landscape, rule, field, x, stateRec, h, t, noise);
  } catch (e) {
    throw new Error(`engine: could not trace ${rule.name} on ${landscape.name}: ${(e as Error).message}`, { cause: e });
  }
  const nextX = res.x.map((v) => g.lift(v as Val<Node>));
  const nextState = slots.map((k) => {
    const v = res.state[k];
    if (!v || v.length !== dim)
      throw new Error(`engine: rule ${rule.name} returned state "${k}" with ${v?.length} blocks for ${dim}`);
    return v.map((n) => g.lift(n as Val<Node>));
  });
  const meanCtx: LandscapeContext<Node> = { uniform: () => g.const(0.5), normal: () => g.const(0), t };
  const loss = g.lift(landscape.value(o, x, meanCtx));
  return { graph: g, dim, slots, slotInit, x, state, t, nextX, nextState, loss, draws };
}
