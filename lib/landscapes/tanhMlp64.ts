/**
 * A float64 tanh MLP with an exact Hessian-vector product (Pearlmutter's R-operator), for Hessian
 * spectra that must be exact beyond float32 (notebook 05, figures 1–2). Explained in
 * notebooks/05-hessian-spectrum.ipynb; checked against finite differences and the tfjs `mlp` in
 * test/claims/hessian-spectrum.test.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { linearOperator, type CurvatureOperator } from "../diagnostics/operator";
import type { LayerParams } from "./networks";

/**
 * A one-hidden-layer tanh MLP with softmax cross-entropy on a fixed data set, in float64:
 *   a = x W₁ + b₁, z = tanh(a), o = z W₂ + b₂, L(θ) = (1/|S|) Σ_{i∈S} −log softmax(o_i)_{y_i}
 * over the examples S (all, or a mini-batch). θ is flat in the order of the parameter tree of
 * `mlp({ sizes: [d, h, k] })` (`lib/tree.ts` leaves, keys sorted): [b₁ (h), W₁ (d×h), b₂ (k), W₂ (h×k)],
 * row-major, so a θ read from `mlp(...).init(seed)` and the library's `hessianOperator` vectors
 * index the same coordinates.
 *
 * `hvp` is the exact Hessian–vector product by Pearlmutter's R-operator ("Fast exact multiplication
 * by the Hessian", Neural Computation 1994) applied to the backward pass written out by hand.
 */
export class TanhMlp64 {
  readonly size: number;
  private readonly oB1: number;
  private readonly oW1: number;
  private readonly oB2: number;
  private readonly oW2: number;

  constructor(
    /** inputs, row-major [n, d] */
    readonly x: Float64Array,
    /** class labels [n] in [0, k) */
    readonly y: Int32Array,
    readonly n: number,
    readonly d: number,
    readonly h: number,
    readonly k: number,
  ) {
    for (const [name, v] of [
      ["n", n],
      ["d", d],
      ["h", h],
      ["k", k],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`TanhMlp64: ${name} must be a positive integer, got ${v}`);
    }
    if (k < 2) throw new Error(`TanhMlp64: k must be ≥ 2 classes, got ${k}`);
    if (x.length !== n * d) throw new Error(`TanhMlp64: x has ${x.length} entries, expected n·d = ${n * d}`);
    if (y.length !== n) throw new Error(`TanhMlp64: y has ${y.length} labels, expected n = ${n}`);
    for (let i = 0; i < n; i++)
      if (!(y[i] >= 0 && y[i] < k)) throw new Error(`TanhMlp64: label ${y[i]} at example ${i} is outside [0, ${k})`);
    for (let i = 0; i < x.length; i++)
      if (!Number.isFinite(x[i])) throw new Error(`TanhMlp64: x[${i}] = ${x[i]} is not finite`);
    this.oB1 = 0;
    this.oW1 = h;
    this.oB2 = h + d * h;
    this.oW2 = h + d * h + k;
    this.size = h + d * h + k + h * k;
  }

  private check(theta: Float64Array, who: string): void {
    if (theta.length !== this.size)
      throw new Error(`TanhMlp64.${who}: θ has length ${theta.length}, the network has ${this.size} parameters`);
  }

  /** Number of examples in the batch `idx` (all n when absent), after checking the indices. */
  private batchSize(idx?: ArrayLike<number>): number {
    if (idx === undefined) return this.n;
    if (idx.length === 0) throw new Error("TanhMlp64: empty batch");
    for (let j = 0; j < idx.length; j++)
      if (!(Number.isInteger(idx[j]) && idx[j] >= 0 && idx[j] < this.n))
        throw new Error(`TanhMlp64: batch index ${idx[j]} is outside [0, ${this.n})`);
    return idx.length;
  }

  /** Forward pass for example i: hidden z [h] and softmax p [k] (written into the buffers); returns −log p_y. */
  private forward(theta: Float64Array, i: number, z: Float64Array, p: Float64Array): number {
    const { d, h, k, x } = this;
    for (let j = 0; j < h; j++) {
      let a = theta[this.oB1 + j];
      for (let c = 0; c < d; c++) a += x[i * d + c] * theta[this.oW1 + c * h + j];
      z[j] = Math.tanh(a);
    }
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      let o = theta[this.oB2 + c];
      for (let j = 0; j < h; j++) o += z[j] * theta[this.oW2 + j * k + c];
      p[c] = o;
      if (o > mx) mx = o;
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(p[c] - mx);
    const lse = mx + Math.log(s);
    const loss = lse - p[this.y[i]];
    for (let c = 0; c < k; c++) p[c] = Math.exp(p[c] - lse);
    return loss;
  }

  /** L(θ) over the batch `idx` (all examples by default). */
  loss(theta: Float64Array, idx?: ArrayLike<number>): number {
    this.check(theta, "loss");
    const m = this.batchSize(idx);
    const z = new Float64Array(this.h),
      p = new Float64Array(this.k);
    let s = 0;
    for (let j = 0; j < m; j++) s += this.forward(theta, idx ? idx[j] : j, z, p);
    return s / m;
  }

  /** Fraction of the batch classified correctly (arg-max of the logits). */
  accuracy(theta: Float64Array, idx?: ArrayLike<number>): number {
    this.check(theta, "accuracy");
    const m = this.batchSize(idx);
    const z = new Float64Array(this.h),
      p = new Float64Array(this.k);
    let right = 0;
    for (let j = 0; j < m; j++) {
      const i = idx ? idx[j] : j;
      this.forward(theta, i, z, p);
      let best = 0;
      for (let c = 1; c < this.k; c++) if (p[c] > p[best]) best = c;
      if (best === this.y[i]) right++;
    }
    return right / m;
  }

  /** ∇L(θ) over the batch `idx` (all examples by default). */
  grad(theta: Float64Array, idx?: ArrayLike<number>): Float64Array {
    return this.gradAndHvp(theta, undefined, idx).g;
  }

  /** H(θ) v, the exact Hessian of L over the batch `idx` times v. */
  hvp(theta: Float64Array, v: Float64Array, idx?: ArrayLike<number>): Float64Array {
    if (v.length !== this.size)
      throw new Error(`TanhMlp64.hvp: v has length ${v.length}, the network has ${this.size} parameters`);
    return this.gradAndHvp(theta, v, idx).hv!;
  }

  /**
   * Backward pass and (with v) its R-operator. Per example, with e_y one-hot and 1/m the batch mean:
   *   δo = (p − e_y)/m, ∇W₂ = zᵀδo, ∇b₂ = δo, δz = δo W₂ᵀ, δa = δz ⊙ (1 − z²), ∇W₁ = xᵀδa, ∇b₁ = δa;
   *   R{a} = x V₁ + c₁, R{z} = (1 − z²) ⊙ R{a}, R{o} = R{z} W₂ + z V₂ + c₂,
   *   R{δo} = p ⊙ (R{o} − pᵀR{o})/m, R{∇W₂} = R{z}ᵀδo + zᵀR{δo}, R{∇b₂} = R{δo},
   *   R{δz} = R{δo} W₂ᵀ + δo V₂ᵀ, R{δa} = R{δz} ⊙ (1 − z²) − 2 δz ⊙ z ⊙ R{z},
   *   R{∇W₁} = xᵀR{δa}, R{∇b₁} = R{δa}; and H v = R{∇L}.
   */
  private gradAndHvp(
    theta: Float64Array,
    v: Float64Array | undefined,
    idx?: ArrayLike<number>,
  ): { g: Float64Array; hv?: Float64Array } {
    // With v only H v is accumulated (the backward quantities δo, δz are still needed by the R-pass).
    this.check(theta, v ? "hvp" : "grad");
    const { d, h, k, x } = this;
    const m = this.batchSize(idx);
    const g = new Float64Array(this.size);
    const hv = v ? new Float64Array(this.size) : undefined;
    const z = new Float64Array(h),
      p = new Float64Array(k),
      dO = new Float64Array(k),
      dZ = new Float64Array(h),
      dA = new Float64Array(h);
    const rA = new Float64Array(h),
      rZ = new Float64Array(h),
      rO = new Float64Array(k),
      rdO = new Float64Array(k),
      rdA = new Float64Array(h);
    const { oB1, oW1, oB2, oW2 } = this;
    for (let jj = 0; jj < m; jj++) {
      const i = idx ? idx[jj] : jj;
      this.forward(theta, i, z, p);
      const xi = i * d;
      for (let c = 0; c < k; c++) dO[c] = (p[c] - (c === this.y[i] ? 1 : 0)) / m;
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += dO[c] * theta[oW2 + j * k + c];
        dZ[j] = s;
        dA[j] = s * (1 - z[j] * z[j]);
      }
      if (!v || !hv) {
        for (let c = 0; c < k; c++) g[oB2 + c] += dO[c];
        for (let j = 0; j < h; j++) for (let c = 0; c < k; c++) g[oW2 + j * k + c] += z[j] * dO[c];
        for (let j = 0; j < h; j++) g[oB1 + j] += dA[j];
        for (let c = 0; c < d; c++) {
          const xc = x[xi + c];
          if (xc !== 0) for (let j = 0; j < h; j++) g[oW1 + c * h + j] += xc * dA[j];
        }
        continue;
      }
      // R-operator (forward-over-reverse).
      for (let j = 0; j < h; j++) {
        let s = v[oB1 + j];
        for (let c = 0; c < d; c++) s += x[xi + c] * v[oW1 + c * h + j];
        rA[j] = s;
        rZ[j] = (1 - z[j] * z[j]) * s;
      }
      let pr = 0;
      for (let c = 0; c < k; c++) {
        let s = v[oB2 + c];
        for (let j = 0; j < h; j++) s += rZ[j] * theta[oW2 + j * k + c] + z[j] * v[oW2 + j * k + c];
        rO[c] = s;
        pr += p[c] * s;
      }
      for (let c = 0; c < k; c++) rdO[c] = (p[c] * (rO[c] - pr)) / m;
      for (let c = 0; c < k; c++) hv[oB2 + c] += rdO[c];
      for (let j = 0; j < h; j++) for (let c = 0; c < k; c++) hv[oW2 + j * k + c] += rZ[j] * dO[c] + z[j] * rdO[c];
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += rdO[c] * theta[oW2 + j * k + c] + dO[c] * v[oW2 + j * k + c];
        rdA[j] = s * (1 - z[j] * z[j]) - 2 * dZ[j] * z[j] * rZ[j];
      }
      for (let j = 0; j < h; j++) hv[oB1 + j] += rdA[j];
      for (let c = 0; c < d; c++) {
        const xc = x[xi + c];
        if (xc !== 0) for (let j = 0; j < h; j++) hv[oW1 + c * h + j] += xc * rdA[j];
      }
    }
    return { g, hv };
  }

  /** The Hessian of L over the batch `idx` at θ as a `CurvatureOperator` for `lib/diagnostics`. */
  hessian(theta: Float64Array, idx?: ArrayLike<number>): CurvatureOperator {
    this.check(theta, "hessian");
    const th = Float64Array.from(theta);
    const I = idx ? Int32Array.from(idx) : undefined;
    return linearOperator(
      this.size,
      (v) => this.hvp(th, v, I),
      `Hessian of the tanh MLP [${this.d}, ${this.h}, ${this.k}]${I ? ` on a batch of ${I.length}` : ""} (d = ${this.size})`,
    );
  }
}

/** Flat float64 θ from an `mlp` parameter tree [{ w, b }, { w, b }] in leaf order [b₁, W₁, b₂, W₂]. */
export async function flattenMlpParams(params: LayerParams[]): Promise<Float64Array> {
  if (!Array.isArray(params) || params.length !== 2)
    throw new Error(
      `flattenMlpParams: expected two layers [{ w, b }, { w, b }], got ${Array.isArray(params) ? params.length : typeof params}`,
    );
  const parts: Float64Array[] = [];
  for (const layer of params) {
    if (!(layer.b instanceof tf.Tensor)) throw new Error("flattenMlpParams: every layer needs a bias b");
    parts.push(Float64Array.from(await layer.b.data()), Float64Array.from(await layer.w.data()));
  }
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
