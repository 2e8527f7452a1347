/**
 * Stochastic and special-purpose methods: Langevin sampling (ULA / SGLD), the zeroth-order two-point
 * gradient estimator (MeZO, Sparse MeZO), DP-SGD's private gradient, SVRG's variance-reduced
 * gradient and the ℓ1 subgradient method with geometrically decaying steps.
 *
 * The estimators (zeroth-order, DP, SVRG) return a gradient *tree*, to be fed to any
 * `GradientTransformation` (`sgd`, `adam`, …), since the papers pair them with different steps.
 * All randomness comes from a caller's `Rng` or a seed (`lib/rng.ts`), with the draw order
 * documented so a run can be replayed.
 */
import * as tf from "@tensorflow/tfjs";
import type { ElementwiseRule } from "../core/rule";
import { Rng, seedState, uniformFromState } from "../rng";
import { assertSameStructure, disposeTree, flatten, leaves, ravel, unflatten, unravel, type Tree } from "../tree";
import { checkOptions } from "../validate";
import { clipByGlobalNorm } from "./clip";
import { scaleByLearningRateRule } from "./rules";
import { exponentialSchedule } from "./schedules";
import {
  chain,
  checkHypers,
  fromRule,
  scaleTree,
  squaredNorm,
  treeTransform,
  type GradientTransformation,
  type Hyper,
  type RuleState,
} from "./transform";

// ---------------------------------------------------------------------------------------------
// Langevin dynamics

export interface LangevinOptions {
  /**
   * How `lr` enters. "ula" (default; Roberts & Tweedie 1996, Durmus & Moulines 2017):
   * `θ ← θ − γ∇U(θ) + √(2γT)·ξ` with γ = lr. "wellingTeh" (Welling & Teh, "Bayesian Learning via
   * Stochastic Gradient Langevin Dynamics", ICML 2011): `θ ← θ − (ε/2)∇U(θ) + √(εT)·ξ` with ε = lr —
   * the same chain with γ = ε/2.
   */
  stepSize?: "ula" | "wellingTeh";
}

/**
 * Langevin dynamics targeting `π(θ) ∝ exp(−U(θ)/T)` for the gradient `g = ∇U` it is given:
 * the unadjusted Langevin algorithm (ULA) with full gradients, SGLD (Welling & Teh, 2011) with
 * mini-batch gradients `∇U ≈ −∇log p(θ) − (N/n)Σ∇log p(x_i|θ)` and a decreasing `lr` schedule.
 * Update `u = −γ·g + √(2γT)·ξ`, ξ ~ N(0, I) from the rule's noise. Hyperparameters: `lr`
 * (default 1e-2), `temperature` T (default 1).
 */
export function langevinRule(opts: LangevinOptions = {}): ElementwiseRule<"lr" | "temperature", never> {
  checkOptions("langevinRule", opts, ["stepSize"]);
  const form = opts.stepSize ?? "ula";
  if (form !== "ula" && form !== "wellingTeh")
    throw new Error(`langevinRule: unknown stepSize "${String(form)}" (use "ula" or "wellingTeh")`);
  const drift = scaleByLearningRateRule();
  return {
    kind: "elementwise",
    name: form === "ula" ? "langevin" : "sgld",
    defaults: { lr: 1e-2, temperature: 1 },
    state: [],
    step(o, g, p, _s, h, t, noise) {
      const gamma = form === "ula" ? h.lr : o.mul(0.5, h.lr);
      const u = drift.step(o, g, p, {}, { lr: gamma }, t, noise).update;
      return { update: o.add(u, o.mul(o.sqrt(o.mul(2, o.mul(gamma, h.temperature))), noise.normal())), state: {} };
    },
  };
}

/**
 * Langevin dynamics as a `GradientTransformation` (see `langevinRule`). The noise is drawn from
 * `seed` (required), one standard normal per coordinate per step, leaves in `leaves` order.
 */
export function langevin(
  opts: { lr?: Hyper; temperature?: Hyper; seed: number } & LangevinOptions,
): GradientTransformation<RuleState> {
  checkOptions("langevin", opts, ["lr", "temperature", "seed", "stepSize"]);
  if (opts.seed === undefined) throw new Error("langevin: needs a seed for its noise ({ seed })");
  const { seed, stepSize, ...hyper } = opts;
  return fromRule(langevinRule({ stepSize }), hyper, { seed });
}

// ---------------------------------------------------------------------------------------------
// Zeroth-order two-point estimator

export interface ZerothOrderOptions {
  /** Smoothing radius μ (default 1e-3). */
  mu?: number;
  /** Number q of directions averaged (default 1). */
  samples?: number;
  /**
   * "twoSided" (default; Nesterov & Spokoiny 2017; MeZO, Malladi et al. 2023):
   * `ĝ = (f(x+μu) − f(x−μu))/(2μ)·u`. "forward": `ĝ = (f(x+μu) − f(x))/μ·u`.
   */
  difference?: "twoSided" | "forward";
  /**
   * Law of u: "gaussian" (default) N(0, I); "sphere": uniform on the sphere of radius √k (k the
   * number of perturbed coordinates), so that E[uuᵀ] = I on those coordinates.
   */
  directions?: "gaussian" | "sphere";
  /**
   * Perturb only s of the d coordinates (the rest of u is 0): Sparse MeZO (Liu et al., "Sparse MeZO:
   * Less Parameters for Better Performance in Zeroth-Order LLM Fine-Tuning", 2024). Default: all d.
   */
  sparsity?: number;
  /**
   * Which s coordinates: "random" (default; a fresh uniform subset per direction, so
   * E[ĝ] ≈ (s/d)∇f — not rescaled) or "smallestMagnitude" (the s coordinates of smallest |x|, as
   * Sparse MeZO's small-weight mask).
   */
  mask?: "random" | "smallestMagnitude";
}

/**
 * The zeroth-order two-point gradient estimate of `loss` at `params` (a tree shaped like `params`):
 * `ĝ = (1/q) Σ_k (f(x+μu_k) − f(x−μu_k))/(2μ) · u_k` (see `ZerothOrderOptions` for the variants).
 * `loss` must return a scalar. For a quadratic f the two-sided difference is exact: `ĝ = u uᵀ∇f`.
 *
 * Draw order, per direction k: with `mask: "random"`, `rng.permutation(d)` (its first s entries are
 * the support); then `rng.normalArray(k)` for the support coordinates in raveled (`leaves`) order.
 */
export function zerothOrderGradient(
  loss: (params: Tree) => tf.Scalar,
  params: Tree,
  rng: Rng,
  opts: ZerothOrderOptions = {},
): Tree {
  const name = "zerothOrderGradient";
  checkOptions(name, opts, ["mu", "samples", "difference", "directions", "sparsity", "mask"]);
  const { mu = 1e-3, samples = 1, difference = "twoSided", directions = "gaussian", mask = "random" } = opts;
  if (!(rng instanceof Rng)) throw new Error(`${name}: needs an Rng (lib/rng.ts) for its directions`);
  if (!(mu > 0) || !Number.isFinite(mu)) throw new Error(`${name}: mu must be finite and > 0, got ${mu}`);
  if (!Number.isInteger(samples) || samples < 1)
    throw new Error(`${name}: samples must be a positive integer, got ${samples}`);
  if (difference !== "twoSided" && difference !== "forward")
    throw new Error(`${name}: unknown difference "${String(difference)}"`);
  if (directions !== "gaussian" && directions !== "sphere")
    throw new Error(`${name}: unknown directions "${String(directions)}"`);
  if (mask !== "random" && mask !== "smallestMagnitude") throw new Error(`${name}: unknown mask "${String(mask)}"`);
  const d = flatten(params).reduce((n, l) => n + l.size, 0);
  const s = opts.sparsity ?? d;
  if (!Number.isInteger(s) || s < 1 || s > d)
    throw new Error(`${name}: sparsity must be an integer in [1, ${d}], got ${s}`);

  return tf.tidy(() => {
    const x = ravel(params);
    const f = (v: tf.Tensor): tf.Tensor => {
      const out = loss(unravel(params, v));
      if (out.size !== 1) throw new Error(`${name}: the loss must return a scalar, got shape [${out.shape}]`);
      return out.reshape([]);
    };
    // Support of the smallest-magnitude mask: fixed for this call.
    const fixedSupport = s < d && mask === "smallestMagnitude" ? tf.topk(tf.neg(tf.abs(x)), s).indices : undefined;
    const f0 = difference === "forward" ? f(x) : undefined;
    let sum: tf.Tensor = tf.zerosLike(x);
    for (let k = 0; k < samples; k++) {
      let u: tf.Tensor;
      if (s === d) u = tf.tensor1d(directionDraw(rng, d, directions));
      else {
        const support = fixedSupport ?? tf.tensor1d(Array.from(rng.permutation(d).subarray(0, s)), "int32");
        u = tf.scatterND(support.reshape([s, 1]), tf.tensor1d(directionDraw(rng, s, directions)), [d]);
      }
      const plus = f(tf.add(x, tf.mul(mu, u)));
      const slope =
        difference === "twoSided"
          ? tf.div(tf.sub(plus, f(tf.sub(x, tf.mul(mu, u)))), 2 * mu)
          : tf.div(tf.sub(plus, f0!), mu);
      sum = tf.add(sum, tf.mul(slope, u));
    }
    return unravel(params, tf.div(sum, samples));
  }) as Tree;
}

function directionDraw(rng: Rng, k: number, law: "gaussian" | "sphere"): Float32Array {
  const z = rng.normalArray(k);
  if (law === "sphere") {
    let sq = 0;
    for (let i = 0; i < k; i++) sq += z[i] * z[i];
    const n = Math.sqrt(sq);
    for (let i = 0; i < k; i++) z[i] *= Math.sqrt(k) / n;
  }
  return Float32Array.from(z);
}

// ---------------------------------------------------------------------------------------------
// DP-SGD

/**
 * Per-example gradients of `loss(params, example)` for each example index, stacked along a new
 * leading axis: a tree shaped like `params` with leaves `[B, …leaf]`. (tfjs has no vmap; this loops.)
 */
export function perExampleGradients(
  loss: (params: Tree, example: number) => tf.Scalar,
  params: Tree,
  examples: readonly number[],
): Tree {
  if (examples.length === 0) throw new Error("perExampleGradients: needs at least one example");
  const ls = flatten(params);
  return tf.tidy(() => {
    const per = examples.map((e) => tf.grads((...xs: tf.Tensor[]) => loss(unflatten(params, xs), e))(ls));
    return unflatten(
      params,
      ls.map((_, j) => tf.stack(per.map((g) => g[j]))),
    );
  }) as Tree;
}

export type DpClipping = "flat" | "perLayer";

/**
 * Clips each example's gradient (leaves `[B, …]`): "flat" (default; Abadi et al., "Deep Learning with
 * Differential Privacy", CCS 2016) `ḡ_i = g_i / max(1, ‖g_i‖₂/C)` with the norm over all leaves;
 * "perLayer" (McMahan et al., "Learning Differentially Private Recurrent Language Models", ICLR 2018)
 * clips each of the L leaves to `C/√L`, so the total sensitivity is still C.
 */
export function clipPerExample(perExample: Tree, clipNorm: number, clipping: DpClipping = "flat"): Tree {
  const name = "clipPerExample";
  if (!(clipNorm > 0) || !Number.isFinite(clipNorm))
    throw new Error(`${name}: clipNorm must be finite and > 0, got ${clipNorm}`);
  if (clipping !== "flat" && clipping !== "perLayer")
    throw new Error(`${name}: unknown clipping "${String(clipping)}" (use "flat" or "perLayer")`);
  const ls = leaves(perExample);
  const B = ls[0].leaf.shape[0];
  ls.forEach(({ path, leaf }) => {
    if (leaf.rank === 0 || leaf.shape[0] !== B) {
      throw new Error(
        `${name}: leaf ${path} has shape [${leaf.shape}]; every leaf needs the leading examples axis of length ${B}`,
      );
    }
  });
  // Per-example clipping is global-norm clipping with the examples axis as the runs axis.
  const clipAlongFirstAxis = (tree: Tree, c: number): Tree => {
    const clip = clipByGlobalNorm(c, { perRun: true });
    return clip.update(tree, clip.init(tree)).updates;
  };
  if (clipping === "flat") return clipAlongFirstAxis(perExample, clipNorm);
  const c = clipNorm / Math.sqrt(ls.length);
  return unflatten(
    perExample,
    ls.map(({ leaf }) => clipAlongFirstAxis(leaf, c) as tf.Tensor),
  );
}

export interface DpOptions {
  /** Clipping norm C (> 0). */
  clipNorm: number;
  /** Noise multiplier σ (≥ 0): the noise on the sum has standard deviation σ·C. */
  noiseMultiplier: number;
  /** Source of the Gaussian noise: one `rng.normalTensor(leafShape)` per leaf, `leaves` order. */
  rng: Rng;
  clipping?: DpClipping;
}

/**
 * DP-SGD's private gradient (Abadi et al., 2016, Algorithm 1) from per-example gradients (leaves
 * `[B, …]`): `g̃ = (1/B)(Σ_i ḡ_i + N(0, σ²C²I))` with `ḡ_i` clipped by `clipPerExample`.
 * Feed `g̃` to `sgd` (or any transform) for the step.
 */
export function privatizeGradients(perExample: Tree, opts: DpOptions): Tree {
  const name = "privatizeGradients";
  checkOptions(name, opts, ["clipNorm", "noiseMultiplier", "rng", "clipping"]);
  const { clipNorm, noiseMultiplier, rng, clipping = "flat" } = opts;
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw new Error(`${name}: noiseMultiplier must be finite and ≥ 0, got ${noiseMultiplier}`);
  }
  if (!(rng instanceof Rng)) throw new Error(`${name}: needs an Rng (lib/rng.ts) for the noise`);
  const clipped = clipPerExample(perExample, clipNorm, clipping);
  const out = tf.tidy(() =>
    unflatten(
      clipped,
      flatten(clipped).map((leaf) => {
        const B = leaf.shape[0];
        const noise = rng.normalTensor(leaf.shape.slice(1), 0, noiseMultiplier * clipNorm);
        return tf.div(tf.add(tf.sum(leaf, 0), noise), B);
      }),
    ),
  ) as Tree;
  disposeTree(clipped);
  return out;
}

/** `privatizeGradients(perExampleGradients(loss, params, examples), opts)`: one DP-SGD gradient. */
export function dpGradient(
  loss: (params: Tree, example: number) => tf.Scalar,
  params: Tree,
  examples: readonly number[],
  opts: DpOptions,
): Tree {
  const per = perExampleGradients(loss, params, examples);
  try {
    return privatizeGradients(per, opts);
  } finally {
    disposeTree(per);
  }
}

// ---------------------------------------------------------------------------------------------
// SVRG

export interface SvrgOptions {
  /** Number n of component functions f_i. */
  n: number;
  /** Inner steps m between snapshots (default 2n, Johnson & Zhang's choice for convex problems). */
  epochLength?: number;
  /** Seed of the uniform index sampling (default 0). */
  seed?: number;
}

export interface SvrgState {
  /** The snapshot w̃ and the full gradient μ̃ = (1/n)Σ∇f_i(w̃) there. */
  snapshot: Tree;
  fullGradient: Tree;
  /** Inner steps taken. */
  count: number;
  /** xoshiro128** state of the index sampler. */
  key: Uint32Array;
}

/** SVRG's variance-reduced gradient `v = ∇f_i(w) − ∇f_i(w̃) + μ̃` (leaf by leaf). */
export function svrgDirection(gradAtW: Tree, gradAtSnapshot: Tree, fullGradient: Tree): Tree {
  assertSameStructure(gradAtW, gradAtSnapshot, "svrgDirection: gradients");
  assertSameStructure(gradAtW, fullGradient, "svrgDirection: gradient and full gradient");
  const a = flatten(gradAtW),
    b = flatten(gradAtSnapshot),
    c = flatten(fullGradient);
  return unflatten(
    gradAtW,
    tf.tidy(() => a.map((ai, j) => tf.add(tf.sub(ai, b[j]), c[j]))),
  );
}

/**
 * SVRG (Johnson & Zhang, "Accelerating Stochastic Gradient Descent using Predictive Variance
 * Reduction", NeurIPS 2013, Option I): every m inner steps the snapshot becomes the current iterate
 * and its full gradient is recomputed; each inner step draws i uniformly and returns
 * `v = ∇f_i(w) − ∇f_i(w̃) + μ̃`, an unbiased estimate of ∇F(w) = (1/n)Σ∇f_i(w). Apply `v` with
 * `sgd` (the paper) or any transform. `gradI(params, i)` returns ∇f_i as a new tree.
 */
export function svrg(gradI: (params: Tree, i: number) => Tree, opts: SvrgOptions) {
  const name = "svrg";
  checkOptions(name, opts, ["n", "epochLength", "seed"]);
  const { n, epochLength = 2 * n, seed = 0 } = opts;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(epochLength) || epochLength < 1)
    throw new Error(`${name}: epochLength must be a positive integer, got ${epochLength}`);
  if (!Number.isInteger(seed)) throw new Error(`${name}: seed must be an integer, got ${seed}`);

  const fullGradient = (w: Tree): Tree => {
    const ls = flatten(w);
    let acc = ls.map((l) => tf.zerosLike(l));
    for (let i = 0; i < n; i++) {
      const g = gradI(w, i);
      assertSameStructure(w, g, `${name}: gradI(params, ${i}) and params`);
      const next = tf.tidy(() => flatten(g).map((gi, j) => tf.add(acc[j], gi)));
      acc.forEach((a) => a.dispose());
      disposeTree(g);
      acc = next;
    }
    const mean = tf.tidy(() => acc.map((a) => tf.div(a, n)));
    acc.forEach((a) => a.dispose());
    return unflatten(w, mean);
  };
  const snap = (w: Tree) =>
    unflatten(
      w,
      flatten(w).map((l) => l.clone()),
    );

  return {
    name,
    /** Snapshot at `params` and its full gradient (n gradient calls). */
    init(params: Tree): SvrgState {
      const key = new Uint32Array(4);
      seedState(seed, 0, key);
      return { snapshot: snap(params), fullGradient: fullGradient(params), count: 0, key };
    },
    /**
     * The variance-reduced gradient at `params`; refreshes the snapshot first when m steps have
     * passed. `index` overrides the sampled i (for tests and custom sampling). Returns new tensors;
     * the old state's tensors are reused in the new state unless the snapshot was refreshed (dispose
     * them with `disposeSvrg(old, new)`).
     */
    direction(params: Tree, state: SvrgState, index?: number): { grad: Tree; state: SvrgState; index: number } {
      assertSameStructure(params, state.snapshot, `${name}: params and snapshot`);
      let st = { ...state, key: state.key.slice() };
      if (state.count > 0 && state.count % epochLength === 0) {
        st = { ...st, snapshot: snap(params), fullGradient: fullGradient(params) };
      }
      const i = index ?? Math.floor(uniformFromState(st.key) * n);
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`${name}: index ${i} is not in [0, ${n})`);
      const gw = gradI(params, i),
        gs = gradI(st.snapshot, i);
      const grad = svrgDirection(gw, gs, st.fullGradient);
      disposeTree(gw);
      disposeTree(gs);
      return { grad, state: { ...st, count: state.count + 1 }, index: i };
    },
  };
}

/** Disposes the tensors of `old` that `next` no longer uses (after a snapshot refresh). */
export function disposeSvrg(old: SvrgState, next?: SvrgState): void {
  if (!next || old.snapshot !== next.snapshot) disposeTree(old.snapshot);
  if (!next || old.fullGradient !== next.fullGradient) disposeTree(old.fullGradient);
}

// ---------------------------------------------------------------------------------------------
// ℓ1 / subgradient method with geometric step decay

export interface GeometricSubgradientOptions {
  /** Initial step η₀ (default 1e-2). */
  lr?: number;
  /** Decay factor q ∈ (0, 1] (default 0.95): η_t = η₀·qᵗ. */
  decay?: number;
  /**
   * "none" (default): `θ ← θ − η_t·g`; "global": `θ ← θ − η_t·g/‖g‖` (normalized subgradient, norm
   * over the whole tree); "perRun": the norm per run along the leading axis.
   */
  normalize?: "none" | "global" | "perRun";
}

/**
 * The subgradient method with geometrically decaying steps for sharp nonsmooth losses such as the
 * ℓ1 loss of robust matrix recovery (Goffin 1977; Li, Zhu, So & Vidal, "Nonconvex Robust Low-rank
 * Matrix Recovery", SIAM J. Optim. 2020; Ma & Fattahi, "Global Convergence of Sub-gradient Method
 * for Robust Matrix Recovery", JMLR 2023): `θ_{t+1} = θ_t − η₀qᵗ·g_t`, g_t ∈ ∂f(θ_t) (tfjs
 * autodiff of `abs` gives sign(r), with sign(0) = 0). Defaults: lr 1e-2, decay 0.95, normalize "none".
 */
export function geometricSubgradient(opts: GeometricSubgradientOptions = {}): GradientTransformation {
  const name = "geometricSubgradient";
  checkOptions(name, opts, ["lr", "decay", "normalize"]);
  const { lr = 1e-2, decay = 0.95, normalize = "none" } = opts;
  checkHypers(name, ["lr", "decay"], { lr, decay });
  if (!(decay > 0)) throw new Error(`${name}: decay must lie in (0, 1], got ${decay}`);
  if (!["none", "global", "perRun"].includes(normalize))
    throw new Error(`${name}: unknown normalize "${String(normalize)}"`);
  const step = fromRule(scaleByLearningRateRule(), { lr: exponentialSchedule(lr, { rate: decay }) }, { name });
  if (normalize === "none") return step;
  const byRun = normalize === "perRun";
  const unit = treeTransform<null>(
    "normalizeByNorm",
    () => null,
    (g) => {
      const inv = tf.rsqrt(tf.maximum(squaredNorm(g, byRun), 1e-30)); // g = 0 gives a zero step, not NaN
      return { updates: scaleTree(g, inv), state: null };
    },
  );
  return chain(unit, step);
}
