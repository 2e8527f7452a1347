import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { symmetricEig } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import type { Tree } from "../../lib/tree";
import { minimize, sgd } from "../../lib/optimizers";
import {
  gradientTopSubspaceFraction,
  hessianEigendecomposition,
  minibatchSharpness,
  sharpness,
  sharpnessTracker,
} from "../../lib/diagnostics";
import { BACKENDS, tinyMlp } from "./helpers";

/** Least squares L(θ) = (1/2m) Σ_i (a_iᵀθ − y_i)² on a subset; H = A_Bᵀ A_B / |B|. */
function leastSquares(seed: number, m: number, d: number) {
  const rng = new Rng(seed);
  const A = rng.normalArray(m * d).map((x, i) => x * (1 + (i % d))); // anisotropic columns
  const y = rng.normalArray(m);
  const At = tf.tensor2d(Float32Array.from(A), [m, d]);
  const yt = tf.tensor1d(Float32Array.from(y));
  const lossOn = (p: Tree, idx?: Int32Array) => {
    const th = p as tf.Tensor;
    const a = idx ? tf.gather(At, Array.from(idx)) : At;
    const yy = idx ? tf.gather(yt, Array.from(idx)) : yt;
    const r = tf.sub(tf.matMul(a, th.reshape([d, 1])).reshape([-1]), yy);
    return tf.mul(0.5, tf.mean(tf.square(r))) as tf.Scalar;
  };
  const hessian = (idx: ArrayLike<number>) => {
    const H = new Float64Array(d * d);
    for (const i of Array.from(idx))
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) H[a * d + b] += (A[i * d + a] * A[i * d + b]) / idx.length;
    return H;
  };
  return { A, y, lossOn, hessian, all: Int32Array.from({ length: m }, (_, i) => i) };
}

for (const backend of BACKENDS) {
  describe(`sharpness diagnostics on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    it("full-batch and mini-batch λ_max match dense float64 Hessians of least squares", async () => {
      const m = 40,
        d = 6;
      const ls = leastSquares(1, m, d);
      const theta = tf.tensor1d([0.1, -0.2, 0.3, 0, 0.5, -1]);
      const lmax = (H: Float64Array) => symmetricEig(H, d).values[d - 1];
      const full = await sharpness((p) => ls.lossOn(p), theta);
      expect(Math.abs(full.value / lmax(ls.hessian(ls.all)) - 1)).toBeLessThan(1e-5);
      expect(full.residual).toBeLessThan(1e-3 * full.value);
      const mb = await minibatchSharpness((p, idx) => ls.lossOn(p, idx), theta, {
        numExamples: m,
        batchSize: 8,
        numBatches: 4,
        seed: 3,
      });
      // the same batches, drawn as documented: Rng(seed).permutation(n).slice(0, batchSize) per batch
      const rng = new Rng(3);
      const want = Array.from({ length: 4 }, () => lmax(ls.hessian(rng.permutation(m).slice(0, 8))));
      mb.values.forEach((v, i) => expect(Math.abs(v / want[i] - 1)).toBeLessThan(1e-5));
      expect(mb.mean).toBeCloseTo(want.reduce((a, b) => a + b, 0) / 4, 2);
      // mini-batch Hessians are sharper than the full batch on average (Jensen: λ_max is convex)
      expect(mb.mean).toBeGreaterThan(full.value);
      await expect(
        minibatchSharpness((p, idx) => ls.lossOn(p, idx), theta, { numExamples: m, batchSize: 80 }),
      ).rejects.toThrow(/batchSize/);
    });

    it("the gradient fraction in the top-k eigenspace matches the dense eigenvectors", async () => {
      const fx = tinyMlp(5);
      const params = fx.params();
      const full = await hessianEigendecomposition(fx.loss, params);
      const g = fx.gradRef(fx.theta);
      const gg = g.reduce((s, x) => s + x * x, 0);
      const n = full.values.length;
      for (const k of [1, 3]) {
        let inside = 0;
        for (let i = n - 1; i >= n - k; i--) inside += full.vectors[i].reduce((s, v, j) => s + v * g[j], 0) ** 2;
        const r = await gradientTopSubspaceFraction(fx.loss, params, { k, tol: 1e-8 });
        expect(r.fraction).toBeGreaterThan(0);
        expect(Math.abs(r.fraction - inside / gg)).toBeLessThan(1e-3);
        expect(r.gradNorm).toBeCloseTo(Math.sqrt(gg), 4);
        expect(r.eigenvalues[0]).toBeCloseTo(full.values[n - 1], 4);
      }
    });

    it("the tracker records λ_max during minimize, equal to the dense Hessian's at those steps", async () => {
      const fx = tinyMlp(6);
      const tracker = sharpnessTracker({ lossFn: fx.loss, every: 5 });
      const dense: { step: number; lmax: number }[] = [];
      await minimize(fx.loss, fx.params(), sgd({ lr: 0.5 }), {
        steps: 10,
        every: 5,
        progressSeconds: 0,
        onStep: async (rec) => {
          await tracker.onStep(rec);
          const e = await hessianEigendecomposition(fx.loss, rec.params);
          dense.push({ step: rec.step, lmax: e.values[e.values.length - 1] });
        },
      });
      expect(tracker.records.map((r) => r.step)).toEqual([0, 5, 10]);
      tracker.records.forEach((r, i) => {
        expect(r.step).toBe(dense[i].step);
        expect(Math.abs(r.sharpness / dense[i].lmax - 1)).toBeLessThan(1e-4);
      });
      // training moved the parameters: sharpness changed
      expect(tracker.records[0].sharpness).not.toBeCloseTo(tracker.records[2].sharpness, 4);
      expect(() => sharpnessTracker({ lossFn: fx.loss, every: 0 })).toThrow(/every/);
    });
  });
}
