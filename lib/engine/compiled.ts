/**
 * A closed-form landscape's value and gradient compiled to plain JavaScript functions of a point,
 * through the same tracer and reverse mode as the sweep engine (deterministic landscapes; noise is
 * held at its mean: uniform → ½, normal → 0).
 */
import type { ClosedFormLandscape, LandscapeContext } from "../core/landscape";
import { lit, opExpr } from "./jsEmit";
import { gradient } from "./grad";
import { assertClosedForm } from "./program";
import { Graph, Node, traceOps, type Precision } from "./trace";

function emit(g: Graph, outs: Node[], dim: number): string {
  const need = new Map<number, Node>();
  const stack = [...outs];
  while (stack.length) {
    const n = stack.pop()!;
    if (need.has(n.id)) continue;
    need.set(n.id, n);
    stack.push(...n.args);
  }
  const f32 = g.precision === "float32";
  const ref = (n: Node) =>
    n.op === "const"
      ? lit(n.value)
      : n.op === "input"
        ? n.input!.kind === "t"
          ? "t"
          : `x[${(n.input as { index: number }).index}]`
        : `v${n.id}`;
  const lines: string[] = [`(function (x, t) {`];
  for (const n of [...need.values()].sort((a, b) => a.id - b.id)) {
    if (n.op === "const" || n.op === "input") continue;
    lines.push(`  const v${n.id} = ${opExpr(n, n.args.map(ref), f32)};`);
  }
  lines.push(`  return [${outs.map(ref).join(", ")}];`, `})`);
  void dim;
  return lines.join("\n");
}

function trace(landscape: ClosedFormLandscape, precision: Precision) {
  assertClosedForm(landscape);
  const g = new Graph(precision);
  const o = traceOps(g);
  const x = Array.from({ length: landscape.dim }, (_, i) => g.input({ kind: "x", index: i }));
  const t = g.input({ kind: "t" });
  const ctx: LandscapeContext<Node> = { uniform: () => g.const(0.5), normal: () => g.const(0), t };
  const v = g.lift(landscape.value(o, x, ctx));
  return { g, x, v };
}

/** f(x) as a compiled function (noise at its mean, ctx.t = t, default 1). */
export function compileValue(
  landscape: ClosedFormLandscape,
  precision: Precision = "float64",
): (x: readonly number[], t?: number) => number {
  const { g, v } = trace(landscape, precision);
  const f = new Function(`return ${emit(g, [v], landscape.dim)}`)() as (x: readonly number[], t: number) => number[];
  return (x, t = 1) => f(x, t)[0];
}

/** ∇f(x) by the tracer's symbolic reverse mode, as a compiled function (noise at its mean). */
export function compileGradient(
  landscape: ClosedFormLandscape,
  precision: Precision = "float64",
): (x: readonly number[], t?: number) => number[] {
  const { g, x, v } = trace(landscape, precision);
  const gr = gradient(g, v, x);
  const f = new Function(`return ${emit(g, gr, landscape.dim)}`)() as (x: readonly number[], t: number) => number[];
  return (p, t = 1) => f(p, t);
}
