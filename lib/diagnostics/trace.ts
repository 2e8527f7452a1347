/**
 * Stochastic trace estimation with a variance estimate.
 *
 * - Hutchinson (1989): tr(A) = E[zᵀAz] for z with E[zzᵀ] = I; with Rademacher z,
 *   Var[zᵀAz] = 2(‖A‖_F² − Σ_i a_ii²).
 * - Hutch++ (Meyer, Musco, Musco & Woodruff, "Hutch++: Optimal Stochastic Trace Estimation",
 *   SOSA 2021): spend m/3 products on a sketch Q = orth(A S), take tr(QᵀAQ) exactly, and apply
 *   Hutchinson to the deflated (I − QQᵀ)A(I − QQᵀ) with the remaining m/3 probes. Relative error
 *   O(1/m) instead of O(1/√m) for PSD matrices; exact when rank(A) ≤ m/3.
 */
import { Rng } from "../rng";
import { dot, orthogonalize, orthonormalBasis } from "../linalg/eigen";
import type { CurvatureOperator } from "./operator";
import { probeVector } from "./density";

export interface TraceEstimate {
  /** The estimate of tr(A). */
  estimate: number;
  /** Estimated standard error of `estimate` (sample std of the stochastic part / √probes). */
  stdError: number;
  /** Stochastic samples zᵀAz (for Hutch++: those of the deflated remainder). */
  samples: number[];
  /** Operator products used. */
  matvecs: number;
}

function meanAndStdError(x: number[]): { mean: number; stdError: number } {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, stdError: Infinity };
  const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, stdError: Math.sqrt(v / n) };
}

/**
 * Hutchinson's estimator tr(A) ≈ (1/N) Σ_i z_iᵀ A z_i with N Rademacher (default) or Gaussian
 * probes, and its standard error from the sample variance.
 */
export async function hutchinson(
  op: CurvatureOperator,
  opts: { probes?: number; seed?: number; distribution?: "rademacher" | "gaussian" } = {},
): Promise<TraceEstimate> {
  const probes = opts.probes ?? 100;
  if (!Number.isInteger(probes) || probes < 1)
    throw new Error(`hutchinson: probes must be a positive integer, got ${probes}`);
  const rng = new Rng(opts.seed ?? 0);
  const samples: number[] = [];
  for (let i = 0; i < probes; i++) {
    const z = probeVector(op.size, rng, opts.distribution ?? "rademacher");
    samples.push(dot(z, await op.matvec(z)));
  }
  const { mean, stdError } = meanAndStdError(samples);
  return { estimate: mean, stdError, samples, matvecs: probes };
}

/**
 * Hutch++ with a budget of `matvecs` products (default 99, split in thirds): S, G Rademacher
 * d×(m/3); Q = orth(AS); tr(A) ≈ tr(QᵀAQ) + (1/|G|) Σ_g g'ᵀAg', g' = (I − QQᵀ)g. The standard
 * error is that of the Hutchinson part (the sketch part is exact given Q).
 */
export async function hutchPlusPlus(
  op: CurvatureOperator,
  opts: { matvecs?: number; seed?: number; distribution?: "rademacher" | "gaussian" } = {},
): Promise<TraceEstimate> {
  const budget = opts.matvecs ?? 99;
  if (!Number.isInteger(budget) || budget < 3)
    throw new Error(`hutchPlusPlus: matvecs must be an integer >= 3, got ${budget}`);
  const third = Math.floor(budget / 3);
  const dist = opts.distribution ?? "rademacher";
  const rng = new Rng(opts.seed ?? 0);
  const n = op.size;
  let used = 0;
  const AS: Float64Array[] = [];
  for (let i = 0; i < Math.min(third, n); i++) {
    AS.push(await op.matvec(probeVector(n, rng, dist)));
    used++;
  }
  const Q = orthonormalBasis(AS);
  let sketch = 0;
  for (const q of Q) {
    sketch += dot(q, await op.matvec(q));
    used++;
  }
  // The rest of the budget (at least a third) goes to the deflated Hutchinson part.
  const nG = budget - used;
  const samples: number[] = [];
  if (Q.length < n) {
    for (let i = 0; i < nG; i++) {
      const g = probeVector(n, rng, dist);
      orthogonalize(g, Q);
      samples.push(dot(g, await op.matvec(g)));
      used++;
    }
  }
  if (!samples.length) return { estimate: sketch, stdError: 0, samples, matvecs: used };
  const { mean, stdError } = meanAndStdError(samples);
  return { estimate: sketch + mean, stdError, samples, matvecs: used };
}

/** Exact trace of an operator by d products against the basis (for checks on small problems). */
export async function exactTrace(op: CurvatureOperator): Promise<number> {
  const e = new Float64Array(op.size);
  let t = 0;
  for (let i = 0; i < op.size; i++) {
    e[i] = 1;
    t += (await op.matvec(e))[i];
    e[i] = 0;
  }
  return t;
}
