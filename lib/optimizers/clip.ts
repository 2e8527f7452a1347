/**
 * Gradient clipping transforms: by global norm (a tree transform; optionally one norm per run) and
 * per coordinate (an elementwise rule, so the sweep engine runs it too).
 */
import * as tf from "@tensorflow/tfjs";
import { checkOptions } from "../validate";
import { clipByValueRule } from "./rules";
import {
  checkHypers,
  fromRule,
  hyperAt,
  scaleTree,
  squaredNorm,
  treeTransform,
  type GradientTransformation,
  type Hyper,
  type RuleState,
} from "./transform";

export interface ClipByGlobalNormOptions {
  /** With params `[runs, …]`: one norm per run (over every axis but the first). Default false. */
  perRun?: boolean;
}

/**
 * Global-norm clipping (Pascanu, Mikolov & Bengio, 2013, "On the difficulty of training recurrent
 * neural networks"): g ← g·min(1, c/‖g‖) with ‖g‖ the norm of the whole tree (per run with
 * `perRun`). `maxNorm` may be a number or a schedule.
 */
export function clipByGlobalNorm(
  maxNorm: number | ((step: number) => number),
  options: ClipByGlobalNormOptions = {},
): GradientTransformation<{ count: number }> {
  const name = "clipByGlobalNorm";
  checkOptions(name, options, ["perRun"]);
  checkHypers(name, ["maxNorm"], { maxNorm });
  const byRun = options.perRun ?? false;
  return treeTransform<{ count: number }>(
    name,
    () => ({ count: 0 }),
    (grads, state) => {
      const c = hyperAt(name, "maxNorm", maxNorm, state.count) as number;
      const norm = tf.sqrt(squaredNorm(grads, byRun));
      // min(1, c/‖g‖), with 0/0 → 1 so a zero gradient stays zero.
      const factor = tf.minimum(1, tf.div(c, tf.maximum(norm, 1e-30)));
      return { updates: scaleTree(grads, factor), state: { count: state.count + 1 } };
    },
  );
}

/** Per-coordinate clipping g ← clip(g, −c, c) (optax `clip`), from `clipByValueRule`. */
export function clipByValue(clipValue: Hyper): GradientTransformation<RuleState> {
  return fromRule(clipByValueRule(), { clipValue }, { name: "clipByValue" });
}
