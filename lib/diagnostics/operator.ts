/**
 * Curvature operators: a symmetric linear map given only by its size and matrix–vector product,
 * on float64 host vectors. Every algorithm in `lib/diagnostics` (Lanczos, power iteration, SLQ,
 * Hutchinson / Hutch++, dense eigendecomposition) takes one, so they run unchanged on the Hessian
 * of any loss, a per-layer block of it, the Gauss–Newton matrix, or an explicit matrix
 * (the design of curvlinops and hessian-eigenthings).
 */
import * as tf from "@tensorflow/tfjs";
import { leaves, unflatten, type Tree } from "../tree";
import { gradLeaves, hvpLeaves, selectLeaves, type LeafSelector, type ParamsLoss } from "./hvp";
import { matVec, toDense, type DenseMatrix } from "../linalg/eigen";

export interface CurvatureOperator {
  /** Dimension d of the (square) operator. */
  readonly size: number;
  /** A v for a float64 host vector of length `size`. */
  matvec(v: Float64Array): Promise<Float64Array>;
  /** Short description for reports and errors. */
  readonly name?: string;
}

/** A curvature operator over (a block of) a parameter tree; vectors are in the tree's `ravel` order. */
export interface ParameterOperator extends CurvatureOperator {
  /** Paths of the leaves the operator acts on, in vector order. */
  readonly paths: readonly string[];
  /** Shapes of those leaves. */
  readonly shapes: readonly number[][];
  /** Number of matrix–vector products performed so far. */
  readonly matvecs: number;
  /** Splits a flat vector into one tensor per selected leaf (caller disposes). */
  toTensors(v: Float64Array): tf.Tensor[];
}

function checkVector(v: Float64Array, size: number, who: string): void {
  if (v.length !== size) throw new Error(`${who}: vector of length ${v.length}, operator has size ${size}`);
}

/** A dense explicit symmetric matrix (number[][], row-major Float64Array, or DenseMatrix) as an operator. */
export function matrixOperator(a: number[][] | Float64Array | DenseMatrix, size?: number): CurvatureOperator {
  const A = toDense(a, size);
  return {
    size: A.n,
    name: `matrix ${A.n}×${A.n}`,
    matvec: async (v) => {
      checkVector(v, A.n, "matrixOperator");
      return matVec(A, v);
    },
  };
}

/** Any symmetric linear map given by its size and product. */
export function linearOperator(
  size: number,
  matvec: (v: Float64Array) => Float64Array | Promise<Float64Array>,
  name = "linear operator",
): CurvatureOperator {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`linearOperator: size must be a positive integer, got ${size}`);
  return {
    size,
    name,
    matvec: async (v) => {
      checkVector(v, size, name);
      const y = await matvec(v);
      checkVector(y, size, `${name} (result)`);
      return y;
    },
  };
}

/**
 * The principal sub-matrix A[I, I] of an operator on the coordinates `indices` (P A Pᵀ with P the
 * coordinate selection): per-block curvature for operators that are not Hessians of a tree.
 */
export function restrictOperator(op: CurvatureOperator, indices: ArrayLike<number>): CurvatureOperator {
  const idx = Int32Array.from(indices as ArrayLike<number>);
  idx.forEach((i) => {
    if (!(i >= 0 && i < op.size)) throw new Error(`restrictOperator: index ${i} outside [0, ${op.size})`);
  });
  return {
    size: idx.length,
    name: `${op.name ?? "operator"} restricted to ${idx.length} coordinates`,
    matvec: async (v) => {
      checkVector(v, idx.length, "restrictOperator");
      const full = new Float64Array(op.size);
      idx.forEach((k, i) => (full[k] = v[i]));
      const y = await op.matvec(full);
      return Float64Array.from(idx, (k) => y[k]);
    },
  };
}

function splitToTensors(v: Float64Array, shapes: readonly number[][]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  let off = 0;
  for (const s of shapes) {
    const n = s.reduce((a, b) => a * b, 1);
    out.push(tf.tensor(Float32Array.from(v.subarray(off, off + n)), s, "float32"));
    off += n;
  }
  return out;
}

async function concatToHost(ts: tf.Tensor[], size: number): Promise<Float64Array> {
  const flat = tf.tidy(() => tf.concat(ts.map((t) => t.reshape([-1]))));
  tf.dispose(ts);
  try {
    const d = await flat.data();
    const out = Float64Array.from(d);
    checkVector(out, size, "operator result");
    return out;
  } finally {
    flat.dispose();
  }
}

function parameterOperatorBase(params: Tree, block: LeafSelector | undefined) {
  const { paths, index } = selectLeaves(params, block);
  const all = leaves(params);
  const shapes = index.map((i) => all[i].leaf.shape.slice());
  const size = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  return { paths, index, shapes, size };
}

/**
 * The Hessian H = ∇²L(θ) of `lossFn` at `params` (or its diagonal block for the leaves picked by
 * `block`, e.g. `"w1"` or `/^layer2\./`: H_SS, with the other leaves fixed), as an operator whose
 * products are Hessian–vector products by double backprop.
 */
export function hessianOperator(
  lossFn: ParamsLoss,
  params: Tree,
  opts: { block?: LeafSelector } = {},
): ParameterOperator {
  const { paths, index, shapes, size } = parameterOperatorBase(params, opts.block);
  let count = 0;
  return {
    size,
    paths,
    shapes,
    name: `Hessian${opts.block !== undefined ? ` block [${paths.join(", ")}]` : ""} (d = ${size})`,
    get matvecs() {
      return count;
    },
    toTensors: (v) => splitToTensors(v, shapes),
    matvec: async (v) => {
      checkVector(v, size, "hessianOperator");
      count++;
      const hv = tf.tidy(() => {
        const vt = splitToTensors(v, shapes);
        return hvpLeaves(lossFn, params, vt, index);
      });
      return concatToHost(hv, size);
    },
  };
}

/**
 * The generalised Gauss–Newton matrix G = Jᵀ H_z J (Schraudolph 2002; Martens 2020, "New Insights
 * and Perspectives on the Natural Gradient Method"), where z = `model(params)` are the network
 * outputs, J = ∂z/∂θ and H_z = ∇²_z ℓ(z) the Hessian of `outputLoss` in the outputs. For softmax
 * cross-entropy (and squared error) G equals the Fisher information matrix. PSD whenever ℓ is
 * convex in z.
 *
 * Products: J v by the double-vjp trick (J v = ∇_w ⟨Jᵀw, v⟩, with Jᵀw a vjp), H_z(Jv) by double
 * backprop on ℓ, then a vjp for Jᵀ(·).
 */
export function ggnOperator(
  model: (params: Tree) => tf.Tensor,
  outputLoss: (z: tf.Tensor) => tf.Scalar,
  params: Tree,
  opts: { block?: LeafSelector } = {},
): ParameterOperator {
  const { paths, index, shapes, size } = parameterOperatorBase(params, opts.block);
  const xs = leaves(params).map((l) => l.leaf);
  let count = 0;
  const modelOf = (ys: tf.Tensor[]) => {
    const full = xs.slice();
    index.forEach((k, i) => (full[k] = ys[i]));
    return model(unflatten(params, full));
  };
  return {
    size,
    paths,
    shapes,
    name: `Gauss–Newton${opts.block !== undefined ? ` block [${paths.join(", ")}]` : ""} (d = ${size})`,
    get matvecs() {
      return count;
    },
    toTensors: (v) => splitToTensors(v, shapes),
    matvec: async (v) => {
      checkVector(v, size, "ggnOperator");
      count++;
      const out = tf.tidy(() => {
        const vt = splitToTensors(v, shapes);
        const theta = index.map((k) => xs[k]);
        const z = tf.tidy(() => modelOf(theta));
        // J v via ∇_w ⟨Jᵀ w, v⟩ (w is a dummy cotangent; the result does not depend on it).
        const w0 = tf.zerosLike(z);
        const jv = tf.grad((w: tf.Tensor) => {
          const jtw = tf.grads((...ys: tf.Tensor[]) => modelOf(ys))(theta, w);
          return tf.addN(jtw.map((g, i) => tf.sum(tf.mul(g, vt[i])))) as tf.Scalar;
        })(w0);
        // H_z (J v) by double backprop on the output loss at z.
        const zc = z.clone();
        const hz = tf.grad((zz: tf.Tensor) => tf.sum(tf.mul(tf.grad(outputLoss)(zz), jv)) as tf.Scalar)(zc);
        // Jᵀ (H_z J v) by a vjp.
        return tf.grads((...ys: tf.Tensor[]) => modelOf(ys))(theta, hz);
      });
      return concatToHost(out, size);
    },
  };
}

/**
 * The empirical Fisher F = (1/n) Σ_i g_i g_iᵀ with g_i = ∇_θ ℓ_i(θ) the per-example gradients
 * (Martens 2020 and Kunstner, Balles & Hennig, "Limitations of the empirical Fisher approximation
 * for natural gradient descent", NeurIPS 2019, on how it differs from the Fisher/GGN). The n
 * gradients are computed once (one vjp per example, on first use) and kept as an [n, d] tensor, so
 * F v = Gᵀ(G v)/n costs two matrix–vector products; call `dispose()` when done.
 */
export function empiricalFisherOperator(
  lossOnExample: (params: Tree, index: number) => tf.Scalar,
  params: Tree,
  numExamples: number,
  opts: { block?: LeafSelector } = {},
): ParameterOperator & { dispose(): void } {
  if (!Number.isInteger(numExamples) || numExamples < 1)
    throw new Error(`empiricalFisherOperator: numExamples must be a positive integer, got ${numExamples}`);
  const { paths, index, shapes, size } = parameterOperatorBase(params, opts.block);
  let G: tf.Tensor2D | undefined;
  let count = 0;
  const build = () =>
    tf.tidy(() => {
      const rows: tf.Tensor[] = [];
      for (let i = 0; i < numExamples; i++) {
        const g = gradLeaves((p) => lossOnExample(p, i), params, index);
        rows.push(tf.concat(g.map((t) => t.reshape([-1]))));
      }
      return tf.stack(rows) as tf.Tensor2D;
    });
  return {
    size,
    paths,
    shapes,
    name: `empirical Fisher${opts.block !== undefined ? ` block [${paths.join(", ")}]` : ""} (d = ${size}, n = ${numExamples})`,
    get matvecs() {
      return count;
    },
    toTensors: (v) => splitToTensors(v, shapes),
    matvec: async (v) => {
      checkVector(v, size, "empiricalFisherOperator");
      count++;
      G ??= build();
      const g = G;
      const out = tf.tidy(() => {
        const u = tf.matMul(g, tf.tensor2d(Float32Array.from(v), [size, 1])); // [n, 1]
        return tf.div(tf.matMul(u.reshape([1, numExamples]), g), numExamples).reshape([size]);
      });
      return concatToHost([out], size);
    },
    dispose: () => {
      G?.dispose();
      G = undefined;
    },
  };
}

/**
 * The dense matrix of an operator, column by column (A e_i for each basis vector), symmetrised as
 * (A + Aᵀ)/2 to remove float32 round-off asymmetry. `maxSize` guards against accidental O(d²)
 * memory (default 4000).
 */
export async function denseMatrix(
  op: CurvatureOperator,
  opts: { maxSize?: number; symmetrize?: boolean } = {},
): Promise<DenseMatrix> {
  const maxSize = opts.maxSize ?? 4000;
  const n = op.size;
  if (n > maxSize) {
    throw new Error(
      `denseMatrix: operator of size ${n} exceeds maxSize ${maxSize} (d² = ${n * n} entries); use Lanczos / SLQ instead`,
    );
  }
  const data = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e[j] = 1;
    const col = await op.matvec(e);
    e[j] = 0;
    for (let i = 0; i < n; i++) data[i * n + j] = col[i];
  }
  if (opts.symmetrize ?? true) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const m = 0.5 * (data[i * n + j] + data[j * n + i]);
        data[i * n + j] = m;
        data[j * n + i] = m;
      }
    }
  }
  return { n, data };
}
