/**
 * Symbolic reverse-mode differentiation on the tracer's DAG (Griewank & Walther, "Evaluating
 * Derivatives", ch. 3): adjoints are accumulated from the output back to the inputs in reverse
 * creation order, which is a topological order because a node's arguments always exist before it.
 * The adjoint expressions are new nodes in the same graph, so they are CSE'd with the forward pass
 * (e.g. Rosenbrock's (y − x²) is computed once for value and gradient).
 *
 * Local derivatives are the op table's `grad` entries (lib/core/opTable.ts). They follow tfjs's
 * gradient definitions (tf.maximum sends ties to its first argument, ∂ₐ pow(a, b) = b·a^(b−1),
 * ∂_b pow(a, b) = aᵇ·log a for a > 0 else 0, …), so the engine and the tfjs path differentiate the
 * same function the same way. Random draws are leaves: the gradient is taken
 * with the draws held fixed.
 */
import { OP_TABLE, type Differ } from "../core/opTable";
import { Graph, Node } from "./trace";

/** ∂y/∂xs as nodes of `g` (a zero constant for a coordinate y does not depend on). */
export function gradient(g: Graph, y: Node, xs: readonly Node[]): Node[] {
  const isX = new Set(xs.map((x) => x.id));
  // Which nodes depend on some x (only those carry adjoints).
  const dep = new Map<number, boolean>();
  const depends = (n: Node): boolean => {
    let d = dep.get(n.id);
    if (d !== undefined) return d;
    d = isX.has(n.id);
    // iterative enough for our small graphs; recursion depth is bounded by the formula's depth
    for (const a of n.args) if (depends(a)) d = true;
    dep.set(n.id, d);
    return d;
  };
  if (!depends(y)) return xs.map(() => g.const(0));

  const cone: Node[] = [];
  const seen = new Set<number>();
  const visit = (n: Node) => {
    if (seen.has(n.id) || !dep.get(n.id)) return;
    seen.add(n.id);
    cone.push(n);
    for (const a of n.args) if (dep.get(a.id)) visit(a);
  };
  visit(y);
  cone.sort((a, b) => b.id - a.id);

  const adj = new Map<number, Node>();
  adj.set(y.id, g.const(1));
  const acc = (n: Node, d: Node) => {
    if (!dep.get(n.id)) return;
    const prev = adj.get(n.id);
    adj.set(n.id, prev ? g.op("add", prev, d) : d);
  };

  const d: Differ<Node> = (op, ...args) => g.op(op, ...args);
  for (const n of cone) {
    const dy = adj.get(n.id);
    if (!dy || isX.has(n.id) || n.op === "const" || n.op === "input" || n.op === "draw") continue;
    const need = n.args.map((a) => dep.get(a.id) === true);
    // the op table's local derivatives, accumulated in argument order
    OP_TABLE[n.op].grad(d, n.args, n, dy, need).forEach((c, i) => {
      if (c !== undefined) acc(n.args[i], c);
    });
  }
  return xs.map((x) => adj.get(x.id) ?? g.const(0));
}
