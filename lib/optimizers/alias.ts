/**
 * Named optimizers, optax-style: each is a chain of the small rules in `./rules`, available twice —
 * as one composed `ElementwiseRule` (`adamRule({ …variants })`, hyperparameters `lr, b1, b2, eps, …`,
 * what the sweep engine runs) and as a tfjs `GradientTransformation` (`adam({ lr, …, …variants })`,
 * built from that very rule with `fromRule`).
 *
 * Every alias takes one options object mixing hyperparameters (numbers, schedules, tensors,
 * `perRun`) and variant options (categorical, fixed at construction). Unknown keys are errors.
 */
import * as tf from "@tensorflow/tfjs";
import type { ElementwiseRule } from "../core/rule";
import { flatten, leaves, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
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
  chainRules,
  checkHypers,
  fromRule,
  hyperAt,
  hyperForLeaf,
  squaredNorm,
  treeTransform,
  withDefaults,
  type GradientTransformation,
  type Hyper,
  type RuleState,
} from "./transform";

/** How weight decay enters: not at all, as an L2 term added to the gradient, or decoupled (AdamW). */
export type WeightDecayMode = "none" | "l2" | "decoupled";

export interface WeightDecayOption {
  /**
   * "l2": g + λθ before the direction rule (coupled; PyTorch's `weight_decay` for SGD/Adam);
   * "decoupled": the direction plus λθ, times −η (Loshchilov & Hutter, 2019); "none". An alias given a
   * `weightDecay` value without a mode uses its natural mode (decoupled for the adaptive methods,
   * l2 for SGD).
   */
  weightDecayMode?: WeightDecayMode;
}

type Hypers<H extends string> = { [K in H]?: Hyper };

/** direction rules → [weight decay] → −η, with the given defaults (those of absent rules ignored). */
function assemble(
  name: string,
  direction: ElementwiseRule[],
  mode: WeightDecayMode | undefined,
  defaults: Record<string, number>,
  allowed: readonly WeightDecayMode[] = ["none", "l2", "decoupled"],
  lrFirst = false,
): ElementwiseRule {
  const m = mode ?? "none";
  if (!allowed.includes(m)) throw new Error(`${name}: option weightDecayMode must be one of ${allowed.join(", ")}, got ${String(mode)}`);
  const wd = addDecayedWeightsRule();
  const lr = scaleByLearningRateRule();
  if (lrFirst && m === "decoupled") throw new Error(`${name}: decoupled weight decay needs the learning rate outside the momentum`);
  let seq = lrFirst ? [lr, ...direction] : [...direction, lr];
  if (m === "l2") seq = [wd, ...seq];
  if (m === "decoupled") seq = [...direction, wd, lr];
  const r = chainRules(name, ...seq);
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(defaults)) if (k in r.defaults) d[k] = v;
  return withDefaults(r, d);
}

/** Splits an alias's options into variants and hyperparameters and builds the transform. */
function makeAlias<V extends object>(
  name: string,
  variantKeys: readonly string[],
  build: (variants: V) => ElementwiseRule,
  naturalDecay?: WeightDecayMode,
) {
  return (opts: object = {}): GradientTransformation<RuleState> => {
    if (opts === null || typeof opts !== "object") throw new Error(`${name}: expected an options object, got ${String(opts)}`);
    const variants: Record<string, unknown> = {};
    const hyper: Record<string, Hyper> = {};
    for (const [k, v] of Object.entries(opts)) {
      if (v === undefined) continue;
      if (variantKeys.includes(k)) variants[k] = v;
      else hyper[k] = v as Hyper;
    }
    if (naturalDecay && hyper.weightDecay !== undefined && variants.weightDecayMode === undefined) {
      variants.weightDecayMode = naturalDecay;
    }
    const rule = build(variants as V);
    const known = Object.keys(rule.defaults);
    for (const k of Object.keys(hyper)) {
      if (!known.includes(k)) {
        throw new Error(
          `${name}: unknown option "${k}"; hyperparameters: ${known.join(", ")}; variant options: ${variantKeys.join(", ") || "(none)"}`,
        );
      }
    }
    return fromRule(rule, hyper, { name });
  };
}

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

/** Plain gradient descent: θ ← θ − η·g (Robbins & Monro, 1951). Defaults: lr 1e-2. */
export function sgdRule(options: Pick<MomentumOptions, "weightDecayMode"> = {}): ElementwiseRule {
  checkOptions("sgdRule", options, ["weightDecayMode"]);
  return assemble("sgd", [], options.weightDecayMode, { lr: 1e-2 }, ["none", "l2"]);
}

/**
 * Heavy ball (Polyak, 1964, "Some methods of speeding up the convergence of iteration methods"):
 * m_t = μ·m + g, θ ← θ − η·m_t. Defaults: lr 1e-2, momentum 0.9.
 */
export function heavyBallRule(options: MomentumOptions = {}): ElementwiseRule {
  checkOptions("heavyBallRule", options, ["weightDecayMode", "lrInsideMomentum"]);
  return assemble("heavyBall", [traceRule()], options.weightDecayMode, { lr: 1e-2, momentum: 0.9 }, ["none", "l2"], options.lrInsideMomentum);
}

/**
 * Nesterov momentum (Nesterov, 1983) in the form of Sutskever et al. (2013, "On the importance of
 * initialization and momentum in deep learning") used by PyTorch, optax and tfjs:
 * m_t = μ·m + g, θ ← θ − η·(g + μ·m_t). Defaults: lr 1e-2, momentum 0.9.
 */
export function nesterovRule(options: MomentumOptions = {}): ElementwiseRule {
  checkOptions("nesterovRule", options, ["weightDecayMode", "lrInsideMomentum"]);
  return assemble("nesterov", [traceRule({ nesterov: true })], options.weightDecayMode, { lr: 1e-2, momentum: 0.9 }, ["none", "l2"], options.lrInsideMomentum);
}

export interface SgdOptions extends Hypers<"lr" | "momentum" | "weightDecay">, MomentumOptions {
  /** Nesterov momentum (needs `momentum`). Default false. */
  nesterov?: boolean;
}

/**
 * SGD, optionally with heavy-ball or Nesterov momentum: `sgd({ lr })` is `sgdRule`, with
 * `momentum` it is `heavyBallRule`, with `nesterov: true` `nesterovRule`. Defaults: lr 1e-2.
 */
export function sgd(opts: SgdOptions = {}): GradientTransformation<RuleState> {
  const withMomentum = opts.momentum !== undefined || opts.nesterov === true;
  if (opts.nesterov !== undefined && typeof opts.nesterov !== "boolean") throw new Error(`sgd: option nesterov must be a boolean`);
  const { nesterov, ...rest } = opts;
  if (!withMomentum) {
    if (opts.lrInsideMomentum !== undefined) throw new Error(`sgd: lrInsideMomentum needs momentum`);
    return makeAlias("sgd", ["weightDecayMode"], sgdRule, "l2")(rest);
  }
  return nesterov
    ? makeAlias("nesterov", ["weightDecayMode", "lrInsideMomentum"], nesterovRule, "l2")(rest)
    : makeAlias("heavyBall", ["weightDecayMode", "lrInsideMomentum"], heavyBallRule, "l2")(rest);
}

/** Heavy ball as a transform (see `heavyBallRule`). */
export const heavyBall = makeAlias<MomentumOptions>("heavyBall", ["weightDecayMode", "lrInsideMomentum"], heavyBallRule, "l2") as (
  opts?: Hypers<"lr" | "momentum" | "weightDecay"> & MomentumOptions,
) => GradientTransformation<RuleState>;

/** Nesterov momentum as a transform (see `nesterovRule`). */
export const nesterov = makeAlias<MomentumOptions>("nesterov", ["weightDecayMode", "lrInsideMomentum"], nesterovRule, "l2") as (
  opts?: Hypers<"lr" | "momentum" | "weightDecay"> & MomentumOptions,
) => GradientTransformation<RuleState>;

export interface SignDescentOptions {
  /** Signum (Bernstein et al., 2018): the sign of an EMA of gradients, m_t = μm + (1−μ)g. Default false. */
  signum?: boolean;
}

/**
 * Sign descent, signSGD (Bernstein, Wang, Azizzadenesheli & Anandkumar, 2018, "signSGD: Compressed
 * Optimisation for Non-Convex Problems"): θ ← θ − η·sign(g); Signum uses sign(m_t).
 * Defaults: lr 1e-3, momentum 0.9 (Signum).
 */
export function signDescentRule(options: SignDescentOptions = {}): ElementwiseRule {
  checkOptions("signDescentRule", options, ["signum"]);
  const dir = options.signum ? [traceRule({ ema: true }), scaleBySignRule()] : [scaleBySignRule()];
  return assemble(options.signum ? "signum" : "signDescent", dir, "none", { lr: 1e-3, momentum: 0.9 });
}

/** Sign descent as a transform (see `signDescentRule`). */
export const signDescent = makeAlias<SignDescentOptions>("signDescent", ["signum"], signDescentRule) as (
  opts?: Hypers<"lr" | "momentum"> & SignDescentOptions,
) => GradientTransformation<RuleState>;

// ---------------------------------------------------------------------------------------------
// Adaptive methods

/**
 * AdaGrad (Duchi, Hazan & Singer, 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"): v_t = v + g², θ ← θ − η·g/(√v_t + ε). Defaults: lr 1e-2, eps 1e-7,
 * initial accumulator 0.1 (as tfjs and optax), ε outside the root.
 */
export function adagradRule(options: RssOptions = {}): ElementwiseRule {
  return assemble("adagrad", [scaleByRssRule(options)], "none", { lr: 1e-2 });
}
/** AdaGrad (Duchi, Hazan & Singer, 2011) as a transform: v ← v + g², θ ← θ − η·g/(√v + ε). Options: hyperparameters `lr, eps` and the variants of `adagradRule`. */
export const adagrad = makeAlias<RssOptions>("adagrad", ["epsPlacement", "initialAccumulator"], adagradRule) as (
  opts?: Hypers<"lr" | "eps"> & RssOptions,
) => GradientTransformation<RuleState>;

export interface RmspropOptions extends RmsOptions {
  /** Nesterov form of the momentum on the normalised gradient. Default false. */
  nesterov?: boolean;
}

/**
 * RMSProp (Tieleman & Hinton, 2012, Coursera Lecture 6.5; centered: Graves, 2013):
 * v_t = ρv + (1−ρ)g², b_t = μb + g/(√v_t + ε), θ ← θ − η·b_t. Defaults: lr 1e-3, decay ρ 0.9,
 * eps 1e-8 outside the root (PyTorch; tfjs puts it inside), momentum μ 0.
 */
export function rmspropRule(options: RmspropOptions = {}): ElementwiseRule {
  checkOptions("rmspropRule", options, ["centered", "epsPlacement", "initialScale", "nesterov"]);
  const { nesterov: nest, ...rms } = options;
  return assemble("rmsprop", [scaleByRmsRule(rms), traceRule({ nesterov: nest })], "none", { lr: 1e-3, momentum: 0 });
}
/** RMSProp (Tieleman & Hinton, 2012; centered: Graves, 2013) as a transform: v ← ρv + (1−ρ)g², b ← μb + g/(√v + ε), θ ← θ − η·b. Options: `lr, decay, eps, momentum` and the variants of `rmspropRule`. */
export const rmsprop = makeAlias<RmspropOptions>("rmsprop", ["centered", "epsPlacement", "initialScale", "nesterov"], rmspropRule) as (
  opts?: Hypers<"lr" | "decay" | "eps" | "momentum"> & RmspropOptions,
) => GradientTransformation<RuleState>;

export interface AdamFamilyOptions extends AdamOptions, WeightDecayOption {}

const ADAM_VARIANTS = ["epsPlacement", "biasCorrection", "amsgrad", "amsgradMax", "weightDecayMode"] as const;
type AdamHypers = Hypers<"lr" | "b1" | "b2" | "eps" | "weightDecay">;

/**
 * Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1):
 * m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g², θ ← θ − η·m̂_t/(√v̂_t + ε).
 * Variants: `epsPlacement` ("outside" default; "inside"; "uncorrected" = Keras's ε̂ form),
 * `amsgrad`, `amsgradMax`, `biasCorrection`, `weightDecayMode` ("none" default).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export function adamRule(options: AdamFamilyOptions = {}): ElementwiseRule {
  checkOptions("adamRule", options, ADAM_VARIANTS);
  const { weightDecayMode, ...adam } = options;
  const name = weightDecayMode === "decoupled" ? "adamw" : adam.amsgrad ? "amsgrad" : "adam";
  return assemble(name, [scaleByAdamRule(adam)], weightDecayMode, { lr: 1e-3 });
}
/** Adam (Kingma & Ba, 2015) as a transform: θ ← θ − η·m̂/(√v̂ + ε). Options: `lr, b1, b2, eps` (+ `weightDecay`) and the variants of `adamRule` (`epsPlacement`, `biasCorrection`, `amsgrad`, `amsgradMax`, `weightDecayMode`). */
export const adam = makeAlias<AdamFamilyOptions>("adam", ADAM_VARIANTS, adamRule, "decoupled") as (
  opts?: AdamHypers & AdamFamilyOptions,
) => GradientTransformation<RuleState>;

/**
 * AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"):
 * θ ← θ − η·(m̂/(√v̂ + ε) + λθ) — decay decoupled from the preconditioner and scaled by η as in
 * PyTorch and optax. Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 1e-2.
 */
export function adamwRule(options: AdamFamilyOptions = {}): ElementwiseRule {
  return adamRule({ weightDecayMode: "decoupled", ...options });
}
/** AdamW (Loshchilov & Hutter, 2019) as a transform: θ ← θ − η·(m̂/(√v̂ + ε) + λθ). Options as `adam`; weightDecay default 1e-2. */
export const adamw = makeAlias<AdamFamilyOptions>("adamw", ADAM_VARIANTS, adamwRule, "decoupled") as (
  opts?: AdamHypers & AdamFamilyOptions,
) => GradientTransformation<RuleState>;

/**
 * AMSGrad (Reddi, Kale & Kumar, 2018, "On the Convergence of Adam and Beyond"): Adam dividing by
 * the running maximum v̂max_t = max(v̂max, v_t). Default: max over the raw v, then bias-corrected
 * (PyTorch); `amsgradMax: "afterCorrection"` takes the max of the bias-corrected v̂ (optax);
 * `biasCorrection: false` is the paper's Algorithm 2. Defaults as Adam.
 */
export function amsgradRule(options: AdamFamilyOptions = {}): ElementwiseRule {
  return adamRule({ ...options, amsgrad: true });
}
/** AMSGrad (Reddi, Kale & Kumar, 2018) as a transform: Adam dividing by the running max of v (see `amsgradRule` for where the max is taken). */
export const amsgrad = makeAlias<AdamFamilyOptions>("amsgrad", ADAM_VARIANTS, amsgradRule, "decoupled") as (
  opts?: AdamHypers & AdamFamilyOptions,
) => GradientTransformation<RuleState>;

/**
 * AdaBelief (Zhuang et al., 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
 * Gradients", Algorithm 2): s_t = β₂s + (1−β₂)(g − m_t)² + ε, θ ← θ − η·m̂_t/(√ŝ_t + ε).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-16.
 */
export function adabeliefRule(options: WeightDecayOption = {}): ElementwiseRule {
  checkOptions("adabeliefRule", options, ["weightDecayMode"]);
  return assemble("adabelief", [scaleByBeliefRule()], options.weightDecayMode, { lr: 1e-3 });
}
/** AdaBelief (Zhuang et al., 2020) as a transform: s ← β₂s + (1−β₂)(g − m)² + ε, θ ← θ − η·m̂/(√ŝ + ε). */
export const adabelief = makeAlias<WeightDecayOption>("adabelief", ["weightDecayMode"], adabeliefRule, "decoupled") as (
  opts?: AdamHypers & WeightDecayOption,
) => GradientTransformation<RuleState>;

export interface DiffGradOptions extends Pick<AdamOptions, "epsPlacement" | "biasCorrection">, WeightDecayOption {}

/**
 * diffGrad (Dubey et al., 2019, "diffGrad: An Optimization Method for Convolutional Neural
 * Networks"): θ ← θ − η·ξ_t·m̂_t/(√v̂_t + ε) with ξ_t = sigmoid(|g_{t−1} − g_t|).
 * Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export function diffGradRule(options: DiffGradOptions = {}): ElementwiseRule {
  checkOptions("diffGradRule", options, ["epsPlacement", "biasCorrection", "weightDecayMode"]);
  const { weightDecayMode, ...adam } = options;
  return assemble("diffGrad", [scaleByDiffGradRule(adam)], weightDecayMode, { lr: 1e-3 });
}
/** diffGrad (Dubey et al., 2019) as a transform: θ ← θ − η·sigmoid(|g_{t−1} − g_t|)·m̂/(√v̂ + ε). */
export const diffGrad = makeAlias<DiffGradOptions>("diffGrad", ["epsPlacement", "biasCorrection", "weightDecayMode"], diffGradRule, "decoupled") as (
  opts?: AdamHypers & DiffGradOptions,
) => GradientTransformation<RuleState>;

export interface AdoptFamilyOptions extends AdoptOptions, WeightDecayOption {}

/**
 * ADOPT (Taniguchi et al., 2024, "ADOPT: Modified Adam Can Converge with Any β₂ with the Optimal
 * Rate"): m_t = β₁m + (1−β₁)·clip(g_t/max(√v_{t−1}, ε), (t−1)^¼), θ ← θ − η·m_t,
 * v_t = β₂v + (1−β₂)g²; the first step only sets v₀ = g₀². Defaults: lr 1e-3, b1 0.9,
 * b2 0.9999, eps 1e-6, clip on.
 */
export function adoptRule(options: AdoptFamilyOptions = {}): ElementwiseRule {
  checkOptions("adoptRule", options, ["clip", "weightDecayMode"]);
  const { weightDecayMode, ...rest } = options;
  return assemble("adopt", [scaleByAdoptRule(rest)], weightDecayMode, { lr: 1e-3 });
}
/** ADOPT (Taniguchi et al., 2024) as a transform: m ← β₁m + (1−β₁)·clip(g/max(√v_{t−1}, ε), (t−1)^¼), θ ← θ − η·m, then v ← β₂v + (1−β₂)g². */
export const adopt = makeAlias<AdoptFamilyOptions>("adopt", ["clip", "weightDecayMode"], adoptRule, "decoupled") as (
  opts?: AdamHypers & AdoptFamilyOptions,
) => GradientTransformation<RuleState>;

/**
 * Adan (Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
 * Models", Algorithm 1): see `adanRule` in `./rules` (the engine form). Defaults: lr 1e-3, b1 0.98,
 * b2 0.92, b3 0.99, eps 1e-8, weightDecay 0 (proximal).
 */
export const adan = makeAlias<AdanOptions>("adan", ["weightDecayMode", "biasCorrection"], adanRule) as (
  opts?: Hypers<"lr" | "b1" | "b2" | "b3" | "eps" | "weightDecay"> & AdanOptions,
) => GradientTransformation<RuleState>;

/**
 * Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"):
 * θ ← θ − η·(sign(β₁m + (1−β₁)g) + λθ), m_t = β₂m + (1−β₂)g. Defaults: lr 1e-4, b1 0.9, b2 0.99;
 * weight decay (decoupled) off unless given.
 */
export function lionRule(options: WeightDecayOption = {}): ElementwiseRule {
  checkOptions("lionRule", options, ["weightDecayMode"]);
  return assemble("lion", [scaleByLionRule()], options.weightDecayMode, { lr: 1e-4 });
}
/** Lion (Chen et al., 2023) as a transform: θ ← θ − η·(sign(β₁m + (1−β₁)g) + λθ), m ← β₂m + (1−β₂)g. */
export const lion = makeAlias<WeightDecayOption>("lion", ["weightDecayMode"], lionRule, "decoupled") as (
  opts?: Hypers<"lr" | "b1" | "b2" | "weightDecay"> & WeightDecayOption,
) => GradientTransformation<RuleState>;

export interface GramsOptions extends Pick<AdamOptions, "epsPlacement" | "biasCorrection">, WeightDecayOption {}

/**
 * Grams (Cao, Li & Song, 2024, "Grams: Gradient Descent with Adaptive Momentum Scaling"):
 * u_t = m̂_t/(√v̂_t + ε), θ ← θ − η·(sign(g_t) ⊙ |u_t| + λθ). Defaults: lr 1e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export function gramsRule(options: GramsOptions = {}): ElementwiseRule {
  checkOptions("gramsRule", options, ["epsPlacement", "biasCorrection", "weightDecayMode"]);
  const { weightDecayMode, ...adam } = options;
  return assemble("grams", [scaleByGramsRule(adam)], weightDecayMode, { lr: 1e-3 });
}
/** Grams (Cao, Li & Song, 2024) as a transform: θ ← θ − η·sign(g) ⊙ |m̂/(√v̂ + ε)|. */
export const grams = makeAlias<GramsOptions>("grams", ["epsPlacement", "biasCorrection", "weightDecayMode"], gramsRule, "decoupled") as (
  opts?: AdamHypers & GramsOptions,
) => GradientTransformation<RuleState>;

export interface NadamFamilyOptions extends NadamOptions, WeightDecayOption {}

/**
 * NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"): Adam with the Nesterov
 * look-ahead on m (see `scaleByNadamRule`). Default form "dozat" (momentum schedule ψ = 0.004, as
 * PyTorch and Keras); "constant" is optax's. Defaults: lr 2e-3, b1 0.9, b2 0.999, eps 1e-8.
 */
export function nadamRule(options: NadamFamilyOptions = {}): ElementwiseRule {
  checkOptions("nadamRule", options, ["form", "weightDecayMode"]);
  const { weightDecayMode, ...rest } = options;
  return assemble("nadam", [scaleByNadamRule(rest)], weightDecayMode, { lr: 2e-3 });
}
/** NAdam (Dozat, 2016) as a transform: Adam with Nesterov's look-ahead on the first moment (see `nadamRule`; default form "dozat"). */
export const nadam = makeAlias<NadamFamilyOptions>("nadam", ["form", "weightDecayMode"], nadamRule, "decoupled") as (
  opts?: AdamHypers & Hypers<"momentumDecay"> & NadamFamilyOptions,
) => GradientTransformation<RuleState>;

// ---------------------------------------------------------------------------------------------
// optax's building blocks as transforms, for hand-made chains:
// chain(scaleByAdam(), addDecayedWeights(1e-2), scaleByLearningRate(1e-3)) is adamw.

/** −η·g as a transform (see `scaleByLearningRateRule`). */
export function scaleByLearningRate(lr: Hyper): GradientTransformation<RuleState> {
  return fromRule(scaleByLearningRateRule(), { lr });
}
/** g + λθ as a transform (see `addDecayedWeightsRule`). */
export function addDecayedWeights(weightDecay: Hyper): GradientTransformation<RuleState> {
  return fromRule(addDecayedWeightsRule(), { weightDecay });
}
/** sign(g) as a transform. */
export function scaleBySign(): GradientTransformation<RuleState> {
  return fromRule(scaleBySignRule());
}
/** Momentum m ← μm + g (see `traceRule`). */
export const trace = makeAlias<TraceOptions>("trace", ["nesterov", "ema"], (v) => traceRule(v)) as (
  opts?: Hypers<"momentum"> & TraceOptions,
) => GradientTransformation<RuleState>;
/** AdaGrad's g/(√Σg² + ε) (see `scaleByRssRule`). */
export const scaleByRss = makeAlias<RssOptions>("scaleByRss", ["epsPlacement", "initialAccumulator"], (v) => scaleByRssRule(v)) as (
  opts?: Hypers<"eps"> & RssOptions,
) => GradientTransformation<RuleState>;
/** RMSProp's g/(√v + ε) (see `scaleByRmsRule`). */
export const scaleByRms = makeAlias<RmsOptions>("scaleByRms", ["centered", "epsPlacement", "initialScale"], (v) => scaleByRmsRule(v)) as (
  opts?: Hypers<"decay" | "eps"> & RmsOptions,
) => GradientTransformation<RuleState>;
/** Adam's m̂/(√v̂ + ε) (see `scaleByAdamRule`). */
export const scaleByAdam = makeAlias<AdamOptions>("scaleByAdam", ["epsPlacement", "biasCorrection", "amsgrad", "amsgradMax"], (v) => scaleByAdamRule(v)) as (
  opts?: Hypers<"b1" | "b2" | "eps"> & AdamOptions,
) => GradientTransformation<RuleState>;
/** AdaBelief's direction (see `scaleByBeliefRule`). */
export const scaleByBelief = makeAlias<object>("scaleByBelief", [], () => scaleByBeliefRule()) as (
  opts?: Hypers<"b1" | "b2" | "eps">,
) => GradientTransformation<RuleState>;
/** Lion's sign direction (see `scaleByLionRule`). */
export const scaleByLion = makeAlias<object>("scaleByLion", [], () => scaleByLionRule()) as (
  opts?: Hypers<"b1" | "b2">,
) => GradientTransformation<RuleState>;

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
  if (ls.length === 0 || ls[0].rank === 0) throw new Error(`${owner}: perRun needs parameters with a leading runs axis`);
  return ls[0].shape[0];
}
