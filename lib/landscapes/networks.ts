/**
 * Small neural networks as tfjs models with parameter trees (`lib/tree.ts`): an MLP in standard,
 * NTK or mean-field parameterisation (from which the two-layer network and the deep linear network
 * are built), each with a seeded initialiser, `apply` and `loss`.
 */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy, mse } from "../losses/losses";
import { Rng } from "../rng";
import type { Tree } from "../tree";
import { checkOptions } from "../validate";

/** Hidden-layer nonlinearity φ. */
export type Activation = "tanh" | "relu" | "linear";
/** How weights are initialised and scaled in the forward pass (see `mlp`). */
export type Parameterization = "standard" | "ntk" | "meanfield";

/**
 * One layer's parameters: weight `[fanIn, fanOut]` and (unless `bias: false`) bias `[fanOut]`; with
 * a leading runs axis (`[runs, fanIn, fanOut]`, `[runs, fanOut]`) for a batch of independent networks.
 */
export interface LayerParams {
  [key: string]: tf.Tensor;
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** Configuration of `mlp`. */
export interface MlpConfig {
  /** Layer widths [d_in, h_1, …, d_out]; at least [d_in, d_out]. */
  sizes: number[];
  activation?: Activation;
  parameterization?: Parameterization;
  /** Include biases (default true). Biases are initialised to 0 and scaled by `biasScale` (default 1). */
  bias?: boolean;
  biasScale?: number;
  /** Weight gain σ_w (default √2 for relu, 1 otherwise). */
  gain?: number;
}

/** A network built by `mlp`: seeded `init`, `apply`, `loss`. */
export interface Mlp {
  readonly config: Required<MlpConfig>;
  /** Multiplier applied to layer l's weights in the forward pass. */
  readonly multipliers: number[];
  /**
   * Initial parameters (one `{ w, b }` per layer; `b` absent without biases) drawn from
   * `new Rng(seed)`; with `runs`, a batch of independent networks whose run r is drawn from
   * `new Rng(seed, r)` (so run 0 equals the unbatched `init(seed)`).
   */
  init(seed: number, opts?: { runs?: number }): LayerParams[];
  /** Outputs `[n, d_out]` for inputs `[n, d_in]`, or `[runs, n, d_out]` for batched parameters. */
  apply(params: Tree, x: tf.Tensor): tf.Tensor;
  /**
   * Mean loss over the examples: cross-entropy from logits for int32 class labels `[n]`, MSE
   * (mean over examples and outputs) for float targets `[n, d_out]` (or `[n]` when d_out = 1).
   * A scalar, or `[runs]` for batched parameters.
   */
  loss(params: Tree, x: tf.Tensor, y: tf.Tensor): tf.Tensor;
  /** Number of parameters. */
  readonly numParams: number;
}

/**
 * Multi-layer perceptron f(x) = W_L φ(⋯ φ(W_1 x + b_1) ⋯) + b_L with layer l computing
 * h ↦ c_l · h W_l + β b_l, fan-in n_l, gain σ_w, and
 * - "standard": W_l ~ N(0, σ_w²/n_l), c_l = 1 (LeCun/He initialisation);
 * - "ntk": W_l ~ N(0, 1), c_l = σ_w/√n_l (Jacot, Gabriel & Hongler, "Neural Tangent Kernel", 2018):
 *   same function at init as "standard" but gradients scaled so training is lazy as width → ∞;
 * - "meanfield": as "ntk" but the readout has c_L = σ_w/n_L (Mei, Montanari & Nguyen, 2018; Chizat
 *   & Bach, 2018): the output is an average over hidden units and training is feature-learning.
 * Biases start at 0. Examples are independent (no batch statistics), as the NTK tools require.
 */
export function mlp(config: MlpConfig): Mlp {
  checkOptions("mlp", config, ["sizes", "activation", "parameterization", "bias", "biasScale", "gain"]);
  const { sizes, activation = "tanh", parameterization = "standard", bias = true, biasScale = 1 } = config;
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`mlp: sizes must list at least two positive integer widths [d_in, …, d_out], got [${sizes}]`);
  }
  if (!["tanh", "relu", "linear"].includes(activation))
    throw new Error(`mlp: activation must be "tanh", "relu" or "linear", got ${String(activation)}`);
  if (!["standard", "ntk", "meanfield"].includes(parameterization))
    throw new Error(`mlp: parameterization must be "standard", "ntk" or "meanfield", got ${String(parameterization)}`);
  const gain = config.gain ?? (activation === "relu" ? Math.SQRT2 : 1);
  if (!(gain > 0)) throw new Error(`mlp: gain must be positive, got ${gain}`);
  const L = sizes.length - 1;
  const multipliers = Array.from({ length: L }, (_, l) => {
    if (parameterization === "standard") return 1;
    if (parameterization === "meanfield" && l === L - 1) return gain / sizes[l];
    return gain / Math.sqrt(sizes[l]);
  });
  const initStd = (l: number) => (parameterization === "standard" ? gain / Math.sqrt(sizes[l]) : 1);
  const phi = (h: tf.Tensor) => (activation === "tanh" ? tf.tanh(h) : activation === "relu" ? tf.relu(h) : h);
  const numParams = sizes.slice(1).reduce((s, out, l) => s + sizes[l] * out + (bias ? out : 0), 0);

  /** Checks the layers; returns them and the runs count (undefined for unbatched parameters). */
  const layers = (params: Tree): { ps: LayerParams[]; runs: number | undefined } => {
    if (!Array.isArray(params) || params.length !== L)
      throw new Error(
        `mlp: expected params as an array of ${L} layers ({ w, b }), got ${Array.isArray(params) ? params.length + " entries" : typeof params}`,
      );
    const w0 = (params[0] as LayerParams | undefined)?.w;
    const runs = w0 instanceof tf.Tensor && w0.rank === 3 ? w0.shape[0] : undefined;
    const lead = runs === undefined ? [] : [runs];
    const ps = params.map((p, l) => {
      const lp = p as LayerParams;
      const ws = [...lead, sizes[l], sizes[l + 1]],
        bs = [...lead, sizes[l + 1]];
      const same = (t: unknown, shape: number[]) =>
        t instanceof tf.Tensor && t.rank === shape.length && t.shape.every((d: number, i: number) => d === shape[i]);
      if (!same(lp?.w, ws))
        throw new Error(
          `mlp: layer ${l} weight must be [${ws.join(", ")}], got ${lp?.w instanceof tf.Tensor ? `[${lp.w.shape}]` : String(lp?.w)}`,
        );
      if (bias && !same(lp.b, bs))
        throw new Error(
          `mlp: layer ${l} bias must be [${bs.join(", ")}], got ${lp.b instanceof tf.Tensor ? `[${lp.b.shape}]` : String(lp.b)}`,
        );
      return lp;
    });
    return { ps, runs };
  };

  const model: Mlp = {
    config: { sizes, activation, parameterization, bias, biasScale, gain },
    multipliers,
    numParams,
    init(seed: number, opts: { runs?: number } = {}) {
      checkOptions("mlp.init", opts, ["runs"]);
      const { runs } = opts;
      if (runs !== undefined && (!Number.isInteger(runs) || runs < 1))
        throw new Error(`mlp.init: runs must be a positive integer, got ${runs}`);
      const one = (rng: Rng) =>
        sizes.slice(1).map((out, l) => {
          const w = rng.normalTensor([sizes[l], out], 0, initStd(l)) as tf.Tensor2D;
          return (bias ? { w, b: tf.zeros([out]) as tf.Tensor1D } : { w }) as LayerParams;
        });
      if (runs === undefined) return one(new Rng(seed));
      const all = Array.from({ length: runs }, (_, r) => one(new Rng(seed, r)));
      return sizes.slice(1).map((_, l) => {
        const w = tf.stack(all.map((p) => p[l].w)) as unknown as tf.Tensor2D;
        const b = bias ? (tf.stack(all.map((p) => p[l].b)) as unknown as tf.Tensor1D) : undefined;
        all.forEach((p) => tf.dispose([p[l].w, p[l].b].filter(Boolean) as tf.Tensor[]));
        return (b ? { w, b } : { w }) as LayerParams;
      });
    },
    apply(params: Tree, x: tf.Tensor) {
      const { ps, runs } = layers(params);
      if (x.rank !== 2 || x.shape[1] !== sizes[0])
        throw new Error(`mlp: inputs must be [n, ${sizes[0]}], got [${x.shape}]`);
      return tf.tidy(() => {
        // Batched: every run sees the same inputs; [runs, n, d] @ [runs, d, h] per layer.
        let h: tf.Tensor = runs === undefined ? x : tf.broadcastTo(x.expandDims(0), [runs, x.shape[0], sizes[0]]);
        ps.forEach((p, l) => {
          let z = tf.matMul(h, p.w);
          if (multipliers[l] !== 1) z = tf.mul(z, multipliers[l]);
          if (bias) {
            const b = runs === undefined ? p.b : p.b.expandDims(1);
            z = tf.add(z, biasScale === 1 ? b : tf.mul(b, biasScale));
          }
          h = l < L - 1 ? phi(z) : z;
        });
        return h;
      });
    },
    loss(params: Tree, x: tf.Tensor, y: tf.Tensor) {
      return tf.tidy(() => {
        const out = model.apply(params, x);
        const k = sizes[L];
        if (out.rank === 2) {
          if (y.dtype === "int32") return crossEntropy(out, y);
          return mse(out, y.rank === 1 && k === 1 ? y.reshape([-1, 1]) : y);
        }
        const [runs, n] = out.shape;
        if (y.dtype === "int32") {
          if (y.rank !== 1 || y.shape[0] !== n)
            throw new Error(`mlp.loss: class labels must be [${n}], got [${y.shape}]`);
          const per = crossEntropy(out.reshape([runs * n, k]), tf.tile(y, [runs]), { reduction: "none" });
          return tf.mean(per.reshape([runs, n]), 1);
        }
        const target = y.rank === 1 && k === 1 ? y.reshape([-1, 1]) : y;
        if (target.rank !== 2 || target.shape[0] !== n || target.shape[1] !== k)
          throw new Error(`mlp.loss: targets must be [${n}, ${k}], got [${y.shape}]`);
        return tf.mean(tf.squaredDifference(out, target), [1, 2]);
      });
    },
  };
  return model;
}

/**
 * Two-layer network f(x) = c₂ Σ_j a_j φ(c₁ w_jᵀx) with m hidden units and no biases: NTK scaling
 * c₂ = 1/√m (lazy training; Jacot et al., 2018; Du et al., 2019) or mean-field scaling c₂ = 1/m
 * (Mei et al., 2018; Chizat & Bach, 2018), c₁ = σ_w/√d. An `mlp` with sizes [d, m, outputs].
 */
export function twoLayerNetwork(opts: {
  inputDim: number;
  width: number;
  outputs?: number;
  activation?: "relu" | "tanh";
  scaling?: "ntk" | "meanfield";
}): Mlp {
  checkOptions("twoLayerNetwork", opts, ["inputDim", "width", "outputs", "activation", "scaling"]);
  const { inputDim, width, outputs = 1, activation = "relu", scaling = "ntk" } = opts;
  if (scaling !== "ntk" && scaling !== "meanfield")
    throw new Error(`twoLayerNetwork: scaling must be "ntk" or "meanfield", got ${String(scaling)}`);
  return mlp({ sizes: [inputDim, width, outputs], activation, parameterization: scaling, bias: false, gain: 1 });
}

/**
 * Deep linear network f(x) = x W_1 W_2 ⋯ W_L (no biases, standard parameterisation with weights
 * N(0, scale²/n_l)); the end-to-end map is the product `endToEnd(params)` (Saxe, McClelland &
 * Ganguli, 2014; Arora, Cohen & Hazan, 2018), `[d_in, d_out]` (or `[runs, d_in, d_out]`). Small
 * `scale` gives the saddle-to-saddle regime.
 */
export function deepLinearNetwork(opts: {
  sizes: number[];
  scale?: number;
}): Mlp & { endToEnd(params: Tree): tf.Tensor } {
  checkOptions("deepLinearNetwork", opts, ["sizes", "scale"]);
  const net = mlp({ sizes: opts.sizes, activation: "linear", bias: false, gain: opts.scale ?? 1 });
  return {
    ...net,
    endToEnd(params: Tree) {
      const ws = (params as LayerParams[]).map((p) => p.w as tf.Tensor);
      return tf.tidy(() => ws.slice(1).reduce((m, w) => tf.matMul(m, w), ws[0])) as tf.Tensor2D;
    },
  };
}
