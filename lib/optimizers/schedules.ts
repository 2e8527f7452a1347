/**
 * Learning-rate (or any hyperparameter) schedules: plain functions `(step) => number`.
 *
 * Convention (optax's): a transform evaluates a schedule at the number of updates done *before*
 * the current one, so the first update uses `schedule(0)`. Every factory validates its arguments
 * and every schedule returns a finite number for any step ≥ 0.
 */
import { checkOptions } from "../validate";
import type { Schedule } from "./transform";

function finite(owner: string, name: string, v: number, min = -Infinity): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    throw new Error(`${owner}: ${name} must be a finite number${min > -Infinity ? ` ≥ ${min}` : ""}, got ${String(v)}`);
  }
}

function positiveInt(owner: string, name: string, v: number, allowZero = false): void {
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new Error(`${owner}: ${name} must be an integer ≥ ${allowZero ? 0 : 1}, got ${String(v)}`);
  }
}

/** η_t = η. */
export function constantSchedule(value: number): Schedule {
  finite("constantSchedule", "value", value);
  return () => value;
}

/** Step decay: η_t = η·γ^⌊t/stepSize⌋ (PyTorch `StepLR`). */
export function stepSchedule(init: number, opts: { stepSize: number; gamma?: number }): Schedule {
  checkOptions("stepSchedule", opts, ["stepSize", "gamma"]);
  const { stepSize, gamma = 0.1 } = opts;
  finite("stepSchedule", "init", init);
  positiveInt("stepSchedule", "stepSize", stepSize);
  finite("stepSchedule", "gamma", gamma, 0);
  return (t) => init * Math.pow(gamma, Math.floor(Math.max(t, 0) / stepSize));
}

/**
 * Exponential decay: η_t = η·r^{t/T} (optax `exponential_decay` with transition steps T; with
 * `staircase`, r^⌊t/T⌋), never below `endValue` when given.
 */
export function exponentialSchedule(
  init: number,
  opts: { rate: number; transitionSteps?: number; staircase?: boolean; endValue?: number },
): Schedule {
  checkOptions("exponentialSchedule", opts, ["rate", "transitionSteps", "staircase", "endValue"]);
  const { rate, transitionSteps = 1, staircase = false, endValue } = opts;
  finite("exponentialSchedule", "init", init);
  finite("exponentialSchedule", "rate", rate, 0);
  positiveInt("exponentialSchedule", "transitionSteps", transitionSteps);
  if (endValue !== undefined) finite("exponentialSchedule", "endValue", endValue);
  return (t) => {
    const e = Math.max(t, 0) / transitionSteps;
    const v = init * Math.pow(rate, staircase ? Math.floor(e) : e);
    if (endValue === undefined) return v;
    return rate < 1 ? Math.max(v, endValue) : Math.min(v, endValue);
  };
}

/** η_t = η/√(1 + t/τ): the 1/√t decay of SGD theory, with timescale τ (default 1). */
export function inverseSqrtSchedule(init: number, opts: { timescale?: number } = {}): Schedule {
  checkOptions("inverseSqrtSchedule", opts, ["timescale"]);
  const { timescale = 1 } = opts;
  finite("inverseSqrtSchedule", "init", init);
  finite("inverseSqrtSchedule", "timescale", timescale, Number.MIN_VALUE);
  return (t) => init / Math.sqrt(1 + Math.max(t, 0) / timescale);
}

/**
 * Cosine decay (Loshchilov & Hutter, 2017, "SGDR"): η_t = η_end + (η − η_end)·½(1 + cos(π·min(t, T)/T))
 * over T = `decaySteps`, then η_end (default 0).
 */
export function cosineSchedule(init: number, opts: { decaySteps: number; endValue?: number }): Schedule {
  checkOptions("cosineSchedule", opts, ["decaySteps", "endValue"]);
  const { decaySteps, endValue = 0 } = opts;
  finite("cosineSchedule", "init", init);
  positiveInt("cosineSchedule", "decaySteps", decaySteps);
  finite("cosineSchedule", "endValue", endValue);
  return (t) => {
    const f = Math.min(Math.max(t, 0), decaySteps) / decaySteps;
    return endValue + (init - endValue) * 0.5 * (1 + Math.cos(Math.PI * f));
  };
}

/** Linear interpolation from `init` to `endValue` over `steps` steps, then constant (optax `linear_schedule`). */
export function linearSchedule(init: number, opts: { endValue: number; steps: number }): Schedule {
  checkOptions("linearSchedule", opts, ["endValue", "steps"]);
  const { endValue, steps } = opts;
  finite("linearSchedule", "init", init);
  finite("linearSchedule", "endValue", endValue);
  positiveInt("linearSchedule", "steps", steps);
  return (t) => init + (endValue - init) * (Math.min(Math.max(t, 0), steps) / steps);
}

/**
 * Linear warmup then any schedule: η_t = from + (after(0) − from)·t/W for t < W, then after(t − W)
 * (the warmup of Goyal et al., 2017, "Accurate, Large Minibatch SGD"). `from` defaults to 0.
 */
export function warmup(after: Schedule, opts: { steps: number; from?: number }): Schedule {
  checkOptions("warmup", opts, ["steps", "from"]);
  const { steps, from = 0 } = opts;
  if (typeof after !== "function") throw new Error("warmup: the first argument must be a schedule (step) => number");
  positiveInt("warmup", "steps", steps, true);
  finite("warmup", "from", from);
  const peak = after(0);
  return (t) => (t < steps ? from + (peak - from) * (Math.max(t, 0) / steps) : after(t - steps));
}

/**
 * One-cycle (Smith & Topin, 2019, "Super-Convergence"; PyTorch `OneCycleLR` semantics): rises from
 * η_max/divFactor to η_max over the first `pctStart` of `totalSteps`, then anneals to
 * η_max/(divFactor·finalDivFactor); "cos" (default) or "linear" annealing.
 * Defaults: pctStart 0.3, divFactor 25, finalDivFactor 1e4.
 */
export function oneCycleSchedule(opts: {
  maxValue: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  anneal?: "cos" | "linear";
}): Schedule {
  checkOptions("oneCycleSchedule", opts, [
    "maxValue",
    "totalSteps",
    "pctStart",
    "divFactor",
    "finalDivFactor",
    "anneal",
  ]);
  const { maxValue, totalSteps, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, anneal = "cos" } = opts;
  finite("oneCycleSchedule", "maxValue", maxValue);
  positiveInt("oneCycleSchedule", "totalSteps", totalSteps);
  if (!(pctStart > 0 && pctStart < 1))
    throw new Error(`oneCycleSchedule: pctStart must lie in (0, 1), got ${pctStart}`);
  finite("oneCycleSchedule", "divFactor", divFactor, Number.MIN_VALUE);
  finite("oneCycleSchedule", "finalDivFactor", finalDivFactor, Number.MIN_VALUE);
  if (anneal !== "cos" && anneal !== "linear")
    throw new Error(`oneCycleSchedule: anneal must be "cos" or "linear", got ${String(anneal)}`);
  const start = maxValue / divFactor,
    end = start / finalDivFactor;
  const up = Math.max(pctStart * totalSteps - 1, 1); // PyTorch: phase ends at step pctStart·total − 1
  const down = Math.max(totalSteps - 1 - up, 1);
  const interp = (a: number, b: number, f: number) =>
    anneal === "cos" ? b + (a - b) * 0.5 * (1 + Math.cos(Math.PI * f)) : a + (b - a) * f;
  return (t) => {
    const s = Math.min(Math.max(t, 0), totalSteps - 1);
    return s <= up ? interp(start, maxValue, s / up) : interp(maxValue, end, Math.min((s - up) / down, 1));
  };
}

/**
 * Warmup–stable–decay (Hu et al., 2024, "MiniCPM"): linear warmup from 0 to `peak` over
 * `warmupSteps`, constant until `totalSteps − decaySteps`, then decay to `endValue` (default 0)
 * over `decaySteps` — "linear" (default), "cosine" or "1-sqrt" (Hägele et al., 2024:
 * η = end + (peak − end)·(1 − √f)).
 */
export function warmupStableDecaySchedule(opts: {
  peak: number;
  totalSteps: number;
  warmupSteps: number;
  decaySteps: number;
  endValue?: number;
  decay?: "linear" | "cosine" | "1-sqrt";
}): Schedule {
  checkOptions("warmupStableDecaySchedule", opts, [
    "peak",
    "totalSteps",
    "warmupSteps",
    "decaySteps",
    "endValue",
    "decay",
  ]);
  const { peak, totalSteps, warmupSteps, decaySteps, endValue = 0, decay = "linear" } = opts;
  const o = "warmupStableDecaySchedule";
  finite(o, "peak", peak);
  finite(o, "endValue", endValue);
  positiveInt(o, "totalSteps", totalSteps);
  positiveInt(o, "warmupSteps", warmupSteps, true);
  positiveInt(o, "decaySteps", decaySteps);
  if (warmupSteps + decaySteps > totalSteps) {
    throw new Error(`${o}: warmupSteps + decaySteps (${warmupSteps + decaySteps}) exceed totalSteps (${totalSteps})`);
  }
  if (!["linear", "cosine", "1-sqrt"].includes(decay))
    throw new Error(`${o}: decay must be "linear", "cosine" or "1-sqrt", got ${String(decay)}`);
  const decayStart = totalSteps - decaySteps;
  return (t) => {
    if (t < warmupSteps) return (peak * Math.max(t, 0)) / warmupSteps;
    if (t < decayStart) return peak;
    const f = Math.min((t - decayStart) / decaySteps, 1);
    const w = decay === "linear" ? 1 - f : decay === "cosine" ? 0.5 * (1 + Math.cos(Math.PI * f)) : 1 - Math.sqrt(f);
    return endValue + (peak - endValue) * w;
  };
}
