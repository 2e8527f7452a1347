/**
 * A tracer for `Ops`: running a rule or landscape with `traceOps(graph)` records its arithmetic as
 * an expression DAG instead of computing it. Nodes are hash-consed (common subexpressions share one
 * node) and constant subexpressions are folded with the same float64 (or float32) arithmetic the
 * generated code uses, so folding never changes a result's bits.
 *
 * Only identities exact for every input, NaN and signed zeros included, are applied: x·1, x/1,
 * x·(−1) = −x, x + (−0), x − (+0), (−0) − x = −x, −(−x). (x + 0 and 0 − x are not: −0 + 0 = +0, and
 * 0 − 0 = +0 ≠ −0.) Nothing that would change rounding (no reassociation, no x/c → x·(1/c)).
 */
import type { Ops, Val } from "../core/ops";
import { ENGINE_OPS, OP_TABLE, type EngineOp } from "../core/opTable";

/** A node's operation: a leaf (constant, input, random draw) or an op of the table (lib/core/opTable.ts). */
export type OpName = "const" | "input" | "draw" | EngineOp;

/** Where an input node's value comes from in the generated loop. */
export type InputKind =
  /** coordinate `index` of the current iterate */
  | { kind: "x"; index: number }
  /** state slot `slot` of coordinate `index` */
  | { kind: "state"; slot: number; index: number }
  /** a per-run hyperparameter (array over runs) */
  | { kind: "hyper"; index: number; name: string }
  /** a per-step schedule table shared by all runs */
  | { kind: "sched"; index: number; name: string }
  /** the 1-based step count */
  | { kind: "t" };

/**
 * What a node varies with, as a bit mask: bit 0 = the step, bit 1 = the run. Constants are 0,
 * step-only expressions (bias corrections of constant β) are tabulated once per sweep, run-only
 * expressions (functions of per-run hyperparameters) are hoisted out of the step loop.
 */
export const VARIES_STEP = 1;
export const VARIES_RUN = 2;

export class Node {
  constructor(
    readonly id: number,
    readonly op: OpName,
    readonly args: readonly Node[],
    readonly mask: number,
    /** for "const" */
    readonly value = 0,
    /** for "input" */
    readonly input?: InputKind,
    /** for "draw" */
    readonly dist?: "uniform" | "normal",
  ) {}
  /** Comparing a traced value in JavaScript would bake one branch into the compiled loop. */
  valueOf(): never {
    throw new Error(
      "engine: a rule or landscape used a traced value in JavaScript control flow or arithmetic " +
        "(e.g. `if (x > 0)` or `x * 2`); use Ops (o.where, o.mul, …) so the formula can be compiled",
    );
  }
  toString(): string {
    return `Node#${this.id}(${this.op})`;
  }
}

type Fold = (...a: number[]) => number;

/** The scalar semantics of every op (the op table's `num`), used for constant folding. */
export const FOLD = Object.fromEntries(ENGINE_OPS.map((op) => [op, OP_TABLE[op].num])) as Record<EngineOp, Fold>;

/** Ops whose result is exactly one of their arguments or a small integer: no float32 rounding needed. */
export const EXACT_OPS = new Set<OpName>(ENGINE_OPS.filter((op) => OP_TABLE[op].exact));

export type Precision = "float64" | "float32";

/** An expression DAG under construction. */
export class Graph {
  readonly nodes: Node[] = [];
  private readonly memo = new Map<string, Node>();
  private readonly round: (x: number) => number;

  constructor(readonly precision: Precision = "float64") {
    this.round = precision === "float32" ? Math.fround : (x) => x;
  }

  private push(op: OpName, args: Node[], value = 0, input?: InputKind, dist?: "uniform" | "normal"): Node {
    let mask = 0;
    for (const a of args) mask |= a.mask;
    if (input)
      mask = input.kind === "x" || input.kind === "state" ? 3 : input.kind === "hyper" ? VARIES_RUN : VARIES_STEP;
    if (op === "draw") mask = 3;
    const n = new Node(this.nodes.length, op, args, mask, value, input, dist);
    this.nodes.push(n);
    return n;
  }

  const(c: number): Node {
    const v = this.round(c);
    const key = Object.is(v, -0) ? "c:-0" : `c:${v}`;
    let n = this.memo.get(key);
    if (!n) {
      n = this.push("const", [], v);
      this.memo.set(key, n);
    }
    return n;
  }

  input(input: InputKind): Node {
    const key = `i:${JSON.stringify(input)}`;
    let n = this.memo.get(key);
    if (!n) {
      n = this.push("input", [], 0, input);
      this.memo.set(key, n);
    }
    return n;
  }

  /** A fresh random draw: never shared, never folded, always executed in creation order. */
  draw(dist: "uniform" | "normal"): Node {
    return this.push("draw", [], 0, undefined, dist);
  }

  lift(a: Val<Node>): Node {
    if (a instanceof Node) return a;
    if (typeof a !== "number") throw new Error(`engine: expected a number or traced value, got ${String(a)}`);
    return this.const(a);
  }

  /** Builds (or finds) `op(args)`, folding constants and exact identities. */
  op(op: EngineOp, ...raw: Val<Node>[]): Node {
    if (raw.length !== OP_TABLE[op].arity)
      throw new Error(`engine: op ${op} takes ${OP_TABLE[op].arity} arguments, got ${raw.length}`);
    const args = raw.map((a) => this.lift(a));
    if (args.every((a) => a.op === "const")) return this.const(FOLD[op](...args.map((a) => a.value)));
    const isC = (n: Node, v: number) => n.op === "const" && Object.is(n.value, v);
    const [a, b] = args;
    switch (op) {
      case "add":
        if (isC(b, -0)) return a;
        if (isC(a, -0)) return b;
        break;
      case "sub":
        if (isC(b, 0)) return a;
        if (isC(a, -0)) return this.op("neg", b);
        break;
      case "mul":
        if (isC(b, 1)) return a;
        if (isC(a, 1)) return b;
        if (isC(b, -1)) return this.op("neg", a);
        if (isC(a, -1)) return this.op("neg", b);
        break;
      case "div":
        if (isC(b, 1)) return a;
        break;
      case "neg":
        if (a.op === "neg") return a.args[0];
        break;
      case "where":
        if (a.op === "const") return a.value > 0 ? b : args[2];
        break;
    }
    // Commutative ops share one node whatever the argument order.
    const ids = args.map((x) => x.id);
    // (max/min keep their order: their gradient sends ties to the first argument, as tf.maximum does.)
    const commutes = op === "add" || op === "mul";
    if (commutes && ids[0] > ids[1]) ids.reverse();
    const key = `${op}:${ids.join(",")}`;
    let n = this.memo.get(key);
    if (!n) {
      n = this.push(op, commutes ? ids.map((i) => this.nodes[i]) : args);
      this.memo.set(key, n);
    }
    return n;
  }
}

/** `Ops` over traced nodes of `g`. `clip` is recorded as min(max(a, lo), hi), exactly as `tfOps` computes it. */
export function traceOps(g: Graph): Ops<Node> {
  return {
    const: (c) => g.const(c),
    add: (a, b) => g.op("add", a, b),
    sub: (a, b) => g.op("sub", a, b),
    mul: (a, b) => g.op("mul", a, b),
    div: (a, b) => g.op("div", a, b),
    neg: (a) => g.op("neg", a),
    pow: (a, b) => g.op("pow", a, b),
    square: (a) => g.op("square", a),
    sqrt: (a) => g.op("sqrt", a),
    abs: (a) => g.op("abs", a),
    sign: (a) => g.op("sign", a),
    floor: (a) => g.op("floor", a),
    exp: (a) => g.op("exp", a),
    log: (a) => g.op("log", a),
    sin: (a) => g.op("sin", a),
    cos: (a) => g.op("cos", a),
    tanh: (a) => g.op("tanh", a),
    max: (a, b) => g.op("max", a, b),
    min: (a, b) => g.op("min", a, b),
    gt: (a, b) => g.op("gt", a, b),
    where: (c, a, b) => g.op("where", c, a, b),
    clip: (a, lo, hi) => g.op("min", g.op("max", a, lo), hi),
  };
}
