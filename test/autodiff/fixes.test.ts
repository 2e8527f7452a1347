/**
 * The gradient fixes are installed by initBackend, survive a re-import of the library, are
 * re-installed after something overwrites tfjs's registry, and the stock tfjs functions that
 * cannot be fixed through the registry (they use customGrad) are documented as wrong.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { gradientFixesInstalled, logSoftmax } from "../../lib/autodiff/gradients";

/** HVP of f at x along v by double backprop, as plain numbers. */
async function hvp(f: (x: tf.Tensor) => tf.Tensor, x: number[], v: number[]): Promise<number[]> {
  const g = tf.grad(f);
  const xt = tf.tensor1d(x),
    vt = tf.tensor1d(v);
  const hv = tf.tidy(() => tf.grad((y: tf.Tensor) => tf.sum(tf.mul(g(y), vt)))(xt));
  const out = Array.from(await hv.data());
  tf.dispose([xt, vt, hv]);
  return out;
}

// Closed form for Σ tanh: H = diag(−2 tanh(x)(1 − tanh²(x))).
const tanhHv = (x: number[], v: number[]) => x.map((xi, i) => -2 * Math.tanh(xi) * (1 - Math.tanh(xi) ** 2) * v[i]);
const x0 = [0.3, -0.8, 1.2],
  v0 = [1, 0.5, -2];

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

describe("gradient fixes", () => {
  it("are installed by initBackend", async () => {
    expect(gradientFixesInstalled()).toBe(true);
    const hv = await hvp((x) => tf.sum(tf.tanh(x)), x0, v0);
    tanhHv(x0, v0).forEach((h, i) => expect(hv[i]).toBeCloseTo(h, 5));
  });

  it("are re-installed by initBackend after something re-registers a stock gradient", async () => {
    // What a second copy of tfjs-core or another library does: tfjs's own output-based Tanh gradient.
    tf.registerGradient({
      kernelName: "Tanh",
      outputsToSave: [true],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
        x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(saved[0]))),
      }),
    });
    expect(gradientFixesInstalled()).toBe(false);
    await expect(hvp((x) => tf.sum(tf.tanh(x)), x0, v0)).rejects.toThrow(/Cannot compute gradient/);
    await initBackend({ force: "cpu", quiet: true });
    expect(gradientFixesInstalled()).toBe(true);
    const hv = await hvp((x) => tf.sum(tf.tanh(x)), x0, v0);
    tanhHv(x0, v0).forEach((h, i) => expect(hv[i]).toBeCloseTo(h, 5));
  });

  it("survive a fresh import of the library", async () => {
    vi.resetModules();
    const fresh = await import("../../lib/backend");
    const freshGrads = await import("../../lib/autodiff/gradients");
    await fresh.initBackend({ force: "wasm", quiet: true });
    expect(freshGrads.gradientFixesInstalled()).toBe(true);
    const hv = await hvp((x) => tf.sum(tf.tanh(x)), x0, v0);
    tanhHv(x0, v0).forEach((h, i) => expect(hv[i]).toBeCloseTo(h, 4));
    await fresh.initBackend({ force: "cpu", quiet: true });
  });

  it("stock tf.logSoftmax / tf.losses.softmaxCrossEntropy stay wrong for HVPs (customGrad); the library's are right", async () => {
    // Closed form for f(x) = −log softmax(x)_0: H = diag(p) − p pᵀ.
    const x = [0.2, -0.4, 0.9],
      v = [1, -1, 0.5];
    const m = Math.max(...x),
      e = x.map((xi) => Math.exp(xi - m)),
      Z = e.reduce((a, b) => a + b, 0),
      p = e.map((ei) => ei / Z);
    const pv = p.reduce((s, pi, i) => s + pi * v[i], 0);
    const want = p.map((pi, i) => pi * v[i] - pi * pv);
    const ours = await hvp((t) => tf.neg(tf.gather(logSoftmax(t), 0)), x, v);
    want.forEach((w, i) => expect(ours[i]).toBeCloseTo(w, 5));
    await expect(hvp((t) => tf.neg(tf.gather(tf.logSoftmax(t), 0)), x, v)).rejects.toThrow();
    const stock = await hvp((t) => tf.losses.softmaxCrossEntropy(tf.tensor1d([1, 0, 0]), t), x, v).catch(() => null);
    if (stock !== null) {
      const err = Math.hypot(...stock.map((s, i) => s - want[i])) / Math.hypot(...want);
      expect(err).toBeGreaterThan(0.5); // silently wrong, as measured on tfjs 4.22
    }
  });
});
