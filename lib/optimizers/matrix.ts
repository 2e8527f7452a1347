/**
 * Matrix-aware optimizers: Muon (momentum orthogonalised by a Newton–Schulz iteration) and a
 * Shampoo-like Kronecker-factored preconditioner.
 *
 * Every parameter leaf is treated as a batch of matrices: the last two axes are the matrix, all
 * leading axes are batch axes — so params `[runs, m, n]` run `runs` independent problems, and a
 * conv kernel must be reshaped to 2-D (plus batch axes) by the caller. Leaves of rank < 2 (biases,
 * gains) are rejected with an error: optimise them with an elementwise optimizer.
 */
import * as tf from "@tensorflow/tfjs";
import type { ElementwiseRule } from "../core/rule";
import { flatten, leaves, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
import { addDecayedWeightsRule, scaleByLearningRateRule, traceRule } from "./rules";
import {
  chain,
  checkHypers,
  fromRule,
  treeTransform,
  withDefaults,
  type GradientTransformation,
  type Hyper,
} from "./transform";

function assertMatrixLeaves(owner: string, tree: Tree): void {
  for (const { path, leaf } of leaves(tree)) {
    if (leaf.rank < 2) {
      throw new Error(
        `${owner}: parameter ${path} has shape [${leaf.shape}]; matrix optimizers need rank ≥ 2 (the last two axes are the matrix) — use an elementwise optimizer for it`,
      );
    }
  }
}

/** `x` with its last two axes swapped. */
function transposeLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/** Batched `a @ b` over any number of leading axes (same leading shape). */
function bmm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const lead = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2),
    n = b.shape[b.rank - 1];
  const c = tf.matMul(a.reshape([-1, m, k]) as tf.Tensor3D, b.reshape([-1, k, n]) as tf.Tensor3D);
  return c.reshape([...lead, m, n]);
}

/** Identity matrices shaped `[...lead, k, k]`. */
function eyeLike(lead: number[], k: number, scale = 1): tf.Tensor {
  return tf.mul(tf.broadcastTo(tf.eye(k), [...lead, k, k]), scale);
}

/** Quintic Newton–Schulz coefficients (a, b, c) of Keller Jordan's Muon reference implementation. */
export const MUON_NS_COEFFICIENTS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

export interface NewtonSchulzOptions {
  /** Iterations (default 5). */
  steps?: number;
  /** (a, b, c) of X ← aX + b(XXᵀ)X + c(XXᵀ)²X (default `MUON_NS_COEFFICIENTS`). */
  coefficients?: readonly [number, number, number];
  /** Added to the Frobenius norm before dividing (default 1e-7). */
  eps?: number;
}

/**
 * Approximate orthogonalisation `G = USVᵀ ↦ U S' Vᵀ` by the quintic Newton–Schulz iteration of
 * Muon (Jordan et al., 2024, https://kellerjordan.github.io/posts/muon/): X₀ = G/(‖G‖_F + ε)
 * (transposed first when rows > cols, so XXᵀ is the smaller Gram matrix), then `steps` times
 * `A = XXᵀ, X ← aX + (bA + cA²)X`. Each singular value follows the scalar map
 * φ(s) = as + bs³ + cs⁵, which with the default coefficients sends (0, 1] to roughly [0.7, 1.2]
 * rather than to 1 exactly (a steeper slope at 0 was preferred to full convergence). Batched over
 * all leading axes. float32 here; the reference runs it in bfloat16.
 */
export function newtonSchulzOrthogonalize(G: tf.Tensor, opts: NewtonSchulzOptions = {}): tf.Tensor {
  const name = "newtonSchulzOrthogonalize";
  checkOptions(name, opts, ["steps", "coefficients", "eps"]);
  const { steps = 5, coefficients = MUON_NS_COEFFICIENTS, eps = 1e-7 } = opts;
  if (G.rank < 2) throw new Error(`${name}: needs a matrix (rank ≥ 2), got shape [${G.shape}]`);
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`${name}: steps must be a non-negative integer, got ${steps}`);
  if (coefficients.length !== 3 || coefficients.some((c) => !Number.isFinite(c))) {
    throw new Error(`${name}: coefficients must be three finite numbers (a, b, c)`);
  }
  const [a, b, c] = coefficients;
  const tall = G.shape[G.rank - 2] > G.shape[G.rank - 1];
  return tf.tidy(() => {
    let X = tall ? transposeLast(G) : G;
    const norm = tf.sqrt(tf.sum(tf.square(X), [X.rank - 2, X.rank - 1], true));
    X = tf.div(X, tf.add(norm, eps));
    for (let k = 0; k < steps; k++) {
      const A = bmm(X, transposeLast(X));
      const B = tf.add(tf.mul(b, A), tf.mul(c, bmm(A, A)));
      X = tf.add(tf.mul(a, X), bmm(B, X));
    }
    return tall ? transposeLast(X) : X;
  });
}

export interface MomentumEmaOptions {
  /** Nesterov look-ahead (default true, as in the Muon reference). */
  nesterov?: boolean;
}

/**
 * Muon's momentum (an EMA): `m_t = β·m + (1 − β)·g`, update `m_t`, or with Nesterov
 * `(1 − β)·g + β·m_t`. Hyperparameter `momentum` β (default 0.95).
 */
export function muonMomentumRule(opts: MomentumEmaOptions = {}): ElementwiseRule<"momentum", "m"> {
  checkOptions("muonMomentumRule", opts, ["nesterov"]);
  const nesterov = opts.nesterov ?? true;
  // optax's trace with an averaged buffer is exactly this momentum; only the default β differs.
  return withDefaults(
    traceRule({ ema: true, nesterov }),
    { momentum: 0.95 },
    nesterov ? "muonMomentumNesterov" : "muonMomentum",
  );
}

/** How Muon scales the orthogonalised update of an m×n matrix. */
export type MuonScale = "shape" | "moonlight" | "none";

/**
 * Muon's "shape" factor for a weight stored `[fanIn, fanOut]` (this library's layout: `mlp` in
 * `lib/landscapes/networks.ts` computes `h @ W`): √max(1, fanOut/fanIn). The reference writes
 * √max(1, rows/cols) for PyTorch's `[fanOut, fanIn]`; both scale up layers wider at the output.
 */
export function muonShapeScale(fanIn: number, fanOut: number): number {
  return Math.sqrt(Math.max(1, fanOut / fanIn));
}

/**
 * The orthogonalisation step of Muon as a transform (no state): each leaf `[…, fanIn, fanOut]` is
 * updated by `scale·NS(u)`, with scale "shape" (default; the reference's factor in our layout,
 * √max(1, fanOut/fanIn), see `muonShapeScale`), "moonlight" (`0.2·√max(m, n)`, matching AdamW's
 * update RMS; Liu et al., "Muon is Scalable for LLM Training", 2025) or "none".
 */
export function scaleByNewtonSchulz(
  opts: NewtonSchulzOptions & { scale?: MuonScale } = {},
): GradientTransformation<null> {
  const name = "scaleByNewtonSchulz";
  checkOptions(name, opts, ["steps", "coefficients", "eps", "scale"]);
  const { scale = "shape", ...ns } = opts;
  if (!["shape", "moonlight", "none"].includes(scale)) throw new Error(`${name}: unknown scale "${String(scale)}"`);
  return treeTransform<null>(
    name,
    (params) => {
      assertMatrixLeaves(name, params);
      return null;
    },
    (g) => {
      assertMatrixLeaves(name, g);
      const out = flatten(g).map((u) => {
        const fanIn = u.shape[u.rank - 2],
          fanOut = u.shape[u.rank - 1];
        const f =
          scale === "shape"
            ? muonShapeScale(fanIn, fanOut)
            : scale === "moonlight"
              ? 0.2 * Math.sqrt(Math.max(fanIn, fanOut))
              : 1;
        return tf.mul(newtonSchulzOrthogonalize(u, ns), f);
      });
      return { updates: unflatten(g, out), state: null };
    },
  );
}

export interface MuonOptions extends NewtonSchulzOptions, MomentumEmaOptions {
  /** Learning rate (default 0.02, the reference's). */
  lr?: Hyper;
  /** β of the momentum EMA (default 0.95). */
  momentum?: Hyper;
  /** Decoupled weight decay λ: θ ← θ − η(λθ + update) (default 0, off). */
  weightDecay?: Hyper;
  scale?: MuonScale;
}

/**
 * Muon — MomentUm Orthogonalized by Newton–Schulz (Jordan et al., 2024; reference
 * KellerJordan/Muon): `m ← βm + (1−β)g`, `u = (1−β)g + βm` (Nesterov, default) or `m`,
 * `θ ← θ(1 − ηλ) − η·s·NS₅(u)` with NS₅ the quintic Newton–Schulz iteration
 * (coefficients 3.4445, −4.7750, 2.0315; 5 steps; Frobenius normalisation first; transposed when
 * rows > cols) and s = √max(1, fanOut/fanIn) for a weight stored `[fanIn, fanOut]` (as `mlp` stores
 * them; the reference's √max(1, rows/cols) is for PyTorch's `[fanOut, fanIn]`). Defaults: lr 0.02, momentum 0.95, nesterov true, steps 5,
 * weightDecay 0, scale "shape". Built as chain(momentum, orthogonalise, [decay], −η).
 */
export function muon(opts: MuonOptions = {}): GradientTransformation {
  checkOptions("muon", opts, ["lr", "momentum", "weightDecay", "nesterov", "steps", "coefficients", "eps", "scale"]);
  const { lr = 0.02, momentum = 0.95, weightDecay, nesterov, ...ns } = opts;
  const parts: GradientTransformation[] = [
    fromRule(muonMomentumRule({ nesterov }), { momentum }, { name: "muonMomentum" }),
    scaleByNewtonSchulz(ns),
  ];
  if (weightDecay !== undefined) parts.push(fromRule(addDecayedWeightsRule(), { weightDecay }));
  parts.push(fromRule(scaleByLearningRateRule(), { lr }));
  const t = chain(...parts);
  return { ...t, name: "muon" };
}

// ---------------------------------------------------------------------------------------------
// Shampoo

/**
 * `A^{−1/p}` for symmetric positive definite `A` (batched `[..., k, k]`) by the coupled Newton
 * iteration (Guo & Higham, "A Schur–Newton method for the matrix p-th root and its inverse", SIAM J.
 * Matrix Anal. Appl. 2006): with z = ‖A‖_F, X₀ = z^{−1/p}I, M₀ = A/z, repeat
 * `T = ((p+1)I − M)/p, X ← XT, M ← TᵖM`; M → I and X → A^{−1/p}. Eigenvalues of M₀ lie in (0, 1],
 * where the iteration converges monotonically; small ones grow by ((p+1)/p)ᵖ per iteration until
 * the quadratic phase, so a condition number κ needs about log(κ)/log(2.44) + 6 iterations (p = 4).
 */
export function inversePthRoot(A: tf.Tensor, p: number, iterations = 30): tf.Tensor {
  if (A.rank < 2 || A.shape[A.rank - 1] !== A.shape[A.rank - 2])
    throw new Error(`inversePthRoot: needs square matrices, got shape [${A.shape}]`);
  if (!Number.isInteger(p) || p < 1) throw new Error(`inversePthRoot: p must be a positive integer, got ${p}`);
  const k = A.shape[A.rank - 1],
    lead = A.shape.slice(0, -2);
  return tf.tidy(() => {
    const z = tf.sqrt(tf.sum(tf.square(A), [A.rank - 2, A.rank - 1], true));
    const I = eyeLike(lead, k);
    let X = tf.mul(I, tf.pow(z, -1 / p));
    let M = tf.div(A, z);
    for (let i = 0; i < iterations; i++) {
      const T = tf.div(tf.sub(tf.mul(I, p + 1), M), p);
      X = bmm(X, T);
      let Tp = T;
      for (let j = 1; j < p; j++) Tp = bmm(Tp, T);
      M = bmm(Tp, M);
    }
    return X;
  });
}

export interface ShampooOptions {
  /** Learning rate η (default 0.1, this library's choice). */
  lr?: Hyper;
  /** ε of L₀ = εI, R₀ = εI (default 1e-4). */
  eps?: number;
  /**
   * Accumulation of the factors: undefined (default; Gupta et al.) sums, `L ← L + GGᵀ`; a number β
   * uses an exponential moving average `L ← βL + (1−β)GGᵀ` (as in later distributed Shampoo).
   */
  beta2?: number;
  /** Newton iterations for each inverse 4th root (default 30). */
  rootIterations?: number;
}

export interface ShampooState {
  count: number;
  /** Per leaf, the left [..., m, m] and right [..., n, n] factors. */
  left: tf.Tensor[];
  right: tf.Tensor[];
}

/**
 * The Shampoo preconditioning step (Gupta, Koren & Singer, "Shampoo: Preconditioned Stochastic
 * Tensor Optimization", ICML 2018, Algorithm 1 for matrices) as a transform:
 * `L ← L + GGᵀ`, `R ← R + GᵀG`, update `L^{−1/4} G R^{−1/4}`, with L₀ = R₀ = εI.
 */
export function scaleByShampoo(opts: Omit<ShampooOptions, "lr"> = {}): GradientTransformation<ShampooState> {
  const name = "scaleByShampoo";
  checkOptions(name, opts, ["eps", "beta2", "rootIterations"]);
  const { eps = 1e-4, beta2, rootIterations = 30 } = opts;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`${name}: eps must be finite and > 0, got ${eps}`);
  if (beta2 !== undefined && !(beta2 >= 0 && beta2 < 1))
    throw new Error(`${name}: beta2 must lie in [0, 1), got ${beta2}`);
  if (!Number.isInteger(rootIterations) || rootIterations < 1)
    throw new Error(`${name}: rootIterations must be a positive integer`);
  const accumulate = (F: tf.Tensor, GG: tf.Tensor) =>
    beta2 === undefined ? tf.add(F, GG) : tf.add(tf.mul(beta2, F), tf.mul(1 - beta2, GG));
  return treeTransform<ShampooState>(
    name,
    (params) => {
      assertMatrixLeaves(name, params);
      const ls = flatten(params);
      return {
        count: 0,
        left: ls.map((l) => eyeLike(l.shape.slice(0, -2), l.shape[l.rank - 2], eps)),
        right: ls.map((l) => eyeLike(l.shape.slice(0, -2), l.shape[l.rank - 1], eps)),
      };
    },
    (grads, state) => {
      assertMatrixLeaves(name, grads);
      const gs = flatten(grads);
      if (gs.length !== state.left.length)
        throw new Error(`${name}: ${gs.length} gradient leaves for a state of ${state.left.length}`);
      const left = gs.map((g, i) => accumulate(state.left[i], bmm(g, transposeLast(g))));
      const right = gs.map((g, i) => accumulate(state.right[i], bmm(transposeLast(g), g)));
      const updates = gs.map((g, i) =>
        bmm(bmm(inversePthRoot(left[i], 4, rootIterations), g), inversePthRoot(right[i], 4, rootIterations)),
      );
      return { updates: unflatten(grads, updates), state: { count: state.count + 1, left, right } };
    },
  );
}

/**
 * Shampoo for matrix parameters (Gupta, Koren & Singer, ICML 2018): `L_t = L_{t−1} + G_tG_tᵀ`,
 * `R_t = R_{t−1} + G_tᵀG_t`, `W ← W − η·L_t^{−1/4} G_t R_t^{−1/4}`, L₀ = R₀ = εI; inverse roots by
 * a coupled Newton iteration (`inversePthRoot`), recomputed every step. Defaults: lr 0.1, eps 1e-4,
 * sum accumulation (`beta2` for an EMA), 30 root iterations.
 */
export function shampoo(opts: ShampooOptions = {}): GradientTransformation {
  checkOptions("shampoo", opts, ["lr", "eps", "beta2", "rootIterations"]);
  const { lr = 0.1, ...rest } = opts;
  checkHypers("shampoo", ["lr"], { lr });
  const t = chain(scaleByShampoo(rest), fromRule(scaleByLearningRateRule(), { lr }));
  return { ...t, name: "shampoo" };
}
