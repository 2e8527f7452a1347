/**
 * optax's gradient-transformation API in TypeScript, over parameter trees of TensorFlow.js tensors.
 *
 * An optimizer is `{ init(params) → state, update(grads, state, params?) → { updates, state } }`;
 * `applyUpdates(params, updates)` adds the updates. Named optimizers are chains of small
 * transforms, and every elementwise transform is built from an `ElementwiseRule` (`lib/core/rule.ts`)
 * with `fromRule`, so the fused sweep engine runs the very same formulas.
 *
 * Hyperparameters may be numbers, schedules `(step) => number`, tensors that broadcast against
 * every parameter leaf, or `perRun([...])` values that lie along the leading (runs) axis of every
 * leaf — so one call runs many trajectories: params `[runs, …]` with a per-run learning rate.
 *
 * Ownership (tfjs has no garbage collector for tensors): `update` never disposes its arguments, and
 * every tensor in the returned `updates` and `state` is new, so after
 * `const r = opt.update(g, s, p)` it is always safe to `disposeTree(s)` and `disposeTree(g)`.
 *
 * Step counting follows optax: a schedule is evaluated at the number of updates done *before* this
 * one (0 on the first update); the rule itself receives the 1-based step `t = count + 1`
 * (used for bias corrections such as 1 − β₁ᵗ).
 */
import * as tf from "@tensorflow/tfjs";
import { tfOps } from "../core/ops";
import type { ElementwiseRule, HyperValues, Noise } from "../core/rule";
import { assertSameStructure, disposeTree, flatten, leaves, unflatten, type Tree } from "../tree";
import { normalFromState, seedState, uniformFromState } from "../rng";
import { checkOptions, unknownOptionMessage } from "../validate";

/** A learning-rate (or any hyperparameter) schedule: the value at step `count` (0-based). */
export type Schedule = (step: number) => number;

/**
 * A per-run hyperparameter: one value per run, laid along the leading axis of every parameter leaf
 * (reshaped to `[runs, 1, …, 1]` for each leaf). Create with `perRun`.
 */
export class PerRun {
  constructor(
    /** Shape `[runs]`. */
    readonly values: tf.Tensor1D,
    /** The numbers, when known synchronously (then they are validated like plain numbers). */
    readonly numbers?: readonly number[],
  ) {
    if (values.rank !== 1)
      throw new Error(`perRun: expected a 1-D tensor of per-run values, got shape [${values.shape}]`);
  }
  get runs(): number {
    return this.values.shape[0];
  }
  dispose(): void {
    this.values.dispose();
  }
}

/** `perRun([0.1, 0.01, 0.001])`: a hyperparameter with one value per run (leading axis of each leaf). */
export function perRun(values: readonly number[] | tf.Tensor1D): PerRun {
  if (values instanceof tf.Tensor) return new PerRun(values);
  if (values.length === 0) throw new Error("perRun: needs at least one value");
  return new PerRun(tf.tensor1d(values as number[], "float32"), values.slice());
}

/** A hyperparameter value: a number, a schedule, a tensor that broadcasts against each leaf, or `perRun`. */
export type Hyper = number | Schedule | tf.Tensor | PerRun;

/** Hyperparameters as a user gives them: any of the names `H`, each a `Hyper`. */
export type HyperOptions<H extends string = string> = Partial<Record<H, Hyper>>;

/** The state of any transform: nested arrays/objects of tensors, numbers and small typed arrays. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OptState = any;

export interface UpdateResult<S = OptState> {
  updates: Tree;
  state: S;
}

/** optax's `GradientTransformation`. */
export interface GradientTransformation<S = OptState> {
  /** For error messages and printing, e.g. "adam" or "chain(clipByGlobalNorm, adam)". */
  readonly name: string;
  init(params: Tree): S;
  /**
   * Maps gradients to updates (to be *added* to the parameters). `params` is needed by transforms
   * that read the parameters (weight decay, Lookahead, SAM); the others ignore it.
   */
  update(grads: Tree, state: S, params?: Tree): UpdateResult<S>;
}

// ---------------------------------------------------------------------------------------------
// Hyperparameter validation

/** Allowed ranges for hyperparameters by name (the names are shared by all rules). */
const HYPER_RANGES: Record<string, [number, number, string]> = {
  lr: [0, Infinity, "a learning rate must be finite and ≥ 0"],
  b1: [0, 1, "β₁ must lie in [0, 1]"],
  b2: [0, 1, "β₂ must lie in [0, 1]"],
  b3: [0, 1, "β₃ must lie in [0, 1]"],
  decay: [0, 1, "a decay rate must lie in [0, 1]"],
  momentum: [0, 1, "a momentum coefficient must lie in [0, 1]"],
  eps: [0, Infinity, "ε must be finite and ≥ 0"],
  epsRoot: [0, Infinity, "ε must be finite and ≥ 0"],
  weightDecay: [0, Infinity, "weight decay must be finite and ≥ 0"],
  momentumDecay: [0, Infinity, "ψ must be finite and ≥ 0"],
  clipValue: [0, Infinity, "a clipping threshold must be ≥ 0"],
  maxNorm: [0, Infinity, "a clipping threshold must be ≥ 0"],
  b0: [0, Infinity, "b₀ must be finite and ≥ 0"],
  rho: [0, Infinity, "ρ must be finite and ≥ 0"],
  alpha: [0, 1, "α must lie in [0, 1]"],
};

/** Throws a clear error if a number is not a valid value of hyperparameter `name` (of `owner`). */
export function checkHyperNumber(owner: string, name: string, v: number, where = ""): void {
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new Error(`${owner}: hyperparameter ${name} is ${String(v)}${where}; expected a number`);
  }
  const r = HYPER_RANGES[name];
  if (r && !(v >= r[0] && v <= r[1] && Number.isFinite(v))) {
    throw new Error(`${owner}: hyperparameter ${name} = ${v}${where} is out of range (${r[2]})`);
  }
}

/** Checks a hyperparameter object against the known names and ranges (tensor values are not read, so not range-checked). */
export function checkHypers(owner: string, known: readonly string[], hyper: object): void {
  for (const [k, v] of Object.entries(hyper)) {
    if (!known.includes(k)) throw new Error(unknownOptionMessage(owner, k, known, "hyperparameter"));
    if (v === undefined) continue;
    if (typeof v === "number") checkHyperNumber(owner, k, v);
    else if (v instanceof PerRun) v.numbers?.forEach((x, i) => checkHyperNumber(owner, k, x, ` (run ${i})`));
    else if (!(typeof v === "function" || v instanceof tf.Tensor)) {
      throw new Error(
        `${owner}: hyperparameter ${k} must be a number, a schedule (step) => number, a tensor or perRun([...]); got ${typeof v}`,
      );
    }
  }
}

/** The value of hyperparameter `h` at update number `count` (0-based), validated. */
export function hyperAt(owner: string, name: string, h: Hyper, count: number): number | tf.Tensor | PerRun {
  if (typeof h === "function") {
    const v = h(count);
    checkHyperNumber(owner, name, v, ` (schedule at step ${count})`);
    return v;
  }
  return h;
}

/** A resolved hyperparameter for one leaf: numbers pass through, `PerRun` is reshaped to `[runs, 1, …]`. */
export function hyperForLeaf(
  owner: string,
  name: string,
  v: number | tf.Tensor | PerRun,
  leaf: tf.Tensor,
  path: string,
): number | tf.Tensor {
  if (typeof v === "number") return v;
  if (v instanceof PerRun) {
    if (leaf.rank === 0 || leaf.shape[0] !== v.runs) {
      throw new Error(
        `${owner}: perRun hyperparameter ${name} has ${v.runs} runs but parameter ${path} has shape [${leaf.shape}] (its leading axis must be the runs axis)`,
      );
    }
    return v.values.reshape([v.runs, ...new Array(leaf.rank - 1).fill(1)]);
  }
  let shape: number[];
  try {
    shape = tf.broadcast_util.assertAndGetBroadcastShape(v.shape, leaf.shape);
  } catch {
    shape = [];
  }
  if (shape.length !== leaf.rank || shape.some((d, i) => d !== leaf.shape[i])) {
    throw new Error(
      `${owner}: hyperparameter ${name} of shape [${v.shape}] does not broadcast against parameter ${path} of shape [${leaf.shape}]`,
    );
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Ownership helpers

/**
 * Clones every tensor in `out` that is one of `inputs` or appears twice in `out` (e.g. a momentum
 * buffer that is both the update and the new state), so each returned tensor has one owner.
 */
function freshen<X>(out: X, inputs: Set<tf.Tensor>): X {
  const seen = new Set<tf.Tensor>();
  const walk = (x: unknown): unknown => {
    if (x instanceof tf.Tensor) {
      if (inputs.has(x) || seen.has(x)) return x.clone();
      seen.add(x);
      return x;
    }
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) o[k] = walk(v);
      return o;
    }
    return x;
  };
  return walk(out) as X;
}

function tensorsIn(x: unknown, into = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (x instanceof tf.Tensor) into.add(x);
  else if (Array.isArray(x)) x.forEach((y) => tensorsIn(y, into));
  else if (x instanceof PerRun) into.add(x.values);
  else if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    Object.values(x).forEach((y) => tensorsIn(y, into));
  }
  return into;
}

/**
 * Builds a transform from a function of the whole tree, run inside `tf.tidy`; takes care of
 * ownership (inputs never disposed; every returned tensor new). For tree-level transforms such as
 * global-norm clipping or AdaGrad-Norm. `step` gets the state and must return a new one.
 */
export function treeTransform<S>(
  name: string,
  init: (params: Tree) => S,
  step: (grads: Tree, state: S, params: Tree | undefined) => UpdateResult<S>,
): GradientTransformation<S> {
  return {
    name,
    init: (params) => init(params),
    update(grads, state, params) {
      if (params !== undefined) assertSameStructure(grads, params, `${name}: gradients and parameters`);
      const inputs = tensorsIn([grads, state, params ?? null]);
      const out = tf.tidy(
        () => step(grads, state, params) as unknown as tf.TensorContainer,
      ) as unknown as UpdateResult<S>;
      return freshen(out, inputs);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// fromRule

/** The state of a transform built by `fromRule`. */
export interface RuleState {
  /** Number of updates done so far. */
  count: number;
  /** One tree per state slot of the rule, shaped like the parameters. */
  slots: Record<string, Tree>;
  /** xoshiro128** state for the rule's noise (present when a seed was given). */
  key?: Uint32Array;
}

export interface FromRuleOptions {
  /** Seed for the rule's noise (`noise.uniform()`/`noise.normal()`); required if the rule draws noise. */
  seed?: number;
  /** Name shown in errors (defaults to the rule's name). */
  name?: string;
}

/**
 * Turns an `ElementwiseRule` into a `GradientTransformation`: the rule's `step` runs on every leaf
 * with `tfOps`, hyperparameters resolved for the current step (schedules at `count`, the rule's
 * `t = count + 1`). Unspecified hyperparameters take the rule's defaults.
 */
export function fromRule<H extends string, S extends string>(
  rule: ElementwiseRule<H, S>,
  hyper: HyperOptions<H> = {},
  options: FromRuleOptions = {},
): GradientTransformation<RuleState> {
  checkOptions(`fromRule(${rule.name})`, options, ["seed", "name"]);
  const name = options.name ?? rule.name;
  const names = Object.keys(rule.defaults) as H[];
  checkHypers(name, names, hyper);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new Error(`${name}: seed must be an integer, got ${options.seed}`);
  }
  const full: Record<string, Hyper> = { ...rule.defaults };
  for (const [k, v] of Object.entries(hyper)) if (v !== undefined) full[k] = v as Hyper;

  return {
    name,
    init(params) {
      const ls = flatten(params);
      const slots: Record<string, Tree> = {};
      for (const s of rule.state) {
        const v = rule.init?.[s] ?? 0;
        slots[s] = unflatten(
          params,
          ls.map((l) => tf.fill(l.shape, v, "float32")),
        );
      }
      const state: RuleState = { count: 0, slots };
      if (options.seed !== undefined) {
        state.key = new Uint32Array(4);
        seedState(options.seed, 0, state.key);
      }
      return state;
    },
    update(grads, state, params) {
      if (!state || typeof state.count !== "number" || !state.slots) {
        throw new Error(`${name}: update got a state that is not this transform's (call init(params) first)`);
      }
      const gl = leaves(grads);
      if (params === undefined && rule.readsParams) {
        throw new Error(`${name}: this rule reads the parameters; call update(grads, state, params)`);
      }
      if (params !== undefined) assertSameStructure(grads, params, `${name}: gradients and parameters`);
      for (const s of rule.state)
        assertSameStructure(grads, state.slots[s] as Tree, `${name}: gradients and state slot "${s}"`);
      const pl = params === undefined ? undefined : flatten(params);
      const sl = rule.state.map((s) => flatten(state.slots[s] as Tree));
      const count = state.count;
      const resolved: Record<string, number | tf.Tensor | PerRun> = {};
      for (const k of Object.keys(full)) resolved[k] = hyperAt(name, k, full[k], count);
      const key = state.key ? state.key.slice() : undefined;
      const inputs = tensorsIn([grads, state.slots, params ?? null, Object.values(full)]);

      const out = tf.tidy(() => {
        const updates: tf.Tensor[] = [];
        const newSlots: tf.Tensor[][] = rule.state.map(() => []);
        gl.forEach(({ path, leaf: g }, i) => {
          const h = {} as HyperValues<tf.Tensor, H>;
          for (const k of Object.keys(resolved)) {
            (h as Record<string, unknown>)[k] = hyperForLeaf(name, k, resolved[k], g, path);
          }
          const s = {} as Record<S, tf.Tensor>;
          rule.state.forEach((slot, j) => (s[slot] = sl[j][i]));
          const noise = leafNoise(name, key, g.shape);
          // Without params the rule does not read p (checked above; every library rule's
          // declaration is tested); NaN makes an undeclared read visible rather than silent.
          const p = pl ? pl[i] : tf.scalar(NaN);
          const r = rule.step(tfOps, g, p, s, h, count + 1, noise);
          if (r.update.shape.length !== g.rank || r.update.shape.some((d, j) => d !== g.shape[j])) {
            throw new Error(`${name}: update at ${path} has shape [${r.update.shape}], expected [${g.shape}]`);
          }
          updates.push(r.update);
          rule.state.forEach((slot, j) => newSlots[j].push(r.state[slot]));
        });
        return { updates, newSlots };
      });
      const fresh = freshen(out, inputs);
      const slots: Record<string, Tree> = {};
      rule.state.forEach((slot, j) => (slots[slot] = unflatten(grads, fresh.newSlots[j])));
      const next: RuleState = { count: count + 1, slots };
      if (key) next.key = key;
      return { updates: unflatten(grads, fresh.updates), state: next };
    },
  };
}

function leafNoise(owner: string, key: Uint32Array | undefined, shape: number[]): Noise<tf.Tensor> {
  const draw = (f: (s: Uint32Array) => number) => {
    if (!key) throw new Error(`${owner}: this rule draws noise; pass { seed } to fromRule / the optimizer`);
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = f(key);
    return tf.tensor(v, shape, "float32");
  };
  return { uniform: () => draw((s) => uniformFromState(s)), normal: () => draw((s) => normalFromState(s)) };
}

// ---------------------------------------------------------------------------------------------
// Combinators

/** optax `chain`: applies transforms in order; the state is the array of their states. */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<OptState[]> {
  if (transforms.length === 0) throw new Error("chain: needs at least one transform");
  transforms.forEach((t, i) => {
    if (!t || typeof t.init !== "function" || typeof t.update !== "function") {
      throw new Error(`chain: argument ${i} is not a GradientTransformation`);
    }
  });
  const name = `chain(${transforms.map((t) => t.name).join(", ")})`;
  return {
    name,
    init: (params) => transforms.map((t) => t.init(params)),
    update(grads, state, params) {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new Error(`${name}: expected a state array of length ${transforms.length}`);
      }
      let u = grads;
      const states: OptState[] = [];
      transforms.forEach((t, i) => {
        const r = t.update(u, state[i], params);
        if (u !== grads) disposeTree(u);
        u = r.updates;
        states.push(r.state);
      });
      return { updates: u, state: states };
    },
  };
}

/** `params + updates`, leaf by leaf (new tensors; neither argument is disposed). */
export function applyUpdates(params: Tree, updates: Tree): Tree {
  assertSameStructure(params, updates, "applyUpdates: parameters and updates");
  const ps = flatten(params),
    us = flatten(updates);
  return unflatten(
    params,
    tf.tidy(() => ps.map((p, i) => tf.add(p, us[i]))),
  );
}

/** The hyperparameter names of a rule type (of each member, for a union of rules). */
export type HyperNames<R> = R extends { readonly defaults: infer D } ? Extract<keyof D, string> : never;

/**
 * Composes elementwise rules into one `ElementwiseRule` (the engine's form of `chain`): each rule's
 * update is the next one's gradient. Hyperparameter names must be distinct across the rules (they
 * are the names the engine sweeps); state slots that clash are renamed `<rule>.<slot>`. The chain
 * reads the parameters when any of its rules does.
 */
export function chainRules<Rs extends ElementwiseRule[]>(
  name: string,
  ...rules: Rs
): ElementwiseRule<HyperNames<Rs[number]>, string> {
  if (rules.length === 0) throw new Error(`chainRules(${name}): needs at least one rule`);
  const defaults: Record<string, number> = {};
  for (const r of rules) {
    for (const [k, v] of Object.entries(r.defaults)) {
      if (k in defaults) {
        throw new Error(
          `chainRules(${name}): hyperparameter "${k}" appears in more than one rule (${rules.map((x) => x.name).join(", ")})`,
        );
      }
      defaults[k] = v;
    }
  }
  const slotMaps: Record<string, string>[] = [];
  const state: string[] = [];
  const init: Record<string, number> = {};
  const all = rules.flatMap((r) => r.state);
  rules.forEach((r, i) => {
    const m: Record<string, string> = {};
    for (const s of r.state) {
      let merged = all.filter((x) => x === s).length > 1 ? `${r.name}.${s}` : s;
      if (state.includes(merged)) merged = `${i}.${merged}`;
      m[s] = merged;
      state.push(merged);
      const v = (r.init as Record<string, number> | undefined)?.[s];
      if (v !== undefined) init[merged] = v;
    }
    slotMaps.push(m);
  });
  return {
    kind: "elementwise",
    name,
    // The keys are exactly the rules' hyperparameter names, gathered above.
    defaults: defaults as Record<HyperNames<Rs[number]>, number>,
    state,
    init,
    readsParams: rules.some((r) => r.readsParams),
    step(o, g, p, s, h, t, noise) {
      let u = g;
      const next: Record<string, typeof g> = {};
      rules.forEach((r, i) => {
        const m = slotMaps[i];
        const sub: Record<string, typeof g> = {};
        for (const [orig, merged] of Object.entries(m)) sub[orig] = s[merged];
        const res = r.step(o, u, p, sub, h, t, noise);
        u = res.update;
        for (const [orig, merged] of Object.entries(m)) next[merged] = (res.state as Record<string, typeof g>)[orig];
      });
      return { update: u, state: next };
    },
  };
}

/** A copy of `rule` with other default hyperparameters (and optionally another name). */
export function withDefaults<H extends string, S extends string>(
  rule: ElementwiseRule<H, S>,
  defaults: Partial<Record<H, number>>,
  name = rule.name,
): ElementwiseRule<H, S> {
  checkHypers(name, Object.keys(rule.defaults), defaults);
  return { ...rule, name, defaults: { ...rule.defaults, ...defaults } as Record<H, number> };
}

// ---------------------------------------------------------------------------------------------
// Tree norms, for the tree-level transforms (global-norm clipping, AdaGrad-Norm, SAM)

/**
 * Σ over all leaves of Σ x² — a scalar, or with `perRun` a `[runs]` vector (sum over every axis but
 * the leading runs axis of each leaf). Call inside `tf.tidy`.
 */
export function squaredNorm(tree: Tree, perRunAxis = false): tf.Tensor {
  const ls = leaves(tree);
  if (!perRunAxis) return tf.addN(ls.map(({ leaf }) => tf.sum(tf.square(leaf))));
  const runs = ls[0].leaf.shape[0];
  return tf.addN(
    ls.map(({ path, leaf }) => {
      if (leaf.rank === 0 || leaf.shape[0] !== runs) {
        throw new Error(
          `perRun norm: leaf ${path} has shape [${leaf.shape}]; every leaf needs the leading runs axis of length ${runs}`,
        );
      }
      return leaf.rank === 1 ? tf.square(leaf) : tf.sum(tf.square(leaf), leaf.shape.map((_, i) => i).slice(1));
    }),
  );
}

/**
 * Every leaf times a scalar factor, or with a `[runs]` factor each run's slice times its own
 * (x_r ← c_r·x_r): the last step of global-norm clipping and of normalised steps. Call inside `tf.tidy`.
 */
export function scaleTree(tree: Tree, factor: tf.Tensor): Tree {
  return unflatten(
    tree,
    flatten(tree).map((leaf) => tf.mul(leaf, alongRuns(factor, leaf))),
  );
}

/** Reshapes a per-run `[runs]` vector (or a scalar) so it broadcasts against `leaf` `[runs, …]`. */
export function alongRuns(x: tf.Tensor, leaf: tf.Tensor): tf.Tensor {
  if (x.rank === 0) return x;
  return x.reshape([x.shape[0], ...new Array(Math.max(leaf.rank - 1, 0)).fill(1)]);
}
