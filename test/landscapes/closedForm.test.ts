import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { randomOrthogonal } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import type { ClosedFormLandscape } from "../../lib/core/landscape";
import { numOps } from "../../lib/core/ops";
import { Rng } from "../../lib/rng";
import {
  NO_CONTEXT,
  beale,
  bilinearGame,
  diagonalLinearNetwork,
  himmelblau,
  landscapeField,
  landscapeGrid,
  landscapeLoss,
  matrixGame,
  preferenceGame,
  quadraticBowl,
  quartic,
  rastrigin,
  rockPaperScissors,
  rosenbrock,
  scalarNetwork,
  sqrtOnePlusSquare,
  zeroSumEquilibrium,
} from "../../lib/landscapes";
import { matmul, transpose } from "../../lib/linalg/matrix";
import { dualGrad, fdHessian, maxAbs } from "./dual";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const cases: ClosedFormLandscape[] = [
  rosenbrock(),
  rosenbrock({ dim: 4 }),
  rosenbrock({ a: 2, b: 5 }),
  beale(),
  rastrigin({ dim: 3, shift: [0.3, -1.2, 2] }),
  rastrigin(),
  himmelblau(),
  quadraticBowl({ eigenvalues: [1, 10, 0.1] }),
  quadraticBowl({ eigenvalues: [3, 0.5, 2, 1], rotate: 7, center: [1, -1, 0, 2] }),
  quadraticBowl({ eigenvalues: [1, -2], rotate: 1 }),
  quartic({ dim: 2 }),
  sqrtOnePlusSquare({ dim: 3 }),
  scalarNetwork({ depth: 3, target: 2 }),
  scalarNetwork({ depth: 4, target: -1.5 }),
  diagonalLinearNetwork(),
  diagonalLinearNetwork({ parameterization: "uv" }),
  bilinearGame({
    A: [
      [1, 2],
      [-1, 0.5],
    ],
    alpha: 0.3,
    beta: 0.2,
    b: [1, 0],
    c: [0, -1],
  }),
  bilinearGame({ A: [[2, 0, 1]] }),
  rockPaperScissors(),
  matrixGame({
    payoff: [
      [1, -1, 0.5],
      [-1, 1, 0.2],
    ],
  }),
  preferenceGame({
    P: [
      [0.5, 0.9, 0.2],
      [0.1, 0.5, 0.7],
      [0.8, 0.3, 0.5],
    ],
  }),
];

function points(l: ClosedFormLandscape, n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const dom = l.domain ?? new Array(l.dim).fill([-1, 1]);
  return Array.from({ length: n }, () => dom.map(([lo, hi]) => rng.uniform(lo, hi)));
}

/** Per-run Hessians by double backprop in tfjs: H[r][i][j]. */
async function tfHessian(l: ClosedFormLandscape, X: number[][]): Promise<number[][][]> {
  const loss = landscapeLoss(l);
  const x = tf.tensor2d(X);
  const rows: number[][][] = [];
  for (let i = 0; i < l.dim; i++) {
    const hi = tf.tidy(() =>
      tf.grad((z: tf.Tensor) =>
        tf
          .grad((w: tf.Tensor) => loss(w, 1).sum())(z)
          .slice([0, i], [-1, 1])
          .sum(),
      )(x),
    );
    rows.push((await hi.array()) as number[][]);
    hi.dispose();
  }
  x.dispose();
  return X.map((_, r) => rows.map((row) => row[r]));
}

describe.each(cases.map((l) => [l.name + (l.dim > 2 ? `-${l.dim}` : ""), l] as const))("%s", (_name, l) => {
  const X = points(l, 5, 11);

  it("tfjs autodiff gradient matches float64 forward-mode, batched over runs", async () => {
    const loss = landscapeLoss(l);
    const x = tf.tensor2d(X);
    const [v, g] = tf.tidy(() => {
      const vg = tf.valueAndGrad((z: tf.Tensor) => loss(z, 1).sum());
      return [loss(x, 1), vg(x).grad];
    });
    const vs = (await v.array()) as number[],
      gs = (await g.array()) as number[][];
    X.forEach((p, r) => {
      const ref = dualGrad(l, p, NO_CONTEXT);
      const scale = 1 + Math.abs(ref.v);
      expect(Math.abs(vs[r] - ref.v)).toBeLessThan(3e-6 * scale * 10);
      expect(maxAbs(gs[r].map((gi, i) => gi - ref.g[i]))).toBeLessThan(1e-4 * (1 + maxAbs(ref.g)));
      // the float64 value agrees with the numOps execution of the same formula
      expect(l.value(numOps, p, NO_CONTEXT)).toBeCloseTo(ref.v, 10);
    });
    tf.dispose([x, v, g]);
  });

  it("batched evaluation equals per-run evaluation", async () => {
    const loss = landscapeLoss(l);
    const all = loss(tf.tensor2d(X), 1);
    const batched = (await all.array()) as number[];
    for (let r = 0; r < X.length; r++) {
      const single = loss(tf.tensor1d(X[r]), 1);
      expect(single.shape).toEqual([]);
      expect((await single.data())[0]).toBe(batched[r]);
      single.dispose();
    }
    all.dispose();
  });

  if (l.hessian)
    it("closed-form Hessian matches finite differences of exact gradients and tfjs double backprop", async () => {
      const Ht = await tfHessian(l, X);
      X.forEach((p, r) => {
        const H = l.hessian!(p);
        const Hfd = fdHessian(l, p, NO_CONTEXT);
        const scale = 1 + maxAbs(H);
        expect(maxAbs(H.map((row, i) => row.map((h, j) => h - Hfd[i][j])))).toBeLessThan(1e-6 * scale);
        expect(maxAbs(H.map((row, i) => row.map((h, j) => h - Ht[r][i][j])))).toBeLessThan(2e-4 * scale);
      });
    });

  if (l.hessian)
    it("Hessian-vector products by autodiff equal H v", async () => {
      const loss = landscapeLoss(l);
      const rng = new Rng(5);
      const V = X.map(() => Array.from(rng.normalArray(l.dim)));
      const hv = tf.tidy(() => {
        const x = tf.tensor2d(X),
          v = tf.tensor2d(V);
        return tf.grad((z: tf.Tensor) =>
          tf
            .grad((w: tf.Tensor) => loss(w, 1).sum())(z)
            .mul(v)
            .sum(),
        )(x);
      });
      const got = (await hv.array()) as number[][];
      hv.dispose();
      X.forEach((p, r) => {
        const H = l.hessian!(p);
        const ref = H.map((row) => row.reduce((s, h, j) => s + h * V[r][j], 0));
        expect(maxAbs(got[r].map((g, i) => g - ref[i]))).toBeLessThan(2e-4 * (1 + maxAbs(H)) * (1 + maxAbs(V[r])));
      });
    });

  if (l.minimizers)
    it("stated minimisers (equilibria) are stationary with the stated value", () => {
      for (const m of l.minimizers!) {
        const { v, g } = dualGrad(l, m, NO_CONTEXT);
        expect(maxAbs(g)).toBeLessThan(1e-9);
        expect(v).toBeCloseTo(l.minimum!, 9);
      }
    });
});

describe("minimisers are minima (second-order check) and domains", () => {
  it("the Hessian is positive semidefinite at each stated minimiser of a minimisation problem", () => {
    for (const l of cases) {
      if (!l.minimizers || !l.hessian || l.players) continue;
      const rng = new Rng(3);
      for (const m of l.minimizers) {
        const H = l.hessian(m);
        for (let k = 0; k < 10; k++) {
          const v = Array.from(rng.normalArray(l.dim));
          const q = H.reduce((s, row, i) => s + v[i] * row.reduce((t, h, j) => t + h * v[j], 0), 0);
          expect(q).toBeGreaterThanOrEqual(-1e-9);
        }
      }
    }
  });
  it("every landscape has one [lo, hi] domain interval per coordinate", () => {
    for (const l of cases) {
      expect(l.domain!.length).toBe(l.dim);
      for (const [lo, hi] of l.domain!) expect(hi).toBeGreaterThan(lo);
    }
  });
});

describe("quadratic bowl rotation", () => {
  it("randomOrthogonal is orthogonal, seeded, and differs across seeds", () => {
    const Q = randomOrthogonal(6, 3);
    const QtQ = matmul(transpose(Q), Q);
    QtQ.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 12)));
    expect(randomOrthogonal(6, 3)).toEqual(Q);
    expect(randomOrthogonal(6, 4)).not.toEqual(Q);
  });
  it("the rotated bowl's Hessian has the chosen eigenvalues (H q_k = λ_k q_k) and is not diagonal", () => {
    const lam = [5, 1, 0.2];
    const l = quadraticBowl({ eigenvalues: lam, rotate: 9 }) as ReturnType<typeof quadraticBowl> & {
      basis: number[][];
    };
    const H = l.hessian!([0, 0, 0]);
    const Q = randomOrthogonal(3, 9);
    lam.forEach((lk, k) => {
      const q = Q.map((row) => row[k]);
      const Hq = H.map((row) => row.reduce((s, h, j) => s + h * q[j], 0));
      Hq.forEach((v, i) => expect(v).toBeCloseTo(lk * q[i], 12));
    });
    expect(Math.abs(H[0][1]) + Math.abs(H[0][2]) + Math.abs(H[1][2])).toBeGreaterThan(1e-3);
    const trace = H[0][0] + H[1][1] + H[2][2];
    expect(trace).toBeCloseTo(5 + 1 + 0.2, 12);
  });
});

describe("games", () => {
  it("bilinear equilibrium is a fixed point of the game field (tfjs), and the field flips player 1's gradient", async () => {
    const g = bilinearGame({
      A: [
        [1, 2],
        [-1, 0.5],
      ],
      alpha: 0.3,
      beta: 0.2,
      b: [1, 0],
      c: [0, -1],
    });
    const loss = landscapeLoss(g);
    const eq = g.minimizers![0];
    const f = landscapeField(loss, tf.tensor2d([[...eq], [1, 1, 1, 1]]), 1);
    const got = (await f.array()) as number[][];
    expect(maxAbs(got[0])).toBeLessThan(1e-5);
    // at (1,1,1,1): ∂f/∂x = A y + αx + b = (3+0.3+1, -0.5+0.3), ∂f/∂y = Aᵀx − βy + c = (0-0.2, 2.5-0.2-1); field negates y part
    const ref = [4.3, -0.2, 0.2, -1.3];
    got[1].forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    f.dispose();
  });
  it("pure bilinear: simultaneous gradient descent–ascent moves away from the equilibrium (0, 0)", () => {
    const g = bilinearGame({ A: [[1]] });
    let [x, y] = [1, 0];
    const r0 = Math.hypot(x, y);
    for (let k = 0; k < 50; k++) [x, y] = [x - 0.1 * y, y + 0.1 * x];
    expect(Math.hypot(x, y)).toBeGreaterThan(r0 * 1.2);
    expect(g.minimizers![0]).toEqual([0, 0]);
  });
  it("rock–paper–scissors: uniform equilibrium, stationary in logits, value 0; a pure strategy is exploitable", async () => {
    const g = rockPaperScissors();
    expect(g.equilibrium!.p.map((v) => +v.toFixed(12))).toEqual([1 / 3, 1 / 3, 1 / 3].map((v) => +v.toFixed(12)));
    expect(g.minimum).toBeCloseTo(0, 12);
    const loss = landscapeLoss(g);
    const f = landscapeField(loss, tf.tensor2d([[...g.minimizers![0]], [2, 0, 0, 0, 0, 0]]), 1);
    const got = (await f.array()) as number[][];
    expect(maxAbs(got[0])).toBeLessThan(1e-6);
    expect(maxAbs(got[1])).toBeGreaterThan(0.05);
    // value at pure (rock vs uniform) is 0, and against rock the column player gains by paper
    f.dispose();
  });
  it("general matrix game: the interior equilibrium makes each player indifferent", () => {
    const A = [
      [3, -1],
      [-2, 1],
    ];
    const g = matrixGame({ payoff: A });
    const { p, q, value } = g.equilibrium!;
    // Aq = v1 and pᵀA = v1ᵀ
    A.forEach((row) => expect(row[0] * q[0] + row[1] * q[1]).toBeCloseTo(value, 12));
    [0, 1].forEach((j) => expect(p[0] * A[0][j] + p[1] * A[1][j]).toBeCloseTo(value, 12));
    expect(value).toBeCloseTo(1 / 7, 12); // (3·1 − (−1)(−2)) / (3 + 1 + 1 + 2)
    const { g: grad } = dualGrad(g, g.minimizers![0], NO_CONTEXT);
    expect(maxAbs(grad)).toBeLessThan(1e-12);
  });
  it("zeroSumEquilibrium: pure saddle points, non-square games (value by a grid search over p), no profitable deviation", () => {
    const pure = zeroSumEquilibrium([
      [3, 1],
      [4, 2],
    ]);
    expect(pure).toEqual({ p: [0, 1], q: [0, 1], value: 2 });
    const A = [
      [1, -1, 0.5],
      [-1, 1, 0.2],
    ];
    const eq = zeroSumEquilibrium(A);
    let best = -Infinity;
    for (let k = 0; k <= 100000; k++) {
      const p0 = k / 100000;
      best = Math.max(best, Math.min(...[0, 1, 2].map((j) => p0 * A[0][j] + (1 - p0) * A[1][j])));
    }
    expect(eq.value).toBeCloseTo(best, 8);
    for (let i = 0; i < 2; i++)
      expect(A[i].reduce((s, a, j) => s + a * eq.q[j], 0)).toBeLessThanOrEqual(eq.value + 1e-12);
    for (let j = 0; j < 3; j++) expect(eq.p[0] * A[0][j] + eq.p[1] * A[1][j]).toBeGreaterThanOrEqual(eq.value - 1e-12);
    expect(eq.p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(eq.q.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });
  it("preference game with a Condorcet winner: the equilibrium is pure and not listed as a logit minimiser", () => {
    const g = preferenceGame({
      P: [
        [0.5, 0.6, 0.7],
        [0.4, 0.5, 0.8],
        [0.3, 0.2, 0.5],
      ],
    });
    expect(g.equilibrium.p).toEqual([1, 0, 0]);
    expect(g.equilibrium.q).toEqual([1, 0, 0]);
    expect(g.minimizers).toBeUndefined();
  });
  it("preference game: a cyclic preference has an interior maximal lottery; bad P is rejected", () => {
    const P = [
      [0.5, 0.9, 0.2],
      [0.1, 0.5, 0.7],
      [0.8, 0.3, 0.5],
    ];
    const g = preferenceGame({ P });
    expect(g.equilibrium).toBeDefined();
    expect(g.equilibrium!.value).toBeCloseTo(0, 12); // symmetric game
    const { p } = g.equilibrium!;
    // every pure response wins against p with probability exactly ½
    for (let j = 0; j < 3; j++) expect(p.reduce((s, pi, i) => s + pi * P[j][i], 0)).toBeCloseTo(0.5, 12);
    expect(() =>
      preferenceGame({
        P: [
          [0.5, 0.7],
          [0.7, 0.5],
        ],
      }),
    ).toThrow(/must be 1/);
    expect(() =>
      preferenceGame({
        P: [
          [0.5, 1.2],
          [-0.2, 0.5],
        ],
      }),
    ).toThrow(/not a probability/);
  });
});

describe("adaptor and errors", () => {
  it("rejects bad shapes, bad options and a changing batch size with clear messages", () => {
    const loss = landscapeLoss(himmelblau());
    expect(() => loss(tf.zeros([4, 3]))).toThrow(/expects shape \[runs, 2\].*\[4,3\]/);
    expect(() => loss(tf.zeros([2, 2, 2]))).toThrow(/expects shape/);
    expect(loss(tf.zeros([5, 2])).shape).toEqual([5]);
    expect(() => rosenbrock({ dim: 1 })).toThrow(/dim must be an integer ≥ 2/);
    expect(() => quadraticBowl({ eigenvalues: [1, NaN] })).toThrow(/finite/);
    expect(() => rastrigin({ dim: 2, shift: [1, 2, 3] })).toThrow(/expected length 2/);
    expect(() => bilinearGame({ A: [[1, 2], [3]] })).toThrow(/rows have different lengths/);
    expect(() => diagonalLinearNetwork({ parameterization: "x" as never })).toThrow(/parameterization/);
    expect(() => himmelblau().value(numOps, [1, 2, 3], NO_CONTEXT)).toThrow(/expected 2 coordinates/);
    expect(() => rosenbrock({ dims: 3 } as never)).toThrow(
      /rosenbrock: unknown option "dims" \(did you mean "dim"\?\); known: dim, a, b/,
    );
    expect(() => landscapeLoss(himmelblau(), { sed: 1 } as never)).toThrow(/unknown option "sed"/);
    expect(() => matrixGame({ payoff: [[1]], players: 2 } as never)).toThrow(/unknown option "players"/);
  });
  it("the step counter advances once per call and tensors are not leaked", () => {
    const loss = landscapeLoss(rosenbrock());
    const x = tf.zeros([2, 2]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.grad((z: tf.Tensor) => loss(z).sum())(x)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(loss.step).toBe(6);
    x.dispose();
  });
  it("landscapeGrid evaluates f(xs[j], ys[i]) over the domain", async () => {
    const l = himmelblau();
    const { xs, ys, z } = await landscapeGrid(l, { resolution: 7 });
    expect(xs[0]).toBe(-5);
    expect(xs[6]).toBe(5);
    for (const i of [0, 3, 5])
      for (const j of [1, 4, 6]) {
        expect(z[i][j]).toBeCloseTo(l.value(numOps, [xs[j], ys[i]], NO_CONTEXT), 2);
      }
  });
});
