/**
 * Every op of the op table (lib/core/opTable.ts), and `clip`, on edge-case inputs — NaN, ±0, ±∞,
 * subnormal, huge and ordinary values, every argument combination — through the four executions:
 * the plain-number path (`numOps`), the tracer's constant folding, the generated JS kernel and the
 * WebAssembly kernel. All must give the same bits (any NaN counts as equal to any NaN: its payload
 * is not part of the semantics).
 *
 * Kernels are built directly from a hand-made one-step program whose new x₀ is the op applied to
 * the inputs, with the inputs as (a) iterate coordinates (computed in the step loop), (b) per-run
 * hyperparameters (hoisted out of the loop), and (c) with the first or last argument a constant
 * (exercising literals and the tracer's algebraic identities).
 */
import { describe, expect, it } from "vitest";
import { numOps, type Ops } from "../../lib/core/ops";
import { ENGINE_OPS, OP_TABLE, type EngineOp } from "../../lib/core/opTable";
import { generateKernel } from "../../lib/engine/codegen";
import type { StepProgram } from "../../lib/engine/program";
import { Graph, Node, traceOps } from "../../lib/engine/trace";
import { generateWasmKernel } from "../../lib/engine/wasm";

const EDGE = [
  NaN,
  0,
  -0,
  Infinity,
  -Infinity,
  5e-324,
  -2.2250738585072014e-308,
  1.7976931348623157e308,
  -1e300,
  1,
  -1,
  0.5,
  -2.5,
  3.7,
];

interface Case {
  name: string;
  arity: number;
  num: (...a: number[]) => number;
  build: (g: Graph, o: Ops<Node>, a: (Node | number)[]) => Node;
}

const CASES: Case[] = [
  ...ENGINE_OPS.map((op: EngineOp): Case => ({
    name: op,
    arity: OP_TABLE[op].arity,
    // the `Ops` method where there is one (ge is engine-only)
    num: op in numOps ? (numOps as unknown as Record<string, (...a: number[]) => number>)[op] : OP_TABLE[op].num,
    build: (g, _o, a) => g.op(op, ...a),
  })),
  { name: "clip", arity: 3, num: numOps.clip, build: (g, o, a) => g.lift(o.clip(a[0], a[1], a[2])) },
];

function combos(arity: number): number[][] {
  let out: number[][] = [[]];
  for (let k = 0; k < arity; k++) out = out.flatMap((c) => EDGE.map((v) => [...c, v]));
  return out;
}

const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

/** Args of run k: positions in `inputs` read per-run data, the others are the constants given. */
type Pattern = { where: "x" | "hyper"; consts: (number | undefined)[] };

function program(c: Case, pat: Pattern): StepProgram {
  const g = new Graph("float64");
  const o = traceOps(g);
  const x = [0, 1, 2].map((i) => g.input({ kind: "x", index: i }));
  const h = [0, 1, 2].map((i) => g.input({ kind: "hyper", index: i, name: `h${i}` }));
  const args = Array.from({ length: c.arity }, (_, i) => pat.consts[i] ?? (pat.where === "x" ? x[i] : h[i]));
  const y = c.build(g, o, args);
  return {
    graph: g,
    dim: 3,
    slots: [],
    slotInit: [],
    x,
    state: [],
    t: g.input({ kind: "t" }),
    nextX: [y, x[1], x[2]],
    nextState: [],
    loss: g.const(0),
    draws: [],
  };
}

type Kernel = (P: object, r0: number, r1: number) => void;

/** Runs one step of `p`'s kernel (JS or wasm) on the runs whose per-run inputs are `rows`. */
function runKernel(
  p: StepProgram,
  rows: number[][],
  at: number[],
  where: "x" | "hyper",
  backend: "js" | "wasm",
): Float64Array {
  const n = rows.length;
  const X0 = new Float64Array(3 * n),
    H = [0, 1, 2].map(() => new Float64Array(n));
  // row entry j is argument at[j]
  rows.forEach((r, k) => r.forEach((v, j) => (where === "x" ? (X0[3 * k + at[j]] = v) : (H[at[j]][k] = v))));
  const opts = { steps: 1, bound: Infinity };
  const src = backend === "js" ? generateKernel(p, { ...opts, nRecord: 0, lanes: 4 }) : generateWasmKernel(p, opts);
  const TB = (new Function(`return ${src.tables}`)() as (SC: Float64Array[], T: number) => Float64Array[])([], 1);
  const kernel = new Function(`return ${src.kernel}`)() as Kernel;
  const P = {
    X0,
    RS: new Uint32Array(4 * n),
    FX: new Float64Array(3 * n),
    FL: new Float64Array(n),
    DV: new Int32Array(n),
    LH: new Float64Array(0),
    XH: new Float64Array(0),
    H,
    TB,
    RI: new Int32Array(2).fill(-1),
    HT: [],
    CI: [],
    ID: 1,
  };
  kernel(P, 0, n);
  return Float64Array.from({ length: n }, (_, k) => P.FX[3 * k]);
}

function check(c: Case, pat: Pattern): string[] {
  const free = Array.from({ length: c.arity }, (_, i) => i).filter((i) => pat.consts[i] === undefined);
  const rows = combos(free.length);
  const argsOf = (row: number[]) => Array.from({ length: c.arity }, (_, i) => pat.consts[i] ?? row[free.indexOf(i)]);
  const p = program(c, pat);
  const js = runKernel(p, rows, free, pat.where, "js");
  const wasm = runKernel(p, rows, free, pat.where, "wasm");
  const bad: string[] = [];
  rows.forEach((row, k) => {
    const args = argsOf(row);
    const want = c.num(...args);
    const g = new Graph("float64");
    const folded = c.build(g, traceOps(g), args);
    const got = { fold: folded.op === "const" ? folded.value : NaN, js: js[k], wasm: wasm[k] };
    if (folded.op !== "const") bad.push(`${c.name}(${args.map(show)}): constant arguments were not folded`);
    for (const [path, v] of Object.entries(got)) {
      if (!sameBits(v, want))
        bad.push(
          `${c.name}(${args.map(show).join(", ")}) [${pat.where}, consts ${pat.consts.map((q) => (q === undefined ? "·" : show(q)))}]: numOps ${show(want)}, ${path} ${show(v)}`,
        );
    }
  });
  return bad;
}

describe("op edge cases: numOps, constant folding, JS kernel and wasm kernel agree bit for bit", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const bad: string[] = [];
    bad.push(...check(c, { where: "x", consts: [] }));
    bad.push(...check(c, { where: "hyper", consts: [] }));
    if (c.arity >= 2) {
      for (const v of EDGE) {
        bad.push(...check(c, { where: "x", consts: [v] }));
        bad.push(...check(c, { where: "x", consts: [...Array(c.arity - 1).fill(undefined), v] }));
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("the semantics chosen: NaN-propagating, −0 < +0 max/min; sign keeps ±0 and NaN; NaN compares false", () => {
    expect(numOps.max(NaN, 1)).toBeNaN();
    expect(numOps.max(1, NaN)).toBeNaN();
    expect(numOps.min(NaN, 1)).toBeNaN();
    expect(Object.is(numOps.max(-0, 0), 0) && Object.is(numOps.max(0, -0), 0)).toBe(true);
    expect(Object.is(numOps.min(-0, 0), -0) && Object.is(numOps.min(0, -0), -0)).toBe(true);
    expect(numOps.sign(NaN)).toBeNaN();
    expect(Object.is(numOps.sign(-0), -0) && Object.is(numOps.sign(0), 0)).toBe(true);
    expect(numOps.sign(-3)).toBe(-1);
    expect(numOps.clip(NaN, 0, 1)).toBeNaN();
    expect(Object.is(numOps.clip(-0, 0, 1), 0)).toBe(true);
    expect(numOps.gt(NaN, 0)).toBe(0);
    expect(numOps.gt(0, NaN)).toBe(0);
    expect(numOps.where(NaN, 1, 2)).toBe(2);
    expect(numOps.where(-0, 1, 2)).toBe(2);
    expect(numOps.pow(NaN, 0)).toBe(1);
    expect(numOps.pow(1, NaN)).toBeNaN();
  });
});
