/**
 * Seeded synthetic data sets. Every generator draws from `new Rng(seed)` only, so a seed fixes the
 * data; the generating parameters (centres, teacher weights, β*, …) are returned as plain numbers
 * for tests and plots. Tensors: `x` is float32 `[n, dim]`; dispose with `dispose()`.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import { checkOptions } from "../validate";

/** Features and targets; `dispose()` frees both. */
export interface Dataset<Y extends tf.Tensor = tf.Tensor, X extends tf.Tensor = tf.Tensor2D> {
  x: X;
  y: Y;
  dispose(): void;
}

function dataset<Y extends tf.Tensor>(x: Float64Array | Float32Array, n: number, d: number, y: Y): Dataset<Y> {
  const xt = tf.tensor2d(Float32Array.from(x), [n, d]);
  return { x: xt, y, dispose: () => tf.dispose([xt, y]) };
}

function posInt(v: number, what: string, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${v}`);
}

function nonNeg(v: number, what: string): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${what} must be a finite number ≥ 0, got ${v}`);
}

function seedOf(seed: number | undefined, what: string): number {
  const s = seed ?? 0;
  if (!Number.isInteger(s)) throw new Error(`${what}: seed must be an integer, got ${s}`);
  return s;
}

/**
 * Gaussian clusters: class c has centre μ_c (`centers`, or drawn as N(0, I)·separation/√dim so that
 * |μ_c| ≈ separation), and x = μ_{y} + std·N(0, I). Labels are balanced, y_i = i mod classes
 * (int32 `[n]`).
 */
export function gaussianClusters(opts: {
  n: number; classes?: number; dim?: number; std?: number; separation?: number; centers?: number[][]; seed?: number;
}): Dataset<tf.Tensor1D> & { centers: number[][] } {
  checkOptions("gaussianClusters", opts, ["n", "classes", "dim", "std", "separation", "centers", "seed"]);
  const { n, std = 1, separation = 4 } = opts;
  const seed = seedOf(opts.seed, "gaussianClusters");
  const classes = opts.centers?.length ?? opts.classes ?? 2;
  const dim = opts.centers?.[0]?.length ?? opts.dim ?? 2;
  posInt(n, "gaussianClusters: n");
  posInt(classes, "gaussianClusters: classes");
  posInt(dim, "gaussianClusters: dim");
  nonNeg(std, "gaussianClusters: std");
  const rng = new Rng(seed);
  const centers = opts.centers?.map((c) => [...c]) ?? Array.from({ length: classes }, () => Array.from(rng.normalArray(dim, 0, separation / Math.sqrt(dim))));
  if (centers.some((c) => c.length !== dim || c.some((v) => !Number.isFinite(v)))) throw new Error(`gaussianClusters: every centre must have ${dim} finite coordinates`);
  const x = new Float64Array(n * dim), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < dim; j++) x[i * dim + j] = centers[y[i]][j] + std * rng.normal();
  }
  return { ...dataset(x, n, dim, tf.tensor1d(y, "int32")), centers };
}

/**
 * Teacher–student regression: x ~ N(0, I_d), y = teacher(x) + noise·N(0, 1) with a linear teacher
 * y = w*ᵀx, w* ~ N(0, I/d) (`hidden` absent), or a two-layer teacher y = aᵀ φ(W x)/√h with
 * W ~ N(0, I/d) (h×d), a ~ N(0, 1), φ = tanh or relu (Gardner & Derrida, 1989; Saad & Solla, 1995).
 * y is `[n]`.
 */
export function teacherStudent(opts: {
  n: number; dim: number; hidden?: number; activation?: "tanh" | "relu"; noise?: number; seed?: number;
}): Dataset<tf.Tensor1D> & { teacher: { w?: number[]; W?: number[][]; a?: number[] } } {
  checkOptions("teacherStudent", opts, ["n", "dim", "hidden", "activation", "noise", "seed"]);
  const { n, dim, hidden, activation = "tanh", noise = 0 } = opts;
  const seed = seedOf(opts.seed, "teacherStudent");
  posInt(n, "teacherStudent: n");
  posInt(dim, "teacherStudent: dim");
  if (hidden !== undefined) posInt(hidden, "teacherStudent: hidden");
  nonNeg(noise, "teacherStudent: noise");
  if (activation !== "tanh" && activation !== "relu") throw new Error(`teacherStudent: activation must be "tanh" or "relu", got ${String(activation)}`);
  const rng = new Rng(seed);
  const phi = activation === "tanh" ? Math.tanh : (v: number) => Math.max(v, 0);
  const w = hidden === undefined ? Array.from(rng.normalArray(dim, 0, 1 / Math.sqrt(dim))) : undefined;
  const W = hidden !== undefined ? Array.from({ length: hidden }, () => Array.from(rng.normalArray(dim, 0, 1 / Math.sqrt(dim)))) : undefined;
  const a = hidden !== undefined ? Array.from(rng.normalArray(hidden)) : undefined;
  const x = rng.normalArray(n * dim), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x.subarray(i * dim, (i + 1) * dim);
    let f = 0;
    if (w) for (let j = 0; j < dim; j++) f += w[j] * xi[j];
    else {
      for (let h = 0; h < hidden!; h++) {
        let pre = 0;
        for (let j = 0; j < dim; j++) pre += W![h][j] * xi[j];
        f += a![h] * phi(pre);
      }
      f /= Math.sqrt(hidden!);
    }
    y[i] = f + noise * rng.normal();
  }
  return { ...dataset(x, n, dim, tf.tensor1d(y)), teacher: { w, W, a } };
}

/**
 * Sparse linear regression: x ~ N(0, I_d), β* with `sparsity` non-zeros at random positions, each
 * ±1·`scale` (random sign), y = xᵀβ* + noise·N(0, 1) (the compressed-sensing / LASSO setting).
 */
export function sparseRegression(opts: {
  n: number; dim: number; sparsity: number; scale?: number; noise?: number; seed?: number;
}): Dataset<tf.Tensor1D> & { beta: number[]; support: number[] } {
  checkOptions("sparseRegression", opts, ["n", "dim", "sparsity", "scale", "noise", "seed"]);
  const { n, dim, sparsity, scale = 1, noise = 0 } = opts;
  const seed = seedOf(opts.seed, "sparseRegression");
  posInt(n, "sparseRegression: n");
  posInt(dim, "sparseRegression: dim");
  posInt(sparsity, "sparseRegression: sparsity", 0);
  if (sparsity > dim) throw new Error(`sparseRegression: sparsity ${sparsity} exceeds dim ${dim}`);
  nonNeg(noise, "sparseRegression: noise");
  const rng = new Rng(seed);
  const support = Array.from(rng.permutation(dim).subarray(0, sparsity)).sort((p, q) => p - q);
  const beta = new Array<number>(dim).fill(0);
  for (const j of support) beta[j] = (rng.uniform() < 0.5 ? -1 : 1) * scale;
  const x = rng.normalArray(n * dim), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (const j of support) f += x[i * dim + j] * beta[j];
    y[i] = f + noise * rng.normal();
  }
  return { ...dataset(x, n, dim, tf.tensor1d(y)), beta, support };
}

/**
 * Linearly separable classification with margin γ: a unit w* ~ uniform on the sphere, z ~ N(0, I),
 * y = sign(w*ᵀz) (±1, float32 `[n]`), x = z + γ·y·w*, so y_i w*ᵀx_i = |w*ᵀz_i| + γ ≥ γ. The
 * setting of implicit-bias results for logistic regression (Soudry et al., 2018) and of
 * large-step-size GD on separable data.
 */
export function separableClassification(opts: {
  n: number; dim?: number; margin?: number; seed?: number;
}): Dataset<tf.Tensor1D> & { w: number[]; margin: number } {
  checkOptions("separableClassification", opts, ["n", "dim", "margin", "seed"]);
  const { n, dim = 2, margin = 0.5 } = opts;
  const seed = seedOf(opts.seed, "separableClassification");
  posInt(n, "separableClassification: n");
  posInt(dim, "separableClassification: dim");
  nonNeg(margin, "separableClassification: margin");
  const rng = new Rng(seed);
  const w0 = Array.from(rng.normalArray(dim));
  const norm = Math.hypot(...w0);
  const w = w0.map((v) => v / norm);
  const x = rng.normalArray(n * dim), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += w[j] * x[i * dim + j];
    y[i] = s > 0 ? 1 : s < 0 ? -1 : rng.uniform() < 0.5 ? -1 : 1;
    for (let j = 0; j < dim; j++) x[i * dim + j] += margin * y[i] * w[j];
  }
  return { ...dataset(x, n, dim, tf.tensor1d(y)), w, margin };
}

/**
 * Points on a circle: θ ~ U[0, 2π), x = r(cos θ, sin θ) + noise·N(0, I_2); `y` holds θ `[n]`.
 * With `rings: [r_1, r_2, …]` the i-th point lies on ring i mod rings.length and `label` gives the
 * ring index (concentric-circles classification).
 */
export function circle(opts: {
  n: number; radius?: number; rings?: number[]; noise?: number; seed?: number;
}): Dataset<tf.Tensor1D> & { label: tf.Tensor1D } {
  checkOptions("circle", opts, ["n", "radius", "rings", "noise", "seed"]);
  const { n, noise = 0 } = opts;
  const rings = opts.rings ?? [opts.radius ?? 1];
  const seed = seedOf(opts.seed, "circle");
  posInt(n, "circle: n");
  nonNeg(noise, "circle: noise");
  if (rings.length === 0 || rings.some((r) => !(r > 0))) throw new Error(`circle: radii must be positive, got [${rings}]`);
  const rng = new Rng(seed);
  const x = new Float64Array(2 * n), th = new Float32Array(n), lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = rng.uniform(0, 2 * Math.PI), r = rings[i % rings.length];
    lab[i] = i % rings.length;
    th[i] = t;
    x[2 * i] = r * Math.cos(t) + noise * rng.normal();
    x[2 * i + 1] = r * Math.sin(t) + noise * rng.normal();
  }
  const d = dataset(x, n, 2, tf.tensor1d(th));
  const label = tf.tensor1d(lab, "int32");
  return { ...d, label, dispose: () => { d.dispose(); label.dispose(); } };
}
