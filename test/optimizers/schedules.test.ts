/**
 * Schedules against their closed forms at chosen steps (values worked out by hand from the
 * definitions), plus argument validation.
 */
import { describe, expect, it } from "vitest";
import * as O from "../../lib/optimizers";

describe("schedules", () => {
  it("constant, step, exponential, 1/√t", () => {
    expect(O.constantSchedule(0.3)(1000)).toBe(0.3);
    const st = O.stepSchedule(1, { stepSize: 10, gamma: 0.5 });
    expect([st(0), st(9), st(10), st(25)]).toEqual([1, 1, 0.5, 0.25]);
    const ex = O.exponentialSchedule(2, { rate: 0.5, transitionSteps: 4 });
    expect(ex(0)).toBe(2);
    expect(ex(4)).toBeCloseTo(1, 12);
    expect(ex(2)).toBeCloseTo(2 * Math.SQRT1_2, 12);
    const exs = O.exponentialSchedule(2, { rate: 0.5, transitionSteps: 4, staircase: true, endValue: 0.6 });
    expect([exs(3), exs(4), exs(8), exs(100)]).toEqual([2, 1, 0.6, 0.6]);
    const inv = O.inverseSqrtSchedule(1, { timescale: 2 });
    expect(inv(0)).toBe(1);
    expect(inv(6)).toBeCloseTo(0.5, 12); // 1/√(1 + 6/2)
  });

  it("cosine and linear decay", () => {
    const cos = O.cosineSchedule(1, { decaySteps: 100, endValue: 0.1 });
    expect(cos(0)).toBeCloseTo(1, 12);
    expect(cos(50)).toBeCloseTo(0.55, 12); // midpoint of 1 and 0.1
    expect(cos(100)).toBeCloseTo(0.1, 12);
    expect(cos(500)).toBeCloseTo(0.1, 12);
    expect(cos(25)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2), 12);
    const lin = O.linearSchedule(1, { endValue: 0, steps: 10 });
    expect([lin(0), lin(5), lin(10), lin(20)]).toEqual([1, 0.5, 0, 0]);
  });

  it("warmup then any schedule", () => {
    const w = O.warmup(O.cosineSchedule(1, { decaySteps: 10 }), { steps: 4 });
    expect([w(0), w(1), w(2)]).toEqual([0, 0.25, 0.5]);
    expect(w(4)).toBeCloseTo(1, 12);
    expect(w(9)).toBeCloseTo(0.5, 12); // cosine midpoint 5 steps after warmup
    expect(w(14)).toBeCloseTo(0, 12);
    const w2 = O.warmup(O.constantSchedule(0.1), { steps: 10, from: 0.01 });
    expect(w2(5)).toBeCloseTo(0.055, 12);
  });

  it("one-cycle (PyTorch OneCycleLR semantics)", () => {
    const oc = O.oneCycleSchedule({ maxValue: 1, totalSteps: 101, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 });
    // phase 1 ends at 0.3·101 − 1 = 29.3, phase 2 at step 100
    expect(oc(0)).toBeCloseTo(0.04, 12);
    expect(oc(29.3)).toBeCloseTo(1, 12);
    expect(oc(100)).toBeCloseTo(0.04 / 1e4, 12);
    const mid = 29.3 + (100 - 29.3) / 2;
    expect(oc(mid)).toBeCloseTo((1 + 4e-6) / 2, 10);
    const lin = O.oneCycleSchedule({ maxValue: 1, totalSteps: 101, anneal: "linear" });
    expect(lin(29.3 / 2)).toBeCloseTo((0.04 + 1) / 2, 12);
    // the peak is the maximum over all steps
    const vals = Array.from({ length: 101 }, (_, t) => oc(t));
    expect(Math.max(...vals)).toBeLessThanOrEqual(1);
    expect([29, 30]).toContain(vals.indexOf(Math.max(...vals))); // the integer steps around 29.3
  });

  it("warmup–stable–decay with linear, cosine and 1−√ decay", () => {
    const base = { peak: 1, totalSteps: 100, warmupSteps: 10, decaySteps: 20, endValue: 0 };
    const lin = O.warmupStableDecaySchedule(base);
    expect([lin(0), lin(5), lin(10), lin(50), lin(79), lin(80), lin(90), lin(100)]).toEqual([
      0, 0.5, 1, 1, 1, 1, 0.5, 0,
    ]);
    const cos = O.warmupStableDecaySchedule({ ...base, decay: "cosine" });
    expect(cos(90)).toBeCloseTo(0.5, 12);
    const sq = O.warmupStableDecaySchedule({ ...base, decay: "1-sqrt" });
    expect(sq(85)).toBeCloseTo(0.5, 12); // f = 1/4 → 1 − √(1/4)
  });

  it("validates arguments", () => {
    expect(() => O.stepSchedule(1, { stepSize: 0 })).toThrow(/stepSize must be an integer ≥ 1/);
    expect(() => O.cosineSchedule(NaN, { decaySteps: 10 })).toThrow(/init must be a finite number/);
    expect(() => O.oneCycleSchedule({ maxValue: 1, totalSteps: 10, pctStart: 1.5 })).toThrow(/pctStart/);
    expect(() => O.warmupStableDecaySchedule({ peak: 1, totalSteps: 10, warmupSteps: 6, decaySteps: 6 })).toThrow(
      /exceed totalSteps/,
    );
    expect(() => O.linearSchedule(1, { endValue: 0, steps: 10, foo: 1 } as never)).toThrow(/unknown option "foo"/);
    expect(() => O.warmup(1 as never, { steps: 3 })).toThrow(/must be a schedule/);
  });
});
