/**
 * One definition, three executions: every rule of lib/optimizers × every closed-form landscape of
 * lib/landscapes runs (1) in the fused engine in float64, compared step by step with (2) a float64
 * reference loop written here (rule evaluated on plain numbers with `numOps`, gradient by forward-mode
 * dual numbers — a different differentiation method than the engine's reverse mode, noise drawn
 * from the same per-run streams in the same order), and (3) on the tfjs path (float32), compared
 * with the engine in float32.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import type { ClosedFormLandscape, LandscapeContext } from "../../lib/core/landscape";
import { numOps } from "../../lib/core/ops";
import type { ElementwiseRule, OracleRule, Rule } from "../../lib/core/rule";
import { sweep, sweepSource, type SweepResult } from "../../lib/engine/sweep";
import { sweepTfjs } from "../../lib/engine/tfjs";
import type { SweepSpec } from "../../lib/engine/spec";
import * as L from "../../lib/landscapes";
import * as O from "../../lib/optimizers";
import { langevinRule } from "../../lib/optimizers/stochastic";
import { normalFromState, seedState, uniformFromState } from "../../lib/rng";
import { dualGrad } from "../landscapes/dual";

type Grid = Record<string, number[]>;
const slow: Grid = { lr: [1e-4, 3e-4] };
const adaptive: Grid = { lr: [1e-3, 1e-2] };

const RULES: [string, () => Rule, Grid][] = [
  ["sgd", () => O.sgdRule(), slow],
  ["heavyBall", () => O.heavyBallRule(), { ...slow, momentum: [0.5, 0.9] }],
  ["nesterov", () => O.nesterovRule(), slow],
  ["signDescent", () => O.signDescentRule(), adaptive],
  ["adagrad", () => O.adagradRule(), adaptive],
  ["rmsprop", () => O.rmspropRule(), adaptive],
  ["adam", () => O.adamRule(), { ...adaptive, b1: [0, 0.9] }],
  ["adamw", () => O.adamwRule(), adaptive],
  ["amsgrad", () => O.amsgradRule(), adaptive],
  ["adabelief", () => O.adabeliefRule(), adaptive],
  ["adopt", () => O.adoptRule(), adaptive],
  ["nadam", () => O.nadamRule(), adaptive],
  ["adan", () => O.adanRule(), adaptive],
  ["lion", () => O.lionRule(), adaptive],
  ["diffGrad", () => O.diffGradRule(), adaptive],
  ["langevin", () => langevinRule(), { lr: [1e-4, 3e-4], temperature: [0.01] }],
];

const LANDSCAPES: ClosedFormLandscape[] = [
  L.rosenbrock(),
  L.beale(),
  L.rastrigin(),
  L.himmelblau(),
  L.quadraticBowl({ eigenvalues: [1, 30], rotate: 3 }),
  L.quartic(),
  L.sqrtOnePlusSquare(),
  L.scalarNetwork({ depth: 3 }),
  L.diagonalLinearNetwork(),
  L.amsgradOnline(),
  L.amsgradStochastic(),
  L.adoptToy(),
  L.noisyQuadratic({ eigenvalues: [1, 5], sigma: 0.5 }),
];

const GAMES: ClosedFormLandscape[] = [
  L.bilinearGame({
    A: [
      [1, 0.5],
      [0.2, 1],
    ],
  }),
  L.bilinearGame({ A: [[1]], alpha: 0.1, beta: 0.2 }),
  L.rockPaperScissors(),
];

const GAME_RULES: [string, (l: ClosedFormLandscape) => Rule, Grid][] = [
  ["gda", () => O.gdaRule(), { lr: [0.05, 0.1] }],
  ["gdaAlternating", (l) => O.gdaRule({ alternating: true, players: l.players }), { lr: [0.05, 0.1] }],
  ["extragradient", () => O.extragradientRule(), { lr: [0.05, 0.1] }],
  ["optimistic", () => O.optimisticRule(), { lr: [0.05, 0.1] }],
  ["complexMomentum", () => O.complexMomentumRule(), { lr: [0.05, 0.1] }],
  ["sgd (simultaneous GDA)", () => O.sgdRule(), { lr: [0.05] }],
  ["adam (simultaneous)", () => O.adamRule(), { lr: [0.01] }],
];

const STEPS = 25;
const STEPS_TF = 12;
let wasmPairs = 0;
/** float32 paths vs each other and vs float64, relative to the distance travelled */
const TOL32 = 1e-2;

/** Start each run at a point drawn from the middle half of the landscape's domain. */
function initFor(l: ClosedFormLandscape): SweepSpec["init"] {
  return ({ rng }) =>
    (l.domain ?? new Array(l.dim).fill([-1, 1])).map(([lo, hi]) => lo + (hi - lo) * rng.uniform(0.25, 0.75));
}

/** Float64 reference trajectories (steps 0..STEPS) of every run of a resolved engine result. */
function reference(l: ClosedFormLandscape, rule: Rule, res: SweepResult, x0: Float64Array): number[][][] {
  const out: number[][][] = [];
  for (let r = 0; r < res.runs; r++) {
    const rs = new Uint32Array(4);
    seedState(res.seed[r], r, rs);
    const noise = { uniform: () => uniformFromState(rs), normal: () => normalFromState(rs) };
    const h: Record<string, number> = { ...rule.defaults };
    for (const [k, v] of Object.entries(res.hyper)) h[k] = v[r];
    let x = Array.from(x0.subarray(r * l.dim, (r + 1) * l.dim));
    let state: Record<string, number[]> = Object.fromEntries(
      rule.state.map((k) => [k, x.map(() => (rule.init as Record<string, number> | undefined)?.[k] ?? 0)]),
    );
    const path = [x];
    for (let t = 1; t <= STEPS; t++) {
      const ctx: LandscapeContext<number> = { ...noise, t };
      const field = (z: readonly number[]) => dualGrad(l, z, ctx).g.map((gi, i) => (l.players?.[i] === 1 ? -gi : gi));
      if (rule.kind === "elementwise") {
        const g = field(x);
        const next: Record<string, number[]> = Object.fromEntries(rule.state.map((k) => [k, [] as number[]]));
        x = x.map((xi, i) => {
          const s = Object.fromEntries(rule.state.map((k) => [k, state[k][i]]));
          const u = (rule as ElementwiseRule).step(numOps, g[i], xi, s, h, t, noise);
          for (const k of rule.state) next[k].push(u.state[k]);
          return xi + u.update;
        });
        state = next;
      } else {
        const u = (rule as OracleRule).step(numOps, x, field, state, h, t, noise);
        x = u.x;
        state = u.state;
      }
      if (l.project) x = l.project(numOps, x);
      path.push(x);
    }
    out.push(path);
  }
  return out;
}

async function checkPair(l: ClosedFormLandscape, rule: Rule, grid: Grid): Promise<void> {
  const spec: SweepSpec = {
    landscape: l,
    optimizer: rule,
    init: initFor(l),
    steps: STEPS,
    grid,
    seeds: [1, 2],
    record: { every: 1 },
    workers: 0,
  };
  const e64 = await sweep(spec);
  // Recover the initial points the engine used (step 0 of the history).
  const x0 = new Float64Array(e64.runs * l.dim);
  for (let r = 0; r < e64.runs; r++)
    for (let i = 0; i < l.dim; i++) x0[r * l.dim + i] = e64.x![r * (STEPS + 1) * l.dim + i];
  const ref = reference(l, rule, e64, x0);
  // Errors are measured relative to how far each run moved (|x_t − x_0| is small for small steps,
  // so relative-to-|x| errors would hide a wrong gradient; runs that barely move, e.g. started near
  // the quartic's flat minimum, are compared at the scale 1e-4).
  const moved = (res: SweepResult, r: number) => {
    let m = 0;
    for (let t = 0; t <= STEPS; t++)
      for (let i = 0; i < l.dim; i++)
        m = Math.max(m, Math.abs(res.x![(r * (STEPS + 1) + t) * l.dim + i] - x0[r * l.dim + i]));
    return m;
  };
  let worst = 0;
  for (let r = 0; r < e64.runs; r++) {
    expect(e64.divergedAt[r], `${rule.name} on ${l.name} diverged`).toBe(0);
    const scale = Math.max(moved(e64, r), 1e-4);
    for (let t = 0; t <= STEPS; t++) {
      for (let i = 0; i < l.dim; i++) {
        const a = e64.x![(r * (STEPS + 1) + t) * l.dim + i],
          b = ref[r][t][i];
        worst = Math.max(worst, Math.abs(a - b) / scale);
      }
    }
  }
  expect(worst, `${rule.name} on ${l.name}: float64 engine vs reference`).toBeLessThan(1e-9);

  // The WebAssembly SIMD kernel (final values only) returns the JS kernel's bits wherever it applies.
  const finalOnly = { ...spec, record: "final" as const };
  if (sweepSource(finalOnly).backend === "wasm") {
    const js = await sweep({ ...finalOnly, kernel: "js" }),
      wasm = await sweep({ ...finalOnly, kernel: "wasm" });
    expect(
      Array.from(wasm.finalX).every((v, k) => Object.is(v, js.finalX[k])),
      `${rule.name} on ${l.name}: wasm vs js`,
    ).toBe(true);
    expect(Array.from(wasm.divergedAt)).toEqual(Array.from(js.divergedAt));
    wasmPairs++;
  }

  // tfjs (float32) over the first STEPS_TF steps: the float32 engine must match it, and both the float64 engine.
  const spec32 = { ...spec, steps: STEPS_TF };
  const e32 = await sweep({ ...spec32, precision: "float32" });
  const tfp = await sweepTfjs(spec32);
  let worst32 = 0,
    worst64 = 0;
  for (let r = 0; r < e64.runs; r++) {
    const scale = Math.max(moved(e64, r), 1e-4);
    for (let t = 0; t <= STEPS_TF; t++) {
      for (let i = 0; i < l.dim; i++) {
        const k = (r * (STEPS_TF + 1) + t) * l.dim + i,
          k64 = (r * (STEPS + 1) + t) * l.dim + i;
        worst32 = Math.max(worst32, Math.abs(e32.x![k] - tfp.x![k]) / scale);
        worst64 = Math.max(worst64, Math.abs(tfp.x![k] - e64.x![k64]) / scale);
      }
    }
  }
  expect(worst32, `${rule.name} on ${l.name}: float32 engine vs tfjs`).toBeLessThan(TOL32);
  expect(worst64, `${rule.name} on ${l.name}: tfjs vs float64`).toBeLessThan(TOL32);
}

describe("engine ≡ reference ≡ tfjs path, for every library rule × closed-form landscape", () => {
  beforeAll(async () => {
    await initBackend({ force: "cpu", quiet: true });
  });
  for (const [name, make, grid] of RULES) {
    it(`${name} on every minimisation landscape`, async () => {
      for (const l of LANDSCAPES) await checkPair(l, make(), grid);
    });
  }
  for (const [name, make, grid] of GAME_RULES) {
    it(`${name} on every game`, async () => {
      for (const l of GAMES) await checkPair(l, make(l), grid);
    });
  }
  // The remaining supported pairs: elementwise rules as simultaneous game dynamics, and the game
  // rules (extragradient, optimism, …) as minimisers on the plain landscapes.
  it("every elementwise rule on a game", async () => {
    for (const [, make, grid] of RULES) await checkPair(GAMES[1], make(), grid);
  });
  it("every game rule on minimisation landscapes (with projection, noise, curvature)", async () => {
    const some = LANDSCAPES.filter((l) =>
      ["rosenbrock", "scalar-network-3", "amsgrad-online", "noisy-quadratic-isotropic"].includes(l.name),
    );
    expect(some.length).toBe(4);
    for (const [, make] of GAME_RULES.slice(0, 5)) for (const l of some) await checkPair(l, make(l), slow);
  });
  it("the wasm kernel was exercised on the deterministic pairs", () => {
    expect(wasmPairs).toBeGreaterThan(150);
  });
});
