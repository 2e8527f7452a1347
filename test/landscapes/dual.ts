/**
 * Test oracle: forward-mode dual numbers in float64 implementing `Ops`, so a landscape's exact
 * gradient is computed by a different method (and precision) than tfjs reverse mode.
 */
import type { Ops, Val } from "../../lib/core/ops";
import type { ClosedFormLandscape, LandscapeContext } from "../../lib/core/landscape";

export interface Dual {
  v: number;
  g: Float64Array;
}

export function dualOps(n: number): Ops<Dual> {
  const lift = (a: Val<Dual>): Dual => (typeof a === "number" ? { v: a, g: new Float64Array(n) } : a);
  const un = (a: Val<Dual>, f: (v: number) => number, df: (v: number) => number): Dual => {
    const x = lift(a),
      d = df(x.v);
    return { v: f(x.v), g: x.g.map((gi) => gi * d) };
  };
  const bin = (
    a: Val<Dual>,
    b: Val<Dual>,
    f: (x: number, y: number) => number,
    da: (x: number, y: number) => number,
    db: (x: number, y: number) => number,
  ): Dual => {
    const x = lift(a),
      y = lift(b),
      ka = da(x.v, y.v),
      kb = db(x.v, y.v);
    return { v: f(x.v, y.v), g: x.g.map((gi, i) => (ka === 0 ? 0 : gi * ka) + (kb === 0 ? 0 : y.g[i] * kb)) };
  };
  const zero = () => 0;
  return {
    const: (c) => lift(c),
    add: (a, b) =>
      bin(
        a,
        b,
        (x, y) => x + y,
        () => 1,
        () => 1,
      ),
    sub: (a, b) =>
      bin(
        a,
        b,
        (x, y) => x - y,
        () => 1,
        () => -1,
      ),
    mul: (a, b) =>
      bin(
        a,
        b,
        (x, y) => x * y,
        (_x, y) => y,
        (x) => x,
      ),
    div: (a, b) =>
      bin(
        a,
        b,
        (x, y) => x / y,
        (_x, y) => 1 / y,
        (x, y) => -x / (y * y),
      ),
    neg: (a) =>
      un(
        a,
        (x) => -x,
        () => -1,
      ),
    pow: (a, b) =>
      bin(
        a,
        b,
        Math.pow,
        (x, y) => (y === 0 ? 0 : y * Math.pow(x, y - 1)),
        (x, y) => (typeof b === "number" ? 0 : Math.pow(x, y) * Math.log(x)),
      ),
    square: (a) =>
      un(
        a,
        (x) => x * x,
        (x) => 2 * x,
      ),
    sqrt: (a) => un(a, Math.sqrt, (x) => 0.5 / Math.sqrt(x)),
    abs: (a) => un(a, Math.abs, (x) => Math.sign(x)),
    sign: (a) => un(a, Math.sign, zero),
    floor: (a) => un(a, Math.floor, zero),
    exp: (a) => un(a, Math.exp, Math.exp),
    log: (a) => un(a, Math.log, (x) => 1 / x),
    sin: (a) => un(a, Math.sin, Math.cos),
    cos: (a) => un(a, Math.cos, (x) => -Math.sin(x)),
    tanh: (a) => un(a, Math.tanh, (x) => 1 - Math.tanh(x) ** 2),
    max: (a, b) => (lift(a).v >= lift(b).v ? lift(a) : lift(b)),
    min: (a, b) => (lift(a).v <= lift(b).v ? lift(a) : lift(b)),
    gt: (a, b) => lift(lift(a).v > lift(b).v ? 1 : 0),
    where: (c, a, b) => (lift(c).v > 0 ? lift(a) : lift(b)),
    clip: (a, lo, hi) => {
      const x = lift(a),
        l = lift(lo).v,
        h = lift(hi).v;
      return x.v < l ? lift(l) : x.v > h ? lift(h) : x;
    },
  };
}

/** Exact float64 value and gradient of `l` at x. */
export function dualGrad(
  l: ClosedFormLandscape,
  x: readonly number[],
  ctx: LandscapeContext<number>,
): { v: number; g: number[] } {
  const o = dualOps(x.length);
  const xs = x.map((xi, i) => {
    const g = new Float64Array(x.length);
    g[i] = 1;
    return { v: xi, g };
  });
  const dctx: LandscapeContext<Dual> = {
    t: typeof ctx.t === "number" ? ctx.t : ctx.t,
    uniform: () => o.const(ctx.uniform()),
    normal: () => o.const(ctx.normal()),
  };
  const r = l.value(o, xs, dctx);
  return { v: r.v, g: Array.from(r.g) };
}

/** Hessian by central differences of the exact dual gradient (float64, step h). */
export function fdHessian(
  l: ClosedFormLandscape,
  x: readonly number[],
  ctx: LandscapeContext<number>,
  h = 1e-5,
): number[][] {
  const n = x.length;
  const H = Array.from({ length: n }, (_, i) => {
    const xp = [...x],
      xm = [...x];
    xp[i] += h;
    xm[i] -= h;
    const gp = dualGrad(l, xp, ctx).g,
      gm = dualGrad(l, xm, ctx).g;
    return gp.map((v, j) => (v - gm[j]) / (2 * h));
  });
  return H.map((r, i) => r.map((v, j) => 0.5 * (v + H[j][i])));
}

export function maxAbs(a: readonly number[] | number[][]): number {
  return Math.max(0, ...(a as (number | number[])[]).flat().map(Math.abs));
}
