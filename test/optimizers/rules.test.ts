/**
 * Every elementwise optimizer, ≥ 20 steps on random trees of mixed shapes, against an independent
 * float64 reference (./references.ts) to float32 tolerance; the same rule run on plain numbers
 * (`numOps`) against the reference to 1e-9; state shapes; a batch of runs with per-run
 * hyperparameters equals the runs done one by one.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { numOps } from "../../lib/core/ops";
import type { ElementwiseRule } from "../../lib/core/rule";
import * as O from "../../lib/optimizers";
import { Rng } from "../../lib/rng";
import { disposeTree, flatten } from "../../lib/tree";
import { MIXED, expectClose, f32Normals, runTransform, sizeOf, treeFrom } from "./helpers";
import { REFERENCES, runReference, type H } from "./references";

interface Case {
  label: string;
  ref: string;
  alias: (opts: object) => O.GradientTransformation;
  rule: (variants: never) => ElementwiseRule;
  variants?: Record<string, unknown>;
  hyper: H;
  /** Per-run hyperparameters for the batch test. */
  batch?: Record<string, number[]>;
}

const adamH = { lr: 0.03, b1: 0.8, b2: 0.95, eps: 1e-6 };
const CASES: Case[] = [
  { label: "sgd", ref: "sgd", alias: O.sgd, rule: O.sgdRule, hyper: { lr: 0.05 }, batch: { lr: [0.1, 0.03, 0.01] } },
  {
    label: "heavy ball",
    ref: "heavyBall",
    alias: O.heavyBall,
    rule: O.heavyBallRule,
    hyper: { lr: 0.02, momentum: 0.7 },
    batch: { lr: [0.1, 0.01, 0.02], momentum: [0.9, 0.5, 0] },
  },
  {
    label: "heavy ball, lr inside momentum",
    ref: "heavyBall",
    alias: O.heavyBall,
    rule: O.heavyBallRule,
    variants: { lrInsideMomentum: true },
    hyper: { lr: 0.02, momentum: 0.7 },
  },
  {
    label: "nesterov",
    ref: "nesterov",
    alias: O.nesterov,
    rule: O.nesterovRule,
    hyper: { lr: 0.02, momentum: 0.8 },
    batch: { momentum: [0.9, 0.5, 0.1] },
  },
  { label: "sign descent", ref: "signDescent", alias: O.signDescent, rule: O.signDescentRule, hyper: { lr: 0.01 } },
  {
    label: "signum",
    ref: "signDescent",
    alias: O.signDescent,
    rule: O.signDescentRule,
    variants: { signum: true },
    hyper: { lr: 0.01, momentum: 0.8 },
  },
  {
    label: "adagrad",
    ref: "adagrad",
    alias: O.adagrad,
    rule: O.adagradRule,
    hyper: { lr: 0.1, eps: 1e-7 },
    batch: { lr: [0.1, 0.5, 0.01] },
  },
  {
    label: "adagrad, ε inside, accumulator 0.5",
    ref: "adagrad",
    alias: O.adagrad,
    rule: O.adagradRule,
    variants: { epsPlacement: "inside", initialAccumulator: 0.5 },
    hyper: { lr: 0.1, eps: 1e-3 },
  },
  {
    label: "rmsprop",
    ref: "rmsprop",
    alias: O.rmsprop,
    rule: O.rmspropRule,
    hyper: { lr: 0.01, decay: 0.9, eps: 1e-6, momentum: 0 },
    batch: { decay: [0.9, 0.99, 0.5] },
  },
  {
    label: "rmsprop centered + momentum, ε inside",
    ref: "rmsprop",
    alias: O.rmsprop,
    rule: O.rmspropRule,
    variants: { centered: true, epsPlacement: "inside" },
    hyper: { lr: 0.01, decay: 0.8, eps: 1e-3, momentum: 0.5 },
  },
  {
    label: "adam",
    ref: "adam",
    alias: O.adam,
    rule: O.adamRule,
    hyper: adamH,
    batch: { lr: [0.1, 0.01, 0.03], b1: [0.9, 0.5, 0], b2: [0.999, 0.9, 0.99] },
  },
  {
    label: "adam, ε inside",
    ref: "adam",
    alias: O.adam,
    rule: O.adamRule,
    variants: { epsPlacement: "inside" },
    hyper: { ...adamH, eps: 1e-3 },
  },
  {
    label: "adam, ε̂ (uncorrected)",
    ref: "adam",
    alias: O.adam,
    rule: O.adamRule,
    variants: { epsPlacement: "uncorrected" },
    hyper: { ...adamH, eps: 1e-3 },
  },
  {
    label: "adam, no bias correction",
    ref: "adam",
    alias: O.adam,
    rule: O.adamRule,
    variants: { biasCorrection: false },
    hyper: adamH,
  },
  {
    label: "adamw",
    ref: "adam",
    alias: O.adamw,
    rule: O.adamwRule,
    variants: { weightDecayMode: "decoupled" },
    hyper: { ...adamH, weightDecay: 0.1 },
    batch: { weightDecay: [0, 0.1, 1] },
  },
  {
    label: "amsgrad (max before correction)",
    ref: "adam",
    alias: O.amsgrad,
    rule: O.amsgradRule,
    variants: { amsgrad: true },
    hyper: adamH,
  },
  {
    label: "amsgrad (max after correction)",
    ref: "adam",
    alias: O.amsgrad,
    rule: O.amsgradRule,
    variants: { amsgrad: true, amsgradMax: "afterCorrection" },
    hyper: adamH,
  },
  {
    label: "amsgrad, ε̂",
    ref: "adam",
    alias: O.amsgrad,
    rule: O.amsgradRule,
    variants: { amsgrad: true, epsPlacement: "uncorrected" },
    hyper: { ...adamH, eps: 1e-3 },
  },
  {
    label: "adabelief",
    ref: "adabelief",
    alias: O.adabelief,
    rule: O.adabeliefRule,
    hyper: { lr: 0.03, b1: 0.8, b2: 0.95, eps: 1e-8 },
    batch: { b2: [0.999, 0.9, 0.5] },
  },
  {
    label: "diffGrad",
    ref: "diffGrad",
    alias: O.diffGrad,
    rule: O.diffGradRule,
    hyper: adamH,
    batch: { lr: [0.1, 0.01, 0.03] },
  },
  {
    label: "adopt",
    ref: "adopt",
    alias: O.adopt,
    rule: O.adoptRule,
    hyper: { lr: 0.03, b1: 0.8, b2: 0.95, eps: 1e-6 },
    batch: { b1: [0.9, 0.5, 0.1] },
  },
  {
    label: "adopt, no clipping",
    ref: "adopt",
    alias: O.adopt,
    rule: O.adoptRule,
    variants: { clip: false },
    hyper: { lr: 0.03, b1: 0.8, b2: 0.95, eps: 1e-3 },
  },
  {
    label: "adan (proximal decay)",
    ref: "adan",
    alias: O.adan,
    rule: O.adanRule,
    hyper: { lr: 0.03, b1: 0.9, b2: 0.8, b3: 0.95, eps: 1e-6, weightDecay: 0.1 },
    batch: { weightDecay: [0, 0.5, 0.1], b2: [0.92, 0.5, 0.8] },
  },
  {
    label: "adan (decoupled, no bias correction)",
    ref: "adan",
    alias: O.adan,
    rule: O.adanRule,
    variants: { weightDecayMode: "decoupled", biasCorrection: false },
    hyper: { lr: 0.03, b1: 0.9, b2: 0.8, b3: 0.95, eps: 1e-6, weightDecay: 0.1 },
  },
  {
    label: "lion",
    ref: "lion",
    alias: O.lion,
    rule: O.lionRule,
    variants: { weightDecayMode: "decoupled" },
    hyper: { lr: 0.01, b1: 0.8, b2: 0.95, weightDecay: 0.3 },
    batch: { lr: [0.01, 0.001, 0.1] },
  },
  { label: "grams", ref: "grams", alias: O.grams, rule: O.gramsRule, hyper: adamH, batch: { b1: [0.9, 0, 0.5] } },
  {
    label: "nadam (Dozat schedule)",
    ref: "nadam",
    alias: O.nadam,
    rule: O.nadamRule,
    hyper: { ...adamH, momentumDecay: 0.004 },
    batch: { momentumDecay: [0.004, 0.1, 0] },
  },
  {
    label: "nadam (constant μ)",
    ref: "nadam",
    alias: O.nadam,
    rule: O.nadamRule,
    variants: { form: "constant" },
    hyper: adamH,
  },
];

const STEPS = 24;

function problem(seed: number, n: number, steps = STEPS) {
  const rng = new Rng(seed);
  const p0 = f32Normals(rng, n);
  const grads = Array.from({ length: steps }, () => f32Normals(rng, n));
  return { p0, grads };
}

/** The composed rule on plain float64 numbers, coordinate by coordinate. */
function runRuleNumbers(rule: ElementwiseRule, hyper: H, p0: Float64Array, grads: Float64Array[]): Float64Array[] {
  const n = p0.length;
  const p = Float64Array.from(p0);
  const states = Array.from({ length: n }, () =>
    Object.fromEntries(rule.state.map((s) => [s, (rule.init as Record<string, number> | undefined)?.[s] ?? 0])),
  );
  const h = { ...rule.defaults, ...hyper };
  const noNoise = { uniform: () => NaN, normal: () => NaN };
  return grads.map((g, k) => {
    for (let i = 0; i < n; i++) {
      const r = rule.step(numOps, g[i], p[i], states[i], h, k + 1, noNoise);
      states[i] = r.state;
      p[i] += r.update;
    }
    return Float64Array.from(p);
  });
}

describe("elementwise optimizers vs float64 references", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it.each(CASES.map((c) => [c.label, c] as const))(
    "%s: tfjs matches the paper's equations over 24 steps",
    async (_l, c) => {
      const n = sizeOf(MIXED);
      const { p0, grads } = problem(7, n);
      const [coord, init] = REFERENCES[c.ref](c.hyper, c.variants ?? {});
      const want = runReference(coord, init, p0, grads);
      const got = await runTransform(c.alias({ ...c.hyper, ...(c.variants ?? {}) }), MIXED, p0, grads);
      for (let k = 0; k < STEPS; k++) expectClose(got[k], want[k], 2e-4, 2e-5, `${c.label}, step ${k + 1}`);
      // The trajectory actually moved (the test can fail): at least one coordinate changed by > 1e-3.
      expect(Math.max(...want[STEPS - 1].map((v, i) => Math.abs(v - p0[i])))).toBeGreaterThan(1e-3);
    },
  );

  it.each(CASES.map((c) => [c.label, c] as const))("%s: the engine rule on numbers matches to 1e-9", (_l, c) => {
    const { p0, grads } = problem(11, 12);
    const [coord, init] = REFERENCES[c.ref](c.hyper, c.variants ?? {});
    const want = runReference(coord, init, p0, grads);
    const got = runRuleNumbers(c.rule((c.variants ?? {}) as never), c.hyper, p0, grads);
    for (let k = 0; k < STEPS; k++) expectClose(got[k], want[k], 1e-9, 1e-12, `${c.label} (numOps), step ${k + 1}`);
  });

  it.each(CASES.map((c) => [c.label, c] as const))("%s: state slots have the parameters' shapes", (_l, c) => {
    const p = treeFrom(MIXED, new Float64Array(sizeOf(MIXED)));
    const opt = c.alias({ ...c.hyper, ...(c.variants ?? {}) });
    const s = opt.init(p) as O.RuleState;
    const rule = c.rule((c.variants ?? {}) as never);
    expect(Object.keys(s.slots).sort()).toEqual([...rule.state].sort());
    for (const slot of rule.state) {
      expect(flatten(s.slots[slot]).map((t) => t.shape)).toEqual(flatten(p).map((t) => t.shape));
    }
    expect(s.count).toBe(0);
    disposeTree([p, s]);
  });

  it.each(CASES.filter((c) => c.batch).map((c) => [c.label, c] as const))(
    "%s: a batch of runs with per-run hyperparameters equals the runs one by one",
    async (_l, c) => {
      const runs = 3,
        d = 5;
      const { p0, grads } = problem(5, runs * d, 20);
      const perRunHyper: Record<string, O.PerRun> = {};
      for (const [k, vals] of Object.entries(c.batch!)) perRunHyper[k] = O.perRun(vals);
      const batched = await runTransform(
        c.alias({ ...c.hyper, ...(c.variants ?? {}), ...perRunHyper }),
        [runs, d],
        p0,
        grads,
      );
      Object.values(perRunHyper).forEach((v) => v.dispose());
      for (let r = 0; r < runs; r++) {
        const h: H = { ...c.hyper };
        for (const [k, vals] of Object.entries(c.batch!)) h[k] = vals[r];
        const slice = (x: Float64Array) => x.slice(r * d, (r + 1) * d);
        const single = await runTransform(c.alias({ ...h, ...(c.variants ?? {}) }), [d], slice(p0), grads.map(slice));
        for (let k = 0; k < single.length; k++)
          expectClose(slice(batched[k]), single[k], 1e-6, 1e-7, `${c.label}, run ${r}, step ${k + 1}`);
      }
    },
  );

  it.each(CASES.filter((c, i) => CASES.findIndex((d) => d.ref === c.ref) === i).map((c) => [c.label, c] as const))(
    "%s: the wasm backend gives the same trajectory as the reference",
    async (_l, c) => {
      await initBackend({ force: "wasm", quiet: true });
      try {
        const n = sizeOf(MIXED);
        const { p0, grads } = problem(9, n, 20);
        const [coord, init] = REFERENCES[c.ref](c.hyper, c.variants ?? {});
        const want = runReference(coord, init, p0, grads);
        const got = await runTransform(c.alias({ ...c.hyper, ...(c.variants ?? {}) }), MIXED, p0, grads);
        for (let k = 0; k < 20; k++) expectClose(got[k], want[k], 2e-4, 2e-5, `${c.label} (wasm), step ${k + 1}`);
      } finally {
        await initBackend({ force: "cpu", quiet: true });
      }
    },
  );

  it("a per-run learning rate as a [runs, 1] tensor broadcasts like perRun", async () => {
    const runs = 3,
      d = 4;
    const { p0, grads } = problem(4, runs * d, 20);
    const lrs = [0.1, 0.01, 0.001];
    const lrT = tf.tensor2d(lrs, [runs, 1]);
    const pr = O.perRun(lrs);
    const a = await runTransform(O.adam({ lr: lrT }), [runs, d], p0, grads);
    const b = await runTransform(O.adam({ lr: pr }), [runs, d], p0, grads);
    lrT.dispose();
    pr.dispose();
    expectClose(a[19], b[19], 0, 0, "[runs, 1] tensor vs perRun");
  });

  it("a tensor hyperparameter that broadcasts (per-coordinate learning rate [d]) works like numbers", async () => {
    const d = 4;
    const { p0, grads } = problem(3, d, 20);
    const lrs = [0.1, 0.01, 0.05, 0];
    const lr = tf.tensor1d(lrs);
    const got = await runTransform(O.adam({ lr }), [d], p0, grads);
    lr.dispose();
    for (let i = 0; i < d; i++) {
      const [coord, init] = REFERENCES.adam({ lr: lrs[i], b1: 0.9, b2: 0.999, eps: 1e-8 }, {});
      const want = runReference(
        coord,
        init,
        [p0[i]],
        grads.map((g) => [g[i]]),
      );
      expectClose([got[19][i]], want[19], 2e-4, 2e-5, `coordinate ${i}`);
    }
  });

  it("the memory stays flat over repeated updates (no leaked tensors)", async () => {
    const opt = O.chain(O.clipByGlobalNorm(1), O.adamw({ lr: 0.01 }));
    let p = treeFrom(MIXED, f32Normals(new Rng(1), sizeOf(MIXED)));
    let s = opt.init(p);
    const step = () => {
      const g = treeFrom(MIXED, f32Normals(new Rng(2), sizeOf(MIXED)));
      const r = opt.update(g, s, p);
      const np = O.applyUpdates(p, r.updates);
      disposeTree([g, s, r.updates, p]);
      s = r.state;
      p = np;
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    disposeTree([p, s]);
  });
});
