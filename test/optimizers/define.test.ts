/**
 * `defineOptimizer` (one declaration, two forms) and the declared `readsParams` of rules: a rule
 * that reads the parameter refuses to run without params, one that does not runs without them, and
 * every library rule's declaration is truthful (its update depends on p exactly when it says so).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { numOps } from "../../lib/core/ops";
import type { ElementwiseRule } from "../../lib/core/rule";
import * as O from "../../lib/optimizers";
import { disposeTree } from "../../lib/tree";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

/** u = g·p: reads the parameter, and says so. */
const timesParam: ElementwiseRule<never, never> = {
  kind: "elementwise",
  name: "timesParam",
  defaults: {},
  state: [],
  readsParams: true,
  step: (o, g, p) => ({ update: o.mul(g, p), state: {} }),
};

describe("readsParams", () => {
  it("a rule that reads p fails without params, with a message saying what to pass", () => {
    const p = tf.ones([2]),
      g = tf.ones([2]);
    const t = O.fromRule(timesParam);
    const s = t.init(p);
    expect(() => t.update(g, s)).toThrow(
      "timesParam: this rule reads the parameters; call update(grads, state, params)",
    );
    const r = t.update(g, s, p);
    expect(Array.from((r.updates as tf.Tensor).dataSync())).toEqual([1, 1]);
    // chains read p when any link does
    const chained = O.chainRules("chained", O.scaleByAdamRule(), timesParam);
    expect(chained.readsParams).toBe(true);
    expect(() => O.fromRule(chained).update(g, O.fromRule(chained).init(p))).toThrow(
      /chained: this rule reads the parameters/,
    );
    disposeTree([p, g, s, r.updates, r.state]);
  });

  it("a rule that does not read p runs without params", async () => {
    const p = tf.tensor1d([1, -2]),
      g = tf.tensor1d([0.5, 0.25]);
    for (const t of [
      O.adam({ lr: 0.1 }),
      O.sgd({ lr: 0.1, momentum: 0.5 }),
      O.fromRule(O.chainRules("c", O.traceRule(), O.scaleByLearningRateRule())),
    ]) {
      const s = t.init(p);
      const withParams = t.update(g, s, p),
        without = t.update(g, s);
      expect(Array.from(await (without.updates as tf.Tensor).data())).toEqual(
        Array.from(await (withParams.updates as tf.Tensor).data()),
      );
      disposeTree([s, withParams, without]);
    }
    expect(O.adamRule().readsParams).toBeFalsy();
    disposeTree([p, g]);
  });

  it("every library rule declares readsParams truthfully (its update depends on p exactly when declared)", () => {
    const rules: ElementwiseRule[] = [];
    for (const factory of Object.values(O.ELEMENTWISE_OPTIMIZERS)) rules.push(factory());
    rules.push(
      O.adamRule({ weightDecayMode: "decoupled" }),
      O.adamRule({ weightDecayMode: "l2" }),
      O.sgdRule({ weightDecayMode: "l2" }),
    );
    rules.push(
      O.heavyBallRule({ weightDecayMode: "l2" }),
      O.lionRule({ weightDecayMode: "decoupled" }),
      O.adanRule({ weightDecayMode: "decoupled" }),
    );
    rules.push(
      O.langevinRule(),
      O.muonMomentumRule(),
      O.scaleByDiffGradRule(),
      O.scaleByGramsRule(),
      O.clipByValueRule(),
    );
    const noise = { uniform: () => 0.3, normal: () => 0.7 };
    for (const rule of rules) {
      const h = { ...rule.defaults, weightDecay: 0.5 };
      const updateAt = (p: number) => {
        const s = Object.fromEntries(rule.state.map((k) => [k, 0.2]));
        return rule.step(numOps, 0.4, p, s, h, 3, noise).update;
      };
      expect(updateAt(1) !== updateAt(2), `${rule.name}: readsParams`).toBe(rule.readsParams === true);
    }
  });
});

describe("defineOptimizer", () => {
  const demo = O.defineOptimizer({
    name: "demo",
    variants: ["signum", "weightDecayMode"],
    naturalDecay: "decoupled",
    build: ({ signum, weightDecayMode }: O.SignDescentOptions & O.WeightDecayOption) =>
      O.decayedDescentRule("demo", signum ? [O.traceRule({ ema: true }), O.scaleBySignRule()] : [O.scaleBySignRule()], {
        weightDecayMode,
        defaults: { lr: 0.5 },
      }),
  });

  it("gives the engine rule and the transform from one declaration", async () => {
    const rule = demo.rule({ signum: true });
    expect(rule.defaults).toEqual({ momentum: 0.9, lr: 0.5 });
    expect(demo.rule().defaults).toEqual({ lr: 0.5 });
    const p = tf.tensor1d([1, -1]),
      g = tf.tensor1d([2, -3]);
    const t = demo.transform({ lr: 0.1 });
    const s = t.init(p);
    const r = t.update(g, s, p);
    expect(Array.from(await (r.updates as tf.Tensor).data())).toEqual([-0.1, 0.1].map(Math.fround));
    disposeTree([p, g, s, r.updates, r.state]);
  });

  it("weightDecay without a mode takes the natural mode; partial presets variants that callers may override", async () => {
    const decayed = demo.transform({ weightDecay: 0.1 });
    const p = tf.tensor1d([1, -1]),
      g = tf.tensor1d([2, -3]);
    const s = decayed.init(p);
    const r = decayed.update(g, s, p);
    // decoupled: −η·(sign(g) + λθ) with η = 0.5, λ = 0.1
    expect(Array.from(await (r.updates as tf.Tensor).data())).toEqual([-0.55, 0.55].map(Math.fround));
    disposeTree([p, g, s, r.updates, r.state]);
    expect(() => demo.transform({ weightDecay: 0.1, weightDecayMode: "none" })).toThrow(
      /demo: unknown option "weightDecay"/,
    );
    const signum = demo.partial("signumDemo", { signum: true }, { momentum: 0.5 });
    expect(signum.rule().defaults).toEqual({ momentum: 0.5, lr: 0.5 });
    expect(demo.partial("plain", { signum: true }).rule({ signum: false }).defaults).toEqual({ lr: 0.5 });
    // a partial's defaults must name hyperparameters of the rules it builds
    expect(() => signum.rule({ signum: false })).toThrow(/signDescent|demo: unknown hyperparameter "momentum"/);
    expect(signum.transform().name).toBe("signumDemo");
  });

  it("unknown keys are errors naming the option, with a did-you-mean hint", () => {
    expect(() => demo.transform({ lrr: 1 } as never)).toThrow(
      'demo: unknown option "lrr" (did you mean "lr"?); known: lr, signum, weightDecayMode',
    );
    expect(() => demo.rule({ sigunm: true } as never)).toThrow(
      'demoRule: unknown option "sigunm" (did you mean "signum"?)',
    );
    expect(() => O.adam({ b3: 0.9 } as never)).toThrow(/adam: unknown option "b3" \(did you mean "b1"\?\)/);
    expect(() => demo.transform(3 as never)).toThrow(/demo: expected an options object/);
  });
});
