/**
 * One schedule convention (optax's): the update with 1-based step t reads a schedule at the number
 * of updates done before it, count = t − 1. The tfjs GradientTransformation `adam({ lr: schedule })`,
 * the engine's `sweep` and the tfjs sweep `sweepTfjs`, given the same schedule, follow the same
 * trajectory (float32 tfjs vs float64 engine: to 1e-5 relative).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { compileGradient } from "../../lib/engine/compiled";
import { sweep } from "../../lib/engine/sweep";
import { sweepTfjs } from "../../lib/engine/tfjs";
import { rosenbrock } from "../../lib/landscapes";
import * as O from "../../lib/optimizers";
import { disposeTree } from "../../lib/tree";

const landscape = rosenbrock();
const x0 = [-1.2, 1.1];
const STEPS = 20;

/** Iterates 0..STEPS of `adam({ lr })` applied update by update (gradients in float64, as the engine). */
function adamIterates(lr: O.Schedule): number[][] {
  const grad = compileGradient(landscape);
  const opt = O.adam({ lr });
  let p: tf.Tensor = tf.tensor1d(x0, "float32");
  let state = opt.init(p);
  const out = [x0.slice()];
  for (let k = 0; k < STEPS; k++) {
    const x = Array.from(p.dataSync());
    const g = tf.tensor1d(grad(x), "float32");
    const r = opt.update(g, state, p);
    const next = O.applyUpdates(p, r.updates) as tf.Tensor;
    tf.dispose([g, p, r.updates as tf.Tensor]);
    disposeTree(state);
    p = next;
    state = r.state;
    out.push(Array.from(p.dataSync()));
  }
  p.dispose();
  return out;
}

const SCHEDULES: [string, O.Schedule][] = [
  // 0 at count 0: under a 1-based convention the first update would move
  ["linear warm-up from 0", O.warmup(O.constantSchedule(0.05), { steps: 6 })],
  ["piecewise constant", O.stepSchedule(0.04, { stepSize: 7, gamma: 0.25 })],
];

describe("schedule convention: count of updates done, as optax", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });
  it.each(SCHEDULES)("%s: adam({ lr }), sweep and sweepTfjs give the same iterates", async (_name, lr) => {
    const want = adamIterates(lr);
    const spec = {
      landscape,
      optimizer: O.adamRule(),
      init: x0,
      steps: STEPS,
      hyper: { lr },
      record: { every: 1 },
      workers: 0,
    } as const;
    for (const res of [await sweep(spec), await sweepTfjs(spec)]) {
      expect(res.diverged[0]).toBe(0);
      for (let k = 0; k <= STEPS; k++) {
        for (let i = 0; i < 2; i++) {
          const got = res.x![k * 2 + i],
            w = want[k][i];
          expect(
            Math.abs(got - w),
            `${res.kernel} ${res.precision}: step ${k}, x${i}: ${got} vs ${w}`,
          ).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w)));
        }
      }
    }
    // the schedule mattered: the first update of the warm-up does not move
    if (lr(0) === 0) expect(want[1]).toEqual(want[0].map((v) => Math.fround(v)));
  });
});
