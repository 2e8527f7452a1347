/**
 * Elementwise update rules (optax's small transforms), each written once against `Ops` so that the
 * tfjs path (`fromRule`) and the fused sweep engine run the same formula.
 *
 * Conventions: `g` is the incoming gradient (or the previous transform's output), `p` the
 * parameter, `t` the 1-based step. A rule's update is *added* to the parameter; only
 * `scaleByLearningRateRule` flips the sign. Categorical variants are factory arguments; the
 * factory's result has hyperparameters named `lr, b1, b2, b3, eps, momentum, decay, weightDecay, …`.
 */
import type { Ops, Val } from "../core/ops";
import type { ElementwiseRule } from "../core/rule";
import { checkOptions } from "../validate";

// ---------------------------------------------------------------------------------------------
// Shared pieces of formulas (each formula exists once)

/** Exponential moving average β·m + (1 − β)·x. */
export function ema<T>(o: Ops<T>, m: Val<T>, x: Val<T>, b: Val<T>): T {
  return o.add(o.mul(b, m), o.mul(o.sub(1, b), x));
}

/** Bias correction m / (1 − βᵗ) (Kingma & Ba, 2015, Alg. 1). */
export function debias<T>(o: Ops<T>, m: Val<T>, b: Val<T>, t: Val<T>): T {
  return o.div(m, o.sub(1, o.pow(b, t)));
}

/** Where ε enters an adaptive denominator. */
export type EpsPlacement = "outside" | "inside";

/** x / (√v + ε) ("outside", Kingma & Ba) or x / √(v + ε) ("inside", Keras/tfjs RMSProp/AdaGrad). */
export function normalize<T>(o: Ops<T>, x: Val<T>, v: Val<T>, eps: Val<T>, placement: EpsPlacement): T {
  return placement === "inside" ? o.div(x, o.sqrt(o.add(v, eps))) : o.div(x, o.add(o.sqrt(v), eps));
}

/** 1 on the first step (t = 1), else 0 — a value, so the engine can trace it. */
function firstStep<T>(o: Ops<T>, t: Val<T>): T {
  return o.gt(1.5, t);
}

// ---------------------------------------------------------------------------------------------
// Scaling, decay, momentum

/** u = −η·g (optax `scale_by_learning_rate`): the only rule that turns a direction into a descent step. */
export function scaleByLearningRateRule(): ElementwiseRule<"lr", never> {
  return {
    kind: "elementwise",
    name: "scaleByLearningRate",
    defaults: { lr: 1e-3 },
    state: [],
    step: (o, g, _p, _s, h) => ({ update: o.mul(o.neg(h.lr), g), state: {} }),
  };
}

/**
 * u = g + λ·p (optax `add_decayed_weights`). Before a preconditioner it is an L2 penalty; after it
 * (and before the learning rate) it is decoupled weight decay (Loshchilov & Hutter, 2019, AdamW).
 */
export function addDecayedWeightsRule(): ElementwiseRule<"weightDecay", never> {
  return {
    kind: "elementwise",
    name: "addDecayedWeights",
    defaults: { weightDecay: 1e-2 },
    state: [],
    readsParams: true,
    step: (o, g, p, _s, h) => ({ update: o.add(g, o.mul(h.weightDecay, p)), state: {} }),
  };
}

export interface TraceOptions {
  /** Nesterov's look-ahead in the Sutskever et al. (2013) / PyTorch / optax form: u = g + μ·m_t. Default false. */
  nesterov?: boolean;
  /** Exponential moving average m_t = μ·m + (1 − μ)·g instead of the sum m_t = μ·m + g. Default false. */
  ema?: boolean;
}

/**
 * Momentum (optax `trace`): m_t = μ·m_{t−1} + g, u = m_t (Polyak, 1964, heavy ball), or with
 * `nesterov` u = g + μ·m_t (Nesterov, 1983, in the form of Sutskever et al., 2013); with `ema` the
 * buffer is an average, m_t = μ·m + (1 − μ)·g.
 */
export function traceRule(options: TraceOptions = {}): ElementwiseRule<"momentum", "m"> {
  checkOptions("traceRule", options, ["nesterov", "ema"]);
  const { nesterov = false, ema: avg = false } = options;
  return {
    kind: "elementwise",
    name: nesterov ? "traceNesterov" : "trace",
    defaults: { momentum: 0.9 },
    state: ["m"],
    step(o, g, _p, s, h) {
      const m = avg ? ema(o, s.m, g, h.momentum) : o.add(o.mul(h.momentum, s.m), g);
      const update = nesterov ? (avg ? ema(o, m, g, h.momentum) : o.add(g, o.mul(h.momentum, m))) : m;
      return { update, state: { m } };
    },
  };
}

/** u = sign(g) (signSGD; Bernstein et al., 2018). sign(0) = 0. */
export function scaleBySignRule(): ElementwiseRule<never, never> {
  return {
    kind: "elementwise",
    name: "scaleBySign",
    defaults: {},
    state: [],
    step: (o, g) => ({ update: o.sign(g), state: {} }),
  };
}

/** u = clip(g, −c, c): per-coordinate gradient clipping (optax `clip`). */
export function clipByValueRule(): ElementwiseRule<"clipValue", never> {
  return {
    kind: "elementwise",
    name: "clipByValue",
    defaults: { clipValue: 1 },
    state: [],
    step: (o, g, _p, _s, h) => ({ update: o.clip(g, o.neg(h.clipValue), h.clipValue), state: {} }),
  };
}

// ---------------------------------------------------------------------------------------------
// Adaptive preconditioners

export interface RssOptions {
  /** Initial value of the accumulator Σg² (optax and tfjs: 0.1). */
  initialAccumulator?: number;
  /** "outside": g/(√v + ε) (Duchi et al.'s δI + diag(G)^½; default); "inside": g/√(v + ε) (tfjs, optax). */
  epsPlacement?: EpsPlacement;
}

/** AdaGrad's preconditioner (Duchi, Hazan & Singer, 2011): v_t = v + g², u = g/(√v_t + ε). */
export function scaleByRssRule(options: RssOptions = {}): ElementwiseRule<"eps", "v"> {
  checkOptions("scaleByRssRule", options, ["initialAccumulator", "epsPlacement"]);
  const { initialAccumulator = 0.1, epsPlacement: placement = "outside" } = options;
  return {
    kind: "elementwise",
    name: "scaleByRss",
    defaults: { eps: 1e-7 },
    state: ["v"],
    init: { v: initialAccumulator },
    step(o, g, _p, s, h) {
      const v = o.add(s.v, o.square(g));
      return { update: normalize(o, g, v, h.eps, placement), state: { v } };
    },
  };
}

export interface RmsOptions {
  /** Graves (2013): divide by the standard deviation √(v − m²) instead of the RMS. Default false. */
  centered?: boolean;
  /** ε outside the root (PyTorch; default) or inside (tfjs, Keras, optax). */
  epsPlacement?: EpsPlacement;
  /** Initial value of v (optax `initial_scale`; default 0). */
  initialScale?: number;
}

/**
 * RMSProp's preconditioner (Tieleman & Hinton, 2012, Lecture 6.5): v_t = ρ·v + (1 − ρ)·g²,
 * u = g/(√v_t + ε); centered (Graves, 2013): m_t = ρ·m + (1 − ρ)·g, u = g/(√(v_t − m_t²) + ε).
 */
export function scaleByRmsRule(options: RmsOptions = {}): ElementwiseRule<"decay" | "eps", "v" | "m"> {
  checkOptions("scaleByRmsRule", options, ["centered", "epsPlacement", "initialScale"]);
  const { centered = false, epsPlacement: placement = "outside", initialScale = 0 } = options;
  return {
    kind: "elementwise",
    name: centered ? "scaleByStddev" : "scaleByRms",
    defaults: { decay: 0.9, eps: 1e-8 },
    state: centered ? ["v", "m"] : ["v"],
    init: { v: initialScale },
    step(o, g, _p, s, h) {
      const v = ema(o, s.v, o.square(g), h.decay);
      if (!centered)
        return { update: normalize(o, g, v, h.eps, placement), state: { v } as Record<"v" | "m", typeof v> };
      const m = ema(o, s.m, g, h.decay);
      return { update: normalize(o, g, o.sub(v, o.square(m)), h.eps, placement), state: { v, m } };
    },
  };
}

/** Where ε goes in Adam. */
export type AdamEps =
  /** m̂/(√v̂ + ε): Kingma & Ba (2015) Algorithm 1, PyTorch, optax, tf.train.adam. */
  | "outside"
  /** m̂/√(v̂ + ε) (optax `eps_root`-style). */
  | "inside"
  /** √(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε): Kingma & Ba §2's "ε̂" form (TensorFlow/Keras `Adam`). */
  | "uncorrected";

export interface AdamOptions {
  /** Where ε goes; default "outside" (the paper's Algorithm 1). */
  epsPlacement?: AdamEps;
  /** Bias-correct m and v (Kingma & Ba). Default true; false gives Reddi et al.'s Algorithm 2 form. */
  biasCorrection?: boolean;
  /** AMSGrad (Reddi, Kale & Kumar, 2018): divide by the running maximum of v. Default false. */
  amsgrad?: boolean;
  /**
   * AMSGrad's maximum taken over the raw v (then bias-corrected; PyTorch, default) or over the
   * bias-corrected v̂ (optax). Identical when `biasCorrection` is false.
   */
  amsgradMax?: "beforeCorrection" | "afterCorrection";
}

/**
 * Adam's direction (Kingma & Ba, 2015): m_t = β₁m + (1−β₁)g, v_t = β₂v + (1−β₂)g²,
 * u = m̂_t/(√v̂_t + ε) with m̂ = m_t/(1−β₁ᵗ), v̂ = v_t/(1−β₂ᵗ). AMSGrad replaces v̂ by its running max.
 */
export function scaleByAdamRule(options: AdamOptions = {}): ElementwiseRule<"b1" | "b2" | "eps", "m" | "v" | "vMax"> {
  checkOptions("scaleByAdamRule", options, ["epsPlacement", "biasCorrection", "amsgrad", "amsgradMax"]);
  const {
    epsPlacement: placement = "outside",
    biasCorrection = true,
    amsgrad = false,
    amsgradMax = "beforeCorrection",
  } = options;
  if (!["outside", "inside", "uncorrected"].includes(placement)) {
    throw new Error(
      `scaleByAdamRule: option epsPlacement must be "outside", "inside" or "uncorrected", got ${String(placement)}`,
    );
  }
  if (!["beforeCorrection", "afterCorrection"].includes(amsgradMax)) {
    throw new Error(
      `scaleByAdamRule: option amsgradMax must be "beforeCorrection" or "afterCorrection", got ${String(amsgradMax)}`,
    );
  }
  if (placement === "uncorrected" && !biasCorrection) {
    throw new Error(
      `scaleByAdamRule: epsPlacement "uncorrected" is a bias-corrected form; it needs biasCorrection: true`,
    );
  }
  if (placement === "uncorrected" && amsgrad && amsgradMax === "afterCorrection") {
    throw new Error(
      `scaleByAdamRule: epsPlacement "uncorrected" divides by the raw v; use amsgradMax "beforeCorrection" with it`,
    );
  }
  type S = "m" | "v" | "vMax";
  return {
    kind: "elementwise",
    name: amsgrad ? "scaleByAmsgrad" : "scaleByAdam",
    defaults: { b1: 0.9, b2: 0.999, eps: 1e-8 },
    state: amsgrad ? ["m", "v", "vMax"] : ["m", "v"],
    step(o, g, _p, s, h, t) {
      const m = ema(o, s.m, g, h.b1);
      const v = ema(o, s.v, o.square(g), h.b2);
      const state = { m, v } as Record<S, typeof m>;
      const correct = (x: typeof m, b: Val<typeof m>) => (biasCorrection ? debias(o, x, b, t) : x);
      let vDen: typeof m; // the v that divides, bias-corrected where the variant says so
      if (!amsgrad) vDen = placement === "uncorrected" ? v : correct(v, h.b2);
      else if (amsgradMax === "afterCorrection") {
        state.vMax = o.max(s.vMax, correct(v, h.b2));
        vDen = state.vMax;
      } else {
        state.vMax = o.max(s.vMax, v);
        vDen = placement === "uncorrected" ? state.vMax : correct(state.vMax, h.b2);
      }
      if (placement === "uncorrected") {
        const stepScale = o.div(o.sqrt(o.sub(1, o.pow(h.b2, t))), o.sub(1, o.pow(h.b1, t)));
        return { update: o.mul(stepScale, normalize(o, m, vDen, h.eps, "outside")), state };
      }
      return { update: normalize(o, correct(m, h.b1), vDen, h.eps, placement), state };
    },
  };
}

/**
 * AdaBelief's direction (Zhuang et al., 2020, Algorithm 2): m_t = β₁m + (1−β₁)g,
 * s_t = β₂s + (1−β₂)(g − m_t)² + ε, u = m̂_t/(√ŝ_t + ε) with bias corrections as in Adam.
 */
export function scaleByBeliefRule(): ElementwiseRule<"b1" | "b2" | "eps", "m" | "s"> {
  return {
    kind: "elementwise",
    name: "scaleByBelief",
    defaults: { b1: 0.9, b2: 0.999, eps: 1e-16 },
    state: ["m", "s"],
    step(o, g, _p, st, h, t) {
      const m = ema(o, st.m, g, h.b1);
      const s = o.add(ema(o, st.s, o.square(o.sub(g, m)), h.b2), h.eps);
      return { update: normalize(o, debias(o, m, h.b1, t), debias(o, s, h.b2, t), h.eps, "outside"), state: { m, s } };
    },
  };
}

/**
 * diffGrad's direction (Dubey et al., 2019): Adam's m̂/(√v̂ + ε) scaled by the friction coefficient
 * ξ_t = sigmoid(|g_{t−1} − g_t|) (g₀ = 0). Variant options are Adam's (`eps`, `biasCorrection`).
 */
export function scaleByDiffGradRule(
  options: Pick<AdamOptions, "epsPlacement" | "biasCorrection"> = {},
): ElementwiseRule<"b1" | "b2" | "eps", "m" | "v" | "gPrev"> {
  checkOptions("scaleByDiffGradRule", options, ["epsPlacement", "biasCorrection"]);
  const adam = scaleByAdamRule(options);
  return {
    kind: "elementwise",
    name: "scaleByDiffGrad",
    defaults: adam.defaults,
    state: ["m", "v", "gPrev"],
    step(o, g, p, s, h, t, noise) {
      const a = adam.step(o, g, p, { m: s.m, v: s.v } as Record<"m" | "v" | "vMax", typeof g>, h, t, noise);
      const xi = o.div(1, o.add(1, o.exp(o.neg(o.abs(o.sub(s.gPrev, g))))));
      return { update: o.mul(xi, a.update), state: { m: a.state.m, v: a.state.v, gPrev: g } };
    },
  };
}

/**
 * Grams' direction (Cao, Li & Song, 2024, Algorithm 1): the magnitude of Adam's update with the sign
 * of the current gradient, u = sign(g_t) ⊙ |m̂_t/(√v̂_t + ε)|.
 */
export function scaleByGramsRule(
  options: Pick<AdamOptions, "epsPlacement" | "biasCorrection"> = {},
): ElementwiseRule<"b1" | "b2" | "eps", "m" | "v"> {
  checkOptions("scaleByGramsRule", options, ["epsPlacement", "biasCorrection"]);
  const adam = scaleByAdamRule(options);
  return {
    kind: "elementwise",
    name: "scaleByGrams",
    defaults: adam.defaults,
    state: ["m", "v"],
    step(o, g, p, s, h, t, noise) {
      const a = adam.step(o, g, p, { m: s.m, v: s.v } as Record<"m" | "v" | "vMax", typeof g>, h, t, noise);
      return { update: o.mul(o.sign(g), o.abs(a.update)), state: { m: a.state.m, v: a.state.v } };
    },
  };
}

export interface AdoptOptions {
  /** Clip the normalised gradient to ±c_t with c_t = (t − 1)^¼ (the paper's t; optax's default). Default true. */
  clip?: boolean;
}

/**
 * ADOPT's direction (Taniguchi et al., 2024, Algorithm 2): the first gradient only initialises
 * v₀ = g₀² (zero update); then m_t = β₁m + (1−β₁)·clip(g_t / max(√v_{t−1}, ε), c_t), u = m_t, and
 * afterwards v_t = β₂v + (1−β₂)g_t² — the normalisation uses the *previous* v.
 */
export function scaleByAdoptRule(options: AdoptOptions = {}): ElementwiseRule<"b1" | "b2" | "eps", "m" | "v"> {
  checkOptions("scaleByAdoptRule", options, ["clip"]);
  const { clip = true } = options;
  return {
    kind: "elementwise",
    name: "scaleByAdopt",
    defaults: { b1: 0.9, b2: 0.9999, eps: 1e-6 },
    state: ["m", "v"],
    step(o, g, _p, s, h, t) {
      const first = firstStep(o, t);
      let normed = o.div(g, o.max(o.sqrt(s.v), h.eps));
      if (clip) {
        const c = o.pow(o.max(o.sub(t, 1), 0), 0.25);
        normed = o.clip(normed, o.neg(c), c);
      }
      const m = o.where(first, s.m, ema(o, s.m, normed, h.b1));
      const v = o.where(first, o.square(g), ema(o, s.v, o.square(g), h.b2));
      return { update: m, state: { m, v } };
    },
  };
}

export interface NadamOptions {
  /**
   * "dozat" (default; Dozat 2016, PyTorch, Keras): momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}) with
   * ψ = `momentumDecay`; "constant": μ_t = β₁ (optax `nadam`).
   */
  form?: "dozat" | "constant";
}

/**
 * NAdam's direction (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"): m_t = β₁m + (1−β₁)g,
 * v_t = β₂v + (1−β₂)g², m̄ = μ_{t+1}m_t/(1 − Π_{i≤t+1}μ_i) + (1 − μ_t)g/(1 − Π_{i≤t}μ_i),
 * u = m̄/(√v̂_t + ε). With the constant form μ_t = β₁ this is optax's
 * m̄ = β₁m_t/(1 − β₁^{t+1}) + (1 − β₁)g/(1 − β₁ᵗ).
 */
export function scaleByNadamRule(
  options: NadamOptions = {},
): ElementwiseRule<"b1" | "b2" | "eps" | "momentumDecay", "m" | "v" | "muProd"> {
  checkOptions("scaleByNadamRule", options, ["form"]);
  const { form = "dozat" } = options;
  if (form !== "dozat" && form !== "constant")
    throw new Error(`scaleByNadamRule: option form must be "dozat" or "constant", got ${String(form)}`);
  const defaults: Record<string, number> = { b1: 0.9, b2: 0.999, eps: 1e-8 };
  if (form === "dozat") defaults.momentumDecay = 0.004;
  return {
    kind: "elementwise",
    name: "scaleByNadam",
    defaults: defaults as Record<"b1" | "b2" | "eps" | "momentumDecay", number>,
    state: form === "dozat" ? ["m", "v", "muProd"] : ["m", "v"],
    init: form === "dozat" ? { muProd: 1 } : {},
    step(o, g, _p, s, h, t) {
      const m = ema(o, s.m, g, h.b1);
      const v = ema(o, s.v, o.square(g), h.b2);
      const vHat = debias(o, v, h.b2, t);
      if (form === "constant") {
        const mBar = o.add(debias(o, o.mul(h.b1, m), h.b1, o.add(t, 1)), debias(o, o.mul(o.sub(1, h.b1), g), h.b1, t));
        return {
          update: normalize(o, mBar, vHat, h.eps, "outside"),
          state: { m, v } as Record<"m" | "v" | "muProd", typeof m>,
        };
      }
      const mu = (k: Val<typeof m>) => o.mul(h.b1, o.sub(1, o.mul(0.5, o.pow(0.96, o.mul(k, h.momentumDecay)))));
      const muT = mu(t),
        muNext = mu(o.add(t, 1));
      const muProd = o.mul(s.muProd, muT);
      const mBar = o.add(
        o.div(o.mul(muNext, m), o.sub(1, o.mul(muProd, muNext))),
        o.div(o.mul(o.sub(1, muT), g), o.sub(1, muProd)),
      );
      return { update: normalize(o, mBar, vHat, h.eps, "outside"), state: { m, v, muProd } };
    },
  };
}

/**
 * Lion's direction (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms", Program 1):
 * u = sign(β₁m + (1−β₁)g), then m_t = β₂m + (1−β₂)g.
 */
export function scaleByLionRule(): ElementwiseRule<"b1" | "b2", "m"> {
  return {
    kind: "elementwise",
    name: "scaleByLion",
    defaults: { b1: 0.9, b2: 0.99 },
    state: ["m"],
    step(o, g, _p, s, h) {
      return { update: o.sign(ema(o, s.m, g, h.b1)), state: { m: ema(o, s.m, g, h.b2) } };
    },
  };
}

export interface AdanOptions {
  /** "proximal" (paper, Alg. 1): θ ← (θ − η∘u)/(1 + λη); "decoupled": θ ← θ − η∘u − ηλθ. Default "proximal". */
  weightDecayMode?: "proximal" | "decoupled";
  /** Bias-correct the three averages (official implementation; default true). */
  biasCorrection?: boolean;
}

/**
 * Adan (Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm", Algorithm 1), with the
 * usual β convention (β here = 1 − β in the paper; defaults 0.98, 0.92, 0.99 as the official code):
 * Δ_t = g_t − g_{t−1} (0 on the first step), m_t = β₁m + (1−β₁)g, d_t = β₂d + (1−β₂)Δ,
 * n_t = β₃n + (1−β₃)(g + β₂Δ)², u = (m̂ + β₂d̂)/(√n̂ + ε), θ ← (θ − η·u)/(1 + λη).
 * Includes the learning rate and weight decay (the proximal step is not additive).
 */
export function adanRule(
  options: AdanOptions = {},
): ElementwiseRule<"lr" | "b1" | "b2" | "b3" | "eps" | "weightDecay", "m" | "d" | "n" | "gPrev"> {
  checkOptions("adanRule", options, ["weightDecayMode", "biasCorrection"]);
  const { weightDecayMode: weightDecay = "proximal", biasCorrection = true } = options;
  if (weightDecay !== "proximal" && weightDecay !== "decoupled") {
    throw new Error(`adanRule: option weightDecayMode must be "proximal" or "decoupled", got ${String(weightDecay)}`);
  }
  return {
    kind: "elementwise",
    name: "adan",
    defaults: { lr: 1e-3, b1: 0.98, b2: 0.92, b3: 0.99, eps: 1e-8, weightDecay: 0 },
    state: ["m", "d", "n", "gPrev"],
    readsParams: true,
    step(o, g, p, s, h, t) {
      const diff = o.where(firstStep(o, t), 0, o.sub(g, s.gPrev));
      const m = ema(o, s.m, g, h.b1);
      const d = ema(o, s.d, diff, h.b2);
      const n = ema(o, s.n, o.square(o.add(g, o.mul(h.b2, diff))), h.b3);
      const c = (x: typeof m, b: Val<typeof m>) => (biasCorrection ? debias(o, x, b, t) : x);
      const u = normalize(o, o.add(c(m, h.b1), o.mul(h.b2, c(d, h.b2))), c(n, h.b3), h.eps, "outside");
      const step = o.mul(h.lr, u);
      const update =
        weightDecay === "proximal"
          ? o.sub(o.div(o.sub(p, step), o.add(1, o.mul(h.lr, h.weightDecay))), p)
          : o.neg(o.add(step, o.mul(o.mul(h.lr, h.weightDecay), p)));
      return { update, state: { m, d, n, gPrev: g } };
    },
  };
}
