import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import {
  complexMomentumRule,
  extragradientRule,
  gdaRule,
  mirrorProxRule,
  multiplicativeWeightsRule,
  optimisticRule,
} from "../../lib/optimizers/games";
import { oracleStepper, playerField, runOracle, zeroSumField } from "../../lib/optimizers/oracle";
import type { OracleRule } from "../../lib/core/rule";
import { perRun } from "../../lib/optimizers/transform";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

// ---------- float64 references, written from the papers' equations ----------

type Blocks = number[][];
const axpy = (a: number[], s: number, b: number[]) => a.map((v, i) => v + s * b[i]);

/** Quadratic–quartic game f(x, y) = ½xᵀPx + xᵀBy − ½yᵀQy + 0.05Σx⁴ (x minimises, y maximises). */
function makeGame(seed: number, n = 3, m = 2) {
  const r = new Rng(seed);
  const mat = (a: number, b: number) => Array.from({ length: a }, () => Array.from({ length: b }, () => r.normal()));
  const G = mat(n, n),
    H = mat(m, m);
  const P = G.map((_, i) => G.map((_, j) => G[i].reduce((s, _v, k) => s + G[i][k] * G[j][k], 0) / n));
  const Q = H.map((_, i) => H.map((_, j) => H[i].reduce((s, _v, k) => s + H[i][k] * H[j][k], 0) / m));
  const B = mat(n, m);
  // Float64 field: F_x = Px + By + 0.2x³, F_y = Qy − Bᵀx.
  const field = ([x, y]: Blocks): Blocks => [
    x.map(
      (_, i) => P[i].reduce((s, p, j) => s + p * x[j], 0) + B[i].reduce((s, b, j) => s + b * y[j], 0) + 0.2 * x[i] ** 3,
    ),
    y.map((_, i) => Q[i].reduce((s, q, j) => s + q * y[j], 0) - x.reduce((s, xv, j) => s + B[j][i] * xv, 0)),
  ];
  // Blocks are [runs, n] and [runs, m]; the loss sums over runs.
  const loss = ([x, y]: tf.Tensor[]) =>
    tf.tidy(() => {
      const Pt = tf.tensor2d(P),
        Qt = tf.tensor2d(Q),
        Bt = tf.tensor2d(B);
      return tf
        .sum(tf.addN([tf.mul(0.5, tf.mul(tf.matMul(x as tf.Tensor2D, Pt), x)), tf.mul(0.05, tf.pow(x, 4))]))
        .add(tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, Bt), y)))
        .sub(tf.mul(0.5, tf.sum(tf.mul(tf.matMul(y as tf.Tensor2D, Qt), y))));
    }) as tf.Scalar;
  const x0 = [r.normalArray(n), r.normalArray(m)].map((a) => Array.from(a));
  return { field, loss, x0, n, m };
}

const refGda = (F: (z: Blocks) => Blocks, z: Blocks, lr: number, alternating: boolean): Blocks => {
  if (!alternating) {
    const f = F(z);
    return z.map((b, i) => axpy(b, -lr, f[i]));
  }
  const x = axpy(z[0], -lr, F(z)[0]);
  const y = axpy(z[1], -lr, F([x, z[1]])[1]);
  return [x, y];
};

function refEg(F: (z: Blocks) => Blocks, z: Blocks, lr: number): Blocks {
  const f0 = F(z);
  const half = z.map((b, i) => axpy(b, -lr, f0[i]));
  const f1 = F(half);
  return z.map((b, i) => axpy(b, -lr, f1[i]));
}

/** Entropic mirror step per simplex group: x_i e^{−η d_i} / Σ_j x_j e^{−η d_j}. */
function refHedge(z: number[], d: number[], lr: number, groups: number[][]): number[] {
  const out = z.slice();
  for (const g of groups) {
    const w = g.map((i) => z[i] * Math.exp(-lr * d[i]));
    const s = w.reduce((a, b) => a + b, 0);
    g.forEach((i, k) => (out[i] = w[k] / s));
  }
  return out;
}

async function trajectory(
  rule: OracleRule,
  field: ReturnType<typeof zeroSumField>,
  x0: tf.Tensor[],
  steps: number,
  hyper: Record<string, number | tf.Tensor>,
) {
  const out: number[][][] = [];
  const final = runOracle(rule, field, x0, steps, {
    hyper,
    onStep: (_t, x) => out.push(x.map((b) => Array.from(b.dataSync()))),
  });
  final.forEach((b) => b.dispose());
  return out;
}

function expectClose(got: number[], want: number[], tol: number) {
  expect(got.length).toBe(want.length);
  const err = Math.max(...got.map((g, i) => Math.abs(g - want[i]) / Math.max(1, Math.abs(want[i]))));
  expect(err).toBeLessThan(tol);
}

describe("game rules against float64 references (25 steps, random quadratic–quartic game)", () => {
  const steps = 25,
    lr = 0.07;
  const cases: [
    string,
    OracleRule,
    (F: (z: Blocks) => Blocks, z: Blocks, state: { past?: Blocks; mu?: [Blocks, Blocks] }, t: number) => Blocks,
  ][] = [
    ["gda simultaneous", gdaRule(), (F, z) => refGda(F, z, lr, false)],
    ["gda alternating", gdaRule({ alternating: true, players: [0, 1] }), (F, z) => refGda(F, z, lr, true)],
    ["extragradient", extragradientRule(), (F, z) => refEg(F, z, lr)],
    [
      "past extragradient",
      optimisticRule(),
      (F, z, s) => {
        const past = s.past ?? z.map((b) => b.map(() => 0));
        const half = z.map((b, i) => axpy(b, -lr, past[i]));
        const f = F(half);
        s.past = f;
        return z.map((b, i) => axpy(b, -lr, f[i]));
      },
    ],
    [
      "ogda",
      optimisticRule({ form: "ogda" }),
      (F, z, s) => {
        const f = F(z);
        const past = s.past ?? f;
        s.past = f;
        return z.map((b, i) => b.map((v, k) => v - 2 * lr * f[i][k] + lr * past[i][k]));
      },
    ],
  ];
  for (const [name, rule, ref] of cases) {
    it(name, async () => {
      const g = makeGame(11);
      const x0 = [tf.tensor2d([g.x0[0]]), tf.tensor2d([g.x0[1]])];
      const got = await trajectory(rule, zeroSumField(g.loss, [0, 1]), x0, steps, { lr });
      let z: Blocks = g.x0.map((b) => b.slice());
      const st = {};
      for (let t = 1; t <= steps; t++) {
        z = ref(g.field, z, st, t);
        expectClose(got[t - 1].flat(), z.flat(), 2e-5);
      }
      x0.forEach((b) => b.dispose());
    });
  }

  for (const alternating of [false, true]) {
    it(`complex momentum (${alternating ? "alternating" : "simultaneous"}), complex α and β`, async () => {
      const g = makeGame(12);
      const h = { lr: 0.05, lrImag: 0.02, beta: 0.8, betaArg: 0.6 };
      const x0 = [tf.tensor2d([g.x0[0]]), tf.tensor2d([g.x0[1]])];
      const got = await trajectory(
        complexMomentumRule({ alternating, players: [0, 1] }),
        zeroSumField(g.loss, [0, 1]),
        x0,
        steps,
        h,
      );
      // μ ← βμ − F(z), z ← z + Re(αμ), complex arithmetic on (re, im) pairs.
      const [bRe, bIm] = [h.beta * Math.cos(h.betaArg), h.beta * Math.sin(h.betaArg)];
      const z: Blocks = g.x0.map((b) => b.slice());
      const mu = z.map((b) => b.map(() => [0, 0]));
      const upd = (i: number, f: number[]) => {
        z[i] = z[i].map((v, k) => {
          const [re, im] = mu[i][k];
          mu[i][k] = [bRe * re - bIm * im - f[k], bRe * im + bIm * re];
          return v + h.lr * mu[i][k][0] - h.lrImag * mu[i][k][1];
        });
      };
      for (let t = 1; t <= steps; t++) {
        if (!alternating) {
          const f = g.field(z);
          upd(0, f[0]);
          upd(1, f[1]);
        } else {
          upd(0, g.field(z)[0]);
          upd(1, g.field(z)[1]);
        }
        expectClose(got[t - 1].flat(), z.flat(), 2e-5);
      }
      x0.forEach((b) => b.dispose());
    });
  }
});

describe("entropic rules against float64 references (matrix game on two simplices)", () => {
  const r = new Rng(5);
  const A = Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => r.normal()));
  const players = [0, 0, 0, 1, 1, 1, 1];
  const groups = [
    [0, 1, 2],
    [3, 4, 5, 6],
  ];
  // Loss xᵀAy; F_x = Ay, F_y = −Aᵀx. Blocks are scalars (one simplex coordinate each).
  const loss = (b: tf.Tensor[]) =>
    tf.tidy(() =>
      tf.sum(
        tf.mul(tf.stack(b.slice(0, 3)), tf.matMul(tf.tensor2d(A), tf.stack(b.slice(3)).reshape([4, 1])).reshape([3])),
      ),
    ) as tf.Scalar;
  const F = (z: number[]) => [
    ...A.map((row) => row.reduce((s, a, j) => s + a * z[3 + j], 0)),
    ...[0, 1, 2, 3].map((j) => -A.reduce((s, row, i) => s + row[j] * z[i], 0)),
  ];
  const z0 = [0.2, 0.5, 0.3, 0.1, 0.2, 0.3, 0.4];
  const steps = 30,
    lr = 0.3;
  const run = async (rule: OracleRule) =>
    trajectory(
      rule,
      zeroSumField(loss, players),
      z0.map((v) => tf.scalar(v)),
      steps,
      { lr },
    );

  it("multiplicative weights (simultaneous and alternating)", async () => {
    for (const alternating of [false, true]) {
      const got = await run(multiplicativeWeightsRule({ players, alternating }));
      let z = z0.slice();
      for (let t = 1; t <= steps; t++) {
        if (!alternating) z = refHedge(z, F(z), lr, groups);
        else {
          z = refHedge(z, F(z), lr, [groups[0]]);
          z = refHedge(z, F(z), lr, [groups[1]]);
        }
        expectClose(got[t - 1].flat(), z, 2e-5);
      }
    }
  });
  it("mirror prox and optimistic multiplicative weights", async () => {
    const mp = await run(mirrorProxRule({ players }));
    const om = await run(optimisticRule({ players, geometry: "entropic", form: "ogda" }));
    let z = z0.slice(),
      w = z0.slice(),
      past: number[] | undefined;
    for (let t = 1; t <= steps; t++) {
      const half = refHedge(z, F(z), lr, groups);
      z = refHedge(z, F(half), lr, groups);
      expectClose(mp[t - 1].flat(), z, 2e-5);
      const f = F(w);
      w = refHedge(
        w,
        f.map((v, i) => 2 * v - (past ?? f)[i]),
        lr,
        groups,
      );
      past = f;
      expectClose(om[t - 1].flat(), w, 2e-5);
    }
  });
  it("on rock–paper–scissors, MWU drifts away from the uniform equilibrium and mirror prox converges to it", async () => {
    const l = (b: tf.Tensor[]) =>
      tf.tidy(() =>
        tf.sum(
          tf.mul(
            tf.stack(b.slice(0, 3)),
            tf
              .matMul(
                tf.tensor2d([
                  [0, 1, -1],
                  [-1, 0, 1],
                  [1, -1, 0],
                ]),
                tf.stack(b.slice(3)).reshape([3, 1]),
              )
              .reshape([3]),
          ),
        ),
      ) as tf.Scalar;
    const pl = [0, 0, 0, 1, 1, 1];
    const start = [0.5, 0.3, 0.2, 0.2, 0.3, 0.5].map((v) => tf.scalar(v));
    const kl = (x: number[]) => x.reduce((s, v) => s + (1 / 3) * Math.log(1 / 3 / v), 0);
    const klTraj = async (rule: OracleRule) =>
      (await trajectory(rule, zeroSumField(l, pl), start, 400, { lr: 0.3 })).map((z) => kl(z.flat()));
    const mw = await klTraj(multiplicativeWeightsRule({ players: pl }));
    const mp = await klTraj(mirrorProxRule({ players: pl }));
    // Bailey & Piliouras (2018): the KL divergence from the interior equilibrium increases under MWU.
    for (let t = 1; t < mw.length; t++) expect(mw[t]).toBeGreaterThan(mw[t - 1] - 1e-6);
    expect(mw[399]).toBeGreaterThan(mw[0] + 0.05);
    expect(mp[399]).toBeLessThan(1e-3 * mp[0]);
    start.forEach((b) => b.dispose());
  });
});

describe("bilinear game min_x max_y x·y with η = 0.1", () => {
  const bil = (b: tf.Tensor[]) => tf.sum(tf.mul(b[0], b[1])) as tf.Scalar;
  const field = zeroSumField(bil, [0, 1]);
  const z0 = () => [tf.tensor1d([1, -0.5, 0.3]), tf.tensor1d([0.2, 0.8, -1])];
  const norms = async (rule: OracleRule, steps: number, hyper: Record<string, number> = { lr: 0.1 }) => {
    const x0 = z0();
    const n0 = Math.hypot(...x0.flatMap((b) => Array.from(b.dataSync())));
    const traj = await trajectory(rule, field, x0, steps, hyper);
    x0.forEach((b) => b.dispose());
    return [n0, ...traj.map((z) => Math.hypot(...z.flat()))];
  };
  it("simultaneous GDA's distance to 0 grows by exactly √(1+η²) per step", async () => {
    const n = await norms(gdaRule(), 40);
    for (let t = 1; t < n.length; t++) expect(n[t] / n[t - 1]).toBeCloseTo(Math.sqrt(1.01), 5);
  });
  it("extragradient's distance shrinks by exactly √(1−η²+η⁴) per step", async () => {
    const n = await norms(extragradientRule(), 40);
    for (let t = 1; t < n.length; t++) expect(n[t] / n[t - 1]).toBeCloseTo(Math.sqrt(1 - 0.01 + 0.0001), 5);
  });
  it("extragradient, past extragradient and OGDA converge; alternating GDA stays bounded", async () => {
    for (const rule of [extragradientRule(), optimisticRule(), optimisticRule({ form: "ogda" })]) {
      const n = await norms(rule, 600);
      // Monotone decrease after a few steps, and a factor > 10 in 600 steps (rate ≈ 1 − η²/2 per step).
      for (let t = 10; t < n.length; t++) expect(n[t]).toBeLessThan(n[t - 1]);
      expect(n[n.length - 1]).toBeLessThan(0.1 * n[0]);
    }
    const alt = await norms(gdaRule({ alternating: true, players: [0, 1] }), 600);
    expect(Math.max(...alt)).toBeLessThan(1.2 * alt[0]);
    expect(alt[alt.length - 1]).toBeGreaterThan(0.5 * alt[0]);
  });
  it("complex momentum converges where real momentum diverges", async () => {
    const cm = await norms(complexMomentumRule(), 600, {});
    expect(cm[cm.length - 1]).toBeLessThan(0.05 * cm[0]);
    const real = await norms(complexMomentumRule(), 150, { betaArg: 0 });
    expect(real[real.length - 1]).toBeGreaterThan(1e3 * real[0]);
  });
});

describe("batched over runs equals runs one by one", () => {
  const g = makeGame(21);
  const R = 4;
  const rng = new Rng(3);
  const starts = Array.from({ length: R }, () => [Array.from(rng.normalArray(g.n)), Array.from(rng.normalArray(g.m))]);
  const lrs = [0.02, 0.05, 0.08, 0.1];
  const rules: [string, () => OracleRule][] = [
    ["gda alternating", () => gdaRule({ alternating: true, players: [0, 1] })],
    ["extragradient", () => extragradientRule()],
    ["ogda", () => optimisticRule({ form: "ogda" })],
    ["past extragradient", () => optimisticRule()],
    ["complex momentum", () => complexMomentumRule()],
  ];
  for (const [name, make] of rules) {
    it(name, async () => {
      const field = zeroSumField(g.loss, [0, 1]);
      const xb = [tf.tensor2d(starts.map((s) => s[0])), tf.tensor2d(starts.map((s) => s[1]))];
      // Per-run learning rates, as a perRun value and as a broadcasting [runs, 1] tensor.
      const lrT = tf.tensor2d(lrs, [R, 1]);
      const batched = runOracle(make(), field, xb, 20, { hyper: { lr: perRun(lrs) } });
      const batchedT = runOracle(make(), field, xb, 20, { hyper: { lr: lrT } });
      expectClose(Array.from(await batchedT[0].data()), Array.from(await batched[0].data()), 1e-6);
      const b = await Promise.all(batched.map((t) => t.array() as Promise<number[][]>));
      for (let r = 0; r < R; r++) {
        const x1 = [tf.tensor2d([starts[r][0]]), tf.tensor2d([starts[r][1]])];
        const single = runOracle(make(), field, x1, 20, { hyper: { lr: lrs[r] } });
        const s = await Promise.all(single.map((t) => t.data()));
        expectClose(Array.from(s[0]), b[0][r], 1e-5);
        expectClose(Array.from(s[1]), b[1][r], 1e-5);
        [...x1, ...single].forEach((t) => t.dispose());
      }
      [...xb, ...batched, ...batchedT, lrT].forEach((t) => t.dispose());
    });
  }
});

describe("tfjs driver", () => {
  it("general-sum field gives each block its own player's gradient", async () => {
    // Player 0 minimises (x − y)², player 1 minimises (y − 2)²: F = (2(x − y), 2(y − 2)).
    const f = playerField(
      [(b) => tf.square(tf.sub(b[0], b[1])).sum() as tf.Scalar, (b) => tf.square(tf.sub(b[1], 2)).sum() as tf.Scalar],
      [0, 1],
    );
    const out = f([tf.scalar(3), tf.scalar(0.5)]);
    expect(await out[0].data()).toEqual(new Float32Array([5]));
    expect(await out[1].data()).toEqual(new Float32Array([-3]));
  });
  it("does not leak tensors over a long run", () => {
    const field = zeroSumField((b) => tf.sum(tf.mul(b[0], b[1])) as tf.Scalar, [0, 1]);
    const x0 = [tf.tensor1d([1, 2]), tf.tensor1d([3, 4])];
    const warm = runOracle(complexMomentumRule(), field, x0, 5);
    warm.forEach((b) => b.dispose());
    const before = tf.memory().numTensors;
    const out = runOracle(complexMomentumRule(), field, x0, 200);
    expect(tf.memory().numTensors).toBe(before + 2);
    out.forEach((b) => b.dispose());
    x0.forEach((b) => b.dispose());
  });
  it("rejects bad input with clear errors", () => {
    const field = zeroSumField((b) => tf.sum(tf.mul(b[0], b[1])) as tf.Scalar, [0, 1]);
    const x0 = [tf.scalar(1), tf.scalar(2)];
    expect(() => gdaRule({ alternate: true } as never)).toThrow(/unknown option "alternate"/);
    expect(() => gdaRule({ geometry: "entropic" })).toThrow(/needs `players`/);
    expect(() => extragradientRule({ geometry: "spherical" as never })).toThrow(/unknown geometry/);
    expect(() => optimisticRule({ form: "reflected" as never })).toThrow(/unknown form/);
    expect(() => runOracle(gdaRule(), field, x0, 1, { hyper: { lr: NaN } })).toThrow(/hyperparameter lr is NaN/);
    expect(() => runOracle(gdaRule(), field, x0, 1, { hyper: { lr: -0.1 } })).toThrow(/lr = -0.1 .*out of range/);
    expect(() => runOracle(gdaRule(), field, x0, 1, { hyper: { learningRate: 0.1 } as never })).toThrow(
      /unknown hyperparameter "learningRate"/,
    );
    expect(() => runOracle(gdaRule({ players: [0, 1, 1] }), field, x0, 1)).toThrow(
      /players has 3 entries but the iterate has 2 blocks/,
    );
    expect(() => runOracle(gdaRule(), () => [tf.scalar(1)], x0, 1)).toThrow(/field returned 1 blocks for 2/);
    expect(() => oracleStepper(gdaRule(), field).init([])).toThrow(/non-empty array of tensors/);
    expect(() => zeroSumField(() => tf.scalar(0), [0, 2])).toThrow(/players 0 and 1/);
    expect(() => runOracle(complexMomentumRule(), field, x0, 1, { hyper: { beta: -0.5 } })).toThrow(
      /beta = -0.5 is out of range/,
    );
    expect(() =>
      runOracle(gdaRule(), field, [tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3])], 1, {
        hyper: { lr: perRun([0.1, 0.2]) },
      }),
    ).toThrow(/perRun hyperparameter lr has 2 runs but parameter block 1/);
    x0.forEach((b) => b.dispose());
  });
});
