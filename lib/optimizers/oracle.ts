/**
 * Runs `OracleRule`s (extragradient, optimistic GDA, complex momentum, …; see `./games`) on
 * TensorFlow.js tensors. The rule is the same object the fused sweep engine compiles; here its
 * `Ops` are `tfOps` and its field is evaluated with tfjs autodiff.
 *
 * Batching over runs: give every block a leading `[runs]` axis and the loss as the *sum* over runs
 * (runs are independent, so the gradient of the sum is the per-run gradient); per-run
 * hyperparameters are tensors that broadcast against the blocks (e.g. shape `[runs]` for blocks
 * `[runs]`, `[runs, 1]` for blocks `[runs, n]`).
 */
import * as tf from "@tensorflow/tfjs";
import { tfOps } from "../core/ops";
import type { Noise, OracleRule } from "../core/rule";
import { Rng } from "../rng";
import { checkHypers, hyperAt, hyperForLeaf, PerRun, type Hyper, type HyperOptions } from "./transform";

/** A vector field over blocks: per block, the ascent direction of that block's own loss. */
export type OracleField = (x: tf.Tensor[]) => tf.Tensor[];

/** Hyperparameters as given by a user: numbers, schedules, tensors or `perRun` values (`HyperOptions`). */
export type HyperInput<H extends string = string> = HyperOptions<H>;

// Ranges of hyperparameters that only the rules of this part use (learning rates, β, ε … are
// checked by `checkHypers`).
const EXTRA_RANGES: Record<string, [number, number]> = {
  temperature: [0, Infinity],
  beta: [0, Infinity],
  mu: [0, Infinity],
  clipNorm: [0, Infinity],
  noiseMultiplier: [0, Infinity],
};

/**
 * Validates `hyper` against a rule (unknown names, NaN, out-of-range numbers) and returns the
 * rule's defaults overridden by it.
 */
function oracleHyperWithDefaults<H extends string>(
  rule: { name: string; defaults: Readonly<Record<H, number>> },
  hyper: HyperInput<H> = {},
): Record<H, Hyper> {
  checkHypers(rule.name, Object.keys(rule.defaults), hyper);
  const full = { ...rule.defaults } as Record<H, Hyper>;
  for (const [k, v] of Object.entries(hyper) as [H, Hyper | undefined][]) {
    if (v === undefined) continue;
    const r = EXTRA_RANGES[k];
    const nums = typeof v === "number" ? [v] : v instanceof PerRun ? (v.numbers ?? []) : [];
    for (const n of nums) {
      if (r && !(n >= r[0] && n <= r[1]))
        throw new Error(`${rule.name}: hyperparameter ${k} = ${n} is out of range [${r[0]}, ${r[1]}]`);
    }
    full[k] = v;
  }
  return full;
}

/**
 * The hyperparameters of one oracle step: schedules evaluated at `count` (0-based), `perRun`
 * values reshaped to `[runs, 1, …]` against the blocks (which must then share one rank), tensors
 * checked to broadcast against every block.
 */
function hyperForBlocks<H extends string>(
  name: string,
  full: Record<H, Hyper>,
  count: number,
  x: readonly tf.Tensor[],
): Record<H, number | tf.Tensor> {
  const out = {} as Record<H, number | tf.Tensor>;
  for (const k of Object.keys(full) as H[]) {
    const v = hyperAt(name, k, full[k], count);
    if (typeof v === "number") {
      out[k] = v;
      continue;
    }
    if (v instanceof PerRun && x.some((b) => b.rank !== x[0].rank)) {
      throw new Error(
        `${name}: perRun hyperparameter ${k} needs blocks of one rank, got shapes ${x.map((b) => `[${b.shape}]`).join(", ")}`,
      );
    }
    const forBlock = x.map((b, i) => hyperForLeaf(name, k, v, b, `block ${i}`));
    out[k] = forBlock[0];
  }
  return out;
}

/**
 * Draws for rules and landscapes on tensors of shape `shape`, from one seeded `Rng` (each call
 * one independent draw per coordinate).
 */
export function tensorNoise(rng: Rng, shape: () => number[]): Noise<tf.Tensor> {
  return {
    uniform: () => rng.uniformTensor(shape()),
    normal: () => rng.normalTensor(shape()),
  };
}

/**
 * The field of a two-player zero-sum game `min_{player 0} max_{player 1} loss(x)`: `∇_{x_i} loss`
 * for blocks of player 0 and `−∇_{x_i} loss` for blocks of player 1 (`players[i]`; default all 0,
 * i.e. plain gradient descent on `loss`).
 */
export function zeroSumField(loss: (x: tf.Tensor[]) => tf.Scalar, players?: readonly number[]): OracleField {
  players?.forEach((p, i) => {
    if (p !== 0 && p !== 1) throw new Error(`zeroSumField: players[${i}] = ${p}; a zero-sum game has players 0 and 1`);
  });
  return (x) => {
    if (players && players.length !== x.length) {
      throw new Error(`zeroSumField: players has ${players.length} entries but the iterate has ${x.length} blocks`);
    }
    return tf.tidy(() => {
      // Fresh sources (clones): under an outer gradient, tfjs 4.22 otherwise also differentiates
      // the inner gradient through ops linking one block to another (wrong Jacobians of update maps).
      const g = tf.grads((...b: tf.Tensor[]) => loss(b))(x.map((xi) => tf.clone(xi)));
      return g.map((gi, i) => (players?.[i] === 1 ? tf.neg(gi) : gi));
    });
  };
}

/**
 * The field of a general-sum game: block i gets `∇_{x_i} losses[players[i]](x)`, each player
 * minimising its own loss.
 */
export function playerField(
  losses: readonly ((x: tf.Tensor[]) => tf.Scalar)[],
  players: readonly number[],
): OracleField {
  players.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= losses.length) {
      throw new Error(`playerField: players[${i}] = ${p} has no loss (${losses.length} losses given)`);
    }
  });
  return (x) => {
    if (players.length !== x.length) {
      throw new Error(`playerField: players has ${players.length} entries but the iterate has ${x.length} blocks`);
    }
    return tf.tidy(() => {
      // Differentiate each player's loss only in its own blocks (it need not depend on the others').
      const out: tf.Tensor[] = new Array(x.length);
      losses.forEach((loss, p) => {
        const own = players.flatMap((q, i) => (q === p ? [i] : []));
        if (own.length === 0) return;
        // Fresh sources (clones), as in zeroSumField.
        const g = tf.grads((...b: tf.Tensor[]) => loss(x.map((xi, i) => (own.includes(i) ? b[own.indexOf(i)] : xi))))(
          own.map((i) => tf.clone(x[i])),
        );
        own.forEach((i, k) => (out[i] = g[k]));
      });
      return out;
    });
  };
}

export interface OracleState {
  /** Per state slot, one tensor per block. */
  slots: Record<string, tf.Tensor[]>;
  /** Steps taken so far. */
  count: number;
}

export interface OracleStepperOptions<H extends string> {
  hyper?: HyperInput<H>;
  /** Seed of the rule's noise stream (default 0). */
  seed?: number;
  /** Applied to the iterate after every step (e.g. projection onto a box). */
  project?: (x: tf.Tensor[]) => tf.Tensor[];
}

export interface OracleStepper {
  /** Zero (or `rule.init`) state slots shaped like the blocks. */
  init(x: readonly tf.Tensor[]): OracleState;
  /** One step; returns new tensors (the inputs are not disposed). */
  step(x: readonly tf.Tensor[], state: OracleState): { x: tf.Tensor[]; state: OracleState };
}

/**
 * A stepper for `rule` on tensors: `z_{t+1}, s_{t+1} = rule.step(tfOps, z_t, field, s_t, hyper, t, noise)`.
 * Noise is drawn from `new Rng(seed)` and is shaped like the blocks (all blocks must then share
 * one shape).
 */
export function oracleStepper<H extends string, S extends string>(
  rule: OracleRule<H, S>,
  field: OracleField,
  opts: OracleStepperOptions<H> = {},
): OracleStepper {
  if (rule?.kind !== "oracle")
    throw new Error(`oracleStepper: expected an OracleRule, got ${String(rule?.kind ?? rule)}`);
  const fullHyper = oracleHyperWithDefaults(rule, opts.hyper);
  const rng = new Rng(opts.seed ?? 0);
  // The shape of the current step's blocks, or undefined when they differ (noise is then ambiguous).
  let blockShape: number[] | undefined;
  const noise = tensorNoise(rng, () => {
    if (!blockShape) throw new Error(`${rule.name}: noise needs all blocks to share one shape`);
    return blockShape;
  });
  const checkBlocks = (x: readonly tf.Tensor[], what: string) => {
    if (!Array.isArray(x) || x.length === 0 || x.some((b) => !(b instanceof tf.Tensor))) {
      throw new Error(`${rule.name}: ${what} must be a non-empty array of tensors`);
    }
  };
  return {
    init(x) {
      checkBlocks(x, "the initial iterate");
      const slots: Record<string, tf.Tensor[]> = {};
      for (const s of rule.state) slots[s] = x.map((b) => tf.fill(b.shape, rule.init?.[s] ?? 0));
      return { slots, count: 0 };
    },
    step(x, state) {
      checkBlocks(x, "the iterate");
      const t = state.count + 1;
      const out = tf.tidy(() => {
        const checkedField = (z: readonly tf.Tensor[]) => {
          const f = field(z.slice());
          if (!Array.isArray(f) || f.length !== z.length) {
            throw new Error(
              `${rule.name}: the field returned ${Array.isArray(f) ? f.length : String(f)} blocks for ${z.length}`,
            );
          }
          f.forEach((fi, i) => {
            if (!tf.util.arraysEqual(fi.shape, z[i].shape)) {
              throw new Error(
                `${rule.name}: field block ${i} has shape [${fi.shape}] but the iterate block has [${z[i].shape}]`,
              );
            }
          });
          return f;
        };
        blockShape = x.every((b) => tf.util.arraysEqual(b.shape, x[0].shape)) ? x[0].shape : undefined;
        const hyper = hyperForBlocks(rule.name, fullHyper, state.count, x);
        const r = rule.step(tfOps, x, checkedField, state.slots as Record<S, tf.Tensor[]>, hyper, t, noise);
        const nx = opts.project ? opts.project(r.x) : r.x;
        return { x: nx, slots: r.state as Record<string, tf.Tensor[]> };
      });
      // A rule may pass an input tensor through unchanged; clone it so callers can dispose inputs.
      const inputs = new Set<tf.Tensor>([...x, ...Object.values(state.slots).flat()]);
      const own = (b: tf.Tensor) => (inputs.has(b) ? b.clone() : b);
      const slots: Record<string, tf.Tensor[]> = {};
      for (const [k, bs] of Object.entries(out.slots)) slots[k] = bs.map(own);
      return { x: out.x.map(own), state: { slots, count: t } };
    },
  };
}

/**
 * Runs `steps` steps of `rule` from `x0` (not disposed) and returns the final iterate. `onStep(t, x)`
 * sees every iterate (t = 1..steps); its tensors are disposed after the callback — clone to keep.
 */
export function runOracle<H extends string, S extends string>(
  rule: OracleRule<H, S>,
  field: OracleField,
  x0: readonly tf.Tensor[],
  steps: number,
  opts: OracleStepperOptions<H> & { onStep?: (t: number, x: readonly tf.Tensor[]) => void } = {},
): tf.Tensor[] {
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`runOracle: steps must be a non-negative integer, got ${steps}`);
  const { onStep, ...stepperOpts } = opts;
  const stepper = oracleStepper(rule, field, stepperOpts);
  let state = stepper.init(x0);
  let x = x0.map((b) => b.clone());
  for (let t = 1; t <= steps; t++) {
    const next = stepper.step(x, state);
    x.forEach((b) => b.dispose());
    Object.values(state.slots).forEach((bs) => bs.forEach((b) => b.dispose()));
    x = next.x;
    state = next.state;
    onStep?.(t, x);
  }
  Object.values(state.slots).forEach((bs) => bs.forEach((b) => b.dispose()));
  return x;
}
