/**
 * Experiments for notebook 03, minmax games: bilinear-game dynamics and their spectral radii
 * (GDA, alternating GDA, extragradient, past extragradient), complex momentum (Lorraine et al.,
 * 2022), preference games on the simplex (multiplicative weights, mirror prox / Nash-MP of
 * Tiapkin et al., 2025, extragradient in logits as in EGPO, Zhou et al., 2025) and stochastic
 * single-call vs two-call extragradient (Hsieh et al., 2019).
 *
 * Every function takes a plain config and returns plain data (numbers and arrays); the notebook
 * plots it and `test/claims/minmax-games.test.ts` asserts the same claims in quick mode.
 * Trajectories run in the fused sweep engine (float64); spectral radii come from the diagnostics'
 * autodiff Jacobian (`spectralRadius`) and, independently, from the float64 update matrix.
 */
import * as tf from "@tensorflow/tfjs";
import {
  bilinearGame,
  type ClaimCheck,
  type ClosedFormLandscape,
  compileGradient,
  complexMomentumRule,
  extragradientRule,
  type Figure,
  gdaRule,
  type LandscapeContext,
  logLogSlope,
  median,
  medianBand,
  mirrorProxRule,
  multiplicativeWeightsRule,
  type Noise,
  numOps,
  type Ops,
  optimisticRule,
  type OracleRule,
  preferenceGame,
  quantile,
  quickMode,
  type Rule,
  spectralRadius,
  spectralRadiusOfMatrix,
  stepWith,
  sweep,
  tfOps,
  type Val,
  rgba,
  subplotAxes,
  subplotSuffix,
} from "optbook";

export { logLogSlope, median, medianBand, quantile, quickMode, type ClaimCheck };

// ---------------------------------------------------------------------------------------------
// Small helpers

const NO_NOISE: Noise<never> = {
  uniform: () => {
    throw new Error("minmax-games: this deterministic map drew noise");
  },
  normal: () => {
    throw new Error("minmax-games: this deterministic map drew noise");
  },
};

function checkPositive(where: string, name: string, v: number, integer = false): void {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0) || (integer && !Number.isInteger(v))) {
    throw new Error(`${where}: ${name} must be a positive ${integer ? "integer" : "finite number"}, got ${v}`);
  }
}

function checkKeys(where: string, cfg: object, allowed: readonly string[]): void {
  for (const k of Object.keys(cfg)) {
    if (!allowed.includes(k)) throw new Error(`${where}: unknown option "${k}" (allowed: ${allowed.join(", ")})`);
  }
}

/** Per-step geometric rate `(d_b / d_a)^{1/(b−a)}` of a positive sequence between indices a < b. */
export function geometricRate(d: readonly number[], a: number, b: number): number {
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b < d.length)) {
    throw new Error(`geometricRate: need integer indices 0 ≤ a < b < ${d.length}, got ${a}, ${b}`);
  }
  if (!(d[a] > 0 && d[b] > 0))
    throw new Error(`geometricRate: values must be positive, got d[${a}] = ${d[a]}, d[${b}] = ${d[b]}`);
  return Math.pow(d[b] / d[a], 1 / (b - a));
}

// ---------------------------------------------------------------------------------------------
// Linear update maps of game dynamics

/** The state a rule carries, flattened: the iterate, then each state slot (one value per block). */
function stateSize(landscape: ClosedFormLandscape, rule: Rule): number {
  return landscape.dim * (1 + rule.state.length);
}

function splitState<T>(landscape: ClosedFormLandscape, rule: Rule, z: readonly T[]) {
  const n = landscape.dim;
  const x = z.slice(0, n);
  const state: Record<string, T[]> = {};
  rule.state.forEach((s, k) => (state[s] = z.slice(n * (k + 1), n * (k + 2))));
  return { x, state };
}

function joinState<T>(rule: Rule, x: readonly T[], state: Record<string, readonly T[]>): T[] {
  return [...x, ...rule.state.flatMap((s) => state[s])];
}

const gradientCache = new WeakMap<ClosedFormLandscape, (x: readonly number[]) => number[]>();
/** `compileGradient`, once per landscape object (a heatmap builds thousands of matrices of one game). */
function compiledGradient(landscape: ClosedFormLandscape): (x: readonly number[]) => number[] {
  let g = gradientCache.get(landscape);
  if (!g) {
    const compiled = compileGradient(landscape);
    g = (x) => compiled(x);
    gradientCache.set(landscape, g);
  }
  return g;
}

/**
 * The matrix M of one step `s_{t+1} = M s_t` of an oracle rule on a game with a linear field
 * (a bilinear or bilinear-quadratic game with its equilibrium at 0), in float64: column j is the
 * step applied to the unit vector e_j. The state s is [iterate, then each of the rule's state
 * slots]; `t` is the step count the rule sees (default 2, past any first-step special case).
 * The field is the landscape's gradient from the engine's symbolic reverse mode
 * (`compileGradient`), negated for maximising players. Throws if the step is not linear.
 */
export function gameUpdateMatrix(
  landscape: ClosedFormLandscape,
  rule: Rule,
  hyper: Record<string, number> = {},
  opts: { t?: number } = {},
): number[][] {
  const where = "gameUpdateMatrix";
  for (const k of Object.keys(hyper)) {
    if (!(k in rule.defaults)) throw new Error(`${where}: unknown hyperparameter "${k}" for rule ${rule.name}`);
    if (!Number.isFinite(hyper[k])) throw new Error(`${where}: hyperparameter ${k} = ${hyper[k]} is not finite`);
  }
  const h = { ...rule.defaults, ...hyper } as Record<string, number>;
  const grad = compiledGradient(landscape);
  const players = landscape.players;
  const field = (x: readonly number[]) => grad(x).map((g, i) => (players?.[i] === 1 ? -g : g));
  const d = stateSize(landscape, rule);
  const t = opts.t ?? 2;
  const apply = (z: number[]) => {
    const { x, state } = splitState(landscape, rule, z);
    const r = stepWith(numOps, landscape, rule, field, x, state, h, t, NO_NOISE as Noise<number>);
    return joinState(rule, r.x, r.state);
  };
  const zero = apply(new Array(d).fill(0));
  if (zero.some((v) => Math.abs(v) > 1e-12)) {
    throw new Error(
      `${where}: the step of ${rule.name} on ${landscape.name} does not fix 0 (not a linear map with equilibrium 0)`,
    );
  }
  const cols = Array.from({ length: d }, (_, j) => apply(Array.from({ length: d }, (_, i) => (i === j ? 1 : 0))));
  // Linearity check: the step of a sum of two unit vectors is the sum of their columns.
  if (d > 1) {
    const both = apply(Array.from({ length: d }, (_, i) => (i < 2 ? 1 : 0)));
    both.forEach((v, i) => {
      if (Math.abs(v - cols[0][i] - cols[1][i]) > 1e-9 * (1 + Math.abs(v))) {
        throw new Error(`${where}: the step of ${rule.name} on ${landscape.name} is not linear`);
      }
    });
  }
  return Array.from({ length: d }, (_, i) => cols.map((c) => c[i]));
}

/**
 * Spectral radius of one step of `rule` on `landscape` at state `z` (default 0), by the
 * diagnostics' `spectralRadius`: the Jacobian ∂s_{t+1}/∂s_t by tfjs autodiff (the field itself by
 * `tf.grads`, so this differentiates through a gradient), then all eigenvalues. For a linear game
 * this is ρ(M) of `gameUpdateMatrix`; ρ < 1 ⇔ the dynamics converge from every start.
 */
export async function gameSpectralRadius(
  landscape: ClosedFormLandscape,
  rule: Rule,
  hyper: Record<string, number> = {},
  opts: { t?: number; at?: readonly number[] } = {},
): Promise<{ radius: number; eigenvalues: { re: number[]; im: number[] } }> {
  for (const k of Object.keys(hyper)) {
    if (!(k in rule.defaults))
      throw new Error(`gameSpectralRadius: unknown hyperparameter "${k}" for rule ${rule.name}`);
    if (!Number.isFinite(hyper[k]))
      throw new Error(`gameSpectralRadius: hyperparameter ${k} = ${hyper[k]} is not finite`);
  }
  const h = { ...rule.defaults, ...hyper } as Record<string, number>;
  const d = stateSize(landscape, rule);
  const at = opts.at ?? new Array(d).fill(0);
  if (at.length !== d)
    throw new Error(`gameSpectralRadius: state has ${d} coordinates (iterate + slots), got ${at.length}`);
  const players = landscape.players;
  const ctx: LandscapeContext<tf.Tensor> = { t: opts.t ?? 2, ...(NO_NOISE as Noise<tf.Tensor>) };
  const field = (x: readonly tf.Tensor[]) => {
    // Clone the blocks: in tfjs 4.22 a nested tf.grads whose source is also a source of the outer
    // gradient (here: y in alternating GDA's second field call) gets the outer derivative wrong
    // (∂y'/∂y = 1 − 2η² instead of 1 − η²); a clone gives the inner tape its own source.
    const g = tf.grads((...b: tf.Tensor[]) => landscape.value(tfOps, b, ctx) as tf.Scalar)(x.map((b) => b.clone()));
    return g.map((gi, i) => (players?.[i] === 1 ? tf.neg(gi) : gi));
  };
  const step = (z: unknown) => {
    const parts = tf.unstack(z as tf.Tensor);
    const { x, state } = splitState(landscape, rule, parts);
    const r = stepWith(tfOps, landscape, rule, field, x, state, h, opts.t ?? 2, NO_NOISE as Noise<tf.Tensor>);
    return tf.stack(joinState(rule, r.x, r.state).map((v) => tf.reshape(v, [])));
  };
  const z0 = tf.tensor1d(at as number[], "float32");
  try {
    const res = await spectralRadius(step, z0);
    return {
      radius: res.radius,
      eigenvalues: { re: Array.from(res.eigenvalues.re), im: Array.from(res.eigenvalues.im) },
    };
  } finally {
    z0.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Figure 1: the bilinear game x·y

export type BilinearMethod = "gda" | "gdaAlternating" | "extragradient" | "pastExtragradient";

export const BILINEAR_METHODS: readonly { key: BilinearMethod; label: string }[] = [
  { key: "gda", label: "simultaneous GDA" },
  { key: "gdaAlternating", label: "alternating GDA" },
  { key: "extragradient", label: "extragradient" },
  { key: "pastExtragradient", label: "optimistic / past extragradient" },
];

function bilinearRule(key: BilinearMethod): OracleRule {
  switch (key) {
    case "gda":
      return gdaRule();
    case "gdaAlternating":
      return gdaRule({ alternating: true });
    case "extragradient":
      return extragradientRule();
    case "pastExtragradient":
      return optimisticRule({ form: "pastExtragradient" });
  }
}

export interface BilinearConfig {
  /** Step η (default 0.1). */
  lr?: number;
  /** Steps (default 200). */
  steps?: number;
  /** Start (x, y) (default (1, 1)). */
  init?: readonly [number, number];
}

export interface BilinearTrajectory {
  key: BilinearMethod;
  label: string;
  x: number[];
  y: number[];
  /** ‖z_t‖ = distance to the equilibrium (0, 0), t = 0..steps. */
  dist: number[];
  /** Per-step rate (d_T / d_{T/2})^{2/T} over the second half of the run. */
  measuredRate: number;
  /** ρ of the step's Jacobian from the diagnostics' autodiff `spectralRadius`. */
  spectralRadius: number;
  /** ρ of the float64 update matrix (`gameUpdateMatrix`). */
  matrixRadius: number;
}

/**
 * min_x max_y x·y from `init` with step η: simultaneous GDA (z ← z − ηF(z), F(x, y) = (y, −x)),
 * alternating GDA, extragradient (Korpelevich 1976) and past extragradient (Popov 1980; the
 * single-call/optimistic method of Hsieh et al. 2019), each run in the fused engine, with its
 * measured rate and the spectral radius of its linear update map.
 */
export async function bilinearDynamics(
  cfg: BilinearConfig = {},
): Promise<{ lr: number; steps: number; methods: BilinearTrajectory[] }> {
  const where = "bilinearDynamics";
  checkKeys(where, cfg, ["lr", "steps", "init"]);
  const lr = cfg.lr ?? 0.1,
    steps = cfg.steps ?? 200,
    init = cfg.init ?? [1, 1];
  checkPositive(where, "lr", lr);
  checkPositive(where, "steps", steps, true);
  if (steps < 2) throw new Error(`${where}: steps must be ≥ 2, got ${steps}`);
  if (init.length !== 2 || !init.every(Number.isFinite))
    throw new Error(`${where}: init must be two finite numbers, got [${init}]`);
  const game = bilinearGame({ A: [[1]] });
  const methods: BilinearTrajectory[] = [];
  for (const { key, label } of BILINEAR_METHODS) {
    const rule = bilinearRule(key);
    const r = await sweep({
      landscape: game,
      optimizer: rule,
      init: [...init],
      steps,
      hyper: { lr },
      record: { every: 1 },
      workers: 0,
      bound: 1e150,
    });
    const xs = r.x!;
    const x: number[] = [],
      y: number[] = [],
      dist: number[] = [];
    for (let t = 0; t <= steps; t++) {
      x.push(xs[2 * t]);
      y.push(xs[2 * t + 1]);
      dist.push(Math.hypot(xs[2 * t], xs[2 * t + 1]));
    }
    const half = Math.floor(steps / 2);
    const sr = await gameSpectralRadius(game, rule, { lr });
    methods.push({
      key,
      label,
      x,
      y,
      dist,
      measuredRate: geometricRate(dist, half, steps),
      spectralRadius: sr.radius,
      matrixRadius: spectralRadiusOfMatrix(gameUpdateMatrix(game, rule, { lr })),
    });
  }
  return { lr, steps, methods };
}

// ---------------------------------------------------------------------------------------------
// Figure 2: complex momentum

export interface ComplexMomentumHeatmapConfig {
  /** Real step α (default 0.1). */
  lr?: number;
  /** |β| values (default 41 points in [0, 0.99]). */
  magnitudes?: readonly number[];
  /** arg β values in radians (default 41 points in [0, π]). */
  args?: readonly number[];
}

export function linspace(a: number, b: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new Error(`linspace: n must be an integer ≥ 2, got ${n}`);
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Spectral radius of complex momentum (Lorraine et al. 2022, Algorithm 1: μ ← βμ − F(z),
 * z ← z + Re(αμ)) on min_x max_y x·y, over a grid of |β| × arg β at real α: ρ of the 6×6 float64
 * update matrix of the state (x, y, Re μ, Im μ). `radius[i][j]` is at args[i], magnitudes[j].
 */
export function complexMomentumHeatmap(cfg: ComplexMomentumHeatmapConfig = {}): {
  lr: number;
  magnitudes: number[];
  args: number[];
  radius: number[][];
} {
  checkKeys("complexMomentumHeatmap", cfg, ["lr", "magnitudes", "args"]);
  const lr = cfg.lr ?? 0.1;
  checkPositive("complexMomentumHeatmap", "lr", lr);
  const magnitudes = [...(cfg.magnitudes ?? linspace(0, 0.99, 41))];
  const args = [...(cfg.args ?? linspace(0, Math.PI, 41))];
  const game = bilinearGame({ A: [[1]] });
  const rule = complexMomentumRule();
  const radius = args.map((arg) =>
    magnitudes.map((m) => spectralRadiusOfMatrix(gameUpdateMatrix(game, rule, { lr, beta: m, betaArg: arg }))),
  );
  return { lr, magnitudes, args, radius };
}

/** ρ of complex momentum at real β (positive β: arg 0; negative β: |β| with arg π). */
export function realMomentumRadii(betas: readonly number[], lr = 0.1): number[] {
  const game = bilinearGame({ A: [[1]] });
  const rule = complexMomentumRule();
  return betas.map((b) =>
    spectralRadiusOfMatrix(gameUpdateMatrix(game, rule, { lr, beta: Math.abs(b), betaArg: b < 0 ? Math.PI : 0 })),
  );
}

export interface ComplexMomentumRun {
  magnitude: number;
  arg: number;
  x: number[];
  y: number[];
  dist: number[];
  measuredRate: number;
  /** ρ by the diagnostics' autodiff Jacobian. */
  spectralRadius: number;
}

/** Trajectories of complex momentum on x·y from (1, 1) for a few β = |β|e^{i arg β}, in the fused engine. */
export async function complexMomentumTrajectories(cfg: {
  lr?: number;
  steps?: number;
  betas: readonly { magnitude: number; arg: number }[];
}): Promise<ComplexMomentumRun[]> {
  checkKeys("complexMomentumTrajectories", cfg, ["lr", "steps", "betas"]);
  const lr = cfg.lr ?? 0.1,
    steps = cfg.steps ?? 300;
  checkPositive("complexMomentumTrajectories", "steps", steps, true);
  const game = bilinearGame({ A: [[1]] });
  const rule = complexMomentumRule();
  const out: ComplexMomentumRun[] = [];
  for (const { magnitude, arg } of cfg.betas) {
    if (!(magnitude >= 0 && Number.isFinite(arg)))
      throw new Error(`complexMomentumTrajectories: bad β (|β| = ${magnitude}, arg = ${arg})`);
    const r = await sweep({
      landscape: game,
      optimizer: rule,
      init: [1, 1],
      steps,
      hyper: { lr, beta: magnitude, betaArg: arg },
      record: { every: 1 },
      workers: 0,
      bound: 1e150,
    });
    const xs = r.x!;
    const x: number[] = [],
      y: number[] = [],
      dist: number[] = [];
    for (let t = 0; t <= steps; t++) {
      x.push(xs[2 * t]);
      y.push(xs[2 * t + 1]);
      dist.push(Math.hypot(xs[2 * t], xs[2 * t + 1]));
    }
    const sr = await gameSpectralRadius(game, rule, { lr, beta: magnitude, betaArg: arg });
    out.push({
      magnitude,
      arg,
      x,
      y,
      dist,
      measuredRate: geometricRate(dist, Math.floor(steps / 2), steps),
      spectralRadius: sr.radius,
    });
  }
  return out;
}

/**
 * The same |β| × arg β grid run as trajectories in the fused engine (one compiled sweep, `steps`
 * steps from (1, 1), recorded 8 times): per cell, the measured per-step rate of ‖z_t‖ between the
 * last two finite records (for runs that overflow the engine's bound before the first record, from
 * the start to the divergence step). Used to check the heatmap of ρ against the dynamics themselves.
 */
export async function complexMomentumMeasuredRates(cfg: {
  lr?: number;
  steps?: number;
  magnitudes: readonly number[];
  args: readonly number[];
}): Promise<{ rate: number[][]; seconds: number }> {
  checkKeys("complexMomentumMeasuredRates", cfg, ["lr", "steps", "magnitudes", "args"]);
  const lr = cfg.lr ?? 0.1,
    steps = cfg.steps ?? 4000;
  checkPositive("complexMomentumMeasuredRates", "steps", steps, true);
  const every = Math.max(1, Math.floor(steps / 8));
  const game = bilinearGame({ A: [[1]] });
  const r = await sweep({
    landscape: game,
    optimizer: complexMomentumRule(),
    init: [1, 1],
    steps,
    hyper: { lr },
    grid: { betaArg: cfg.args, beta: cfg.magnitudes },
    record: { every },
    workers: 0,
    bound: 1e150,
  });
  const rec = r.recordSteps!,
    nRec = rec.length;
  const d0 = Math.SQRT2;
  const rate = cfg.args.map((_, i) =>
    cfg.magnitudes.map((_, j) => {
      const run = i * cfg.magnitudes.length + j;
      const at = (k: number) => Math.hypot(r.x![(run * nRec + k) * 2], r.x![(run * nRec + k) * 2 + 1]);
      let k = nRec - 1;
      while (k > 0 && !Number.isFinite(at(k))) k--;
      if (k === 0) {
        const at2 = Math.hypot(r.finalX[2 * run], r.finalX[2 * run + 1]);
        return Math.pow(Math.min(at2, 1e300) / d0, 1 / Math.max(1, r.divergedAt[run]));
      }
      return Math.pow(at(k) / at(k - 1), 1 / (rec[k] - rec[k - 1]));
    }),
  );
  return { rate, seconds: r.seconds };
}

// ---------------------------------------------------------------------------------------------
// Figure 3: preference games on the simplex

/** Rock–paper–scissors as a preference matrix: P[i][j] = Pr(i ≻ j) ∈ {0, ½, 1}. */
export const RPS_PREFERENCE: readonly (readonly number[])[] = [
  [0.5, 0, 1],
  [1, 0.5, 0],
  [0, 1, 0.5],
];

/** A non-transitive 3-response preference (0 ≻ 1 w.p. 0.8, 1 ≻ 2 w.p. 0.9, 2 ≻ 0 w.p. 0.7); Nash p = (4, 2, 3)/9. */
export const CYCLIC_PREFERENCE: readonly (readonly number[])[] = [
  [0.5, 0.8, 0.3],
  [0.2, 0.5, 0.9],
  [0.7, 0.1, 0.5],
];

function checkPreference(where: string, P: readonly (readonly number[])[]): number {
  const n = P.length;
  if (n < 2 || P.some((r) => r.length !== n)) throw new Error(`${where}: P must be a square matrix of size ≥ 2`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!(P[i][j] >= 0 && P[i][j] <= 1)) throw new Error(`${where}: P[${i}][${j}] = ${P[i][j]} is not a probability`);
      if (Math.abs(P[i][j] + P[j][i] - 1) > 1e-9) throw new Error(`${where}: P[${i}][${j}] + P[${j}][${i}] must be 1`);
    }
  }
  return n;
}

function checkDistribution(where: string, name: string, p: readonly number[], n: number): void {
  if (p.length !== n || p.some((v) => !(v > 0)) || Math.abs(p.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new Error(`${where}: ${name} must be ${n} positive probabilities summing to 1, got [${p}]`);
  }
}

/**
 * The (KL-regularised) preference game of Nash learning from human feedback on the simplex
 * (Munos et al. 2023; Tiapkin et al. 2025, eq. for the β-regularised game), coordinates
 * [p (n), q (n)], player 0 owns p and minimises, player 1 owns q and maximises
 *   f(p, q) = −pᵀ(P − ½)q + β·KL(p‖ref) − β·KL(q‖ref),
 * i.e. each player maximises its win rate against the other minus β times its KL to `ref`.
 * β = 0 is the plain preference game. The iterate must stay in the open simplex (use an entropic
 * rule); `minimizers` holds the (regularised) equilibrium (π*, π*).
 */
export function preferenceSimplexGame(opts: {
  P: readonly (readonly number[])[];
  beta?: number;
  ref?: readonly number[];
}): ClosedFormLandscape {
  const where = "preferenceSimplexGame";
  checkKeys(where, opts, ["P", "beta", "ref"]);
  const n = checkPreference(where, opts.P);
  const beta = opts.beta ?? 0;
  if (!(beta >= 0 && Number.isFinite(beta))) throw new Error(`${where}: beta must be ≥ 0, got ${beta}`);
  const ref = opts.ref ?? new Array(n).fill(1 / n);
  checkDistribution(where, "ref", ref, n);
  const A = opts.P.map((r) => r.map((v) => v - 0.5));
  let eq: number[] | undefined;
  try {
    eq = regularizedNash({ P: opts.P, beta, ref });
  } catch {
    eq = undefined; // no unique interior equilibrium (β = 0): leave `minimizers` unset
  }
  return {
    name: beta > 0 ? "regularized-preference-game" : "preference-game-simplex",
    dim: 2 * n,
    players: [...new Array(n).fill(0), ...new Array(n).fill(1)],
    value<T>(o: Ops<T>, z: readonly T[]): T {
      if (z.length !== 2 * n) throw new Error(`${where}: expected ${2 * n} coordinates, got ${z.length}`);
      const p = z.slice(0, n),
        q = z.slice(n);
      let v: T = o.const(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) if (A[i][j] !== 0) v = o.sub(v, o.mul(A[i][j], o.mul(p[i], q[j])));
      if (beta > 0) {
        for (let i = 0; i < n; i++) {
          v = o.add(v, o.mul(beta, o.mul(p[i], o.sub(o.log(p[i]), Math.log(ref[i])))));
          v = o.sub(v, o.mul(beta, o.mul(q[i], o.sub(o.log(q[i]), Math.log(ref[i])))));
        }
      }
      return v;
    },
    minimizers: eq ? [[...eq, ...eq]] : undefined,
    domain: new Array(2 * n).fill([0, 1]),
  };
}

/**
 * The β-regularised Nash equilibrium π* of the symmetric preference game (β > 0):
 * π*_i ∝ ref_i·exp((Pπ*)_i / β), solved by damped Newton in float64 on
 * β(log π_i − log ref_i) − (Pπ)_i + λ = 0, Σπ = 1 (unknowns log π and λ). For β = 0 it returns
 * the interior Nash equilibrium (the kernel of P − ½ on the simplex) when it is unique.
 */
export function regularizedNash(opts: {
  P: readonly (readonly number[])[];
  beta: number;
  ref?: readonly number[];
}): number[] {
  const where = "regularizedNash";
  const n = checkPreference(where, opts.P);
  const P = opts.P;
  const ref = opts.ref ?? new Array(n).fill(1 / n);
  checkDistribution(where, "ref", ref, n);
  const beta = opts.beta;
  if (beta === 0) {
    // (P − ½)π = v·1 with Σπ = 1; for a symmetric game v = 0.
    const sys = [...P.map((r) => [...r.map((v) => v - 0.5), -1]), [...new Array(n).fill(1), 0]];
    let sol: number[];
    try {
      sol = solveDense(sys, [...new Array(n).fill(0), 1]);
    } catch {
      throw new Error(
        `${where}: the unregularised game has no unique interior equilibrium (singular indifference system)`,
      );
    }
    const p = sol.slice(0, n);
    if (p.some((v) => !(v > 0))) throw new Error(`${where}: the unregularised game has no unique interior equilibrium`);
    return p;
  }
  if (!(beta > 0)) throw new Error(`${where}: beta must be ≥ 0, got ${beta}`);
  let u = ref.map(Math.log);
  let lam = 0;
  const resid = (u: number[], lam: number) => {
    const p = u.map(Math.exp);
    const r = u.map((ui, i) => beta * (ui - Math.log(ref[i])) - P[i].reduce((s, Pij, j) => s + Pij * p[j], 0) + lam);
    r.push(p.reduce((a, b) => a + b, 0) - 1);
    return r;
  };
  for (let it = 0; it < 100; it++) {
    const r = resid(u, lam);
    const norm = Math.hypot(...r);
    if (norm < 1e-14) break;
    const p = u.map(Math.exp);
    const J = Array.from({ length: n + 1 }, (_, i) =>
      Array.from({ length: n + 1 }, (_, j) => {
        if (i < n) return j < n ? (i === j ? beta : 0) - P[i][j] * p[j] : 1;
        return j < n ? p[j] : 0;
      }),
    );
    const step = solveDense(
      J,
      r.map((v) => -v),
    );
    let s = 1;
    while (s > 1e-8) {
      const u2 = u.map((ui, i) => ui + s * step[i]),
        l2 = lam + s * step[n];
      if (Math.hypot(...resid(u2, l2)) < norm) {
        u = u2;
        lam = l2;
        break;
      }
      s /= 2;
    }
    if (s <= 1e-8) break;
  }
  const res = Math.hypot(...resid(u, lam));
  if (!(res < 1e-10)) throw new Error(`${where}: Newton did not converge (residual ${res}); try a larger beta`);
  const p = u.map(Math.exp);
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / z);
}

/** Gaussian elimination with partial pivoting, float64 (small dense systems). */
function solveDense(A: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (Math.abs(M[piv][c]) < 1e-300) throw new Error("solveDense: singular system");
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/**
 * Nash Mirror Prox (Tiapkin et al., "Accelerating Nash Learning from Human Feedback via Mirror
 * Prox", 2025, Nash-MP) for the β-regularised game, each player's blocks on one simplex:
 *   π_{k+½} = argmax_π η⟨−F(π_k), π⟩ − ηβ KL(π‖ref) − KL(π‖π_k),
 *   π_{k+1} = argmax_π η⟨−F(π_{k+½}), π⟩ − ηβ KL(π‖ref) − KL(π‖π_k),
 * in closed form log π_{new} = (log π_k − ηF + ηβ log ref)/(1 + ηβ) + const. The field F is that
 * of the unregularised game (the regulariser is handled exactly in the prox step). Two field
 * calls (preference queries) per step. Hyperparameter `lr` (η, default 1).
 */
export function nashMirrorProxRule(opts: {
  players: readonly number[];
  beta: number;
  ref: readonly number[];
}): OracleRule<"lr", never> {
  const where = "nashMirrorProxRule";
  checkKeys(where, opts, ["players", "beta", "ref"]);
  const { players, beta, ref } = opts;
  if (!(beta >= 0 && Number.isFinite(beta))) throw new Error(`${where}: beta must be ≥ 0, got ${beta}`);
  if (ref.length !== players.length || ref.some((r) => !(r > 0))) {
    throw new Error(`${where}: ref needs one positive probability per block (${players.length}), got [${ref}]`);
  }
  const ids = [...new Set(players)].sort((a, b) => a - b);
  const groups = ids.map((p) => players.flatMap((q, i) => (q === p ? [i] : [])));
  const logRef = ref.map(Math.log);
  const prox = <T>(o: Ops<T>, base: readonly T[], d: readonly T[], lr: Val<T>): T[] => {
    const out = base.slice();
    const denom = o.add(1, o.mul(lr, beta));
    for (const g of groups) {
      const w = g.map((i) =>
        o.div(o.add(o.sub(o.log(base[i]), o.mul(lr, d[i])), o.mul(o.mul(lr, beta), logRef[i])), denom),
      );
      let mx: T = w[0];
      for (const wi of w.slice(1)) mx = o.max(mx, wi);
      const e = w.map((wi) => o.exp(o.sub(wi, mx)));
      let z: T = e[0];
      for (const ei of e.slice(1)) z = o.add(z, ei);
      g.forEach((i, k) => (out[i] = o.div(e[k], z)));
    }
    return out;
  };
  return {
    kind: "oracle",
    name: "nashMirrorProx",
    defaults: { lr: 1 },
    state: [],
    step(o, x, field, _s, h) {
      if (x.length !== players.length)
        throw new Error(`${where}: players has ${players.length} entries but the iterate has ${x.length} blocks`);
      const half = prox(o, x, field(x), h.lr);
      return { x: prox(o, x, field(half), h.lr), state: {} };
    },
  };
}

/**
 * KL(a‖b) = Σ a_i log(a_i/b_i), summed over the two players' distributions (a, b concatenated
 * [p, q]). Floored at 1e-16: below that the float64 sum is round-off (and may come out negative),
 * and the curves are drawn on log axes.
 */
export function klDivergence(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) s += a[i] * Math.log(a[i] / b[i]);
  return Math.max(s, 1e-16);
}

function softmax(u: readonly number[]): number[] {
  const m = Math.max(...u);
  const e = u.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

export interface PreferenceGameConfig {
  /** Preference matrix (default `CYCLIC_PREFERENCE`). */
  P?: readonly (readonly number[])[];
  /** Step η for all methods (default 0.1). */
  lr?: number;
  /** Steps (default 2000). */
  steps?: number;
  /** Starting strategies (defaults (0.6, 0.3, 0.1) and (0.2, 0.5, 0.3)). */
  p0?: readonly number[];
  q0?: readonly number[];
  /** Record every k steps (default steps/200). */
  every?: number;
}

export interface PreferenceCurve {
  key: string;
  label: string;
  /** KL(z*‖z_t) summed over both players, at `steps`. */
  kl: number[];
}

/**
 * The unregularised preference game (NE = the maximal lottery): KL to the Nash equilibrium vs
 * step for multiplicative weights (last iterate and running average), mirror prox (entropic
 * extragradient) and extragradient on the softmax logits (the library's logit `preferenceGame`,
 * the parameterisation EGPO trains), all at step η, in the fused engine.
 */
export async function preferenceGameDynamics(
  cfg: PreferenceGameConfig = {},
): Promise<{ steps: number[]; nash: number[]; curves: PreferenceCurve[] }> {
  const where = "preferenceGameDynamics";
  checkKeys(where, cfg, ["P", "lr", "steps", "p0", "q0", "every"]);
  const P = cfg.P ?? CYCLIC_PREFERENCE;
  const n = checkPreference(where, P);
  const lr = cfg.lr ?? 0.1,
    T = cfg.steps ?? 2000;
  checkPositive(where, "lr", lr);
  checkPositive(where, "steps", T, true);
  const every = cfg.every ?? Math.max(1, Math.floor(T / 200));
  const p0 = cfg.p0 ?? [0.6, 0.3, 0.1],
    q0 = cfg.q0 ?? [0.2, 0.5, 0.3];
  checkDistribution(where, "p0", p0, n);
  checkDistribution(where, "q0", q0, n);
  const nashP = regularizedNash({ P, beta: 0 });
  const nash = [...nashP, ...nashP];
  const game = preferenceSimplexGame({ P });
  const players = game.players!;
  const z0 = [...p0, ...q0];
  const curves: PreferenceCurve[] = [];
  const stepsOut: number[] = [];

  // Multiplicative weights: every step recorded, for the running average of the iterates.
  const mw = await sweep({
    landscape: game,
    optimizer: multiplicativeWeightsRule({ players }),
    init: z0,
    steps: T,
    hyper: { lr },
    record: { every: 1 },
    workers: 0,
  });
  const d = 2 * n;
  const at = (xs: Float64Array, t: number) => Array.from(xs.subarray(t * d, (t + 1) * d));
  const sum = new Array(d).fill(0);
  const mwLast: number[] = [],
    mwAvg: number[] = [];
  for (let t = 0; t <= T; t++) {
    const z = at(mw.x!, t);
    z.forEach((v, i) => (sum[i] += v));
    if (t % every === 0) {
      stepsOut.push(t);
      mwLast.push(klDivergence(nash, z));
      mwAvg.push(
        klDivergence(
          nash,
          sum.map((s) => s / (t + 1)),
        ),
      );
    }
  }
  curves.push({ key: "mw", label: "multiplicative weights (last iterate)", kl: mwLast });
  curves.push({ key: "mwAverage", label: "multiplicative weights (average iterate)", kl: mwAvg });

  const mp = await sweep({
    landscape: game,
    optimizer: mirrorProxRule({ players }),
    init: z0,
    steps: T,
    hyper: { lr },
    record: { every },
    workers: 0,
  });
  curves.push({
    key: "mirrorProx",
    label: "mirror prox (last iterate)",
    kl: stepsOut.map((_, k) => klDivergence(nash, at(mp.x!, k))),
  });

  const logitGame = preferenceGame({ P });
  const eg = await sweep({
    landscape: logitGame,
    optimizer: extragradientRule(),
    init: [...p0.map(Math.log), ...q0.map(Math.log)],
    steps: T,
    hyper: { lr },
    record: { every },
    workers: 0,
  });
  curves.push({
    key: "extragradientLogits",
    label: "extragradient on logits (last iterate)",
    kl: stepsOut.map((_, k) => {
      const u = at(eg.x!, k);
      return klDivergence(nash, [...softmax(u.slice(0, n)), ...softmax(u.slice(n))]);
    }),
  });
  return { steps: stepsOut, nash, curves };
}

export interface RegularizedConfig {
  P?: readonly (readonly number[])[];
  /** Regularisation β (default 0.1). */
  beta?: number;
  /** Reference policy (default (0.5, 0.3, 0.2)). */
  ref?: readonly number[];
  /** Nash-MP steps η to run (default [0.5, 1, 2]). */
  lrs?: readonly number[];
  /** Iterations (default 60). */
  steps?: number;
  p0?: readonly number[];
  q0?: readonly number[];
}

export interface RegularizedRun {
  lr: number;
  /** KL(z*_β‖z_k), k = 0..steps. */
  kl: number[];
  /** Measured per-iteration contraction of the KL over the run (geometric mean, until it reaches 1e-13). */
  measuredRate: number;
  /** The per-iteration contraction 1/(1+ηβ) of the mirror-prox bound; at η = 2 it is the paper's (1+2β)^{-N/2} with N = 2 queries per iteration. */
  boundRate: number;
}

/**
 * Nash-MP on the β-regularised preference game: KL(z*_β‖z_k) per iteration for several steps η,
 * with z*_β from `regularizedNash` (float64 Newton), the measured linear rate, and the
 * contraction 1/(1+ηβ) per iteration (two preference queries) of the mirror-prox analysis.
 */
export async function regularizedPreferenceDynamics(
  cfg: RegularizedConfig = {},
): Promise<{ beta: number; nash: number[]; runs: RegularizedRun[]; mw: number[] }> {
  const where = "regularizedPreferenceDynamics";
  checkKeys(where, cfg, ["P", "beta", "ref", "lrs", "steps", "p0", "q0"]);
  const P = cfg.P ?? CYCLIC_PREFERENCE;
  const n = checkPreference(where, P);
  const beta = cfg.beta ?? 0.1;
  checkPositive(where, "beta", beta);
  const ref = cfg.ref ?? [0.5, 0.3, 0.2];
  checkDistribution(where, "ref", ref, n);
  const lrs = cfg.lrs ?? [0.5, 1, 2];
  lrs.forEach((lr) => checkPositive(where, "lrs[i]", lr));
  const steps = cfg.steps ?? 60;
  checkPositive(where, "steps", steps, true);
  const p0 = cfg.p0 ?? [0.6, 0.3, 0.1],
    q0 = cfg.q0 ?? [0.2, 0.5, 0.3];
  checkDistribution(where, "p0", p0, n);
  checkDistribution(where, "q0", q0, n);
  const star = regularizedNash({ P, beta, ref });
  const nash = [...star, ...star];
  const game = preferenceSimplexGame({ P });
  const players = game.players!;
  const rule = nashMirrorProxRule({ players, beta, ref: [...ref, ...ref] });
  const d = 2 * n;
  const runs: RegularizedRun[] = [];
  for (const lr of lrs) {
    const r = await sweep({
      landscape: game,
      optimizer: rule,
      init: [...p0, ...q0],
      steps,
      hyper: { lr },
      record: { every: 1 },
      workers: 0,
    });
    const kl = Array.from({ length: steps + 1 }, (_, t) =>
      klDivergence(nash, Array.from(r.x!.subarray(t * d, (t + 1) * d))),
    );
    // Fit until the KL hits float64 round-off.
    let last = kl.findIndex((v) => v < 1e-12);
    if (last < 0) last = steps;
    runs.push({ lr, kl, measuredRate: geometricRate(kl, 0, Math.max(1, last)), boundRate: 1 / (1 + lr * beta) });
  }
  // For contrast: plain multiplicative weights on the regularised game (regulariser in the field).
  const regGame = preferenceSimplexGame({ P, beta, ref });
  const mwRun = await sweep({
    landscape: regGame,
    optimizer: multiplicativeWeightsRule({ players }),
    init: [...p0, ...q0],
    steps,
    hyper: { lr: 1 },
    record: { every: 1 },
    workers: 0,
  });
  const mw = Array.from({ length: steps + 1 }, (_, t) =>
    klDivergence(nash, Array.from(mwRun.x!.subarray(t * d, (t + 1) * d))),
  );
  return { beta, nash, runs, mw };
}

// ---------------------------------------------------------------------------------------------
// Figure 4: stochastic single-call vs two-call extragradient

/**
 * A strongly monotone game with noisy gradients: f(x, y) = xᵀAy + (α/2)|x|² − (α/2)|y|² + σ·ξᵀz,
 * ξ ~ N(0, I) drawn afresh at every field evaluation (so extragradient's two calls see independent
 * noise). Equilibrium 0.
 */
export function noisyBilinearGame(opts: {
  A: readonly (readonly number[])[];
  alpha: number;
  sigma: number;
}): ClosedFormLandscape {
  checkKeys("noisyBilinearGame", opts, ["A", "alpha", "sigma"]);
  const base = bilinearGame({ A: opts.A, alpha: opts.alpha, beta: opts.alpha });
  const sigma = opts.sigma;
  if (!(sigma >= 0 && Number.isFinite(sigma))) throw new Error(`noisyBilinearGame: sigma must be ≥ 0, got ${sigma}`);
  return {
    ...base,
    name: "noisy-bilinear",
    stochastic: true,
    value<T>(o: Ops<T>, z: readonly T[], ctx: LandscapeContext<T>): T {
      let v = base.value(o, z, ctx);
      for (const zi of z) v = o.add(v, o.mul(sigma, o.mul(ctx.normal(), zi)));
      return v;
    },
  };
}

export interface StochasticConfig {
  /** Gradient-call budget (default 4000). */
  budget?: number;
  /** Seeds (default 16). */
  seeds?: number;
  /** Noise σ (default 0.5). */
  sigma?: number;
  /** Strong monotonicity α (default 0.5). */
  alpha?: number;
  /** Step schedule η_t = gamma / (t + offset), t the method's own iteration (defaults 4, 20). */
  gamma?: number;
  offset?: number;
  /** Number of recorded points along the budget (default 40). */
  points?: number;
}

export interface StochasticCurve {
  key: "pastExtragradient" | "extragradient";
  label: string;
  /** Gradient calls at each recorded point. */
  calls: number[];
  /** Median and 25–75 % band over seeds of ‖z − z*‖². */
  median: number[];
  lo: number[];
  hi: number[];
}

/**
 * Stochastic past extragradient (one field call per step) vs extragradient (two calls per step)
 * on `noisyBilinearGame` at an equal budget of gradient calls, with the step schedule
 * η_t = γ/(t + b) of Hsieh et al. (2019) for strongly monotone problems; squared distance to the
 * equilibrium, median and quartiles over seeds.
 */
export async function stochasticExtragradient(
  cfg: StochasticConfig = {},
): Promise<{ curves: StochasticCurve[]; seeds: number }> {
  const where = "stochasticExtragradient";
  checkKeys(where, cfg, ["budget", "seeds", "sigma", "alpha", "gamma", "offset", "points"]);
  const budget = cfg.budget ?? 4000,
    seeds = cfg.seeds ?? 16,
    sigma = cfg.sigma ?? 0.5,
    alpha = cfg.alpha ?? 0.5;
  const gamma = cfg.gamma ?? 4,
    offset = cfg.offset ?? 20,
    points = cfg.points ?? 40;
  checkPositive(where, "budget", budget, true);
  checkPositive(where, "seeds", seeds, true);
  checkPositive(where, "points", points, true);
  if (budget % (2 * points) !== 0)
    throw new Error(`${where}: budget (${budget}) must be a multiple of 2·points (${2 * points})`);
  const game = noisyBilinearGame({
    A: [
      [1, 0],
      [0, 1],
    ],
    alpha,
    sigma,
  });
  const init = [1, -1, 1, 1];
  const curves: StochasticCurve[] = [];
  for (const [key, label, callsPerStep, rule] of [
    ["pastExtragradient", "past extragradient (1 call / step)", 1, optimisticRule({ form: "pastExtragradient" })],
    ["extragradient", "extragradient (2 calls / step)", 2, extragradientRule()],
  ] as const) {
    const steps = budget / callsPerStep;
    const r = await sweep({
      landscape: game,
      optimizer: rule,
      init,
      steps,
      hyper: { lr: gamma },
      schedule: { lr: (count) => 1 / (count + 1 + offset) }, // the engine passes count = t − 1
      seeds,
      record: { every: steps / points },
      workers: 0,
    });
    const nRec = r.recordSteps!.length;
    const rows = Array.from({ length: seeds }, (_, s) =>
      Array.from({ length: nRec }, (_, k) => {
        const base = (s * nRec + k) * 4;
        let sq = 0;
        for (let i = 0; i < 4; i++) sq += r.x![base + i] ** 2;
        return sq;
      }),
    );
    const band = medianBand(rows);
    curves.push({ key, label, calls: Array.from(r.recordSteps!, (t) => t * callsPerStep), ...band });
  }
  return { curves, seeds };
}

// ---------------------------------------------------------------------------------------------
// Sizes

/**
 * The notebook's sizes: quick mode (CI, `OPTBOOK_QUICK=1`; the whole notebook in a few seconds)
 * and full mode (finer grids, longer runs, more seeds; well under a minute on 2 cores).
 */
export function minmaxGamesConfig(quick: boolean = quickMode()) {
  return {
    bilinear: { lr: 0.1, steps: quick ? 200 : 400, init: [1, 1] as [number, number] },
    heatmap: { lr: 0.1, magnitudes: linspace(0, 0.99, quick ? 41 : 100), args: linspace(0, Math.PI, quick ? 41 : 100) },
    heatmapCheck: {
      lr: 0.1,
      magnitudes: linspace(0, 0.99, quick ? 12 : 30),
      args: linspace(0, Math.PI, quick ? 12 : 30),
      steps: 4000,
    },
    realBetas: linspace(-0.99, 0.99, quick ? 199 : 1981),
    momentumTrajectories: {
      lr: 0.1,
      steps: quick ? 300 : 600,
      betas: [
        { magnitude: 0.9, arg: Math.PI / 4 },
        { magnitude: 0.9, arg: Math.PI / 2 },
        { magnitude: 0.5, arg: 0 },
        { magnitude: 0.5, arg: Math.PI },
      ],
    },
    preference: { lr: 1, steps: quick ? 1000 : 3000 },
    regularized: { beta: 0.1, ref: [0.5, 0.3, 0.2], lrs: [0.5, 1, 2], steps: 60 },
    stochastic: {
      budget: quick ? 4000 : 20000,
      seeds: quick ? 16 : 64,
      sigma: 0.5,
      alpha: 0.5,
      gamma: 4,
      offset: 20,
      points: 40,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Claims: the checks the notebook prints (the test asserts them too, next to independent closed forms)

const fmt = (v: number, d = 6) =>
  Number.isFinite(v) ? (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(3) : v.toFixed(d)) : String(v);

/** Figure 1's claims, checked on `bilinearDynamics` output against closed forms. */
export function bilinearClaims(res: Awaited<ReturnType<typeof bilinearDynamics>>): ClaimCheck[] {
  const eta = res.lr;
  const get = (k: BilinearMethod) => res.methods.find((m) => m.key === k)!;
  const gda = get("gda"),
    alt = get("gdaAlternating"),
    eg = get("extragradient"),
    peg = get("pastExtragradient");
  const g = Math.sqrt(1 + eta * eta);
  const ratios = gda.dist.slice(1).map((d, t) => d / gda.dist[t]);
  const gdaErr = Math.max(...ratios.map((r) => Math.abs(r - g)));
  const E = (x: number, y: number) => x * x + y * y - eta * x * y;
  const e0 = E(alt.x[0], alt.y[0]);
  const drift = Math.max(...alt.x.map((x, t) => Math.abs(E(x, alt.y[t]) - e0)));
  const altBound = Math.sqrt(e0 / (1 - eta / 2));
  const egClosed = Math.sqrt((1 - eta * eta) ** 2 + eta * eta);
  return [
    {
      text: `simultaneous GDA: ‖z_{t+1}‖/‖z_t‖ = √(1+η²) = ${fmt(g, 9)} at every step`,
      passed: gdaErr < 1e-12,
      details: `max |ratio − √(1+η²)| over ${ratios.length} steps = ${gdaErr.toExponential(2)}; diagnostics' ρ = ${fmt(gda.spectralRadius, 9)}`,
    },
    {
      text: "alternating GDA stays bounded (it conserves x² + y² − ηxy, so ‖z‖ ≤ √(E₀/(1 − η/2)))",
      passed: drift < 1e-12 && Math.max(...alt.dist) <= altBound + 1e-12,
      details: `max ‖z_t‖ = ${fmt(Math.max(...alt.dist))} ≤ bound ${fmt(altBound)}; energy drift ${drift.toExponential(2)}; ρ = ${fmt(alt.spectralRadius, 9)}`,
    },
    {
      text: "extragradient converges linearly at the spectral radius of its update map (closed form √(1 − η² + η⁴))",
      passed:
        eg.spectralRadius < 1 &&
        Math.abs(eg.measuredRate - eg.spectralRadius) < 1e-4 &&
        Math.abs(eg.spectralRadius - egClosed) < 1e-6,
      details: `measured ${fmt(eg.measuredRate, 7)} vs diagnostics' ρ ${fmt(eg.spectralRadius, 7)} vs closed form ${fmt(egClosed, 7)}`,
    },
    {
      text: "optimistic / past extragradient converges linearly at the spectral radius of its (4×4) update map",
      passed:
        peg.spectralRadius < 1 &&
        Math.abs(peg.measuredRate - peg.spectralRadius) < 1e-4 &&
        Math.abs(peg.matrixRadius - peg.spectralRadius) < 1e-6,
      details: `measured ${fmt(peg.measuredRate, 7)} vs diagnostics' ρ ${fmt(peg.spectralRadius, 7)} vs float64 matrix ρ ${fmt(peg.matrixRadius, 7)}`,
    },
  ];
}

/** Figure 2's claims. */
export function complexMomentumClaims(
  heat: ReturnType<typeof complexMomentumHeatmap>,
  realBetas: readonly number[],
  realRadii: readonly number[],
  runs: readonly ComplexMomentumRun[],
  check: { magnitudes: readonly number[]; args: readonly number[]; rate: number[][]; radius: number[][] },
): ClaimCheck[] {
  const minReal = Math.min(...realRadii);
  const argmin = realBetas[realRadii.indexOf(minReal)];
  const good = runs.find((r) => Math.abs(r.magnitude - 0.9) < 1e-12 && Math.abs(r.arg - Math.PI / 4) < 1e-12);
  let worst = 0,
    disagree = 0,
    n = 0;
  check.rate.forEach((row, i) =>
    row.forEach((v, j) => {
      const rho = check.radius[i][j];
      worst = Math.max(worst, Math.abs(v - rho));
      if (Math.abs(rho - 1) >= 0.002) {
        n++;
        if (v < 1 !== rho < 1) disagree++;
      }
    }),
  );
  const flat = heat.radius.flat();
  const minRho = Math.min(...flat);
  const at = flat.indexOf(minRho);
  const i = Math.floor(at / heat.magnitudes.length),
    j = at % heat.magnitudes.length;
  return [
    {
      text: "no real β (positive or negative) converges: ρ > 1 for every real β in [−0.99, 0.99]",
      passed: minReal > 1,
      details: `min ρ over ${realBetas.length} real β = ${fmt(minReal, 8)} (at β = ${fmt(argmin, 3)})`,
    },
    {
      text: "β = 0.9·e^{iπ/4} converges, at the rate its spectral radius predicts",
      passed: !!good && good.spectralRadius < 1 && Math.abs(good.measuredRate - good.spectralRadius) < 1e-3,
      details: good
        ? `ρ = ${fmt(good.spectralRadius)}, measured rate ${fmt(good.measuredRate)}, ‖z_T‖/‖z_0‖ = ${fmt(good.dist[good.dist.length - 1] / good.dist[0])}`
        : "run missing",
    },
    {
      text: "the ρ heat map predicts the trajectories: measured rates on the grid match ρ",
      passed: worst < 2e-3 && disagree === 0,
      details: `max |measured − ρ| = ${worst.toExponential(2)} over ${check.rate.length * check.rate[0].length} cells; converge/diverge agree on all ${n} cells with |ρ − 1| ≥ 0.002. Best β on the heat map: |β| = ${fmt(heat.magnitudes[j], 3)}, arg β = ${fmt(heat.args[i] / Math.PI, 3)}π, ρ = ${fmt(minRho)}`,
    },
  ];
}

/** Figure 3's claims, for one unregularised game and the regularised run. */
export function preferenceClaims(name: string, res: Awaited<ReturnType<typeof preferenceGameDynamics>>): ClaimCheck[] {
  const c = (k: string) => res.curves.find((x) => x.key === k)!.kl;
  const last = (a: number[]) => a[a.length - 1];
  const mw = c("mw"),
    avg = c("mwAverage"),
    mp = c("mirrorProx"),
    eg = c("extragradientLogits");
  const T = res.steps[res.steps.length - 1];
  return [
    {
      text: `${name}: multiplicative weights does not converge in the last iterate (KL to Nash grows)`,
      passed: last(mw) > 5 * mw[0],
      details: `KL(z*‖z_0) = ${fmt(mw[0], 4)}, KL(z*‖z_${T}) = ${fmt(last(mw), 4)}`,
    },
    {
      text: `${name}: the average iterate of multiplicative weights converges`,
      passed: last(avg) < 0.01 * avg[0],
      details: `KL(z*‖z̄_${T}) = ${fmt(last(avg))} (from ${fmt(avg[0], 4)})`,
    },
    {
      text: `${name}: mirror prox converges in the last iterate`,
      passed: last(mp) < 1e-6 * mp[0],
      details: `KL(z*‖z_${T}) = ${fmt(last(mp))} (from ${fmt(mp[0], 4)})`,
    },
    {
      text: `${name}: extragradient on softmax logits converges in the last iterate (EGPO: polynomially on the unregularised game)`,
      passed: last(eg) < 0.5 * eg[0],
      details: `KL(z*‖z_${T}) = ${fmt(last(eg))} (from ${fmt(eg[0], 4)})`,
    },
  ];
}

/** Figure 3's regularised-game claims: linear convergence of Nash-MP, measured vs stated rate. */
export function regularizedClaims(res: Awaited<ReturnType<typeof regularizedPreferenceDynamics>>): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const two = res.runs.find((r) => r.lr === 2);
  const linear = res.runs.every(
    (r) => r.measuredRate < 1 && r.kl.slice(0, 21).every((v, k) => k === 0 || v < r.kl[k - 1]),
  );
  out.push({
    text: `Nash-MP converges linearly on the KL-regularised game (β = ${res.beta})`,
    passed: linear,
    details: res.runs.map((r) => `η = ${r.lr}: KL × ${fmt(r.measuredRate, 4)} per iteration`).join("; "),
  });
  out.push({
    text: "measured rate is at least as fast as the mirror-prox contraction 1/(1+ηβ) per iteration",
    passed: res.runs.every((r) => r.measuredRate <= r.boundRate),
    details: res.runs.map((r) => `η = ${r.lr}: measured ${fmt(r.measuredRate, 4)} ≤ ${fmt(r.boundRate, 4)}`).join("; "),
  });
  if (two) {
    const perQuery = Math.sqrt(two.measuredRate),
      stated = Math.pow(1 + 2 * res.beta, -0.5);
    out.push({
      text: "Tiapkin et al.'s stated rate (1+2β)^{−N/2} over N preference queries (η = 2, 2 queries per iteration)",
      passed: perQuery <= stated,
      details: `measured per query ${fmt(perQuery, 4)} vs stated ${fmt(stated, 4)}; the measured rate is faster (log-ratio ${fmt(Math.log(perQuery) / Math.log(stated), 2)}×) — the paper's rate is an upper bound`,
    });
  }
  return out;
}

/** Figure 4's claims. */
export function stochasticClaims(res: Awaited<ReturnType<typeof stochasticExtragradient>>): ClaimCheck[] {
  const [peg, eg] = res.curves;
  const last = (a: number[]) => a[a.length - 1];
  const from = Math.floor(peg.calls.length / 4);
  const slopePeg = logLogSlope(peg.calls.slice(from), peg.median.slice(from));
  const slopeEg = logLogSlope(eg.calls.slice(from), eg.median.slice(from));
  return [
    {
      text: "at an equal gradient budget, single-call (past) extragradient reaches a lower median error than two-call extragradient",
      passed: last(peg.median) < last(eg.median),
      details: `median ‖z − z*‖² after ${last(peg.calls)} calls over ${res.seeds} seeds: past EG ${fmt(last(peg.median))}, EG ${fmt(last(eg.median))}`,
    },
    {
      text: "the last iterate of stochastic past extragradient decays like O(1/t)",
      passed: slopePeg > -1.3 && slopePeg < -0.7,
      details: `log–log slope of the median over the last ¾ of the budget: past EG ${fmt(slopePeg, 2)}, EG ${fmt(slopeEg, 2)} (O(1/t) is −1)`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Figures (Plotly specs, shown with lib/plot's `show` or Plotly.newPlot)

const COLORS: Record<string, string> = {
  gda: "#d62728",
  gdaAlternating: "#ff7f0e",
  extragradient: "#1f77b4",
  pastExtragradient: "#2ca02c",
  mw: "#d62728",
  mwAverage: "#ff7f0e",
  mirrorProx: "#1f77b4",
  extragradientLogits: "#2ca02c",
};
const SEQ = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** One row of independent subplots with titles. */
function rowLayout(
  title: string,
  panels: { title: string; x: string; y: string; logX?: boolean; logY?: boolean; square?: boolean }[],
  height = 430,
): Figure {
  const layout: Record<string, unknown> = {
    title: { text: title },
    grid: { rows: 1, columns: panels.length, pattern: "independent" },
    height,
    legend: { orientation: "h", y: -0.25 },
    margin: { t: 90, l: 60, r: 20, b: 60 },
    annotations: panels.map((p, i) => ({
      text: p.title,
      showarrow: false,
      xref: `x${subplotSuffix(i)} domain`,
      yref: `y${subplotSuffix(i)} domain`,
      x: 0.5,
      y: 1.1,
      font: { size: 13 },
    })),
  };
  panels.forEach((p, i) => {
    layout[`xaxis${subplotSuffix(i)}`] = {
      title: { text: p.x },
      type: p.logX ? "log" : "linear",
      exponentformat: "power",
    };
    layout[`yaxis${subplotSuffix(i)}`] = {
      title: { text: p.y },
      type: p.logY ? "log" : "linear",
      exponentformat: "power",
      ...(p.square ? { scaleanchor: `x${subplotSuffix(i)}` } : {}),
    };
  });
  return { data: [], layout, config: { responsive: true } };
}

/** Figure 1: trajectories in the plane and ‖z_t‖ vs step with the predicted ρ^t lines. */
export function bilinearFigure(res: Awaited<ReturnType<typeof bilinearDynamics>>): Figure {
  const fig = rowLayout(`Bilinear game x·y, η = ${res.lr}`, [
    { title: "trajectories from (1, 1)", x: "x", y: "y", square: true },
    { title: "distance to the equilibrium (dotted: ‖z₀‖·ρᵗ)", x: "step", y: "‖z_t‖", logY: true },
  ]);
  for (const m of res.methods) {
    const color = COLORS[m.key];
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: m.x,
      y: m.y,
      name: m.label,
      legendgroup: m.key,
      line: { color, width: 1.5 },
      ...subplotAxes(0),
    });
    const t = m.dist.map((_, k) => k);
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: t,
      y: m.dist,
      name: m.label,
      legendgroup: m.key,
      showlegend: false,
      line: { color, width: 2 },
      ...subplotAxes(1),
    });
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: t,
      y: t.map((k) => m.dist[0] * Math.pow(m.spectralRadius, k)),
      name: `ρ = ${m.spectralRadius.toFixed(5)}`,
      legendgroup: m.key,
      showlegend: false,
      line: { color, width: 1, dash: "dot" },
      hovertemplate: `ρ = ${m.spectralRadius.toFixed(6)}<extra></extra>`,
      ...subplotAxes(1),
    });
  }
  fig.data.push({
    type: "scatter",
    mode: "markers",
    x: [0],
    y: [0],
    name: "equilibrium",
    marker: { symbol: "x", size: 10, color: "black" },
    ...subplotAxes(0),
  });
  return fig;
}

/** Figure 2a: ρ over (|β|, arg β) with the ρ = 1 contour and the β's of the trajectories marked. */
export function complexMomentumHeatmapFigure(
  heat: ReturnType<typeof complexMomentumHeatmap>,
  runs: readonly ComplexMomentumRun[] = [],
): Figure {
  const argsPi = heat.args.map((a) => a / Math.PI);
  const lo = Math.min(...heat.radius.flat());
  const data: Figure["data"] = [
    {
      type: "heatmap",
      x: heat.magnitudes,
      y: argsPi,
      z: heat.radius,
      zmin: lo,
      zmax: 2 - lo,
      zmid: 1,
      colorscale: "RdBu",
      colorbar: { title: { text: "ρ" } },
      name: "ρ",
      hovertemplate: "|β| = %{x:.3f}<br>arg β = %{y:.3f}π<br>ρ = %{z:.5f}<extra></extra>",
    },
    {
      type: "contour",
      x: heat.magnitudes,
      y: argsPi,
      z: heat.radius,
      showscale: false,
      contours: { start: 1, end: 1, size: 1, coloring: "lines" },
      colorscale: [
        [0, "black"],
        [1, "black"],
      ],
      line: { width: 2 },
      hoverinfo: "skip",
      name: "ρ = 1",
      showlegend: true,
    },
  ];
  runs.forEach((r, k) => {
    data.push({
      type: "scatter",
      mode: "markers",
      x: [r.magnitude],
      y: [r.arg / Math.PI],
      name: `β = ${r.magnitude}·e^{i·${(r.arg / Math.PI).toFixed(2)}π}`,
      marker: { color: SEQ[k % SEQ.length], size: 11, line: { color: "white", width: 1.5 } },
    });
  });
  return {
    data,
    layout: {
      title: {
        text: `Complex momentum on x·y, α = ${heat.lr}: spectral radius ρ (blue: ρ < 1, converges; red: ρ > 1; black line: ρ = 1)`,
      },
      xaxis: { title: { text: "|β|" } },
      yaxis: { title: { text: "arg β / π   (0: heavy ball, 1: negative momentum)" } },
      height: 520,
      legend: { orientation: "h", y: -0.2 },
      margin: { t: 60, l: 70, r: 20, b: 60 },
    },
    config: { responsive: true },
  };
}

/** Figure 2b: ρ for real β, and ‖z_t‖ for a few β. */
export function complexMomentumFigure(
  realBetas: readonly number[],
  realRadii: readonly number[],
  runs: readonly ComplexMomentumRun[],
): Figure {
  const fig = rowLayout("Complex momentum: real β never converges, some complex β do", [
    { title: "real β: ρ − 1 > 0 everywhere (log scale)", x: "β (real)", y: "ρ − 1", logY: true },
    { title: "‖z_t‖ from (1, 1) for a few β", x: "step", y: "‖z_t‖", logY: true },
  ]);
  // ρ − 1 on a log axis shows that it stays positive (no real β converges); a value ≤ 0 would be a gap.
  fig.data.push({
    type: "scatter",
    mode: "lines",
    x: realBetas,
    y: realRadii.map((r) => (r > 1 ? r - 1 : null)),
    name: "ρ(β) − 1, β real",
    line: { color: "#d62728", width: 2 },
    connectgaps: false,
    ...subplotAxes(0),
  });
  runs.forEach((r, k) => {
    const color = SEQ[k % SEQ.length];
    const label = `β = ${r.magnitude}·e^{i·${(r.arg / Math.PI).toFixed(2)}π} (ρ = ${r.spectralRadius.toFixed(4)})`;
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: r.dist.map((_, t) => t),
      y: r.dist,
      name: label,
      line: { color, width: 2 },
      ...subplotAxes(1),
    });
  });
  return fig;
}

/** Figure 3: KL to Nash vs step on two games, and Nash-MP on the regularised game with its bound. */
export function preferenceFigure(
  games: readonly { name: string; res: Awaited<ReturnType<typeof preferenceGameDynamics>> }[],
  reg: Awaited<ReturnType<typeof regularizedPreferenceDynamics>>,
): Figure {
  const fig = rowLayout(
    "Preference games on the simplex: KL(z*‖z_t)",
    [
      ...games.map((g) => ({ title: g.name, x: "step", y: "KL to Nash", logY: true })),
      {
        title: `KL-regularised, β = ${reg.beta} (dotted: (1+ηβ)^−k)`,
        x: "iteration k (2 queries each)",
        y: "KL to π*_β",
        logY: true,
      },
    ],
    460,
  );
  games.forEach((g, i) => {
    for (const c of g.res.curves) {
      fig.data.push({
        type: "scatter",
        mode: "lines",
        x: g.res.steps,
        y: c.kl,
        name: c.label,
        legendgroup: c.key,
        showlegend: i === 0,
        line: { color: COLORS[c.key], width: 2 },
        ...subplotAxes(i),
      });
    }
  });
  const j = games.length;
  reg.runs.forEach((r, k) => {
    const color = SEQ[(k + 2) % SEQ.length];
    const it = r.kl.map((_, t) => t);
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: it,
      y: r.kl,
      name: `Nash-MP η = ${r.lr}`,
      legendgroup: `nmp${k}`,
      line: { color, width: 2 },
      ...subplotAxes(j),
    });
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: it,
      y: it.map((t) => r.kl[0] * Math.pow(r.boundRate, t)),
      name: `(1+ηβ)^{−k}, η = ${r.lr}`,
      legendgroup: `nmp${k}`,
      showlegend: false,
      line: { color, width: 1, dash: "dot" },
      ...subplotAxes(j),
    });
  });
  fig.data.push({
    type: "scatter",
    mode: "lines",
    x: reg.mw.map((_, t) => t),
    y: reg.mw,
    name: "multiplicative weights η = 1 (regulariser in the field)",
    line: { color: "#7f7f7f", width: 1.5, dash: "dash" },
    ...subplotAxes(j),
  });
  return fig;
}

/** Figure 4: median and quartile band of ‖z − z*‖² vs gradient calls, with a 1/t guide. */
export function stochasticFigure(res: Awaited<ReturnType<typeof stochasticExtragradient>>): Figure {
  const fig = rowLayout(
    `Stochastic extragradient at an equal gradient budget (${res.seeds} seeds, median and 25–75 %)`,
    [{ title: "noisy strongly monotone bilinear game", x: "gradient calls", y: "‖z − z*‖²", logX: true, logY: true }],
  );
  const colors = { pastExtragradient: "#2ca02c", extragradient: "#1f77b4" };
  for (const c of res.curves) {
    const idx = c.calls
      .map((v, k) => [v, k])
      .filter(([v]) => v > 0)
      .map(([, k]) => k);
    const xs = idx.map((k) => c.calls[k]);
    const color = colors[c.key];
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: [...xs, ...[...xs].reverse()],
      y: [...idx.map((k) => c.hi[k]), ...[...idx].reverse().map((k) => c.lo[k])],
      fill: "toself",
      fillcolor: rgba(color, 0.18),
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      legendgroup: c.key,
    });
    fig.data.push({
      type: "scatter",
      mode: "lines",
      x: xs,
      y: idx.map((k) => c.median[k]),
      name: c.label,
      legendgroup: c.key,
      line: { color, width: 2 },
    });
  }
  const peg = res.curves[0];
  const k0 = Math.floor(peg.calls.length / 4);
  const a = peg.median[k0] * peg.calls[k0];
  const xs = peg.calls.filter((v) => v >= peg.calls[k0]);
  fig.data.push({
    type: "scatter",
    mode: "lines",
    x: xs,
    y: xs.map((v) => a / v),
    name: "∝ 1/t",
    line: { color: "#444", dash: "dot", width: 1 },
  });
  return fig;
}

// ---------------------------------------------------------------------------------------------
// Tables and grid checks the notebook shows, built here so notebook cells stay a few lines.

type Row = Record<string, number | string>;

/** Figure 1 table: measured contraction per method against the spectral radius (autodiff and float64 matrix). */
export function bilinearTable(res: Awaited<ReturnType<typeof bilinearDynamics>>): Row[] {
  return res.methods.map((m) => ({
    method: m.label,
    "measured rate": +m.measuredRate.toFixed(8),
    "ρ (autodiff)": +m.spectralRadius.toFixed(8),
    "ρ (float64 matrix)": +m.matrixRadius.toFixed(8),
  }));
}

/** Figure 2 table: per complex momentum β, the Jacobian's spectral radius and the measured rate. */
export function complexMomentumTable(runs: readonly ComplexMomentumRun[]): Row[] {
  return runs.map((r) => ({
    "|β|": r.magnitude,
    "arg β / π": +(r.arg / Math.PI).toFixed(3),
    "ρ (autodiff Jacobian)": +r.spectralRadius.toFixed(6),
    "measured rate": +r.measuredRate.toFixed(6),
  }));
}

/**
 * The coarse (|β|, arg β) grid on which figure 2's claims compare measured rates with the
 * predicted spectral radius: both computed, in the shape `complexMomentumClaims` takes.
 */
export async function complexMomentumGridCheck(cfg: {
  lr?: number;
  steps?: number;
  magnitudes: readonly number[];
  args: readonly number[];
}): Promise<{ magnitudes: readonly number[]; args: readonly number[]; rate: number[][]; radius: number[][] }> {
  const { rate } = await complexMomentumMeasuredRates(cfg);
  const { radius } = complexMomentumHeatmap({ lr: cfg.lr, magnitudes: cfg.magnitudes, args: cfg.args });
  return { magnitudes: cfg.magnitudes, args: cfg.args, rate, radius };
}

/** Figure 3 table: measured KL contraction per η against 1/(1 + ηβ), and per gradient query against (1 + 2β)^(−1/2). */
export function regularizedTable(res: Awaited<ReturnType<typeof regularizedPreferenceDynamics>>): Row[] {
  return res.runs.map((r) => ({
    η: r.lr,
    "measured KL rate / iteration": +r.measuredRate.toFixed(4),
    "1/(1+ηβ)": +r.boundRate.toFixed(4),
    "measured per query": +Math.sqrt(r.measuredRate).toFixed(4),
    "(1+2β)^(-1/2)": +Math.pow(1 + 2 * res.beta, -0.5).toFixed(4),
  }));
}

/** Figure 4 table: final median and IQR of ‖z − z*‖² per method, at its total number of gradient calls. */
export function stochasticTable(res: Awaited<ReturnType<typeof stochasticExtragradient>>): Row[] {
  return res.curves.map((c) => ({
    method: c.label,
    "gradient calls": c.calls[c.calls.length - 1],
    "median ‖z − z*‖²": +c.median[c.median.length - 1].toExponential(3),
    "25 %": +c.lo[c.lo.length - 1].toExponential(3),
    "75 %": +c.hi[c.hi.length - 1].toExponential(3),
  }));
}
