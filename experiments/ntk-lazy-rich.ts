/**
 * Theme 7 — the neural tangent kernel, lazy versus rich training, and a cheap NTK approximation.
 *
 * Papers:
 * - A. Jacot, F. Gabriel, C. Hongler, "Neural Tangent Kernel: Convergence and Generalization in
 *   Neural Networks", NeurIPS 2018, arXiv:1806.07572: in NTK parameterisation the kernel
 *   Θ(x, x') = ∇_θf(x)·∇_θf(x') is random at init but converges to a deterministic limit as the
 *   width m → ∞ and stays constant during training (fluctuations and movement O(1/√m)).
 * - T. Kumar, B. Bordelon, S. J. Gershman, C. Pehlevan, "Grokking as the Transition from Lazy to
 *   Rich Training Dynamics", ICLR 2024, arXiv:2310.06110: with an output scale α,
 *   f = α (g(w) − g(w₀)) and learning rate ∝ 1/α², large α starts lazy (kernel regression with the
 *   initial NTK: train loss drops, test loss stays high) and generalises only once features move.
 * - M. A. Mohamadi, W. Bae, D. J. Sutherland, "A Fast, Well-Founded Approximation to the Empirical
 *   Neural Tangent Kernel", ICML 2023, arXiv:2206.12543: the "sum of logits" pseudo-NTK
 *   pNTK(x, x') = (1/O) ∇_θ(Σ_k f_k(x)) · ∇_θ(Σ_k f_k(x')) approximates Θ(x, x') ≈ pNTK(x, x') I_O
 *   and converges to it at init as the readout width grows; it costs one gradient per example
 *   instead of O.
 * - H. Lee, E. Yun, H. Yang, J. Lee, "Scale Mixtures of Neural Network Gaussian Processes",
 *   ICLR 2022, arXiv:2107.01408 (optional figure 4, not implemented here).
 *
 * Design. Every kernel of figures 1 and 3 is computed by the library (`empiricalNtk`, `pseudoNtk`
 * from `lib/diagnostics`) on networks from `lib/landscapes` (`twoLayerNetwork`, `mlp`). The
 * grokking runs of figure 2 batch every (α, seed) pair as one tfjs program over a leading runs axis
 * and track the NTK of the two-layer network in closed form (`twoLayerNtk`), which the claims test
 * checks against the library's autodiff NTK. Everything returns plain numbers.
 */
import * as tf from "@tensorflow/tfjs";
import {
  empiricalNtk,
  gaussianClusters,
  type KernelMatrix,
  type LayerParams,
  median,
  minimize,
  mlp,
  type Mlp,
  pseudoNtk,
  quickMode,
  relativeKernelChange,
  Rng,
  sgd,
  targetAlignment,
  type Tree,
  twoLayerNetwork,
  type ClaimCheck,
  choleskySolve,
  firstCrossing,
  logLogSlope,
  logSteps,
  medianBand,
  lossCurves,
  lineChart,
  type Figure,
} from "optbook";

export { choleskySolve, firstCrossing, logLogSlope, median, medianBand, quickMode, type ClaimCheck };

// ---------------------------------------------------------------------------------------------
// Small numerical helpers
// ---------------------------------------------------------------------------------------------

/** Parameters of run r of a batched `mlp` parameter list (new tensors; caller disposes). */
export function sliceRun(params: LayerParams[], r: number): LayerParams[] {
  return params.map((p) => {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(p)) out[k] = tf.tidy(() => t.slice([r], [1]).squeeze([0]));
    return out as LayerParams;
  });
}

/**
 * NTK of a scalar model on a batch. For one output (O = 1) the library's `pseudoNtk` is exactly
 * the empirical NTK: (1/O) ∇(Σ_k f_k)·∇(Σ_k f_k) = ∇f·∇f. (It is used here because
 * `empiricalNtk`'s "jacobian" path builds a one-hot of depth O, which tfjs refuses for O = 1.)
 */
async function scalarNtk(net: Mlp, params: Tree, x: tf.Tensor, x2?: tf.Tensor): Promise<KernelMatrix> {
  return pseudoNtk((p, z) => net.apply(p, z), params, x, x2);
}

// ---------------------------------------------------------------------------------------------
// Figure 1 — NTK at large width on the unit circle (Jacot et al. 2018, Fig. 1 setting)
// ---------------------------------------------------------------------------------------------

export interface WidthConfig {
  /** hidden widths m */
  widths: number[];
  /** networks (initialisations) per width */
  seeds: number;
  /** points x_γ = (cos γ, sin γ) on [0, 2π) where the kernel is evaluated */
  angles: number;
  /** training inputs: angles of the training points, and the targets y = sin(2γ) */
  trainAngles: number[];
  /** full-batch gradient descent: learning rate and steps */
  lr: number;
  steps: number;
  seed: number;
}

/** Quick: widths 100 → 2000, 4 seeds, 24 angles; full: 100 → 6400, 8 seeds, 48 angles. */
export function widthConfig(quick = quickMode()): WidthConfig {
  return {
    widths: quick ? [100, 400, 2000] : [100, 200, 400, 800, 1600, 3200, 6400],
    seeds: quick ? 4 : 8,
    angles: quick ? 24 : 48,
    trainAngles: [0.3, 1.4, 2.6, 3.9, 5.1],
    lr: 1,
    steps: quick ? 200 : 400,
    seed: 0,
  };
}

export interface WidthRun {
  width: number;
  /** `initRow[s][j]`, `trainedRow[s][j]`: Θ(x₀, x_{γ_j}) for seed s, x₀ = (1, 0), at init and after training */
  initRow: number[][];
  trainedRow: number[][];
  /** per seed ‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F on the angle grid */
  relativeChange: number[];
  /** seed-to-seed spread of Θ₀ on the grid: √(mean over entries of the variance over seeds) / RMS of the mean kernel */
  initSpread: number;
  /** final training loss (MSE) per seed */
  finalLoss: number[];
}

export interface WidthResult {
  config: WidthConfig;
  angles: number[];
  runs: WidthRun[];
  spreadSlope: number;
  changeSlope: number;
  seconds: number;
}

/**
 * For each width m: `seeds` two-layer ReLU networks f(x) = (1/√m) Σ_j a_j relu(w_jᵀx/√2) (NTK
 * parameterisation, `twoLayerNetwork`), trained together (batched) by full-batch gradient descent
 * on MSE to y = sin(2γ) at a few circle points; the empirical NTK on the angle grid at init and
 * after training; the seed spread of Θ₀ and the relative change ‖Θ_T − Θ₀‖_F/‖Θ₀‖_F, with their
 * log–log slopes against m (Jacot et al. predict fluctuations and movement O(1/√m): slope −1/2).
 */
export async function ntkWidthExperiment(config: WidthConfig = widthConfig()): Promise<WidthResult> {
  const t0 = Date.now();
  const { widths, seeds, angles: nA, trainAngles, lr, steps } = config;
  if (!Array.isArray(widths) || widths.length < 2 || widths.some((m) => !Number.isInteger(m) || m < 1))
    throw new Error(`ntkWidthExperiment: widths must list ≥ 2 positive integers, got [${widths}]`);
  if (!Number.isInteger(seeds) || seeds < 2)
    throw new Error(`ntkWidthExperiment: seeds must be an integer ≥ 2 (the spread needs several), got ${seeds}`);
  if (!Number.isInteger(nA) || nA < 2) throw new Error(`ntkWidthExperiment: angles must be an integer ≥ 2, got ${nA}`);
  if (!Number.isInteger(steps) || steps < 1 || !(lr > 0))
    throw new Error(`ntkWidthExperiment: need steps ≥ 1 and lr > 0, got ${steps}, ${lr}`);
  const angles = Array.from({ length: nA }, (_, j) => (2 * Math.PI * j) / nA);
  const grid = tf.tensor2d(
    angles.flatMap((a) => [Math.cos(a), Math.sin(a)]),
    [nA, 2],
  );
  const xTrain = tf.tensor2d(
    trainAngles.flatMap((a) => [Math.cos(a), Math.sin(a)]),
    [trainAngles.length, 2],
  );
  const yTrain = tf.tensor2d(
    trainAngles.map((a) => Math.sin(2 * a)),
    [trainAngles.length, 1],
  );
  const runs: WidthRun[] = [];
  try {
    for (const width of widths) {
      const net = twoLayerNetwork({ inputDim: 2, width, activation: "relu", scaling: "ntk" });
      const p0 = net.init(config.seed + width, { runs: seeds });
      const res = await minimize((p) => net.loss(p, xTrain, yTrain), p0, sgd({ lr }), {
        steps,
        every: steps,
        progressSeconds: 0,
      });
      const pT = res.params as LayerParams[];
      const initRow: number[][] = [],
        trainedRow: number[][] = [],
        relativeChange: number[] = [];
      const k0s: KernelMatrix[] = [];
      for (let s = 0; s < seeds; s++) {
        const a = sliceRun(p0, s),
          b = sliceRun(pT, s);
        const k0 = await scalarNtk(net, a, grid),
          kT = await scalarNtk(net, b, grid);
        tf.dispose([...a, ...b].flatMap((l) => Object.values(l)));
        initRow.push(Array.from(k0.data.subarray(0, nA)));
        trainedRow.push(Array.from(kT.data.subarray(0, nA)));
        relativeChange.push(relativeKernelChange(k0, kT));
        k0s.push(k0);
      }
      const E = nA * nA;
      let varSum = 0,
        meanSq = 0;
      for (let e = 0; e < E; e++) {
        let mu = 0;
        for (const k of k0s) mu += k.data[e];
        mu /= seeds;
        let v = 0;
        for (const k of k0s) v += (k.data[e] - mu) ** 2;
        varSum += v / (seeds - 1);
        meanSq += mu * mu;
      }
      const finalLoss = res.losses[res.losses.length - 1];
      tf.dispose([...p0, ...pT].flatMap((l) => Object.values(l)));
      runs.push({
        width,
        initRow,
        trainedRow,
        relativeChange,
        initSpread: Math.sqrt(varSum / E) / Math.sqrt(meanSq / E),
        finalLoss,
      });
    }
  } finally {
    tf.dispose([grid, xTrain, yTrain]);
  }
  const ws = runs.map((r) => r.width);
  return {
    config,
    angles,
    runs,
    spreadSlope: logLogSlope(
      ws,
      runs.map((r) => r.initSpread),
      { nonPositive: "skip" },
    ),
    changeSlope: logLogSlope(
      ws,
      runs.map((r) => median(r.relativeChange)),
      { nonPositive: "skip" },
    ),
    seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * Figure 1's claims: the seed spread of Θ₀ and the median relative kernel change both fall with
 * width with log–log slope within [−0.75, −0.3] (Jacot et al.: O(1/√m), slope −1/2); training
 * fits the data (final MSE < 0.05 at every width).
 */
export function widthClaims(r: WidthResult): ClaimCheck[] {
  const first = r.runs[0],
    last = r.runs[r.runs.length - 1];
  const worstLoss = Math.max(...r.runs.flatMap((x) => x.finalLoss));
  return [
    {
      text: `Seed-to-seed spread of the initial NTK shrinks like 1/√width (log–log slope in [−0.75, −0.3]; widths ${first.width}–${last.width})`,
      passed: r.spreadSlope >= -0.75 && r.spreadSlope <= -0.3,
      details: {
        slope: r.spreadSlope,
        [`spread at m=${first.width}`]: first.initSpread,
        [`spread at m=${last.width}`]: last.initSpread,
      },
    },
    {
      text: "Relative change of the NTK during training shrinks like 1/√width (log–log slope in [−0.75, −0.3])",
      passed: r.changeSlope >= -0.75 && r.changeSlope <= -0.3,
      details: {
        slope: r.changeSlope,
        [`median change at m=${first.width}`]: median(first.relativeChange),
        [`median change at m=${last.width}`]: median(last.relativeChange),
      },
    },
    {
      text: `Every network fits the ${r.config.trainAngles.length} training points (final MSE < 0.05)`,
      passed: worstLoss < 0.05,
      details: { "worst final MSE": worstLoss },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Figure 2 — lazy vs rich and grokking (Kumar et al. 2024)
// ---------------------------------------------------------------------------------------------

/**
 * Closed-form empirical NTK of the bias-free two-layer network g(x) = c₂ Σ_j a_j φ(c₁ w_jᵀx),
 * φ = relu, for a batch of runs: with u = c₁ x W,
 *   Θ(x, x') = c₂² [ Σ_j φ(u_j) φ(u'_j) + c₁² (xᵀx') Σ_j a_j² φ'(u_j) φ'(u'_j) ],
 * W `[runs, d, m]`, a `[runs, m, 1]`, x `[n, d]`; returns `[runs, n, n]` (a new tensor).
 */
export function twoLayerNtk(w: tf.Tensor, a: tf.Tensor, x: tf.Tensor, c1: number, c2: number): tf.Tensor3D {
  if (w.rank !== 3 || a.rank !== 3 || x.rank !== 2 || w.shape[1] !== x.shape[1] || a.shape[1] !== w.shape[2]) {
    throw new Error(
      `twoLayerNtk: need W [runs, d, m], a [runs, m, 1], x [n, d]; got [${w.shape}], [${a.shape}], [${x.shape}]`,
    );
  }
  return tf.tidy(() => {
    const u = tf.mul(tf.matMul(tf.broadcastTo(x.expandDims(0), [w.shape[0], x.shape[0], x.shape[1] as number]), w), c1);
    const phi = tf.relu(u);
    const step = tf.cast(tf.greater(u, 0), "float32");
    const a2 = tf.square(a).reshape([w.shape[0], 1, -1]);
    const first = tf.matMul(phi, phi, false, true);
    const second = tf.mul(
      tf.matMul(tf.mul(step, a2), step, false, true),
      tf.mul(tf.matMul(x, x, false, true), c1 * c1).expandDims(0),
    );
    return tf.mul(tf.add(first, second), c2 * c2) as tf.Tensor3D;
  });
}

export interface GrokConfig {
  /** input dimension D, hidden width N, training and test set sizes */
  inputDim: number;
  width: number;
  trainSize: number;
  testSize: number;
  /** output scales α */
  alphas: number[];
  seeds: number;
  /** base learning rate η₀; run with scale α uses η₀·N/α² (mean-field readout, see grokExperiment) */
  lr: number;
  steps: number;
  /** number of log-spaced records of the losses and kernel */
  records: number;
  /** training points used for the kernel diagnostics */
  kernelPoints: number;
  seed: number;
}

/**
 * Both modes: D = 32, N = 128, 320 training points (10·D, far below the ≈ D²/2 quadratic features
 * the initial kernel would need), η₀ = 0.5, α ∈ {1, 10, 30}. Quick: 2 seeds, 1200 steps; full:
 * 3 seeds, 12 000 steps.
 */
export function grokConfig(quick = quickMode()): GrokConfig {
  return {
    inputDim: 32,
    width: 128,
    trainSize: 320,
    testSize: quick ? 500 : 1000,
    alphas: [1, 10, 30],
    seeds: quick ? 2 : 3,
    lr: 0.5,
    steps: quick ? 1200 : 12000,
    records: quick ? 25 : 50,
    kernelPoints: 24,
    seed: 0,
  };
}

export interface GrokRun {
  alpha: number;
  /** `trainLoss[s][k]`, `testLoss[s][k]`: MSE of seed s at `steps[k]` */
  trainLoss: number[][];
  testLoss: number[][];
  /** `kernelChange[s][k]` = ‖Θ_t − Θ₀‖_F/‖Θ₀‖_F and `alignment[s][k]` = yᵀΘ_t y/(‖Θ_t‖_F‖y‖²) on `kernelPoints` train points */
  kernelChange: number[][];
  alignment: number[][];
  /** |cos(β, top right-singular direction of W)| — how much the first layer has found the target direction */
  featureOverlap: number[][];
}

export interface GrokResult {
  config: GrokConfig;
  steps: number[];
  runs: GrokRun[];
  /** test MSE of the zero predictor (the target's second moment on the test set) */
  nullTestLoss: number;
  seconds: number;
}

/**
 * One full-batch gradient-descent step on ½·MSE of the centred two-layer model
 * f = α (g(W, a) − g₀), g(x) = c₂ Σ_j a_j relu(c₁ w_jᵀx), for a batch of runs (per-run α and
 * learning rate η), with the gradient written out: r = f − y, s = α c₂ r / P,
 *   ∂L/∂a = relu(u)ᵀ s,  ∂L/∂W = c₁ Xᵀ [(s aᵀ) ⊙ 1(u > 0)],  u = c₁ X W.
 * W `[R, D, N]`, a `[R, N, 1]`, x `[R, P, D]`, g₀ and y `[R or 1, P, 1]`/`[P, 1]`, α and η `[R]`.
 * Returns the new [W, a] (new tensors). The claims test checks it against tfjs autodiff.
 */
export function centredTwoLayerStep(
  w: tf.Tensor,
  a: tf.Tensor,
  x: tf.Tensor,
  g0: tf.Tensor,
  y: tf.Tensor,
  alpha: tf.Tensor,
  lr: tf.Tensor,
  c1: number,
  c2: number,
): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const R = w.shape[0],
      P = x.shape[1] as number;
    const al = alpha.reshape([R, 1, 1]),
      eta = lr.reshape([R, 1, 1]);
    const u = tf.mul(tf.matMul(x, w), c1);
    const h = tf.relu(u);
    const out = tf.mul(tf.matMul(h, a), c2);
    const r = tf.sub(tf.mul(tf.sub(out, g0), al), y.rank === 2 ? y.expandDims(0) : y);
    const s = tf.mul(r, tf.mul(al, c2 / P));
    const ga = tf.matMul(h, s, true, false);
    const gu = tf.mul(tf.matMul(s, a, false, true), tf.step(u));
    const gw = tf.mul(tf.matMul(x, gu, true, false), c1);
    return [tf.sub(w, tf.mul(gw, eta)), tf.sub(a, tf.mul(ga, eta))];
  });
}

/**
 * Kumar et al.'s lazy-to-rich set-up, scaled down: x ~ N(0, I_D), a single-index quadratic target
 * y = He₂(βᵀx)/√2 = ((βᵀx)² − 1)/√2 (unit variance, orthogonal to every linear function), a
 * two-layer ReLU network with mean-field readout g(x) = (1/N) Σ_j a_j relu(w_jᵀx/√D)
 * (`twoLayerNetwork({ scaling: "meanfield" })`), trained through the centred model
 * f(x) = α (g(w, x) − g(w₀, x)) by full-batch gradient descent on ½·MSE with learning rate
 * η = η₀ N / α². The factor N makes the function-space step O(1) for this readout, and 1/α² keeps
 * it independent of α; the features then move O(1/α) per unit of function change, so large α is
 * lazy (kernel regression with the initial NTK) and α ≈ 1 is rich. All (α, seed) runs are one
 * batched tfjs program; the kernel is the closed-form NTK of g (`twoLayerNtk`).
 */
export async function grokExperiment(config: GrokConfig = grokConfig()): Promise<GrokResult> {
  const t0 = Date.now();
  const { inputDim: D, width: N, trainSize: P, testSize, alphas, seeds, lr, steps: T, records, kernelPoints } = config;
  for (const [k, v] of Object.entries({
    inputDim: D,
    width: N,
    trainSize: P,
    testSize,
    seeds,
    steps: T,
    records,
    kernelPoints,
  })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`grokExperiment: ${k} must be a positive integer, got ${v}`);
  }
  if (kernelPoints > P)
    throw new Error(`grokExperiment: kernelPoints (${kernelPoints}) must not exceed trainSize (${P})`);
  if (!alphas.length || alphas.some((a) => !(a > 0)))
    throw new Error(`grokExperiment: alphas must be positive, got [${alphas}]`);
  if (!(lr > 0)) throw new Error(`grokExperiment: lr must be positive, got ${lr}`);
  const R = alphas.length * seeds;
  const rng = new Rng(config.seed);
  const beta = rng.normalArray(D);
  const bn = Math.hypot(...beta);
  for (let i = 0; i < D; i++) beta[i] /= bn;
  const sample = (n: number) => {
    const x = rng.normalArray(n * D);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < D; j++) z += beta[j] * x[i * D + j];
      y[i] = (z * z - 1) / Math.SQRT2;
    }
    return { x: tf.tensor2d(Float32Array.from(x), [n, D]), y, yt: tf.tensor2d(y, [n, 1]) };
  };
  const train = sample(P),
    test = sample(testSize);
  const nullTestLoss = test.y.reduce((s, v) => s + v * v, 0) / testSize;
  const net = twoLayerNetwork({ inputDim: D, width: N, activation: "relu", scaling: "meanfield" });
  const c1 = net.multipliers[0],
    c2 = net.multipliers[1];
  // run r = (alpha index i, seed s), r = i·seeds + s; each seed shares its init across α.
  const perSeed = net.init(config.seed + 1, { runs: seeds });
  let params: tf.Tensor[] = perSeed.map((l) => tf.concat(Array.from({ length: alphas.length }, () => l.w)));
  tf.dispose(perSeed.flatMap((l) => Object.values(l)));
  const w0 = params.map((p) => p.clone());
  const alphaRun = tf.tensor1d(alphas.flatMap((a) => Array(seeds).fill(a)));
  const lrRun = tf.tensor1d(alphas.flatMap((a) => Array(seeds).fill((lr * N) / (a * a))));
  const apply = (ps: tf.Tensor[], x: tf.Tensor) => net.apply(ps.map((w) => ({ w })) as unknown as Tree, x);
  const g0Train = apply(w0, train.x),
    g0Test = apply(w0, test.x);
  const kx = train.x.slice(0, kernelPoints);
  const ky = Array.from(train.y.subarray(0, kernelPoints));
  const predict = (ps: tf.Tensor[], x: tf.Tensor, g0: tf.Tensor) =>
    tf.mul(tf.sub(apply(ps, x), g0), alphaRun.reshape([R, 1, 1]));
  const lossPerRun = (ps: tf.Tensor[], x: tf.Tensor, g0: tf.Tensor, y: tf.Tensor) =>
    tf.mean(tf.squaredDifference(predict(ps, x, g0), y.expandDims(0)), [1, 2]);
  const xTrainB = tf.broadcastTo(train.x.expandDims(0), [R, P, D]);
  const stepFn = (ps: tf.Tensor[]) =>
    centredTwoLayerStep(ps[0], ps[1], xTrainB, g0Train, train.yt, alphaRun, lrRun, c1, c2);
  const recordSteps = logSteps(T, records, { zero: true });
  const blank = () => Array.from({ length: R }, () => [] as number[]);
  const trainL = blank(),
    testL = blank(),
    change = blank(),
    align = blank(),
    overlap = blank();
  const k0: KernelMatrix[] = [];
  const record = async () => {
    const [tr, te, kk] = tf.tidy(() => [
      lossPerRun(params, train.x, g0Train, train.yt),
      lossPerRun(params, test.x, g0Test, test.yt),
      twoLayerNtk(params[0], params[1], kx, c1, c2),
    ]);
    const [trd, ted, kd, wd] = await Promise.all([tr.data(), te.data(), kk.data(), params[0].data()]);
    tf.dispose([tr, te, kk]);
    const n = kernelPoints;
    for (let r = 0; r < R; r++) {
      trainL[r].push(trd[r]);
      testL[r].push(ted[r]);
      const K: KernelMatrix = { data: Float64Array.from(kd.subarray(r * n * n, (r + 1) * n * n)), shape: [n, n] };
      if (k0.length < R) k0.push(K);
      change[r].push(relativeKernelChange(k0[r], K));
      align[r].push(targetAlignment(K, ky));
      overlap[r].push(topDirectionOverlap(wd.subarray(r * D * N, (r + 1) * D * N), D, N, beta));
    }
  };
  try {
    let t = 0;
    for (const target of recordSteps) {
      while (t < target) {
        const next = stepFn(params);
        tf.dispose(params);
        params = next;
        t++;
      }
      await record();
    }
  } finally {
    tf.dispose([...params, ...w0, xTrainB, alphaRun, lrRun, g0Train, g0Test, kx, train.x, train.yt, test.x, test.yt]);
  }
  const pick = (arr: number[][], i: number) => arr.slice(i * seeds, (i + 1) * seeds);
  return {
    config,
    steps: recordSteps,
    runs: alphas.map((alpha, i) => ({
      alpha,
      trainLoss: pick(trainL, i),
      testLoss: pick(testL, i),
      kernelChange: pick(change, i),
      alignment: pick(align, i),
      featureOverlap: pick(overlap, i),
    })),
    nullTestLoss,
    seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * |cos| between β and the top eigenvector of W Wᵀ (first-layer weights W [D, N], row-major), by
 * power iteration in float64: 1 when the hidden units have concentrated on the target direction.
 */
function topDirectionOverlap(w: ArrayLike<number>, D: number, N: number, beta: ArrayLike<number>): number {
  const M = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += w[i * N + k] * w[j * N + k];
      M[i * D + j] = M[j * D + i] = s;
    }
  }
  // Subtract the isotropic part (the initial W Wᵀ ≈ N I) so the leading direction is what training added.
  let tr = 0;
  for (let i = 0; i < D; i++) tr += M[i * D + i];
  for (let i = 0; i < D; i++) M[i * D + i] -= tr / D;
  let v = new Float64Array(D).fill(1 / Math.sqrt(D));
  for (let it = 0; it < 200; it++) {
    const u = new Float64Array(D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) u[i] += M[i * D + j] * v[j];
    const nu = Math.hypot(...u);
    if (nu === 0) break;
    for (let i = 0; i < D; i++) u[i] /= nu;
    v = u;
  }
  let c = 0;
  for (let i = 0; i < D; i++) c += v[i] * beta[i];
  return Math.abs(c);
}

export interface GrokSummary {
  alpha: number;
  /** first recorded step with median train MSE ≤ ½ its initial value, and with median test MSE ≤ ½ its initial value (∞ if never) */
  trainStep: number;
  testStep: number;
  /** testStep / trainStep (∞ if the test loss never crosses) */
  delay: number;
  /** the run length over trainStep: the smallest delay the run has shown when the test loss never drops */
  delayLowerBound: number;
  /** median test MSE / null test loss at trainStep, and at the end; median final train MSE / initial train MSE */
  testAtTrainFit: number;
  finalTest: number;
  finalTrain: number;
  /** median relative kernel change at trainStep, at testStep and at the end */
  changeAtTrainFit: number;
  changeAtTestDrop: number;
  finalChange: number;
}

/**
 * Per α: when the median train and test MSE first fall to half their initial value (the set's
 * E[y²], since f ≡ 0 at init; the same relative threshold for both curves), and the kernel change
 * at those times.
 */
export function grokSummary(r: GrokResult): GrokSummary[] {
  const last = r.steps.length - 1;
  const T = r.steps[last];
  return r.runs.map((run) => {
    // f ≡ 0 at init (centred model), so each curve starts at its own set's E[y²].
    const kTr = firstCrossing(medianBand(run.trainLoss).median, 0.5 * median(run.trainLoss.map((c) => c[0])));
    const kTe = firstCrossing(medianBand(run.testLoss).median, 0.5 * r.nullTestLoss);
    const at = (arr: number[][], k: number) => (k < 0 ? NaN : median(arr.map((c) => c[k])));
    const trainStep = kTr < 0 ? Infinity : Math.max(1, r.steps[kTr]);
    const testStep = kTe < 0 ? Infinity : Math.max(1, r.steps[kTe]);
    return {
      alpha: run.alpha,
      trainStep,
      testStep,
      delay: testStep / trainStep,
      delayLowerBound: Number.isFinite(testStep) ? testStep / trainStep : T / trainStep,
      testAtTrainFit: at(run.testLoss, kTr) / r.nullTestLoss,
      finalTest: at(run.testLoss, last) / r.nullTestLoss,
      finalTrain: at(run.trainLoss, last) / median(run.trainLoss.map((c) => c[0])),
      changeAtTrainFit: at(run.kernelChange, kTr),
      changeAtTestDrop: at(run.kernelChange, kTe),
      finalChange: at(run.kernelChange, last),
    };
  });
}

/**
 * Figure 2's claims (Kumar et al.), with "drop" = median MSE ≤ ½ its initial value E[y²]:
 * 1. lazy phase — at the largest α the train loss drops and the test loss does not drop until
 *    ≥ 5× later (or not within the run, which must then be ≥ 5× the train drop time);
 * 2. the kernel has barely moved (relative change ≤ 0.1) when the train loss drops at that α;
 * 3. grokking — within the run the test loss at that α does drop, with the kernel moved by ≥ 0.1;
 * 4. at α = 1 there is no delay: the test loss drops within 3× the train drop time.
 */
export function grokClaims(r: GrokResult): ClaimCheck[] {
  const s = grokSummary(r);
  const big = s[s.length - 1],
    small = s[0];
  return [
    {
      text: `α = ${big.alpha}: the train loss drops long before the test loss (test drop ≥ 5× later than train drop, or not within a run ≥ 5× as long)`,
      passed: Number.isFinite(big.trainStep) && big.delayLowerBound >= 5,
      details: {
        "train drop step": big.trainStep,
        "test drop step": big.testStep,
        "delay (lower bound)": big.delayLowerBound,
        "test/null at train drop": big.testAtTrainFit,
      },
    },
    {
      text: `α = ${big.alpha}: the kernel barely moves while the train loss drops (relative NTK change ≤ 0.1 at the train drop)`,
      passed: big.changeAtTrainFit <= 0.1,
      details: { "kernel change at train drop": big.changeAtTrainFit, "final kernel change": big.finalChange },
    },
    {
      text: `α = ${big.alpha}: grokking — the test loss drops later within the run, once the kernel has moved (change ≥ 0.1)`,
      passed: Number.isFinite(big.testStep) && big.changeAtTestDrop >= 0.1,
      details: {
        "test drop step": big.testStep,
        "run length": r.steps[r.steps.length - 1],
        "kernel change at test drop": big.changeAtTestDrop,
        "final test/null": big.finalTest,
        "final kernel change": big.finalChange,
      },
    },
    {
      text: `α = ${small.alpha}: no grokking delay (test drop within 3× of the train drop)`,
      passed: Number.isFinite(small.delay) && small.delay <= 3,
      details: {
        "train drop step": small.trainStep,
        "test drop step": small.testStep,
        delay: small.delay,
        "final test/null": small.finalTest,
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Figure 3 — pseudo-NTK vs the full empirical NTK (Mohamadi et al. 2023)
// ---------------------------------------------------------------------------------------------

export interface PntkConfig {
  widths: number[];
  seeds: number;
  inputDim: number;
  classes: number;
  /** kernel-regression training and test points (Gaussian clusters) */
  trainSize: number;
  testSize: number;
  /** hidden layers of width m */
  depth: number;
  /** relative ridge λ·mean(diag K) added before solving */
  ridge: number;
  seed: number;
}

/** One hidden layer. Quick: widths 32–2048, 2 seeds, 4 classes, 20 + 12 points; full: 32–4096, 3 seeds, 10 classes, 40 + 20 points. */
export function pntkConfig(quick = quickMode()): PntkConfig {
  return {
    widths: quick ? [32, 256, 2048] : [32, 64, 128, 256, 512, 1024, 2048, 4096],
    seeds: quick ? 2 : 3,
    inputDim: 8,
    classes: quick ? 4 : 10,
    trainSize: quick ? 20 : 40,
    testSize: quick ? 12 : 20,
    depth: 1,
    ridge: 1e-4,
    seed: 0,
  };
}

export interface PntkRun {
  width: number;
  /** per seed: ‖Θ − pNTK ⊗ I_O‖_F / ‖Θ‖_F on all points */
  kernelError: number[];
  /** per seed: ‖F_full − F_pNTK‖_F / ‖F_full‖_F of kernel-regression test predictions */
  predictionError: number[];
  /** per seed: fraction of test points where both predict the same class */
  argmaxAgreement: number[];
  /** seconds per kernel (median over seeds) */
  fullSeconds: number;
  pseudoSeconds: number;
}

export interface PntkResult {
  config: PntkConfig;
  runs: PntkRun[];
  kernelSlope: number;
  predictionSlope: number;
  seconds: number;
}

/**
 * For each width m: `seeds` ReLU MLPs [d, m, …, m, O] in NTK parameterisation (`mlp`) on Gaussian
 * clusters; the full empirical NTK Θ [n, n, O, O] (`empiricalNtk`, outputs "full", one vjp per
 * example and output) and the pseudo-NTK (`pseudoNtk`, one vjp per example), both timed; their
 * relative Frobenius distance ‖Θ − pNTK ⊗ I‖_F/‖Θ‖_F; and kernel regression of centred one-hot
 * labels with each: F = Θ_{*,tr} (Θ_{tr,tr} + λI)⁻¹ Y over all n·O outputs for the full kernel,
 * class by class for pNTK.
 */
export async function pntkExperiment(config: PntkConfig = pntkConfig()): Promise<PntkResult> {
  const t0 = Date.now();
  const { widths, seeds, inputDim: d, classes: O, trainSize: nTr, testSize: nTe, depth, ridge } = config;
  if (!Array.isArray(widths) || widths.length < 2 || widths.some((m) => !Number.isInteger(m) || m < 1))
    throw new Error(`pntkExperiment: widths must list ≥ 2 positive integers, got [${widths}]`);
  if (!Number.isInteger(O) || O < 2) throw new Error(`pntkExperiment: classes must be an integer ≥ 2, got ${O}`);
  if (!Number.isInteger(depth) || depth < 1)
    throw new Error(`pntkExperiment: depth must be a positive integer, got ${depth}`);
  const n = nTr + nTe;
  const data = gaussianClusters({ n, classes: O, dim: d, separation: 3, seed: config.seed });
  const labels = await data.y.data();
  // Centred one-hot targets Y [nTr, O].
  const Y = new Float64Array(nTr * O);
  for (let i = 0; i < nTr; i++) for (let k = 0; k < O; k++) Y[i * O + k] = (labels[i] === k ? 1 : 0) - 1 / O;
  const runs: PntkRun[] = [];
  try {
    for (const width of widths) {
      const net = mlp({ sizes: [d, ...Array(depth).fill(width), O], activation: "relu", parameterization: "ntk" });
      const f = (p: Tree, x: tf.Tensor) => net.apply(p, x);
      const run: PntkRun = {
        width,
        kernelError: [],
        predictionError: [],
        argmaxAgreement: [],
        fullSeconds: 0,
        pseudoSeconds: 0,
      };
      const fullT: number[] = [],
        pseudoT: number[] = [];
      for (let s = 0; s < seeds; s++) {
        const params = net.init(config.seed + 1000 * s + width);
        let t = performance.now();
        const full = await empiricalNtk(f, params, data.x, undefined, { outputs: "full" });
        fullT.push((performance.now() - t) / 1000);
        t = performance.now();
        const pk = await pseudoNtk(f, params, data.x);
        pseudoT.push((performance.now() - t) / 1000);
        tf.dispose(params.flatMap((l) => Object.values(l)));
        run.kernelError.push(pseudoKernelError(full, pk));
        const fFull = fullKernelRegression(full, nTr, Y, ridge);
        const fP = pseudoKernelRegression(pk, nTr, Y, O, ridge);
        let diff = 0,
          norm = 0,
          agree = 0;
        for (let i = 0; i < nTe; i++) {
          let aF = 0,
            aP = 0;
          for (let k = 0; k < O; k++) {
            diff += (fFull[i * O + k] - fP[i * O + k]) ** 2;
            norm += fFull[i * O + k] ** 2;
            if (fFull[i * O + k] > fFull[i * O + aF]) aF = k;
            if (fP[i * O + k] > fP[i * O + aP]) aP = k;
          }
          if (aF === aP) agree++;
        }
        run.predictionError.push(Math.sqrt(diff / norm));
        run.argmaxAgreement.push(agree / nTe);
      }
      run.fullSeconds = median(fullT);
      run.pseudoSeconds = median(pseudoT);
      runs.push(run);
    }
  } finally {
    data.dispose();
  }
  const ws = runs.map((r) => r.width);
  return {
    config,
    runs,
    kernelSlope: logLogSlope(
      ws,
      runs.map((r) => median(r.kernelError)),
      { nonPositive: "skip" },
    ),
    predictionSlope: logLogSlope(
      ws,
      runs.map((r) => median(r.predictionError)),
      { nonPositive: "skip" },
    ),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** ‖Θ − pNTK ⊗ I_O‖_F / ‖Θ‖_F for a full kernel Θ [n, n, O, O] and pNTK [n, n]. */
export function pseudoKernelError(full: KernelMatrix, pk: KernelMatrix): number {
  const [n1, n2, O, O2] = full.shape;
  if (full.shape.length !== 4 || O !== O2 || pk.shape[0] !== n1 || pk.shape[1] !== n2)
    throw new Error(
      `pseudoKernelError: need Θ [n1, n2, O, O] and pNTK [n1, n2], got [${full.shape}] and [${pk.shape}]`,
    );
  let d = 0,
    nn = 0;
  for (let i = 0; i < n1 * n2; i++) {
    for (let k = 0; k < O; k++) {
      for (let l = 0; l < O; l++) {
        const v = full.data[(i * O + k) * O + l];
        d += (v - (k === l ? pk.data[i] : 0)) ** 2;
        nn += v * v;
      }
    }
  }
  return Math.sqrt(d / nn);
}

/**
 * Kernel regression with the full NTK Θ [n, n, O, O] on the first nTr points: vec F_* =
 * Θ_{*,tr} (Θ_{tr,tr} + λ·mean diag·I)⁻¹ vec Y over the (i, k) index pairs; returns F [n − nTr, O].
 */
export function fullKernelRegression(full: KernelMatrix, nTr: number, Y: Float64Array, ridge: number): Float64Array {
  const [n, , O] = full.shape;
  const at = (i: number, j: number, k: number, l: number) => full.data[((i * n + j) * O + k) * O + l];
  const m = nTr * O;
  const A = new Float64Array(m * m);
  let tr = 0;
  for (let i = 0; i < nTr; i++)
    for (let k = 0; k < O; k++)
      for (let j = 0; j < nTr; j++) for (let l = 0; l < O; l++) A[(i * O + k) * m + j * O + l] = at(i, j, k, l);
  for (let i = 0; i < m; i++) tr += A[i * m + i];
  const c = choleskySolve(A, m, Y, 1, (ridge * tr) / m);
  const nTe = n - nTr;
  const F = new Float64Array(nTe * O);
  for (let i = 0; i < nTe; i++)
    for (let k = 0; k < O; k++) {
      let s = 0;
      for (let j = 0; j < nTr; j++) for (let l = 0; l < O; l++) s += at(nTr + i, j, k, l) * c[j * O + l];
      F[i * O + k] = s;
    }
  return F;
}

/** Kernel regression with pNTK [n, n] class by class: F_* = K_{*,tr} (K_{tr,tr} + λ·mean diag·I)⁻¹ Y. */
export function pseudoKernelRegression(
  pk: KernelMatrix,
  nTr: number,
  Y: Float64Array,
  O: number,
  ridge: number,
): Float64Array {
  const n = pk.shape[0];
  const A = new Float64Array(nTr * nTr);
  let tr = 0;
  for (let i = 0; i < nTr; i++) for (let j = 0; j < nTr; j++) A[i * nTr + j] = pk.data[i * n + j];
  for (let i = 0; i < nTr; i++) tr += A[i * nTr + i];
  const c = choleskySolve(A, nTr, Y, O, (ridge * tr) / nTr);
  const nTe = n - nTr;
  const F = new Float64Array(nTe * O);
  for (let i = 0; i < nTe; i++)
    for (let k = 0; k < O; k++) {
      let s = 0;
      for (let j = 0; j < nTr; j++) s += pk.data[(nTr + i) * n + j] * c[j * O + k];
      F[i * O + k] = s;
    }
  return F;
}

/**
 * Figure 3's claims (Mohamadi et al.): the pNTK's relative Frobenius error and the kernel-regression
 * prediction error both fall with width (log–log slope < −0.2; their bound gives O(1/√m) at init),
 * and the pNTK is at least (O/2)× cheaper than the full NTK at the largest width.
 */
export function pntkClaims(r: PntkResult): ClaimCheck[] {
  const first = r.runs[0],
    last = r.runs[r.runs.length - 1];
  const O = r.config.classes;
  const speedup = last.fullSeconds / last.pseudoSeconds;
  return [
    {
      text: `The pNTK's relative Frobenius error to the full NTK falls with width (log–log slope < −0.2; widths ${first.width}–${last.width})`,
      passed: r.kernelSlope < -0.2,
      details: {
        slope: r.kernelSlope,
        [`error at m=${first.width}`]: median(first.kernelError),
        [`error at m=${last.width}`]: median(last.kernelError),
      },
    },
    {
      text: "Kernel-regression predictions with the pNTK approach those of the full NTK as width grows (log–log slope < −0.2)",
      passed: r.predictionSlope < -0.2,
      details: {
        slope: r.predictionSlope,
        [`error at m=${first.width}`]: median(first.predictionError),
        [`error at m=${last.width}`]: median(last.predictionError),
        [`class agreement at m=${last.width}`]: median(last.argmaxAgreement),
      },
    },
    {
      text: `The pNTK costs at least ${O / 2}× less time than the full ${O}-output NTK at width ${last.width}`,
      passed: speedup >= O / 2,
      details: { "full NTK s": last.fullSeconds, "pNTK s": last.pseudoSeconds, speedup },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Figures and tables the notebook shows, built here so notebook cells stay a few lines.

type Row = Record<string, number | string>;
const GROK_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

/** Figure 1a: Θ(x₀, x_γ) against the angle γ at initialisation and after training, narrowest and widest net. */
export function widthKernelFigure(width: WidthResult): Figure {
  const deg = width.angles.map((a) => (a * 180) / Math.PI);
  const ends = [width.runs[0], width.runs[width.runs.length - 1]];
  return lossCurves(
    ends.flatMap((r, i) => [
      { name: `m = ${r.width}, init`, runs: r.initRow, x: deg, color: ["#1f77b4", "#d62728"][i] },
      { name: `m = ${r.width}, trained`, runs: r.trainedRow, x: deg, color: ["#7fb8e0", "#f0a0a0"][i] },
    ]),
    {
      band: "minmax",
      logY: false,
      title: "Θ(x₀, x_γ): median and min–max over seeds",
      xTitle: "angle γ (degrees)",
      yTitle: "NTK",
    },
  );
}

/** Figure 1b: seed spread of Θ₀ and its relative change in training against width, with a 1/√m guide. */
export function widthScalingFigure(width: WidthResult): Figure {
  const ws = width.runs.map((r) => r.width);
  const y0 = width.runs[0].initSpread;
  return lineChart(
    [
      {
        name: `seed spread of Θ₀ (slope ${width.spreadSlope.toFixed(2)})`,
        x: ws,
        y: width.runs.map((r) => r.initSpread),
        mode: "lines+markers",
      },
      {
        name: `relative change during training (slope ${width.changeSlope.toFixed(2)})`,
        x: ws,
        y: width.runs.map((r) => median(r.relativeChange)),
        mode: "lines+markers",
      },
      { name: "∝ 1/√m", x: ws, y: ws.map((m) => y0 * Math.sqrt(ws[0] / m)), dash: "dot", color: "#888" },
    ],
    {
      logX: true,
      logY: true,
      title: "NTK fluctuations and movement vs width",
      xTitle: "width m",
      yTitle: "relative size",
    },
  );
}

/** Figure 1 table: per width, the seed spread, the median relative kernel change and the worst final MSE. */
export function widthTable(width: WidthResult): Row[] {
  return width.runs.map((r) => ({
    width: r.width,
    "seed spread": +r.initSpread.toFixed(4),
    "median ‖ΔΘ‖/‖Θ₀‖": +median(r.relativeChange).toFixed(4),
    "worst final MSE": +Math.max(...r.finalLoss).toExponential(2),
  }));
}

/** Figure 2a: train and test MSE per α (median and IQR over seeds) against step + 1. */
export function grokLossFigure(grok: GrokResult): Figure {
  const t1 = grok.steps.map((s) => s + 1);
  return lossCurves(
    grok.runs.flatMap((r, i) => [
      { name: `α = ${r.alpha} train`, runs: r.trainLoss, x: t1, color: GROK_COLORS[i % GROK_COLORS.length] },
      { name: `α = ${r.alpha} test`, runs: r.testLoss, x: t1, color: GROK_COLORS[i % GROK_COLORS.length] },
    ]),
    {
      logX: true,
      title: "Train (lower) and test (upper) MSE, median and IQR over seeds",
      xTitle: "step + 1",
      yTitle: "MSE",
    },
  );
}

/** Figure 2b: relative NTK change ‖Θ_t − Θ₀‖_F/‖Θ₀‖_F per α (floored at 1e-6 for the log axis). */
export function grokKernelChangeFigure(grok: GrokResult): Figure {
  const t1 = grok.steps.map((s) => s + 1);
  return lossCurves(
    grok.runs.map((r, i) => ({
      name: `α = ${r.alpha}`,
      runs: r.kernelChange.map((c) => c.map((v) => Math.max(v, 1e-6))),
      x: t1,
      color: GROK_COLORS[i % GROK_COLORS.length],
    })),
    { logX: true, title: "Relative NTK change ‖Θ_t − Θ₀‖_F / ‖Θ₀‖_F", xTitle: "step + 1", yTitle: "relative change" },
  );
}

/** Figure 2c: kernel–target alignment yᵀΘy/(‖Θ‖_F‖y‖²) per α. */
export function grokAlignmentFigure(grok: GrokResult): Figure {
  const t1 = grok.steps.map((s) => s + 1);
  return lossCurves(
    grok.runs.map((r, i) => ({
      name: `α = ${r.alpha}`,
      runs: r.alignment,
      x: t1,
      color: GROK_COLORS[i % GROK_COLORS.length],
    })),
    {
      logX: true,
      logY: false,
      title: "Kernel–target alignment yᵀΘy / (‖Θ‖_F ‖y‖²)",
      xTitle: "step + 1",
      yTitle: "alignment",
    },
  );
}

/** Figure 2 table: drop steps, delay, losses relative to the null loss and kernel change, per α. */
export function grokTable(grok: GrokResult): Row[] {
  return grokSummary(grok).map((s) => ({
    α: s.alpha,
    "train drop step": s.trainStep,
    "test drop step": s.testStep,
    "delay (≥)": +s.delayLowerBound.toFixed(2),
    "test/null at train drop": +s.testAtTrainFit.toFixed(3),
    "final train/null": +s.finalTrain.toExponential(2),
    "final test/null": +s.finalTest.toFixed(3),
    "ΔΘ at train drop": +s.changeAtTrainFit.toFixed(3),
    "ΔΘ at test drop": +s.changeAtTestDrop.toFixed(3),
    "final ΔΘ": +s.finalChange.toFixed(3),
  }));
}

/** Figure 3a: pseudo-NTK kernel and prediction errors against width, with a 1/√m guide. */
export function pntkErrorFigure(pn: PntkResult): Figure {
  const pw = pn.runs.map((r) => r.width);
  const e0 = median(pn.runs[0].kernelError);
  return lineChart(
    [
      {
        name: `‖Θ − pNTK⊗I‖_F / ‖Θ‖_F (slope ${pn.kernelSlope.toFixed(2)})`,
        x: pw,
        y: pn.runs.map((r) => median(r.kernelError)),
        mode: "lines+markers",
      },
      {
        name: `kernel-regression prediction error (slope ${pn.predictionSlope.toFixed(2)})`,
        x: pw,
        y: pn.runs.map((r) => median(r.predictionError)),
        mode: "lines+markers",
      },
      { name: "∝ 1/√m", x: pw, y: pw.map((m) => e0 * Math.sqrt(pw[0] / m)), dash: "dot", color: "#888" },
    ],
    {
      logX: true,
      logY: true,
      title: "Pseudo-NTK error vs width (median over seeds)",
      xTitle: "width m",
      yTitle: "relative error",
    },
  );
}

/** Figure 3b: seconds per kernel, full eNTK against pseudo-NTK, per width. */
export function pntkTimeFigure(pn: PntkResult): Figure {
  const pw = pn.runs.map((r) => r.width);
  return lineChart(
    [
      {
        name: `full eNTK (${pn.config.classes} outputs)`,
        x: pw,
        y: pn.runs.map((r) => r.fullSeconds),
        mode: "lines+markers",
      },
      { name: "pseudo-NTK", x: pw, y: pn.runs.map((r) => r.pseudoSeconds), mode: "lines+markers" },
    ],
    { logX: true, logY: true, title: "Time per kernel (median over seeds)", xTitle: "width m", yTitle: "seconds" },
  );
}

/** Figure 3 table: per width, kernel and prediction errors, class agreement and timings. */
export function pntkTable(pn: PntkResult): Row[] {
  return pn.runs.map((r) => ({
    width: r.width,
    "kernel error": +median(r.kernelError).toFixed(4),
    "prediction error": +median(r.predictionError).toFixed(4),
    "same class": +median(r.argmaxAgreement).toFixed(3),
    "full s": +r.fullSeconds.toFixed(3),
    "pNTK s": +r.pseudoSeconds.toFixed(3),
  }));
}
