/**
 * Named optimizers, optax-style. Each is declared once with `defineOptimizer` (`./define`) as a
 * chain of the small rules in `./rules`, which gives it in both forms: `xxxRule({ …variants })`,
 * one composed `ElementwiseRule` (hyperparameters `lr, b1, b2, eps, …`; what the sweep engine runs),
 * and `xxx({ lr, …, …variants })`, the tfjs `GradientTransformation` built from that very rule.
 *
 * Every transform takes one options object mixing hyperparameters (numbers, schedules, tensors,
 * `perRun`) and variant options (categorical, fixed at construction). Unknown keys are errors.
 */
import * as tf from "@tensorflow/tfjs";
import { flatten, leaves, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
import { decayedDescentRule, defineOptimizer, descentRule, type WeightDecayOption } from "./define";
import {
  addDecayedWeightsRule,
  adanRule,
  scaleByAdamRule,
  scaleByAdoptRule,
  scaleByBeliefRule,
  scaleByDiffGradRule,
  scaleByGramsRule,
  scaleByLearningRateRule,
  scaleByLionRule,
  scaleByNadamRule,
  scaleByRmsRule,
  scaleByRssRule,
  scaleBySignRule,
  traceRule,
  type AdamOptions,
  type AdanOptions,
  type AdoptOptions,
  type NadamOptions,
  type RmsOptions,
  type RssOptions,
  type TraceOptions,
} from "./rules";
import {
  alongRuns,
  checkHypers,
  fromRule,
  hyperAt,
  hyperForLeaf,
  squaredNorm,
  treeTransform,
  type GradientTransformation,
  type Hyper,
  type HyperOptions,
  type RuleState,
} from "./transform";

// ---------------------------------------------------------------------------------------------
// Gradient descent and momentum

export interface MomentumOptions {
  /** Only "none" or "l2" (coupled, PyTorch SGD `weight_decay`). */
  weightDecayMode?: "none" | "l2";
  /**
   * false (default; PyTorch, optax, tfjs): m_t = μm + g, θ ← θ − η·m_t. true (Polyak's and Sutskever
   * et al.'s form): v_t = μv − η·g, θ ← θ + v_t. Identical for a constant η; they differ under schedules.
   */
  lrInsideMomentum?: boolean;
}

const sgdOptimizer = defineOptimizer({
  name: "sgd",
  variants: ["weightDecayMode"],
  naturalDecay: "l2",
  build: ({ weightDecayMode }: Pick<MomentumOptions, "weightDecayMode">) =>
    decayedDescentRule("sgd", [], { weightDecayMode, allowedModes: ["none", "l2"], defaults: { lr: 1e-2 } }),
});

/** Momentum SGD, θ ← θ − η·(momentum direction); heavy ball and Nesterov differ only in `traceRule`'s form. */
function momentumOptimizer(name: "heavyBall" | "nesterov") {
  return defineOptimizer({
    name,
    variants: ["weightDecayMode", "lrInsideMomentum"],
    naturalDecay: "l2",
    build: ({ weightDecayMode, lrInsideMomentum }: MomentumOptions) =>
      decayedDescentRule(name, [traceRule({ nesterov: name === "nesterov" })], {
        weightDecayMode,
        lrInsideMomentum,
        allowedModes: ["none", "l2"],
        defaults: { lr: 1e-2, momentum: 0.9 },
      }),
  });
}
const heavyBallOptimizer = momentumOptimizer("heavyBall");
const nesterovOptimizer = momentumOptimizer("nesterov");

/** Plain gradient descent: θ ← θ − η·g (Robbins & Monro, 1951). Defaults: lr 1e-2. */
export const sgdRule = sgdOptimizer.rule;

/**
 * Heavy ball (Polyak, 1964, "Some methods of speeding up the convergence of iteration methods"):
 * m_t = μ·m + g, θ ← θ − η·m_t. Defaults: lr 1e-2, momentum 0.9.
 */
export const heavyBallRule = heavyBallOptimizer.rule;
/** Heavy ball (Polyak, 1964) as a transform: m ← μm + g, θ ← θ − η·m (see `heavyBallRule`). */
export const heavyBall = heavyBallOptimizer.transform;

/**
 * Nesterov momentum (Nesterov, 1983) in the form of Sutskever et al. (2013, "On the importance of
 * initialization and momentum in deep learning") used by PyTorch, optax and tfjs:
 * m_t = μ·m + g, θ ← θ − η·(g + μ·m_t). Defaults: lr 1e-2, momentum 0.9.
 */
export const nesterovRule = nesterovOptimizer.rule;
/** Nesterov momentum (Nesterov, 1983; Sutskever et al., 2013) as a transform: θ ← θ − η·(g + μm) (see `nesterovRule`). */
export const nesterov = nesterovOptimizer.transform;

export interface SgdOptions extends HyperOptions<"lr" | "momentum" | "weightDecay">, MomentumOptions {
  /** Nesterov momentum (needs `momentum`). Default false. */
  nesterov?: boolean;
}

/**
 * SGD (Robbins & Monro, 1951), θ ← θ − η·g, optionally with heavy-ball or Nesterov momentum:
 * `sgd({ lr })` is `sgdRule`, with `momentum` it is `heavyBallRule`, with `nesterov: true`
 * `nesterovRule`. Defaults: lr 1e-2.
 */
export function sgd(opts: SgdOptions = {}): GradientTransformation<RuleState> {
  if (opts.nesterov !== undefined && typeof opts.nesterov !== "boolean")
    throw new Error(`sgd: option nesterov must be a boolean`);
  const { nesterov: withNesterov, ...rest } = opts;
  if (rest.momentum === undefined && withNesterov !== true) {
    if (rest.lrInsideMomentum !== undefined) throw new Error(`sgd: lrInsideMomentum needs momentum`);
    return sgdOptimizer.transform(rest);
  }
  return (withNesterov ? nesterovOptimizer : heavyBallOptimizer).transform(rest);
}

export interface SignDescentOptions {
  /** Signum (Bernstein et al., 2018): the sign of an EMA of gradients, m_t = μm + (1−μ)g. Default false. */
  signum?: boolean;
}

const signDescentOptimizer = defineOptimizer({
  name: "signDescent",
  variants: ["signum"],
  build: ({ signum }: SignDescentOptions) =>
    descentRule(
      signum ? "signum" : "signDescent",
      signum ? [traceRule({ ema: true }), scaleBySignRule()] : [scaleBySignRule()],
      {
        defaults: { lr: 1e-3 },
      },
    ),
});

/**
 * Sign descent, signSGD (Bernstein, Wang, Azizzadenesheli & Anandkumar, 2018, "signSGD: Compressed
 * Optimisation for Non-Convex Problems"): θ ← θ − η·sign(g); Signum uses sign(m_t).
 * Defaults: lr 1e-3, momentum 0.9 (Signum).
 */
export const signDescentRule = signDescentOptimizer.rule;
/** Sign descent (Bernstein et al., 2018) as a transform: θ ← θ − η·sign(g), Signum θ ← θ − η·sign(m) (see `signDescentRule`). */
export const signDescent = signDescentOptimizer.transform;

// ---------------------------------------------------------------------------------------------
// Adaptive methods

const adagradOptimizer = defineOptimizer({
  name: "adagrad",
  variants: ["epsPlacement", "initialAccumulator"],
  build: (variants: RssOptions) => descentRule("adagrad", [scaleByRssRule(variants)], { defaults: { lr: 1e-2 } }),
});

/**
 * AdaGrad (Duchi, Hazan & Singer, 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"): v_t = v + g², θ ← θ − η·g/(√v_t + ε). Defaults: lr 1e-2, eps 1e-7,
 * initial accumulator 0.1 (as tfjs and optax), ε outside the root.
 */
export const adagradRule = adagradOptimizer.rule;
/** AdaGrad (Duchi, Hazan & Singer, 2011) as a transform: v ← v + g², θ ← θ − η·g/(√v + ε). Options: hyperparameters `lr, eps` and the variants of `adagradRule`. */
export const adagrad = adagradOptimizer.transform;

export interface RmspropOptions extends RmsOptions {
  /** Nesterov form of the momentum on the normalised gradient. Default false. */
  nesterov?: boolean;
}

const rmspropOptimizer = defineOptimizer({
  name: "rmsprop",
  variants: ["centered", "epsPlacement", "initialScale", "nesterov"],
  build: ({ nesterov, ...rms }: RmspropOptions) =>
    descentRule("rmsprop", [scaleByRmsRule(rms), traceRule({ nesterov })], { defaults: { lr: 1e-3, momentum: 0 } }),
});

/**
 * RMSProp (Tieleman & Hinton, 2012, Coursera Lecture 6.5; centered: Graves, 2013):
 * v_t = ρv + (1−ρ)g², b_t = μb + g/(√v_t + ε), θ ← θ − η·b_t. Defaults: lr 1e-3, decay ρ 0.9,
 * eps 1e-8 outside the root (PyTorch; tfjs puts it inside), momentum μ 0.
 */
export const rmspropRule = rmspropOptimizer.rule;
/** RMSProp (Tieleman & Hinton, 2012; centered: Graves, 2013) as a transform: v ← ρv + (1−ρ)g², b ← μb + g/(√v + ε), θ ← θ − η·b. Options: `lr, decay, eps, momentum` and the variants of `rmspropRule`. */
export const rmsprop = rmspropOptimizer.transform;

export interface AdamFamilyOptions extends AdamOptions, WeightDecayOption {}

const adamOptimizer = defineOptimizer({
  name: "adam",
  variants: ["epsPlacement", "biasCorrection", "amsgrad", "amsgradMax", "weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode, ...adam }: AdamFamilyOptions) =>
    decayedDescentRule(
      weightDecayMode === "decoupled" ? "adamw" : adam.amsgrad ? "amsgrad" : "adam",
      [scaleByAdamRule(adam)],
      {
        weightDecayMode,
        defaults: { lr: 1e-3 },
      },
    ),
});
const adamwOptimizer = adamOptimizer.partial("adamw", { weightDecayMode: "decoupled" });
const amsgradOptimizer = adamOptimizer.partial("amsgrad", { amsgrad: true });

/**
 * Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1):
 * m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g², θ ← θ − η·m̂_t/(√v̂_t + ε).
 * Variants: `epsPlacement` ("outside" default; "inside"; "uncorrected" = Keras's ε̂ form),
 * `amsgrad`, `amsgradMax`, `biasCorrection`, `weightDecayMode` ("none" default).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export const adamRule = adamOptimizer.rule;
/** Adam (Kingma & Ba, 2015) as a transform: θ ← θ − η·m̂/(√v̂ + ε). Options: `lr, b1, b2, eps` (+ `weightDecay`) and the variants of `adamRule` (`epsPlacement`, `biasCorrection`, `amsgrad`, `amsgradMax`, `weightDecayMode`). */
export const adam = adamOptimizer.transform;

/**
 * AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"):
 * θ ← θ − η·(m̂/(√v̂ + ε) + λθ) — decay decoupled from the preconditioner and scaled by η as in
 * PyTorch and optax. Adam with `weightDecayMode: "decoupled"`. Defaults: lr 1e-3, b1 0.9,
 * b2 0.999, eps 1e-8, weightDecay 1e-2.
 */
export const adamwRule = adamwOptimizer.rule;
/** AdamW (Loshchilov & Hutter, 2019) as a transform: θ ← θ − η·(m̂/(√v̂ + ε) + λθ). Options as `adam`; weightDecay default 1e-2. */
export const adamw = adamwOptimizer.transform;

/**
 * AMSGrad (Reddi, Kale & Kumar, 2018, "On the Convergence of Adam and Beyond"): Adam dividing by
 * the running maximum v̂max_t = max(v̂max, v_t) (Adam with `amsgrad: true`). Default: max over the
 * raw v, then bias-corrected (PyTorch); `amsgradMax: "afterCorrection"` takes the max of the
 * bias-corrected v̂ (optax); `biasCorrection: false` is the paper's Algorithm 2. Defaults as Adam.
 */
export const amsgradRule = amsgradOptimizer.rule;
/** AMSGrad (Reddi, Kale & Kumar, 2018) as a transform: Adam dividing by the running max of v (see `amsgradRule` for where the max is taken). */
export const amsgrad = amsgradOptimizer.transform;

const adabeliefOptimizer = defineOptimizer({
  name: "adabelief",
  variants: ["weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode }: WeightDecayOption) =>
    decayedDescentRule("adabelief", [scaleByBeliefRule()], { weightDecayMode, defaults: { lr: 1e-3 } }),
});

/**
 * AdaBelief (Zhuang et al., 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
 * Gradients", Algorithm 2): s_t = β₂s + (1−β₂)(g − m_t)² + ε, θ ← θ − η·m̂_t/(√ŝ_t + ε).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-16.
 */
export const adabeliefRule = adabeliefOptimizer.rule;
/** AdaBelief (Zhuang et al., 2020) as a transform: s ← β₂s + (1−β₂)(g − m)² + ε, θ ← θ − η·m̂/(√ŝ + ε). */
export const adabelief = adabeliefOptimizer.transform;

export interface DiffGradOptions extends Pick<AdamOptions, "epsPlacement" | "biasCorrection">, WeightDecayOption {}

const diffGradOptimizer = defineOptimizer({
  name: "diffGrad",
  variants: ["epsPlacement", "biasCorrection", "weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode, ...adam }: DiffGradOptions) =>
    decayedDescentRule("diffGrad", [scaleByDiffGradRule(adam)], { weightDecayMode, defaults: { lr: 1e-3 } }),
});

/**
 * diffGrad (Dubey et al., 2019, "diffGrad: An Optimization Method for Convolutional Neural
 * Networks"): θ ← θ − η·ξ_t·m̂_t/(√v̂_t + ε) with ξ_t = sigmoid(|g_{t−1} − g_t|).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export const diffGradRule = diffGradOptimizer.rule;
/** diffGrad (Dubey et al., 2019) as a transform: θ ← θ − η·sigmoid(|g_{t−1} − g_t|)·m̂/(√v̂ + ε). */
export const diffGrad = diffGradOptimizer.transform;

export interface AdoptFamilyOptions extends AdoptOptions, WeightDecayOption {}

const adoptOptimizer = defineOptimizer({
  name: "adopt",
  variants: ["clip", "weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode, ...adopt }: AdoptFamilyOptions) =>
    decayedDescentRule("adopt", [scaleByAdoptRule(adopt)], { weightDecayMode, defaults: { lr: 1e-3 } }),
});

/**
 * ADOPT (Taniguchi et al., 2024, "ADOPT: Modified Adam Can Converge with Any β₂ with the Optimal
 * Rate"): m_t = β₁m + (1−β₁)·clip(g_t/max(√v_{t−1}, ε), (t−1)^¼), θ ← θ − η·m_t,
 * v_t = β₂v + (1−β₂)g²; the first step only sets v₀ = g₀². Defaults: lr 1e-3, b1 0.9,
 * b2 0.9999, eps 1e-6, clip on.
 */
export const adoptRule = adoptOptimizer.rule;
/** ADOPT (Taniguchi et al., 2024) as a transform: m ← β₁m + (1−β₁)·clip(g/max(√v_{t−1}, ε), (t−1)^¼), θ ← θ − η·m, then v ← β₂v + (1−β₂)g². */
export const adopt = adoptOptimizer.transform;

/**
 * Adan (Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
 * Models", Algorithm 1) as a transform; the rule is `adanRule` in `./rules` (its proximal weight
 * decay is not additive, so it is one rule, not a chain). Defaults: lr 1e-3, b1 0.98, b2 0.92,
 * b3 0.99, eps 1e-8, weightDecay 0 (proximal).
 */
export const adan = defineOptimizer({
  name: "adan",
  variants: ["weightDecayMode", "biasCorrection"],
  build: (variants: AdanOptions) => adanRule(variants),
}).transform;

const lionOptimizer = defineOptimizer({
  name: "lion",
  variants: ["weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode }: WeightDecayOption) =>
    decayedDescentRule("lion", [scaleByLionRule()], { weightDecayMode, defaults: { lr: 1e-4 } }),
});

/**
 * Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"):
 * θ ← θ − η·(sign(β₁m + (1−β₁)g) + λθ), m_t = β₂m + (1−β₂)g. Defaults: lr 1e-4, b1 0.9, b2 0.99;
 * weight decay (decoupled) off unless given.
 */
export const lionRule = lionOptimizer.rule;
/** Lion (Chen et al., 2023) as a transform: θ ← θ − η·(sign(β₁m + (1−β₁)g) + λθ), m ← β₂m + (1−β₂)g. */
export const lion = lionOptimizer.transform;

export interface GramsOptions extends Pick<AdamOptions, "epsPlacement" | "biasCorrection">, WeightDecayOption {}

const gramsOptimizer = defineOptimizer({
  name: "grams",
  variants: ["epsPlacement", "biasCorrection", "weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode, ...adam }: GramsOptions) =>
    decayedDescentRule("grams", [scaleByGramsRule(adam)], { weightDecayMode, defaults: { lr: 1e-3 } }),
});

/**
 * Grams (Cao, Li & Song, 2024, "Grams: Gradient Descent with Adaptive Momentum Scaling"):
 * u_t = m̂_t/(√v̂_t + ε), θ ← θ − η·(sign(g_t) ⊙ |u_t| + λθ). Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export const gramsRule = gramsOptimizer.rule;
/** Grams (Cao, Li & Song, 2024) as a transform: θ ← θ − η·sign(g) ⊙ |m̂/(√v̂ + ε)|. */
export const grams = gramsOptimizer.transform;

export interface NadamFamilyOptions extends NadamOptions, WeightDecayOption {}

const nadamOptimizer = defineOptimizer({
  name: "nadam",
  variants: ["form", "weightDecayMode"],
  naturalDecay: "decoupled",
  build: ({ weightDecayMode, ...nadam }: NadamFamilyOptions) =>
    decayedDescentRule("nadam", [scaleByNadamRule(nadam)], { weightDecayMode, defaults: { lr: 2e-3 } }),
});

/**
 * NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"): Adam with the Nesterov
 * look-ahead on m (see `scaleByNadamRule`). Default form "dozat" (momentum schedule ψ = 0.004, as
 * PyTorch and Keras); "constant" is optax's. Defaults: lr 2e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export const nadamRule = nadamOptimizer.rule;
/** NAdam (Dozat, 2016) as a transform: Adam with Nesterov's look-ahead on the first moment (see `nadamRule`; default form "dozat"). */
export const nadam = nadamOptimizer.transform;

// ---------------------------------------------------------------------------------------------
// optax's building blocks as transforms, for hand-made chains:
// chain(scaleByAdam(), addDecayedWeights(1e-2), scaleByLearningRate(1e-3)) is adamw.

/** −η·g as a transform (see `scaleByLearningRateRule`). */
export function scaleByLearningRate(lr: Hyper): GradientTransformation<RuleState> {
  return fromRule(scaleByLearningRateRule(), { lr });
}
/** g + λθ as a transform (optax `add_decayed_weights`; see `addDecayedWeightsRule`). */
export function addDecayedWeights(weightDecay: Hyper): GradientTransformation<RuleState> {
  return fromRule(addDecayedWeightsRule(), { weightDecay });
}
/** sign(g) as a transform (signSGD's direction; Bernstein et al., 2018). */
export function scaleBySign(): GradientTransformation<RuleState> {
  return fromRule(scaleBySignRule());
}
/** Momentum m ← μm + g (Polyak, 1964; optax `trace`; see `traceRule`). */
export const trace = defineOptimizer({
  name: "trace",
  variants: ["nesterov", "ema"],
  build: (v: TraceOptions) => traceRule(v),
}).transform;
/** AdaGrad's g/(√Σg² + ε) (Duchi et al., 2011; see `scaleByRssRule`). */
export const scaleByRss = defineOptimizer({
  name: "scaleByRss",
  variants: ["epsPlacement", "initialAccumulator"],
  build: (v: RssOptions) => scaleByRssRule(v),
}).transform;
/** RMSProp's g/(√v + ε), v ← ρv + (1−ρ)g² (Tieleman & Hinton, 2012; see `scaleByRmsRule`). */
export const scaleByRms = defineOptimizer({
  name: "scaleByRms",
  variants: ["centered", "epsPlacement", "initialScale"],
  build: (v: RmsOptions) => scaleByRmsRule(v),
}).transform;
/** Adam's m̂/(√v̂ + ε) (Kingma & Ba, 2015; see `scaleByAdamRule`). */
export const scaleByAdam = defineOptimizer({
  name: "scaleByAdam",
  variants: ["epsPlacement", "biasCorrection", "amsgrad", "amsgradMax"],
  build: (v: AdamOptions) => scaleByAdamRule(v),
}).transform;
/** AdaBelief's direction m̂/(√ŝ + ε) (Zhuang et al., 2020; see `scaleByBeliefRule`). */
export const scaleByBelief = defineOptimizer({
  name: "scaleByBelief",
  variants: [],
  build: () => scaleByBeliefRule(),
}).transform;
/** Lion's direction sign(β₁m + (1−β₁)g) (Chen et al., 2023; see `scaleByLionRule`). */
export const scaleByLion = defineOptimizer({
  name: "scaleByLion",
  variants: [],
  build: () => scaleByLionRule(),
}).transform;

/**
 * The named elementwise optimizers as engine rules, by name: `ELEMENTWISE_OPTIMIZERS.adam({ epsPlacement })`
 * returns one composed `ElementwiseRule` whose hyperparameter names are the ones a sweep grids over.
 */
export const ELEMENTWISE_OPTIMIZERS = {
  sgd: sgdRule,
  heavyBall: heavyBallRule,
  nesterov: nesterovRule,
  signDescent: signDescentRule,
  adagrad: adagradRule,
  rmsprop: rmspropRule,
  adam: adamRule,
  adamw: adamwRule,
  amsgrad: amsgradRule,
  adabelief: adabeliefRule,
  diffGrad: diffGradRule,
  adopt: adoptRule,
  adan: adanRule,
  lion: lionRule,
  grams: gramsRule,
  nadam: nadamRule,
} as const;

// ---------------------------------------------------------------------------------------------
// AdaGrad-Norm (a tree transform: one step size for the whole tree)

export interface AdagradNormOptions {
  lr?: Hyper;
  /** b₀ > 0, the initial accumulator is b₀². Default 1e-2 (number only). */
  b0?: number;
  /** With params `[runs, …]`: one accumulator per run (norms over every axis but the first). Default false. */
  perRun?: boolean;
}

export interface AdagradNormState {
  count: number;
  /** b_t², a scalar or `[runs]`. */
  b2: tf.Tensor;
}

/**
 * AdaGrad-Norm (Ward, Wu & Bottou, 2019, "AdaGrad stepsizes: sharp convergence over nonconvex
 * landscapes"): b_t² = b_{t−1}² + ‖g_t‖², θ ← θ − η·g_t/b_t, with ‖·‖ the norm of the whole tree
 * (per run with `perRun`). Defaults: lr 1, b0 1e-2.
 */
export function adagradNorm(options: AdagradNormOptions = {}): GradientTransformation<AdagradNormState> {
  const name = "adagradNorm";
  checkOptions(name, options, ["lr", "b0", "perRun"]);
  const { lr = 1, b0 = 1e-2, perRun: byRun = false } = options;
  checkHypers(name, ["lr", "b0"], { lr, b0 });
  if (!(b0 > 0)) throw new Error(`${name}: b0 must be > 0, got ${b0}`);
  return treeTransform<AdagradNormState>(
    name,
    (params) => {
      const runs = byRun ? firstAxis(name, params) : 0;
      return { count: 0, b2: byRun ? tf.fill([runs], b0 * b0) : tf.scalar(b0 * b0) };
    },
    (grads, state) => {
      const eta = hyperAt(name, "lr", lr, state.count);
      const b2 = tf.add(state.b2, squaredNorm(grads, byRun));
      const inv = tf.rsqrt(b2);
      const updates = unflatten(
        grads,
        leaves(grads).map(({ path, leaf }) =>
          tf.mul(tf.mul(tf.neg(leaf), alongRuns(inv, leaf)), hyperForLeaf(name, "lr", eta, leaf, path)),
        ),
      );
      return { updates, state: { count: state.count + 1, b2 } };
    },
  );
}

function firstAxis(owner: string, params: Tree): number {
  const ls = flatten(params);
  if (ls.length === 0 || ls[0].rank === 0)
    throw new Error(`${owner}: perRun needs parameters with a leading runs axis`);
  return ls[0].shape[0];
}
