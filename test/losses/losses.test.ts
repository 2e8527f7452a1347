import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { accuracy, crossEntropy, hinge, huber, l1, logistic, mse, signAccuracy } from "../../lib/losses";
import { Rng } from "../../lib/rng";

const rng = new Rng(21);
const n = 6,
  k = 4;
const Z = Array.from({ length: n }, () => Array.from(rng.normalArray(k, 0, 2)));
const Y = Array.from({ length: n }, () => Array.from(rng.normalArray(k)));
const cls = Array.from({ length: n }, () => rng.int(k));
const z1 = Array.from(rng.normalArray(n, 0, 2));
const pm = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softmax = (r: number[]) => {
  const m = Math.max(...r),
    e = r.map((v) => Math.exp(v - m)),
    s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

async function arr(t: tf.Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

/** grad and HVP of mean-reduced `f(z)` at z in direction v. */
async function gradHvp(
  f: (z: tf.Tensor) => tf.Tensor,
  z: tf.Tensor,
  v: tf.Tensor,
): Promise<{ g: number[]; hv: number[] }> {
  const [g, hv] = tf.tidy(() => [tf.grad(f)(z), tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(w), v)))(z)]);
  return { g: await arr(g), hv: await arr(hv) };
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`losses on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    it("per-example values match float64 closed forms; mean and sum reductions", async () => {
      const zt = tf.tensor2d(Z),
        yt = tf.tensor2d(Y);
      const refs: [string, tf.Tensor, number[]][] = [
        [
          "mse",
          mse(zt, yt, { reduction: "none" }),
          Z.map((r, i) => r.reduce((s, z, j) => s + (z - Y[i][j]) ** 2, 0) / k),
        ],
        [
          "l1",
          l1(zt, yt, { reduction: "none" }),
          Z.map((r, i) => r.reduce((s, z, j) => s + Math.abs(z - Y[i][j]), 0) / k),
        ],
        [
          "huber",
          huber(zt, yt, { reduction: "none", delta: 0.7 }),
          Z.map(
            (r, i) =>
              r.reduce((s, z, j) => {
                const a = Math.abs(z - Y[i][j]);
                return s + (a <= 0.7 ? 0.5 * a * a : 0.7 * (a - 0.35));
              }, 0) / k,
          ),
        ],
        [
          "crossEntropy",
          crossEntropy(zt, tf.tensor1d(cls, "int32"), { reduction: "none" }),
          Z.map((r, i) => -Math.log(softmax(r)[cls[i]])),
        ],
        [
          "logistic",
          logistic(tf.tensor1d(z1), tf.tensor1d(pm), { reduction: "none" }),
          z1.map((z, i) => Math.log(1 + Math.exp(-pm[i] * z))),
        ],
        [
          "hinge",
          hinge(tf.tensor1d(z1), tf.tensor1d(pm), { reduction: "none" }),
          z1.map((z, i) => Math.max(0, 1 - pm[i] * z)),
        ],
      ];
      for (const [name, t, ref] of refs) {
        expect(t.shape, name).toEqual([n]);
        const got = await arr(t);
        got.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(ref[i], 5));
      }
      const mean = await arr(mse(zt, yt)),
        sum = await arr(mse(zt, yt, { reduction: "sum" }));
      const per = Z.map((r, i) => r.reduce((s, z, j) => s + (z - Y[i][j]) ** 2, 0) / k);
      expect(mean[0]).toBeCloseTo(per.reduce((a, b) => a + b) / n, 5);
      expect(sum[0]).toBeCloseTo(
        per.reduce((a, b) => a + b),
        4,
      );
      // soft labels: one-hot probabilities give the same value as indices
      const oh = tf.oneHot(tf.tensor1d(cls, "int32"), k).toFloat();
      expect((await arr(crossEntropy(zt, oh)))[0]).toBeCloseTo(
        (await arr(crossEntropy(zt, tf.tensor1d(cls, "int32"))))[0],
        6,
      );
      tf.dispose([zt, yt, oh]);
    });

    it("cross-entropy and logistic are stable for huge logits", async () => {
      const ce = await arr(
        crossEntropy(
          tf.tensor2d([
            [1000, 0, -1000],
            [-1000, 0, 1000],
          ]),
          tf.tensor1d([0, 0], "int32"),
          { reduction: "none" },
        ),
      );
      expect(ce[0]).toBeCloseTo(0, 5);
      expect(ce[1]).toBeCloseTo(2000, 0);
      const lg = await arr(logistic(tf.tensor1d([200, -200]), tf.tensor1d([1, 1]), { reduction: "none" }));
      expect(lg[0]).toBeCloseTo(0, 6);
      expect(lg[1]).toBeCloseTo(200, 3);
    });

    it("cross-entropy gradient (p − y)/n and HVP (diag(p) − ppᵀ)v/n match float64", async () => {
      const v = Array.from({ length: n }, () => Array.from(rng.normalArray(k)));
      const labels = tf.tensor1d(cls, "int32");
      const { g, hv } = await gradHvp((z) => crossEntropy(z, labels), tf.tensor2d(Z), tf.tensor2d(v));
      Z.forEach((r, i) => {
        const p = softmax(r),
          pv = p.reduce((s, pj, j) => s + pj * v[i][j], 0);
        p.forEach((pj, j) => {
          expect(g[i * k + j]).toBeCloseTo((pj - (cls[i] === j ? 1 : 0)) / n, 5);
          expect(hv[i * k + j]).toBeCloseTo((pj * v[i][j] - pj * pv) / n, 5);
        });
      });
      labels.dispose();
    });

    it("logistic gradient −yσ(−yz)/n and Hessian σ(z)(1 − σ(z))/n; hinge and ℓ1 have zero curvature; Huber curvature 1 inside δ", async () => {
      const v = Array.from(rng.normalArray(n));
      const lab = tf.tensor1d(pm),
        vt = tf.tensor1d(v),
        zt = tf.tensor1d(z1);
      const lg = await gradHvp((z) => logistic(z, lab), zt, vt);
      z1.forEach((z, i) => {
        expect(lg.g[i]).toBeCloseTo((-pm[i] * sigmoid(-pm[i] * z)) / n, 5);
        expect(lg.hv[i]).toBeCloseTo((sigmoid(z) * (1 - sigmoid(z)) * v[i]) / n, 5);
      });
      const hg = await gradHvp((z) => hinge(z, lab), zt, vt);
      z1.forEach((z, i) => {
        expect(hg.g[i]).toBeCloseTo(pm[i] * z < 1 ? -pm[i] / n : 0, 6);
        expect(Math.abs(hg.hv[i])).toBe(0);
      });
      const target = tf.zerosLike(zt);
      const hb = await gradHvp((z) => huber(z, target, { delta: 1 }), zt, vt);
      z1.forEach((z, i) => {
        expect(hb.g[i]).toBeCloseTo(Math.max(-1, Math.min(1, z)) / n, 5);
        expect(hb.hv[i]).toBeCloseTo(Math.abs(z) <= 1 ? v[i] / n : 0, 5);
      });
      const ms = await gradHvp((z) => mse(z, target), zt, vt);
      z1.forEach((z, i) => {
        expect(ms.g[i]).toBeCloseTo((2 * z) / n, 5);
        expect(ms.hv[i]).toBeCloseTo((2 * v[i]) / n, 5);
      });
      const a1 = await gradHvp((z) => l1(z, target), zt, vt);
      z1.forEach((z, i) => expect(a1.g[i]).toBeCloseTo(Math.sign(z) / n, 6));
      a1.hv.forEach((h) => expect(Math.abs(h)).toBe(0));
      tf.dispose([lab, vt, zt, target]);
    });

    it("accuracy helpers", async () => {
      expect(
        (
          await arr(
            accuracy(
              tf.tensor2d([
                [2, 1],
                [0, 3],
                [5, 1],
              ]),
              tf.tensor1d([0, 1, 1], "int32"),
            ),
          )
        )[0],
      ).toBeCloseTo(2 / 3, 6);
      expect((await arr(signAccuracy(tf.tensor1d([0.5, -2, 1]), tf.tensor1d([1, 1, 1]))))[0]).toBeCloseTo(2 / 3, 6);
    });

    it("bad shapes and options give clear errors", () => {
      const a = tf.zeros([3, 2]);
      expect(() => mse(a, tf.zeros([3]))).toThrow(/\[3,2\] and targets \[3\]/);
      expect(() => mse(a, a, { reduction: "avg" as never })).toThrow(/reduction must be/);
      expect(() => huber(a, a, { delta: 0 })).toThrow(/delta/);
      expect(() => mse(a, a, { reduce: "sum" } as never)).toThrow(/mse: unknown option "reduce"/);
      expect(() => crossEntropy(tf.zeros([3]), tf.zeros([3]))).toThrow(/\[n, classes\]/);
      expect(() => crossEntropy(a, tf.zeros([3]))).toThrow(/int32/);
      expect(() => crossEntropy(a, tf.zeros([3, 3]))).toThrow(/probabilities \[3, 2\]/);
      expect(() => logistic(tf.scalar(1), tf.scalar(1))).toThrow(/leading examples axis/);
      a.dispose();
    });
  });
}
