/**
 * The tfjs adaptor for closed-form landscapes: a `[runs, dim]` tensor in, `[runs]` losses out,
 * differentiable with `tf.grad`. Each run has its own seeded random stream (xoshiro128**, stream =
 * run index, as in the fused engine), so run r sees the same draws whatever the batch around it.
 */
import * as tf from "@tensorflow/tfjs";
import type { ClosedFormLandscape, LandscapeContext } from "../core/landscape";
import { tfOps } from "../core/ops";
import { normalFromState, seedState, uniformFromState } from "../rng";
import { checkOptions } from "../validate";

/** A loss over a batch of runs, built by `landscapeLoss`. */
export interface LandscapeLoss {
  /**
   * Losses `[runs]` at `x` `[runs, dim]` (or a scalar at `x` `[dim]`). `t` (1-based step) defaults
   * to the internal counter `step`, which then advances by one, so a loop that calls the loss once
   * per step sees f_1, f_2, …; pass `t` explicitly to evaluate without advancing.
   */
  (x: tf.Tensor, t?: number): tf.Tensor;
  readonly landscape: ClosedFormLandscape;
  /** The next step used when `t` is not given (starts at 1). */
  step: number;
  /** Restarts the step counter and every run's random stream. */
  reset(): void;
}

/**
 * Per-run random streams for the tfjs side: stream r is xoshiro128** seeded with (seed, r), as in
 * the fused engine. A draw for a batch of `runs` advances streams 0..runs−1 (more are created on
 * demand), so run r's draws do not depend on how many runs share the batch.
 */
export class RunStreams {
  private state = new Uint32Array(0);
  constructor(readonly seed: number) {}
  private ensure(runs: number): void {
    if (!Number.isInteger(runs) || runs < 1)
      throw new Error(`RunStreams: runs must be a positive integer, got ${runs}`);
    const have = this.state.length / 4;
    if (runs <= have) return;
    const next = new Uint32Array(4 * runs);
    next.set(this.state);
    for (let r = have; r < runs; r++) seedState(this.seed, r, next, 4 * r);
    this.state = next;
  }
  /** One uniform in [0, 1) for each of runs 0..runs−1. */
  uniform(runs: number): Float64Array {
    this.ensure(runs);
    const out = new Float64Array(runs);
    for (let r = 0; r < runs; r++) out[r] = uniformFromState(this.state, 4 * r);
    return out;
  }
  /** One standard normal for each of runs 0..runs−1. */
  normal(runs: number): Float64Array {
    this.ensure(runs);
    const out = new Float64Array(runs);
    for (let r = 0; r < runs; r++) out[r] = normalFromState(this.state, 4 * r);
    return out;
  }
}

/**
 * The columns of x `[runs, dim]` as `[runs]` tensors. (Slices, not `tf.unstack`: tfjs 4.22's
 * Unpack gradient fails when there is a single output, i.e. for 1-D landscapes.)
 */
function columns(x: tf.Tensor2D): tf.Tensor[] {
  const [runs, dim] = x.shape;
  return Array.from({ length: dim }, (_, i) => x.slice([0, i], [runs, 1]).reshape([runs]));
}

function checkLandscape(l: ClosedFormLandscape): void {
  if (!l || typeof l.value !== "function" || !Number.isInteger(l.dim) || l.dim < 1) {
    throw new Error("expected a ClosedFormLandscape (with value(o, x, ctx) and a positive integer dim)");
  }
}

function asBatch(landscape: ClosedFormLandscape, x: tf.Tensor, what: string): { xb: tf.Tensor2D; single: boolean } {
  if (!(x instanceof tf.Tensor))
    throw new Error(`${what}: expected a tensor of shape [runs, ${landscape.dim}], got ${String(x)}`);
  const single = x.rank === 1;
  if ((x.rank !== 1 && x.rank !== 2) || x.shape[x.rank - 1] !== landscape.dim) {
    throw new Error(
      `${what}: ${landscape.name} expects shape [runs, ${landscape.dim}] (or [${landscape.dim}]), got [${x.shape}]`,
    );
  }
  return { xb: (single ? x.reshape([1, landscape.dim]) : x) as tf.Tensor2D, single };
}

/**
 * Builds the batched loss x ↦ [f(x_1), …, f(x_runs)] of a closed-form landscape by calling its one
 * `value` formula with `tfOps` on the columns of x. Stochastic landscapes draw from per-run streams
 * seeded by `seed` (default 0), fresh draws on every call; gradients with `tf.grad` hold a call's
 * draws fixed, which is the stochastic gradient oracle.
 *
 * @example
 * const loss = landscapeLoss(rosenbrock());
 * const x0 = tf.tensor2d([[-1, 1], [0, 2]]); // two runs
 * const res = await minimize((x) => loss(x as tf.Tensor), x0, sgd({ lr: 1e-3 }), { steps: 1000 });
 */
export function landscapeLoss(landscape: ClosedFormLandscape, opts: { seed?: number } = {}): LandscapeLoss {
  checkOptions("landscapeLoss", opts, ["seed"]);
  checkLandscape(landscape);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`landscapeLoss: seed must be an integer, got ${seed}`);
  let streams = new RunStreams(seed);
  const fn = ((x: tf.Tensor, t?: number): tf.Tensor => {
    const { xb, single } = asBatch(landscape, x, "landscapeLoss");
    const runs = xb.shape[0];
    if (t !== undefined && !Number.isFinite(t)) throw new Error(`landscapeLoss: t must be a number, got ${t}`);
    const step = t ?? fn.step++;
    const s = streams;
    return tf.tidy(() => {
      const ctx: LandscapeContext<tf.Tensor> = {
        t: step,
        uniform: () => tf.tensor1d(Float32Array.from(s.uniform(runs))),
        normal: () => tf.tensor1d(Float32Array.from(s.normal(runs))),
      };
      const cols = columns(xb);
      let v = landscape.value(tfOps, cols, ctx);
      if (v.rank === 0) v = tf.broadcastTo(v, [runs]);
      if (v.rank !== 1 || v.shape[0] !== runs)
        throw new Error(`landscapeLoss: ${landscape.name}.value returned shape [${v.shape}], expected [${runs}]`);
      return single ? v.reshape([]) : v;
    });
  }) as LandscapeLoss;
  Object.defineProperty(fn, "landscape", { value: landscape });
  fn.step = 1;
  fn.reset = () => {
    fn.step = 1;
    streams = new RunStreams(seed);
  };
  return fn;
}

/**
 * The game field of a landscape at `x` `[runs, dim]`: each coordinate's gradient of its owner's
 * loss, i.e. ∂f/∂x_i for player 0 and −∂f/∂x_i for player 1 (`players`), so every player descends
 * along −field (the convention of `OracleRule`). For a plain landscape this is ∇f. Uses (and, if
 * `t` is not given, advances) `loss`'s step counter and random streams.
 */
export function landscapeField(loss: LandscapeLoss, x: tf.Tensor, t?: number): tf.Tensor {
  const players = loss.landscape.players;
  return tf.tidy(() => {
    const g = tf.grad((z: tf.Tensor) => loss(z, t).sum())(x);
    if (!players || players.every((p) => p === 0)) return g;
    const sign = tf.tensor1d(players.map((p) => (p === 1 ? -1 : 1)));
    return tf.mul(g, sign);
  });
}

/** Applies the landscape's projection (if any) to every run of `x` `[runs, dim]`; returns a new tensor. */
export function projectRuns(landscape: ClosedFormLandscape, x: tf.Tensor): tf.Tensor {
  const { xb, single } = asBatch(landscape, x, "projectRuns");
  return tf.tidy(() => {
    if (!landscape.project) return x.clone();
    const out = tf.stack(landscape.project(tfOps, columns(xb)), 1);
    return single ? out.reshape([landscape.dim]) : out;
  });
}

/**
 * Values of a deterministic 2-D landscape on a `resolution`×`resolution` grid over its `domain`
 * (or `domain` given), for contour plots: z[i][j] = f(xs[j], ys[i]).
 */
export async function landscapeGrid(
  landscape: ClosedFormLandscape,
  opts: { resolution?: number; domain?: readonly (readonly [number, number])[] } = {},
): Promise<{ xs: number[]; ys: number[]; z: number[][] }> {
  checkOptions("landscapeGrid", opts, ["resolution", "domain"]);
  checkLandscape(landscape);
  if (landscape.dim !== 2)
    throw new Error(`landscapeGrid: needs a 2-D landscape, ${landscape.name} has dim ${landscape.dim}`);
  if (landscape.stochastic)
    throw new Error(`landscapeGrid: ${landscape.name} is stochastic; grid its expected loss instead`);
  const { resolution = 100 } = opts;
  const domain = opts.domain ?? landscape.domain;
  if (!domain || domain.length !== 2) throw new Error(`landscapeGrid: ${landscape.name} has no domain; pass one`);
  if (!Number.isInteger(resolution) || resolution < 2)
    throw new Error(`landscapeGrid: resolution must be an integer ≥ 2, got ${resolution}`);
  const lin = ([lo, hi]: readonly [number, number]) =>
    Array.from({ length: resolution }, (_, i) => lo + ((hi - lo) * i) / (resolution - 1));
  const xs = lin(domain[0]),
    ys = lin(domain[1]);
  const pts = new Float32Array(2 * resolution * resolution);
  ys.forEach((y, i) =>
    xs.forEach((x, j) => {
      pts[2 * (i * resolution + j)] = x;
      pts[2 * (i * resolution + j) + 1] = y;
    }),
  );
  const xt = tf.tensor2d(pts, [resolution * resolution, 2]);
  const v = landscapeLoss(landscape)(xt, 1);
  const data = await v.data();
  xt.dispose();
  v.dispose();
  return { xs, ys, z: ys.map((_, i) => Array.from(data.subarray(i * resolution, (i + 1) * resolution))) };
}
