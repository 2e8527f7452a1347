/**
 * Federated optimisation over simulated clients, each given as a loss: FedAvg, FedProx and the
 * FedOpt family with a server optimizer (FedAdam).
 *
 * One round (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 1 — FedOpt):
 * sample a set S of clients; each runs K local SGD steps from the server model x,
 * `w ← w − η_l(∇f_k(w) + μ(w − x))` (μ = 0 for FedAvg, μ > 0 for FedProx); the server forms the
 * pseudo-gradient `Δ = x − Σ_{k∈S} p_k w_k / Σ_{k∈S} p_k` (p_k the client weights, e.g. data sizes)
 * and applies any `GradientTransformation` to it. With server SGD at lr 1 this is exactly the
 * average, i.e. FedAvg (McMahan et al., AISTATS 2017).
 *
 * Parameters may carry a leading `[runs]` axis if every client loss sums over runs (runs are then
 * independent; client sampling is shared by the runs).
 */
import * as tf from "@tensorflow/tfjs";
import { seedState, uniformFromState } from "../rng";
import { assertSameStructure, disposeTree, flatten, unflatten, type Tree } from "../tree";
import { checkOptions } from "../validate";
import { adam, sgd } from "./alias";
import { applyUpdates, checkHypers, type GradientTransformation, type OptState } from "./transform";

/** What a client loss sees: the round (0-based), the local step (0-based) and its own index. */
export interface ClientContext {
  round: number;
  step: number;
  client: number;
}

/** A client's loss at `params` (a scalar; stochastic clients draw their batches from `ctx`). */
export type ClientLoss = (params: Tree, ctx: ClientContext) => tf.Scalar;

export interface FederatedOptions {
  /** The clients' losses f_k. */
  clients: readonly ClientLoss[];
  /** Local SGD steps K per round (default 1). */
  localSteps?: number;
  /** Local learning rate η_l (default 1e-2). */
  localLr?: number;
  /** FedProx proximal weight μ ≥ 0 (default 0: FedAvg's local objective). */
  mu?: number;
  /** Clients sampled per round, uniformly without replacement (default: all). */
  clientsPerRound?: number;
  /** Aggregation weights p_k > 0, e.g. local data sizes (default: uniform). */
  weights?: readonly number[];
  /** Server optimizer applied to the pseudo-gradient (default `sgd({ lr: 1 })`, i.e. averaging). */
  server?: GradientTransformation;
  /** Seed of the client sampling (default 0). */
  seed?: number;
}

export interface FederatedState {
  round: number;
  server: OptState;
  /** xoshiro128** state of the client sampler. */
  key: Uint32Array;
}

export interface FederatedAlgorithm {
  readonly name: string;
  init(params: Tree): FederatedState;
  /**
   * One communication round from `params` (not disposed). Returns the new server model, the new
   * state (the old one may be disposed with `disposeTree(old.server)`) and the sampled clients.
   */
  round(params: Tree, state: FederatedState): { params: Tree; state: FederatedState; clients: number[] };
}

/**
 * k distinct indices of [0, n), uniformly: a partial Fisher–Yates shuffle driven by
 * `uniformFromState(key)` (n − … draws in order), returned sorted.
 */
function sampleWithoutReplacement(key: Uint32Array, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(uniformFromState(key) * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/**
 * The generic federated round (FedOpt; see the module comment). `fedAvg`, `fedProx` and `fedAdam`
 * are this with their defaults.
 */
export function federated(name: string, opts: FederatedOptions): FederatedAlgorithm {
  checkOptions(name, opts, ["clients", "localSteps", "localLr", "mu", "clientsPerRound", "weights", "server", "seed"]);
  const { clients, localSteps = 1, localLr = 1e-2, mu = 0, seed = 0 } = opts;
  if (!Array.isArray(clients) || clients.length === 0 || clients.some((c) => typeof c !== "function")) {
    throw new Error(`${name}: clients must be a non-empty array of loss functions`);
  }
  const n = clients.length;
  const perRound = opts.clientsPerRound ?? n;
  if (!Number.isInteger(localSteps) || localSteps < 1)
    throw new Error(`${name}: localSteps must be a positive integer, got ${localSteps}`);
  checkHypers(name, ["lr"], { lr: localLr });
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new Error(`${name}: mu must be finite and ≥ 0, got ${mu}`);
  if (!Number.isInteger(perRound) || perRound < 1 || perRound > n) {
    throw new Error(`${name}: clientsPerRound must be an integer in [1, ${n}], got ${perRound}`);
  }
  const weights = opts.weights ?? new Array(n).fill(1);
  if (weights.length !== n || weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new Error(`${name}: weights must be ${n} finite positive numbers, one per client`);
  }
  if (!Number.isInteger(seed)) throw new Error(`${name}: seed must be an integer, got ${seed}`);
  const server = opts.server ?? sgd({ lr: 1 });

  /** K local steps of client k from x: w ← w − η_l(∇f_k(w) + μ(w − x)). */
  const localUpdate = (x: Tree, k: number, round: number): tf.Tensor[] => {
    const xs = flatten(x);
    let w = xs.map((t) => t.clone());
    for (let step = 0; step < localSteps; step++) {
      const next = tf.tidy(() => {
        const g = tf.grads((...ls: tf.Tensor[]) => {
          const out = clients[k](unflatten(x, ls), { round, step, client: k });
          if (!(out instanceof tf.Tensor) || out.size !== 1)
            throw new Error(`${name}: client ${k}'s loss must return a scalar tensor`);
          return out.reshape([]) as tf.Scalar;
        })(w);
        return w.map((wi, j) =>
          tf.sub(wi, tf.mul(localLr, mu > 0 ? tf.add(g[j], tf.mul(mu, tf.sub(wi, xs[j]))) : g[j])),
        );
      });
      w.forEach((t) => t.dispose());
      w = next;
    }
    return w;
  };

  return {
    name,
    init(params) {
      const key = new Uint32Array(4);
      seedState(seed, 0, key);
      return { round: 0, server: server.init(params), key };
    },
    round(params, state) {
      const key = state.key.slice();
      const chosen =
        perRound === n ? Array.from({ length: n }, (_, i) => i) : sampleWithoutReplacement(key, n, perRound);
      const total = chosen.reduce((s, k) => s + weights[k], 0);
      const xs = flatten(params);
      let avg = xs.map((t) => tf.zerosLike(t));
      for (const k of chosen) {
        const w = localUpdate(params, k, state.round);
        const next = tf.tidy(() => avg.map((a, j) => tf.add(a, tf.mul(weights[k] / total, w[j]))));
        [...avg, ...w].forEach((t) => t.dispose());
        avg = next;
      }
      const pseudoGrad = unflatten(
        params,
        tf.tidy(() => xs.map((x, j) => tf.sub(x, avg[j]))),
      );
      avg.forEach((t) => t.dispose());
      assertSameStructure(params, pseudoGrad, `${name}: pseudo-gradient and params`);
      const r = server.update(pseudoGrad, state.server, params);
      const next = applyUpdates(params, r.updates);
      disposeTree([pseudoGrad, r.updates]);
      return { params: next, state: { round: state.round + 1, server: r.state, key }, clients: chosen };
    },
  };
}

/**
 * FedAvg (McMahan et al., "Communication-Efficient Learning of Deep Networks from Decentralized
 * Data", AISTATS 2017): K local SGD steps on each sampled client, then the weighted average of the
 * client models. Defaults: localSteps 1, localLr 1e-2, all clients every round, uniform weights.
 */
export function fedAvg(opts: Omit<FederatedOptions, "mu" | "server">): FederatedAlgorithm {
  checkOptions("fedAvg", opts, ["clients", "localSteps", "localLr", "clientsPerRound", "weights", "seed"]);
  return federated("fedAvg", opts);
}

/**
 * FedProx (Li et al., "Federated Optimization in Heterogeneous Networks", MLSys 2020): as FedAvg,
 * but clients descend the proximal objective `f_k(w) + (μ/2)‖w − x‖²` (here with K SGD steps, an
 * inexact local solver). μ = 0 is FedAvg. Defaults: mu 0.01, otherwise as `fedAvg`.
 */
export function fedProx(opts: Omit<FederatedOptions, "server">): FederatedAlgorithm {
  checkOptions("fedProx", opts, ["clients", "localSteps", "localLr", "mu", "clientsPerRound", "weights", "seed"]);
  return federated("fedProx", { mu: 0.01, ...opts });
}

export interface FedAdamOptions extends Omit<FederatedOptions, "server" | "mu"> {
  /** Server learning rate η (default 0.1, this library's choice; Reddi et al. tune it). */
  serverLr?: number;
  /** Server β₁, β₂ (defaults 0.9, 0.99 as in Reddi et al.). */
  b1?: number;
  b2?: number;
  /** Adaptivity τ (default 1e-3, as in Reddi et al.). */
  tau?: number;
}

/**
 * FedAdam (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2): with
 * `Δ_t = avg_k w_k − x_t`, `m_t = β₁m + (1−β₁)Δ_t`, `v_t = β₂v + (1−β₂)Δ_t²`,
 * `x_{t+1} = x_t + η·m_t/(√v_t + τ)` — server Adam without bias correction on the pseudo-gradient −Δ.
 * Defaults: serverLr 0.1, b1 0.9, b2 0.99, tau 1e-3; clients as in `fedAvg`.
 */
export function fedAdam(opts: FedAdamOptions): FederatedAlgorithm {
  checkOptions("fedAdam", opts, [
    "clients",
    "localSteps",
    "localLr",
    "clientsPerRound",
    "weights",
    "seed",
    "serverLr",
    "b1",
    "b2",
    "tau",
  ]);
  const { serverLr = 0.1, b1 = 0.9, b2 = 0.99, tau = 1e-3, ...rest } = opts;
  return federated("fedAdam", { ...rest, server: adam({ lr: serverLr, b1, b2, eps: tau, biasCorrection: false }) });
}

/** Runs `rounds` rounds from `params0` (not disposed); returns the final model. */
export function runFederated(
  alg: FederatedAlgorithm,
  params0: Tree,
  rounds: number,
  onRound?: (round: number, params: Tree, clients: number[]) => void,
): Tree {
  if (!Number.isInteger(rounds) || rounds < 0)
    throw new Error(`runFederated: rounds must be a non-negative integer, got ${rounds}`);
  let p = params0;
  let s = alg.init(p);
  for (let r = 1; r <= rounds; r++) {
    const out = alg.round(p, s);
    if (p !== params0) disposeTree(p);
    disposeTree(s.server);
    p = out.params;
    s = out.state;
    onRound?.(r, p, out.clients);
  }
  disposeTree(s.server);
  return p === params0
    ? unflatten(
        p,
        flatten(p).map((t) => t.clone()),
      )
    : p;
}
