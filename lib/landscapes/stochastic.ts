/**
 * Online and stochastic toys (1-D counterexamples for adaptive methods) and noisy quadratics.
 * Randomness comes only from `ctx.uniform()/ctx.normal()` (one seeded stream per run) and time only
 * from `ctx.t`, so the tfjs adaptor and the fused engine see the same problem. For every problem
 * here the *gradient* of `value` with the draws held fixed is the stochastic gradient oracle.
 */
import type { ClosedFormLandscape, LandscapeContext } from "../core/landscape";
import type { Ops } from "../core/ops";
import { quadraticCore, sumOps } from "./testFunctions";
import { checkOptions } from "../validate";

function unitBox<T>(o: Ops<T>, x: readonly T[]): T[] {
  return x.map((xi) => o.clip(xi, -1, 1));
}

function positive(v: number, what: string): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${what} must be a positive number, got ${v}`);
}

/**
 * Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018), online problem on
 * X = [−1, 1]: f_t(x) = large·x when t mod period = 1, else −small·x. With the paper's Section 5
 * values (1010, 10, 101) the average gradient is (large − (period−1)·small)/period = 10/101 > 0, so
 * the best fixed point is x = −1, yet Adam drifts to +1. (Theorem 1's form is large = C, small = 1,
 * period = 3.) `minimum` is the average loss per step at −1.
 */
export function amsgradOnline(opts: { large?: number; small?: number; period?: number } = {}): ClosedFormLandscape {
  checkOptions("amsgradOnline", opts, ["large", "small", "period"]);
  const { large = 1010, small = 10, period = 101 } = opts;
  positive(large, "amsgradOnline: large");
  positive(small, "amsgradOnline: small");
  if (!Number.isInteger(period) || period < 2)
    throw new Error(`amsgradOnline: period must be an integer ≥ 2, got ${period}`);
  const mean = (large - (period - 1) * small) / period;
  return {
    name: "amsgrad-online",
    dim: 1,
    stochastic: true,
    value<T>(o: Ops<T>, x: readonly T[], ctx: LandscapeContext<T>): T {
      if (x.length !== 1) throw new Error(`amsgradOnline: expected 1 coordinate, got ${x.length}`);
      // r = t mod period, computed with floor so the tracer can compile it; r = 1 ⇔ 0.5 < r < 1.5.
      const r = o.sub(ctx.t, o.mul(period, o.floor(o.div(ctx.t, period))));
      const isLarge = o.mul(o.gt(r, 0.5), o.gt(1.5, r));
      return o.mul(o.where(isLarge, large, -small), x[0]);
    },
    project: unitBox,
    minimizers: mean > 0 ? [[-1]] : mean < 0 ? [[1]] : undefined,
    minimum: -Math.abs(mean),
    hessian: () => [[0]],
    domain: [[-1, 1]],
  };
}

/**
 * Reddi et al. (2018), stochastic problem on X = [−1, 1]: f(x; ξ) = large·x with probability p,
 * else −small·x. Section 5 uses (1010, 10, 0.01): E∇f = 10.1 − 9.9 = 0.2 > 0, so the minimiser of
 * E f is x = −1. (Theorem 3: large = C, small = 1, p = (1+δ)/(C+1).)
 */
export function amsgradStochastic(opts: { large?: number; small?: number; p?: number } = {}): ClosedFormLandscape {
  checkOptions("amsgradStochastic", opts, ["large", "small", "p"]);
  const { large = 1010, small = 10, p = 0.01 } = opts;
  positive(large, "amsgradStochastic: large");
  positive(small, "amsgradStochastic: small");
  if (!(p > 0 && p < 1)) throw new Error(`amsgradStochastic: p must be in (0, 1), got ${p}`);
  const mean = p * large - (1 - p) * small;
  return {
    name: "amsgrad-stochastic",
    dim: 1,
    stochastic: true,
    value<T>(o: Ops<T>, x: readonly T[], ctx: LandscapeContext<T>): T {
      if (x.length !== 1) throw new Error(`amsgradStochastic: expected 1 coordinate, got ${x.length}`);
      return o.mul(o.where(o.gt(p, ctx.uniform()), large, -small), x[0]);
    },
    project: unitBox,
    minimizers: mean > 0 ? [[-1]] : mean < 0 ? [[1]] : undefined,
    minimum: -Math.abs(mean),
    hessian: () => [[0]],
    domain: [[-1, 1]],
  };
}

/**
 * Taniguchi et al., "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate"
 * (NeurIPS 2024), toy on [−1, 1]: the stochastic gradient is k² with probability 1/k, else −k, i.e.
 * f(x; ξ) = k²·x or −k·x. E∇f = k − k(1 − 1/k) = 1, so E f(x) = x with minimiser −1; Adam with small
 * β2 drifts to +1 for large k.
 */
export function adoptToy(opts: { k?: number } = {}): ClosedFormLandscape {
  checkOptions("adoptToy", opts, ["k"]);
  const { k = 10 } = opts;
  if (!(k > 1)) throw new Error(`adoptToy: k must be > 1, got ${k}`);
  return {
    name: "adopt-toy",
    dim: 1,
    stochastic: true,
    value<T>(o: Ops<T>, x: readonly T[], ctx: LandscapeContext<T>): T {
      if (x.length !== 1) throw new Error(`adoptToy: expected 1 coordinate, got ${x.length}`);
      return o.mul(o.where(o.gt(1 / k, ctx.uniform()), k * k, -k), x[0]);
    },
    project: unitBox,
    minimizers: [[-1]],
    minimum: -1,
    hessian: () => [[0]],
    domain: [[-1, 1]],
  };
}

/**
 * Noisy quadratic f(x; z) = ½ xᵀ Q Λ Qᵀ x + Σ_k σ_k z_k (q_kᵀ x), z ~ N(0, I) drawn from `ctx`, so the
 * stochastic gradient is H x + Q diag(σ) z: unbiased, with covariance σ² I (`noise: "isotropic"`,
 * σ_k = σ) or σ² H (`noise: "hessian"`, σ_k = σ√λ_k — noise ∝ eigenvalue, the anisotropic model of
 * e.g. "Accelerated Convergence of Stochastic Heavy Ball Method under Anisotropic Gradient Noise",
 * Pan et al., 2023, and the noisy quadratic model of Zhang et al., 2019). Expected loss ½ xᵀHx,
 * minimiser 0, Hessian H = Q Λ Qᵀ (Q = I unless `rotate: seed`).
 */
export function noisyQuadratic(opts: {
  eigenvalues: readonly number[];
  sigma: number;
  noise?: "isotropic" | "hessian";
  rotate?: number;
}): ClosedFormLandscape & { noiseStd: number[] } {
  checkOptions("noisyQuadratic", opts, ["eigenvalues", "sigma", "noise", "rotate"]);
  const { sigma, noise = "isotropic" } = opts;
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new Error(`noisyQuadratic: sigma must be ≥ 0, got ${sigma}`);
  if (noise !== "isotropic" && noise !== "hessian")
    throw new Error(`noisyQuadratic: noise must be "isotropic" or "hessian", got ${String(noise)}`);
  const base = quadraticCore(`noisy-quadratic-${noise}`, { eigenvalues: opts.eigenvalues, rotate: opts.rotate });
  if (noise === "hessian" && opts.eigenvalues.some((l) => l < 0))
    throw new Error('noisyQuadratic: noise "hessian" needs eigenvalues ≥ 0');
  const std = opts.eigenvalues.map((l) => (noise === "isotropic" ? sigma : sigma * Math.sqrt(l)));
  const Q = base.basis;
  return {
    ...base,
    stochastic: true,
    noiseStd: std,
    value<T>(o: Ops<T>, x: readonly T[], ctx: LandscapeContext<T>): T {
      const quad = base.value(o, x, ctx);
      const lin = std.map((s, k) => {
        const y = Q
          ? sumOps(
              o,
              x.map((xi, i) => o.mul(Q[i][k], xi)),
            )
          : x[k];
        return o.mul(o.mul(s, ctx.normal()), y);
      });
      return o.add(quad, sumOps(o, lin));
    },
  };
}
