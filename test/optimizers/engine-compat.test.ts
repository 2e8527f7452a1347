/**
 * The named elementwise rules run unchanged in the fused sweep engine (`lib/engine`), and what the
 * engine computes matches the independent float64 references (./references.ts) on a small
 * non-quadratic landscape — so the one formula is right on both execution paths.
 */
import { describe, expect, it } from "vitest";
import type { ClosedFormLandscape } from "../../lib/core/landscape";
import { sweep } from "../../lib/engine";
import * as O from "../../lib/optimizers";
import { expectClose } from "./helpers";
import { REFERENCES } from "./references";

// f(x, y) = ½(x − 1)² + y⁴ + 0.3xy
const landscape: ClosedFormLandscape = {
  name: "coupled quartic",
  dim: 2,
  value: (o, x) =>
    o.add(o.mul(0.5, o.square(o.sub(x[0], 1))), o.add(o.square(o.square(x[1])), o.mul(0.3, o.mul(x[0], x[1])))),
};
const grad = (x: number, y: number) => [x - 1 + 0.3 * y, 4 * y * y * y + 0.3 * x];

const CASES: [keyof typeof O.ELEMENTWISE_OPTIMIZERS, string, Record<string, unknown>][] = [
  ["sgd", "sgd", {}],
  ["heavyBall", "heavyBall", {}],
  ["nesterov", "nesterov", {}],
  ["signDescent", "signDescent", {}],
  ["adagrad", "adagrad", {}],
  ["rmsprop", "rmsprop", { centered: true }],
  ["adam", "adam", {}],
  ["adamw", "adam", { weightDecayMode: "decoupled" }],
  ["amsgrad", "adam", { amsgrad: true }],
  ["adabelief", "adabelief", {}],
  ["diffGrad", "diffGrad", {}],
  ["adopt", "adopt", {}],
  ["adan", "adan", {}],
  ["lion", "lion", {}],
  ["grams", "grams", {}],
  ["nadam", "nadam", {}],
];

describe("engine compatibility", () => {
  it.each(CASES)("%s: the engine's trajectory matches the float64 reference", async (name, ref, variants) => {
    const rule = (O.ELEMENTWISE_OPTIMIZERS[name] as (v: object) => ReturnType<typeof O.adamRule>)(variants);
    const steps = 40,
      x0 = [0.3, -0.8];
    const hyper = { ...rule.defaults, lr: 0.05 };
    const res = await sweep({ landscape, optimizer: rule, init: x0, steps, hyper: { lr: 0.05 }, workers: 0 });
    // the reference, with the gradient of the landscape at each iterate
    const [coord, init] = REFERENCES[ref](hyper, variants);
    const p = x0.slice();
    const states = p.map(() => ({ ...init }));
    for (let t = 1; t <= steps; t++) {
      const g = grad(p[0], p[1]);
      const u = [0, 1].map((i) => coord(g[i], p[i], states[i], t));
      p[0] += u[0];
      p[1] += u[1];
    }
    expect(res.diverged[0]).toBe(0);
    expectClose(Array.from(res.finalX), p, 1e-9, 1e-12, name);
    // and the run moved
    expect(Math.hypot(p[0] - x0[0], p[1] - x0[1])).toBeGreaterThan(1e-2);
  });
});
