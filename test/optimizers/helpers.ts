/**
 * Test helpers for the optimizer tests: trees of mixed shapes built from flat float32 data, a
 * driver that runs a transform for a given gradient sequence, and comparison with tolerances.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { applyUpdates, type GradientTransformation } from "../../lib/optimizers";
import { disposeTree, flatten, unflatten, type Tree } from "../../lib/tree";
import { Rng } from "../../lib/rng";

/** A template of mixed shapes: a matrix, a vector, a scalar and a nested 3-D leaf. */
export const MIXED: Tree<number[]> = { w: [3, 4], b: [4], s: [], deep: [[2, 1, 3]] };

/** A leaf of a shape template: an array of numbers (a shape), as opposed to an array of subtrees. */
function isShape(t: Tree<number[]>): t is number[] {
  if (!Array.isArray(t)) return false;
  const items: readonly unknown[] = t;
  return items.every((x) => typeof x === "number");
}

function shapesOf(template: Tree<number[]>): number[][] {
  if (isShape(template)) return [template];
  if (Array.isArray(template)) return template.flatMap(shapesOf);
  return Object.keys(template)
    .sort()
    .flatMap((k) => shapesOf(template[k]));
}

export function sizeOf(template: Tree<number[]>): number {
  return shapesOf(template).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
}

/** Builds a tree of tensors shaped like `template` from flat data (in `leaves` order). */
export function treeFrom(template: Tree<number[]>, flat: ArrayLike<number>): Tree {
  const shapes = shapesOf(template);
  let off = 0;
  const ts = shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const t = tf.tensor(Float32Array.from(Array.prototype.slice.call(flat, off, off + n)), s, "float32");
    off += n;
    return t;
  });
  const build = (t: Tree<number[]>): Tree => {
    if (isShape(t)) return ts.shift()!;
    if (Array.isArray(t)) return t.map(build);
    const o: Record<string, Tree> = {};
    for (const k of Object.keys(t).sort()) o[k] = build(t[k]);
    return o;
  };
  return build(template);
}

/** All leaves concatenated (in `leaves` order), as float64. */
export async function flatOf(tree: Tree): Promise<Float64Array> {
  const parts = await Promise.all(flatten(tree).map((t) => t.data()));
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Float64Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p as Float32Array, off);
    off += p.length;
  }
  return out;
}

/** Float32-representable random data (so both paths see the very same inputs). */
export function f32Normals(rng: Rng, n: number, std = 1): Float64Array {
  return Float64Array.from(Float32Array.from(rng.normalArray(n, 0, std)));
}

/**
 * Runs `opt` for `grads.length` steps from `p0` with the given gradient sequence; returns the
 * parameter trajectory (after each step) as float64 arrays. Frees everything it makes.
 */
export async function runTransform(
  opt: GradientTransformation,
  template: Tree<number[]>,
  p0: ArrayLike<number>,
  grads: ArrayLike<number>[],
): Promise<Float64Array[]> {
  let p = treeFrom(template, p0);
  let s = opt.init(p);
  const out: Float64Array[] = [];
  for (const gFlat of grads) {
    const g = treeFrom(template, gFlat);
    const r = opt.update(g, s, p);
    const np = applyUpdates(p, r.updates);
    disposeTree([g, s, r.updates, p]);
    s = r.state;
    p = np;
    out.push(await flatOf(p));
  }
  disposeTree([p, s]);
  return out;
}

/** Elementwise |a − b| ≤ atol + rtol·|b|, with a message naming the worst coordinate. */
export function expectClose(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  let worst = -1,
    worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: coordinate ${worst}: got ${a[worst]}, expected ${b[worst]} (|Δ| = ${Math.abs(a[worst] - b[worst])})`,
    );
  }
}

export { unflatten };
