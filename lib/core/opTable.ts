/**
 * The one definition of every scalar op: its arity, its float64 semantics, its JavaScript and
 * WebAssembly forms and its derivative. Everything else is derived from this table — `numOps`
 * (lib/core/ops.ts), the tracer's constant folding (lib/engine/trace.ts), the JS kernel
 * (lib/engine/jsEmit.ts), the WebAssembly kernel (lib/engine/wasm.ts) and the symbolic gradient
 * (lib/engine/grad.ts) — so the plain-number path, constant folding and both kernels return the
 * same bits (`test/engine/ops-edge.test.ts` checks this on NaN, ±0, ±∞, tiny and huge inputs).
 *
 * Semantics (IEEE 754 binary64, as JavaScript's `Math` and WebAssembly's f64 instructions):
 *
 * - add, sub, mul, div, neg, square (a·a), sqrt, abs, floor: IEEE (NaN in → NaN out; sqrt(−0) = −0,
 *   floor(−0.5) = −0).
 * - pow, exp, log, sin, cos, tanh: JavaScript's `Math` functions (the WebAssembly kernel imports
 *   and calls them, so it gets the same bits). Note `Math.pow(1, NaN)` is NaN (C's pow gives 1) and
 *   `Math.pow(NaN, 0)` is 1.
 * - max, min: `Math.max` / `Math.min` = WebAssembly f64.max / f64.min: NaN if either argument is
 *   NaN (so a diverging run stays non-finite), and −0 < +0 (max(−0, +0) = +0, min(−0, +0) = −0),
 *   symmetric in their arguments.
 * - sign: `Math.sign`: −1 for a < 0, +1 for a > 0, and a itself otherwise, i.e. sign(±0) = ±0 and
 *   sign(NaN) = NaN (a NaN gradient is not silently turned into "no step").
 * - gt, ge: 1 where a > b (a ≥ b), else +0; every comparison with NaN is false, so gt(NaN, ·) = 0.
 * - where(c, a, b): c > 0 ? a : b; a NaN or ±0 condition selects b.
 * - clip (an `Ops` method, not an engine op): min(max(a, lo), hi) exactly, so clip(NaN, …) = NaN
 *   and clip(−0, 0, 1) = +0.
 *
 * `tfOps` runs tfjs kernels instead; on the CPU backend tf.maximum/minimum/pow are Math.max/min/pow
 * (the same), but tf.sign gives 0 for NaN and +0 for −0, and tf.greater/where match. Other backends
 * (WebGL) may differ on NaN.
 *
 * Derivatives follow tfjs's gradient definitions: tf.maximum sends ties to its first argument,
 * ∂ₐ pow(a, b) = b·a^(b−1), ∂_b pow(a, b) = aᵇ·log a for a > 0 else 0, |a|′ = sign(a); sign, floor
 * and comparisons have zero derivative; where passes the adjoint to the branch it selected.
 *
 * Adding an op: one entry here (then `Ops` and `tfOps` in ops.ts and `traceOps` in
 * lib/engine/trace.ts if rules should call it); `test/engine/ops-edge.test.ts` picks it up.
 */

/** f64x2 instructions the WebAssembly forms may use. */
export type SimdInstr =
  "add" | "sub" | "mul" | "div" | "neg" | "sqrt" | "abs" | "floor" | "min" | "max" | "gt" | "lt" | "ge" | "and";

/** Functions of JavaScript's `Math` the WebAssembly module imports (called lane by lane). */
export const WASM_MATH_IMPORTS = ["pow", "exp", "log", "sin", "cos", "tanh"] as const;
export type MathImport = (typeof WASM_MATH_IMPORTS)[number];

/**
 * Builds WebAssembly code for a value `C` (in lib/engine/wasm.ts: the bytes that push one f64x2).
 * Operands are the op's argument references (cheap to repeat) or results of the builder.
 */
export interface WasmBuilder<C> {
  /** a constant in both lanes */
  const(v: number): C;
  /** one f64x2 instruction on its operands; comparisons give all-ones / all-zeros lane masks */
  simd(instr: SimdInstr, ...args: C[]): C;
  /** mask ? a : b lane by lane (v128.bitselect) */
  select(mask: C, a: C, b: C): C;
  /** Math[fn] of each lane; arguments must not themselves contain a `math` call */
  math(fn: MathImport, ...args: C[]): C;
}

/** The name of an op of the table (`ge` is used by derivatives; the rest are `Ops` methods). */
export type EngineOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "neg"
  | "pow"
  | "square"
  | "sqrt"
  | "abs"
  | "sign"
  | "floor"
  | "exp"
  | "log"
  | "sin"
  | "cos"
  | "tanh"
  | "max"
  | "min"
  | "gt"
  | "ge"
  | "where";

/** Makes derivative expressions: `d("mul", a, b)` is the node a·b. */
export type Differ<T> = (op: EngineOp, ...args: (T | number)[]) => T;

export interface OpDef {
  arity: 1 | 2 | 3;
  /** the float64 semantics */
  num: (...args: number[]) => number;
  /** JavaScript source of the op applied to argument expressions (atoms: names or literals) */
  js: (a: readonly string[]) => string;
  /** the WebAssembly form */
  wasm: <C>(w: WasmBuilder<C>, a: readonly C[]) => C;
  /**
   * Adjoint contributions to each argument, given the result `out` and its adjoint `dy`, in argument
   * order (undefined: none). `need[i]` is false when argument i does not depend on the inputs (its
   * contribution may then be skipped).
   */
  grad: <T>(d: Differ<T>, a: readonly T[], out: T, dy: T, need: readonly boolean[]) => (T | undefined)[];
  /** the result is one of the arguments or a small integer, so float32 mode needs no rounding */
  exact: boolean;
}

const call = (f: string) => (a: readonly string[]) => `Math.${f}(${a.join(", ")})`;
const math1 =
  (f: MathImport) =>
  <C>(w: WasmBuilder<C>, a: readonly C[]) =>
    w.math(f, a[0]);
const none = () => [];

/** The ops, by name (`satisfies` checks that every `EngineOp` has exactly one entry). */
export const OP_TABLE = {
  add: {
    arity: 2,
    exact: false,
    num: (a, b) => a + b,
    js: (a) => `${a[0]} + ${a[1]}`,
    wasm: (w, a) => w.simd("add", a[0], a[1]),
    grad: (_d, _a, _n, dy) => [dy, dy],
  },
  sub: {
    arity: 2,
    exact: false,
    num: (a, b) => a - b,
    js: (a) => `${a[0]} - ${a[1]}`,
    wasm: (w, a) => w.simd("sub", a[0], a[1]),
    grad: (d, _a, _n, dy) => [dy, d("neg", dy)],
  },
  mul: {
    arity: 2,
    exact: false,
    num: (a, b) => a * b,
    js: (a) => `${a[0]} * ${a[1]}`,
    wasm: (w, a) => w.simd("mul", a[0], a[1]),
    grad: (d, [a, b], _n, dy) => [d("mul", dy, b), d("mul", dy, a)],
  },
  div: {
    arity: 2,
    exact: false,
    num: (a, b) => a / b,
    js: (a) => `${a[0]} / ${a[1]}`,
    wasm: (w, a) => w.simd("div", a[0], a[1]),
    // ∂ₐ = dy/b, ∂_b = −dy·a/b²
    grad: (d, [a, b], _n, dy, need) => [
      d("div", dy, b),
      need[1] ? d("neg", d("div", d("mul", dy, a), d("square", b))) : undefined,
    ],
  },
  neg: {
    arity: 1,
    exact: true,
    num: (a) => -a,
    js: (a) => `-${a[0]}`,
    wasm: (w, a) => w.simd("neg", a[0]),
    grad: (d, _a, _n, dy) => [d("neg", dy)],
  },
  pow: {
    arity: 2,
    exact: false,
    num: (a, b) => Math.pow(a, b),
    js: call("pow"),
    wasm: (w, a) => w.math("pow", a[0], a[1]),
    // ∂ₐ = dy·b·a^(b−1), ∂_b = dy·aᵇ·(a > 0 ? log a : 0)
    grad: (d, [a, b], n, dy, need) => [
      d("mul", dy, d("mul", b, d("pow", a, d("sub", b, 1)))),
      need[1] ? d("mul", dy, d("mul", n, d("where", d("gt", a, 0), d("log", a), 0))) : undefined,
    ],
  },
  square: {
    arity: 1,
    exact: false,
    num: (a) => a * a,
    js: (a) => `${a[0]} * ${a[0]}`,
    wasm: (w, a) => w.simd("mul", a[0], a[0]),
    grad: (d, [a], _n, dy) => [d("mul", dy, d("mul", a, 2))],
  },
  sqrt: {
    arity: 1,
    exact: false,
    num: (a) => Math.sqrt(a),
    js: call("sqrt"),
    wasm: (w, a) => w.simd("sqrt", a[0]),
    grad: (d, _a, n, dy) => [d("div", dy, d("mul", n, 2))],
  },
  abs: {
    arity: 1,
    exact: true,
    num: (a) => Math.abs(a),
    js: call("abs"),
    wasm: (w, a) => w.simd("abs", a[0]),
    grad: (d, [a], _n, dy) => [d("mul", dy, d("sign", a))],
  },
  sign: {
    arity: 1,
    exact: true,
    // = Math.sign, written as the comparisons the kernels use
    num: (a) => (a > 0 ? 1 : a < 0 ? -1 : a),
    js: (a) => `(${a[0]} > 0 ? 1 : ${a[0]} < 0 ? -1 : ${a[0]})`,
    wasm: (w, a) =>
      w.select(w.simd("gt", a[0], w.const(0)), w.const(1), w.select(w.simd("lt", a[0], w.const(0)), w.const(-1), a[0])),
    grad: none,
  },
  floor: {
    arity: 1,
    exact: true,
    num: (a) => Math.floor(a),
    js: call("floor"),
    wasm: (w, a) => w.simd("floor", a[0]),
    grad: none,
  },
  exp: {
    arity: 1,
    exact: false,
    num: (a) => Math.exp(a),
    js: call("exp"),
    wasm: math1("exp"),
    grad: (d, _a, n, dy) => [d("mul", dy, n)],
  },
  log: {
    arity: 1,
    exact: false,
    num: (a) => Math.log(a),
    js: call("log"),
    wasm: math1("log"),
    grad: (d, [a], _n, dy) => [d("div", dy, a)],
  },
  sin: {
    arity: 1,
    exact: false,
    num: (a) => Math.sin(a),
    js: call("sin"),
    wasm: math1("sin"),
    grad: (d, [a], _n, dy) => [d("mul", dy, d("cos", a))],
  },
  cos: {
    arity: 1,
    exact: false,
    num: (a) => Math.cos(a),
    js: call("cos"),
    wasm: math1("cos"),
    grad: (d, [a], _n, dy) => [d("mul", d("neg", d("sin", a)), dy)],
  },
  tanh: {
    arity: 1,
    exact: false,
    num: (a) => Math.tanh(a),
    js: call("tanh"),
    wasm: math1("tanh"),
    grad: (d, _a, n, dy) => [d("mul", d("sub", 1, d("square", n)), dy)],
  },
  max: {
    arity: 2,
    exact: true,
    num: (a, b) => Math.max(a, b),
    js: call("max"),
    wasm: (w, a) => w.simd("max", a[0], a[1]),
    // ties go to the first argument, as tf.maximum's gradient does
    grad: (d, [a, b], _n, dy) => [d("mul", dy, d("ge", a, b)), d("mul", dy, d("gt", b, a))],
  },
  min: {
    arity: 2,
    exact: true,
    num: (a, b) => Math.min(a, b),
    js: call("min"),
    wasm: (w, a) => w.simd("min", a[0], a[1]),
    grad: (d, [a, b], _n, dy) => [d("mul", dy, d("ge", b, a)), d("mul", dy, d("gt", a, b))],
  },
  gt: {
    arity: 2,
    exact: true,
    num: (a, b) => (a > b ? 1 : 0),
    js: (a) => `(${a[0]} > ${a[1]} ? 1 : 0)`,
    // the all-ones mask ANDed with 1.0 is 1.0; the zero mask gives +0
    wasm: (w, a) => w.simd("and", w.simd("gt", a[0], a[1]), w.const(1)),
    grad: none,
  },
  ge: {
    arity: 2,
    exact: true,
    num: (a, b) => (a >= b ? 1 : 0),
    js: (a) => `(${a[0]} >= ${a[1]} ? 1 : 0)`,
    wasm: (w, a) => w.simd("and", w.simd("ge", a[0], a[1]), w.const(1)),
    grad: none,
  },
  where: {
    arity: 3,
    exact: true,
    num: (c, a, b) => (c > 0 ? a : b),
    js: (a) => `(${a[0]} > 0 ? ${a[1]} : ${a[2]})`,
    wasm: (w, a) => w.select(w.simd("gt", a[0], w.const(0)), a[1], a[2]),
    grad: (d, [c], _n, dy) => [undefined, d("where", c, dy, 0), d("where", c, 0, dy)],
  },
} satisfies Record<EngineOp, OpDef>;

/** Every op name, in table order. */
export const ENGINE_OPS = Object.keys(OP_TABLE) as EngineOp[];

/** The definition of `op`, typed as the general `OpDef`. */
export function opDef(op: EngineOp): OpDef {
  return OP_TABLE[op];
}
