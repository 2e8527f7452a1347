/**
 * One declaration per named optimizer. `defineOptimizer({ name, variants, build })` gives both forms
 * from the same `build`: the engine rule (`adamRule({ …variants })`, one composed `ElementwiseRule`
 * that the sweep engine runs) and the tfjs transform (`adam({ lr, …, …variants })`, `fromRule` of
 * that very rule). The options are typed from the declaration: hyperparameter names from the
 * rule's defaults, variant options from `build`'s argument.
 *
 * A variant of a declared optimizer is one line, as optax's `functools.partial(adam, nesterov=True)`:
 * `const amsgradOptimizer = adamOptimizer.partial("amsgrad", { amsgrad: true })`.
 */
import type { ElementwiseRule } from "../core/rule";
import { checkOptions, unknownOptionMessage } from "../validate";
import { addDecayedWeightsRule, scaleByLearningRateRule } from "./rules";
import {
  chainRules,
  fromRule,
  withDefaults,
  type GradientTransformation,
  type HyperNames,
  type HyperOptions,
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

/** A named optimizer in both forms, from one declaration (see `defineOptimizer`). */
export interface NamedOptimizer<V extends object, H extends string> {
  readonly name: string;
  /** The variant option names (categorical, fixed when the rule is built). */
  readonly variants: readonly (keyof V & string)[];
  /** The engine form: one composed `ElementwiseRule` whose hyperparameters are the names a sweep grids over. */
  readonly rule: (variants?: Partial<V>) => ElementwiseRule<H, string>;
  /** The tfjs form: hyperparameters (numbers, schedules, tensors, `perRun`) and variants in one object. */
  readonly transform: (options?: TransformOptions<V, H>) => GradientTransformation<RuleState>;
  /**
   * functools.partial: the same optimizer under another name with some variants preset (a caller
   * may still override them) and, optionally, other default hyperparameters (each must be a
   * hyperparameter of the rule built, else building throws).
   */
  partial(name: string, preset: Partial<V>, defaults?: Partial<Record<H, number>>): NamedOptimizer<V, H>;
}

/**
 * A transform's options: the rule's hyperparameters, the variants, and `weightDecay` when there is a
 * `weightDecayMode` variant (the weight-decay hyperparameter exists only in the modes that decay).
 */
export type TransformOptions<V, H extends string> = HyperOptions<
  H | ("weightDecayMode" extends keyof V ? "weightDecay" : never)
> &
  Partial<V>;

/** The mode a transform picks when given `weightDecay` but no `weightDecayMode`; only for variants that have one. */
type NaturalDecay<V> = V extends { weightDecayMode?: infer M } ? M : never;

export interface OptimizerDeclaration<V extends object, H extends string, K extends keyof V & string> {
  /** The transform's name (errors, printing); the rule factory reports as `<name>Rule`. */
  readonly name: string;
  /** Every option of `build`'s argument, so that a transform's options split into variants and hyperparameters. */
  readonly variants: readonly K[];
  /** The engine rule for the given variants; throws on an invalid variant. All variant options are optional. */
  readonly build: (variants: Partial<V>) => ElementwiseRule<H, string>;
  /** `weightDecayMode` to use when a transform is given `weightDecay` without a mode. */
  readonly naturalDecay?: NaturalDecay<V>;
}

/** A type error naming the options of `build` that `variants` forgot (they would be taken for hyperparameters). */
type EveryVariantListed<V, K> = [Exclude<keyof V, K>] extends [never]
  ? unknown
  : { missingVariants: Exclude<keyof V, K> };

/**
 * Declares a named optimizer once and returns its engine rule factory and its tfjs transform
 * (a `NamedOptimizer`). `build` maps the variant options to an `ElementwiseRule` (usually a chain
 * `direction → [weight decay] → −η`, see `descentRule` / `decayedDescentRule`); the transform splits
 * its options into variants (the names listed in `variants`) and hyperparameters (every other key,
 * which must be one of the built rule's hyperparameters), and is `fromRule(build(variants), hyper)`.
 * Unknown keys are errors naming the option, with a "did you mean" hint (`lib/validate`).
 *
 * ```ts
 * const lionOptimizer = defineOptimizer({
 *   name: "lion",
 *   variants: ["weightDecayMode"],
 *   naturalDecay: "decoupled",
 *   build: (v: WeightDecayOption) => decayedDescentRule("lion", [scaleByLionRule()], { ...v, defaults: { lr: 1e-4 } }),
 * });
 * export const lionRule = lionOptimizer.rule; // (variants?) => ElementwiseRule<"lr" | "b1" | "b2", string>
 * export const lion = lionOptimizer.transform; // (options?: { lr?, b1?, b2?, weightDecay?: Hyper; weightDecayMode? }) => …
 * ```
 */
export function defineOptimizer<V extends object, H extends string, K extends keyof V & string>(
  declaration: OptimizerDeclaration<V, H, K> & EveryVariantListed<V, K>,
): NamedOptimizer<V, H> {
  return optimizerOf(declaration.name, declaration.variants, declaration.build, declaration.naturalDecay);
}

function optimizerOf<V extends object, H extends string>(
  name: string,
  variantNames: readonly (keyof V & string)[],
  build: (variants: Partial<V>) => ElementwiseRule<H, string>,
  naturalDecay: NaturalDecay<V> | undefined,
): NamedOptimizer<V, H> {
  const isVariant = (k: string): k is keyof V & string => variantNames.some((v) => v === k);

  const rule = (variants?: Partial<V>): ElementwiseRule<H, string> => {
    checkOptions(`${name}Rule`, variants, variantNames);
    return build(variants ?? {});
  };

  const transform = (options?: TransformOptions<V, H>): GradientTransformation<RuleState> => {
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new Error(`${name}: expected an options object, got ${String(options)}`);
    }
    const variants: Partial<V> = {};
    const hyper: HyperOptions = {};
    // Checked below and by `build` / `fromRule`. Undefined values are skipped, so `{ lr: maybe }`
    // means "the default" when `maybe` is undefined.
    const given: object = options ?? {};
    for (const [k, v] of Object.entries(given)) {
      if (v === undefined) continue;
      if (isVariant(k)) variants[k] = v;
      else hyper[k] = v;
    }
    const decayUnset =
      naturalDecay !== undefined && hyper.weightDecay !== undefined && !("weightDecayMode" in variants);
    const r = build(decayUnset ? { ...variants, weightDecayMode: naturalDecay } : variants);
    const known = [...Object.keys(r.defaults), ...variantNames];
    for (const k of Object.keys(hyper)) if (!(k in r.defaults)) throw new Error(unknownOptionMessage(name, k, known));
    return fromRule(r, hyper, { name });
  };

  return {
    name,
    variants: variantNames,
    rule,
    transform,
    partial: (partialName, preset, defaults) =>
      optimizerOf(
        partialName,
        variantNames,
        (variants) => {
          const r = build({ ...preset, ...variants });
          return defaults ? withDefaults(r, defaults) : r;
        },
        naturalDecay,
      ),
  };
}

export interface DescentOptions<H extends string> {
  /** Default hyperparameters of the chain, overriding its rules' own (e.g. `{ lr: 1e-2 }`). */
  defaults?: Partial<Record<H, number>>;
  /**
   * −η first (the direction rules then accumulate η·g: Polyak's and Sutskever et al.'s momentum
   * form) instead of last. Default false.
   */
  lrInsideMomentum?: boolean;
}

/**
 * The chain `direction → −η`: θ ← θ − η·d(g), with d the composed direction rules (optax's
 * `chain(…, scale_by_learning_rate(lr))`); with `lrInsideMomentum`, `−η → direction`.
 */
export function descentRule<R extends ElementwiseRule>(
  name: string,
  direction: readonly R[],
  options: DescentOptions<HyperNames<R> | "lr"> = {},
): ElementwiseRule<HyperNames<R> | "lr", string> {
  const lr = scaleByLearningRateRule();
  const chained = chainRules(name, ...(options.lrInsideMomentum ? [lr, ...direction] : [...direction, lr]));
  return withDefaults(chained, options.defaults ?? {});
}

export interface DecayedDescentOptions<H extends string> extends DescentOptions<H>, WeightDecayOption {
  /** The weight-decay modes this optimizer accepts (default all three). */
  allowedModes?: readonly WeightDecayMode[];
}

/**
 * `direction → −η` with weight decay λθ (optax's `add_decayed_weights`) where the mode puts it:
 * "l2" first, g + λθ → direction → −η (an L2 penalty, preconditioned); "decoupled" between the
 * direction and the learning rate, θ ← θ − η(d(g) + λθ) (Loshchilov & Hutter, 2019); "none" (the
 * default) none. The rule has the hyperparameter `weightDecay` only when the mode is not "none",
 * so its type leaves it out (a rule with more hyperparameters than its type says is still sound);
 * transforms accept it through `TransformOptions`.
 */
export function decayedDescentRule<R extends ElementwiseRule>(
  name: string,
  direction: readonly R[],
  options: DecayedDescentOptions<HyperNames<R> | "lr"> = {},
): ElementwiseRule<HyperNames<R> | "lr", string> {
  const {
    weightDecayMode: mode = "none",
    allowedModes = ["none", "l2", "decoupled"],
    lrInsideMomentum = false,
  } = options;
  if (!allowedModes.includes(mode)) {
    throw new Error(`${name}: option weightDecayMode must be one of ${allowedModes.join(", ")}, got ${String(mode)}`);
  }
  if (lrInsideMomentum && mode === "decoupled")
    throw new Error(`${name}: decoupled weight decay needs the learning rate outside the momentum`);
  const wd = addDecayedWeightsRule();
  const lr = scaleByLearningRateRule();
  const descent = lrInsideMomentum ? [lr, ...direction] : [...direction, lr];
  const chain = mode === "l2" ? [wd, ...descent] : mode === "decoupled" ? [...direction, wd, lr] : descent;
  return withDefaults(chainRules(name, ...chain), options.defaults ?? {});
}
