/**
 * The heterogeneous "Synthetic(α, β)" federated data of Li et al., "Federated Optimization in
 * Heterogeneous Networks" (FedProx, MLSys 2020; generation as in the authors' generate_synthetic.py,
 * after Shamir et al., 2014).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng";
import type { Dataset } from "./synthetic";
import { checkOptions } from "../validate";

/** One client's data and its generating model. */
export interface FederatedClient extends Dataset<tf.Tensor1D> {
  /** Client model W_k `[dim][classes]`, b_k `[classes]`, feature mean v_k `[dim]`. */
  W: number[][];
  b: number[];
  v: number[];
}

/**
 * Synthetic(α, β): for client k, u_k ~ N(0, α²), B_k ~ N(0, β²); W_k ~ N(u_k, 1) (dim×classes),
 * b_k ~ N(u_k, 1); v_k ~ N(B_k, 1) per coordinate; x ~ N(v_k, Σ) with Σ = diag(j^{−1.2}), j = 1…dim;
 * y = argmax(W_kᵀx + b_k). α controls how much the local models differ, β how much the local
 * feature distributions differ. `iid: true` gives Synthetic-IID: one W, b ~ N(0, 1) for all clients
 * and v_k = B_k·1. Client sizes: the paper's power law ⌊lognormal(4, 2)⌋ + 50 (`samplesPerClient`
 * "powerlaw", optionally capped by `maxSamplesPerClient`), or a fixed number or list.
 * Defaults follow the paper: 30 clients, dim 60, 10 classes.
 */
export function syntheticFederated(opts: {
  alpha: number; beta: number; iid?: boolean; clients?: number; dim?: number; classes?: number;
  samplesPerClient?: number | number[] | "powerlaw"; maxSamplesPerClient?: number; seed?: number;
}): { clients: FederatedClient[]; pooled(): Dataset<tf.Tensor1D>; dispose(): void } {
  checkOptions("syntheticFederated", opts, ["alpha", "beta", "iid", "clients", "dim", "classes", "samplesPerClient", "maxSamplesPerClient", "seed"]);
  const { alpha, beta, iid = false, clients = 30, dim = 60, classes = 10, samplesPerClient = "powerlaw", maxSamplesPerClient = Infinity } = opts;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`syntheticFederated: seed must be an integer, got ${seed}`);
  for (const [v, w] of [[alpha, "alpha"], [beta, "beta"]] as const) if (!(Number.isFinite(v) && v >= 0)) throw new Error(`syntheticFederated: ${w} must be ≥ 0, got ${v}`);
  for (const [v, w] of [[clients, "clients"], [dim, "dim"], [classes, "classes"]] as const) if (!Number.isInteger(v) || v < 1) throw new Error(`syntheticFederated: ${w} must be a positive integer, got ${v}`);
  if (Array.isArray(samplesPerClient) && samplesPerClient.length !== clients) throw new Error(`syntheticFederated: samplesPerClient lists ${samplesPerClient.length} sizes for ${clients} clients`);
  const rng = new Rng(seed);
  const sizes = Array.from({ length: clients }, (_, k) => {
    const s = samplesPerClient === "powerlaw" ? Math.floor(Math.exp(rng.normal(4, 2))) + 50 : Array.isArray(samplesPerClient) ? samplesPerClient[k] : samplesPerClient;
    if (!Number.isInteger(s) || s < 1) throw new Error(`syntheticFederated: client ${k} size must be a positive integer, got ${s}`);
    return Math.min(s, maxSamplesPerClient);
  });
  const u = Array.from(rng.normalArray(clients, 0, alpha));
  const B = Array.from(rng.normalArray(clients, 0, beta));
  const sd = Array.from({ length: dim }, (_, j) => Math.sqrt((j + 1) ** -1.2));
  const vs = B.map((Bk) => (iid ? new Array(dim).fill(Bk) : Array.from(rng.normalArray(dim, Bk, 1))));
  const globalW = iid ? Array.from({ length: dim }, () => Array.from(rng.normalArray(classes))) : undefined;
  const globalB = iid ? Array.from(rng.normalArray(classes)) : undefined;
  const out: FederatedClient[] = [];
  for (let k = 0; k < clients; k++) {
    const W = globalW ?? Array.from({ length: dim }, () => Array.from(rng.normalArray(classes, u[k], 1)));
    const b = globalB ?? Array.from(rng.normalArray(classes, u[k], 1));
    const n = sizes[k], v = vs[k];
    const x = new Float32Array(n * dim), y = new Int32Array(n);
    const xi = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) xi[j] = v[j] + sd[j] * rng.normal();
      let best = -Infinity, arg = 0;
      for (let c = 0; c < classes; c++) {
        let s = b[c];
        for (let j = 0; j < dim; j++) s += xi[j] * W[j][c];
        if (s > best) { best = s; arg = c; }
      }
      y[i] = arg;
      x.set(xi, i * dim);
    }
    const xt = tf.tensor2d(x, [n, dim]), yt = tf.tensor1d(y, "int32");
    out.push({ x: xt, y: yt, W, b, v, dispose: () => tf.dispose([xt, yt]) });
  }
  return {
    clients: out,
    pooled() {
      const x = tf.concat(out.map((c) => c.x)) as tf.Tensor2D, y = tf.concat(out.map((c) => c.y)) as tf.Tensor1D;
      return { x, y, dispose: () => tf.dispose([x, y]) };
    },
    dispose: () => out.forEach((c) => c.dispose()),
  };
}
