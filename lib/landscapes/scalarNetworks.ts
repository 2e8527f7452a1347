/**
 * Tiny networks small enough to be closed-form landscapes (each weight a scalar coordinate).
 */
import type { ClosedFormLandscape } from "../core/landscape";
import type { Ops } from "../core/ops";
import { checkOptions } from "../validate";
import { assertInt, assertMatrix, assertVector } from "./checks";
import { sumOps } from "./testFunctions";

/**
 * Scalar network of depth D: f(w) = ½ (w_1 w_2 ⋯ w_D − y)² (Kreisler, Nacson, Soudry & Carmon,
 * "Gradient Descent Monotonically Decreases the Sharpness of Gradient Flow Solutions in Scalar
 * Networks and Beyond", ICML 2023). Minimisers: the manifold ∏w = y; listed are the balanced one
 * (|y|^{1/D}, …) with sign fixed on the first weight, and its pair-wise sign flips are also minima.
 * Hessian H_ij = P_i P_j + (∏w − y) P_ij with P_i = ∏_{k≠i} w_k, P_ij = ∏_{k≠i,j} w_k (P_ii = 0).
 */
export function scalarNetwork(opts: { depth?: number; target?: number } = {}): ClosedFormLandscape {
  checkOptions("scalarNetwork", opts, ["depth", "target"]);
  const { depth = 2, target = 1 } = opts;
  assertInt(depth, "scalarNetwork: depth", 1);
  assertVector([target], "scalarNetwork: target");
  const root = Math.abs(target) ** (1 / depth);
  const balanced = Array.from({ length: depth }, (_, i) => (i === 0 && target < 0 ? -root : root));
  const prodExcept = (w: readonly number[], ...skip: number[]) =>
    w.reduce((p, v, k) => (skip.includes(k) ? p : p * v), 1);
  return {
    name: `scalar-network-${depth}`,
    dim: depth,
    value<T>(o: Ops<T>, w: readonly T[]): T {
      if (w.length !== depth) throw new Error(`scalarNetwork: expected ${depth} weights, got ${w.length}`);
      let p = w[0];
      for (let i = 1; i < depth; i++) p = o.mul(p, w[i]);
      return o.mul(0.5, o.square(o.sub(p, target)));
    },
    minimizers: [balanced],
    minimum: 0,
    hessian(w) {
      const r = prodExcept(w) - target;
      return w.map((_, i) =>
        w.map((_, j) => prodExcept(w, i) * prodExcept(w, j) + (i === j ? 0 : r * prodExcept(w, i, j))),
      );
    },
    domain: new Array(depth).fill([-2, 2]),
  };
}

/** The default fixed input of `diagonalLinearNetwork`: 2 examples in 3-D, targets from β* = (1, 0, 0). */
export const DIAGONAL_NET_DEFAULT_X: readonly (readonly number[])[] = [
  [1, 0.5, -1],
  [0.5, -1, 2],
];

/**
 * Diagonal linear network on fixed data X (n×d), y (n): regressor β(u, v) and loss
 * f(u, v) = 1/(2n) |X β − y|², coordinates [u_1…u_d, v_1…v_d], with β = u ⊙ v (`"uv"`) or
 * β = u² − v² (`"u2-v2"`, Woodworth et al., "Kernel and Rich Regimes in Overparametrized Models",
 * COLT 2020). Default data: `DIAGONAL_NET_DEFAULT_X` and y = X(1, 0, 0), under-determined, so the
 * listed minimiser (β = (1, 0, 0)) is one point of a zero-loss manifold.
 */
export function diagonalLinearNetwork(
  opts: { X?: readonly (readonly number[])[]; y?: readonly number[]; parameterization?: "uv" | "u2-v2" } = {},
): ClosedFormLandscape & { X: readonly (readonly number[])[]; y: readonly number[] } {
  checkOptions("diagonalLinearNetwork", opts, ["X", "y", "parameterization"]);
  const { parameterization = "u2-v2" } = opts;
  if (parameterization !== "uv" && parameterization !== "u2-v2")
    throw new Error(`diagonalLinearNetwork: parameterization must be "uv" or "u2-v2", got ${String(parameterization)}`);
  const X = opts.X ?? DIAGONAL_NET_DEFAULT_X;
  assertMatrix(X, "diagonalLinearNetwork: X");
  const n = X.length,
    d = X[0].length;
  const teacher = opts.y === undefined ? [1, ...new Array(d - 1).fill(0)] : undefined;
  const y = opts.y ?? X.map((row) => row[0]);
  assertVector(y as number[], "diagonalLinearNetwork: y", n);
  const beta = <T>(o: Ops<T>, u: T, v: T): T =>
    parameterization === "uv" ? o.mul(u, v) : o.sub(o.square(u), o.square(v));
  const minimizers = teacher
    ? [parameterization === "uv" ? [...teacher, ...teacher] : [...teacher, ...new Array(d).fill(0)]]
    : undefined;
  return {
    name: `diagonal-linear-network-${parameterization}`,
    dim: 2 * d,
    X,
    y,
    value<T>(o: Ops<T>, w: readonly T[]): T {
      if (w.length !== 2 * d)
        throw new Error(`diagonalLinearNetwork: expected ${2 * d} coordinates (u, v in ℝ^${d}), got ${w.length}`);
      const b = Array.from({ length: d }, (_, i) => beta(o, w[i], w[d + i]));
      const res = X.map((row, k) =>
        o.sub(
          sumOps(
            o,
            row.map((xi, i) => o.mul(xi, b[i])),
          ),
          y[k],
        ),
      );
      return o.mul(
        1 / (2 * n),
        sumOps(
          o,
          res.map((r) => o.square(r)),
        ),
      );
    },
    minimizers,
    minimum: minimizers ? 0 : undefined,
    hessian(w) {
      // L = 1/(2n)|Xβ − y|²: H = Jᵀ (XᵀX/n) J + Σ_i g_i ∇²β_i, g = Xᵀ(Xβ − y)/n, J = ∂β/∂(u, v).
      const u = w.slice(0, d),
        v = w.slice(d);
      const b = u.map((ui, i) => (parameterization === "uv" ? ui * v[i] : ui * ui - v[i] * v[i]));
      const r = X.map((row, k) => row.reduce((s, xi, i) => s + xi * b[i], 0) - y[k]);
      const g = Array.from({ length: d }, (_, i) => X.reduce((s, row, k) => s + row[i] * r[k], 0) / n);
      const G = Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => X.reduce((s, row) => s + row[i] * row[j], 0) / n),
      );
      // J is block-diagonal per coordinate: dβ_i/du_i = ju[i], dβ_i/dv_i = jv[i].
      const ju = parameterization === "uv" ? v : u.map((x) => 2 * x);
      const jv = parameterization === "uv" ? u : v.map((x) => -2 * x);
      const J = (a: number, i: number) => (a < d ? (a === i ? ju[i] : 0) : a - d === i ? jv[i] : 0);
      const H = Array.from({ length: 2 * d }, (_, a) =>
        Array.from({ length: 2 * d }, (_, c) => {
          let s = 0;
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += J(a, i) * G[i][j] * J(c, j);
          return s;
        }),
      );
      for (let i = 0; i < d; i++) {
        if (parameterization === "uv") {
          H[i][d + i] += g[i];
          H[d + i][i] += g[i];
        } else {
          H[i][i] += 2 * g[i];
          H[d + i][d + i] -= 2 * g[i];
        }
      }
      return H;
    },
    domain: new Array(2 * d).fill([-1.5, 1.5]),
  };
}
