/**
 * The two shapes of update rule that are written once and run on both execution paths
 * (tfjs tensors via `tfOps`, and the fused sweep engine via its tracer).
 *
 * - `ElementwiseRule`: an optax-style gradient transformation that acts coordinate by coordinate
 *   (scale_by_adam, add_decayed_weights, scale_by_learning_rate, …). It maps a gradient `g` (and the
 *   parameter `p`) to an update that is *added* to the parameter. Chains of elementwise rules are
 *   elementwise rules.
 * - `OracleRule`: a rule that queries the gradient field itself, possibly several times per step
 *   (extragradient, optimistic GDA, Langevin with its own noise, …). It maps the iterate to the
 *   next iterate.
 *
 * Rules use only `Ops` arithmetic and JavaScript control flow on configuration (never on values),
 * so the tracer can compile them. Categorical variants (ε inside/outside the square root, …) are
 * arguments of the factory that builds the rule, not hyperparameters.
 */
import type { Ops, Val } from "./ops";

/** Hyperparameter values for one step: numbers, or per-run values that broadcast (tensors / traced). */
export type HyperValues<T, H extends string = string> = Record<H, Val<T>>;

/** Randomness available to a rule or landscape at one step (one seeded stream per run). */
export interface Noise<T> {
  /** Uniform in [0, 1), one independent draw per call and per coordinate/run. */
  uniform(): T;
  /** Standard normal, one independent draw per call and per coordinate/run. */
  normal(): T;
}

export interface ElementwiseRule<H extends string = string, S extends string = string> {
  readonly kind: "elementwise";
  /** e.g. "scaleByAdam" or "adam" for a chain. */
  readonly name: string;
  /** Default hyperparameter values; the keys are the rule's hyperparameter names. */
  readonly defaults: Readonly<Record<H, number>>;
  /** State slots, each shaped like the parameter; initialised to `init[slot] ?? 0`. */
  readonly state: readonly S[];
  readonly init?: Readonly<Partial<Record<S, number>>>;
  /**
   * Whether `step` reads the parameter `p` (weight decay, proximal steps). Declared, not guessed:
   * a transform built from a rule that reads `p` refuses `update(grads, state)` without params,
   * and one that does not is given no parameter value. Chains read `p` when any link does.
   * Absent means false.
   */
  readonly readsParams?: boolean;
  /**
   * One step. `t` is the 1-based step count. Returns the update (added to the parameter) and the
   * new state.
   */
  step<T>(
    o: Ops<T>,
    g: T,
    p: T,
    s: Readonly<Record<S, T>>,
    h: HyperValues<T, H>,
    t: Val<T>,
    noise: Noise<T>,
  ): { update: T; state: Record<S, T> };
}

/**
 * A rule that evaluates the field `field(x)` itself. `x` is a list of parameter blocks (for a
 * game, e.g. [x, y]); `field(x)` returns, per block, the direction of steepest *ascent* of the
 * block's own loss (the gradient for a minimising player, minus the gradient for a maximising one),
 * so descent is always `x - η·field(x)`.
 */
export interface OracleRule<H extends string = string, S extends string = string> {
  readonly kind: "oracle";
  readonly name: string;
  readonly defaults: Readonly<Record<H, number>>;
  /** State slots, one per block, shaped like that block. */
  readonly state: readonly S[];
  readonly init?: Readonly<Partial<Record<S, number>>>;
  step<T>(
    o: Ops<T>,
    x: readonly T[],
    field: (x: readonly T[]) => T[],
    s: Readonly<Record<S, readonly T[]>>,
    h: HyperValues<T, H>,
    t: Val<T>,
    noise: Noise<T>,
  ): { x: T[]; state: Record<S, T[]> };
}

export type Rule = ElementwiseRule | OracleRule;
