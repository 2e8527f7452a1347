/**
 * Claims of notebook 03 (minmax games), checked on the same experiment functions in quick mode,
 * against closed forms (GDA's √(1+η²) growth, alternating GDA's conserved energy, extragradient's
 * and past extragradient's eigenvalues, a hand-written complex-momentum matrix, the Nash
 * equilibria of the preference games) and the papers' stated rates.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { bilinearGame } from "../../lib/landscapes/games";
import { complexMomentumRule, gdaRule } from "../../lib/optimizers/games";
import { spectralRadiusOfMatrix } from "../../lib/linalg/eigen";
import { numOps } from "../../lib/core/ops";
import {
  bilinearClaims,
  bilinearDynamics,
  bilinearFigure,
  complexMomentumClaims,
  complexMomentumFigure,
  complexMomentumHeatmapFigure,
  preferenceClaims,
  preferenceFigure,
  regularizedClaims,
  stochasticClaims,
  stochasticFigure,
  complexMomentumHeatmap,
  complexMomentumMeasuredRates,
  complexMomentumTrajectories,
  CYCLIC_PREFERENCE,
  gameSpectralRadius,
  gameUpdateMatrix,
  geometricRate,
  klDivergence,
  logLogSlope,
  minmaxGamesConfig,
  nashMirrorProxRule,
  preferenceGameDynamics,
  preferenceSimplexGame,
  realMomentumRadii,
  regularizedNash,
  regularizedPreferenceDynamics,
  RPS_PREFERENCE,
  stochasticExtragradient,
} from "../../experiments/minmax-games";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

// The notebook's quick-mode sizes: the test asserts the claims on exactly what CI's notebook shows.
const cfg = minmaxGamesConfig(true);

/** Roots of μ² + bμ + c = 0 for complex b, c (each as [re, im]), as moduli. */
function quadraticRootModuli(b: [number, number], c: [number, number]): number[] {
  // disc = b² − 4c
  const dRe = b[0] * b[0] - b[1] * b[1] - 4 * c[0],
    dIm = 2 * b[0] * b[1] - 4 * c[1];
  const r = Math.hypot(dRe, dIm);
  const sRe = Math.sqrt((r + dRe) / 2),
    sIm = Math.sign(dIm || 1) * Math.sqrt((r - dRe) / 2);
  return [Math.hypot((-b[0] + sRe) / 2, (-b[1] + sIm) / 2), Math.hypot((-b[0] - sRe) / 2, (-b[1] - sIm) / 2)];
}

describe("figure 1: bilinear game x·y, η = 0.1, from (1, 1)", () => {
  const eta = cfg.bilinear.lr;
  let res: Awaited<ReturnType<typeof bilinearDynamics>>;
  beforeAll(async () => {
    res = await bilinearDynamics(cfg.bilinear);
  });
  const get = (k: string) => res.methods.find((m) => m.key === k)!;

  it("simultaneous GDA's distance grows by exactly √(1+η²) per step", () => {
    const d = get("gda").dist;
    const g = Math.sqrt(1 + eta * eta);
    for (let t = 0; t < d.length - 1; t++) expect(Math.abs(d[t + 1] / d[t] - g)).toBeLessThan(1e-12);
  });

  it("alternating GDA stays bounded: it conserves x² + y² − ηxy, so ‖z‖² ≤ E₀/(1 − η/2)", () => {
    const m = get("gdaAlternating");
    const E = (x: number, y: number) => x * x + y * y - eta * x * y;
    const e0 = E(m.x[0], m.y[0]);
    for (let t = 0; t < m.x.length; t++) expect(Math.abs(E(m.x[t], m.y[t]) - e0)).toBeLessThan(1e-12);
    expect(Math.max(...m.dist)).toBeLessThanOrEqual(Math.sqrt(e0 / (1 - eta / 2)) + 1e-12);
  });

  it("the diagnostics' spectral radii match the closed forms of each linear update map", () => {
    expect(get("gda").spectralRadius).toBeCloseTo(Math.sqrt(1 + eta ** 2), 6);
    expect(get("gdaAlternating").spectralRadius).toBeCloseTo(1, 6);
    // Extragradient: M = (1 − η²)I − ηJ, eigenvalues (1 − η²) ± iη.
    expect(get("extragradient").spectralRadius).toBeCloseTo(Math.sqrt((1 - eta ** 2) ** 2 + eta ** 2), 6);
    // Past extragradient on an eigenvector of J (λ = i): μ² − (1 − 2ηλ)μ − ηλ = 0.
    const peg = Math.max(...quadraticRootModuli([-1, 2 * eta], [0, -eta]));
    expect(get("pastExtragradient").spectralRadius).toBeCloseTo(peg, 6);
    for (const m of res.methods) expect(m.matrixRadius).toBeCloseTo(m.spectralRadius, 6);
  });

  it("extragradient and past extragradient converge linearly at their spectral radius", () => {
    for (const k of ["extragradient", "pastExtragradient"]) {
      const m = get(k);
      expect(m.spectralRadius).toBeLessThan(1);
      expect(Math.abs(m.measuredRate - m.spectralRadius)).toBeLessThan(1e-4);
      expect(m.dist[m.dist.length - 1]).toBeLessThan(0.5 * m.dist[0]);
    }
    expect(Math.abs(get("gda").measuredRate - get("gda").spectralRadius)).toBeLessThan(1e-6);
  });

  it("tfjs nested gradients: the autodiff Jacobian of alternating GDA is exact (regression guard)", async () => {
    const r = await gameSpectralRadius(bilinearGame({ A: [[1]] }), gdaRule({ alternating: true }), { lr: 0.3 });
    expect(r.radius).toBeCloseTo(1, 5);
  });

  it("rejects bad configs", async () => {
    await expect(bilinearDynamics({ lr: NaN })).rejects.toThrow(/lr/);
    await expect(bilinearDynamics({ steps: 1.5 })).rejects.toThrow(/steps/);
    await expect(bilinearDynamics({ nope: 1 } as never)).rejects.toThrow(/unknown option "nope"/);
    await expect(gameSpectralRadius(bilinearGame({ A: [[1]] }), gdaRule(), { lrr: 0.1 })).rejects.toThrow(
      /unknown hyperparameter "lrr"/,
    );
    expect(() =>
      regularizedNash({
        P: [
          [0.5, 1],
          [0, 0.5],
        ],
        beta: 0,
      }),
    ).toThrow(/no unique interior/);
    expect(() => nashMirrorProxRule({ players: [0, 1], beta: 0.1, ref: [1] })).toThrow(/ref/);
    expect(() => gameUpdateMatrix(bilinearGame({ A: [[1]], b: [1] }), gdaRule())).toThrow(/does not fix 0/);
  });
});

describe("figure 2: complex momentum on x·y, α = 0.1", () => {
  it("the update matrix equals a hand-written 6×6 matrix of Algorithm 1", () => {
    const a = 0.1,
      m = 0.8,
      th = 1.1;
    const bRe = m * Math.cos(th),
      bIm = m * Math.sin(th);
    // state (x, y, Re μx, Re μy, Im μx, Im μy); F(x, y) = (y, −x).
    // μ' = βμ − F: Re μ' = bRe·Re μ − bIm·Im μ − F, Im μ' = bRe·Im μ + bIm·Re μ; z' = z + α Re μ'.
    const reMu = [
      [0, -1, bRe, 0, -bIm, 0],
      [1, 0, 0, bRe, 0, -bIm],
    ];
    const imMu = [
      [0, 0, bIm, 0, bRe, 0],
      [0, 0, 0, bIm, 0, bRe],
    ];
    const z = [0, 1].map((i) => reMu[i].map((v, j) => (j === i ? 1 : 0) + a * v));
    const expected = [...z, ...reMu, ...imMu];
    const M = gameUpdateMatrix(bilinearGame({ A: [[1]] }), complexMomentumRule(), { lr: a, beta: m, betaArg: th });
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(M[i][j]).toBeCloseTo(expected[i][j], 12);
  });

  it("no real β (positive or negative) converges; 0.9·e^{iπ/4} does, at its spectral radius", async () => {
    const radii = realMomentumRadii(cfg.realBetas);
    expect(Math.min(...radii)).toBeGreaterThan(1);
    const runs = await complexMomentumTrajectories(cfg.momentumTrajectories);
    const run = runs.find((r) => r.magnitude === 0.9 && r.arg === Math.PI / 4)!;
    expect(run.spectralRadius).toBeLessThan(1);
    expect(Math.abs(run.measuredRate - run.spectralRadius)).toBeLessThan(1e-3);
    expect(run.dist[run.dist.length - 1]).toBeLessThan(0.1 * run.dist[0]);
    for (const r of runs) expect(Math.abs(r.measuredRate - r.spectralRadius)).toBeLessThan(2e-3);
  });

  it("the ρ heatmap predicts the engine's trajectories over the |β| × arg β grid", async () => {
    const { magnitudes: mags, args } = cfg.heatmapCheck;
    const h = complexMomentumHeatmap({ lr: cfg.heatmapCheck.lr, magnitudes: mags, args });
    const m = await complexMomentumMeasuredRates(cfg.heatmapCheck);
    let checked = 0;
    for (let i = 0; i < args.length; i++) {
      for (let j = 0; j < mags.length; j++) {
        expect(Math.abs(m.rate[i][j] - h.radius[i][j])).toBeLessThan(2e-3);
        if (Math.abs(h.radius[i][j] - 1) < 0.002) continue;
        checked++;
        expect(m.rate[i][j] < 1).toBe(h.radius[i][j] < 1);
      }
    }
    expect(checked).toBeGreaterThan(60);
    // Some complex β converge.
    expect(Math.min(...h.radius.flat())).toBeLessThan(0.99);
  });
});

describe("figure 3: preference games on the simplex", () => {
  it("equilibria: RPS uniform, the cyclic preference (4, 2, 3)/9, and the β-regularised fixed point", () => {
    regularizedNash({ P: RPS_PREFERENCE, beta: 0 }).forEach((v) => expect(v).toBeCloseTo(1 / 3, 12));
    const c = regularizedNash({ P: CYCLIC_PREFERENCE, beta: 0 });
    [4 / 9, 2 / 9, 3 / 9].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 12));
    const beta = 0.1,
      ref = [0.5, 0.3, 0.2];
    const s = regularizedNash({ P: CYCLIC_PREFERENCE, beta, ref });
    // π* ∝ ref · exp((Pπ*)/β)
    const w = ref.map((r, i) => r * Math.exp(CYCLIC_PREFERENCE[i].reduce((a, p, j) => a + p * s[j], 0) / beta));
    const z = w.reduce((a, b) => a + b, 0);
    w.forEach((v, i) => expect(Math.abs(v / z - s[i])).toBeLessThan(1e-12));
  });

  it("a Nash-MP step is the closed-form KL-prox step of Tiapkin et al.", () => {
    const P = CYCLIC_PREFERENCE,
      beta = 0.2,
      eta = 0.7,
      ref = [0.5, 0.3, 0.2];
    const game = preferenceSimplexGame({ P });
    const rule = nashMirrorProxRule({ players: game.players!, beta, ref: [...ref, ...ref] });
    const z = [0.6, 0.3, 0.1, 0.2, 0.5, 0.3];
    // field of the unregularised game: F_p = −(P−½)q, F_q = −(P−½)p (P − ½ antisymmetric)
    const field = (v: readonly number[]) => {
      const p = v.slice(0, 3),
        q = v.slice(3);
      const Fp = [0, 1, 2].map((i) => -P[i].reduce((a, Pij, j) => a + (Pij - 0.5) * q[j], 0));
      const Fq = [0, 1, 2].map((i) => -P[i].reduce((a, Pij, j) => a + (Pij - 0.5) * p[j], 0));
      return [...Fp, ...Fq];
    };
    const prox = (base: number[], d: number[]) => {
      const out: number[] = [];
      for (const g of [
        [0, 1, 2],
        [3, 4, 5],
      ]) {
        const w = g.map(
          (i) =>
            Math.pow(base[i], 1 / (1 + eta * beta)) *
            Math.pow(ref[i % 3], (eta * beta) / (1 + eta * beta)) *
            Math.exp((-eta * d[i]) / (1 + eta * beta)),
        );
        const s = w.reduce((a, b) => a + b, 0);
        out.push(...w.map((v) => v / s));
      }
      return out;
    };
    const expected = prox(z, field(prox(z, field(z))));
    const got = rule.step(numOps, z, field, {}, { lr: eta }, 1, undefined as never).x;
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  for (const [name, P] of [
    ["rock-paper-scissors", RPS_PREFERENCE],
    ["cyclic preference", CYCLIC_PREFERENCE],
  ] as const) {
    it(`${name}: multiplicative weights' last iterate moves away, its average and mirror prox converge`, async () => {
      const r = await preferenceGameDynamics({ P, ...cfg.preference });
      const c = (k: string) => r.curves.find((x) => x.key === k)!.kl;
      const mw = c("mw"),
        avg = c("mwAverage"),
        mp = c("mirrorProx"),
        eg = c("extragradientLogits");
      expect(mw[mw.length - 1]).toBeGreaterThan(5 * mw[0]);
      expect(avg[avg.length - 1]).toBeLessThan(0.01 * avg[0]);
      expect(mp[mp.length - 1]).toBeLessThan(1e-6 * mp[0]);
      expect(eg[eg.length - 1]).toBeLessThan(0.5 * eg[0]);
    });
  }

  it("on the KL-regularised game Nash-MP converges linearly, at least as fast as 1/(1+ηβ) per iteration ((1+2β)^{-N/2} at η = 2)", async () => {
    const r = await regularizedPreferenceDynamics(cfg.regularized);
    for (const run of r.runs) {
      expect(run.measuredRate).toBeLessThan(1);
      expect(run.measuredRate).toBeLessThanOrEqual(run.boundRate);
      // linear: the KL falls by the rate at every iteration, not just on average
      for (let k = 0; k < 20; k++) expect(run.kl[k + 1]).toBeLessThan(run.kl[k]);
    }
    const two = r.runs.find((x) => x.lr === 2)!;
    expect(two.boundRate).toBeCloseTo(1 / (1 + 2 * r.beta), 12);
    expect(Math.sqrt(two.measuredRate)).toBeLessThanOrEqual(Math.pow(1 + 2 * r.beta, -1 / 2));
  });
});

describe("figure 4: stochastic single-call vs two-call extragradient at an equal gradient budget", () => {
  it("past extragradient reaches a lower median error and decays like O(1/t)", async () => {
    const r = await stochasticExtragradient(cfg.stochastic);
    const [peg, eg] = r.curves;
    expect(peg.key).toBe("pastExtragradient");
    expect(peg.median[peg.median.length - 1]).toBeLessThan(eg.median[eg.median.length - 1]);
    const slope = logLogSlope(peg.calls.slice(10), peg.median.slice(10));
    expect(slope).toBeGreaterThan(-1.3);
    expect(slope).toBeLessThan(-0.7);
  });
});

describe("the notebook's claim checks and figures (quick mode)", () => {
  it("every claim the notebook prints passes, and every figure builds", async () => {
    const b = await bilinearDynamics(cfg.bilinear);
    const heat = complexMomentumHeatmap(cfg.heatmap);
    const real = realMomentumRadii(cfg.realBetas);
    const runs = await complexMomentumTrajectories(cfg.momentumTrajectories);
    const check = await complexMomentumMeasuredRates(cfg.heatmapCheck);
    const checkHeat = complexMomentumHeatmap({
      lr: cfg.heatmapCheck.lr,
      magnitudes: cfg.heatmapCheck.magnitudes,
      args: cfg.heatmapCheck.args,
    });
    const rps = await preferenceGameDynamics({ P: RPS_PREFERENCE, ...cfg.preference });
    const cyc = await preferenceGameDynamics({ P: CYCLIC_PREFERENCE, ...cfg.preference });
    const reg = await regularizedPreferenceDynamics(cfg.regularized);
    const st = await stochasticExtragradient(cfg.stochastic);
    const claims = [
      ...bilinearClaims(b),
      ...complexMomentumClaims(heat, cfg.realBetas, real, runs, {
        ...cfg.heatmapCheck,
        rate: check.rate,
        radius: checkHeat.radius,
      }),
      ...preferenceClaims("RPS", rps),
      ...preferenceClaims("cyclic", cyc),
      ...regularizedClaims(reg),
      ...stochasticClaims(st),
    ];
    expect(claims.length).toBe(4 + 3 + 4 + 4 + 3 + 2);
    for (const c of claims) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    const figs = [
      bilinearFigure(b),
      complexMomentumHeatmapFigure(heat, runs),
      complexMomentumFigure(cfg.realBetas, real, runs),
      preferenceFigure(
        [
          { name: "RPS", res: rps },
          { name: "cyclic", res: cyc },
        ],
        reg,
      ),
      stochasticFigure(st),
    ];
    for (const f of figs) {
      expect(f.data.length).toBeGreaterThan(1);
      for (const tr of f.data) {
        for (const key of ["x", "y"]) {
          const v = tr[key] as number[] | undefined;
          if (v)
            expect(
              v.every((u) => Number.isFinite(u)),
              `${String(tr.name)} ${key}`,
            ).toBe(true); // (null would mark a real β with ρ ≤ 1)
        }
      }
    }
  });

  it("a claim check fails when the numbers do not support it", async () => {
    const b = await bilinearDynamics({ ...cfg.bilinear, steps: 50 });
    const broken = {
      ...b,
      methods: b.methods.map((m) => (m.key === "extragradient" ? { ...m, measuredRate: m.measuredRate + 0.01 } : m)),
    };
    expect(bilinearClaims(broken).find((c) => c.text.startsWith("extragradient"))!.passed).toBe(false);
  });
});

describe("helpers", () => {
  it("geometricRate, klDivergence, spectral radius of a rotation", () => {
    expect(geometricRate([1, 0.5, 0.25], 0, 2)).toBeCloseTo(0.5, 14);
    expect(() => geometricRate([1, 0], 0, 1)).toThrow(/positive/);
    expect(klDivergence([0.5, 0.5], [0.5, 0.5])).toBe(1e-16);
    expect(klDivergence([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 14);
    expect(
      spectralRadiusOfMatrix([
        [0, -2],
        [2, 0],
      ]),
    ).toBeCloseTo(2, 12);
  });
});
