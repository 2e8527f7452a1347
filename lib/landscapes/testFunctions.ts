/**
 * Classic deterministic test functions as `ClosedFormLandscape`s: each value is written once
 * against `Ops`, so tfjs autodiff and the fused engine's tracer differentiate the same formula.
 * `hessian` is an independent closed form (the test oracle), never used to compute gradients.
 */
import type { ClosedFormLandscape } from "../core/landscape";
import type { Ops } from "../core/ops";
import { checkOptions } from "../validate";
import { assertInt, assertVector } from "./checks";
import { randomOrthogonal } from "../linalg/matrix";

/** Σ terms, with an empty sum equal to 0. */
export function sumOps<T>(o: Ops<T>, terms: readonly T[]): T {
  if (terms.length === 0) return o.const(0);
  let s = terms[0];
  for (let i = 1; i < terms.length; i++) s = o.add(s, terms[i]);
  return s;
}

function diag(d: readonly number[]): number[][] {
  return d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
}

function checkPoint(name: string, x: readonly unknown[], dim: number): void {
  if (x.length !== dim) throw new Error(`${name}: expected ${dim} coordinates, got ${x.length}`);
}

/**
 * Rosenbrock's valley (Rosenbrock, 1960), n-D chained form:
 * f(x) = Σ_{i<n} b (x_{i+1} − x_i²)² + (a − x_i)².
 * Minimiser (a, a²) in 2-D; (1, …, 1) in n-D when a = 1; minimum 0.
 */
export function rosenbrock(opts: { dim?: number; a?: number; b?: number } = {}): ClosedFormLandscape {
  checkOptions("rosenbrock", opts, ["dim", "a", "b"]);
  const { dim = 2, a = 1, b = 100 } = opts;
  assertInt(dim, "rosenbrock: dim", 2);
  assertVector([a, b], "rosenbrock: a, b");
  const minimizers = dim === 2 ? [[a, a * a]] : a === 1 ? [new Array(dim).fill(1)] : undefined;
  return {
    name: `rosenbrock${dim === 2 ? "" : dim}`,
    dim,
    value<T>(o: Ops<T>, x: readonly T[]): T {
      checkPoint("rosenbrock", x, dim);
      const terms: T[] = [];
      for (let i = 0; i + 1 < dim; i++) {
        terms.push(o.add(o.mul(b, o.square(o.sub(x[i + 1], o.square(x[i])))), o.square(o.sub(a, x[i]))));
      }
      return sumOps(o, terms);
    },
    minimizers,
    minimum: minimizers ? 0 : undefined,
    hessian(x) {
      const h = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
      for (let i = 0; i + 1 < dim; i++) {
        // term b(x_{i+1} − x_i²)² + (a − x_i)²
        h[i][i] += 2 - 4 * b * (x[i + 1] - x[i] * x[i]) + 8 * b * x[i] * x[i];
        h[i][i + 1] += -4 * b * x[i];
        h[i + 1][i] += -4 * b * x[i];
        h[i + 1][i + 1] += 2 * b;
      }
      return h;
    },
    domain: Array.from({ length: dim }, (_, i) => (i === 0 ? [-2, 2] : [-1, 3]) as [number, number]),
  };
}

/**
 * Beale's function (Beale, 1958): f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)².
 * Minimiser (3, 0.5), minimum 0.
 */
export function beale(): ClosedFormLandscape {
  const c = [1.5, 2.25, 2.625];
  return {
    name: "beale",
    dim: 2,
    value<T>(o: Ops<T>, v: readonly T[]): T {
      checkPoint("beale", v, 2);
      const [x, y] = v;
      const y2 = o.mul(y, y);
      const ys = [y, y2, o.mul(y2, y)];
      return sumOps(
        o,
        ys.map((yk, k) => o.square(o.add(o.sub(c[k], x), o.mul(x, yk)))),
      );
    },
    minimizers: [[3, 0.5]],
    minimum: 0,
    hessian([x, y]) {
      // f = Σ r_k², r_k = c_k − x + x y^k:  H = 2 Σ (∇r_k ∇r_kᵀ + r_k ∇²r_k)
      const h = [
        [0, 0],
        [0, 0],
      ];
      for (let k = 1; k <= 3; k++) {
        const r = c[k - 1] - x + x * y ** k;
        const g = [y ** k - 1, k * x * y ** (k - 1)];
        const rxy = k * y ** (k - 1),
          ryy = k * (k - 1) * x * (k >= 2 ? y ** (k - 2) : 0);
        h[0][0] += 2 * g[0] * g[0];
        h[0][1] += 2 * (g[0] * g[1] + r * rxy);
        h[1][1] += 2 * (g[1] * g[1] + r * ryy);
      }
      h[1][0] = h[0][1];
      return h;
    },
    domain: [
      [-4.5, 4.5],
      [-4.5, 4.5],
    ],
  };
}

/**
 * Rastrigin's function (Rastrigin, 1974), optionally shifted by s:
 * f(x) = A n + Σ_i [(x_i − s_i)² − A cos(2π (x_i − s_i))]. Global minimiser s, minimum 0; a lattice
 * of local minima near s + ℤⁿ.
 */
export function rastrigin(opts: { dim?: number; A?: number; shift?: readonly number[] } = {}): ClosedFormLandscape {
  checkOptions("rastrigin", opts, ["dim", "A", "shift"]);
  const { dim = opts.shift?.length ?? 2, A = 10 } = opts;
  assertInt(dim, "rastrigin: dim");
  const shift = opts.shift ?? new Array(dim).fill(0);
  assertVector(shift, "rastrigin: shift", dim);
  if (!(A >= 0)) throw new Error(`rastrigin: A must be ≥ 0, got ${A}`);
  return {
    name: opts.shift ? "rastrigin-shifted" : "rastrigin",
    dim,
    value<T>(o: Ops<T>, x: readonly T[]): T {
      checkPoint("rastrigin", x, dim);
      const terms = x.map((xi, i) => {
        const z = shift[i] === 0 ? xi : o.sub(xi, shift[i]);
        return o.sub(o.square(z), o.mul(A, o.cos(o.mul(2 * Math.PI, z))));
      });
      return o.add(A * dim, sumOps(o, terms));
    },
    minimizers: [[...shift]],
    minimum: 0,
    hessian: (x) => diag(x.map((xi, i) => 2 + 4 * Math.PI * Math.PI * A * Math.cos(2 * Math.PI * (xi - shift[i])))),
    domain: shift.map((s) => [s - 5.12, s + 5.12] as [number, number]),
  };
}

/** The four minimisers of Himmelblau's function (to 15 digits). */
export const HIMMELBLAU_MINIMIZERS: readonly (readonly [number, number])[] = [
  [3, 2],
  [-2.805118086952745, 3.131312518250573],
  [-3.779310253377747, -3.28318599128617],
  [3.584428340330492, -1.848126526964404],
];

/**
 * Himmelblau's function (Himmelblau, 1972): f(x, y) = (x² + y − 11)² + (x + y² − 7)².
 * Four minimisers (`HIMMELBLAU_MINIMIZERS`), minimum 0.
 */
export function himmelblau(): ClosedFormLandscape {
  return {
    name: "himmelblau",
    dim: 2,
    value<T>(o: Ops<T>, v: readonly T[]): T {
      checkPoint("himmelblau", v, 2);
      const [x, y] = v;
      return o.add(o.square(o.sub(o.add(o.square(x), y), 11)), o.square(o.sub(o.add(x, o.square(y)), 7)));
    },
    minimizers: HIMMELBLAU_MINIMIZERS,
    minimum: 0,
    hessian: ([x, y]) => [
      [12 * x * x + 4 * y - 42, 4 * (x + y)],
      [4 * (x + y), 12 * y * y + 4 * x - 26],
    ],
    domain: [
      [-5, 5],
      [-5, 5],
    ],
  };
}

/**
 * The quadratic bowl f(x) = ½ (x − c)ᵀ Q Λ Qᵀ (x − c) with chosen eigenvalues Λ = diag(λ), Q = I
 * (`rotate` absent) or a seeded Haar-random orthogonal matrix (`rotate: seed`). Minimiser c
 * (default 0), minimum 0, Hessian Q Λ Qᵀ (constant). With negative eigenvalues it is a saddle and
 * lists no minimiser.
 */
export function quadraticBowl(opts: {
  eigenvalues: readonly number[];
  rotate?: number;
  center?: readonly number[];
}): ClosedFormLandscape {
  checkOptions("quadraticBowl", opts, ["eigenvalues", "rotate", "center"]);
  return quadraticCore("quadratic", opts);
}

/** Shared by `quadraticBowl` and `noisyQuadratic`: the eigenbasis Q (columns) and the value. */
export function quadraticCore(
  name: string,
  opts: { eigenvalues: readonly number[]; rotate?: number; center?: readonly number[] },
): ClosedFormLandscape & { basis: number[][] | undefined; eigenvalues: readonly number[] } {
  const lam = opts.eigenvalues;
  assertVector(lam as number[], `${name}: eigenvalues`);
  const dim = lam.length;
  const center = opts.center ?? new Array(dim).fill(0);
  assertVector(center as number[], `${name}: center`, dim);
  const Q = opts.rotate === undefined ? undefined : randomOrthogonal(dim, opts.rotate);
  const H = Q ? Q.map((_, i) => Q.map((_, j) => lam.reduce((s, l, k) => s + Q[i][k] * l * Q[j][k], 0))) : diag(lam);
  const convex = lam.every((l) => l > 0);
  return {
    name,
    dim,
    basis: Q,
    eigenvalues: lam,
    value<T>(o: Ops<T>, x: readonly T[]): T {
      checkPoint(name, x, dim);
      const z = x.map((xi, i) => (center[i] === 0 ? xi : o.sub(xi, center[i])));
      const terms = lam.map((l, k) => {
        // y_k = q_kᵀ z: the coordinate along the k-th eigenvector.
        const y = Q
          ? sumOps(
              o,
              z.map((zi, i) => o.mul(Q[i][k], zi)),
            )
          : z[k];
        return o.mul(0.5 * l, o.square(y));
      });
      return sumOps(o, terms);
    },
    minimizers: convex ? [[...center]] : undefined,
    minimum: convex ? 0 : undefined,
    hessian: () => H.map((r) => [...r]),
    domain: center.map((c) => [c - 2, c + 2] as [number, number]),
  };
}

/** f(x) = Σ x_i⁴: flat (zero Hessian) at its minimiser 0, so step-size rules that assume curvature fail. */
export function quartic(opts: { dim?: number } = {}): ClosedFormLandscape {
  checkOptions("quartic", opts, ["dim"]);
  const { dim = 1 } = opts;
  assertInt(dim, "quartic: dim");
  return {
    name: "quartic",
    dim,
    value<T>(o: Ops<T>, x: readonly T[]): T {
      checkPoint("quartic", x, dim);
      return sumOps(
        o,
        x.map((xi) => o.square(o.square(xi))),
      );
    },
    minimizers: [new Array(dim).fill(0)],
    minimum: 0,
    hessian: (x) => diag(x.map((xi) => 12 * xi * xi)),
    domain: new Array(dim).fill([-1.5, 1.5]),
  };
}

/**
 * f(x) = Σ √(1 + x_i²): smooth and convex with curvature (1 + x²)^{-3/2} vanishing far away and a
 * bounded gradient, so gradient descent with a large step oscillates around 0 (the standard
 * example for normalised/clipped methods). Minimiser 0, minimum `dim`.
 */
export function sqrtOnePlusSquare(opts: { dim?: number } = {}): ClosedFormLandscape {
  checkOptions("sqrtOnePlusSquare", opts, ["dim"]);
  const { dim = 1 } = opts;
  assertInt(dim, "sqrtOnePlusSquare: dim");
  return {
    name: "sqrt-one-plus-square",
    dim,
    value<T>(o: Ops<T>, x: readonly T[]): T {
      checkPoint("sqrtOnePlusSquare", x, dim);
      return sumOps(
        o,
        x.map((xi) => o.sqrt(o.add(1, o.square(xi)))),
      );
    },
    minimizers: [new Array(dim).fill(0)],
    minimum: dim,
    hessian: (x) => diag(x.map((xi) => (1 + xi * xi) ** -1.5)),
    domain: new Array(dim).fill([-5, 5]),
  };
}
