import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import {
  empiricalNtk,
  kernelAlignment,
  ntkChange,
  ntkVectorProduct,
  pseudoNtk,
  relativeKernelChange,
  targetAlignment,
  type KernelMatrix,
} from "../../lib/diagnostics";
import { BACKENDS, maxAbs, maxAbsDiff, tinyMlp } from "./helpers";

for (const backend of BACKENDS) {
  describe(`empirical NTK on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    const fx = () => tinyMlp(11, { nIn: 3, nHidden: 5, nOut: 3, n: 5 });

    /** Θ[(i,k),(j,l)] from float64 central-difference Jacobians of the reference logits. */
    function ntkByFiniteDifferences(
      f: ReturnType<typeof tinyMlp>,
      X1: Float64Array,
      n1: number,
      X2: Float64Array,
      n2: number,
    ): Float64Array {
      const { nIn, nOut } = f.sizes;
      const P = f.theta.length;
      const jac = (X: Float64Array, n: number) => {
        const J = new Float64Array(n * nOut * P);
        for (let p = 0; p < P; p++) {
          const tp = Float64Array.from(f.theta),
            tm = Float64Array.from(f.theta);
          tp[p] += 1e-6;
          tm[p] -= 1e-6;
          for (let e = 0; e < n; e++) {
            const x = X.subarray(e * nIn, (e + 1) * nIn);
            const zp = f.logitsRef(tp, x),
              zm = f.logitsRef(tm, x);
            for (let k = 0; k < nOut; k++) J[(e * nOut + k) * P + p] = (zp[k] - zm[k]) / 2e-6;
          }
        }
        return J;
      };
      const J1 = jac(X1, n1),
        J2 = jac(X2, n2);
      const out = new Float64Array(n1 * n2 * nOut * nOut);
      for (let i = 0; i < n1; i++)
        for (let j = 0; j < n2; j++)
          for (let k = 0; k < nOut; k++)
            for (let l = 0; l < nOut; l++) {
              let s = 0;
              for (let p = 0; p < P; p++) s += J1[(i * nOut + k) * P + p] * J2[(j * nOut + l) * P + p];
              out[((i * n2 + j) * nOut + k) * nOut + l] = s;
            }
      return out;
    }

    it("the Jacobian and NTVP implementations agree with each other and with finite-difference Jacobians (one batch and two batches)", async () => {
      const f = fx();
      const params = f.params();
      const x1 = f.xTensor();
      const X2 = new Rng(2).normalArray(3 * 3);
      const x2 = tf.tensor2d(Float32Array.from(X2), [3, 3]);
      const ref11 = ntkByFiniteDifferences(f, f.X, 5, f.X, 5);
      const ref12 = ntkByFiniteDifferences(f, f.X, 5, X2, 3);
      const scale = maxAbs(ref11);
      expect(scale).toBeGreaterThan(0.1);
      for (const implementation of ["jacobian", "ntvp"] as const) {
        const k11 = await empiricalNtk(f.model, params, x1, undefined, { implementation, outputs: "full" });
        expect(k11.shape).toEqual([5, 5, 3, 3]);
        expect(maxAbsDiff(k11.data, ref11)).toBeLessThan(1e-4 * scale);
        const k12 = await empiricalNtk(f.model, params, x1, x2, { implementation, outputs: "full" });
        expect(k12.shape).toEqual([5, 3, 3, 3]);
        expect(maxAbsDiff(k12.data, ref12)).toBeLessThan(1e-4 * scale);
        const t12 = await empiricalNtk(f.model, params, x1, x2, { implementation });
        expect(t12.shape).toEqual([5, 3]);
        const want = Array.from({ length: 15 }, (_, ij) =>
          [0, 1, 2].reduce((s, k) => s + ref12[(ij * 3 + k) * 3 + k], 0),
        );
        expect(maxAbsDiff(t12.data, want)).toBeLessThan(1e-4 * scale);
      }
    });

    it("scalar models (O = 1, outputs [n]): both implementations equal ∇f(x_i)·∇f(x_j) by finite differences", async () => {
      const f = fx();
      const params = f.params();
      const x = f.xTensor();
      // f(x) = first logit only, as a [n] vector
      const scalarModel = (p: Parameters<typeof f.model>[0], xb: tf.Tensor) =>
        f.model(p, xb).slice([0, 0], [-1, 1]).reshape([-1]);
      const P = f.theta.length,
        n = 5,
        { nIn } = f.sizes;
      const G = Array.from({ length: n }, (_, e) =>
        Float64Array.from({ length: P }, (_, p) => {
          const tp = Float64Array.from(f.theta),
            tm = Float64Array.from(f.theta);
          tp[p] += 1e-6;
          tm[p] -= 1e-6;
          const xe = f.X.subarray(e * nIn, (e + 1) * nIn);
          return (f.logitsRef(tp, xe)[0] - f.logitsRef(tm, xe)[0]) / 2e-6;
        }),
      );
      const want = Array.from({ length: n * n }, (_, ij) =>
        G[Math.floor(ij / n)].reduce((s, g, p) => s + g * G[ij % n][p], 0),
      );
      for (const implementation of ["jacobian", "ntvp"] as const) {
        const k = await empiricalNtk(scalarModel, params, x, undefined, { implementation });
        expect(k.shape).toEqual([n, n]);
        expect(maxAbsDiff(k.data, want)).toBeLessThan(1e-4 * maxAbs(want));
      }
      const pk = await pseudoNtk(scalarModel, params, x);
      expect(maxAbsDiff(pk.data, want)).toBeLessThan(1e-4 * maxAbs(want));
    });

    it("NTK–vector products equal Θ v from the exact kernel", async () => {
      const f = fx();
      const params = f.params();
      const x = f.xTensor();
      const full = await empiricalNtk(f.model, params, x, undefined, { outputs: "full" });
      const v = new Rng(3).normalArray(5 * 3);
      const out = ntkVectorProduct(f.model, params, x, x, tf.tensor2d(Float32Array.from(v), [5, 3]));
      const got = await out.data();
      out.dispose();
      const want = new Float64Array(15);
      for (let i = 0; i < 5; i++)
        for (let k = 0; k < 3; k++)
          for (let j = 0; j < 5; j++)
            for (let l = 0; l < 3; l++) {
              want[i * 3 + k] += full.data[((i * 5 + j) * 3 + k) * 3 + l] * v[j * 3 + l];
            }
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4 * maxAbs(want));
      expect(() => ntkVectorProduct(f.model, params, x, x, tf.zeros([4, 3]))).toThrow(/shape \[5, 3\]/);
    });

    it("the pseudo-NTK is the kernel of the summed logits over O; per-layer NTKs add up to the full one", async () => {
      const f = fx();
      const params = f.params();
      const x = f.xTensor();
      const full = await empiricalNtk(f.model, params, x, undefined, { outputs: "full" });
      const p = await pseudoNtk(f.model, params, x);
      // pNTK_ij = (1/O) Σ_{k,l} Θ_ij,kl
      const want = Array.from({ length: 25 }, (_, ij) => {
        let s = 0;
        for (let kl = 0; kl < 9; kl++) s += full.data[ij * 9 + kl];
        return s / 3;
      });
      expect(maxAbsDiff(p.data, want)).toBeLessThan(1e-4 * maxAbs(want));
      const blocks = await Promise.all(
        ["b1", "b2", "w1", "w2"].map((b) => empiricalNtk(f.model, params, x, undefined, { block: b })),
      );
      const tr = await empiricalNtk(f.model, params, x);
      const sum = tr.data.map((_, i) => blocks.reduce((s, b) => s + b.data[i], 0));
      expect(maxAbsDiff(sum, tr.data)).toBeLessThan(1e-4 * maxAbs(tr.data));
    });

    it("kernel change and alignment between snapshots: zero change for equal parameters, positive after a step", async () => {
      const f = fx();
      const p0 = f.params();
      const x = f.xTensor();
      const same = await ntkChange(f.model, p0, f.params(), x);
      expect(same.relativeChange).toBeLessThan(1e-6);
      expect(same.alignment).toBeCloseTo(1, 6);
      const rng = new Rng(5);
      const p1 = Object.fromEntries(
        Object.entries(p0).map(([k, t]) => [k, tf.add(t, rng.normalTensor(t.shape, 0, 0.3))]),
      );
      const moved = await ntkChange(f.model, p0, p1, x);
      expect(moved.relativeChange).toBeGreaterThan(0.01);
      expect(moved.alignment).toBeLessThan(1);
      expect(moved.alignment).toBeGreaterThan(0);
    });
  });
}

describe("kernel alignment formulas", () => {
  const K = (data: number[], shape: number[]): KernelMatrix => ({ data: Float64Array.from(data), shape });
  it("alignment is the cosine of the Frobenius angle; change is the relative Frobenius distance", () => {
    const a = K([1, 0, 0, 1], [2, 2]),
      b = K([1, 1, 1, 1], [2, 2]);
    expect(kernelAlignment(a, b)).toBeCloseTo(2 / (Math.SQRT2 * 2), 14);
    expect(kernelAlignment(a, K([3, 0, 0, 3], [2, 2]))).toBeCloseTo(1, 14);
    expect(relativeKernelChange(a, b)).toBeCloseTo(1, 14); // ‖(0, 1, 1, 0)‖ / ‖(1, 0, 0, 1)‖
    // y = (1, −1): yyᵀ = [[1, −1], [−1, 1]]; ⟨a, yyᵀ⟩ = 2, ‖a‖ = √2, ‖yyᵀ‖ = 2
    expect(targetAlignment(a, [1, -1])).toBeCloseTo(2 / (Math.SQRT2 * 2), 14);
    expect(() => kernelAlignment(a, K([1, 2, 3], [3]))).toThrow(/shapes/);
    expect(() => kernelAlignment(a, K([0, 0, 0, 0], [2, 2]))).toThrow(/zero/);
  });
});
