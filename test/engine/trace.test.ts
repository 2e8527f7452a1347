import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { numOps, tfOps } from "../../lib/core/ops";
import { compileGradient, compileValue } from "../../lib/engine/compiled";
import { Graph, traceOps } from "../../lib/engine/trace";
import { Rng } from "../../lib/rng";
import { fxAllOps, libRosenbrock } from "./fixtures";

const ctxNum = { uniform: () => 0.5, normal: () => 0, t: 1 };

describe("tracer", () => {
  it("shares common subexpressions and folds constants", () => {
    const g = new Graph();
    const o = traceOps(g);
    const x = g.input({ kind: "x", index: 0 }),
      y = g.input({ kind: "x", index: 1 });
    const a = o.mul(x, y),
      b = o.mul(y, x);
    expect(a).toBe(b); // commutative CSE
    expect(o.add(o.sqrt(x), 1)).toBe(o.add(1, o.sqrt(x)));
    const c = o.sub(1, o.mul(0.5, 0.2)); // folded to 0.9
    expect(c.op).toBe("const");
    expect(c.value).toBe(1 - 0.5 * 0.2);
    expect(o.mul(x, 1)).toBe(x);
    // only identities exact for signed zeros: x + (−0) and x − (+0) are x, x + 0 is not (−0 + 0 = +0)
    expect(o.add(-0, x)).toBe(x);
    expect(o.sub(x, 0)).toBe(x);
    expect(o.add(0, x).op).toBe("add");
    expect(o.sub(0, x).op).toBe("sub");
    expect(o.sub(-0, x)).toBe(o.neg(x));
    expect(o.neg(o.neg(x))).toBe(x);
  });
  it("float32 graphs fold with single-precision rounding", () => {
    const g = new Graph("float32");
    const c = traceOps(g).div(1, 3);
    expect(c.value).toBe(Math.fround(Math.fround(1) / Math.fround(3)));
  });
  it("refuses JavaScript control flow on traced values, naming the fix", () => {
    const g = new Graph();
    const x = g.input({ kind: "x", index: 0 });
    expect(() => (x as unknown as number) > 0).toThrow(/use Ops/);
  });
  it("compiled value equals the formula evaluated on plain numbers, bit for bit", () => {
    const f = compileValue(fxAllOps);
    const rng = new Rng(3);
    for (let k = 0; k < 50; k++) {
      const p = [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)];
      expect(f(p)).toBe(fxAllOps.value(numOps, p, ctxNum));
    }
  });
});

describe("symbolic reverse mode", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });
  it("matches central finite differences on every op", () => {
    const grad = compileGradient(fxAllOps);
    const f = (p: number[]) => fxAllOps.value(numOps, p, ctxNum);
    const rng = new Rng(11);
    let checked = 0;
    for (let k = 0; k < 40; k++) {
      const p = [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)];
      // Stay away from kinks (max/min/where/clip/abs/floor switch points) where FD is meaningless.
      const kinks = [
        p[0] - p[1],
        p[1] - p[2],
        p[0] - p[2],
        2 * p[0] + 0.5,
        2 * p[0] - 0.7,
        p[2] - 0.1,
        p[1],
        (0.1 * p[0]) % 1,
      ];
      if (kinks.some((d) => Math.abs(d) < 1e-3)) continue;
      const gr = grad(p);
      for (let i = 0; i < 3; i++) {
        const h = 1e-6;
        const pp = [...p],
          pm = [...p];
        pp[i] += h;
        pm[i] -= h;
        const fd = (f(pp) - f(pm)) / (2 * h);
        expect(Math.abs(gr[i] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
  it("matches Rosenbrock's closed-form gradient", () => {
    const grad = compileGradient(libRosenbrock);
    for (const [x, y] of [
      [-1.5, 2],
      [0.3, -0.7],
      [1, 1],
    ]) {
      const gx = -2 * (1 - x) - 400 * x * (y - x * x),
        gy = 200 * (y - x * x);
      const [ax, ay] = grad([x, y]);
      expect(Math.abs(ax - gx)).toBeLessThan(1e-12 * (1 + Math.abs(gx)));
      expect(Math.abs(ay - gy)).toBeLessThan(1e-12 * (1 + Math.abs(gy)));
    }
  });
  it("matches tfjs autodiff of the same definition (float32)", async () => {
    const grad = compileGradient(fxAllOps, "float32");
    const rng = new Rng(5);
    const pts = Array.from({ length: 20 }, () => [rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2)]);
    const cols = [0, 1, 2].map((i) => tf.tensor1d(pts.map((p) => p[i])));
    const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(
        fxAllOps.value(tfOps, [a, b, c], { ...ctxNum, uniform: () => tf.scalar(0.5), normal: () => tf.scalar(0) }),
      ),
    )(cols);
    const vals = await Promise.all(gs.map((t) => t.data()));
    pts.forEach((p, k) => {
      const e = grad(p.map(Math.fround));
      for (let i = 0; i < 3; i++) expect(Math.abs(e[i] - vals[i][k])).toBeLessThan(1e-4 * (1 + Math.abs(vals[i][k])));
    });
    tf.dispose([...cols, ...gs]);
  });
});
