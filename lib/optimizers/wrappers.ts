/**
 * Wrappers around another optimizer: Lookahead (slow/fast weights) and SAM (sharpness-aware
 * minimisation). Both read the parameters, so call `update(grads, state, params)`.
 */
import * as tf from "@tensorflow/tfjs";
import { flatten, leaves, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
import {
  alongRuns,
  checkHypers,
  hyperAt,
  hyperForLeaf,
  squaredNorm,
  treeTransform,
  type GradientTransformation,
  type Hyper,
  type OptState,
} from "./transform";

export interface LookaheadOptions {
  /** Synchronisation period k (default 5). */
  syncPeriod?: number;
  /** Slow step size α ∈ [0, 1] (default 0.5); a number, schedule, tensor or `perRun`. */
  alpha?: Hyper;
}

export interface LookaheadState {
  count: number;
  slow: Tree;
  inner: OptState;
}

/**
 * Lookahead (Zhang, Lucas, Hinton & Ba, 2019, "Lookahead Optimizer: k steps forward, 1 step back"):
 * the inner optimizer moves the fast weights θ; every k steps the slow weights move
 * φ ← φ + α(θ − φ) and the fast weights are reset to φ. The parameters seen by the caller are the
 * fast weights. Defaults: k = 5, α = 0.5.
 */
export function lookahead(
  inner: GradientTransformation,
  options: LookaheadOptions = {},
): GradientTransformation<LookaheadState> {
  const name = `lookahead(${inner.name})`;
  checkOptions("lookahead", options, ["syncPeriod", "alpha"]);
  const { syncPeriod = 5, alpha = 0.5 } = options;
  if (!Number.isInteger(syncPeriod) || syncPeriod < 1)
    throw new Error(`lookahead: syncPeriod must be an integer ≥ 1, got ${syncPeriod}`);
  checkHypers("lookahead", ["alpha"], { alpha });
  return treeTransform<LookaheadState>(
    name,
    (params) => ({
      count: 0,
      slow: unflatten(
        params,
        flatten(params).map((p) => p.clone()),
      ),
      inner: inner.init(params),
    }),
    (grads, state, params) => {
      if (params === undefined) throw new Error(`${name}: needs the parameters; call update(grads, state, params)`);
      const r = inner.update(grads, state.inner, params);
      const count = state.count + 1;
      if (count % syncPeriod !== 0) return { updates: r.updates, state: { count, slow: state.slow, inner: r.state } };
      const a = hyperAt("lookahead", "alpha", alpha, state.count);
      const ps = flatten(params),
        us = flatten(r.updates),
        ss = flatten(state.slow);
      const slow = leaves(params).map(({ path, leaf }, i) => {
        const fast = tf.add(ps[i], us[i]);
        return tf.add(ss[i], tf.mul(hyperForLeaf("lookahead", "alpha", a, leaf, path), tf.sub(fast, ss[i])));
      });
      const updates = slow.map((s, i) => tf.sub(s, ps[i]));
      return { updates: unflatten(params, updates), state: { count, slow: unflatten(params, slow), inner: r.state } };
    },
  );
}

export interface SamOptions {
  /** Neighbourhood radius ρ (default 0.05); a number or schedule (of the SAM step count). */
  rho?: number | ((step: number) => number);
  /** ASAM (Kwon et al., 2021): ε = ρ·T²g/‖Tg‖ with T = |θ| (scale-invariant neighbourhood). Default false. */
  adaptive?: boolean;
  /** With params `[runs, …]`: one norm per run. Default false. */
  perRun?: boolean;
}

export interface SamState {
  /** 0: the next call is the ascent step; 1: the next call is the descent step. */
  phase: 0 | 1;
  /** Number of completed SAM steps. */
  count: number;
  /** The parameters before the ascent step (phase 1 only). */
  origin: Tree | null;
  inner: OptState;
}

/**
 * SAM (Foret, Kleiner, Mobahi & Neyshabur, 2021, "Sharpness-Aware Minimization for Efficiently
 * Improving Generalization"): ε = ρ·g/‖g‖, then the inner optimizer steps from θ with the gradient
 * taken at θ + ε. Like optax.contrib.sam, one SAM step is two calls: the first returns the ascent
 * update ε (the caller evaluates the gradient at θ + ε next), the second returns the update that
 * lands at θ + inner(∇L(θ + ε)). So a `minimize` run of 2n calls makes n SAM steps, and every other
 * recorded loss is taken at a perturbed point; use an even number of calls (after an odd number the
 * parameters are the perturbed point θ + ε).
 */
export function sam(inner: GradientTransformation, options: SamOptions = {}): GradientTransformation<SamState> {
  const name = `sam(${inner.name})`;
  checkOptions("sam", options, ["rho", "adaptive", "perRun"]);
  const { rho = 0.05, adaptive = false, perRun: byRun = false } = options;
  checkHypers("sam", ["rho"], { rho });
  return treeTransform<SamState>(
    name,
    (params) => ({ phase: 0, count: 0, origin: null, inner: inner.init(params) }),
    (grads, state, params) => {
      if (params === undefined) throw new Error(`${name}: needs the parameters; call update(grads, state, params)`);
      if (state.phase === 0) {
        const r = hyperAt("sam", "rho", rho, state.count) as number;
        const ps = flatten(params);
        // ASAM scales by T = |θ|: direction T²g, normalised by ‖Tg‖.
        const scaled = adaptive
          ? unflatten(
              grads,
              flatten(grads).map((g, i) => tf.mul(tf.abs(ps[i]), g)),
            )
          : grads;
        const inv = tf.div(r, tf.maximum(tf.sqrt(squaredNorm(scaled, byRun)), 1e-12));
        const eps = leaves(scaled).map(({ leaf }, i) =>
          tf.mul(adaptive ? tf.mul(tf.abs(ps[i]), leaf) : leaf, alongRuns(inv, leaf)),
        );
        return {
          updates: unflatten(grads, eps),
          state: {
            phase: 1,
            count: state.count,
            origin: unflatten(
              params,
              ps.map((p) => p.clone()),
            ),
            inner: state.inner,
          },
        };
      }
      if (!state.origin) throw new Error(`${name}: state in phase 1 without the origin parameters`);
      const r = inner.update(grads, state.inner, state.origin);
      const os = flatten(state.origin),
        us = flatten(r.updates),
        ps = flatten(params);
      const updates = os.map((o, i) => tf.sub(tf.add(o, us[i]), ps[i]));
      return {
        updates: unflatten(params, updates),
        state: { phase: 0, count: state.count + 1, origin: null, inner: r.state },
      };
    },
  );
}
