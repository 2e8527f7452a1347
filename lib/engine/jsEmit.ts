/**
 * JavaScript source for traced nodes, shared by every generator (the JS kernel in codegen.ts, the
 * hyperparameter tables in hypertables.ts, the loss function of the wasm kernel, compiled.ts). The
 * op forms themselves come from the op table (lib/core/opTable.ts); this module adds literals,
 * float32 rounding and graph traversal. It imports no other generator, so none of them form a cycle.
 */
import { OP_TABLE } from "../core/opTable";
import type { Node } from "./trace";

/** A number as a JavaScript literal that keeps its bits: NaN, ±Infinity, −0, negatives parenthesised. */
export function lit(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  if (Object.is(v, -0)) return "(-0)";
  return v < 0 ? `(${v})` : String(v);
}

/**
 * JavaScript for one node's operation, given its arguments' references (names or literals):
 * the table's `js` form, wrapped in `Math.fround` in float32 mode unless the op is exact.
 */
export function opExpr(n: Node, a: string[], f32: boolean): string {
  if (n.op === "draw") {
    const e = n.dist === "uniform" ? "unif(Q)" : "norm(Q)";
    return f32 ? `Math.fround(${e})` : e;
  }
  if (n.op === "const" || n.op === "input") throw new Error(`engine: cannot emit op ${n.op}`);
  const def = OP_TABLE[n.op];
  const e = def.js(a);
  return f32 && !def.exact ? `Math.fround(${e})` : e;
}

/** Nodes reachable from `roots`, in creation (topological) order. */
export function reachable(roots: readonly Node[]): Node[] {
  const seen = new Map<number, Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.set(n.id, n);
    for (const a of n.args) stack.push(a);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}
