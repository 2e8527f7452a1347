/**
 * Theme 5 — the Hessian spectrum of small networks: bulk and outliers, the tiny subspace the
 * gradient lives in, and mini-batch curvature as a function of batch size.
 *
 * Papers:
 * - Sagun, Evci, Güney, Dauphin & Bottou, "Empirical Analysis of the Hessian of Over-Parametrized
 *   Neural Networks" (ICLR 2018 workshop, arXiv:1706.04454): a bulk near zero plus outliers whose
 *   number follows the data (≈ number of clusters).
 * - Gur-Ari, Roberts & Dyer, "Gradient Descent Happens in a Tiny Subspace" (arXiv:1812.04754):
 *   after a short time the gradient lies in the top-k Hessian eigenspace (k = classes), which then
 *   changes little.
 * - Granziol, Zohren & Roberts, "Learning Rates as a Function of Batch Size: A Random Matrix Theory
 *   Approach to Neural Network Training" (JMLR 2022, arXiv:2006.09092): the batch Hessian is the
 *   full Hessian plus a random fluctuation matrix whose scale grows as the batch shrinks, so its
 *   extremal eigenvalues are larger; hence linear (SGD) and square-root (Adam) learning-rate scaling.
 *
 * Design. A one-hidden-layer tanh MLP with softmax cross-entropy is small enough that its exact
 * loss, gradient and Hessian–vector product can be written out in float64 (`TanhMlp64`, the
 * Pearlmutter R-operator by hand). Every curvature computation here runs the library's own
 * algorithms (`lanczos`, `spectralDensity`, `hutchinson`, `hutchPlusPlus`, `denseMatrix`,
 * `symmetricEig` from `lib/diagnostics`) on that operator — a few hundred times faster on a 2-core
 * CPU than tfjs double backprop on this tiny net, and free of float32 round-off. The claims test
 * checks the float64 operator against the library's autodiff `hessianOperator` on the same network
 * (`mlp` from `lib/landscapes`, `crossEntropy` from `lib/losses`). Initial parameters come from
 * `mlp(...).init(seed)`, data from `gaussianClusters`.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type ClaimCheck,
  type CurvatureOperator,
  denseMatrix,
  gaussianClusters,
  hutchinson,
  hutchPlusPlus,
  lanczos,
  median,
  mlp,
  quantile,
  quickMode,
  Rng,
  spectralDensity,
  symmetricEig,
  type Band,
  logLogSlope,
  medianBand,
  rgba,
  subplotGrid,
  subplotSuffix,
  TanhMlp64,
  flattenMlpParams,
} from "optbook";

export { logLogSlope, median, medianBand, quantile, quickMode, type Band, type ClaimCheck };

// ---------------------------------------------------------------------------------------------
// Shared helpers

const fmt = (v: number, d = 3) =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(d) : v.toExponential(2)) : String(v);

function dotF(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function assertKnown(what: string, opts: object, known: readonly string[]): void {
  for (const k of Object.keys(opts))
    if (!known.includes(k)) throw new Error(`${what}: unknown option "${k}" (known: ${known.join(", ")})`);
}

// The float64 network (TanhMlp64, flattenMlpParams) lives in lib/landscapes/tanhMlp64.ts.
export { TanhMlp64, flattenMlpParams };

/** Configuration of the data and network shared by the figures. */
export interface NetConfig {
  /** classes = Gaussian clusters k */
  classes: number;
  /** hidden width h */
  hidden: number;
  /** input dimension d */
  dim: number;
  /** training examples n */
  n: number;
  /** cluster standard deviation (centres have norm ≈ `separation`) */
  std: number;
  separation: number;
}

/**
 * The k-cluster data set (`gaussianClusters`, seed `seed`) and a `TanhMlp64` on it, with the initial
 * θ of `mlp({ sizes: [d, h, k], activation: "tanh" }).init(seed)` (W ~ N(0, 1/fan-in), b = 0).
 */
export async function clusterNetwork(
  cfg: NetConfig,
  seed: number,
): Promise<{ net: TanhMlp64; theta0: Float64Array; centers: number[][] }> {
  assertKnown("clusterNetwork", cfg, ["classes", "hidden", "dim", "n", "std", "separation"]);
  const data = gaussianClusters({
    n: cfg.n,
    classes: cfg.classes,
    dim: cfg.dim,
    std: cfg.std,
    separation: cfg.separation,
    seed: 1000 + seed,
  });
  const x = Float64Array.from(await data.x.data());
  const y = Int32Array.from(await data.y.data());
  data.dispose();
  const model = mlp({ sizes: [cfg.dim, cfg.hidden, cfg.classes], activation: "tanh" });
  const params = model.init(seed);
  const theta0 = await flattenMlpParams(params);
  tf.dispose(params.flatMap((l) => [l.w, l.b]));
  return { net: new TanhMlp64(x, y, cfg.n, cfg.dim, cfg.hidden, cfg.classes), theta0, centers: data.centers };
}

/** Options of `trainSgd`. */
export interface SgdConfig {
  lr: number;
  batchSize: number;
  steps: number;
}

/**
 * Plain mini-batch SGD θ ← θ − η ∇L_B(θ) (Robbins & Monro 1951), batches drawn without replacement
 * within an epoch from `new Rng(seed)`. `onCheckpoint(step, θ)` is awaited at every step in
 * `checkpoints` (step 0 = before any update). Returns the final θ and the full-batch loss at the checkpoints.
 */
export async function trainSgd(
  net: TanhMlp64,
  theta0: Float64Array,
  cfg: SgdConfig,
  seed: number,
  checkpoints: number[] = [],
  onCheckpoint?: (step: number, theta: Float64Array) => void | Promise<void>,
): Promise<{ theta: Float64Array; loss: number[] }> {
  assertKnown("trainSgd", cfg, ["lr", "batchSize", "steps"]);
  if (!(cfg.lr > 0)) throw new Error(`trainSgd: lr must be > 0, got ${cfg.lr}`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1 || cfg.batchSize > net.n)
    throw new Error(`trainSgd: batchSize must be an integer in [1, ${net.n}], got ${cfg.batchSize}`);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0)
    throw new Error(`trainSgd: steps must be an integer ≥ 0, got ${cfg.steps}`);
  const rng = new Rng(seed, 7);
  const theta = Float64Array.from(theta0);
  const marks = new Set(checkpoints);
  const loss: number[] = [];
  let perm = rng.permutation(net.n),
    pos = 0;
  for (let t = 0; t <= cfg.steps; t++) {
    if (marks.has(t)) {
      loss.push(net.loss(theta));
      if (onCheckpoint) await onCheckpoint(t, theta);
    }
    if (t === cfg.steps) break;
    if (pos + cfg.batchSize > net.n) {
      perm = rng.permutation(net.n);
      pos = 0;
    }
    const g = net.grad(theta, perm.subarray(pos, pos + cfg.batchSize));
    pos += cfg.batchSize;
    for (let j = 0; j < theta.length; j++) theta[j] -= cfg.lr * g[j];
  }
  for (let j = 0; j < theta.length; j++)
    if (!Number.isFinite(theta[j])) throw new Error(`trainSgd: θ became non-finite (lr ${cfg.lr} too large?)`);
  return { theta, loss };
}

/** All eigenvalues (ascending) and eigenvectors of a curvature operator, densely (d products + `symmetricEig`). */
export async function denseSpectrum(op: CurvatureOperator): Promise<{ values: Float64Array; vectors: Float64Array[] }> {
  return symmetricEig(await denseMatrix(op, { maxSize: 4000 }));
}

/** Eigenvalues in descending order. */
function descending(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => b - a);
}

/**
 * Where the top of a spectrum separates: the ratios λ_i/λ_{i+1} for i = 1 … m (λ descending), and
 * the i with the largest ratio among positive pairs (the number of outliers above the biggest gap).
 */
export function outlierGap(values: ArrayLike<number>, m: number): { ratios: number[]; gapAt: number } {
  const top = descending(values).slice(0, m + 1);
  const ratios = top.slice(0, -1).map((v, i) => (top[i + 1] > 0 ? v / top[i + 1] : Infinity));
  let gapAt = 1;
  ratios.forEach((r, i) => {
    if (r > ratios[gapAt - 1]) gapAt = i + 1;
  });
  return { ratios, gapAt };
}

// ---------------------------------------------------------------------------------------------
// Figure 1 — bulk and outliers

export interface BulkConfig {
  /** numbers of clusters (= classes) */
  ks: number[];
  /** the small network (dense Hessian) and its data; `classes` comes from `ks` */
  small: Omit<NetConfig, "classes">;
  /** hidden width of the wider network (SLQ + Lanczos only) */
  wideHidden: number;
  sgd: SgdConfig;
  seeds: number;
  /** Lanczos steps for the top eigenvalues (≈ 30, as PyHessian) */
  lanczosSteps: number;
  /** SLQ probes and Lanczos steps per probe (small network; the wider one gets `wideSlqProbes`) */
  slqProbes: number;
  slqSteps: number;
  wideSlqProbes: number;
}

/** Figure 1's setup; quick mode keeps dense Hessians at a few hundred parameters and Lanczos at 30 steps. */
export function bulkConfig(quick: boolean): BulkConfig {
  return {
    ks: [4, 10],
    small: { hidden: 16, dim: 10, n: quick ? 256 : 1024, std: 1, separation: 4 },
    wideHidden: quick ? 32 : 64,
    sgd: { lr: 0.1, batchSize: 32, steps: quick ? 600 : 3000 },
    seeds: quick ? 3 : 5,
    lanczosSteps: 30,
    slqProbes: quick ? 16 : 30,
    slqSteps: 30,
    wideSlqProbes: quick ? 6 : 10,
  };
}

/** One network's spectrum summary at init and after training. */
export interface SpectrumSummary {
  /** full spectrum (dense), ascending; empty for the wide network */
  eigenvalues: number[];
  /** top-(2k+1) eigenvalues, descending (dense, or Lanczos for the wide network) */
  top: number[];
  /** λ_k/λ_{k+1} */
  ratioK: number;
  /** λ_{k−1}/λ_k */
  ratioKm1: number;
  /** i ≤ 2k with the largest λ_i/λ_{i+1} */
  gapAt: number;
  /** fraction of eigenvalues with |λ| ≤ λ_max/100 (dense only) */
  bulkFraction: number;
  lambdaMin: number;
  loss: number;
  accuracy: number;
}

export interface BulkResult {
  config: BulkConfig;
  /** per k, per seed: small network at init and trained */
  small: Record<number, { init: SpectrumSummary; trained: SpectrumSummary }[]>;
  /** per k (seed 0): the wider network, Lanczos top-(2k+1) and SLQ density */
  wide: Record<
    number,
    {
      params: number;
      init: SpectrumSummary;
      trained: SpectrumSummary;
      density: { grid: number[]; init: number[]; trained: number[] };
      residualMax: number;
    }
  >;
  /** per k (seed 0, trained small network): Lanczos and SLQ against the dense spectrum */
  agreement: Record<
    number,
    {
      lanczosTop: number[];
      denseTop: number[];
      maxRelError: number;
      slqMoments: { k: number; slq: number; se: number; exact: number }[];
      slqDensity: { grid: number[]; density: number[] };
    }
  >;
  params: Record<number, number>;
  seconds: number;
}

function summary(
  values: ArrayLike<number>,
  k: number,
  dense: boolean,
  loss: number,
  accuracy: number,
): SpectrumSummary {
  const desc = descending(values);
  const { ratios, gapAt } = outlierGap(desc, 2 * k);
  const lmax = desc[0];
  return {
    eigenvalues: dense ? Array.from(values).sort((a, b) => a - b) : [],
    top: desc.slice(0, 2 * k + 1),
    ratioK: ratios[k - 1],
    ratioKm1: ratios[k - 2],
    gapAt,
    bulkFraction: dense ? desc.filter((v) => Math.abs(v) <= lmax / 100).length / desc.length : NaN,
    lambdaMin: desc[desc.length - 1],
    loss,
    accuracy,
  };
}

/** Per-probe SLQ estimates of (1/d) tr(Hᵐ) with their standard error over probes. */
function slqMomentWithError(
  r: { nodes: Float64Array[]; weights: Float64Array[] },
  m: number,
): { mean: number; se: number } {
  return slqFunctionalWithError(r, (x) => x ** m);
}

/** SLQ estimate of (1/d) tr f(H) = (1/P) Σ_p Σ_j τ_pj f(θ_pj) and its standard error over the P probes. */
function slqFunctionalWithError(
  r: { nodes: Float64Array[]; weights: Float64Array[] },
  f: (x: number) => number,
): { mean: number; se: number } {
  const per = r.nodes.map((th, p) => th.reduce((s, x, j) => s + r.weights[p][j] * f(x), 0));
  const mean = per.reduce((a, b) => a + b, 0) / per.length;
  const sd = Math.sqrt(per.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, per.length - 1));
  return { mean, se: sd / Math.sqrt(per.length) };
}

/**
 * Figure 1: dense Hessian spectra of the small tanh MLP on k Gaussian clusters at init and after SGD
 * (several seeds), the same network's top-k by Lanczos and density by SLQ against the dense
 * reference, and a wider network through Lanczos and SLQ only.
 */
export async function bulkExperiment(cfg: BulkConfig): Promise<BulkResult> {
  const t0 = Date.now();
  const small: BulkResult["small"] = {},
    wide: BulkResult["wide"] = {},
    agreement: BulkResult["agreement"] = {},
    params: Record<number, number> = {};
  for (const k of cfg.ks) {
    small[k] = [];
    for (let seed = 0; seed < cfg.seeds; seed++) {
      const { net, theta0 } = await clusterNetwork({ ...cfg.small, classes: k }, seed);
      params[k] = net.size;
      const { theta } = await trainSgd(net, theta0, cfg.sgd, seed);
      const e0 = await denseSpectrum(net.hessian(theta0));
      const e1 = await denseSpectrum(net.hessian(theta));
      small[k].push({
        init: summary(e0.values, k, true, net.loss(theta0), net.accuracy(theta0)),
        trained: summary(e1.values, k, true, net.loss(theta), net.accuracy(theta)),
      });
      if (seed === 0) {
        const op = net.hessian(theta);
        const lz = await lanczos(op, { k, maxIter: cfg.lanczosSteps, tol: 0, residuals: "estimate", seed: 1 });
        const denseTop = descending(e1.values).slice(0, k);
        const maxRelError = Math.max(...lz.values.map((v, i) => Math.abs(v - denseTop[i]) / Math.abs(denseTop[i])));
        const slq = await spectralDensity(op, { probes: cfg.slqProbes, steps: cfg.slqSteps, seed: 2, gridSize: 400 });
        const P = net.size;
        const slqMoments = [1, 2].map((m) => {
          const { mean, se } = slqMomentWithError(slq, m);
          return { k: m, slq: mean, se, exact: e1.values.reduce((s, x) => s + x ** m, 0) / P };
        });
        agreement[k] = {
          lanczosTop: lz.values,
          denseTop,
          maxRelError,
          slqMoments,
          slqDensity: { grid: Array.from(slq.grid), density: Array.from(slq.density) },
        };
        // The wider network: iterative methods only.
        const w = await clusterNetwork({ ...cfg.small, classes: k, hidden: cfg.wideHidden }, seed);
        const wt = (await trainSgd(w.net, w.theta0, cfg.sgd, seed)).theta;
        const out: Partial<Record<"init" | "trained", SpectrumSummary>> = {};
        const dens: number[][] = [];
        let residualMax = 0,
          grid: number[] = [];
        for (const [name, th] of [
          ["init", w.theta0],
          ["trained", wt],
        ] as const) {
          const wop = w.net.hessian(th);
          const top = await lanczos(wop, {
            k: 2 * k + 1,
            maxIter: Math.max(cfg.lanczosSteps, 4 * k + 10),
            tol: 0,
            residuals: "estimate",
            seed: 1,
          });
          // Lanczos' residual estimates of the top k + 1 pairs, relative to λ_max.
          residualMax = Math.max(
            residualMax,
            ...top.residuals.slice(0, k + 1).map((res) => res / Math.abs(top.values[0] || 1)),
          );
          out[name] = summary(top.values, k, false, w.net.loss(th), w.net.accuracy(th));
          out[name]!.lambdaMin = NaN;
          const sd = await spectralDensity(wop, {
            probes: cfg.wideSlqProbes,
            steps: cfg.slqSteps,
            seed: 3,
            gridSize: 400,
          });
          dens.push(Array.from(sd.density));
          if (name === "init") grid = Array.from(sd.grid);
          else {
            // Put both densities on one grid (the union range) for plotting.
            const lo = Math.min(grid[0], sd.grid[0]),
              hi = Math.max(grid[grid.length - 1], sd.grid[sd.grid.length - 1]);
            const g = Array.from({ length: 400 }, (_, i) => lo + ((hi - lo) * i) / 399);
            const interp = (xs: ArrayLike<number>, ys: ArrayLike<number>) => g.map((t) => interpolate(xs, ys, t));
            dens[0] = interp(grid, dens[0]);
            dens[1] = interp(sd.grid, dens[1]);
            grid = g;
          }
        }
        wide[k] = {
          params: w.net.size,
          init: out.init!,
          trained: out.trained!,
          density: { grid, init: dens[0], trained: dens[1] },
          residualMax,
        };
      }
    }
  }
  return { config: cfg, small, wide, agreement, params, seconds: (Date.now() - t0) / 1000 };
}

/** Linear interpolation of (xs, ys) at t, 0 outside the range. */
function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, t: number): number {
  const n = xs.length;
  if (t < xs[0] || t > xs[n - 1]) return 0;
  let lo = 0,
    hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= t) lo = mid;
    else hi = mid;
  }
  const w = xs[hi] === xs[lo] ? 0 : (t - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + w * (ys[hi] - ys[lo]);
}

/** Figure 1's claims. */
export function bulkClaims(r: BulkResult): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  for (const k of r.config.ks) {
    const runs = r.small[k];
    const gaps = runs.map((s) => s.trained.gapAt);
    const near = gaps.filter((g) => g === k || g === k - 1).length;
    out.push({
      text: `k = ${k}: after training, the largest gap λ_i/λ_{i+1} among the top ${2 * k} eigenvalues is at i = k or k − 1 (≈ k outliers) in most seeds`,
      passed: near > runs.length / 2,
      details: `gap position per seed: [${gaps.join(", ")}]; median λ_k/λ_{k+1} = ${fmt(median(runs.map((s) => s.trained.ratioK)), 2)}, median λ_{k−1}/λ_k = ${fmt(median(runs.map((s) => s.trained.ratioKm1)), 2)}; at init: gap positions [${runs.map((s) => s.init.gapAt).join(", ")}], median λ_k/λ_{k+1} = ${fmt(median(runs.map((s) => s.init.ratioK)), 2)}`,
    });
    const bulk = runs.map((s) => s.trained.bulkFraction);
    out.push({
      text: `k = ${k}: after training the bulk is concentrated near zero — more than half of the ${r.params[k]} eigenvalues have |λ| ≤ λ_max/100 in every seed`,
      passed: bulk.every((b) => b > 0.5),
      details: `fraction with |λ| ≤ λ_max/100 per seed: [${bulk.map((b) => fmt(b, 2)).join(", ")}] (at init: [${runs.map((s) => fmt(s.init.bulkFraction, 2)).join(", ")}])`,
    });
    const a = r.agreement[k];
    out.push({
      text: `k = ${k}: Lanczos (${r.config.lanczosSteps} steps) reproduces the dense top-${k} eigenvalues within 1%, and SLQ's tr(H)/d and tr(H²)/d are within 3 standard errors of the exact values`,
      passed: a.maxRelError <= 0.01 && a.slqMoments.every((m) => Math.abs(m.slq - m.exact) <= 3 * m.se),
      details:
        `max relative error of the top-${k} = ${a.maxRelError.toExponential(2)}; ` +
        a.slqMoments
          .map(
            (m) =>
              `tr(H^${m.k})/d: SLQ ${m.slq.toExponential(3)} ± ${m.se.toExponential(1)}, exact ${m.exact.toExponential(3)}`,
          )
          .join("; "),
    });
    const w = r.wide[k];
    out.push({
      text: `k = ${k}, wider network (${w.params} parameters, Lanczos only): the largest gap among the top ${2 * k} eigenvalues after training is at i = k or k − 1`,
      passed: w.trained.gapAt === k || w.trained.gapAt === k - 1,
      details: `gap at i = ${w.trained.gapAt}, λ_k/λ_{k+1} = ${fmt(w.trained.ratioK, 2)}, λ_{k−1}/λ_k = ${fmt(w.trained.ratioKm1, 2)}; largest Lanczos residual estimate of the top k + 1 (relative to λ_max): ${w.residualMax.toExponential(1)}; top: [${w.trained.top
        .slice(0, k + 2)
        .map((v) => fmt(v, 4))
        .join(", ")}]`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figure 2 — the tiny subspace

export interface SubspaceConfig {
  ks: number[];
  net: Omit<NetConfig, "classes">;
  sgd: SgdConfig;
  seeds: number;
  /** steps at which the top-k eigenspace and the gradient are measured (0 included) */
  checkpoints: number[];
  /** Lanczos steps per checkpoint */
  lanczosSteps: number;
  /** random mini-batches (of `sgd.batchSize`) per checkpoint for the mini-batch gradient's fraction */
  minibatchProbes: number;
}

/**
 * Figure 2's setup: the small network of figure 1, checkpoints spread on a log axis. `lr` replaces
 * figure 1's SGD learning rate (0.1) — the notebook's one extra run uses η = 1, 10× larger and still
 * below the stability edge λ_max·η = 2 on this network.
 */
export function subspaceConfig(quick: boolean, lr?: number): SubspaceConfig {
  const b = bulkConfig(quick);
  if (lr !== undefined) {
    if (!(lr > 0)) throw new Error(`subspaceConfig: lr must be > 0, got ${lr}`);
    b.sgd = { ...b.sgd, lr };
  }
  const steps = b.sgd.steps;
  const checkpoints = [0, 1, 2, 5, 10, 20, 50, 100, 200, 400, 600, 1000, 1500, 2000, 3000].filter((s) => s <= steps);
  return { ks: b.ks, net: b.small, sgd: b.sgd, seeds: b.seeds, checkpoints, lanczosSteps: 40, minibatchProbes: 4 };
}

/**
 * Overlap of two k-dimensional subspaces with orthonormal bases U, V: (1/k)‖UᵀV‖_F² = (1/k) tr(P_U P_V)
 * ∈ [0, 1] (Gur-Ari et al. 2018, eq. 2; 1 = same subspace).
 */
export function subspaceOverlap(U: readonly Float64Array[], V: readonly Float64Array[]): number {
  if (U.length === 0 || U.length !== V.length)
    throw new Error(`subspaceOverlap: need two bases of the same positive size, got ${U.length} and ${V.length}`);
  let s = 0;
  for (const u of U) for (const v of V) s += dotF(u, v) ** 2;
  return s / U.length;
}

/**
 * Fraction of g in span(V) for orthonormal V: ‖P_V g‖²/‖g‖² = Σ_i (v_iᵀg)²/‖g‖² (Gur-Ari et al. 2018,
 * eq. 1, with V the top-k Hessian eigenvectors).
 */
export function fractionInSubspace(g: ArrayLike<number>, V: readonly Float64Array[]): number {
  const gg = dotF(g, g);
  if (!(gg > 0)) return 0;
  return V.reduce((s, v) => s + dotF(v, g) ** 2, 0) / gg;
}

export interface SubspaceResult {
  config: SubspaceConfig;
  /** per k: per seed, per checkpoint */
  fraction: Record<number, number[][]>;
  /**
   * the same fraction for mini-batch gradients ∇L_B (batches of `sgd.batchSize` drawn at random, mean
   * over `minibatchProbes` batches), in the same top-k eigenspace; per seed, per checkpoint
   */
  fractionMinibatch: Record<number, number[][]>;
  /** λ_max of the full-batch Hessian (Lanczos) per seed, per checkpoint — to compare with SGD's 2/η */
  lambdaMax: Record<number, number[][]>;
  /** overlap of the top-k eigenspace with the one at the previous checkpoint (NaN at the first) */
  overlapPrev: Record<number, number[][]>;
  /** overlap with the top-k eigenspace at the last checkpoint */
  overlapFinal: Record<number, number[][]>;
  loss: Record<number, number[][]>;
  /** random-direction baseline k/d */
  baseline: Record<number, number>;
  seconds: number;
}

/**
 * Figure 2: along SGD, at each checkpoint, the top-k Hessian eigenvectors (Lanczos), the fraction
 * of the full-batch gradient in their span, and the overlap of successive top-k eigenspaces.
 */
export async function subspaceExperiment(cfg: SubspaceConfig): Promise<SubspaceResult> {
  const t0 = Date.now();
  assertKnown("subspaceExperiment", cfg, [
    "ks",
    "net",
    "sgd",
    "seeds",
    "checkpoints",
    "lanczosSteps",
    "minibatchProbes",
  ]);
  if (!Number.isInteger(cfg.minibatchProbes) || cfg.minibatchProbes < 1)
    throw new Error(`subspaceExperiment: minibatchProbes must be a positive integer, got ${cfg.minibatchProbes}`);
  const res: SubspaceResult = {
    config: cfg,
    fraction: {},
    fractionMinibatch: {},
    lambdaMax: {},
    overlapPrev: {},
    overlapFinal: {},
    loss: {},
    baseline: {},
    seconds: 0,
  };
  for (const k of cfg.ks) {
    res.fraction[k] = [];
    res.fractionMinibatch[k] = [];
    res.lambdaMax[k] = [];
    res.overlapPrev[k] = [];
    res.overlapFinal[k] = [];
    res.loss[k] = [];
    for (let seed = 0; seed < cfg.seeds; seed++) {
      const { net, theta0 } = await clusterNetwork({ ...cfg.net, classes: k }, seed);
      res.baseline[k] = k / net.size;
      const frac: number[] = [],
        fracB: number[] = [],
        lmax: number[] = [],
        bases: Float64Array[][] = [];
      // Batches for the mini-batch fraction come from their own stream, so the SGD trajectory is unchanged.
      const batchRng = new Rng(seed, 11);
      const { loss } = await trainSgd(net, theta0, cfg.sgd, seed, cfg.checkpoints, async (_step, theta) => {
        const lz = await lanczos(net.hessian(theta), {
          k,
          maxIter: Math.min(net.size, Math.max(cfg.lanczosSteps, 3 * k + 10)),
          tol: 0,
          residuals: "estimate",
          seed: 1,
        });
        frac.push(fractionInSubspace(net.grad(theta), lz.vectors));
        let fb = 0;
        for (let p = 0; p < cfg.minibatchProbes; p++)
          fb += fractionInSubspace(
            net.grad(theta, batchRng.permutation(net.n).subarray(0, cfg.sgd.batchSize)),
            lz.vectors,
          );
        fracB.push(fb / cfg.minibatchProbes);
        lmax.push(lz.values[0]);
        bases.push(lz.vectors);
      });
      res.fraction[k].push(frac);
      res.fractionMinibatch[k].push(fracB);
      res.lambdaMax[k].push(lmax);
      res.overlapPrev[k].push(bases.map((b, i) => (i === 0 ? NaN : subspaceOverlap(bases[i - 1], b))));
      res.overlapFinal[k].push(bases.map((b) => subspaceOverlap(b, bases[bases.length - 1])));
      res.loss[k].push(loss);
    }
  }
  res.seconds = (Date.now() - t0) / 1000;
  return res;
}

/** Figure 2's claims. */
export function subspaceClaims(r: SubspaceResult): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const steps = r.config.checkpoints;
  for (const k of r.config.ks) {
    const f = medianBand(r.fraction[k]).median;
    const first = f.findIndex((v, i) => i > 0 && f.slice(i).every((w) => w >= 0.9));
    out.push({
      text: `k = ${k}, SGD η = ${r.config.sgd.lr}: the fraction of the gradient in the top-${k} Hessian eigenspace is small at init (< 0.5) and, after a short time, ≥ 0.9 and stays ≥ 0.9 (median over ${r.fraction[k].length} seeds)`,
      passed: f[0] < 0.5 && first > 0,
      details:
        `median fraction at step 0: ${fmt(f[0])} (random direction: k/d = ${fmt(r.baseline[k], 4)}); ` +
        (first > 0
          ? `≥ 0.9 from step ${steps[first]} of ${steps[steps.length - 1]} on`
          : `never stays ≥ 0.9 — median per checkpoint: [${f.map((v) => fmt(v, 2)).join(", ")}]`) +
        `; final: ${fmt(f[f.length - 1])}; full-batch ‖g‖ falls with the loss (final loss ${fmt(median(r.loss[k].map((l) => l[l.length - 1])), 4)}); ` +
        `λ_max·η at the checkpoints (median): [${medianBand(r.lambdaMax[k])
          .median.map((v) => fmt(v * r.config.sgd.lr, 2))
          .join(", ")}] — SGD's stability edge is λ_max·η = 2`,
    });
    // Song, Ahn & Yun (2024): with a small learning rate the alignment of SGD's steps with the top
    // eigenspace comes from the mini-batch noise; the full-batch gradient (GD) shows none.
    const fb = medianBand(r.fractionMinibatch[k]).median;
    const last = f.length - 1;
    out.push({
      text: `k = ${k}, SGD η = ${r.config.sgd.lr}: mini-batch gradients (batch ${r.config.sgd.batchSize}) lie more in the top-${k} eigenspace than the full-batch gradient at the end of training (Song, Ahn & Yun 2024: the alignment comes from SGD noise), median over seeds`,
      passed: fb[last] > f[last],
      details: `median fraction of mini-batch gradients per checkpoint: [${fb.map((v) => fmt(v, 2)).join(", ")}]; full-batch: [${f.map((v) => fmt(v, 2)).join(", ")}]`,
    });
    const ov = medianBand(r.overlapPrev[k]).median;
    const from = first > 0 ? first + 1 : Math.ceil(steps.length / 2);
    const later = ov.slice(from).filter(Number.isFinite);
    out.push({
      text: `k = ${k}, SGD η = ${r.config.sgd.lr}: once the gradient is in it, the top-${k} eigenspace changes little — overlap ≥ 0.8 between successive checkpoints (median over seeds)`,
      passed: later.length > 0 && Math.min(...later) >= 0.8,
      details: `overlap between successive checkpoints from step ${steps[Math.min(from, steps.length - 1)]}: min ${fmt(Math.min(...later))}; all: [${ov.map((v) => fmt(v, 2)).join(", ")}]; overlap of the step-${steps[from - 1] ?? 0} and final eigenspaces: ${fmt(medianBand(r.overlapFinal[k]).median[from - 1] ?? NaN)}`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figure 3 — batch Hessians and the largest stable learning rate

/**
 * Granziol, Zohren & Roberts (2022), spiked-Wigner form: the batch Hessian is H_B = H + ε with ε a
 * random fluctuation matrix whose spectrum is a semicircle of radius 2√κ(B); an outlier λ of H
 * stays outside the semicircle and moves to λ' = λ + κ/λ when λ > √κ, otherwise the edge 2√κ is
 * the largest eigenvalue (the BBP transition of a spiked Wigner matrix). For batches drawn without
 * replacement from N examples with per-example Hessians H_i,
 *   κ(B) = (1/d) E‖H_B − H‖_F² = c(B) · (1/d) · (1/N) Σ_i ‖H_i − H‖_F²,  c(B) = (N − B) / (B (N − 1)),
 * i.e. the paper's P σ²/B with σ² the mean entry variance of the per-example Hessians and its
 * finite-population correction. Returns the predicted λ_max(H_B).
 */
export function granziolBatchLambdaMax(
  lambda1: number,
  perExampleSpread: number,
  d: number,
  n: number,
  b: number,
): number {
  if (!(lambda1 > 0)) throw new Error(`granziolBatchLambdaMax: λ₁ must be > 0, got ${lambda1}`);
  if (!(perExampleSpread >= 0))
    throw new Error(`granziolBatchLambdaMax: the spread (1/N)Σ‖H_i − H‖_F² must be ≥ 0, got ${perExampleSpread}`);
  if (!Number.isInteger(b) || b < 1 || b > n)
    throw new Error(`granziolBatchLambdaMax: batch size must be an integer in [1, ${n}], got ${b}`);
  const kappa = (n === 1 ? 0 : (n - b) / (b * (n - 1))) * (perExampleSpread / d);
  return lambda1 > Math.sqrt(kappa) ? lambda1 + kappa / lambda1 : 2 * Math.sqrt(kappa);
}

/**
 * The classical random-matrix prediction for a sample covariance S = (1/B) Σ_{b≤B} x_b x_bᵀ with
 * x ~ N(0, Σ), Σ = diag(spikes, bulk·I): with γ = d/B, the largest eigenvalue tends to
 *   ℓ₁ (1 + γ σ²/(ℓ₁ − σ²))  if ℓ₁ > σ²(1 + √γ),  else the Marchenko–Pastur edge σ²(1 + √γ)²
 * (Baik, Ben Arous & Péché, Ann. Probab. 2005; Paul, Statistica Sinica 2007). For least squares the
 * batch Hessian is exactly such an S — the Gauss–Newton case, for which Granziol et al. derive the
 * analogous (Marchenko–Pastur) statement.
 */
export function spikedCovarianceLambdaMax(spikes: number[], bulk: number, d: number, b: number): number {
  if (!(bulk > 0)) throw new Error(`spikedCovarianceLambdaMax: bulk variance must be > 0, got ${bulk}`);
  if (!Number.isInteger(b) || b < 1)
    throw new Error(`spikedCovarianceLambdaMax: batch size must be a positive integer, got ${b}`);
  const gamma = d / b;
  const l1 = Math.max(bulk, ...spikes);
  return l1 > bulk * (1 + Math.sqrt(gamma))
    ? l1 * (1 + (gamma * bulk) / (l1 - bulk))
    : bulk * (1 + Math.sqrt(gamma)) ** 2;
}

export interface BatchConfig {
  /** the least-squares problem: dimension d, examples N, population covariance spikes over a unit-less bulk */
  linear: { dim: number; n: number; spikes: number[]; bulk: number };
  batchSizes: number[];
  /** random batches per batch size */
  batches: number;
  /** largest stable SGD learning rate: steps per run, bisection iterations */
  stability: { steps: number; iterations: number; seeds: number };
  /** the MLP part: figure 1's small network, k classes, trained as there */
  mlp: {
    classes: number;
    net: Omit<NetConfig, "classes">;
    sgd: SgdConfig;
    batches: number;
    probes: number;
    lanczosSteps: number;
  };
  seed: number;
}

/** Figure 3's setup: batch sizes 1, 2, 4, …, N; the MLP part reuses figure 1's small network with k = 4. */
export function batchConfig(quick: boolean): BatchConfig {
  const b = bulkConfig(quick);
  const n = quick ? 512 : 1024;
  const batchSizes: number[] = [];
  for (let s = 1; s <= n; s *= 2) batchSizes.push(s);
  return {
    // A few outlying directions over a wide bulk whose total variance dominates (tr Σ ≫ λ₁), as for
    // network Hessians: the small-batch regime B ≪ tr(H)/λ₁ spans several powers of 2.
    linear: { dim: quick ? 100 : 200, n, spikes: [5, 3, 2], bulk: 1 },
    batchSizes,
    batches: quick ? 16 : 60,
    stability: { steps: quick ? 200 : 300, iterations: quick ? 8 : 12, seeds: quick ? 3 : 4 },
    // Per-example curvature of a trained cross-entropy network is heavy-tailed: many batches at small B.
    mlp: { classes: 4, net: b.small, sgd: b.sgd, batches: quick ? 32 : 100, probes: quick ? 4 : 10, lanczosSteps: 30 },
    seed: 0,
  };
}

/** A least-squares problem L(w) = (1/2N) Σ_i (x_iᵀw − y_i)² with Gaussian x_i ~ N(0, Σ), Σ = diag(spikes…, bulk…). */
export function leastSquaresData(cfg: BatchConfig["linear"], seed: number): { x: Float64Array; n: number; d: number } {
  const { dim: d, n, spikes, bulk } = cfg;
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(n) || n < 1)
    throw new Error(`leastSquaresData: dim and n must be positive integers, got ${d}, ${n}`);
  if (spikes.length > d) throw new Error(`leastSquaresData: ${spikes.length} spikes for dimension ${d}`);
  if (!(bulk > 0) || spikes.some((s) => !(s > 0))) throw new Error("leastSquaresData: variances must be > 0");
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(j < spikes.length ? spikes[j] : bulk));
  const rng = new Rng(seed, 11);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = sd[j] * rng.normal();
  return { x, n, d };
}

/** (1/|S|) Σ_{i∈S} x_i x_iᵀ, the least-squares Hessian over the examples S (all by default), dense row-major. */
function gram(x: Float64Array, d: number, idx: ArrayLike<number>): Float64Array {
  const H = new Float64Array(d * d);
  for (let t = 0; t < idx.length; t++) {
    const o = idx[t] * d;
    for (let a = 0; a < d; a++) {
      const xa = x[o + a] / idx.length;
      for (let b = 0; b <= a; b++) H[a * d + b] += xa * x[o + b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) H[b * d + a] = H[a * d + b];
  return H;
}

/**
 * The largest stable SGD learning rate of least squares at batch size B: bisection on log η for the
 * largest η with L(w_T) ≤ L(w_0) after T steps of w ← w − η ∇L_B(w) from a random w_0, on
 * noiseless targets y = X w* (so u = w − w* evolves by u ← (I − η H_B) u, and divergence is the
 * growth of u). Batches without replacement within an epoch, seeded.
 */
export function stableLearningRate(
  x: Float64Array,
  n: number,
  d: number,
  b: number,
  opts: { steps: number; iterations: number; seed: number; lo: number; hi: number },
): number {
  const stable = (eta: number): boolean => {
    const rng = new Rng(opts.seed, 13);
    const u = rng.normalArray(d);
    const loss = (v: Float64Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let j = 0; j < d; j++) r += x[i * d + j] * v[j];
        s += r * r;
      }
      return s / (2 * n);
    };
    const L0 = loss(u);
    let perm = rng.permutation(n),
      pos = 0;
    const g = new Float64Array(d);
    for (let t = 0; t < opts.steps; t++) {
      if (pos + b > n) {
        perm = rng.permutation(n);
        pos = 0;
      }
      g.fill(0);
      for (let q = pos; q < pos + b; q++) {
        const o = perm[q] * d;
        let r = 0;
        for (let j = 0; j < d; j++) r += x[o + j] * u[j];
        for (let j = 0; j < d; j++) g[j] += (r * x[o + j]) / b;
      }
      pos += b;
      for (let j = 0; j < d; j++) u[j] -= eta * g[j];
      if (!Number.isFinite(u[0]) || Math.abs(u[0]) > 1e150) return false;
    }
    const LT = loss(u);
    return Number.isFinite(LT) && LT <= L0;
  };
  let lo = Math.log(opts.lo),
    hi = Math.log(opts.hi);
  if (!stable(Math.exp(lo))) return Math.exp(lo);
  if (stable(Math.exp(hi))) return Math.exp(hi);
  for (let it = 0; it < opts.iterations; it++) {
    const mid = (lo + hi) / 2;
    if (stable(Math.exp(mid))) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

export interface BatchResult {
  config: BatchConfig;
  linear: {
    lambda1: number;
    traceH: number;
    /** (1/N) Σ ‖H_i − H‖_F² */
    spread: number;
    d: number;
    n: number;
    /** per batch size: λ_max(H_B) of each random batch */
    lambdaB: number[][];
    predicted: number[];
    /** `spikedCovarianceLambdaMax` per batch size (population Σ) */
    predictedCovariance: number[];
    /** per batch size, per seed: the largest stable η */
    etaMax: number[][];
  };
  mlp: {
    lambda1: number;
    spread: number;
    spreadSe: number;
    d: number;
    n: number;
    lambdaB: number[][];
    predicted: number[];
  };
  seconds: number;
}

/**
 * Figure 3: λ_max of mini-batch Hessians vs B for least squares (exact, dense float64) and for the
 * trained small MLP (Lanczos on the float64 batch Hessian), against Granziol et al.'s prediction
 * `granziolBatchLambdaMax`; and the largest stable SGD learning rate vs B for least squares.
 */
export async function batchExperiment(cfg: BatchConfig): Promise<BatchResult> {
  const t0 = Date.now();
  const { x, n, d } = leastSquaresData(cfg.linear, cfg.seed);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const H = gram(x, d, all);
  const lambda1 = Math.max(...symmetricEig(H, d).values);
  // (1/N) Σ‖x_i x_iᵀ − H‖_F² = (1/N) Σ‖x_i‖⁴ − ‖H‖_F² (the cross term averages to 2‖H‖_F²).
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    m4 += (s * s) / n;
  }
  const spread = m4 - H.reduce((s, v) => s + v * v, 0);
  const rng = new Rng(cfg.seed, 17);
  const lambdaB = cfg.batchSizes.map((b) =>
    Array.from({ length: b === n ? 1 : cfg.batches }, () => {
      const idx = rng.permutation(n).subarray(0, b);
      return Math.max(...symmetricEig(gram(x, d, idx), d).values);
    }),
  );
  const predicted = cfg.batchSizes.map((b) => granziolBatchLambdaMax(lambda1, spread, d, n, b));
  const etaMax = cfg.batchSizes.map((b) =>
    Array.from({ length: cfg.stability.seeds }, (_, s) =>
      stableLearningRate(x, n, d, b, { ...cfg.stability, seed: cfg.seed * 100 + s, lo: 1e-4, hi: 10 / lambda1 }),
    ),
  );

  // The MLP: figure 1's small network after training.
  const { net, theta0 } = await clusterNetwork({ ...cfg.mlp.net, classes: cfg.mlp.classes }, cfg.seed);
  const { theta } = await trainSgd(net, theta0, cfg.mlp.sgd, cfg.seed);
  const P = net.size,
    N = net.n;
  const full = net.hessian(theta);
  const Hd = await denseMatrix(full);
  const mlpLambda1 = Math.max(...symmetricEig(Hd).values);
  const hF2 = Hd.data.reduce((s, v) => s + v * v, 0);
  // (1/N) Σ‖H_i‖_F² by Hutchinson (E‖H_i z‖² = ‖H_i‖_F² for Rademacher z), one set of probes per example.
  const prng = new Rng(cfg.seed, 19);
  const perProbe: number[] = [];
  for (let p = 0; p < cfg.mlp.probes; p++) {
    const z = Float64Array.from({ length: P }, () => (prng.nextU32() & 1 ? 1 : -1));
    let s = 0;
    for (let i = 0; i < N; i++) {
      const hz = net.hvp(theta, z, [i]);
      s += dotF(hz, hz) / N;
    }
    perProbe.push(s);
  }
  const meanHi2 = perProbe.reduce((a, b) => a + b, 0) / perProbe.length;
  const spreadSe = Math.sqrt(
    perProbe.reduce((a, b) => a + (b - meanHi2) ** 2, 0) / Math.max(1, perProbe.length - 1) / perProbe.length,
  );
  const mlpSpread = meanHi2 - hF2;
  const mlpSizes = cfg.batchSizes.filter((b) => b <= N);
  const brng = new Rng(cfg.seed, 23);
  const mlpLambdaB: number[][] = [];
  for (const b of mlpSizes) {
    const vals: number[] = [];
    // Products on a batch cost ∝ B: fewer batches at large B (at least 4), where they vary less.
    const nb = b === N ? 1 : Math.max(4, Math.round(cfg.mlp.batches * Math.min(1, 32 / b)));
    for (let j = 0; j < nb; j++) {
      const idx = brng.permutation(N).subarray(0, b);
      const lz = await lanczos(net.hessian(theta, idx), {
        k: 1,
        maxIter: Math.min(P, cfg.mlp.lanczosSteps),
        tol: 0,
        residuals: "estimate",
        seed: j,
      });
      vals.push(lz.values[0]);
    }
    mlpLambdaB.push(vals);
  }
  return {
    config: cfg,
    linear: {
      predictedCovariance: cfg.batchSizes.map((b) =>
        spikedCovarianceLambdaMax(cfg.linear.spikes, cfg.linear.bulk, d, b),
      ),
      lambda1,
      traceH: Array.from({ length: d }, (_, j) => H[j * d + j]).reduce((a, b) => a + b, 0),
      spread,
      d,
      n,
      lambdaB,
      predicted,
      etaMax,
    },
    mlp: {
      lambda1: mlpLambda1,
      spread: mlpSpread,
      spreadSe,
      d: P,
      n: N,
      lambdaB: mlpLambdaB,
      predicted: mlpSizes.map((b) => granziolBatchLambdaMax(mlpLambda1, Math.max(0, mlpSpread), P, N, b)),
    },
    seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * The batch size at which one batch's average per-example curvature tr(H)/B equals λ₁: below it the
 * batch noise, not the full-batch curvature, sets λ_max(H_B) and the SGD step (for least squares,
 * η_max ≈ 2B/(Bλ₁ + tr H) to leading order), so linear scaling is expected for B ≪ B_noise.
 */
export function noiseBatchSize(traceH: number, lambda1: number): number {
  return traceH / lambda1;
}

/** Figure 3's claims. Batch statistics are medians over random batches (per-batch λ_max is heavy-tailed for the MLP). */
export function batchClaims(r: BatchResult): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const B = r.config.batchSizes;
  const lin = r.linear;
  const medL = lin.lambdaB.map((v) => median(v));
  const larger = (m: number[], l1: number) => m.slice(0, -1).every((v) => v > l1);
  const decreasing = (m: number[]) => m.every((v, i) => i === 0 || v <= m[i - 1] * 1.02);
  out.push({
    text: "Least squares: the median λ_max of mini-batch Hessians is larger than the full-batch λ_max for every B < N and decreases with B",
    passed: larger(medL, lin.lambda1) && decreasing(medL),
    details: `λ_max(H) = ${fmt(lin.lambda1)}; median λ_max(H_B) per B: [${medL.map((v) => fmt(v, 2)).join(", ")}]`,
  });
  const relErr = medL.map((v, i) => Math.abs(lin.predicted[i] - v) / v);
  out.push({
    text: "Least squares: Granziol et al.'s spiked-Wigner prediction λ' = λ₁ + κ(B)/λ₁ (or 2√κ below the transition) matches the median batch λ_max within 25% at every B",
    passed: relErr.every((e) => e <= 0.25),
    details: `prediction / measured per B: [${lin.predicted.map((p, i) => `${fmt(p, 2)}/${fmt(medL[i], 2)}`).join(", ")}]; relative errors [${relErr.map((e) => fmt(e, 2)).join(", ")}]`,
  });
  const covErr = medL.map((v, i) => Math.abs(lin.predictedCovariance[i] - v) / v);
  out.push({
    text: "Least squares: the spiked sample-covariance (Marchenko–Pastur/BBP) prediction with the population Σ matches the median batch λ_max within 20% at every B < N",
    passed: covErr.slice(0, -1).every((e) => e <= 0.2),
    details: `prediction / measured per B: [${lin.predictedCovariance.map((p, i) => `${fmt(p, 2)}/${fmt(medL[i], 2)}`).join(", ")}]; relative errors [${covErr.map((e) => fmt(e, 2)).join(", ")}]`,
  });
  const mlp = r.mlp;
  const mlpMed = mlp.lambdaB.map((v) => median(v));
  const mlpErr = mlpMed.map((v, i) => Math.abs(mlp.predicted[i] - v) / v);
  out.push({
    text: `MLP (trained, k = ${r.config.mlp.classes}): the median batch λ_max exceeds the full-batch λ_max for every B < N and decreases with B`,
    passed: larger(mlpMed, mlp.lambda1) && decreasing(mlpMed),
    details: `λ_max(H) = ${fmt(mlp.lambda1, 4)}; median batch λ_max per B: [${mlpMed.map((v) => fmt(v, 3)).join(", ")}]`,
  });
  out.push({
    text: `MLP (trained, k = ${r.config.mlp.classes}): the spiked-Wigner prediction matches the median batch λ_max within 25% at every B`,
    passed: mlpErr.every((e) => e <= 0.25),
    details: `prediction / measured per B: [${mlp.predicted.map((p, i) => `${fmt(p, 3)}/${fmt(mlpMed[i], 3)}`).join(", ")}]; relative errors [${mlpErr.map((e) => fmt(e, 2)).join(", ")}]; (1/N)Σ‖H_i − H‖_F² = ${fmt(mlp.spread, 4)} ± ${fmt(mlp.spreadSe, 2)} (Hutchinson)`,
  });
  // Linear scaling where batch noise dominates: B ≤ B_noise/4 with B_noise = tr(H)/λ₁, fixed before the run.
  const eta = lin.etaMax.map((v) => median(v));
  const bNoise = noiseBatchSize(lin.traceH, lin.lambda1);
  const small = B.map((_, i) => i).filter((i) => B[i] <= bNoise / 4);
  const slope =
    small.length >= 2
      ? logLogSlope(
          small.map((i) => B[i]),
          small.map((i) => eta[i]),
        )
      : NaN;
  out.push({
    text: "SGD on least squares: the largest stable learning rate grows linearly with B where batch noise dominates (B ≤ tr(H)/(4λ₁); log-log slope in [0.75, 1.25]) and reaches 2/λ₁ at B = N (within 10%)",
    passed: slope >= 0.75 && slope <= 1.25 && Math.abs((eta[eta.length - 1] * lin.lambda1) / 2 - 1) <= 0.1,
    details: `tr(H)/λ₁ = ${fmt(bNoise, 1)}; slope over B ∈ [${small.map((i) => B[i]).join(", ")}] = ${fmt(slope, 2)}; η_max(N)·λ₁/2 = ${fmt((eta[eta.length - 1] * lin.lambda1) / 2)}; η_max per B: [${eta.map((v) => fmt(v, 4)).join(", ")}]`,
  });
  const pred = lin.predicted.map((l) => 2 / l);
  const ratio = eta.map((v, i) => v / pred[i]);
  out.push({
    text: "SGD on least squares: the spiked-Wigner learning rate 2/λ'(B) predicts the largest stable η within a factor 1.5 at every B",
    passed: ratio.every((q) => q >= 1 / 1.5 && q <= 1.5),
    details: `measured / predicted per B: [${ratio.map((q) => fmt(q, 2)).join(", ")}]`,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figure 4 — spectral densities with their negative part, and stochastic traces

export interface DensityConfig {
  classes: number;
  net: Omit<NetConfig, "classes">;
  sgd: SgdConfig;
  seed: number;
  slqProbes: number;
  slqSteps: number;
  /** Hutchinson probes; Hutch++ gets the same number of products */
  traceProbes: number;
  /** independent repetitions of each trace estimator (seeds), for the error spread */
  traceRepeats: number;
}

/** Figure 4's setup: figure 1's small network with k = 4, seed 0. */
export function densityConfig(quick: boolean): DensityConfig {
  const b = bulkConfig(quick);
  return {
    classes: 4,
    net: b.small,
    sgd: b.sgd,
    seed: 0,
    slqProbes: b.slqProbes,
    slqSteps: b.slqSteps,
    traceProbes: quick ? 60 : 100,
    traceRepeats: quick ? 5 : 6,
  };
}

export interface DensityPoint {
  /** dense eigenvalues, ascending */
  eigenvalues: number[];
  slq: { grid: number[]; density: number[]; sigma: number };
  /**
   * Fraction of eigenvalues < 0 (dense) and the smoothed SLQ density's mass on t ≤ 0: counts, which
   * SLQ's few-node Gauss quadrature cannot resolve next to the cluster of eigenvalues at ≈ 0. The
   * well-posed comparison is a Lipschitz spectral functional, the negative part
   * ν = (1/d) Σ_i max(−λ_i, 0): dense vs SLQ (1/P) Σ_p Σ_j τ_pj max(−θ_pj, 0), with its standard error over probes.
   */
  negativeFraction: number;
  slqNegativeMass: number;
  negativePart: number;
  slqNegativePart: { mean: number; se: number };
  /** ∑|λ| over negative eigenvalues / ∑|λ| over all */
  negativeWeight: number;
  lambdaMin: number;
  lambdaMax: number;
  trace: {
    exact: number;
    hutchinson: { estimate: number; stdError: number }[];
    hutchPlusPlus: { estimate: number; stdError: number }[];
  };
}

export interface DensityResult {
  config: DensityConfig;
  params: number;
  init: DensityPoint;
  trained: DensityPoint;
  seconds: number;
}

async function densityPoint(op: CurvatureOperator, cfg: DensityConfig): Promise<DensityPoint> {
  const { values } = await denseSpectrum(op);
  const ev = Array.from(values);
  const slq = await spectralDensity(op, { probes: cfg.slqProbes, steps: cfg.slqSteps, seed: 5, gridSize: 600 });
  let neg = 0;
  for (let i = 1; i < slq.grid.length; i++)
    if (slq.grid[i] <= 0) neg += 0.5 * (slq.grid[i] - slq.grid[i - 1]) * (slq.density[i] + slq.density[i - 1]);
  const absSum = ev.reduce((s, v) => s + Math.abs(v), 0);
  const hutch = [],
    hpp = [];
  for (let r = 0; r < cfg.traceRepeats; r++) {
    const h = await hutchinson(op, { probes: cfg.traceProbes, seed: 100 + r });
    hutch.push({ estimate: h.estimate, stdError: h.stdError });
    const hp = await hutchPlusPlus(op, { matvecs: cfg.traceProbes, seed: 200 + r });
    hpp.push({ estimate: hp.estimate, stdError: hp.stdError });
  }
  return {
    eigenvalues: ev,
    slq: { grid: Array.from(slq.grid), density: Array.from(slq.density), sigma: slq.sigma },
    negativeFraction: ev.filter((v) => v < 0).length / ev.length,
    slqNegativeMass: neg,
    negativePart: ev.reduce((s, v) => s + Math.max(-v, 0), 0) / ev.length,
    slqNegativePart: slqFunctionalWithError(slq, (t) => Math.max(-t, 0)),
    negativeWeight: ev.filter((v) => v < 0).reduce((s, v) => s - v, 0) / absSum,
    lambdaMin: ev[0],
    lambdaMax: ev[ev.length - 1],
    trace: { exact: ev.reduce((s, v) => s + v, 0), hutchinson: hutch, hutchPlusPlus: hpp },
  };
}

/**
 * Figure 4: the small network's Hessian spectrum at init and after SGD — dense eigenvalues and the
 * SLQ density, negative eigenvalues included — and tr(H) by Hutchinson and Hutch++ (several probe
 * seeds) against the exact trace Σλ_i.
 */
export async function densityExperiment(cfg: DensityConfig): Promise<DensityResult> {
  const t0 = Date.now();
  const { net, theta0 } = await clusterNetwork({ ...cfg.net, classes: cfg.classes }, cfg.seed);
  const { theta } = await trainSgd(net, theta0, cfg.sgd, cfg.seed);
  const init = await densityPoint(net.hessian(theta0), cfg);
  const trained = await densityPoint(net.hessian(theta), cfg);
  return { config: cfg, params: net.size, init, trained, seconds: (Date.now() - t0) / 1000 };
}

/** Figure 4's claims. */
export function densityClaims(r: DensityResult): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  for (const [name, p] of [
    ["init", r.init],
    ["trained", r.trained],
  ] as const) {
    out.push({
      text: `${name}: SLQ's estimate of the negative part of the spectrum, (1/d) Σ max(−λ_i, 0), is within 3 standard errors of the dense value`,
      passed: Math.abs(p.slqNegativePart.mean - p.negativePart) <= 3 * p.slqNegativePart.se,
      details: `dense ${fmt(p.negativePart, 5)}, SLQ ${fmt(p.slqNegativePart.mean, 5)} ± ${fmt(p.slqNegativePart.se, 5)}; all λ < 0: dense ${fmt(p.negativeFraction)}, smoothed SLQ mass on t ≤ 0 (σ = ${fmt(p.slq.sigma, 4)}) ${fmt(p.slqNegativeMass)}; λ_min = ${fmt(p.lambdaMin, 4)}, λ_max = ${fmt(p.lambdaMax, 4)}; negative share of Σ|λ|: ${fmt(p.negativeWeight)}`,
    });
    const h = p.trace.hutchinson,
      hp = p.trace.hutchPlusPlus;
    const within = h.filter((e) => Math.abs(e.estimate - p.trace.exact) <= 3 * e.stdError).length;
    const rmse = (xs: { estimate: number }[]) =>
      Math.sqrt(xs.reduce((s, e) => s + (e.estimate - p.trace.exact) ** 2, 0) / xs.length);
    out.push({
      text: `${name}: Hutchinson's trace (${r.config.traceProbes} probes) is within 3 of its standard errors of the exact tr(H) in every repetition`,
      passed: within === h.length,
      details: `exact tr(H) = ${fmt(p.trace.exact, 4)}; Hutchinson ${h.map((e) => `${fmt(e.estimate, 4)}±${fmt(e.stdError, 3)}`).join(", ")}; RMS error: Hutchinson ${fmt(rmse(h), 4)}, Hutch++ (${r.config.traceProbes} products) ${fmt(rmse(hp), 4)}`,
    });
  }
  out.push({
    text: "Negative eigenvalues: at init the spectrum has a sizeable negative part; after training it shrinks relative to λ_max",
    passed:
      r.init.lambdaMin < 0 &&
      Math.abs(r.trained.lambdaMin) / r.trained.lambdaMax < Math.abs(r.init.lambdaMin) / r.init.lambdaMax,
    details: `|λ_min|/λ_max: init ${fmt(Math.abs(r.init.lambdaMin) / r.init.lambdaMax)}, trained ${fmt(Math.abs(r.trained.lambdaMin) / r.trained.lambdaMax)}`,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figures (Plotly specs: plain { data, layout } objects for `show` in lib/plot)

/** A Plotly figure as plain data. */
export interface FigureSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

const PAL = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];

/** Axis suffix of subplot i (0-based): "", "2", "3", … */

function line(
  x: number[],
  y: number[],
  name: string,
  color: string,
  i: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    x,
    y: y.map((v) => (Number.isFinite(v) ? v : null)),
    type: "scatter",
    mode: "lines",
    name,
    legendgroup: name,
    line: { color, width: 2 },
    xaxis: `x${subplotSuffix(i)}`,
    yaxis: `y${subplotSuffix(i)}`,
    ...extra,
  };
}

function band(
  x: number[],
  b: Band,
  name: string,
  color: string,
  i: number,
  showlegend: boolean,
): Record<string, unknown>[] {
  return [
    {
      x: [...x, ...[...x].reverse()],
      y: [...b.hi, ...[...b.lo].reverse()],
      type: "scatter",
      mode: "lines",
      fill: "toself",
      fillcolor: rgba(color, 0.18),
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      legendgroup: name,
      xaxis: `x${subplotSuffix(i)}`,
      yaxis: `y${subplotSuffix(i)}`,
    },
    line(x, b.median, name, color, i, { showlegend }),
  ];
}

/** Equal-width histogram of `values` as a probability density (bar centres, heights). */
export function histogramDensity(
  values: number[],
  bins: number,
  range?: [number, number],
): { x: number[]; y: number[]; width: number } {
  const lo = range?.[0] ?? Math.min(...values),
    hi = range?.[1] ?? Math.max(...values);
  const w = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) if (v >= lo && v <= hi) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  return { x: counts.map((_, i) => lo + (i + 0.5) * w), y: counts.map((c) => c / (values.length * w)), width: w };
}

/** Positive floor for log-scaled density plots (SLQ densities decay to ~1e-300). */
const floorDensity = (ys: number[], floor: number) => ys.map((v) => (v > floor ? v : null));

/** Figure 1: top eigenvalues (dense, all seeds), dense histogram vs SLQ (small net), SLQ + Lanczos (wide net). */
export function bulkFigure(r: BulkResult): FigureSpec {
  const data: Record<string, unknown>[] = [];
  const titles: string[] = [];
  const ks = r.config.ks;
  ks.forEach((k, row) => {
    const i0 = row * 3;
    titles.push(
      `k = ${k}: top ${3 * k} λ, ${r.params[k]} params, all seeds`,
      `k = ${k}: trained, dense vs SLQ`,
      `k = ${k}: wider net, ${r.wide[k].params} params`,
    );
    r.small[k].forEach((s, seed) => {
      const idx = Array.from({ length: 3 * k }, (_, j) => j + 1);
      const top = (ev: number[]) => descending(ev).slice(0, 3 * k);
      data.push(
        line(idx, top(s.trained.eigenvalues), "after training", PAL[1], i0, {
          mode: "lines+markers",
          marker: { size: 4 },
          showlegend: row === 0 && seed === 0,
          opacity: 0.8,
        }),
      );
      data.push(
        line(idx, top(s.init.eigenvalues), "at init", PAL[0], i0, {
          mode: "lines+markers",
          marker: { size: 4 },
          line: { color: PAL[0], width: 1.5, dash: "dot" },
          showlegend: row === 0 && seed === 0,
          opacity: 0.8,
        }),
      );
    });
    const ev = r.small[k][0].trained.eigenvalues;
    const hist = histogramDensity(ev, 60);
    data.push({
      x: hist.x,
      y: hist.y.map((v) => (v > 0 ? v : null)),
      width: hist.width,
      type: "bar",
      name: "dense eigenvalues (histogram)",
      legendgroup: "dense",
      showlegend: row === 0,
      marker: { color: rgba(PAL[1], 0.45) },
      xaxis: `x${subplotSuffix(i0 + 1)}`,
      yaxis: `y${subplotSuffix(i0 + 1)}`,
    });
    const a = r.agreement[k];
    data.push(
      line(
        a.slqDensity.grid,
        floorDensity(a.slqDensity.density, 1e-4 * Math.max(...a.slqDensity.density)) as number[],
        "SLQ density",
        "#000000",
        i0 + 1,
        { showlegend: row === 0, line: { color: "#000", width: 1.5 } },
      ),
    );
    const w = r.wide[k];
    const wfloor = 1e-4 * Math.max(...w.density.trained, ...w.density.init);
    data.push(
      line(w.density.grid, floorDensity(w.density.init, wfloor) as number[], "SLQ at init", PAL[0], i0 + 2, {
        showlegend: row === 0,
        line: { color: PAL[0], width: 1.5, dash: "dot" },
      }),
    );
    data.push(
      line(w.density.grid, floorDensity(w.density.trained, wfloor) as number[], "SLQ after training", PAL[1], i0 + 2, {
        showlegend: row === 0,
      }),
    );
    data.push({
      x: w.trained.top,
      y: w.trained.top.map(() => wfloor * 3),
      type: "scatter",
      mode: "markers",
      marker: { symbol: "line-ns-open", size: 14, color: PAL[1] },
      name: "Lanczos top-(2k+1), trained",
      showlegend: row === 0,
      xaxis: `x${subplotSuffix(i0 + 2)}`,
      yaxis: `y${subplotSuffix(i0 + 2)}`,
    });
  });
  const layout = subplotGrid({
    title: `Hessian spectrum of a tanh MLP on k Gaussian clusters (cross-entropy, SGD lr ${r.config.sgd.lr}, batch ${r.config.sgd.batchSize}, ${r.config.sgd.steps} steps)`,
    rows: ks.length,
    cols: 3,
    titles,
    x: ks.flatMap(() => [{ title: "index i" }, { title: "eigenvalue" }, { title: "eigenvalue" }]),
    y: ks.flatMap(() => [
      { title: "λ_i", log: true },
      { title: "density", log: true },
      { title: "density", log: true },
    ]),
    height: 420 * ks.length + 80,
  });
  ks.forEach((k, row) =>
    (layout.shapes as unknown[]).push({
      type: "line",
      xref: `x${subplotSuffix(row * 3)}`,
      yref: `y${subplotSuffix(row * 3)} domain`,
      x0: k + 0.5,
      x1: k + 0.5,
      y0: 0,
      y1: 1,
      line: { color: "#555", dash: "dash", width: 1 },
    }),
  );
  return { data, layout };
}

/** Figure 2: gradient fraction in the top-k eigenspace and eigenspace overlaps vs step (median, quartiles). */
export function subspaceFigure(r: SubspaceResult): FigureSpec {
  const x = r.config.checkpoints.map((s) => s + 1);
  const data: Record<string, unknown>[] = [];
  r.config.ks.forEach((k, j) => {
    const c = PAL[j % PAL.length];
    data.push(...band(x, medianBand(r.fraction[k]), `k = ${k}`, c, 0, true));
    const mb = band(x, medianBand(r.fractionMinibatch[k]), `k = ${k}, mini-batch g`, c, 0, true);
    (mb[1].line as Record<string, unknown>).dash = "dash";
    data.push(...mb);
    data.push(
      line(
        x,
        x.map(() => r.baseline[k]),
        `k/d (random direction), k = ${k}`,
        c,
        0,
        { line: { color: c, width: 1, dash: "dot" }, showlegend: false },
      ),
    );
    data.push(...band(x.slice(1), medianBand(r.overlapPrev[k].map((v) => v.slice(1))), `k = ${k}`, c, 1, false));
    data.push(...band(x, medianBand(r.overlapFinal[k]), `k = ${k}`, c, 2, false));
  });
  return {
    data,
    layout: subplotGrid({
      title: `Top-k Hessian eigenspace along SGD (lr ${r.config.sgd.lr}, batch ${r.config.sgd.batchSize}); median, quartiles over ${r.config.seeds} seeds`,
      rows: 1,
      cols: 3,
      titles: [
        "‖P_k g‖²/‖g‖²: full-batch g (solid), mini-batch g (dashed)",
        "overlap, successive checkpoints",
        "overlap with the final eigenspace",
      ],
      x: [{ title: "step + 1", log: true }],
      y: [{ title: "fraction" }, { title: "overlap" }, { title: "overlap" }],
      height: 500,
    }),
  };
}

/** Figure 3: batch λ_max vs B (least squares, MLP) against the prediction; largest stable SGD learning rate vs B. */
export function batchFigure(r: BatchResult): FigureSpec {
  const B = r.config.batchSizes;
  const data: Record<string, unknown>[] = [];
  const lin = r.linear;
  const bandRows = (rows: number[][]): Band => ({
    median: rows.map((v) => median(v)),
    lo: rows.map((v) => quantile(v, 0.1)),
    hi: rows.map((v) => quantile(v, 0.9)),
  });
  data.push(...band(B, bandRows(lin.lambdaB), "measured λ_max(H_B): median, 10–90% of batches", PAL[0], 0, true));
  data.push(
    line(B, lin.predicted, "spiked-Wigner prediction (Granziol et al.)", "#000000", 0, {
      line: { color: "#000", dash: "dash", width: 2 },
    }),
  );
  data.push(
    line(B, lin.predictedCovariance, "spiked-covariance (Marchenko–Pastur/BBP) prediction", PAL[2], 0, {
      line: { color: PAL[2], dash: "dashdot", width: 2 },
    }),
  );
  data.push(
    line(
      B,
      B.map(() => lin.lambda1),
      "full-batch λ_max",
      "#7f7f7f",
      0,
      { line: { color: "#7f7f7f", dash: "dot", width: 1.5 } },
    ),
  );
  const Bm = B.filter((b) => b <= r.mlp.n);
  data.push(...band(Bm, bandRows(r.mlp.lambdaB), "measured λ_max(H_B): median, 10–90% of batches", PAL[0], 1, false));
  data.push(
    line(Bm, r.mlp.predicted, "spiked-Wigner prediction (Granziol et al.)", "#000000", 1, {
      line: { color: "#000", dash: "dash", width: 2 },
      showlegend: false,
    }),
  );
  data.push(
    line(
      Bm,
      Bm.map(() => r.mlp.lambda1),
      "full-batch λ_max",
      "#7f7f7f",
      1,
      { line: { color: "#7f7f7f", dash: "dot", width: 1.5 }, showlegend: false },
    ),
  );
  const eta = {
    median: lin.etaMax.map((v) => median(v)),
    lo: lin.etaMax.map((v) => quantile(v, 0.25)),
    hi: lin.etaMax.map((v) => quantile(v, 0.75)),
  };
  data.push(...band(B, eta, "largest stable SGD η (median, quartiles over seeds)", PAL[1], 2, true));
  data.push(
    line(
      B,
      lin.predicted.map((l) => 2 / l),
      "2/λ' (prediction)",
      "#000000",
      2,
      { line: { color: "#000", dash: "dash", width: 2 }, showlegend: false },
    ),
  );
  data.push(
    line(
      B,
      bandRows(lin.lambdaB).median.map((l) => 2 / l),
      "2 / median λ_max(H_B)",
      PAL[0],
      2,
      { line: { color: PAL[0], dash: "dashdot", width: 1.5 } },
    ),
  );
  // The scaling rules are drawn from B = 1 and cut at 3× the largest measured η to keep the axis readable.
  const top = Math.max(...eta.median) * 3;
  data.push(
    line(
      B,
      B.map((b) => Math.min(top, eta.median[0] * b)),
      "linear rule η ∝ B (from B = 1)",
      PAL[2],
      2,
      { line: { color: PAL[2], dash: "dot", width: 1.5 } },
    ),
  );
  data.push(
    line(
      B,
      B.map((b) => Math.min(top, eta.median[0] * Math.sqrt(b))),
      "square-root rule η ∝ √B (from B = 1)",
      PAL[3],
      2,
      { line: { color: PAL[3], dash: "dot", width: 1.5 } },
    ),
  );
  data.push(
    line(
      B,
      B.map(() => 2 / lin.lambda1),
      "2/λ₁ (full batch)",
      "#7f7f7f",
      2,
      { line: { color: "#7f7f7f", dash: "dot", width: 1 }, showlegend: false },
    ),
  );
  return {
    data,
    layout: subplotGrid({
      title: `Mini-batch Hessians: least squares (d = ${lin.d}, N = ${lin.n}) and the trained tanh MLP (${r.mlp.d} params, N = ${r.mlp.n})`,
      rows: 1,
      cols: 3,
      titles: ["least squares: λ_max(H_B)", "tanh MLP: λ_max(H_B)", "least squares: largest stable SGD η"],
      x: [{ title: "batch size B", log: true }],
      y: [
        { title: "λ_max", log: true },
        { title: "λ_max", log: true },
        { title: "η", log: true },
      ],
      height: 560,
    }),
  };
}

/** Figure 4: dense spectrum and SLQ density (negative part included), and trace estimates against the exact trace. */
export function densityFigure(r: DensityResult): FigureSpec {
  const data: Record<string, unknown>[] = [];
  (
    [
      ["at init", r.init],
      ["after training", r.trained],
    ] as const
  ).forEach(([, p], j) => {
    const hist = histogramDensity(p.eigenvalues, 80);
    data.push({
      x: hist.x,
      y: hist.y.map((v) => (v > 0 ? v : null)),
      width: hist.width,
      type: "bar",
      name: "dense eigenvalues (histogram)",
      legendgroup: "dense",
      showlegend: j === 0,
      marker: { color: rgba(PAL[j], 0.45) },
      xaxis: `x${subplotSuffix(j)}`,
      yaxis: `y${subplotSuffix(j)}`,
    });
    data.push(
      line(
        p.slq.grid,
        floorDensity(p.slq.density, 1e-4 * Math.max(...p.slq.density)) as number[],
        "SLQ density",
        "#000",
        j,
        { line: { color: "#000", width: 1.5 }, showlegend: j === 0 },
      ),
    );
    const reps = p.trace.hutchinson.map((_, i) => i + 1);
    data.push({
      x: reps,
      y: p.trace.hutchinson.map((e) => e.estimate),
      error_y: { type: "data", array: p.trace.hutchinson.map((e) => 3 * e.stdError) },
      type: "scatter",
      mode: "markers",
      name: `Hutchinson (${r.config.traceProbes} probes) ± 3 s.e.`,
      legendgroup: "hutch",
      showlegend: j === 0,
      marker: { color: PAL[0] },
      xaxis: `x${subplotSuffix(j + 2)}`,
      yaxis: `y${subplotSuffix(j + 2)}`,
    });
    data.push({
      x: reps.map((v) => v + 0.2),
      y: p.trace.hutchPlusPlus.map((e) => e.estimate),
      type: "scatter",
      mode: "markers",
      name: `Hutch++ (${r.config.traceProbes} products)`,
      legendgroup: "hpp",
      showlegend: j === 0,
      marker: { color: PAL[3], symbol: "diamond" },
      xaxis: `x${subplotSuffix(j + 2)}`,
      yaxis: `y${subplotSuffix(j + 2)}`,
    });
    data.push(
      line([0.5, reps.length + 0.5], [p.trace.exact, p.trace.exact], "exact tr(H) = Σλ_i", "#000", j + 2, {
        line: { color: "#000", dash: "dash", width: 1.5 },
        showlegend: j === 0,
      }),
    );
  });
  const layout = subplotGrid({
    title: `Spectral density (negative part included) and traces: tanh MLP, k = ${r.config.classes}, ${r.params} params`,
    rows: 2,
    cols: 2,
    titles: [
      "spectrum at init",
      "spectrum after training",
      "tr(H) at init, per probe seed",
      "tr(H) after training, per probe seed",
    ],
    x: [{ title: "eigenvalue" }, { title: "eigenvalue" }, { title: "repetition" }, { title: "repetition" }],
    y: [{ title: "density", log: true }, { title: "density", log: true }, { title: "tr(H)" }, { title: "tr(H)" }],
    height: 860,
    width: 1000,
  });
  for (let j = 0; j < 2; j++)
    (layout.shapes as unknown[]).push({
      type: "line",
      xref: `x${subplotSuffix(j)}`,
      yref: `y${subplotSuffix(j)} domain`,
      x0: 0,
      x1: 0,
      y0: 0,
      y1: 1,
      line: { color: "#555", dash: "dash", width: 1 },
    });
  return { data, layout };
}

// ---------------------------------------------------------------------------------------------
// Tables and summaries the notebook prints, built here so notebook cells stay a few lines.

type Row = Record<string, number | string>;

/** Figure 1 table: one row per (k, seed) — loss, λ_max, λ_min, the gap ratios around k, where the largest gap is. */
export function bulkTable(r: BulkResult): Row[] {
  return r.config.ks.flatMap((k) =>
    r.small[k].map((s, seed) => ({
      k,
      seed,
      "loss (init → trained)": `${s.init.loss.toFixed(3)} → ${s.trained.loss.toFixed(4)}`,
      "train acc": s.trained.accuracy,
      λ_max: +s.trained.top[0].toPrecision(4),
      λ_min: +s.trained.lambdaMin.toPrecision(3),
      "λ_k/λ_{k+1}": +s.trained.ratioK.toFixed(2),
      "λ_{k−1}/λ_k": +s.trained.ratioKm1.toFixed(2),
      "largest gap at i": s.trained.gapAt,
      "init: gap at i": s.init.gapAt,
      "|λ| ≤ λ_max/100": +s.trained.bulkFraction.toFixed(2),
    })),
  );
}

/**
 * Figure 2 summary lines: for each k, the median (over seeds) fraction of the full-batch and the
 * mini-batch gradient in the top-k eigenspace at every checkpoint, as "step: fraction, …".
 */
export function subspaceFractionLines(r: SubspaceResult, label = ""): string[] {
  const perCheckpoint = (rows: number[][]) =>
    r.config.checkpoints.map((s, i) => `${s}: ${median(rows.map((row) => row[i])).toFixed(2)}`).join(", ");
  return r.config.ks.flatMap((k) => [
    `${label}k = ${k}: median fraction, full-batch g, per checkpoint ${perCheckpoint(r.fraction[k])}`,
    `${label}k = ${k}: median fraction, mini-batch g, per checkpoint ${perCheckpoint(r.fractionMinibatch[k])}`,
  ]);
}

/** Figure 3 table: per batch size, measured mini-batch λ_max against the Wigner and spiked-covariance predictions. */
export function batchTable(r: BatchResult): Row[] {
  return r.config.batchSizes.map((b, i) => ({
    B: b,
    "LS median λ_max(H_B)": +median(r.linear.lambdaB[i]).toFixed(3),
    "Wigner λ'": +r.linear.predicted[i].toFixed(3),
    "spiked covariance": +r.linear.predictedCovariance[i].toFixed(3),
    "η_max (median)": +median(r.linear.etaMax[i]).toPrecision(3),
    "2/λ'": +(2 / r.linear.predicted[i]).toPrecision(3),
    "MLP median λ_max(H_B)": i < r.mlp.lambdaB.length ? +median(r.mlp.lambdaB[i]).toPrecision(3) : "",
    "MLP Wigner λ'": i < r.mlp.predicted.length ? +r.mlp.predicted[i].toPrecision(3) : "",
  }));
}
