import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { randomOrthogonal } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { numOps } from "../../lib/core/ops";
import {
  adoptToy,
  amsgradOnline,
  amsgradStochastic,
  landscapeField,
  landscapeLoss,
  noisyQuadratic,
  numberContext,
  projectRuns,
} from "../../lib/landscapes";
import { dualGrad } from "./dual";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

async function gradAt(loss: ReturnType<typeof landscapeLoss>, x: number[][], t?: number): Promise<number[][]> {
  const g = landscapeField(loss, tf.tensor2d(x), t);
  const out = (await g.array()) as number[][];
  g.dispose();
  return out;
}

describe("AMSGrad counterexample (Reddi et al., 2018)", () => {
  it("online: gradient is 1010 at t ≡ 1 (mod 101), −10 otherwise; average 10/101; minimiser −1", async () => {
    const loss = landscapeLoss(amsgradOnline());
    const expected: Record<number, number> = { 1: 1010, 2: -10, 100: -10, 101: -10, 102: 1010, 203: 1010, 204: -10 };
    for (const [t, g] of Object.entries(expected))
      expect((await gradAt(loss, [[0.3]], Number(t)))[0][0]).toBeCloseTo(g, 3);
    // the float64 execution of the same formula, over one full period
    let sum = 0;
    for (let t = 1; t <= 101; t++) sum += dualGrad(amsgradOnline(), [0.5], { ...numberContext(0), t }).g[0];
    expect(sum / 101).toBeCloseTo(10 / 101, 12);
    expect(amsgradOnline().minimizers).toEqual([[-1]]);
    // Theorem 1's variant: C x at t ≡ 1 (mod 3), −x otherwise
    const th1 = amsgradOnline({ large: 3, small: 1, period: 3 });
    expect([1, 2, 3, 4].map((t) => dualGrad(th1, [0], { ...numberContext(0), t }).g[0])).toEqual([3, -1, -1, 3]);
  });
  it("online: the step counter advances per call", async () => {
    const loss = landscapeLoss(amsgradOnline());
    const gs: number[] = [];
    for (let k = 0; k < 3; k++) gs.push((await gradAt(loss, [[0]]))[0][0]);
    expect(gs.map((g) => Math.round(g))).toEqual([1010, -10, -10]);
  });
  it("stochastic: gradients are 1010 or −10, with frequency p = 0.01 of 1010; mean 0.2", async () => {
    const runs = 50_000;
    const loss = landscapeLoss(amsgradStochastic(), { seed: 3 });
    const g = (
      await gradAt(
        loss,
        Array.from({ length: runs }, () => [0]),
      )
    ).map((r) => r[0]);
    const large = g.filter((v) => Math.abs(v - 1010) < 1e-3).length;
    expect(g.every((v) => Math.abs(v - 1010) < 1e-3 || Math.abs(v + 10) < 1e-4)).toBe(true);
    // binomial: sd of the frequency is √(0.01·0.99/50000) ≈ 4.4e-4
    expect(Math.abs(large / runs - 0.01)).toBeLessThan(2e-3);
    const s = amsgradStochastic();
    expect(s.minimizers).toEqual([[-1]]);
    expect(s.minimum).toBeCloseTo(-0.2, 12);
  });
  it("projection clips to [−1, 1]", async () => {
    const p = projectRuns(amsgradOnline(), tf.tensor2d([[-3], [0.4], [2]]));
    expect(Array.from(await p.data())).toEqual([-1, Math.fround(0.4), 1]);
    expect(amsgradOnline().project!(numOps, [1.5])).toEqual([1]);
    p.dispose();
  });
});

describe("ADOPT toy (Taniguchi et al., 2024)", () => {
  it("gradient k² with probability 1/k, else −k; mean 1; minimiser −1", async () => {
    const k = 10,
      runs = 50_000;
    const loss = landscapeLoss(adoptToy({ k }), { seed: 1 });
    const g = (
      await gradAt(
        loss,
        Array.from({ length: runs }, () => [0.2]),
      )
    ).map((r) => r[0]);
    expect(g.every((v) => Math.abs(v - 100) < 1e-3 || Math.abs(v + 10) < 1e-4)).toBe(true);
    const freq = g.filter((v) => v > 0).length / runs;
    expect(Math.abs(freq - 0.1)).toBeLessThan(0.006); // sd ≈ 1.3e-3
    const mean = g.reduce((a, b) => a + b, 0) / runs;
    expect(Math.abs(mean - 1)).toBeLessThan(0.75); // sd of the mean ≈ √(k³ + k²)/√runs ≈ 0.15
    expect(() => adoptToy({ k: 1 })).toThrow(/k must be > 1/);
  });
});

describe("seeded per-run streams", () => {
  it("are reproducible, differ across seeds and runs, and run r's draws do not depend on the batch size", async () => {
    const draw = async (seed: number, runs: number) => {
      const loss = landscapeLoss(adoptToy({ k: 2 }), { seed });
      const out: number[][] = [];
      for (let s = 0; s < 20; s++)
        out.push(
          (
            await gradAt(
              loss,
              Array.from({ length: runs }, () => [0]),
            )
          ).map((r) => r[0]),
        );
      return out;
    };
    const a = await draw(5, 4),
      b = await draw(5, 4),
      c = await draw(6, 4),
      one = await draw(5, 1);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.map((r) => r[0])).toEqual(one.map((r) => r[0]));
    expect(a.map((r) => r[0])).not.toEqual(a.map((r) => r[1]));
  });
  it("the tfjs draws equal the float64 numberContext draws of the same (seed, run) stream", async () => {
    const l = noisyQuadratic({ eigenvalues: [1, 2], sigma: 1 });
    const loss = landscapeLoss(l, { seed: 9 });
    const g = await gradAt(loss, [
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    for (let r = 0; r < 3; r++) {
      const ref = dualGrad(l, [0, 0], numberContext(9, r)).g;
      g[r].forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    }
  });
});

describe("noisy quadratics", () => {
  for (const noise of ["isotropic", "hessian"] as const) {
    it(`${noise} noise: stochastic gradients are unbiased (mean Hx) with covariance σ²${noise === "isotropic" ? "I" : "H"}`, async () => {
      const lam = [4, 1, 0.25],
        sigma = 0.5,
        runs = 20_000;
      const l = noisyQuadratic({ eigenvalues: lam, sigma, noise, rotate: 2 });
      const x = [0.5, -1, 2];
      const g = await gradAt(
        landscapeLoss(l, { seed: 4 }),
        Array.from({ length: runs }, () => x),
      );
      const H = l.hessian!(x);
      const Hx = H.map((row) => row.reduce((s, h, j) => s + h * x[j], 0));
      const mean = [0, 1, 2].map((i) => g.reduce((s, r) => s + r[i], 0) / runs);
      const cov = [0, 1, 2].map((i) =>
        [0, 1, 2].map((j) => g.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0) / runs),
      );
      const ref =
        noise === "isotropic"
          ? [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? sigma ** 2 : 0)))
          : H.map((r) => r.map((h) => sigma ** 2 * h));
      const scale = Math.max(...ref.flat().map(Math.abs));
      mean.forEach((m, i) => expect(Math.abs(m - Hx[i])).toBeLessThan(5 * Math.sqrt(scale / runs) + 1e-4));
      cov.forEach((row, i) => row.forEach((c, j) => expect(Math.abs(c - ref[i][j])).toBeLessThan(0.04 * scale)));
      expect(l.noiseStd).toEqual(noise === "isotropic" ? [0.5, 0.5, 0.5] : lam.map((v) => sigma * Math.sqrt(v)));
    });
  }
  it("the expected loss has the bowl's Hessian Q Λ Qᵀ and minimiser 0; bad options are rejected", () => {
    const l = noisyQuadratic({ eigenvalues: [2, 1], sigma: 1, rotate: 3 });
    const Q = randomOrthogonal(2, 3);
    const H = l.hessian!([0, 0]);
    H.forEach((row, i) => row.forEach((h, j) => expect(h).toBeCloseTo(2 * Q[i][0] * Q[j][0] + Q[i][1] * Q[j][1], 12)));
    expect(l.minimizers).toEqual([[0, 0]]);
    expect(() => noisyQuadratic({ eigenvalues: [1], sigma: -1 })).toThrow(/sigma/);
    expect(() => noisyQuadratic({ eigenvalues: [1], sigma: 1, noise: "pink" as never })).toThrow(/noise must be/);
    expect(() => noisyQuadratic({ eigenvalues: [-1], sigma: 1, noise: "hessian" })).toThrow(/eigenvalues ≥ 0/);
  });
});
