/**
 * Claims of notebooks/01-adaptive-failures.ipynb, checked in quick mode with the same experiment
 * functions the notebook calls; plus the experiment's wiring (rules, schedules, noise, recording)
 * checked against independent float64 loops written from the papers' update rules.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { adoptToy, amsgradOnline } from "../../lib/landscapes";
import { numberContext } from "../../lib/landscapes/context";
import {
  adoptToyClaims,
  adoptToyConfig,
  adoptToyDrift,
  adoptToyExperiment,
  adoptToyMethods,
  amsgradOnlineDrift,
  logSteps,
  logTrajectories,
  median,
  quantile,
  reddiClaims,
  reddiConfig,
  reddiEndpoints,
  reddiExperiment,
  reddiMethods,
  variantsClaims,
  variantsConfig,
  variantsExperiment,
  type ClaimCheck,
} from "../../experiments/adaptive-failures";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const project = (x: number) => Math.min(1, Math.max(-1, x));

/** Reddi et al.'s online gradient: 1010 if t mod 101 = 1, else −10. */
const onlineGrad = (t: number) => (t % 101 === 1 ? 1010 : -10);

/** Float64 reference loops, written from the papers (not from lib/optimizers). */
function refAdamNoBias(
  grad: (t: number) => number,
  T: number,
  lr: (t: number) => number,
  b1: number,
  b2: number,
  amsgrad: boolean,
  eps = 1e-8,
): number[] {
  let x = 0,
    m = 0,
    v = 0,
    vhat = 0;
  const xs = [x];
  for (let t = 1; t <= T; t++) {
    const g = grad(t);
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    vhat = Math.max(vhat, v);
    x = project(x - (lr(t) * m) / (Math.sqrt(amsgrad ? vhat : v) + eps));
    xs.push(x);
  }
  return xs;
}

function refAdaBelief(
  grad: (t: number) => number,
  T: number,
  lr: (t: number) => number,
  b1: number,
  b2: number,
  eps = 1e-16,
): number[] {
  let x = 0,
    m = 0,
    s = 0;
  const xs = [x];
  for (let t = 1; t <= T; t++) {
    const g = grad(t);
    m = b1 * m + (1 - b1) * g;
    s = b2 * s + (1 - b2) * (g - m) ** 2 + eps;
    const mh = m / (1 - b1 ** t),
      sh = s / (1 - b2 ** t);
    x = project(x - (lr(t) * mh) / (Math.sqrt(sh) + eps));
    xs.push(x);
  }
  return xs;
}

/** ADOPT, Taniguchi et al. Algorithm 2 (v₀ = g₀², then normalise by the previous v), optional clip (t−1)^¼. */
function refAdopt(
  grad: (t: number) => number,
  T: number,
  lr: (t: number) => number,
  b1: number,
  b2: number,
  clip: boolean,
  eps = 1e-6,
): number[] {
  let x = 0,
    m = 0,
    v = 0;
  const xs = [x];
  for (let t = 1; t <= T; t++) {
    const g = grad(t);
    if (t === 1) v = g * g;
    else {
      let n = g / Math.max(Math.sqrt(v), eps);
      if (clip) n = Math.min(Math.max(n, -((t - 1) ** 0.25)), (t - 1) ** 0.25);
      m = b1 * m + (1 - b1) * n;
      v = b2 * v + (1 - b2) * g * g;
    }
    x = project(x - lr(t) * m);
    xs.push(x);
  }
  return xs;
}

function expectClaims(claims: ClaimCheck[]) {
  for (const c of claims) expect(c.passed, `${c.text}\n  measured: ${c.details}`).toBe(true);
}

describe("adaptive-failures: recording helpers", () => {
  it("logSteps: increasing integers from 1 to T, evenly spread on a log axis", () => {
    for (const T of [1, 7, 999, 123_457, 5_000_000]) {
      const steps = logSteps(T, 50);
      expect(steps[0]).toBe(1);
      expect(steps[steps.length - 1]).toBe(T);
      for (let i = 1; i < steps.length; i++) {
        expect(steps[i]).toBeGreaterThan(steps[i - 1]);
        // consecutive ratio at most one log-grid step (rounding aside)
        expect(Math.log(steps[i] / steps[i - 1])).toBeLessThanOrEqual(
          Math.log(T) / 49 + Math.log((steps[i - 1] + 1) / steps[i - 1]) + 1e-12,
        );
      }
    }
    expect(() => logSteps(0, 10)).toThrow(/positive integer/);
    expect(() => logSteps(100, 1)).toThrow(/points/);
  });

  it("quantile/median interpolate and skip non-finite values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(median([NaN, 1, Infinity, 3])).toBe(2);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it("logTrajectories equals a reference loop at every recorded step (online problem, Adam as in Reddi et al.)", async () => {
    const T = 25_000;
    const rule = reddiMethods().find((m) => m.key === "adam")!.rule;
    const r = await logTrajectories(
      {
        landscape: amsgradOnline(),
        optimizer: rule,
        init: [0],
        hyper: { lr: 0.1, b1: 0.9, b2: 0.99 },
        schedule: { lr: (count) => 1 / Math.sqrt(count + 1) },
      },
      T,
      60,
    );
    const ref = refAdamNoBias(onlineGrad, T, (t) => 0.1 / Math.sqrt(t), 0.9, 0.99, false);
    expect(r.steps[0]).toBe(0);
    r.steps.forEach((s, j) => expect(r.x[j][0]).toBeCloseTo(ref[s], 10));
    // A horizon that is not a multiple of its stride still ends on x_T.
    const T2 = 123_457;
    const r2 = await logTrajectories(
      {
        landscape: amsgradOnline(),
        optimizer: rule,
        init: [0],
        hyper: { lr: 0.1, b1: 0.9, b2: 0.99 },
        schedule: { lr: (count) => 1 / Math.sqrt(count + 1) },
      },
      T2,
      40,
    );
    const ref2 = refAdamNoBias(onlineGrad, T2, (t) => 0.1 / Math.sqrt(t), 0.9, 0.99, false);
    expect(r2.steps[r2.steps.length - 1]).toBe(T2);
    r2.steps.forEach((s, j) => expect(r2.x[j][0]).toBeCloseTo(ref2[s], 10));
  });
});

describe("adaptive-failures: methods match the papers' update rules", () => {
  const T = 3000;
  const lr = (t: number) => 0.1 / Math.sqrt(t);
  it("figure 1 methods on the online problem equal float64 loops of Reddi Alg. 1/2, AdaBelief Alg. 2, ADOPT Alg. 2", async () => {
    const refs: Record<string, number[]> = {
      adam: refAdamNoBias(onlineGrad, T, lr, 0.9, 0.99, false),
      amsgrad: refAdamNoBias(onlineGrad, T, lr, 0.9, 0.99, true),
      adabelief: refAdaBelief(onlineGrad, T, lr, 0.9, 0.99),
      adopt: refAdopt(onlineGrad, T, lr, 0.9, 0.99, false),
      adoptClip: refAdopt(onlineGrad, T, lr, 0.9, 0.99, true),
    };
    for (const m of reddiMethods()) {
      const r = await logTrajectories(
        {
          landscape: amsgradOnline(),
          optimizer: m.rule,
          init: [0],
          hyper: { ...m.hyper, lr: 0.1, b1: 0.9, b2: 0.99 },
          schedule: { lr: (count) => 1 / Math.sqrt(count + 1) },
        },
        T,
        30,
      );
      r.steps.forEach((s, j) => expect(r.x[j][0], `${m.key} at step ${s}`).toBeCloseTo(refs[m.key][s], 9));
    }
  });

  it("figure 2 methods on the ADOPT toy equal float64 loops with the same per-run noise (seedState(seed, run))", async () => {
    const k = 50,
      b2s = [0.1, 0.999],
      seeds = 2,
      T2 = 2000;
    const sched = (t: number) => 0.01 / Math.sqrt(1 + 0.01 * (t - 1));
    for (const m of adoptToyMethods()) {
      const r = await logTrajectories(
        {
          landscape: adoptToy({ k }),
          optimizer: m.rule,
          init: [0],
          grid: { b2: b2s },
          seeds,
          hyper: { ...m.hyper, lr: 0.01, b1: 0.9 },
          schedule: { lr: (count) => 1 / Math.sqrt(1 + 0.01 * count) },
        },
        T2,
        20,
      );
      for (let run = 0; run < b2s.length * seeds; run++) {
        const b2 = b2s[Math.floor(run / seeds)],
          seed = run % seeds;
        const ctx = numberContext(seed, run);
        const gs = [0];
        for (let t = 1; t <= T2; t++) gs.push(ctx.uniform() < 1 / k ? k * k : -k);
        const grad = (t: number) => gs[t];
        const ref =
          m.key === "adam"
            ? refAdamNoBias(grad, T2, sched, 0.9, b2, false)
            : m.key === "amsgrad"
              ? refAdamNoBias(grad, T2, sched, 0.9, b2, true)
              : refAdopt(grad, T2, sched, 0.9, b2, m.key === "adoptClip");
        r.steps.forEach((s, j) => expect(r.x[j][run], `${m.key} run ${run} step ${s}`).toBeCloseTo(ref[s], 9));
      }
    }
  });
});

describe("adaptive-failures: closed forms", () => {
  it("AMSGrad's v* is the limit of the periodic peaks of v on the online problem", () => {
    for (const b2 of [0.9, 0.99, 0.999]) {
      let v = 0,
        peak = 0;
      for (let t = 1; t <= 200_000; t++) {
        const g = onlineGrad(t);
        v = b2 * v + (1 - b2) * g * g;
        peak = Math.max(peak, v);
      }
      const { vStar } = amsgradOnlineDrift({ b2, lr: 0.1 });
      expect(Math.abs(peak - vStar) / vStar).toBeLessThan(1e-9);
    }
  });

  it("AMSGrad's drift prediction matches a reference AMSGrad loop (independent of the engine)", () => {
    const T = 400_000,
      T0 = 40_000,
      lr = 0.1;
    const xs = refAdamNoBias(onlineGrad, T, (t) => lr / Math.sqrt(t), 0.9, 0.99, true);
    const pred = amsgradOnlineDrift({ b2: 0.99, lr }).displacement(T0, T);
    expect(Math.abs(xs[T] - xs[T0] - pred)).toBeLessThan(0.05 * Math.abs(pred));
  });

  it("ADOPT drift estimate is −Σα_t/√(k³ + k² − k), with Σα_t ≈ 2(√(1 + α(T−1)) − 1) for α_t = α/√(1 + α(t−1))", () => {
    for (const [k, T] of [
      [10, 10_000],
      [50, 200_000],
    ]) {
      const integral = 2 * (Math.sqrt(1 + 0.01 * (T - 1)) - 1);
      expect(adoptToyDrift({ k, lr: 0.01, steps: T }) / (-integral / Math.sqrt(k ** 3 + k ** 2 - k))).toBeCloseTo(1, 2);
    }
  });
});

describe("adaptive-failures: notebook claims (quick mode)", () => {
  it("figure 1: Reddi et al.'s online and stochastic problems", async () => {
    const r = await reddiExperiment(reddiConfig(true));
    expect(r.steps[0]).toBe(0);
    expect(r.steps[r.steps.length - 1]).toBe(r.config.steps);
    for (const row of reddiEndpoints(r))
      for (const v of [row.online, row.stochasticMedian]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expectClaims(reddiClaims(r));
  });

  it("figure 2: ADOPT's toy", async () => {
    const r = await adoptToyExperiment(adoptToyConfig(true));
    expectClaims(adoptToyClaims(r));
  });

  it("figure 3: ε placement, bias correction and AMSGrad's max", async () => {
    const r = await variantsExperiment(variantsConfig(true));
    expectClaims(variantsClaims(r));
  });

  it("bad configurations are rejected with the reason", async () => {
    await expect(reddiExperiment({ ...reddiConfig(true), lr: -1 })).rejects.toThrow(/lr=-1/);
    await expect(reddiExperiment({ ...reddiConfig(true), steps: 0 })).rejects.toThrow(/positive integer/);
  });
});
