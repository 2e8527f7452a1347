/**
 * The tour (notebook 00): gradient descent, heavy-ball momentum and Adam on Rosenbrock's valley.
 *
 * Papers:
 * - H. H. Rosenbrock, "An Automatic Method for Finding the Greatest or Least Value of a Function",
 *   The Computer Journal 3(3), 1960: f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
 * - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Comp.
 *   Math. and Math. Physics 4(5), 1964: heavy ball m ← μm + g, θ ← θ − ηm.
 * - D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980.
 *
 * `runTour(config)` returns plain data (trajectories, loss histories, endpoints); the notebook
 * plots it with `lib/plot` and checks `tourClaims`, and `test/pipeline` runs the notebook itself.
 */
import * as tf from "@tensorflow/tfjs";
import {
  adam,
  adamRule,
  type GradientTransformation,
  grid2d,
  heavyBall,
  landscapeGrid,
  landscapeLoss,
  linearGrid,
  logGrid,
  median,
  minimize,
  quickMode,
  Rng,
  rosenbrock,
  sgd,
  sweep,
} from "optbook";

export { quickMode };

export interface TourMethod {
  key: "sgd" | "momentum" | "adam";
  label: string;
  make: () => GradientTransformation;
}

export interface TourConfig {
  /** optimizer steps */
  steps: number;
  /** number of starting points (runs), jittered around `start` */
  starts: number;
  /** centre of the starting points */
  start: [number, number];
  /** standard deviation of the Gaussian jitter of the starting points */
  jitter: number;
  seed: number;
  /** contour grid resolution */
  resolution: number;
  methods: TourMethod[];
}

/**
 * The tour's setup: start near Rosenbrock's classic (−1.2, 1); SGD η = 10⁻³; heavy ball η = 10⁻³,
 * μ = 0.9 (effective step η/(1 − μ) = 10⁻²); Adam η = 0.1, β = (0.9, 0.999). Quick mode: 1000 steps,
 * 4 starts; full: 3000 steps, 8 starts.
 */
export function tourConfig(quick = quickMode()): TourConfig {
  return {
    steps: quick ? 1000 : 3000,
    starts: quick ? 4 : 8,
    start: [-1.2, 1],
    jitter: 0.05,
    seed: 0,
    resolution: quick ? 80 : 160,
    methods: [
      { key: "sgd", label: "SGD (η = 1e-3)", make: () => sgd({ lr: 1e-3 }) },
      { key: "momentum", label: "heavy ball (η = 1e-3, μ = 0.9)", make: () => heavyBall({ lr: 1e-3, momentum: 0.9 }) },
      { key: "adam", label: "Adam (η = 0.1)", make: () => adam({ lr: 0.1 }) },
    ],
  };
}

export interface TourRun {
  key: TourMethod["key"];
  label: string;
  /** `xs[r][k]`, `ys[r][k]`: position of run r after `steps[k]` updates */
  xs: number[][];
  ys: number[][];
  /** `losses[r][k]`: f at that point */
  losses: number[][];
  steps: number[];
  /** final point of each run */
  final: { x: number; y: number; loss: number }[];
  diverged: boolean[];
}

export interface TourResult {
  config: Omit<TourConfig, "methods">;
  starts: [number, number][];
  grid: { x: number[]; y: number[]; z: number[][] };
  runs: TourRun[];
  seconds: number;
}

/**
 * Runs every method from the same seeded starting points (all starts batched as `[starts, 2]`),
 * recording the iterate and the loss at every step.
 */
export async function runTour(config: TourConfig = tourConfig()): Promise<TourResult> {
  const t0 = Date.now();
  if (!Number.isInteger(config.steps) || config.steps < 1)
    throw new Error(`runTour: steps must be a positive integer, got ${config.steps}`);
  if (!Number.isInteger(config.starts) || config.starts < 1)
    throw new Error(`runTour: starts must be a positive integer, got ${config.starts}`);
  const land = rosenbrock();
  const rng = new Rng(config.seed);
  const starts: [number, number][] = Array.from({ length: config.starts }, () => [
    config.start[0] + rng.normal(0, config.jitter),
    config.start[1] + rng.normal(0, config.jitter),
  ]);
  const g = await landscapeGrid(land, {
    resolution: config.resolution,
    domain: [
      [-2, 2],
      [-1, 3],
    ],
  });
  const runs: TourRun[] = [];
  for (const m of config.methods) {
    const loss = landscapeLoss(land);
    const x0 = tf.tensor2d(starts.flat(), [config.starts, 2]);
    const xs: number[][] = starts.map(() => []);
    const ys: number[][] = starts.map(() => []);
    const losses: number[][] = starts.map(() => []);
    const steps: number[] = [];
    const res = await minimize((p) => loss(p as tf.Tensor, 1), x0, m.make(), {
      steps: config.steps,
      progressSeconds: 0,
      onStep: async (rec) => {
        const v = await (rec.params as tf.Tensor).data();
        steps.push(rec.step);
        for (let r = 0; r < config.starts; r++) {
          xs[r].push(v[2 * r]);
          ys[r].push(v[2 * r + 1]);
          losses[r].push(rec.losses[r]);
        }
      },
    });
    x0.dispose();
    const fin = await (res.params as tf.Tensor).data();
    tf.dispose(res.params as tf.Tensor);
    const final = starts.map((_, r) => ({ x: fin[2 * r], y: fin[2 * r + 1], loss: losses[r][losses[r].length - 1] }));
    runs.push({ key: m.key, label: m.label, xs, ys, losses, steps, final, diverged: res.diverged });
  }
  const { methods: _m, ...rest } = config;
  return { config: rest, starts, grid: { x: g.xs, y: g.ys, z: g.z }, runs, seconds: (Date.now() - t0) / 1000 };
}

export interface TourClaim {
  text: string;
  passed: boolean;
  measured: Record<string, number>;
}

/**
 * The tour's checked claims:
 * 1. Heavy-ball momentum with the same η ends far lower than plain gradient descent (Polyak 1964:
 *    momentum speeds progress along the ill-conditioned valley): median final loss ratio < 10⁻².
 * 2. Plain gradient descent with η = 10⁻³ is still in the valley after the run: median f > 10⁻³.
 * 3. Adam (η = 0.1) ends at x > 0.97 from every start (the minimum is x = 1).
 */
export function tourClaims(r: TourResult): TourClaim[] {
  const get = (k: TourRun["key"]) => {
    const run = r.runs.find((x) => x.key === k);
    if (!run) throw new Error(`tourClaims: no run for method ${k}`);
    return run;
  };
  const sgdF = median(get("sgd").final.map((f) => f.loss));
  const momF = median(get("momentum").final.map((f) => f.loss));
  const adamX = Math.min(...get("adam").final.map((f) => f.x));
  const T = r.config.steps;
  return [
    {
      text: `Heavy-ball momentum (μ = 0.9) ends at least 100× lower than SGD with the same η after ${T} steps`,
      passed: momF < 1e-2 * sgdF,
      measured: { "median f SGD": sgdF, "median f momentum": momF },
    },
    {
      text: `Plain SGD (η = 1e-3) is still crawling along the valley after ${T} steps (median f > 1e-3)`,
      passed: sgdF > 1e-3,
      measured: { "median f SGD": sgdF },
    },
    {
      text: "Adam (η = 0.1) ends at x > 0.97 from every start",
      passed: adamX > 0.97,
      measured: { "min final x, Adam": adamX },
    },
  ];
}

export interface AdamGridConfig {
  /** grid points per axis (n × n runs) */
  n: number;
  steps: number;
  start: [number, number];
  /** learning-rate range (log-spaced) and β₁ range (linear) */
  lr: [number, number];
  b1: [number, number];
}

/** The tour's sweep: 256 × 256 (quick: 64 × 64) grid of (η, β₁), 2000 Adam steps from (−1.5, 2). */
export function adamGridConfig(quick = quickMode()): AdamGridConfig {
  return { n: quick ? 64 : 256, steps: 2000, start: [-1.5, 2], lr: [1e-4, 1], b1: [0, 0.99] };
}

export interface AdamGridResult {
  config: AdamGridConfig;
  /** heatmap axes and final loss (NaN where the run diverged), z[i][j] at β₁ = rows[i], η = cols[j] */
  rows: number[];
  cols: number[];
  z: number[][];
  diverged: number;
  best: { lr: number; b1: number; loss: number };
  seconds: number;
  kernel: string;
  workers: number;
}

/**
 * Adam (Kingma & Ba 2015) on Rosenbrock over a grid of (η, β₁), every run one trajectory of the
 * fused sweep engine (float64), final loss per cell.
 */
export async function adamGrid(config: AdamGridConfig = adamGridConfig()): Promise<AdamGridResult> {
  const { n, steps, start } = config;
  const r = await sweep({
    landscape: rosenbrock(),
    optimizer: adamRule(),
    init: start,
    steps,
    grid: { lr: logGrid(config.lr[0], config.lr[1], n), b1: linearGrid(config.b1[0], config.b1[1], n) },
  });
  const loss = Array.from(r.finalLoss, (v, k) => (r.diverged[k] ? NaN : v));
  // Exact zeros (runs that land on (1, 1)) are floored at 1e-16 so a log colour scale can show them.
  const g = grid2d(
    r,
    loss.map((v) => (Number.isNaN(v) ? v : Math.max(v, 1e-16))),
    "b1",
    "lr",
  );
  let best = { lr: NaN, b1: NaN, loss: Infinity };
  loss.forEach((v, k) => {
    if (v < best.loss) best = { lr: r.hyper.lr[k], b1: r.hyper.b1[k], loss: v };
  });
  return {
    config,
    rows: g.rows,
    cols: g.cols,
    z: g.z,
    diverged: r.diverged.reduce((a, b) => a + b, 0),
    best,
    seconds: r.seconds,
    kernel: r.kernel,
    workers: r.workers,
  };
}

/**
 * Claims on the sweep:
 * 1. No run diverges. Kingma & Ba (§2.1): Adam's effective step |Δ| is bounded by about η (at most
 *    η(1 − β₁)/√(1 − β₂) in the sparsest case), so 2000 steps with η ≤ 1 cannot leave a bounded region.
 * 2. Some (η, β₁) in the grid reaches the minimum's neighbourhood: f < 10⁻⁶.
 */
export function adamGridClaims(res: AdamGridResult): TourClaim[] {
  const runs = res.config.n * res.config.n;
  return [
    {
      text: `Adam's bounded effective step (Kingma & Ba §2.1): none of the ${runs} runs with η ≤ ${res.config.lr[1]} diverges`,
      passed: res.diverged === 0,
      measured: { runs, diverged: res.diverged },
    },
    {
      text: "some (η, β₁) in the grid reaches f < 1e-6 within the step budget",
      passed: res.best.loss < 1e-6,
      measured: { "best f": res.best.loss, "at η": res.best.lr, "β₁": res.best.b1 },
    },
  ];
}
