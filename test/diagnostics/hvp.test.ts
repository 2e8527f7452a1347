import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import { flatten, type Tree } from "../../lib/tree";
import { beale, himmelblau, rosenbrock } from "../../lib/landscapes/testFunctions";
import { landscapeLoss } from "../../lib/landscapes/tfjs";
import { logSoftmax } from "../../lib/autodiff/gradients";
import {
  denseHessian,
  denseMatrix,
  empiricalFisherOperator,
  empiricalNtk,
  ggnOperator,
  gradientTopSubspaceFraction,
  hessianOperator,
  hutchPlusPlus,
  hvp,
  iterationJacobian,
  lanczos,
  matrixOperator,
  ntkVectorProduct,
  powerIteration,
  pseudoNtk,
  restrictOperator,
  sharpness,
  spectralDensity,
} from "../../lib/diagnostics";
import { BACKENDS, maxAbs, maxAbsDiff, tinyMlp } from "./helpers";

for (const backend of BACKENDS) {
  describe(`hvp and curvature operators on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    it("hvp of a quadratic ½θᵀAθ + bᵀθ over a tree is A v (closed form)", async () => {
      // θ = {a: [3], m: [2, 2]} → 7 coordinates, leaf order a, m.
      const rng = new Rng(3);
      const d = 7;
      const M = rng.normalArray(d * d);
      const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => M[i * d + j] + M[j * d + i]));
      const At = tf.tensor2d(A.flat(), [d, d]);
      const b = tf.tensor1d(Float32Array.from(rng.normalArray(d)));
      const loss = (p: Tree) => {
        const q = p as { a: tf.Tensor; m: tf.Tensor };
        const th = tf.concat([q.a.reshape([-1]), q.m.reshape([-1])]).reshape([d, 1]);
        return tf.add(
          tf.mul(0.5, tf.sum(tf.mul(th, tf.matMul(At, th)))),
          tf.sum(tf.mul(b, th.reshape([-1]))),
        ) as tf.Scalar;
      };
      const params = {
        m: tf.tensor2d([
          [0.3, -1],
          [2, 0.5],
        ]),
        a: tf.tensor1d([1, -2, 0.7]),
      };
      const vv = rng.normalArray(d);
      const v = {
        a: tf.tensor1d(Float32Array.from(vv.subarray(0, 3))),
        m: tf.tensor2d(Float32Array.from(vv.subarray(3)), [2, 2]),
      };
      const before = tf.memory().numTensors;
      const out = hvp(loss, params, v) as { a: tf.Tensor; m: tf.Tensor };
      const got = [...(await out.a.data()), ...(await out.m.data())];
      tf.dispose(out);
      expect(tf.memory().numTensors).toBe(before); // nothing leaked
      const want = A.map((row) => row.reduce((s, x, j) => s + x * vv[j], 0));
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4 * Math.max(1, maxAbs(want)));
      expect(() => hvp(loss, params, { a: v.a })).toThrow(/structure/);
      expect(() => hvp(loss, params, { a: v.a, m: tf.zeros([4]) })).toThrow(/shape/);
    });

    it("dense Hessian of a tanh MLP with softmax cross-entropy matches a float64 reference", async () => {
      const fx = tinyMlp(1);
      const params = fx.params();
      const H = await denseHessian(fx.loss, params);
      const ref = fx.hessianRef();
      expect(H.n).toBe(fx.theta.length);
      expect(maxAbsDiff(H.data, ref)).toBeLessThan(2e-5 * Math.max(1, maxAbs(ref)));
      expect(maxAbs(ref)).toBeGreaterThan(0.05); // the check is not vacuous
    });

    it("a per-layer block is the corresponding sub-matrix of the full Hessian", async () => {
      const fx = tinyMlp(2);
      const params = fx.params();
      const full = await denseHessian(fx.loss, params);
      const op = hessianOperator(fx.loss, params, { block: ["w2", "b1"] });
      expect(op.paths).toEqual(["b1", "w2"]); // leaf order, not selector order
      const sub = await denseMatrix(op);
      // b1 occupies [0, 4), w2 occupies [4+3+12, 4+3+12+12) in the full vector.
      const idx = [...Array(4).keys(), ...Array.from({ length: 12 }, (_, i) => 19 + i)];
      const viaRestrict = await denseMatrix(restrictOperator(matrixOperator(full), idx));
      expect(maxAbsDiff(sub.data, viaRestrict.data)).toBeLessThan(1e-5);
      const regex = await denseMatrix(hessianOperator(fx.loss, params, { block: /^w/ }));
      expect(regex.n).toBe(24);
      expect(() => hessianOperator(fx.loss, params, { block: "w3" })).toThrow(/no parameter leaf named w3/);
    });

    it("reproduces the closed-form Hessians of the landscapes (Rosenbrock, Beale, Himmelblau)", async () => {
      for (const [l, x] of [
        [rosenbrock({ dim: 4 }), [-1.2, 1, 0.5, 0.3]],
        [beale(), [1, 0.5]],
        [himmelblau(), [-0.5, 1.5]],
      ] as const) {
        const f = landscapeLoss(l);
        const lossFn = (p: Tree) => f(p as tf.Tensor, 1) as tf.Scalar;
        const H = await denseHessian(lossFn, tf.tensor1d([...x]));
        const ref = l.hessian!([...x]).flat();
        expect(maxAbsDiff(H.data, ref)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref)));
      }
    });

    it("Gauss–Newton products equal Jᵀ H_z J built from float64 finite differences", async () => {
      const fx = tinyMlp(4);
      const params = fx.params();
      const x = fx.xTensor(),
        y = fx.yOneHot();
      const outLoss = (z: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(y, logSoftmax(z)), -1))) as tf.Scalar;
      const G = await denseMatrix(ggnOperator((p) => fx.model(p, x), outLoss, params));
      // Reference: J (n·O × P) by central differences of float64 logits; H_z block-diagonal (diag(p) − ppᵀ)/n.
      const { n, nIn, nOut } = fx.sizes;
      const P = fx.theta.length;
      const J = new Float64Array(n * nOut * P);
      for (let p = 0; p < P; p++) {
        const tp = Float64Array.from(fx.theta),
          tm = Float64Array.from(fx.theta);
        tp[p] += 1e-6;
        tm[p] -= 1e-6;
        for (let e = 0; e < n; e++) {
          const xe = fx.X.subarray(e * nIn, (e + 1) * nIn);
          const zp = fx.logitsRef(tp, xe),
            zm = fx.logitsRef(tm, xe);
          for (let k = 0; k < nOut; k++) J[(e * nOut + k) * P + p] = (zp[k] - zm[k]) / 2e-6;
        }
      }
      const ref = new Float64Array(P * P);
      for (let e = 0; e < n; e++) {
        const z = fx.logitsRef(fx.theta, fx.X.subarray(e * nIn, (e + 1) * nIn));
        const m = Math.max(...z),
          ez = z.map((v) => Math.exp(v - m)),
          s = ez.reduce((a, b) => a + b, 0);
        const pr = ez.map((v) => v / s);
        for (let k = 0; k < nOut; k++)
          for (let l = 0; l < nOut; l++) {
            const hkl = ((k === l ? pr[k] : 0) - pr[k] * pr[l]) / n;
            for (let a = 0; a < P; a++) {
              const ja = J[(e * nOut + k) * P + a] * hkl;
              for (let b = 0; b < P; b++) ref[a * P + b] += ja * J[(e * nOut + l) * P + b];
            }
          }
      }
      expect(maxAbsDiff(G.data, ref)).toBeLessThan(2e-5 * Math.max(1, maxAbs(ref)));
      expect(maxAbs(ref)).toBeGreaterThan(0.01);
    });

    it("the empirical Fisher equals (1/n) Σ g_i g_iᵀ from float64 finite-difference per-example gradients", async () => {
      const fx = tinyMlp(10);
      const params = fx.params();
      const x = fx.xTensor(),
        y = fx.yOneHot();
      const { n, nIn } = fx.sizes;
      const lossOn = (p: Tree, i: number) =>
        tf.neg(tf.sum(tf.mul(y.slice(i, 1), logSoftmax(fx.model(p, x.slice(i, 1)))))) as tf.Scalar;
      const op = empiricalFisherOperator(lossOn, params, n);
      const F = await denseMatrix(op);
      op.dispose();
      const P = fx.theta.length;
      const exLoss = (th: Float64Array, e: number) => {
        const z = fx.logitsRef(th, fx.X.subarray(e * nIn, (e + 1) * nIn));
        const m = Math.max(...z);
        return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[fx.Y[e]];
      };
      const ref = new Float64Array(P * P);
      for (let e = 0; e < n; e++) {
        const g = Float64Array.from({ length: P }, (_, p) => {
          const tp = Float64Array.from(fx.theta),
            tm = Float64Array.from(fx.theta);
          tp[p] += 1e-6;
          tm[p] -= 1e-6;
          return (exLoss(tp, e) - exLoss(tm, e)) / 2e-6;
        });
        for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) ref[a * P + b] += (g[a] * g[b]) / n;
      }
      expect(maxAbsDiff(F.data, ref)).toBeLessThan(2e-5 * Math.max(1, maxAbs(ref)));
      expect(maxAbs(ref)).toBeGreaterThan(0.01);
    });

    it("leaves no tensors behind (operators, eigen-solvers, SLQ, traces, NTKs, Jacobians)", async () => {
      const fx = tinyMlp(9);
      const params = fx.params();
      const x = fx.xTensor(),
        y = fx.yOneHot();
      fx.loss(params).dispose(); // the fixture caches its data tensors on first use
      const before = tf.memory().numTensors;
      const op = hessianOperator(fx.loss, params);
      await lanczos(op, { k: 2, maxIter: 8 });
      await powerIteration(op, { k: 1, maxIter: 5 });
      await spectralDensity(op, { probes: 2, steps: 5 });
      await hutchPlusPlus(op, { matvecs: 6 });
      await sharpness(fx.loss, params, { maxIter: 5 });
      await gradientTopSubspaceFraction(fx.loss, params, { k: 2, maxIter: 6 });
      const outLoss = (z: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(y, logSoftmax(z)), -1))) as tf.Scalar;
      await ggnOperator((p) => fx.model(p, x), outLoss, params).matvec(new Float64Array(op.size).fill(0.1));
      await empiricalNtk(fx.model, params, x, undefined, { outputs: "full" });
      const x2 = x.slice(0, 2);
      await empiricalNtk(fx.model, params, x, x2, { implementation: "ntvp" });
      x2.dispose();
      await pseudoNtk(fx.model, params, x);
      const v = tf.ones([6, 3]);
      ntkVectorProduct(fx.model, params, x, x, v).dispose();
      v.dispose();
      const z = tf.tensor1d([0.1, 0.2]);
      await iterationJacobian((q) => tf.tanh(q as tf.Tensor), z);
      z.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it("explains bad input", async () => {
      const op = matrixOperator([
        [1, 0],
        [0, 2],
      ]);
      await expect(op.matvec(new Float64Array(3))).rejects.toThrow(/length 3/);
      expect(() => restrictOperator(op, [0, 5])).toThrow(/index 5/);
      const bad = (p: Tree) => tf.sum(flatten(p)[0]).reshape([1]) as unknown as tf.Scalar;
      await expect(hessianOperator(bad, tf.tensor1d([1, 2])).matvec(new Float64Array(2))).rejects.toThrow(/scalar/);
    });
  });
}
