/**
 * Convergence, table-driven (as optax's alias tests): each optimizer reaches the minimiser of a
 * well-conditioned quadratic (tfjs, through `minimize`, two runs batched) and of the Rosenbrock
 * function (the optimizer's engine rule run in float64 on numbers — the same formula the tfjs
 * transform runs, see rules.test.ts — so thousands of steps cost milliseconds) within a stated
 * budget. Sign-based methods and those that oscillate at a fixed step use a decaying schedule,
 * stated in the table.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { numOps } from "../../lib/core/ops";
import type { ElementwiseRule } from "../../lib/core/rule";
import * as O from "../../lib/optimizers";
import { disposeTree, type Tree } from "../../lib/tree";
import { flatOf } from "./helpers";

const decay = (lr: number) => O.exponentialSchedule(lr, { rate: 0.9995 });

// f(x) = ½ Σ a_i (x_i − c_i)², condition number 4; two runs from different starts.
const A = [1, 2, 3, 4],
  C = [1, -2, 0.5, 3];
const X0 = [0, 0, 0, 0, 3, 1, -2, 0];

const QUADRATIC: [string, () => O.GradientTransformation, number][] = [
  ["sgd", () => O.sgd({ lr: 0.2 }), 60],
  ["heavy ball", () => O.heavyBall({ lr: 0.1, momentum: 0.5 }), 80],
  ["nesterov", () => O.nesterov({ lr: 0.1, momentum: 0.5 }), 80],
  ["sign descent (decaying lr)", () => O.signDescent({ lr: O.exponentialSchedule(0.1, { rate: 0.98 }) }), 400],
  ["adagrad", () => O.adagrad({ lr: 1 }), 200],
  ["adagrad-norm", () => O.adagradNorm({ lr: 1, b0: 0.1, perRun: true }), 300],
  ["rmsprop (decaying lr)", () => O.rmsprop({ lr: O.exponentialSchedule(0.1, { rate: 0.99 }) }), 600],
  ["adam", () => O.adam({ lr: 0.1 }), 400],
  ["adamw (λ = 0)", () => O.adamw({ lr: 0.1, weightDecay: 0 }), 400],
  ["amsgrad", () => O.amsgrad({ lr: 0.1 }), 400],
  ["adabelief", () => O.adabelief({ lr: 0.1 }), 300],
  ["diffGrad", () => O.diffGrad({ lr: 0.1 }), 400],
  ["adopt", () => O.adopt({ lr: 0.1, b2: 0.999 }), 400],
  ["adan", () => O.adan({ lr: 0.1 }), 600],
  ["lion (decaying lr)", () => O.lion({ lr: O.exponentialSchedule(0.1, { rate: 0.99 }) }), 600],
  ["grams", () => O.grams({ lr: 0.1 }), 400],
  ["nadam", () => O.nadam({ lr: 0.1 }), 400],
  ["clip(1) + sgd", () => O.chain(O.clipByGlobalNorm(1, { perRun: true }), O.sgd({ lr: 0.2 })), 100],
  ["lookahead(adam)", () => O.lookahead(O.adam({ lr: 0.1 })), 400],
  // SAM with a fixed ρ hovers at distance ~ρ around a minimiser (the gradient direction is undefined there); ρ decays.
  [
    "sam(heavy ball), decaying ρ",
    () =>
      O.sam(O.heavyBall({ lr: 0.1, momentum: 0.5 }), {
        rho: O.exponentialSchedule(0.05, { rate: 0.95 }),
        perRun: true,
      }),
    200,
  ],
];

const ROSENBROCK: [string, ElementwiseRule, Record<string, number | O.Schedule>, number][] = [
  ["sgd", O.sgdRule(), { lr: 1e-3 }, 15000],
  ["heavy ball", O.heavyBallRule(), { lr: 1e-3, momentum: 0.9 }, 2000],
  ["nesterov", O.nesterovRule(), { lr: 1e-3, momentum: 0.9 }, 2000],
  ["sign descent (decaying lr)", O.signDescentRule(), { lr: decay(0.01) }, 20000],
  ["signum (decaying lr)", O.signDescentRule({ signum: true }), { lr: decay(0.01) }, 10000],
  ["adagrad", O.adagradRule(), { lr: 0.5 }, 10000],
  ["rmsprop (decaying lr)", O.rmspropRule(), { lr: decay(0.01) }, 6000],
  ["adam", O.adamRule(), { lr: 0.02 }, 4000],
  ["adamw (λ = 0)", O.adamwRule(), { lr: 0.02, weightDecay: 0 }, 4000],
  ["amsgrad", O.amsgradRule(), { lr: 0.02 }, 6000],
  ["adabelief (decaying lr)", O.adabeliefRule(), { lr: decay(0.02) }, 6000],
  ["diffGrad", O.diffGradRule(), { lr: 0.02 }, 5000],
  ["adopt (β₂ = 0.999)", O.adoptRule(), { lr: 0.02, b2: 0.999 }, 9000],
  ["adan (decaying lr)", O.adanRule(), { lr: decay(0.02) }, 2000],
  ["lion (decaying lr)", O.lionRule(), { lr: decay(0.01) }, 10000],
  ["grams (decaying lr)", O.gramsRule(), { lr: decay(0.02) }, 6000],
  ["nadam (decaying lr)", O.nadamRule(), { lr: decay(0.02) }, 6000],
];

/** Rosenbrock (1960): f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1). */
const rosenbrockGrad = (x: number, y: number) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];

function runRosenbrock(rule: ElementwiseRule, hyper: Record<string, number | O.Schedule>, steps: number): number[] {
  const p = [-1.2, 1];
  const states = p.map(() =>
    Object.fromEntries(rule.state.map((s) => [s, (rule.init as Record<string, number> | undefined)?.[s] ?? 0])),
  );
  const noNoise = { uniform: () => NaN, normal: () => NaN };
  for (let t = 1; t <= steps; t++) {
    const h: Record<string, number> = { ...rule.defaults };
    for (const [k, v] of Object.entries(hyper)) h[k] = typeof v === "function" ? v(t - 1) : v;
    const g = rosenbrockGrad(p[0], p[1]);
    for (let i = 0; i < 2; i++) {
      const r = rule.step(numOps, g[i], p[i], states[i], h, t, noNoise);
      states[i] = r.state;
      p[i] += r.update;
    }
  }
  return p;
}

describe("convergence", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it.each(QUADRATIC)(
    "%s reaches the quadratic's minimiser (max |x − c| < 1e-3) within its budget",
    async (name, make, steps) => {
      const a = tf.tensor1d(A),
        c = tf.tensor1d(C);
      const loss = (p: Tree) => tf.mul(0.5, tf.sum(tf.mul(a, tf.square(tf.sub(p as tf.Tensor, c))), 1));
      const x0 = tf.tensor2d(X0, [2, 4]);
      const res = await O.minimize(loss, x0, make(), { steps, every: steps, progressSeconds: 0 });
      const x = await flatOf(res.params);
      disposeTree([res.params, x0, a, c]);
      expect(res.diverged).toEqual([false, false]);
      const err = Math.max(...Array.from(x, (v, i) => Math.abs(v - C[i % 4])));
      expect(err, `${name}: max |x − c| after ${steps} steps`).toBeLessThan(1e-3);
    },
  );

  it.each(ROSENBROCK)(
    "%s reaches Rosenbrock's minimiser (‖x − (1,1)‖ < 1e-2) from (−1.2, 1)",
    (name, rule, hyper, steps) => {
      const [x, y] = runRosenbrock(rule, hyper, steps);
      expect(Math.hypot(x - 1, y - 1), `${name} after ${steps} steps: (${x}, ${y})`).toBeLessThan(1e-2);
    },
  );

  it("the Rosenbrock budgets are tight enough to mean something: plain SGD is not there after 1000 steps", () => {
    const [x, y] = runRosenbrock(O.sgdRule(), { lr: 1e-3 }, 1000);
    expect(Math.hypot(x - 1, y - 1)).toBeGreaterThan(0.1);
  });
});
