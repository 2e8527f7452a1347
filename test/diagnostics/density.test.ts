import { beforeAll, describe, expect, it } from "vitest";
import { fromEigen } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import {
  denseHessian,
  exactTrace,
  hessianOperator,
  hutchinson,
  hutchPlusPlus,
  integrateDensity,
  matrixOperator,
  probeVector,
  slqMoment,
  spectralDensity,
} from "../../lib/diagnostics";
import { matVec, randomOrthonormal, type DenseMatrix } from "../../lib/linalg/eigen";
import { BACKENDS, tinyMlp } from "./helpers";

function knownSpectrum(lam: number[], seed: number): DenseMatrix {
  const rng = new Rng(seed);
  return fromEigen(
    lam,
    randomOrthonormal(lam.length, lam.length, () => rng.normal()),
  );
}

/** tr(Aᵏ)/d from a spectrum. */
const momentOf = (lam: number[], k: number) => lam.reduce((s, l) => s + l ** k, 0) / lam.length;

/** Per-probe SLQ moments Σ_j τ_j θ_jᵏ. */
const perProbe = (r: { nodes: Float64Array[]; weights: Float64Array[] }, k: number) =>
  r.nodes.map((th, p) => th.reduce((s, x, j) => s + r.weights[p][j] * x ** k, 0));

const meanSe = (x: number[]) => {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  return { m, se: Math.sqrt(v / x.length) };
};

describe("stochastic Lanczos quadrature (explicit matrices)", () => {
  const d = 80;
  const rng = new Rng(4);
  const lam = Array.from({ length: d }, (_, i) => (i < 20 ? -2 + 0.3 * rng.normal() : 3 + rng.normal()));
  const A = knownSpectrum(lam, 5);

  it("the density integrates to 1 and its first two moments are those of the quadrature (plus σ²)", async () => {
    const r = await spectralDensity(matrixOperator(A), { probes: 8, steps: 25, seed: 1 });
    expect(integrateDensity(r)).toBeCloseTo(1, 6);
    r.weights.forEach((w) => expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
    expect(integrateDensity(r, (t) => t)).toBeCloseTo(slqMoment(r, 1), 5);
    expect(integrateDensity(r, (t) => t * t)).toBeCloseTo(slqMoment(r, 2) + r.sigma ** 2, 4);
    expect(r.matvecs).toBe(8 * 25);
  });

  it("each probe's quadrature reproduces vᵀAᵏv exactly for k ≤ 2m − 1 (Gauss quadrature)", async () => {
    const pr = new Rng(9);
    const probes = [probeVector(d, pr), probeVector(d, pr, "gaussian")];
    const m = 6;
    const r = await spectralDensity(matrixOperator(A), { probeVectors: probes, steps: m });
    probes.forEach((v, p) => {
      const nv = v.reduce((s, x) => s + x * x, 0);
      let Akv: ArrayLike<number> = Float64Array.from(v);
      for (let k = 1; k <= 2 * m - 1; k++) {
        Akv = matVec(A, Akv);
        const want = v.reduce((s, x, i) => s + x * Akv[i], 0) / nv;
        const got = perProbe(r, k)[p];
        expect(Math.abs(got - want)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));
      }
    });
  });

  it("moments estimate tr(Aᵏ)/d within 4 standard errors, and negative eigenvalues carry their mass", async () => {
    const r = await spectralDensity(matrixOperator(A), { probes: 30, steps: 20, seed: 2 });
    for (const k of [1, 2, 3, 4]) {
      const { m, se } = meanSe(perProbe(r, k));
      expect(Math.abs(m - momentOf(lam, k))).toBeLessThan(4 * se);
      expect(m).toBeCloseTo(slqMoment(r, k), 10);
    }
    // 20 of 80 eigenvalues lie near −2: the density's mass below 0.5 is 1/4 up to probe noise.
    const below = integrateDensity({ grid: r.grid, density: r.density.map((y, i) => (r.grid[i] < 0.5 ? y : 0)) });
    expect(Math.abs(below - 0.25)).toBeLessThan(0.05);
    expect(r.grid[0]).toBeLessThan(Math.min(...lam));
  });

  it("rejects bad options", async () => {
    await expect(spectralDensity(matrixOperator(A), { probes: 0 })).rejects.toThrow(/probes/);
    await expect(spectralDensity(matrixOperator(A), { sigma: -1 })).rejects.toThrow(/sigma/);
    await expect(spectralDensity(matrixOperator(A), { probeVectors: [new Float64Array(3)] })).rejects.toThrow(
      /length 3/,
    );
  });
});

describe("Hutchinson and Hutch++ (explicit matrices)", () => {
  const d = 60;
  const rng = new Rng(6);
  const M = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
  const S = M.map((row, i) => row.map((x, j) => (x + M[j][i]) / 2 + (i === j ? 3 : 0)));
  const trS = S.reduce((s, row, i) => s + row[i], 0);
  // Rademacher variance: 2 (‖A‖_F² − Σ a_ii²)
  const varS = 2 * (S.flat().reduce((s, x) => s + x * x, 0) - S.reduce((s, row, i) => s + row[i] ** 2, 0));

  it("Hutchinson is within its stated error, and the stated error matches the closed-form variance", async () => {
    const N = 40;
    const z: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const r = await hutchinson(matrixOperator(S), { probes: N, seed });
      expect(r.matvecs).toBe(N);
      expect(r.stdError / Math.sqrt(varS / N)).toBeGreaterThan(0.6);
      expect(r.stdError / Math.sqrt(varS / N)).toBeLessThan(1.4);
      z.push((r.estimate - trS) / Math.sqrt(varS / N));
    }
    // z-scores of an unbiased estimator with the right variance: mean ≈ 0 (±4/√40), variance ≈ 1
    const mz = z.reduce((a, b) => a + b, 0) / z.length;
    const vz = z.reduce((a, b) => a + (b - mz) ** 2, 0) / (z.length - 1);
    expect(Math.abs(mz)).toBeLessThan(4 / Math.sqrt(z.length));
    expect(vz).toBeGreaterThan(0.5);
    expect(vz).toBeLessThan(1.7);
    expect(await exactTrace(matrixOperator(S))).toBeCloseTo(trS, 10);
  });

  it("Hutch++ is exact for low rank and beats Hutchinson on a decaying PSD spectrum at equal cost", async () => {
    const lowRank = knownSpectrum([5, 3, 2, 1, 0.5, ...new Array(d - 5).fill(0)], 7);
    const exact = await hutchPlusPlus(matrixOperator(lowRank), { matvecs: 30, seed: 1 });
    expect(exact.estimate).toBeCloseTo(11.5, 8);
    expect(exact.stdError).toBeLessThan(1e-8);

    const lam = Array.from({ length: d }, (_, i) => 1 / (i + 1) ** 2);
    const B = knownSpectrum(lam, 8);
    const tr = lam.reduce((a, b) => a + b, 0);
    let e1 = 0,
      e2 = 0,
      within = 0;
    const trials = 20,
      m = 30;
    for (let seed = 0; seed < trials; seed++) {
      const h = await hutchinson(matrixOperator(B), { probes: m, seed });
      const hpp = await hutchPlusPlus(matrixOperator(B), { matvecs: m, seed });
      expect(hpp.matvecs).toBe(m);
      e1 += (h.estimate - tr) ** 2;
      e2 += (hpp.estimate - tr) ** 2;
      if (Math.abs(hpp.estimate - tr) <= 3 * hpp.stdError) within++;
    }
    expect(Math.sqrt(e2 / trials)).toBeLessThan(Math.sqrt(e1 / trials) / 5);
    expect(within).toBeGreaterThanOrEqual(17); // ≥ 85% inside ±3 stated standard errors
  });
});

for (const backend of BACKENDS) {
  describe(`SLQ and trace estimators on a tanh MLP Hessian (${backend})`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    it("SLQ moments and Hutchinson / Hutch++ traces agree with the dense Hessian", async () => {
      const fx = tinyMlp(3);
      const params = fx.params();
      const H = await denseHessian(fx.loss, params);
      const d = H.n;
      let tr = 0,
        tr2 = 0;
      for (let i = 0; i < d; i++) tr += H.data[i * d + i];
      for (let i = 0; i < d * d; i++) tr2 += H.data[i] ** 2;
      const op = hessianOperator(fx.loss, params);
      const r = await spectralDensity(op, { probes: 6, steps: 12, seed: 3 });
      expect(integrateDensity(r)).toBeCloseTo(1, 6);
      for (const [k, want] of [
        [1, tr / d],
        [2, tr2 / d],
      ] as const) {
        const { m, se } = meanSe(perProbe(r, k));
        expect(Math.abs(m - want)).toBeLessThan(4 * se + 1e-6);
      }
      const h = await hutchinson(op, { probes: 20, seed: 1 });
      expect(Math.abs(h.estimate - tr)).toBeLessThan(4 * h.stdError);
      const hpp = await hutchPlusPlus(op, { matvecs: 24, seed: 1 });
      expect(Math.abs(hpp.estimate - tr)).toBeLessThan(4 * hpp.stdError + 1e-4);
    });
  });
}
