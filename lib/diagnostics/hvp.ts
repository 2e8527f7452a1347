/**
 * Hessian–vector products by double backpropagation (Pearlmutter, "Fast Exact Multiplication by
 * the Hessian", Neural Computation 1994):  H v = ∇_θ ( ∇_θ L(θ) · v ).
 *
 * Works on any tfjs backend once `initBackend()` has installed the library's second-order gradient
 * fixes, and on any parameter tree (`lib/tree.ts`).
 */
import * as tf from "@tensorflow/tfjs";
import { leaves, unflatten, type Tree } from "../tree";

/** A scalar loss of a parameter tree. It must build its value from `params` (not from captured variables). */
export type ParamsLoss = (params: Tree) => tf.Scalar;

/** Which leaves of a parameter tree to keep: a path, a list of paths, a RegExp or a predicate. */
export type LeafSelector = string | readonly string[] | RegExp | ((path: string) => boolean);

/** The leaf paths of `params` (as `leaves` names them, e.g. "w1", "layers[0].b") selected by `sel`. */
export function selectLeaves(params: Tree, sel?: LeafSelector): { paths: string[]; index: number[] } {
  const all = leaves(params).map((l) => l.path);
  if (sel === undefined) return { paths: all, index: all.map((_, i) => i) };
  const pred =
    typeof sel === "string"
      ? (p: string) => p === sel
      : sel instanceof RegExp
        ? (p: string) => sel.test(p)
        : typeof sel === "function"
          ? sel
          : (p: string) => (sel as readonly string[]).includes(p);
  if (typeof sel === "string" || Array.isArray(sel)) {
    const want = typeof sel === "string" ? [sel] : (sel as string[]);
    const missing = want.filter((w) => !all.includes(w));
    if (missing.length) throw new Error(`no parameter leaf named ${missing.join(", ")}; leaves are: ${all.join(", ")}`);
  }
  const index = all.map((p, i) => (pred(p) ? i : -1)).filter((i) => i >= 0);
  if (!index.length) throw new Error(`the selector matches no parameter leaf; leaves are: ${all.join(", ")}`);
  return { paths: index.map((i) => all[i]), index };
}

/**
 * Gradient of `lossFn` with respect to the leaves `index` of `params` (all leaves by default),
 * the other leaves held fixed. Returns one tensor per selected leaf.
 */
export function gradLeaves(lossFn: ParamsLoss, params: Tree, index?: number[]): tf.Tensor[] {
  const xs = leaves(params).map((l) => l.leaf);
  const idx = index ?? xs.map((_, i) => i);
  const f = (...ys: tf.Tensor[]) => {
    const full = xs.slice();
    idx.forEach((k, i) => (full[k] = ys[i]));
    return checkScalar(lossFn(unflatten(params, full)));
  };
  return tf.grads(f)(idx.map((k) => xs[k]));
}

function checkScalar(y: tf.Tensor): tf.Scalar {
  if (!(y instanceof tf.Tensor) || y.rank !== 0) {
    throw new Error(
      `lossFn must return a scalar tensor, got ${y instanceof tf.Tensor ? `shape [${y.shape}]` : String(y)}`,
    );
  }
  return y as tf.Scalar;
}

/**
 * Hessian–vector products for the leaves `index` of `params`: returns H_SS v_S for each v in `vs`
 * (each a list of tensors shaped like the selected leaves). H v = ∇(∇L · v) by double backprop.
 */
export function hvpLeaves(lossFn: ParamsLoss, params: Tree, v: readonly tf.Tensor[], index?: number[]): tf.Tensor[] {
  const xs = leaves(params).map((l) => l.leaf);
  const idx = index ?? xs.map((_, i) => i);
  if (v.length !== idx.length) throw new Error(`hvp: ${v.length} vector blocks for ${idx.length} parameter leaves`);
  idx.forEach((k, i) => {
    const a = xs[k].shape,
      b = v[i].shape;
    if (a.length !== b.length || a.some((d, j) => d !== b[j])) {
      throw new Error(`hvp: vector block ${i} has shape [${b}] but its parameter leaf has shape [${a}]`);
    }
  });
  return tf.tidy(() => {
    const f = (...ys: tf.Tensor[]) => {
      const full = xs.slice();
      idx.forEach((k, i) => (full[k] = ys[i]));
      return checkScalar(lossFn(unflatten(params, full)));
    };
    const gradDotV = (...ys: tf.Tensor[]) => {
      const gs = tf.grads(f)(ys);
      return tf.addN(gs.map((g, i) => tf.sum(tf.mul(g, v[i])))) as tf.Scalar;
    };
    return tf.grads(gradDotV)(idx.map((k) => xs[k]));
  });
}

/**
 * H v for a parameter tree: `v` has the structure of `params`, and so has the result (new tensors;
 * dispose them). H = ∇²L(θ) at θ = `params`.
 */
export function hvp(lossFn: ParamsLoss, params: Tree, v: Tree): Tree {
  const pl = leaves(params),
    vl = leaves(v);
  if (pl.length !== vl.length || pl.some((l, i) => l.path !== vl[i].path)) {
    throw new Error(
      `hvp: v must have the structure of params ([${pl.map((l) => l.path)}] vs [${vl.map((l) => l.path)}])`,
    );
  }
  return unflatten(
    params,
    hvpLeaves(
      lossFn,
      params,
      vl.map((l) => l.leaf),
    ),
  );
}
