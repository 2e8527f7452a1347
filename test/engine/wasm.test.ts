import { describe, expect, it } from "vitest";
import type { ClosedFormLandscape } from "../../lib/core/landscape";
import { sweep, sweepSource } from "../../lib/engine/sweep";
import type { SweepSpec } from "../../lib/engine/spec";
import {
  libAdam,
  fxAllOps,
  libBilinear,
  libExtragradient,
  libNoisyQuadratic,
  libQuadratic,
  libRosenbrock,
  libSgd,
} from "./fixtures";

/** Every f64x2-native op (no transcendental functions), with kinks and selects. */
const fxSimdOps: ClosedFormLandscape = {
  name: "fxSimdOps",
  dim: 3,
  value: (o, [x, y, z]) => {
    const a = o.div(o.mul(x, y), o.add(2, o.square(z)));
    const b = o.sqrt(o.add(1, o.square(o.sub(x, y))));
    const c = o.add(o.max(x, y), o.min(y, z));
    const d = o.where(o.gt(x, z), o.abs(o.mul(x, y)), o.neg(o.mul(y, z)));
    const e = o.clip(o.mul(2, x), -0.5, 0.7);
    const f = o.mul(o.add(o.floor(x), o.sign(y)), o.square(z));
    return [a, b, c, d, e, f].reduce((p, q) => o.add(p, q));
  },
};

async function expectSameBits(spec: SweepSpec): Promise<void> {
  const js = await sweep({ ...spec, kernel: "js", workers: 0 });
  const wasm = await sweep({ ...spec, kernel: "wasm", workers: 0 });
  expect(js.kernel).toBe("js");
  expect(wasm.kernel).toBe("wasm");
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => Object.is(v, b[i]));
  expect(same(wasm.finalX, js.finalX)).toBe(true);
  expect(same(wasm.finalLoss, js.finalLoss)).toBe(true);
  expect(Array.from(wasm.divergedAt)).toEqual(Array.from(js.divergedAt));
}

describe("WebAssembly SIMD kernel", () => {
  it("returns the JS kernel's bits: Adam on Rosenbrock over (lr, β₁) — pow through imported Math", async () => {
    await expectSameBits({
      landscape: libRosenbrock,
      optimizer: libAdam,
      init: [-1.5, 2],
      steps: 400,
      grid: { lr: [1e-3, 1e-2, 0.1], b1: [0, 0.5, 0.9] },
    });
  });
  it("hyperparameter tables (1 − β₁ᵗ per distinct β₁) give the same bits as computing per run", async () => {
    const spec: SweepSpec = {
      landscape: libRosenbrock,
      optimizer: libAdam,
      init: [-1.5, 2],
      steps: 300,
      grid: { lr: [1e-3, 1e-2, 0.1], b1: [0, 0.5, 0.9] },
      workers: 0,
    };
    expect(sweepSource(spec).kernel).toMatch(/HT0|rowBase/);
    expect(sweepSource({ ...spec, hyperTables: false }).kernel).not.toMatch(/HT0|rowBase\[0\]/);
    for (const kernel of ["js", "wasm"] as const) {
      const a = await sweep({ ...spec, kernel }),
        b = await sweep({ ...spec, kernel, hyperTables: false });
      expect(Array.from(a.finalX).every((v, k) => Object.is(v, b.finalX[k]))).toBe(true);
    }
  });
  it("returns the JS kernel's bits on every native op, sin/cos/tanh/exp/log, an odd run count and divergence", async () => {
    const lr = Array.from({ length: 23 }, (_, i) => 0.01 * 1.3 ** i);
    await expectSameBits({
      landscape: fxSimdOps,
      optimizer: libSgd,
      init: [0.3, -0.4, 0.8],
      steps: 300,
      grid: { lr },
      bound: 1e4,
    });
    await expectSameBits({ landscape: fxAllOps, optimizer: libAdam, init: [0.3, -0.4, 0.8], steps: 200, grid: { lr } });
    const div = await sweep({
      landscape: libQuadratic([4]),
      optimizer: libSgd,
      init: [1],
      steps: 100,
      grid: { lr },
      bound: 1e3,
      kernel: "wasm",
      workers: 0,
    });
    expect(div.diverged.some((d) => d === 1)).toBe(true);
    await expectSameBits({
      landscape: libQuadratic([4]),
      optimizer: libSgd,
      init: [1],
      steps: 100,
      grid: { lr },
      bound: 1e3,
    });
  });
  it("runs oracle rules, and is bit-identical across workers", async () => {
    const spec: SweepSpec = {
      landscape: libBilinear,
      optimizer: libExtragradient,
      init: [1, 0.5],
      steps: 500,
      grid: { lr: Array.from({ length: 41 }, (_, i) => 0.01 * (i + 1)) },
    };
    await expectSameBits(spec);
    const base = await sweep({ ...spec, kernel: "wasm", workers: 0 });
    const two = await sweep({ ...spec, kernel: "wasm", workers: 2 });
    expect(two.kernel).toBe("wasm");
    expect(Buffer.from(two.finalX.buffer).equals(Buffer.from(base.finalX.buffer))).toBe(true);
  });
  it("is chosen automatically where it applies, and refused with the reason where it does not", async () => {
    expect(sweepSource({ landscape: libRosenbrock, optimizer: libAdam, init: [0, 0], steps: 10 }).backend).toBe("wasm");
    expect(
      sweepSource({ landscape: libRosenbrock, optimizer: libAdam, init: [0, 0], steps: 10, record: { every: 2 } })
        .backend,
    ).toBe("js");
    await expect(
      sweep({ landscape: libNoisyQuadratic, optimizer: libAdam, init: [0], steps: 10, kernel: "wasm" }),
    ).rejects.toThrow(/random draws/);
    await expect(
      sweep({
        landscape: libRosenbrock,
        optimizer: libAdam,
        init: [0, 0],
        steps: 10,
        precision: "float32",
        kernel: "wasm",
      }),
    ).rejects.toThrow(/float32/);
  });
});
