/**
 * Game dynamics for `min_x max_y f(x, y)` (and general-sum games), written once as `OracleRule`s
 * against `Ops`, so they run on tfjs tensors (`runOracle` in `./oracle`) and in the fused sweep
 * engine unchanged.
 *
 * Conventions (see `lib/core/rule.ts`): the iterate is a list of blocks; `field(x)` returns, per
 * block, the ascent direction of that block's own loss — `∇_x f` for the minimising player and
 * `−∇_y f` for the maximising one — so every player descends, `x ← x − η·F(x)`.
 *
 * Two options are shared by every rule here:
 * - `players`: the player owning each block (0, 1, …). Alternating updates go player by player in
 *   increasing order; the entropic geometry normalises each player's blocks onto one probability
 *   simplex (one block per simplex coordinate). Default: block i belongs to player i.
 * - `geometry`: `"euclidean"` (default; the step is `x − η·F`) or `"entropic"` (the mirror step of
 *   the negative-entropy mirror map on the simplex, `x_i ← x_i·e^{−η F_i} / Σ_j x_j·e^{−η F_j}`),
 *   which turns GDA into multiplicative weights and extragradient into mirror prox.
 *
 * Hyperparameters are values (numbers or per-run tensors), so the same rule sweeps over them.
 */
import type { Ops, Val } from "../core/ops";
import type { OracleRule } from "../core/rule";
import { checkOptions } from "../validate";

export type MirrorGeometry = "euclidean" | "entropic";

export interface GameRuleOptions {
  /** Player owning each block; default block i → player i. Required for the entropic geometry. */
  players?: readonly number[];
  /** Mirror map of the step: "euclidean" (default) or "entropic" (probability simplex). */
  geometry?: MirrorGeometry;
}

function checkGameOptions(where: string, opts: GameRuleOptions, extra: readonly string[] = []): MirrorGeometry {
  checkOptions(where, opts, ["players", "geometry", ...extra]);
  const geometry = opts.geometry ?? "euclidean";
  if (geometry !== "euclidean" && geometry !== "entropic") {
    throw new Error(`${where}: unknown geometry "${String(geometry)}" (use "euclidean" or "entropic")`);
  }
  if (geometry === "entropic" && opts.players === undefined) {
    throw new Error(`${where}: the entropic geometry needs \`players\` (which blocks form each player's simplex)`);
  }
  if (opts.players !== undefined) {
    opts.players.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0)
        throw new Error(`${where}: players[${i}] = ${p} is not a non-negative integer`);
    });
  }
  return geometry;
}

/** Block indices grouped by player, players in increasing order. */
function playerGroups(where: string, players: readonly number[] | undefined, nBlocks: number): number[][] {
  if (players === undefined) return Array.from({ length: nBlocks }, (_, i) => [i]);
  if (players.length !== nBlocks) {
    throw new Error(`${where}: players has ${players.length} entries but the iterate has ${nBlocks} blocks`);
  }
  const ids = [...new Set(players)].sort((a, b) => a - b);
  return ids.map((p) => players.flatMap((q, i) => (q === p ? [i] : [])));
}

/**
 * One mirror-descent step from `x` along `d` with step `lr`, for the blocks of the players in
 * `groups` (other blocks are copied):
 * - euclidean: `x_i − lr·d_i`;
 * - entropic (per player's simplex): `x_i·exp(−lr·(d_i − min_j d_j)) / Σ_j x_j·exp(−lr·(d_j − min_j d_j))`;
 *   subtracting the player's minimum leaves the step unchanged and keeps every exponent ≤ 0.
 */
export function mirrorStep<T>(
  o: Ops<T>,
  geometry: MirrorGeometry,
  groups: readonly (readonly number[])[],
  x: readonly T[],
  d: readonly T[],
  lr: Val<T>,
): T[] {
  const out = x.slice();
  for (const g of groups) {
    if (geometry === "euclidean") {
      for (const i of g) out[i] = o.sub(x[i], o.mul(lr, d[i]));
      continue;
    }
    let dMin: T = o.add(d[g[0]], 0);
    for (const i of g.slice(1)) dMin = o.min(dMin, d[i]);
    const w = g.map((i) => o.mul(x[i], o.exp(o.neg(o.mul(lr, o.sub(d[i], dMin))))));
    let z: T = w[0];
    for (const wi of w.slice(1)) z = o.add(z, wi);
    g.forEach((i, k) => (out[i] = o.div(w[k], z)));
  }
  return out;
}

export interface GdaOptions extends GameRuleOptions {
  /** false (default): simultaneous (Jacobi) updates; true: alternating (Gauss–Seidel), player by player. */
  alternating?: boolean;
}

/**
 * Gradient descent–ascent. Simultaneous: `z_{t+1} = z_t − η F(z_t)`. Alternating: players update
 * in turn, each seeing the others' newest blocks (`x_{t+1} = x_t − η∇_x f(x_t, y_t)`,
 * `y_{t+1} = y_t + η∇_y f(x_{t+1}, y_t)`). On the bilinear game `x·y` simultaneous GDA spirals out,
 * `‖z_{t+1}‖ = √(1+η²)‖z_t‖`, while alternating GDA stays bounded (Gidel et al., "Negative Momentum
 * for Improved Game Dynamics", AISTATS 2019; Bailey, Gidel & Piliouras, COLT 2020).
 * With `geometry: "entropic"` this is the multiplicative weights update (see `multiplicativeWeightsRule`).
 * Hyperparameter: `lr` (η, default 0.1).
 */
export function gdaRule(opts: GdaOptions = {}): OracleRule<"lr", never> {
  const where = "gdaRule";
  const geometry = checkGameOptions(where, opts, ["alternating"]);
  const alternating = opts.alternating ?? false;
  if (typeof alternating !== "boolean") throw new Error(`${where}: alternating must be a boolean`);
  const prefix = geometry === "entropic" ? "multiplicativeWeights" : "gda";
  return {
    kind: "oracle",
    name: alternating ? `${prefix}Alternating` : prefix,
    defaults: { lr: 0.1 },
    state: [],
    step(o, x, field, _s, h) {
      const groups = playerGroups(where, opts.players, x.length);
      if (!alternating) return { x: mirrorStep(o, geometry, groups, x, field(x), h.lr), state: {} };
      let cur = x.slice();
      for (const g of groups) cur = mirrorStep(o, geometry, [g], cur, field(cur), h.lr);
      return { x: cur, state: {} };
    },
  };
}

/**
 * Extragradient (Korpelevich, "The extragradient method for finding saddle points and other
 * problems", 1976): `z_{t+½} = z_t − η F(z_t)`, `z_{t+1} = z_t − η F(z_{t+½})`. Converges on
 * bilinear games where GDA diverges. With `geometry: "entropic"` it is mirror prox (see
 * `mirrorProxRule`). Hyperparameter: `lr` (η, default 0.1), the same for both half-steps.
 */
export function extragradientRule(opts: GameRuleOptions = {}): OracleRule<"lr", never> {
  const where = "extragradientRule";
  const geometry = checkGameOptions(where, opts);
  return {
    kind: "oracle",
    name: geometry === "entropic" ? "mirrorProx" : "extragradient",
    defaults: { lr: 0.1 },
    state: [],
    step(o, x, field, _s, h) {
      const groups = playerGroups(where, opts.players, x.length);
      const half = mirrorStep(o, geometry, groups, x, field(x), h.lr);
      return { x: mirrorStep(o, geometry, groups, x, field(half), h.lr), state: {} };
    },
  };
}

export interface OptimisticOptions extends GameRuleOptions {
  /**
   * "pastExtragradient" (default; Popov 1980, the single-call extragradient of Gidel et al. 2019 and
   * Hsieh et al. 2019): `z_{t+½} = z_t − η F(z_{t−½})`, `z_{t+1} = z_t − η F(z_{t+½})`, one field call
   * per step, iterate `z_t`.
   * "ogda" (optimistic GDA; Daskalakis et al., "Training GANs with Optimism", ICLR 2018):
   * `z_{t+1} = z_t − 2η F(z_t) + η F(z_{t−1})`. In the euclidean geometry the half-iterates of the
   * past-extragradient form follow exactly this recursion.
   */
  form?: "pastExtragradient" | "ogda";
}

/**
 * Optimistic gradient / past extragradient (see `OptimisticOptions.form`). State `pastField`: the
 * field at the previous half-iterate (past extragradient) or iterate (OGDA). At t = 1 the past
 * field is taken as zero (`z_{½} = z_1`) for past extragradient, and as `F(z_1)` for OGDA (a plain
 * GDA first step). With `geometry: "entropic"` these are optimistic multiplicative weights /
 * optimistic mirror descent (Rakhlin & Sridharan 2013). Hyperparameter: `lr` (η, default 0.1).
 */
export function optimisticRule(opts: OptimisticOptions = {}): OracleRule<"lr", "pastField"> {
  const where = "optimisticRule";
  const geometry = checkGameOptions(where, opts, ["form"]);
  const form = opts.form ?? "pastExtragradient";
  if (form !== "pastExtragradient" && form !== "ogda") {
    throw new Error(`${where}: unknown form "${String(form)}" (use "pastExtragradient" or "ogda")`);
  }
  return {
    kind: "oracle",
    name: form === "ogda" ? "ogda" : "pastExtragradient",
    defaults: { lr: 0.1 },
    state: ["pastField"],
    step(o, x, field, s, h, t) {
      const groups = playerGroups(where, opts.players, x.length);
      if (form === "pastExtragradient") {
        const half = mirrorStep(o, geometry, groups, x, s.pastField, h.lr);
        const f = field(half);
        return { x: mirrorStep(o, geometry, groups, x, f, h.lr), state: { pastField: f } };
      }
      const f = field(x);
      const first = o.gt(2, t); // 1 at t = 1: the past field is the current one
      const d = f.map((fi, i) => o.sub(o.mul(2, fi), o.where(first, fi, s.pastField[i])));
      return { x: mirrorStep(o, geometry, groups, x, d, h.lr), state: { pastField: f } };
    },
  };
}

/**
 * Multiplicative weights / Hedge on each player's probability simplex (Freund & Schapire,
 * "Adaptive game playing using multiplicative weights", 1999): `x_i ← x_i e^{−η F_i} / Σ_j x_j e^{−η F_j}`,
 * where `F` is the player's loss gradient (for a matrix game `xᵀAy`: `F_x = A y`, `F_y = −Aᵀx`).
 * Each block is one simplex coordinate; `players` says which simplex it belongs to. Simultaneous
 * by default; `alternating: true` updates players in turn. Hyperparameter: `lr` (η, default 0.1).
 */
export function multiplicativeWeightsRule(opts: {
  players: readonly number[];
  alternating?: boolean;
}): OracleRule<"lr", never> {
  checkOptions("multiplicativeWeightsRule", opts, ["players", "alternating"]);
  return gdaRule({ ...opts, geometry: "entropic" });
}

/**
 * Mirror prox with the entropic mirror map (Nemirovski, "Prox-method with rate of convergence
 * O(1/t) for variational inequalities…", SIAM J. Optim. 2004; used for Nash learning from human
 * feedback by Tiapkin et al. 2025): a multiplicative-weights half-step from `z_t` with `F(z_t)`, then
 * a step from `z_t` with `F(z_{t+½})`. Each block is one simplex coordinate; `players` groups them.
 * Hyperparameter: `lr` (η, default 0.1).
 */
export function mirrorProxRule(opts: { players: readonly number[] }): OracleRule<"lr", never> {
  checkOptions("mirrorProxRule", opts, ["players"]);
  return extragradientRule({ ...opts, geometry: "entropic" });
}

export interface ComplexMomentumOptions {
  players?: readonly number[];
  /** false (default): simultaneous updates; true: alternating, player by player. */
  alternating?: boolean;
}

/**
 * Complex momentum (Lorraine, Acuna, Vicol & Duvenaud, "Complex Momentum for Optimization in
 * Games", AISTATS 2022, Algorithm 1): `μ_{t+1} = β μ_t − F(z_t)`, `z_{t+1} = z_t + Re(α μ_{t+1})`,
 * with complex `β = |β| e^{i·arg β}` and `α = lr + i·lrImag`. The buffer is kept as real and
 * imaginary parts (`muRe`, `muIm`). Hyperparameters (this library's defaults): `lr` 0.1,
 * `lrImag` 0, `beta` (|β|) 0.9, `betaArg` (arg β, radians) π/4 — with lr 0.1 this converges on
 * the bilinear game `x·y`, where real momentum (`betaArg = 0`) diverges. With `betaArg = 0` and `lrImag = 0`
 * it is heavy-ball momentum. `alternating: true` gives the paper's alternating variant.
 */
export function complexMomentumRule(
  opts: ComplexMomentumOptions = {},
): OracleRule<"lr" | "lrImag" | "beta" | "betaArg", "muRe" | "muIm"> {
  const where = "complexMomentumRule";
  checkOptions(where, opts, ["players", "alternating"]);
  checkGameOptions(where, { players: opts.players });
  const alternating = opts.alternating ?? false;
  return {
    kind: "oracle",
    name: alternating ? "complexMomentumAlternating" : "complexMomentum",
    defaults: { lr: 0.1, lrImag: 0, beta: 0.9, betaArg: Math.PI / 4 },
    state: ["muRe", "muIm"],
    step(o, x, field, s, h) {
      const groups = playerGroups(where, opts.players, x.length);
      const bRe = o.mul(h.beta, o.cos(h.betaArg));
      const bIm = o.mul(h.beta, o.sin(h.betaArg));
      const z = x.slice(),
        muRe = s.muRe.slice(),
        muIm = s.muIm.slice();
      const update = (blocks: readonly number[], f: readonly (typeof x)[number][]) => {
        for (const i of blocks) {
          const re = o.sub(o.sub(o.mul(bRe, s.muRe[i]), o.mul(bIm, s.muIm[i])), f[i]);
          const im = o.add(o.mul(bRe, s.muIm[i]), o.mul(bIm, s.muRe[i]));
          muRe[i] = re;
          muIm[i] = im;
          z[i] = o.add(x[i], o.sub(o.mul(h.lr, re), o.mul(h.lrImag, im)));
        }
      };
      if (!alternating) update(groups.flat(), field(x));
      else for (const g of groups) update(g, field(z));
      return { x: z, state: { muRe, muIm } };
    },
  };
}
