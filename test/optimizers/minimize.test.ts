/**
 * `minimize`: loss history against the closed form of gradient descent on a quadratic, recording
 * cadence, per-run divergence (marked, frozen, others continue), early stop, progress lines, clear
 * errors, and no tensor leak over 1000 steps.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import * as O from "../../lib/optimizers";
import { disposeTree, type Tree } from "../../lib/tree";
import { flatOf } from "./helpers";

/** ½ Σ_j a_j x_j² per run, x: [runs, d]. */
const quadPerRun = (a: number[]) => (p: Tree) => {
  const x = (p as { x: tf.Tensor }).x;
  return tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(a), tf.square(x)), 1));
};

describe("minimize", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it("records the loss of gradient descent on a quadratic: L_t = ½ a x₀² (1 − ηa)^{2t}", async () => {
    const a = 2,
      lr = 0.1,
      x0 = 1.5;
    const seen: number[] = [];
    const res = await O.minimize(
      (p) => tf.mul(0.5 * a, tf.square(p as tf.Tensor)).sum(),
      tf.scalar(x0),
      O.sgd({ lr }),
      {
        steps: 30,
        every: 7,
        onStep: (r) => void seen.push(r.step),
      },
    );
    expect(res.steps).toEqual([0, 7, 14, 21, 28, 30]);
    expect(seen).toEqual(res.steps);
    expect(res.runs).toBe(1);
    res.steps.forEach((t, k) =>
      expect(res.losses[k][0]).toBeCloseTo(0.5 * a * x0 * x0 * Math.pow(1 - lr * a, 2 * t), 5),
    );
    expect((await (res.params as tf.Tensor).data())[0]).toBeCloseTo(x0 * Math.pow(1 - lr * a, 30), 6);
    expect(res.diverged).toEqual([false]);
    expect(res.divergedAt).toEqual([null]);
    disposeTree(res.params);
  });

  it("marks and freezes a diverging run, and the others continue", async () => {
    const runs = 3;
    const x0 = tf.ones([runs, 2]);
    const lr = O.perRun([0.1, 0.5, 3]); // with a = 1, ηa > 2 diverges: |x_t| = 2^t
    const res = await O.minimize(quadPerRun([1, 1]), { x: x0 }, O.sgd({ lr }), { steps: 200, every: 10 });
    lr.dispose();
    expect(res.runs).toBe(3);
    expect(res.diverged).toEqual([false, false, true]);
    // x² overflows float32 when 2^{2t} > 3.4e38, i.e. t ≈ 64 (loss or next iterate non-finite).
    expect(res.divergedAt[2]).toBeGreaterThanOrEqual(60);
    expect(res.divergedAt[2]).toBeLessThanOrEqual(66);
    const last = res.losses[res.losses.length - 1];
    expect(last[0]).toBeLessThan(1e-10);
    expect(last[1]).toBeLessThan(1e-30); // x_t = 2^{−t}
    expect(Number.isNaN(last[2])).toBe(true);
    const before = res.losses[res.steps.indexOf(60)][2];
    expect(Number.isFinite(before) && before > 1e30).toBe(true);
    const p = await flatOf(res.params);
    expect(Array.from(p).every(Number.isFinite)).toBe(true); // frozen at its last finite value
    expect(Math.abs(p[4])).toBeGreaterThan(1e15);
    disposeTree(res.params);
    x0.dispose();
  });

  it("stops early when every run has diverged", async () => {
    const res = await O.minimize(quadPerRun([1]), { x: tf.ones([2, 1]) }, O.sgd({ lr: 5 }), {
      steps: 10_000,
      every: 5,
    });
    expect(res.diverged).toEqual([true, true]);
    expect(res.stepsDone).toBeLessThan(100);
    disposeTree(res.params);
  });

  it("reports progress on long runs", async () => {
    const lines: string[] = [];
    const res = await O.minimize(quadPerRun([1, 2]), { x: tf.ones([2, 2]) }, O.adam({ lr: 0.01 }), {
      steps: 60,
      every: 20,
      progressSeconds: 1e-6,
      log: (l) => lines.push(l),
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^minimize\(adam\): step \d+\/60 .* loss median .* over 2 runs/);
    disposeTree(res.params);
  });

  it("gives clear errors for a bad loss shape, params without the runs axis and bad options", async () => {
    const x = { x: tf.ones([3, 2]) };
    await expect(O.minimize((p) => tf.mul((p as { x: tf.Tensor }).x, 2), x, O.sgd(), { steps: 2 })).rejects.toThrow(
      /scalar or a \[runs\] vector, got shape \[3,2\]/,
    );
    await expect(O.minimize((p) => tf.sum((p as { x: tf.Tensor }).x, 0), x, O.sgd(), { steps: 2 })).rejects.toThrow(
      /loss has 2 runs but parameter x has shape \[3,2\]/,
    );
    await expect(O.minimize((p) => tf.sum((p as { x: tf.Tensor }).x), x, O.sgd(), { steps: -1 })).rejects.toThrow(
      /steps must be an integer/,
    );
    await expect(
      O.minimize((p) => tf.sum((p as { x: tf.Tensor }).x), x, O.sgd(), { steps: 2, evry: 1 } as never),
    ).rejects.toThrow(/unknown option "evry"/);
    const unused = tf.ones([3]);
    await expect(
      O.minimize((p) => tf.sum(tf.square((p as { x: tf.Tensor }).x)), { x: x.x, unused }, O.sgd(), { steps: 2 }),
    ).rejects.toThrow(/does not depend \(differentiably\) on every parameter leaf \[unused, x\]/);
    disposeTree([x, unused]);
  });

  it("leaks no tensors over 1000 steps (tf.memory().numTensors flat)", async () => {
    const x0 = { w: tf.ones([4, 3]), b: tf.zeros([4]) };
    const loss = (p: Tree) => {
      const { w, b } = p as { w: tf.Tensor; b: tf.Tensor };
      return tf.add(tf.sum(tf.square(tf.sub(w, 0.5)), 1), tf.square(tf.sub(b, 1)));
    };
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const res = await O.minimize(loss, x0, O.chain(O.clipByGlobalNorm(10, { perRun: true }), O.adamw({ lr: 0.01 })), {
      steps: 1000,
      every: 100,
      onStep: () => void counts.push(tf.memory().numTensors),
    });
    expect(counts.length).toBe(11);
    // the same count at every record inside the loop (the final record computes no gradient)
    expect(new Set(counts.slice(1, -1)).size).toBe(1);
    disposeTree(res.params);
    expect(tf.memory().numTensors).toBe(before);
    expect(res.losses[10].every((l) => l < 1e-3)).toBe(true);
    disposeTree(x0);
  });
});
