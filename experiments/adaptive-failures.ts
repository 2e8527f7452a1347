/**
 * Theme 1 — adaptive methods that fail on convex toys, and the fixes.
 *
 * Papers:
 * - Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018, arXiv:1904.09237):
 *   the online problem f_t(x) = 1010x if t mod 101 = 1 else −10x on [−1, 1] and its stochastic
 *   twin (1010x w.p. 0.01, else −10x); Adam drifts to x = +1, AMSGrad to the optimum x = −1.
 * - Taniguchi et al., "ADOPT: Modified Adam Can Converge with Any β2 with the Optimal Rate"
 *   (NeurIPS 2024, arXiv:2411.02853): the toy with stochastic gradient k² w.p. 1/k, else −k.
 * - Zhuang et al., "AdaBelief Optimizer" (NeurIPS 2020, arXiv:2010.07468).
 * - Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015, arXiv:1412.6980).
 *
 * Every function takes a config and returns plain data (numbers, arrays, records); the notebook
 * `notebooks/01-adaptive-failures.ipynb` plots them and `test/claims/adaptive-failures.test.ts`
 * checks the same claims in quick mode. All runs go through the fused sweep engine (`sweep`), one
 * compiled loop over every (hyperparameter × seed) run.
 */
import {
  adabeliefRule,
  type AdamEps,
  adamRule,
  adoptRule,
  adoptToy,
  amsgradOnline,
  amsgradRule,
  amsgradStochastic,
  type ClaimCheck,
  type ClosedFormLandscape,
  type ElementwiseRule,
  type Figure,
  logLogSlope,
  median,
  medianBand,
  quantile,
  quickMode,
  sweep,
  type SweepResult,
  type SweepSpec,
  firstCrossing,
  logSteps,
  rgba,
  subplotGrid,
  subplotSuffix,
} from "optbook";

export { logLogSlope, logSteps, median, medianBand, quantile, quickMode, type ClaimCheck };

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** One method of a figure: a rule from `lib/optimizers` plus the hyperparameters fixed for it. */
export interface Method {
  key: string;
  label: string;
  rule: ElementwiseRule;
  /** hyperparameters overriding the rule's defaults (the figure's b1/b2/lr come on top) */
  hyper?: Record<string, number>;
}

/** Median and quartile band of several runs at each recorded step. */
export interface Band {
  median: number[];
  lo: number[];
  hi: number[];
}

/**
 * Runs `spec` for T steps and returns the iterate (coordinate 0) of every run at step 0 and at
 * `logSteps(T, points)` (the engine's `record: { steps }`), with the sweep result.
 */
export async function logTrajectories(
  spec: Omit<SweepSpec, "record" | "steps">,
  T: number,
  points: number,
): Promise<{ steps: number[]; x: Float64Array[]; result: SweepResult }> {
  const steps = [0, ...logSteps(T, points)];
  const result = await runSweep({ ...spec, steps: T, record: { steps } });
  const rec = Array.from(result.recordSteps!);
  if (rec.length !== steps.length || rec.some((s, j) => s !== steps[j]))
    throw new Error("logTrajectories: the engine recorded other steps than asked");
  const x = steps.map((_, j) => {
    const col = new Float64Array(result.runs);
    for (let run = 0; run < result.runs; run++) col[run] = result.x![(run * steps.length + j) * result.dim];
    return col;
  });
  return { steps, x, result };
}

/**
 * `sweep`, falling back to the calling thread when worker threads cannot start (e.g. inside a
 * kernel whose preload script is not worker-safe); results are identical either way.
 */
async function runSweep(spec: SweepSpec): Promise<SweepResult> {
  try {
    return await sweep(spec);
  } catch (e) {
    if (!/worker/i.test((e as Error).message) || spec.workers === 0) throw e;
    console.warn(`adaptive-failures: ${(e as Error).message.split("\n")[0]}; running on the calling thread instead`);
    return sweep({ ...spec, workers: 0 });
  }
}

/** Median and quartiles over runs [r0, r1) of per-step columns. */
function bandOf(x: Float64Array[], r0: number, r1: number): Band {
  const pick = (col: Float64Array) => col.subarray(r0, r1);
  return {
    median: x.map((c) => median(pick(c))),
    lo: x.map((c) => quantile(pick(c), 0.25)),
    hi: x.map((c) => quantile(pick(c), 0.75)),
  };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

// ---------------------------------------------------------------------------------------------
// Figure 1 — Reddi et al.'s online and stochastic problems

/**
 * The methods of figure 1, each in its paper's own form:
 * - Adam as Reddi et al. analyse it (their Algorithm 1 with φ, ψ of Adam): m = β₁m + (1−β₁)g,
 *   v = β₂v + (1−β₂)g², x ← Π(x − α_t m/√v), no bias correction (ε = 1e-8 is negligible: |g| ≥ 10);
 * - AMSGrad, Reddi et al. Algorithm 2: the same with v̂_t = max(v̂_{t−1}, v_t), no bias correction;
 * - AdaBelief, Zhuang et al. Algorithm 2 (bias-corrected, s_t = β₂s + (1−β₂)(g−m)² + ε, ε = 1e-16);
 * - ADOPT, Taniguchi et al. Algorithm 2 without clipping (as in the paper's toy), and with the clip
 *   c_t = (t−1)^¼ that the authors' implementation later added for stability (the optax/PyTorch
 *   default), ε = 1e-6.
 */
export function reddiMethods(): Method[] {
  return [
    { key: "adam", label: "Adam", rule: adamRule({ biasCorrection: false }) },
    { key: "amsgrad", label: "AMSGrad", rule: amsgradRule({ biasCorrection: false }) },
    { key: "adabelief", label: "AdaBelief", rule: adabeliefRule() },
    { key: "adopt", label: "ADOPT", rule: adoptRule({ clip: false }) },
    { key: "adoptClip", label: "ADOPT (clipped)", rule: adoptRule({ clip: true }) },
  ];
}

export interface ReddiConfig {
  /** horizon T */
  steps: number;
  /** seeds of the stochastic problem */
  seeds: number;
  /** α of the schedule α_t = α/√t */
  lr: number;
  b1: number;
  b2: number;
  /** α values for the step-size sensitivity panel (final x only) */
  lrGrid: number[];
  /** seeds per α in the sensitivity panel (stochastic problem) */
  lrGridSeeds: number;
  /** log-spaced points per trajectory */
  points: number;
}

/**
 * Figure 1's setup. β₁ = 0.9, β₂ = 0.99 and α_t = α/√t are Reddi et al.'s (Section 5). α = 0.1 is
 * not from their text (which we could not read in full): it is the large-t form of the ADOPT toy's
 * schedule 0.01/√(1 + 0.01t) ≈ 0.1/√t (as in a public script of the toy); the α panel shows all methods over
 * α ∈ [0.01, 1]. Full: T = 2·10⁶, 16 seeds (8 per α in the α panel); quick: T = 2·10⁵, 8 seeds (4).
 */
export function reddiConfig(quick = quickMode()): ReddiConfig {
  return quick
    ? {
        steps: 200_000,
        seeds: 8,
        lr: 0.1,
        b1: 0.9,
        b2: 0.99,
        lrGrid: [0.01, 0.03, 0.1, 0.3, 1],
        lrGridSeeds: 4,
        points: 120,
      }
    : {
        steps: 2_000_000,
        seeds: 16,
        lr: 0.1,
        b1: 0.9,
        b2: 0.99,
        lrGrid: [0.01, 0.03, 0.1, 0.3, 1],
        lrGridSeeds: 8,
        points: 200,
      };
}

export interface ReddiResult {
  config: ReddiConfig;
  methods: { key: string; label: string }[];
  /** recorded steps (0 first) */
  steps: number[];
  /** online problem: x_t per method (deterministic, one run) */
  online: Record<string, number[]>;
  /** stochastic problem: median and quartiles over seeds per method */
  stochastic: Record<string, Band>;
  /** final x of the stochastic problem, per method, per seed */
  stochasticFinal: Record<string, number[]>;
  /** α panel: final x per method and α (online), and the median over seeds (stochastic) */
  lrSweep: { lr: number[]; online: Record<string, number[]>; stochastic: Record<string, number[]> };
  seconds: number;
}

/** α_t = α/√t as a sweep schedule: the engine reads schedules at count = t − 1 (updates done so far). */
function schedInvSqrt(count: number): number {
  return 1 / Math.sqrt(count + 1);
}

/** Runs figure 1: every method on the online and the stochastic problem, plus the α panel. */
export async function reddiExperiment(config: ReddiConfig = reddiConfig()): Promise<ReddiResult> {
  const start = performance.now();
  const { steps: T, seeds, lr, b1, b2, lrGrid, lrGridSeeds, points } = config;
  if (!(lr > 0) || !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
    throw new Error(`reddiExperiment: bad config lr=${lr} b1=${b1} b2=${b2}`);
  const methods = reddiMethods();
  const online: Record<string, number[]> = {};
  const stochastic: Record<string, Band> = {};
  const stochasticFinal: Record<string, number[]> = {};
  const lrOnline: Record<string, number[]> = {};
  const lrStoch: Record<string, number[]> = {};
  let steps: number[] = [];
  for (const m of methods) {
    const base = { optimizer: m.rule, init: [0], hyper: { ...m.hyper, lr, b1, b2 }, schedule: { lr: schedInvSqrt } };
    const on = await logTrajectories({ ...base, landscape: amsgradOnline() }, T, points);
    steps = on.steps;
    online[m.key] = on.x.map((c) => c[0]);
    const st = await logTrajectories({ ...base, landscape: amsgradStochastic(), seeds }, T, points);
    stochastic[m.key] = bandOf(st.x, 0, seeds);
    stochasticFinal[m.key] = Array.from(st.result.finalX);
    // α panel: lr is gridded, the 1/√t schedule multiplies it.
    const grid = { b1, b2 };
    const on2 = await runSweep({
      landscape: amsgradOnline(),
      optimizer: m.rule,
      init: [0],
      steps: T,
      grid: { lr: lrGrid },
      hyper: { ...m.hyper, ...grid },
      schedule: { lr: schedInvSqrt },
    });
    lrOnline[m.key] = Array.from(on2.finalX);
    const st2 = await runSweep({
      landscape: amsgradStochastic(),
      optimizer: m.rule,
      init: [0],
      steps: T,
      grid: { lr: lrGrid },
      seeds: lrGridSeeds,
      hyper: { ...m.hyper, ...grid },
      schedule: { lr: schedInvSqrt },
    });
    lrStoch[m.key] = lrGrid.map((_, i) => median(st2.finalX.subarray(i * lrGridSeeds, (i + 1) * lrGridSeeds)));
  }
  return {
    config,
    methods: methods.map(({ key, label }) => ({ key, label })),
    steps,
    online,
    stochastic,
    stochasticFinal,
    lrSweep: { lr: lrGrid, online: lrOnline, stochastic: lrStoch },
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * Closed form for AMSGrad on the online problem (Reddi et al.'s Algorithm 2, no bias correction).
 * Over one period the raw second moment goes through a large step then `period − 1` small ones; its
 * periodic peak (just after the large gradient) solves v* = β₂(β₂^{P−1}v* + (1 − β₂^{P−1})s²) +
 * (1 − β₂)L², so v* = [β₂(1 − β₂^{P−1})s² + (1 − β₂)L²] / (1 − β₂^P). The peaks increase to v*, so
 * v̂max → v*. Once it is reached, x drifts at dx/dt = −α_t·ḡ/√v* with ḡ = (L − (P−1)s)/P the mean
 * gradient (the EMA m_t preserves the period's sum), i.e. between T₀ and T (inside the box):
 * x_T − x_{T₀} = −2α·ḡ/√v*·(√T − √T₀) for α_t = α/√t.
 */
export function amsgradOnlineDrift(opts: {
  large?: number;
  small?: number;
  period?: number;
  b2: number;
  lr: number;
  vmax?: number;
}) {
  const { large: L = 1010, small: s = 10, period: P = 101, b2, lr } = opts;
  const vStar = (b2 * (1 - b2 ** (P - 1)) * s * s + (1 - b2) * L * L) / (1 - b2 ** P);
  const vmax = opts.vmax ?? vStar;
  const meanGrad = (L - (P - 1) * s) / P;
  const rate = meanGrad / Math.sqrt(vmax);
  return {
    vStar,
    vmax,
    meanGrad,
    /** dx/dt = −rate·α_t */
    rate,
    displacement: (T0: number, T: number) => -2 * lr * rate * (Math.sqrt(T) - Math.sqrt(T0)),
  };
}

/** x at step s (nearest recorded step at or below s). */
function atStep(steps: number[], xs: number[], s: number): number {
  let j = 0;
  while (j + 1 < steps.length && steps[j + 1] <= s) j++;
  return xs[j];
}

/** The claims of figure 1, checked on a `ReddiResult`. */
export function reddiClaims(r: ReddiResult): ClaimCheck[] {
  const T = r.config.steps;
  const last = r.steps.length - 1;
  const fin = (k: string) => r.online[k][last];
  const med = (k: string) => r.stochastic[k].median[last];
  const out: ClaimCheck[] = [];
  out.push({
    text: "Reddi et al.: Adam drifts to x = +1, the worst point (final x ≥ 0.9 on the online problem and median over seeds on the stochastic one)",
    passed: fin("adam") >= 0.9 && med("adam") >= 0.9,
    details: `online x_T = ${fmt(fin("adam"))}, stochastic median x_T = ${fmt(med("adam"))} (T = ${T}, α = ${r.config.lr})`,
  });
  // AMSGrad: the direction (x_T < 0 and still decreasing); how far it gets is the next claim.
  const tq = Math.max(1, Math.floor(T / 10));
  const onQ = atStep(r.steps, r.online.amsgrad, tq);
  const stPeak = Math.max(...r.stochastic.amsgrad.median);
  out.push({
    text:
      "Reddi et al.: AMSGrad heads to the optimum x = −1 (online: x_T < 0 and decreasing over the last decade of steps; " +
      "stochastic: the median turns around — x_T at least 0.1 below its peak — and ends below Adam's)",
    passed:
      fin("amsgrad") < 0 && fin("amsgrad") < onQ && med("amsgrad") < med("adam") && med("amsgrad") <= stPeak - 0.1,
    details:
      `online x_{T/10} = ${fmt(onQ)} → x_T = ${fmt(fin("amsgrad"))}; stochastic median peak ${fmt(stPeak)} → x_T ${fmt(med("amsgrad"))} ` +
      `(Adam ${fmt(med("adam"))})`,
  });
  // AMSGrad's speed: the closed-form drift (see amsgradOnlineDrift) predicts how far it gets.
  const drift = amsgradOnlineDrift({ b2: r.config.b2, lr: r.config.lr });
  const pred = drift.displacement(tq, T);
  const meas = fin("amsgrad") - onQ;
  out.push({
    text: "AMSGrad's slow approach is the predicted one: on the online problem x_T − x_{T/10} matches −2α·ḡ/√v*·(√T − √(T/10)) within 15%",
    passed: Math.abs(meas - pred) <= 0.15 * Math.abs(pred),
    details:
      `measured ${fmt(meas, 4)}, predicted ${fmt(pred, 4)} (v* = ${fmt(drift.vStar, 0)}, ḡ = ${fmt(drift.meanGrad, 4)}); ` +
      `at this rate x = −1 needs T ≈ ${Math.round(((1 + onQ) / (2 * r.config.lr * drift.rate) + Math.sqrt(tq)) ** 2).toExponential(1)} steps`,
  });
  const lrs = r.lrSweep.lr;
  const iMax = lrs.length - 1;
  out.push({
    text: `With a larger step (α = ${lrs[iMax]}), AMSGrad reaches x ≤ −0.9 within T on the online problem while Adam stays at x ≥ 0.9`,
    passed: r.lrSweep.online.amsgrad[iMax] <= -0.9 && r.lrSweep.online.adam[iMax] >= 0.9,
    details: `AMSGrad x_T = ${fmt(r.lrSweep.online.amsgrad[iMax])}, Adam x_T = ${fmt(r.lrSweep.online.adam[iMax])}`,
  });
  out.push({
    text: "Taniguchi et al.: ADOPT (Algorithm 2, no clipping) converges to the optimum — online x_T ≤ −0.9; stochastic median x_T on the optimum's side (< 0) where Adam's is ≥ 0.9",
    passed: fin("adopt") <= -0.9 && med("adopt") < 0 && med("adam") >= 0.9,
    details: `online x_T = ${fmt(fin("adopt"))}, stochastic median x_T = ${fmt(med("adopt"))}`,
  });
  return out;
}

/** Where each method ends (the figure's "report where AdaBelief and ADOPT end"), as table rows. */
export function reddiEndpoints(
  r: ReddiResult,
): { method: string; online: number; stochasticMedian: number; stochasticLo: number; stochasticHi: number }[] {
  const last = r.steps.length - 1;
  return r.methods.map(({ key, label }) => ({
    method: label,
    online: r.online[key][last],
    stochasticMedian: r.stochastic[key].median[last],
    stochasticLo: r.stochastic[key].lo[last],
    stochasticHi: r.stochastic[key].hi[last],
  }));
}

// ---------------------------------------------------------------------------------------------
// Figure 2 — ADOPT's toy

/**
 * The methods of figure 2 as in the ADOPT toy's reference script (Adam and AMSGrad without bias
 * correction, ADOPT without clipping), plus ADOPT with the clip of the authors' later release.
 */
export function adoptToyMethods(): Method[] {
  return [
    { key: "adam", label: "Adam", rule: adamRule({ biasCorrection: false }) },
    { key: "amsgrad", label: "AMSGrad", rule: amsgradRule({ biasCorrection: false }) },
    { key: "adopt", label: "ADOPT", rule: adoptRule({ clip: false }) },
    { key: "adoptClip", label: "ADOPT (clipped)", rule: adoptRule({ clip: true }) },
  ];
}

export interface AdoptToyConfig {
  ks: number[];
  b2s: number[];
  b1: number;
  /** base step size α of α_t = α/√(1 + α·(t − 1)) */
  lr: number;
  steps: number;
  seeds: number;
  points: number;
}

/**
 * Figure 2's setup: θ₀ = 0, θ ∈ [−1, 1], β₁ = 0.9, β₂ ∈ {0.1, 0.5, 0.999}, k ∈ {10, 50} and the
 * schedule α_t = 0.01/√(1 + 0.01·(t − 1)) of the ADOPT toy (its script writes 0.01/√(1 + 0.01 i)
 * for the i-th step from 0). The script runs 2·10⁶ steps over 1000 samples; full mode runs 10⁶ steps
 * × 24 seeds, quick mode 2·10⁵ × 8.
 */
export function adoptToyConfig(quick = quickMode()): AdoptToyConfig {
  return quick
    ? { ks: [10, 50], b2s: [0.1, 0.5, 0.999], b1: 0.9, lr: 0.01, steps: 200_000, seeds: 8, points: 80 }
    : { ks: [10, 50], b2s: [0.1, 0.5, 0.999], b1: 0.9, lr: 0.01, steps: 1_000_000, seeds: 24, points: 150 };
}

export interface AdoptToyResult {
  config: AdoptToyConfig;
  methods: { key: string; label: string }[];
  steps: number[];
  /** trajectories[method][k][b2 index]: median and quartiles over seeds */
  trajectories: Record<string, Record<number, Band[]>>;
  /** final θ per seed: final[method][k][b2 index] */
  final: Record<string, Record<number, number[][]>>;
  seconds: number;
}

/** Runs figure 2: every method × k, with β₂ and seeds batched in one sweep per (method, k). */
export async function adoptToyExperiment(config: AdoptToyConfig = adoptToyConfig()): Promise<AdoptToyResult> {
  const start = performance.now();
  const { ks, b2s, b1, lr, steps: T, seeds, points } = config;
  const a = lr;
  const methods = adoptToyMethods();
  const trajectories: AdoptToyResult["trajectories"] = {};
  const final: AdoptToyResult["final"] = {};
  let steps: number[] = [];
  for (const m of methods) {
    trajectories[m.key] = {};
    final[m.key] = {};
    for (const k of ks) {
      const res = await logTrajectories(
        {
          landscape: adoptToy({ k }),
          optimizer: m.rule,
          init: [0],
          grid: { b2: b2s },
          seeds,
          hyper: { ...m.hyper, lr, b1 },
          schedule: { lr: (count) => 1 / Math.sqrt(1 + a * count) }, // count = t − 1
        },
        T,
        points,
      );
      steps = res.steps;
      trajectories[m.key][k] = b2s.map((_, i) => bandOf(res.x, i * seeds, (i + 1) * seeds));
      final[m.key][k] = b2s.map((_, i) => Array.from(res.result.finalX.subarray(i * seeds, (i + 1) * seeds)));
    }
  }
  return {
    config,
    methods: methods.map(({ key, label }) => ({ key, label })),
    steps,
    trajectories,
    final,
    seconds: (performance.now() - start) / 1000,
  };
}

/** The claims of figure 2, checked on an `AdoptToyResult`. */
export function adoptToyClaims(r: AdoptToyResult): ClaimCheck[] {
  const { ks, b2s } = r.config;
  const medF = (m: string, k: number, i: number) => median(r.final[m][k][i]);
  const cells = ks.flatMap((k) => b2s.map((b2, i) => ({ k, b2, i })));
  const small = cells.filter((c) => c.b2 < 0.9);
  const out: ClaimCheck[] = [];
  out.push({
    text: "Taniguchi et al.: Adam fails for small β₂ — for β₂ ∈ {0.1, 0.5} its median final θ is on the wrong side (> 0.5) for both k",
    passed: small.every((c) => medF("adam", c.k, c.i) > 0.5),
    details: small.map((c) => `k=${c.k} β₂=${c.b2}: ${fmt(medF("adam", c.k, c.i))}`).join("; "),
  });
  const big = cells.filter((c) => c.b2 >= 0.9);
  const kLo = Math.min(...ks),
    kHi = Math.max(...ks);
  const bigLo = big.find((c) => c.k === kLo)!,
    bigHi = big.find((c) => c.k === kHi)!;
  out.push({
    text: `Taniguchi et al.: with β₂ = ${bigLo.b2} Adam converges for k = ${kLo} (median θ_T ≤ −0.9) but fails for the larger k = ${kHi} (median θ_T > 0)`,
    passed: medF("adam", kLo, bigLo.i) <= -0.9 && medF("adam", kHi, bigHi.i) > 0,
    details: `k=${kLo}: ${fmt(medF("adam", kLo, bigLo.i))}; k=${kHi}: ${fmt(medF("adam", kHi, bigHi.i))}`,
  });
  // ADOPT: converged (≤ −0.9) for the small k; for the large k the slowest cell (β₂ near 1) has
  // not arrived by T — see `adoptToyDrift` — so there it is checked against the other methods.
  const lowCells = cells.filter((c) => c.k === kLo),
    highCells = cells.filter((c) => c.k !== kLo);
  out.push({
    text:
      `Taniguchi et al.: ADOPT converges for every β₂ — for k = ${kLo} its median θ_T ≤ −0.9 at every β₂; ` +
      `for k = ${kHi} its median θ_T is below Adam's and AMSGrad's at every β₂`,
    passed:
      lowCells.every((c) => medF("adopt", c.k, c.i) <= -0.9) &&
      highCells.every((c) => medF("adopt", c.k, c.i) < Math.min(medF("adam", c.k, c.i), medF("amsgrad", c.k, c.i))),
    details:
      cells
        .map(
          (c) =>
            `k=${c.k} β₂=${c.b2}: ADOPT ${fmt(medF("adopt", c.k, c.i))} (Adam ${fmt(medF("adam", c.k, c.i))}, AMSGrad ${fmt(medF("amsgrad", c.k, c.i))})`,
        )
        .join("; ") +
      `; mean-drift estimate for k=${kHi}, β₂→1: θ_T ≈ ${fmt(adoptToyDrift({ k: kHi, lr: r.config.lr, steps: r.config.steps }))}`,
  });
  // AMSGrad: slower than ADOPT — it reaches θ ≤ −0.5 (median) later than ADOPT, or neither does.
  const cross = (m: string, c: { k: number; i: number }) => {
    // the first recorded step where the median iterate reaches −0.5 (∞ if never)
    const j = firstCrossing(r.trajectories[m][c.k][c.i].median, -0.5);
    return j < 0 ? Infinity : r.steps[j];
  };
  const slower = (c: { k: number; i: number }) =>
    cross("amsgrad", c) > cross("adopt", c) || (cross("amsgrad", c) === Infinity && cross("adopt", c) === Infinity);
  out.push({
    text: "Taniguchi et al.: AMSGrad is slow — in every (k, β₂) cell its median θ reaches −0.5 later than ADOPT's (or neither does within T)",
    passed: cells.every(slower),
    details: cells
      .map((c) => `k=${c.k} β₂=${c.b2}: AMSGrad ${cross("amsgrad", c)}, ADOPT ${cross("adopt", c)}`)
      .join("; "),
  });
  return out;
}

/**
 * A mean-drift estimate for ADOPT on the toy when β₂ → 1: v_{t−1} ≈ E g² = k³ + k² − k, so the
 * normalised gradient has mean E g/√(E g²) = 1/√(k³ + k² − k) and θ_T ≈ −Σ_{t=2}^{T} α_t/√(E g²)
 * (ignoring the box and the fluctuation of v), with α_t = α/√(1 + α(t − 1)).
 */
export function adoptToyDrift(opts: { k: number; lr: number; steps: number }): number {
  const { k, lr, steps } = opts;
  let sum = 0;
  for (let t = 2; t <= steps; t++) sum += lr / Math.sqrt(1 + lr * (t - 1));
  return -sum / Math.sqrt(k ** 3 + k ** 2 - k);
}

// ---------------------------------------------------------------------------------------------
// Figure 3 — where library variants differ

export interface VariantsConfig {
  steps: number;
  lr: number;
  b1: number;
  b2: number;
  /** ε values of the placement panel */
  epsGrid: number[];
  points: number;
}

/** Figure 3's setup: the online problem of figure 1 with the same β's, α and horizon. */
export function variantsConfig(quick = quickMode()): VariantsConfig {
  const epsGrid = Array.from({ length: 29 }, (_, i) => 10 ** (-8 + i / 2)); // 1e-8 … 1e6
  return quick
    ? { steps: 200_000, lr: 0.1, b1: 0.9, b2: 0.99, epsGrid, points: 100 }
    : { steps: 2_000_000, lr: 0.1, b1: 0.9, b2: 0.99, epsGrid, points: 200 };
}

/** The ε placements libraries use (Kingma & Ba / PyTorch / optax: outside; optax eps_root-style: inside; Keras/tf: ε̂). */
export const EPS_PLACEMENTS: { key: AdamEps; label: string }[] = [
  { key: "outside", label: "m̂/(√v̂ + ε) — Kingma & Ba, PyTorch, optax" },
  { key: "inside", label: "m̂/√(v̂ + ε)" },
  { key: "uncorrected", label: "ε̂ form: √(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε) — Keras, tf.train" },
];

/** The AMSGrad maximum variants: over raw v (PyTorch), over bias-corrected v̂ (optax), and the paper's (no correction). */
export const AMSGRAD_VARIANTS: { key: string; label: string; rule: () => ElementwiseRule }[] = [
  {
    key: "paper",
    label: "no bias correction (Reddi et al. Alg. 2)",
    rule: () => amsgradRule({ biasCorrection: false }),
  },
  {
    key: "beforeCorrection",
    label: "max of raw v, then corrected (PyTorch)",
    rule: () => amsgradRule({ amsgradMax: "beforeCorrection" }),
  },
  {
    key: "afterCorrection",
    label: "max of corrected v̂ (optax)",
    rule: () => amsgradRule({ amsgradMax: "afterCorrection" }),
  },
];

export interface VariantsResult {
  config: VariantsConfig;
  /** final x on the online problem per ε placement and ε (bias-corrected Adam) */
  eps: { eps: number[]; final: Record<string, number[]> };
  /** Adam with and without bias correction: x_t */
  steps: number[];
  adamBias: Record<"corrected" | "uncorrected", number[]>;
  /** AMSGrad variants: x_t */
  amsgrad: Record<string, number[]>;
  seconds: number;
}

/** Runs figure 3 on the online problem of Reddi et al. */
export async function variantsExperiment(config: VariantsConfig = variantsConfig()): Promise<VariantsResult> {
  const start = performance.now();
  const { steps: T, lr, b1, b2, epsGrid, points } = config;
  const landscape: ClosedFormLandscape = amsgradOnline();
  const base = { landscape, init: [0], schedule: { lr: schedInvSqrt } };
  const final: Record<string, number[]> = {};
  for (const p of EPS_PLACEMENTS) {
    const r = await runSweep({
      ...base,
      optimizer: adamRule({ epsPlacement: p.key }),
      steps: T,
      grid: { eps: epsGrid },
      hyper: { lr, b1, b2 },
    });
    final[p.key] = Array.from(r.finalX);
  }
  let steps: number[] = [];
  const traj = async (rule: ElementwiseRule) => {
    const r = await logTrajectories({ ...base, optimizer: rule, hyper: { lr, b1, b2 } }, T, points);
    steps = r.steps;
    return r.x.map((c) => c[0]);
  };
  const adamBias = { corrected: await traj(adamRule()), uncorrected: await traj(adamRule({ biasCorrection: false })) };
  const amsgrad: Record<string, number[]> = {};
  for (const v of AMSGRAD_VARIANTS) amsgrad[v.key] = await traj(v.rule());
  return {
    config,
    eps: { eps: epsGrid, final },
    steps,
    adamBias,
    amsgrad,
    seconds: (performance.now() - start) / 1000,
  };
}

/** The claims of figure 3, checked on a `VariantsResult`. */
export function variantsClaims(r: VariantsResult): ClaimCheck[] {
  const { steps: T, lr, b2 } = r.config;
  const out: ClaimCheck[] = [];
  const iDefault = r.eps.eps.findIndex((e) => e >= 1e-8 * 0.999);
  const at = (k: string, i: number) => r.eps.final[k][i];
  const defaults = EPS_PLACEMENTS.map((p) => at(p.key, iDefault));
  const spread = Math.max(...defaults) - Math.min(...defaults);
  out.push({
    text: "At library-default ε (1e-8) the ε placement does not change the outcome: all three forms end within 1e-3 of each other, at x ≥ 0.9",
    passed: spread <= 1e-3 && Math.min(...defaults) >= 0.9,
    details: EPS_PLACEMENTS.map((p, i) => `${p.key}: ${fmt(defaults[i], 5)}`).join(", "),
  });
  // Some ε flips the outcome between placements: x_T ≥ 0.9 with ε inside, x_T < 0 with ε outside.
  const flips = r.eps.eps.filter((_, i) => at("inside", i) >= 0.9 && at("outside", i) < 0);
  const cross = (k: string) => r.eps.eps.find((_, i) => at(k, i) < 0) ?? Infinity;
  // For ε ≫ v both forms are SGD-like with denominators √ε (inside) and ε (outside): they agree
  // when ε_inside = ε_outside², so the crossing points should sit at log-ratio ≈ 2.
  const sqrtRelation = Math.log10(cross("inside")) / Math.log10(cross("outside"));
  out.push({
    text:
      "For ε between √v and v the placement decides the outcome: some ε sends Adam to +1 with ε inside the root and to the optimum's side (x < 0) with ε outside; " +
      "the ε where x_T first turns negative is about the square for ε inside (log₁₀ ratio in [1.5, 2.5])",
    passed: flips.length > 0 && sqrtRelation >= 1.5 && sqrtRelation <= 2.5,
    details:
      `ε where they disagree: ${flips.length ? flips.map((e) => e.toExponential(0)).join(", ") : "none"}; ` +
      `first ε with x_T < 0 — outside: ${cross("outside").toExponential(1)}, inside: ${cross("inside").toExponential(1)}, ε̂ form: ${cross("uncorrected").toExponential(1)}; ` +
      `log ratio ${fmt(sqrtRelation, 2)}`,
  });
  const last = r.steps.length - 1;
  out.push({
    text: "Bias correction does not change Adam's outcome: with and without it Adam ends at x ≥ 0.9",
    passed: r.adamBias.corrected[last] >= 0.9 && r.adamBias.uncorrected[last] >= 0.9,
    details: `corrected ${fmt(r.adamBias.corrected[last])}, uncorrected ${fmt(r.adamBias.uncorrected[last])}`,
  });
  // AMSGrad max before/after bias correction: the closed-form drift with v̂max = v* (before) or
  // v̂max = v̂₁ = L² (after: the first gradient is the large one and v̂₁ = g₁² exactly).
  const T0 = Math.max(1, Math.floor(T / 10));
  const disp = (k: string) => r.amsgrad[k][last] - atStep(r.steps, r.amsgrad[k], T0);
  const before = amsgradOnlineDrift({ b2, lr });
  const after = amsgradOnlineDrift({ b2, lr, vmax: 1010 * 1010 });
  const rows = [
    { k: "paper", pred: before.displacement(T0, T) },
    { k: "beforeCorrection", pred: before.displacement(T0, T) },
    { k: "afterCorrection", pred: after.displacement(T0, T) },
  ];
  out.push({
    text:
      "Where AMSGrad takes its max changes its speed, as predicted: the drift x_T − x_{T/10} is −2α·ḡ/√v̂max·(√T − √(T/10)) within 15%, " +
      "with v̂max = v* for the max of raw v (and the paper's form) and v̂max = 1010² for the max of corrected v̂ (≈ 8× slower)",
    passed: rows.every(({ k, pred }) => Math.abs(disp(k) - pred) <= 0.15 * Math.abs(pred)),
    details:
      rows.map(({ k, pred }) => `${k}: measured ${fmt(disp(k), 4)}, predicted ${fmt(pred, 4)}`).join("; ") +
      `; √(1010²/v*) = ${fmt(Math.sqrt((1010 * 1010) / before.vStar), 2)}`,
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Figures (Plotly specs: plain { data, layout } objects for `show` in lib/plot or Plotly.newPlot)

/** A Plotly figure as plain data (lib/plot's `Figure`, for `show`). */
export type FigureSpec = Figure;

const COLORS: Record<string, string> = {
  adam: "#d62728",
  amsgrad: "#1f77b4",
  adabelief: "#9467bd",
  adopt: "#2ca02c",
  adoptClip: "#8c564b",
  outside: "#d62728",
  inside: "#1f77b4",
  uncorrected: "#ff7f0e",
  paper: "#1f77b4",
  beforeCorrection: "#17becf",
  afterCorrection: "#e377c2",
  corrected: "#d62728",
};

/** Axis suffix of subplot i (0-based): "", "2", "3", … */

/** A median line and its quartile band on subplot i (step 0 dropped for the log axis). */
function bandTraces(
  steps: number[],
  b: Band,
  name: string,
  color: string,
  i: number,
  showlegend: boolean,
): Record<string, unknown>[] {
  const idx = steps
    .map((s, j) => [s, j])
    .filter(([s]) => s > 0)
    .map(([, j]) => j);
  const xs = idx.map((j) => steps[j]);
  return [
    {
      x: [...xs, ...[...xs].reverse()],
      y: [...idx.map((j) => b.hi[j]), ...[...idx].reverse().map((j) => b.lo[j])],
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
    {
      x: xs,
      y: idx.map((j) => b.median[j]),
      type: "scatter",
      mode: "lines",
      name,
      line: { color, width: 2 },
      legendgroup: name,
      showlegend,
      xaxis: `x${subplotSuffix(i)}`,
      yaxis: `y${subplotSuffix(i)}`,
    },
  ];
}

function lineTrace(
  xs: number[],
  ys: number[],
  name: string,
  color: string,
  i: number,
  showlegend: boolean,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const keep = xs.map((x, j) => j).filter((j) => xs[j] > 0);
  return {
    x: keep.map((j) => xs[j]),
    y: keep.map((j) => ys[j]),
    type: "scatter",
    mode: "lines",
    name,
    legendgroup: name,
    showlegend,
    line: { color, width: 2 },
    xaxis: `x${subplotSuffix(i)}`,
    yaxis: `y${subplotSuffix(i)}`,
    ...extra,
  };
}

/** Figure 1: x_t on the online problem, median/quartiles on the stochastic one, final x vs α. */
export function reddiFigure(r: ReddiResult): FigureSpec {
  const data: Record<string, unknown>[] = [];
  for (const { key, label } of r.methods) {
    const c = COLORS[key];
    data.push(lineTrace(r.steps, r.online[key], label, c, 0, true));
    data.push(...bandTraces(r.steps, r.stochastic[key], label, c, 1, false));
    data.push(lineTrace(r.lrSweep.lr, r.lrSweep.online[key], label, c, 2, false, { mode: "lines+markers" }));
    data.push(
      lineTrace(r.lrSweep.lr, r.lrSweep.stochastic[key], label, c, 2, false, {
        mode: "lines+markers",
        line: { color: c, width: 2, dash: "dot" },
      }),
    );
  }
  const y = { title: "x", range: [-1.05, 1.05] as [number, number] };
  return {
    data,
    layout: subplotGrid({
      title: `Reddi et al.'s problems, x ∈ [−1, 1]: β₁ = ${r.config.b1}, β₂ = ${r.config.b2}, α_t = ${r.config.lr}/√t, T = ${r.config.steps.toLocaleString("en-US")}`,
      rows: 1,
      cols: 3,
      titles: [
        "online: x_t",
        `stochastic: median, quartiles (${r.config.seeds} seeds)`,
        "x_T vs α (dotted: stochastic)",
      ],
      x: [
        { title: "step t", log: true },
        { title: "step t", log: true },
        { title: "α", log: true },
      ],
      y: [y, y, y],
      height: 430,
    }),
  };
}

/** Figure 2a: median θ_t and quartiles per (k, β₂) cell, one line per method. */
export function adoptToyTrajectoryFigure(r: AdoptToyResult): FigureSpec {
  const { ks, b2s } = r.config;
  const data: Record<string, unknown>[] = [];
  const titles: string[] = [];
  ks.forEach((k, row) =>
    b2s.forEach((b2, col) => {
      const i = row * b2s.length + col;
      titles.push(`k = ${k}, β₂ = ${b2}`);
      for (const { key, label } of r.methods)
        data.push(...bandTraces(r.steps, r.trajectories[key][k][col], label, COLORS[key], i, i === 0));
    }),
  );
  return {
    data,
    layout: subplotGrid({
      title: `ADOPT's toy (gradient k² w.p. 1/k, else −k): β₁ = ${r.config.b1}, α_t = ${r.config.lr}/√(1 + ${r.config.lr}(t−1)); median, quartiles over ${r.config.seeds} seeds`,
      rows: ks.length,
      cols: b2s.length,
      titles,
      x: [{ title: "step t", log: true }],
      y: [{ title: "θ", range: [-1.05, 1.05] }],
      height: 340 * ks.length,
    }),
  };
}

/** Figure 2b: final θ vs β₂ per method (median, quartile error bars), one panel per k. */
export function adoptToyFinalFigure(r: AdoptToyResult): FigureSpec {
  const { ks, b2s } = r.config;
  const data: Record<string, unknown>[] = [];
  ks.forEach((k, i) => {
    for (const { key, label } of r.methods) {
      const fin = r.final[key][k];
      const med = fin.map((f) => median(f));
      data.push({
        x: b2s.map(String),
        y: med,
        type: "scatter",
        mode: "lines+markers",
        name: label,
        legendgroup: label,
        showlegend: i === 0,
        line: { color: COLORS[key], width: 2 },
        xaxis: `x${subplotSuffix(i)}`,
        yaxis: `y${subplotSuffix(i)}`,
        error_y: {
          type: "data",
          symmetric: false,
          array: fin.map((f, j) => quantile(f, 0.75) - med[j]),
          arrayminus: fin.map((f, j) => med[j] - quantile(f, 0.25)),
        },
      });
    }
  });
  return {
    data,
    layout: subplotGrid({
      title: `ADOPT's toy: θ after T = ${r.config.steps.toLocaleString("en-US")} steps (median, quartiles)`,
      rows: 1,
      cols: ks.length,
      titles: ks.map((k) => `k = ${k}`),
      x: [{ title: "β₂", category: true }],
      y: [{ title: "θ_T", range: [-1.05, 1.05] }],
      height: 420,
    }),
  };
}

/** Figure 3: final x vs ε per placement; AMSGrad variants with the predicted drift; Adam with/without bias correction. */
export function variantsFigure(r: VariantsResult): FigureSpec {
  const data: Record<string, unknown>[] = [];
  for (const p of EPS_PLACEMENTS)
    data.push(lineTrace(r.eps.eps, r.eps.final[p.key], p.label, COLORS[p.key], 0, true, { mode: "lines+markers" }));
  const T = r.config.steps,
    T0 = Math.max(1, Math.floor(T / 10));
  for (const v of AMSGRAD_VARIANTS) {
    data.push(
      lineTrace(
        r.steps,
        r.amsgrad[v.key],
        `AMSGrad: ${v.label}`,
        COLORS[v.key],
        1,
        true,
        v.key === "paper" ? { line: { color: COLORS[v.key], width: 4, dash: "dot" } } : {},
      ),
    );
  }
  // Predicted drift from T/10 on (dashed black), for the two values of v̂max.
  for (const [vmax, key] of [
    [undefined, "beforeCorrection"],
    [1010 * 1010, "afterCorrection"],
  ] as const) {
    const d = amsgradOnlineDrift({ b2: r.config.b2, lr: r.config.lr, vmax });
    const x0 = atStep(r.steps, r.amsgrad[key], T0);
    const ts = r.steps.filter((s) => s >= T0);
    data.push(
      lineTrace(
        ts,
        ts.map((s) => x0 + d.displacement(T0, s)),
        "closed-form drift",
        "#000000",
        1,
        key === "beforeCorrection",
        { line: { color: "#000000", width: 1.5, dash: "dash" } },
      ),
    );
  }
  data.push(lineTrace(r.steps, r.adamBias.corrected, "Adam, bias-corrected", COLORS.corrected, 2, true));
  data.push(
    lineTrace(r.steps, r.adamBias.uncorrected, "Adam, no bias correction", "#ff9896", 2, true, {
      line: { color: "#ff9896", width: 3, dash: "dot" },
    }),
  );
  return {
    data,
    layout: subplotGrid({
      title: `Library variants, Reddi et al.'s online problem: β₁ = ${r.config.b1}, β₂ = ${r.config.b2}, α_t = ${r.config.lr}/√t, T = ${T.toLocaleString("en-US")}`,
      rows: 1,
      cols: 3,
      titles: ["Adam: x_T vs ε, by where ε goes", "AMSGrad: where the max is taken", "Adam: bias correction"],
      x: [
        { title: "ε", log: true },
        { title: "step t", log: true },
        { title: "step t", log: true },
      ],
      y: [
        { title: "x_T", range: [-1.05, 1.05] },
        { title: "x", range: [-1.05, 1.05] },
        { title: "x", range: [-1.05, 1.05] },
      ],
      height: 470,
    }),
  };
}
