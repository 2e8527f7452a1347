/**
 * The transform API: clear errors for bad input, chain / chainRules semantics, ownership of the
 * returned tensors, schedules as hyperparameters (evaluated at the count before the update).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { numOps } from "../../lib/core/ops";
import * as O from "../../lib/optimizers";
import { disposeTree } from "../../lib/tree";
import { expectClose, flatOf, runTransform } from "./helpers";

describe("optimizer API", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });

  it("rejects bad hyperparameters and unknown options with messages naming them", () => {
    expect(() => O.adam({ lr: NaN })).toThrow(/lr is NaN/);
    expect(() => O.sgd({ lr: -0.1 })).toThrow(/lr = -0.1 .*out of range/);
    expect(() => O.adam({ b1: 1.5 })).toThrow(/b1 = 1.5/);
    expect(() => O.adam({ lerningRate: 0.1 } as never)).toThrow(/unknown option "lerningRate"/);
    expect(() => O.adam({ epsPlacement: "sideways" } as never)).toThrow(/epsPlacement must be/);
    expect(() => O.nadam({ form: "x" } as never)).toThrow(/form must be/);
    expect(() => O.adamRule({ foo: 1 } as never)).toThrow(/unknown option "foo"/);
    expect(() => O.heavyBall({ weightDecayMode: "decoupled" } as never)).toThrow(/weightDecayMode/);
    expect(() => O.perRun([])).toThrow(/at least one/);
    expect(() => O.adam({ lr: O.perRun([0.1, NaN]) })).toThrow(/lr is NaN \(run 1\)/);
    expect(() => O.fromRule(O.scaleByLearningRateRule(), { lr: "fast" as never })).toThrow(
      /must be a number, a schedule/,
    );
    expect(() => O.sgd({ lr: 0.1, lrInsideMomentum: true })).toThrow(/needs momentum/);
    expect(() => O.clipByGlobalNorm(-1)).toThrow(/maxNorm = -1/);
    expect(() => O.lookahead(O.sgd(), { syncPeriod: 0 })).toThrow(/syncPeriod/);
    expect(() => O.chain()).toThrow(/at least one/);
  });

  it("rejects mismatched trees, a non-finite schedule value, a hyperparameter that does not broadcast", () => {
    const p = { a: tf.zeros([2, 3]), b: tf.zeros([4]) };
    const opt = O.adam({ lr: 0.1 });
    const s = opt.init(p);
    const wrongKeys = { a: tf.zeros([2, 3]), c: tf.zeros([4]) };
    const wrongShape = { a: tf.zeros([3, 2]), b: tf.zeros([4]) };
    expect(() => opt.update(wrongKeys, s, p)).toThrow(/do not match/);
    expect(() => opt.update(wrongShape, s, p)).toThrow(/do not match at a: shape \[3,2\] vs \[2,3\]/);
    expect(() => O.applyUpdates(p, wrongKeys)).toThrow(/applyUpdates: parameters and updates do not match/);
    expect(() => opt.update(p, { nonsense: true } as never, p)).toThrow(/not this transform's/);
    const bad = O.sgd({ lr: (t) => (t < 1 ? 0.1 : NaN) });
    let st = bad.init(p);
    const r = bad.update(p, st, p);
    disposeTree([r.updates, st]);
    st = r.state;
    expect(() => bad.update(p, st, p)).toThrow(/lr is NaN \(schedule at step 1\)/);
    const lr = tf.ones([5]);
    expect(() => O.sgd({ lr }).update(p, O.sgd({ lr }).init(p), p)).toThrow(
      /lr of shape \[5\] does not broadcast against parameter a of shape \[2,3\]/,
    );
    const pr = O.perRun([0.1, 0.2, 0.3]);
    expect(() => O.sgd({ lr: pr }).update(p, { count: 0, slots: {} }, p)).toThrow(
      /perRun hyperparameter lr has 3 runs but parameter a has shape \[2,3\]/,
    );
    expect(() => O.adamw().update(p, O.adamw().init(p))).toThrow(
      /reads the parameters; call update\(grads, state, params\)/,
    );
    disposeTree([p, s, wrongKeys, wrongShape, st, lr]);
    pr.dispose();
  });

  it("a schedule is evaluated at the update count before the update (optax's convention)", async () => {
    const p = tf.tensor([1]);
    const seen: number[] = [];
    const opt = O.sgd({ lr: (t) => (seen.push(t), 0.1 * (t + 1)) });
    let s = opt.init(p),
      x = p;
    for (let i = 0; i < 3; i++) {
      const g = tf.ones([1]);
      const r = opt.update(g, s, x);
      const nx = O.applyUpdates(x, r.updates) as tf.Tensor;
      disposeTree([g, s, r.updates]);
      if (x !== p) x.dispose();
      s = r.state;
      x = nx;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect((await x.data())[0]).toBeCloseTo(1 - 0.1 - 0.2 - 0.3, 6);
    disposeTree([p, x, s]);
  });

  it("chain applies transforms in order; its state is the array of their states", async () => {
    const opt = O.chain(O.clipByGlobalNorm(1), O.sgd({ lr: 0.5 }));
    const p = { x: tf.tensor([0, 0]) };
    const s = opt.init(p);
    expect(Array.isArray(s) && s.length === 2).toBe(true);
    const g = { x: tf.tensor([3, 4]) };
    const r = opt.update(g, s, p);
    // clip (3,4) to norm 1 → (0.6, 0.8), then −0.5·g
    expectClose(await flatOf(r.updates), [-0.3, -0.4], 1e-6, 1e-7, "chain");
    disposeTree([p, s, g, r]);
  });

  it("hand-made optax chains equal the named optimizers", async () => {
    const p0 = [0.5, -1, 2],
      grads = [
        [1, 2, -1],
        [0.5, -0.3, 0.2],
        [-1, 1, 1],
      ];
    const pairs: [O.GradientTransformation, O.GradientTransformation][] = [
      [
        O.chain(O.scaleByAdam({ b1: 0.8 }), O.addDecayedWeights(0.1), O.scaleByLearningRate(0.03)),
        O.adamw({ lr: 0.03, b1: 0.8, weightDecay: 0.1 }),
      ],
      [
        O.chain(O.addDecayedWeights(0.1), O.trace({ momentum: 0.7, nesterov: true }), O.scaleByLearningRate(0.03)),
        O.sgd({ lr: 0.03, momentum: 0.7, nesterov: true, weightDecay: 0.1 }),
      ],
      [
        O.chain(O.scaleByRms({ decay: 0.5 }), O.trace({ momentum: 0 }), O.scaleByLearningRate(0.03)),
        O.rmsprop({ lr: 0.03, decay: 0.5 }),
      ],
      [O.chain(O.scaleByLion(), O.scaleByLearningRate(0.03)), O.lion({ lr: 0.03 })],
      [O.chain(O.scaleByRss(), O.scaleByLearningRate(0.03)), O.adagrad({ lr: 0.03 })],
    ];
    for (const [a, b] of pairs) {
      const ra = await runTransform(a, [3], p0, grads);
      const rb = await runTransform(b, [3], p0, grads);
      expectClose(ra[2], rb[2], 0, 0, `${a.name} vs ${b.name}`);
      expect(Math.abs(ra[2][0] - p0[0])).toBeGreaterThan(1e-3);
    }
  });

  it("updates and states are owned by the caller: disposing the old state never breaks the new", async () => {
    // trace returns its momentum both as update and state; the transform must hand out distinct tensors.
    const opt = O.fromRule(O.traceRule(), { momentum: 0.5 });
    const p = tf.tensor([1, 2]);
    const s0 = opt.init(p);
    const r1 = opt.update(p, s0, p);
    disposeTree(s0);
    disposeTree(r1.updates);
    const r2 = opt.update(p, r1.state, p); // m = 0.5·(1,2) + (1,2)
    disposeTree(r1.state);
    expectClose(await flatOf(r2.updates), [1.5, 3], 1e-6, 0, "momentum after disposal");
    disposeTree([p, r2]);
  });

  it("chainRules merges hyperparameter names, renames clashing state slots, and rejects clashing hyperparameters", () => {
    const r = O.chainRules("twoTraces", O.traceRule(), O.withDefaults(O.scaleByAdamRule(), {}, "adamPart"));
    expect(r.state).toEqual(["trace.m", "adamPart.m", "v"]);
    expect(Object.keys(r.defaults).sort()).toEqual(["b1", "b2", "eps", "momentum"]);
    expect(() => O.chainRules("bad", O.scaleByLearningRateRule(), O.scaleByLearningRateRule())).toThrow(
      /"lr" appears in more than one rule/,
    );
    // one scalar step on numbers: trace(0.5) then Adam at t = 1 gives m̂/(√v̂+ε) = sign(g)·(1 − tiny)
    const s = { "trace.m": 0, "adamPart.m": 0, v: 0 };
    const out = r.step(numOps, 2, 0, s, { ...r.defaults }, 1, { uniform: () => 0, normal: () => 0 });
    expect(out.update).toBeCloseTo(1, 6);
    expect(out.state["trace.m"]).toBe(2);
  });

  it("named rules expose the hyperparameter names the sweep engine grids over", () => {
    expect(Object.keys(O.adamRule().defaults).sort()).toEqual(["b1", "b2", "eps", "lr"]);
    expect(Object.keys(O.adamwRule().defaults).sort()).toEqual(["b1", "b2", "eps", "lr", "weightDecay"]);
    expect(Object.keys(O.adanRule().defaults).sort()).toEqual(["b1", "b2", "b3", "eps", "lr", "weightDecay"]);
    expect(Object.keys(O.heavyBallRule().defaults).sort()).toEqual(["lr", "momentum"]);
    expect(Object.keys(O.nadamRule().defaults).sort()).toEqual(["b1", "b2", "eps", "lr", "momentumDecay"]);
    expect(O.adamRule().defaults.lr).toBe(1e-3);
    expect(O.lionRule().defaults.lr).toBe(1e-4);
    expect(O.adamRule().kind).toBe("elementwise");
    for (const [name, make] of Object.entries(O.ELEMENTWISE_OPTIMIZERS)) {
      const r = (make as () => { kind: string; defaults: Record<string, number> })();
      expect(r.kind, name).toBe("elementwise");
      expect(Object.keys(r.defaults), name).toContain("lr");
    }
  });
});
