/**
 * Parameter trees: a tensor, or arrays / plain objects of trees (optax's pytrees, in TypeScript).
 * Optimizers, `minimize` and the diagnostics all walk trees with these helpers, so a model's
 * parameters can be `{ w1, b1, w2, b2 }`, `[x, y]` or a single tensor.
 */
import * as tf from "@tensorflow/tfjs";

export type Tree<L = tf.Tensor> = L | Tree<L>[] | { [key: string]: Tree<L> };

function isLeaf(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** Leaves in a fixed order (object keys sorted), with their paths for error messages. */
export function leaves<L = tf.Tensor>(
  tree: Tree<L>,
  path = "",
  isL: (x: unknown) => boolean = isLeaf,
): { path: string; leaf: L }[] {
  if (isL(tree)) return [{ path: path || "<root>", leaf: tree as L }];
  if (Array.isArray(tree)) return tree.flatMap((t, i) => leaves(t, `${path}[${i}]`, isL));
  if (tree !== null && typeof tree === "object") {
    return Object.keys(tree)
      .sort()
      .flatMap((k) => leaves((tree as Record<string, Tree<L>>)[k], path ? `${path}.${k}` : k, isL));
  }
  throw new Error(`tree: expected a tensor, array or object at ${path || "<root>"}, got ${String(tree)}`);
}

/** The tensors of a tree, in `leaves` order. */
export function flatten(tree: Tree): tf.Tensor[] {
  return leaves(tree).map((l) => l.leaf);
}

/** Rebuilds a tree with the structure of `like` from leaves in `leaves` order. */
export function unflatten<L = tf.Tensor>(like: Tree<unknown>, flat: L[]): Tree<L> {
  let i = 0;
  const build = (t: Tree<unknown>): Tree<L> => {
    if (isLeaf(t)) return flat[i++];
    if (Array.isArray(t)) return t.map(build);
    const out: Record<string, Tree<L>> = {};
    for (const k of Object.keys(t as object).sort()) out[k] = build((t as Record<string, Tree<unknown>>)[k]);
    return out;
  };
  const out = build(like);
  if (i !== flat.length) throw new Error(`tree: unflatten got ${flat.length} leaves for a tree of ${i}`);
  return out;
}

/** Throws a clear error unless `a` and `b` have the same structure and leaf shapes. */
export function assertSameStructure(a: Tree, b: Tree, what = "trees"): void {
  const la = leaves(a),
    lb = leaves(b);
  if (la.length !== lb.length || la.some((l, i) => l.path !== lb[i].path)) {
    throw new Error(
      `${what} do not match: [${la.map((l) => l.path).join(", ")}] vs [${lb.map((l) => l.path).join(", ")}]`,
    );
  }
  la.forEach((l, i) => {
    const sa = l.leaf.shape,
      sb = lb[i].leaf.shape;
    if (sa.length !== sb.length || sa.some((d, j) => d !== sb[j])) {
      throw new Error(`${what} do not match at ${l.path}: shape [${sa}] vs [${sb}]`);
    }
  });
}

/** Applies `f` to every leaf (zipping further trees of the same structure). */
export function treeMap(f: (...xs: tf.Tensor[]) => tf.Tensor, tree: Tree, ...rest: Tree[]): Tree {
  rest.forEach((r, i) => assertSameStructure(tree, r, `tree argument ${i + 2} and the first`));
  const flats = rest.map(flatten);
  const out = flatten(tree).map((x, i) => f(x, ...flats.map((fl) => fl[i])));
  return unflatten(tree, out);
}

/** Disposes every tensor in a tree (or any nested value holding tensors). */
export function disposeTree(tree: unknown): void {
  if (tree instanceof tf.Tensor) tree.dispose();
  else if (Array.isArray(tree)) tree.forEach(disposeTree);
  else if (tree !== null && typeof tree === "object") Object.values(tree).forEach(disposeTree);
}

/** Number of scalar entries in a tree. */
export function treeSize(tree: Tree): number {
  return flatten(tree).reduce((n, t) => n + t.size, 0);
}

/** Concatenates all leaves into one flat vector (in `leaves` order). */
export function ravel(tree: Tree): tf.Tensor1D {
  return tf.tidy(() => tf.concat(flatten(tree).map((t) => t.reshape([-1])))) as tf.Tensor1D;
}

/** Splits a flat vector back into a tree shaped like `like`. */
export function unravel(like: Tree, flat: tf.Tensor): Tree {
  const ls = flatten(like);
  const total = ls.reduce((n, t) => n + t.size, 0);
  if (flat.size !== total) throw new Error(`unravel: vector of ${flat.size} entries for a tree of ${total}`);
  return tf.tidy(() => {
    const parts = tf.split(
      flat.reshape([-1]),
      ls.map((t) => t.size),
    );
    return unflatten(
      like,
      parts.map((p, i) => p.reshape(ls[i].shape)),
    );
  });
}
