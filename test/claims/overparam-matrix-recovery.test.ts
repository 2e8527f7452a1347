/**
 * Claims of notebooks/04-overparam-matrix-recovery.ipynb, checked in quick mode with the same
 * experiment functions, after checking the float64 kernels against finite differences, against a
 * dense reference and against the library's tfjs landscape (`matrixSensing`) run through `sgd`.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { matrixSensing } from "../../lib/landscapes/matrixSensing";
import { minimize } from "../../lib/optimizers/minimize";
import { sgd } from "../../lib/optimizers/alias";
import { Rng } from "../../lib/rng";
import {
  asymmetricClaims,
  asymmetricFigures,
  asymmetricGradient,
  asymmetricImbalance,
  geometricRateFit,
  logLogSlope,
  logSteps,
  overparamMatrixRecoveryConfig,
  reluArrangement,
  reluClaims,
  reluConvexGap,
  reluFigure,
  robustClaims,
  robustFigure,
  robustRecovery,
  runAsymmetricGD,
  runSymmetricGD,
  sensingClaims,
  sensingGram,
  shiftedPowerFit,
  spikedTarget,
  symmetricClaims,
  symmetricFigure,
  symmetricGradient,
  symmetricOverparam,
} from "../../experiments/overparam-matrix-recovery";

// wasm: the robust-recovery figure runs 400 batched steps of [runs, n²]×[n², m] products, which the
// cpu backend takes minutes for; the float64 kernels do not touch tfjs.
beforeAll(async () => {
  await initBackend({ force: "wasm", quiet: true });
});

const cfg = overparamMatrixRecoveryConfig(true);

/** f(X) = ¼‖XXᵀ − M*‖²_F by dense loops (the reference the gradients are differenced on). */
function fullLoss(X: Float64Array, k: number, M: Float64Array, n: number): number {
  let s = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      let v = -M[a * n + b];
      for (let j = 0; j < k; j++) v += X[a * k + j] * X[b * k + j];
      s += v * v;
    }
  return s / 4;
}

/** (1/(4m)) Σ (⟨A_i, XXᵀ⟩ − ⟨A_i, M*⟩)² directly from the measurement matrices. */
function sensingLoss(X: Float64Array, k: number, M: Float64Array, n: number, A: ArrayLike<number>, m: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        let v = -M[a * n + b];
        for (let j = 0; j < k; j++) v += X[a * k + j] * X[b * k + j];
        r += A[i * n * n + a * n + b] * v;
      }
    s += r * r;
  }
  return s / (4 * m);
}

function finiteDifference(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x),
      xm = Float64Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe("overparam-matrix-recovery: helpers", () => {
  it("logSteps({ zero: true }) starts at 0, ends at T, increases strictly", () => {
    const s = logSteps(1000, 30, { zero: true });
    expect(s[0]).toBe(0);
    expect(s[s.length - 1]).toBe(1000);
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    expect(() => logSteps(0, 10, { zero: true })).toThrow(/T must be a positive integer/);
  });
  it("geometricRateFit recovers ρ of c·ρᵗ, logLogSlope the exponent of a power law", () => {
    const t = Array.from({ length: 50 }, (_, i) => i * 3);
    const fit = geometricRateFit(
      t,
      t.map((s) => 2 * 0.93 ** s),
      1e-30,
      10,
    );
    expect(fit.rate).toBeCloseTo(0.93, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(() =>
      geometricRateFit(
        t,
        t.map(() => 1),
        2,
        3,
      ),
    ).toThrow(/only 0 points/);
    const x = [10, 20, 50, 100, 1000];
    expect(
      logLogSlope(
        x,
        x.map((v) => 3 / v ** 2),
      ),
    ).toBeCloseTo(-2, 12);
  });
  it("shiftedPowerFit recovers p and t₀ of C/(t + t₀)^p where the raw slope is biased", () => {
    const t = logSteps(10000, 60, { zero: true }).filter((s) => s >= 1000);
    const y = t.map((s) => 7 / (s + 300) ** 2);
    const fit = shiftedPowerFit(t, y);
    expect(fit.p).toBeCloseTo(2, 2);
    expect(Math.abs(fit.t0 - 300) / 300).toBeLessThan(0.05);
    expect(logLogSlope(t, y)).toBeGreaterThan(-1.9); // the bias the shifted fit removes
  });
  it("spikedTarget builds M* = U diag(σ) Uᵀ with orthonormal U", () => {
    const t = spikedTarget(8, [1, 0.75, 0.5], 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let d = 0;
        for (let a = 0; a < 8; a++) d += t.U[a * 3 + i] * t.U[a * 3 + j];
        expect(d).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    // ⟨M*, U_j U_jᵀ⟩ = σ_j
    t.sigmas.forEach((s, j) => {
      let v = 0;
      for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) v += t.U[a * 3 + j] * t.M[a * 8 + b] * t.U[b * 3 + j];
      expect(v).toBeCloseTo(s, 12);
    });
    expect(() => spikedTarget(4, [1, -1], 0)).toThrow(/positive/);
  });
  it("bad configs name the problem", async () => {
    await expect(symmetricOverparam({ stepz: 3 } as never)).rejects.toThrow(/unknown option "stepz"/);
    await expect(symmetricOverparam({ ranks: [2] })).rejects.toThrow(/ranks must be integers in \[r = 3/);
    expect(() => asymmetricImbalance({ alphas: [NaN] })).toThrow(/alpha must be a positive/);
    await expect(robustRecovery({ lr: 0.1 } as never)).rejects.toThrow(/unknown option "lr"/);
    expect(() => sensingGram(new Float64Array(7), 2, 2)).toThrow(/expected m·n² = 8/);
    expect(() => sensingGram(Float64Array.from([1, 2, 3, 4]), 1, 2)).toThrow(/not symmetric at \(0, 1\)/);
    const t = spikedTarget(5, [1], 0);
    expect(() => runSymmetricGD({ target: t, k: 2, X0: new Float64Array(7), lr: 0.1, record: [0, 1] })).toThrow(
      /not a multiple of n·k = 10/,
    );
  });
});

describe("overparam-matrix-recovery: float64 kernels vs references", () => {
  const n = 6,
    k = 4;
  const target = spikedTarget(n, [1, 0.75, 0.5], 11);
  const rng = new Rng(5);
  const X = rng.normalArray(n * k, 0, 0.5);

  it("full observation: ∇¼‖XXᵀ − M*‖²_F = (XXᵀ − M*)X matches finite differences", () => {
    const g = symmetricGradient(X, k, target);
    const fd = finiteDifference((x) => fullLoss(x, k, target.M, n), X);
    expect(maxAbsDiff(g, fd)).toBeLessThan(1e-7);
  });

  it("sensing: the compressed Gram operator gives the gradient of (1/(4m))Σ(⟨A_i, XXᵀ⟩ − y_i)² (finite differences)", async () => {
    const m = 40;
    const ms = matrixSensing({ n, rank: 3, measurements: m, seed: 2 });
    const A = Float64Array.from(await ms.A.data());
    ms.dispose();
    const gram = sensingGram(A, m, n);
    const g = symmetricGradient(X, k, target, gram);
    const fd = finiteDifference((x) => sensingLoss(x, k, target.M, n, A, m), X);
    expect(maxAbsDiff(g, fd) / Math.max(...Array.from(fd, Math.abs))).toBeLessThan(1e-7);
  });

  it("sensing: matches the library's tfjs matrixSensing ℓ2 loss (×½) through autodiff", async () => {
    const m = 60;
    const ms = matrixSensing({ n, rank: 3, modelRank: k, measurements: m, seed: 4 });
    const A = Float64Array.from(await ms.A.data());
    // Use the library's own target so y_i = ⟨A_i, M*⟩ is the library's.
    const M = Float64Array.from(ms.target.flat());
    const U = new Float64Array(n * 3); // not used by the sensing path: residuals read M only
    const t = { n, r: 3, sigmas: [1, 1, 1], U, M };
    const gram = sensingGram(A, m, n);
    const g = symmetricGradient(X, k, t, gram);
    const Xt = tf.tensor2d(Float32Array.from(X), [n, k]);
    const libGrad = tf.grad((x: tf.Tensor) => tf.mul(0.5, ms.loss({ X: x })))(Xt);
    const lg = await libGrad.data();
    expect(maxAbsDiff(g, lg) / Math.max(...Array.from(lg, Math.abs))).toBeLessThan(1e-4);
    tf.dispose([Xt, libGrad]);
    ms.dispose();
  });

  it("asymmetric: ∇ of ½‖FGᵀ − M*‖²_F matches finite differences", () => {
    const F = rng.normalArray(n * k, 0, 0.5),
      G = rng.normalArray(n * k, 0, 0.5);
    const loss = (f: Float64Array, g: Float64Array) => {
      let s = 0;
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          let v = -target.M[a * n + b];
          for (let j = 0; j < k; j++) v += f[a * k + j] * g[b * k + j];
          s += v * v;
        }
      return s / 2;
    };
    const grads = asymmetricGradient(F, G, k, target);
    expect(
      maxAbsDiff(
        grads.F,
        finiteDifference((f) => loss(f, G), F),
      ),
    ).toBeLessThan(1e-7);
    expect(
      maxAbsDiff(
        grads.G,
        finiteDifference((g) => loss(F, g), G),
      ),
    ).toBeLessThan(1e-7);
  });

  it("runSymmetricGD over a runs axis equals the library's sgd on the tfjs landscape (float32 tolerance)", async () => {
    const m = 50,
      steps = 20,
      lr = 0.05,
      runs = 2;
    const ms = matrixSensing({ n, rank: 3, modelRank: k, measurements: m, seed: 8 });
    const A = Float64Array.from(await ms.A.data());
    const t = { n, r: 3, sigmas: [1, 1, 1], U: new Float64Array(n * 3), M: Float64Array.from(ms.target.flat()) };
    const X0 = new Rng(9).normalArray(runs * n * k, 0, 0.3);
    const ours = runSymmetricGD({ target: t, k, X0, lr, record: [0, steps], gram: sensingGram(A, m, n) });
    const init = { X: tf.tensor3d(Float32Array.from(X0), [runs, n, k]) };
    const res = await minimize((p) => tf.mul(0.5, ms.loss(p)), init, sgd({ lr }), { steps, progressSeconds: 0 });
    const lib = await (res.params as { X: tf.Tensor }).X.data();
    expect(maxAbsDiff(ours.X, lib)).toBeLessThan(1e-4);
    tf.dispose([init.X, (res.params as { X: tf.Tensor }).X]);
    ms.dispose();
  });

  it("runAsymmetricGD takes the GD step on both factors and records ‖FGᵀ − M*‖²_F", () => {
    const F0 = rng.normalArray(n * k, 0, 0.3),
      G0 = rng.normalArray(n * k, 0, 0.3);
    const res = runAsymmetricGD({ target, k, F0, G0, lr: 0.1, record: [0, 1] });
    const g = asymmetricGradient(F0, G0, k, target);
    expect(
      maxAbsDiff(
        res.F,
        F0.map((v, i) => v - 0.1 * g.F[i]),
      ),
    ).toBeLessThan(1e-14);
    expect(
      maxAbsDiff(
        res.G,
        G0.map((v, i) => v - 0.1 * g.G[i]),
      ),
    ).toBeLessThan(1e-14);
    expect(res.errors[0][0]).toBeCloseTo(
      2 *
        (() => {
          let s = 0;
          for (let a = 0; a < n; a++)
            for (let b = 0; b < n; b++) {
              let v = -target.M[a * n + b];
              for (let j = 0; j < k; j++) v += F0[a * k + j] * G0[b * k + j];
              s += v * v;
            }
          return s / 2;
        })(),
      12,
    );
  });

  it("scalar closed form: one spurious direction follows s ← s − ηs³, so s_t² ≈ 1/(2ηt)", () => {
    // n = 2, M* = e₁e₁ᵀ (r = 1), k = 2, X₀ = diag(1, s₀): the second column never mixes.
    const t = spikedTarget(2, [1], 0);
    // Rotate X₀ into M*'s eigenbasis: X₀ = [u, v]·diag(1, s₀), u = U, v ⟂ u.
    const u = [t.U[0], t.U[1]],
      v = [-t.U[1], t.U[0]];
    const s0 = 0.3,
      eta = 0.1,
      T = 2000;
    const X0 = Float64Array.from([u[0], s0 * v[0], u[1], s0 * v[1]]);
    const res = runSymmetricGD({ target: t, k: 2, X0, lr: eta, record: [T] });
    let s = s0;
    for (let i = 0; i < T; i++) s -= eta * s ** 3;
    expect(res.errors[0][0]).toBeCloseTo(s ** 4, 14);
    expect(res.errors[0][0] * T * T * 4 * eta * eta).toBeGreaterThan(0.9);
  });
});

describe("overparam-matrix-recovery: two-layer ReLU convex reformulation", () => {
  const rng = new Rng(21);
  const pts = Array.from({ length: 7 }, () => [rng.normal(), rng.normal(), 1]);

  it("reluArrangement finds every cell, and each cell's rays span a direction with exactly its pattern", () => {
    const cells = reluArrangement(pts);
    expect(cells.length).toBe(2 * (1 + 6 + 15));
    const keys = new Set(cells.map((c) => c.pattern.join("")));
    // Brute force: random directions only ever produce enumerated patterns.
    const r = new Rng(3);
    const seen = new Set<string>();
    for (let s = 0; s < 20000; s++) {
      const u = [r.normal(), r.normal(), r.normal()];
      seen.add(pts.map((x) => (x[0] * u[0] + x[1] * u[1] + x[2] * u[2] >= 0 ? 1 : 0)).join(""));
    }
    for (const k of seen) expect(keys.has(k)).toBe(true);
    for (const c of cells) {
      expect(c.rays.length).toBeGreaterThanOrEqual(3);
      expect(c.facets.length).toBeGreaterThanOrEqual(3);
      const d = [0, 1, 2].map((i) => c.rays.reduce((a, q) => a + q[i], 0));
      pts.forEach((x, i) => {
        const v = x[0] * d[0] + x[1] * d[1] + x[2] * d[2];
        if (c.pattern[i]) expect(v).toBeGreaterThan(0);
        else expect(v).toBeLessThan(0);
      });
    }
    expect(() =>
      reluArrangement([
        [1, 0, 1],
        [2, 0, 2],
      ]),
    ).toThrow(/parallel/);
  });

  it("closed form: for β above every ‖Π_K(±X̃ᵀD y)‖ the optimum is θ = 0 with p* = ½‖y‖², certified from both sides", () => {
    const res = reluConvexGap({ beta: 1e4, iterations: 5, widths: [1], steps: 1, seeds: 1 });
    const half = 0.5 * res.y.reduce((a, v) => a + v * v, 0);
    expect(res.upper).toBeCloseTo(half, 10);
    expect(res.lower).toBeCloseTo(half, 10);
  });
});

describe("overparam-matrix-recovery: notebook claims (quick mode)", () => {
  it("figure 1, full observation: exact k = r linear at 1 − ησ_r; k > r like (k − r)/(4η²T²)", async () => {
    const res = await symmetricOverparam(cfg.symmetric);
    const checks = symmetricClaims(res);
    for (const c of checks) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    expect(checks.length).toBe(5);
    expect(symmetricFigure(res, "t").data.length).toBeGreaterThan(3);
  });

  it("figure 1, Gaussian sensing: exact linear, over-parameterised C/(t + t₀)^p with p ≈ 2", async () => {
    const res = await symmetricOverparam(cfg.sensing);
    const checks = sensingClaims(res);
    for (const c of checks) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    expect(checks.length).toBe(3);
  });

  it("figure 2, asymmetric FGᵀ: linear, rate set by the imbalance and ∝ α², imbalance conserved", () => {
    const res = asymmetricImbalance(cfg.asymmetric);
    const checks = asymmetricClaims(res);
    for (const c of checks) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    const figs = asymmetricFigures(res);
    expect(figs.error.data.length).toBeGreaterThan(3);
  });

  it("figure 3, robust recovery: ℓ1 sub-gradient recovers M*, ℓ2 GD does not", async () => {
    const res = await robustRecovery(cfg.robust);
    const checks = robustClaims(res);
    for (const c of checks) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    expect(robustFigure(res).data.length).toBeGreaterThan(2);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it("figure 4, two-layer ReLU: convex optimum certified, a lower bound for every width, reached by wide GD", () => {
    const res = reluConvexGap(cfg.relu);
    expect(res.lower).toBeLessThanOrEqual(res.upper);
    const checks = reluClaims(res);
    for (const c of checks) expect(c.passed, `${c.text}: ${c.details}`).toBe(true);
    expect(checks.length).toBe(4);
    expect(reluFigure(res).data.length).toBeGreaterThan(3);
  });

  it("a claim check fails when the numbers do not support it", async () => {
    // Too short a horizon for the 1/T² tail: the slope claim must fail, not pass vacuously.
    const res = await symmetricOverparam({ ...cfg.symmetric, ranks: [3, 10], steps: 200, seeds: 1 });
    const checks = symmetricClaims(res);
    expect(checks.some((c) => !c.passed)).toBe(true);
  });
});
