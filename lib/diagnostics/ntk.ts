/**
 * Empirical neural tangent kernel of a model f(θ, x) ∈ ℝ^O (Jacot, Gabriel & Hongler, "Neural
 * Tangent KernelMatrix", NeurIPS 2018):
 *
 *   Θ(x, x')_{kl} = Σ_p ∂f_k(θ, x)/∂θ_p · ∂f_l(θ, x')/∂θ_p = (J(x) J(x')ᵀ)_{kl}.
 *
 * Two exact implementations that are checked against each other (as in neural-tangents, Novak et
 * al., "Fast Finite Width Neural Tangent KernelMatrix", ICML 2022):
 *  - "jacobian": per-example Jacobians (one vjp per example and output) contracted on the backend;
 *  - "ntvp": columns of Θ from NTK–vector products Θ v = J₁ (J₂ᵀ v), J₂ᵀv by a vjp and J₁u by the
 *    double-vjp trick (J u = ∇_w ⟨Jᵀ w, u⟩), never forming J.
 * plus the pseudo-NTK of Mohamadi, Bae & Sutherland ("A Fast, Well-Founded Approximation to the Empirical
 * Neural Tangent KernelMatrix", ICML 2023), and kernel alignment / kernel change between snapshots.
 *
 * The model must treat examples independently (no batch statistics): f(θ, X)[i] = f(θ, X[i]).
 */
import * as tf from "@tensorflow/tfjs";
import { leaves, unflatten, type Tree } from "../tree";
import { selectLeaves, type LeafSelector } from "./hvp";

/** f(θ, x): a batch of inputs [n, …] to outputs [n, O] (or [n] for O = 1). */
export type NtkModel = (params: Tree, x: tf.Tensor) => tf.Tensor;

/** A kernel on the host: row-major float64 data with its shape ([n1, n2] or [n1, n2, O, O]). */
export interface KernelMatrix {
  data: Float64Array;
  shape: number[];
}

export interface NtkOptions {
  /** "jacobian" (default) or "ntvp"; both exact. */
  implementation?: "jacobian" | "ntvp";
  /**
   * "trace" (default): Θ_ij = Σ_k Θ(x_i, x'_j)_{kk}, shape [n1, n2] (neural-tangents'
   * trace_axes=(-1,)); "full": shape [n1, n2, O, O].
   */
  outputs?: "trace" | "full";
  /** Restrict θ to some parameter leaves (a per-layer NTK). */
  block?: LeafSelector;
  /** Upper bound on stored Jacobian entries for "jacobian" (default 2^26 ≈ 67M floats = 256 MB). */
  maxJacobianEntries?: number;
}

function outputsOf(y: tf.Tensor, n: number): number {
  if (y.rank === 1 && y.shape[0] === n) return 1;
  if (y.rank === 2 && y.shape[0] === n) return y.shape[1] as number;
  throw new Error(`model must map a batch of ${n} inputs to outputs of shape [${n}] or [${n}, O], got [${y.shape}]`);
}

function modelOnLeaves(f: NtkModel, params: Tree, index: number[]) {
  const xs = leaves(params).map((l) => l.leaf);
  return {
    theta: index.map((k) => xs[k]),
    apply: (ys: tf.Tensor[], x: tf.Tensor) => {
      const full = xs.slice();
      index.forEach((k, i) => (full[k] = ys[i]));
      const y = f(unflatten(params, full), x);
      return y.rank === 1 ? y.reshape([-1, 1]) : y;
    },
  };
}

function numExamples(x: tf.Tensor, what: string): number {
  if (x.rank < 1 || x.shape[0] < 1) throw new Error(`${what} must have a leading batch axis, got shape [${x.shape}]`);
  return x.shape[0];
}

/** Output dimension O of `f` on `x` (one forward pass). */
function probeOutputs(f: NtkModel, params: Tree, x: tf.Tensor): number {
  const n = numExamples(x, "x");
  return tf.tidy(() => outputsOf(f(params, x), n));
}

/**
 * Per-example Jacobian rows for output `k` of every example of `x`: a tensor [n, P] whose row i is
 * ∂f_k(θ, x_i)/∂θ, built with one vjp per example (cotangent e_k, or `cotangent` if given, on a batch of one).
 */
function jacobianRows(
  apply: (ys: tf.Tensor[], x: tf.Tensor) => tf.Tensor,
  theta: tf.Tensor[],
  x: tf.Tensor,
  k: number,
  O: number,
  cotangent?: tf.Tensor,
): tf.Tensor2D {
  const n = x.shape[0];
  return tf.tidy(() => {
    // e_k as a [1, O] row (tf.oneHot refuses depth 1, i.e. scalar models).
    const dy =
      cotangent ??
      tf.tensor2d(
        Float32Array.from({ length: O }, (_, j) => (j === k ? 1 : 0)),
        [1, O],
      );
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const xi = x.slice(i, 1);
      const g = tf.grads((...ys: tf.Tensor[]) => apply(ys, xi))(theta, dy);
      rows.push(tf.concat(g.map((t) => t.reshape([-1]))));
    }
    return tf.stack(rows) as tf.Tensor2D;
  });
}

/**
 * Empirical NTK between the batches `x1` and `x2` (default x2 = x1). See the module comment for the
 * formula and the two implementations; returns float64 host data.
 */
export async function empiricalNtk(
  f: NtkModel,
  params: Tree,
  x1: tf.Tensor,
  x2?: tf.Tensor,
  opts: NtkOptions = {},
): Promise<KernelMatrix> {
  const impl = opts.implementation ?? "jacobian";
  const outputs = opts.outputs ?? "trace";
  if (impl !== "jacobian" && impl !== "ntvp")
    throw new Error(`empiricalNtk: implementation must be "jacobian" or "ntvp", got ${JSON.stringify(impl)}`);
  if (outputs !== "trace" && outputs !== "full")
    throw new Error(`empiricalNtk: outputs must be "trace" or "full", got ${JSON.stringify(outputs)}`);
  const same = x2 === undefined || x2 === x1;
  const xb = x2 ?? x1;
  const n1 = numExamples(x1, "x1"),
    n2 = numExamples(xb, "x2");
  const O = probeOutputs(f, params, x1);
  const O2 = same ? O : tf.tidy(() => probeOutputs(f, params, xb.slice(0, 1)));
  if (O2 !== O) throw new Error(`empiricalNtk: model gives ${O} outputs on x1 but ${O2} on x2`);
  const { index } = selectLeaves(params, opts.block);
  const { theta, apply } = modelOnLeaves(f, params, index);
  const P = theta.reduce((s, t) => s + t.size, 0);
  const shape = outputs === "trace" ? [n1, n2] : [n1, n2, O, O];
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));

  if (impl === "jacobian") {
    const maxEntries = opts.maxJacobianEntries ?? 2 ** 26;
    const need = (outputs === "full" ? O : 1) * (n1 + (same ? 0 : n2)) * P;
    if (need > maxEntries) {
      throw new Error(
        `empiricalNtk: the Jacobians need ${need} stored entries (> maxJacobianEntries ${maxEntries}); ` +
          `use outputs: "trace", fewer examples, a parameter block, or implementation: "ntvp"`,
      );
    }
    if (outputs === "trace") {
      // Σ_k J_k(x1) J_k(x2)ᵀ, one output at a time so only [n, P] rows are alive.
      let acc = tf.zeros([n1, n2]);
      for (let k = 0; k < O; k++) {
        const next = tf.tidy(() => {
          const a = jacobianRows(apply, theta, x1, k, O);
          const b = same ? a : jacobianRows(apply, theta, xb, k, O);
          return tf.add(acc, tf.matMul(a, tf.transpose(b)));
        });
        acc.dispose();
        acc = next;
      }
      const d = await acc.data();
      acc.dispose();
      data.set(d);
    } else {
      // Rows ordered (i, k); Θ[(i,k),(j,l)] = J1[(i,k)] · J2[(j,l)].
      const gram = tf.tidy(() => {
        const perOut1 = Array.from({ length: O }, (_, k) => jacobianRows(apply, theta, x1, k, O));
        const perOut2 = same ? perOut1 : Array.from({ length: O }, (_, k) => jacobianRows(apply, theta, xb, k, O));
        const J1 = tf.stack(perOut1, 1).reshape([n1 * O, P]);
        const J2 = tf.stack(perOut2, 1).reshape([n2 * O, P]);
        // [n1 O, n2 O] → [n1, O, n2, O] → [n1, n2, O, O]
        return tf.matMul(J1, tf.transpose(J2)).reshape([n1, O, n2, O]).transpose([0, 2, 1, 3]);
      });
      const d = await gram.data();
      gram.dispose();
      data.set(d);
    }
    return { data, shape };
  }

  // "ntvp": Θ e_(j,l) for each basis vector of the second batch's output space.
  for (let j = 0; j < n2; j++) {
    for (let l = 0; l < O; l++) {
      const col = tf.tidy(() => {
        const v = tf.buffer([n2, O]);
        v.set(1, j, l);
        return ntvpLeaves(apply, theta, x1, xb, v.toTensor());
      });
      const c = await col.data(); // [n1, O]: Θ(x1_i, x2_j)_{k l}
      col.dispose();
      for (let i = 0; i < n1; i++) {
        if (outputs === "trace") {
          data[i * n2 + j] += c[i * O + l];
        } else {
          for (let k = 0; k < O; k++) data[((i * n2 + j) * O + k) * O + l] = c[i * O + k];
        }
      }
    }
  }
  return { data, shape };
}

function ntvpLeaves(
  apply: (ys: tf.Tensor[], x: tf.Tensor) => tf.Tensor,
  theta: tf.Tensor[],
  x1: tf.Tensor,
  x2: tf.Tensor,
  v: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    // u = J₂ᵀ v (a vjp at x2).
    const u = tf.grads((...ys: tf.Tensor[]) => apply(ys, x2))(theta, v);
    // J₁ u = ∇_w ⟨J₁ᵀ w, u⟩ (double vjp; w is a dummy cotangent at x1).
    const w0 = tf.zeros([x1.shape[0], v.shape[1] as number]);
    return tf.grad((w: tf.Tensor) => {
      const jtw = tf.grads((...ys: tf.Tensor[]) => apply(ys, x1))(theta, w);
      return tf.addN(jtw.map((g, i) => tf.sum(tf.mul(g, u[i])))) as tf.Scalar;
    })(w0);
  });
}

/**
 * NTK–vector product (Θ v)_i = Σ_j Θ(x1_i, x2_j) v_j = J(x1) J(x2)ᵀ v for v of shape [n2, O]
 * (or [n2] for scalar models); returns [n1, O] (new tensor, caller disposes). Costs one vjp and
 * one double vjp — never forms J.
 */
export function ntkVectorProduct(
  f: NtkModel,
  params: Tree,
  x1: tf.Tensor,
  x2: tf.Tensor,
  v: tf.Tensor,
  opts: { block?: LeafSelector } = {},
): tf.Tensor {
  const n2 = numExamples(x2, "x2");
  const O = probeOutputs(f, params, x2);
  const vv = v.rank === 1 ? v.reshape([-1, 1]) : v;
  if (vv.shape[0] !== n2 || vv.shape[1] !== O) {
    throw new Error(`ntkVectorProduct: v must have shape [${n2}, ${O}] (examples of x2 × outputs), got [${v.shape}]`);
  }
  const { index } = selectLeaves(params, opts.block);
  const { theta, apply } = modelOnLeaves(f, params, index);
  return ntvpLeaves(apply, theta, x1, x2, vv);
}

/**
 * Pseudo-NTK (Mohamadi, Bae & Sutherland, ICML 2023): the kernel of the summed logits scaled by 1/√O,
 *   pNTK(x, x') = (1/O) ∇_θ(Σ_k f_k(x)) · ∇_θ(Σ_k f_k(x')),
 * shape [n1, n2]; one vjp per example instead of O. It approximates Θ(x, x') ≈ pNTK(x, x') I_O
 * (so compare it with trace-NTK / O).
 */
export async function pseudoNtk(
  f: NtkModel,
  params: Tree,
  x1: tf.Tensor,
  x2?: tf.Tensor,
  opts: { block?: LeafSelector } = {},
): Promise<KernelMatrix> {
  const same = x2 === undefined || x2 === x1;
  const xb = x2 ?? x1;
  const n1 = numExamples(x1, "x1"),
    n2 = numExamples(xb, "x2");
  const O = probeOutputs(f, params, x1);
  const { index } = selectLeaves(params, opts.block);
  const { theta, apply } = modelOnLeaves(f, params, index);
  const k = tf.tidy(() => {
    const ones = tf.ones([1, O]);
    const a = jacobianRows(apply, theta, x1, 0, O, ones);
    const b = same ? a : jacobianRows(apply, theta, xb, 0, O, ones);
    return tf.div(tf.matMul(a, tf.transpose(b)), O);
  });
  const d = await k.data();
  k.dispose();
  return { data: Float64Array.from(d), shape: [n1, n2] };
}

function checkSameShape(a: KernelMatrix, b: KernelMatrix, who: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${who}: kernels of shapes [${a.shape}] and [${b.shape}] differ`);
  }
}

/**
 * KernelMatrix alignment A(K₁, K₂) = ⟨K₁, K₂⟩_F / (‖K₁‖_F ‖K₂‖_F) ∈ [−1, 1] (Cristianini et al., "On
 * kernel–target alignment", NeurIPS 2001; used for NTK evolution by Fort et al. 2020 and
 * Baratin et al. 2021).
 */
export function kernelAlignment(a: KernelMatrix, b: KernelMatrix): number {
  checkSameShape(a, b, "kernelAlignment");
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.data.length; i++) {
    ab += a.data[i] * b.data[i];
    aa += a.data[i] ** 2;
    bb += b.data[i] ** 2;
  }
  if (aa === 0 || bb === 0) throw new Error("kernelAlignment: a kernel is identically zero");
  return ab / Math.sqrt(aa * bb);
}

/**
 * KernelMatrix–target alignment yᵀKy / (‖K‖_F ‖y‖²) for a square [n, n] kernel and targets y ∈ ℝⁿ
 * (or one-hot / multi-output targets [n, O], using ⟨K, YYᵀ⟩ / (‖K‖_F ‖YYᵀ‖_F)).
 */
export function targetAlignment(k: KernelMatrix, y: ArrayLike<number>, outputs = 1): number {
  const n = k.shape[0];
  if (k.shape.length !== 2 || k.shape[1] !== n)
    throw new Error(`targetAlignment: need a square [n, n] kernel, got [${k.shape}]`);
  if (y.length !== n * outputs)
    throw new Error(`targetAlignment: targets of length ${y.length}, expected ${n}×${outputs}`);
  const yy = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let o = 0; o < outputs; o++) s += y[i * outputs + o] * y[j * outputs + o];
      yy[i * n + j] = s;
    }
  }
  return kernelAlignment(k, { data: yy, shape: [n, n] });
}

/** Relative kernel change ‖K₁ − K₀‖_F / ‖K₀‖_F (Fort et al., "Deep learning versus kernel learning", NeurIPS 2020). */
export function relativeKernelChange(k0: KernelMatrix, k1: KernelMatrix): number {
  checkSameShape(k0, k1, "relativeKernelChange");
  let d = 0,
    n0 = 0;
  for (let i = 0; i < k0.data.length; i++) {
    d += (k1.data[i] - k0.data[i]) ** 2;
    n0 += k0.data[i] ** 2;
  }
  if (n0 === 0) throw new Error("relativeKernelChange: the reference kernel is identically zero");
  return Math.sqrt(d / n0);
}

/**
 * How much the empirical NTK on `x` moved between two parameter snapshots: the relative change
 * ‖Θ₁ − Θ₀‖_F/‖Θ₀‖_F and the alignment A(Θ₀, Θ₁) (1 − alignment is the "kernel distance").
 */
export async function ntkChange(
  f: NtkModel,
  params0: Tree,
  params1: Tree,
  x: tf.Tensor,
  opts: NtkOptions = {},
): Promise<{ relativeChange: number; alignment: number; before: KernelMatrix; after: KernelMatrix }> {
  const before = await empiricalNtk(f, params0, x, undefined, opts);
  const after = await empiricalNtk(f, params1, x, undefined, opts);
  return {
    relativeChange: relativeKernelChange(before, after),
    alignment: kernelAlignment(before, after),
    before,
    after,
  };
}
