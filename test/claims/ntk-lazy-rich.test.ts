/**
 * Claims of notebooks/07-ntk-lazy-rich.ipynb, checked in quick mode with the same experiment
 * functions the notebook calls; plus the experiment's pieces against independent references: the
 * closed-form two-layer NTK against the library's autodiff NTK (and a float64 finite-difference
 * Jacobian), the Cholesky solver against its residual, the pNTK error on constructed kernels, and
 * the log–log slope on exact power laws.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { empiricalNtk, pseudoNtk } from "../../lib/diagnostics";
import { twoLayerNetwork } from "../../lib/landscapes";
import { Rng } from "../../lib/rng";
import type { Tree } from "../../lib/tree";
import {
  centredTwoLayerStep,
  choleskySolve,
  firstCrossing,
  grokClaims,
  grokConfig,
  grokExperiment,
  logLogSlope,
  median,
  medianBand,
  ntkWidthExperiment,
  pntkClaims,
  pntkConfig,
  pntkExperiment,
  pseudoKernelError,
  twoLayerNtk,
  widthClaims,
  widthConfig,
  type ClaimCheck,
} from "../../experiments/ntk-lazy-rich";

// wasm, as in the notebook: the quick-mode grokking runs (1200 batched GD steps) are several times
// slower on the pure-JS cpu backend. The building blocks are backend-independent checks.
beforeAll(async () => {
  await initBackend({ force: "wasm", quiet: true });
});

describe("ntk-lazy-rich: building blocks", () => {
  it("closed-form two-layer NTK equals the library's autodiff NTK and a finite-difference Jacobian", async () => {
    const D = 3,
      N = 6,
      n = 4;
    for (const scaling of ["ntk", "meanfield"] as const) {
      const net = twoLayerNetwork({ inputDim: D, width: N, activation: "relu", scaling });
      const batched = net.init(7, { runs: 2 });
      const x = new Rng(3).normalTensor([n, D]);
      const closed = twoLayerNtk(batched[0].w, batched[1].w, x, net.multipliers[0], net.multipliers[1]);
      const cd = await closed.data();
      const run1 = batched.map((l) => ({ w: l.w.slice([1], [1]).squeeze([0]) }));
      const f = (p: Tree, z: tf.Tensor) => net.apply(p, z);
      const viaNtvp = await empiricalNtk(f, run1, x, undefined, { implementation: "ntvp" });
      const viaPseudo = await pseudoNtk(f, run1, x);
      const scale = Math.max(...Array.from(viaNtvp.data, Math.abs));
      for (let e = 0; e < n * n; e++) {
        expect(Math.abs(cd[n * n + e] - viaNtvp.data[e])).toBeLessThan(1e-5 * scale);
        expect(Math.abs(viaPseudo.data[e] - viaNtvp.data[e])).toBeLessThan(1e-5 * scale);
      }
      // Float64 central differences of f(x_i) in every parameter: Θ = J Jᵀ.
      const w = Float64Array.from(await run1[0].w.data()),
        a = Float64Array.from(await run1[1].w.data());
      const xs = await x.data();
      const [c1, c2] = net.multipliers;
      const fx = (wv: Float64Array, av: Float64Array, i: number) => {
        let s = 0;
        for (let j = 0; j < N; j++) {
          let u = 0;
          for (let k = 0; k < D; k++) u += xs[i * D + k] * wv[k * N + j];
          s += av[j] * Math.max(0, c1 * u);
        }
        return c2 * s;
      };
      const h = 1e-6;
      const J = Array.from({ length: n }, (_, i) => {
        const row: number[] = [];
        for (const v of [w, a]) {
          for (let p = 0; p < v.length; p++) {
            const old = v[p];
            v[p] = old + h;
            const up = fx(w, a, i);
            v[p] = old - h;
            const dn = fx(w, a, i);
            v[p] = old;
            row.push((up - dn) / (2 * h));
          }
        }
        return row;
      });
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const ref = J[i].reduce((s, v, p) => s + v * J[j][p], 0);
          expect(Math.abs(cd[n * n + i * n + j] - ref)).toBeLessThan(1e-4 * scale);
        }
      tf.dispose([closed, x, ...batched.map((l) => l.w), ...run1.map((l) => l.w)]);
    }
  });

  it("hand-written GD step of the centred model f = α(g − g₀) equals a step with tfjs autodiff", async () => {
    const D = 4,
      N = 5,
      P = 6,
      R = 2;
    const net = twoLayerNetwork({ inputDim: D, width: N, activation: "relu", scaling: "meanfield" });
    const [c1, c2] = net.multipliers;
    const p0 = net.init(2, { runs: R });
    const p1 = net.init(9, { runs: R }); // moved parameters (g ≠ g₀)
    const rng = new Rng(5);
    const x = rng.normalTensor([P, D]),
      y = rng.normalTensor([P, 1]);
    const alpha = tf.tensor1d([1, 7]),
      lr = tf.tensor1d([0.3, 0.3 / 49]);
    const g0 = net.apply(p0, x);
    const xb = tf.broadcastTo(x.expandDims(0), [R, P, D]);
    const [w1, a1] = centredTwoLayerStep(p1[0].w, p1[1].w, xb, g0, y, alpha, lr, c1, c2);
    const loss = (w: tf.Tensor, a: tf.Tensor) => {
      const f = tf.mul(tf.sub(net.apply([{ w }, { w: a }] as unknown as Tree, x), g0), alpha.reshape([R, 1, 1]));
      return tf.mul(tf.sum(tf.mean(tf.squaredDifference(f, y.expandDims(0)), [1, 2])), 0.5) as tf.Scalar;
    };
    const [gw, ga] = tf.grads(loss)([p1[0].w, p1[1].w]);
    const wRef = tf.sub(p1[0].w, tf.mul(gw, lr.reshape([R, 1, 1])));
    const aRef = tf.sub(p1[1].w, tf.mul(ga, lr.reshape([R, 1, 1])));
    for (const [got, ref] of [
      [w1, wRef],
      [a1, aRef],
    ] as const) {
      const g = await got.data(),
        r = await ref.data();
      const scale = Math.max(...Array.from(r, Math.abs));
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - r[i])).toBeLessThan(1e-5 * scale);
    }
    // the step moved the parameters (the check is not vacuous)
    expect(Math.max(...Array.from(await tf.sub(w1, p1[0].w).abs().data()))).toBeGreaterThan(1e-4);
    tf.dispose([x, y, alpha, lr, g0, xb, w1, a1, gw, ga, wRef, aRef, ...p0.map((l) => l.w), ...p1.map((l) => l.w)]);
  });

  it("twoLayerNtk rejects mismatched shapes", () => {
    const w = tf.zeros([2, 3, 4]),
      a = tf.zeros([2, 5, 1]),
      x = tf.zeros([6, 3]);
    expect(() => twoLayerNtk(w, a, x, 1, 1)).toThrow(/twoLayerNtk/);
    tf.dispose([w, a, x]);
  });

  it("Cholesky solve: residual of a random SPD system, and a clear error when not positive definite", () => {
    const rng = new Rng(1);
    const n = 7,
      k = 3;
    const G = rng.normalArray(n * n);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let p = 0; p < n; p++) A[i * n + j] += G[i * n + p] * G[j * n + p];
    const B = rng.normalArray(n * k);
    const X = choleskySolve(A, n, B, k, 0.5);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < k; c++) {
        let s = 0.5 * X[i * k + c];
        for (let j = 0; j < n; j++) s += A[i * n + j] * X[j * k + c];
        expect(s).toBeCloseTo(B[i * k + c], 10);
      }
    expect(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), 2, Float64Array.from([1, 1]), 1)).toThrow(
      /positive definite/,
    );
  });

  it("pNTK error is 0 for Θ = pNTK ⊗ I and ‖off-diagonal‖/‖Θ‖ otherwise", () => {
    const n = 2,
      O = 3;
    const pk = { data: Float64Array.from([2, 1, 1, 3]), shape: [n, n] };
    const full = { data: new Float64Array(n * n * O * O), shape: [n, n, O, O] };
    for (let i = 0; i < n * n; i++) for (let k = 0; k < O; k++) full.data[(i * O + k) * O + k] = pk.data[i];
    expect(pseudoKernelError(full, pk)).toBe(0);
    full.data[(0 * O + 0) * O + 1] = 1; // one off-diagonal entry
    const norm2 = O * (4 + 1 + 1 + 9) + 1;
    expect(pseudoKernelError(full, pk)).toBeCloseTo(Math.sqrt(1 / norm2), 14);
  });

  it("log–log slope, median and first crossing on exact cases", () => {
    expect(logLogSlope([1, 4, 16, 64], [8, 4, 2, 1])).toBeCloseTo(-0.5, 12);
    expect(median([3, 1, 2, NaN])).toBe(2);
    expect(
      firstCrossing(
        medianBand([
          [5, 3, 1],
          [4, 4, 0.5],
          [6, 2, 2],
        ]).median,
        2.5,
      ),
    ).toBe(2);
    expect(firstCrossing(medianBand([[5, 3]]).median, 0)).toBe(-1);
    expect(() => logLogSlope([1, 2], [1])).toThrow(/points/);
  });
});

/**
 * Claims that do not reproduce in this toy in quick mode (the notebook keeps them, marked failing,
 * with the numbers and an explanation). If one starts passing, update the notebook's text.
 * Quick mode runs 1200 steps: at α = 30 the train loss drops at ≈ 450 steps but the test loss has
 * not dropped yet (delay ≥ 2.7×, not the ≥ 5× the claim asks), and the late drop itself is outside
 * the run; both need the full-mode run length.
 */
const NOT_REPRODUCED: RegExp[] = [/^α = 30: the train loss drops long before the test loss/, /^α = 30: grokking/];

function check(claims: ClaimCheck[]): void {
  for (const c of claims) {
    const known = NOT_REPRODUCED.some((re) => re.test(c.text));
    expect(
      c.passed,
      `${known ? "now reproduces (update the notebook's explanation)" : "does not hold"}: ${c.text}\n  measured: ${JSON.stringify(c.details)}`,
    ).toBe(!known);
  }
}

describe("ntk-lazy-rich: notebook claims (quick mode)", () => {
  it("figure 1: NTK fluctuations and movement shrink with width", async () => {
    check(widthClaims(await ntkWidthExperiment(widthConfig(true))));
  });

  // About 30 s of CPU time (1200 steps of 6 batched runs); the generous limit is for loaded machines.
  it("figure 2: lazy vs rich, grokking", async () => {
    check(grokClaims(await grokExperiment(grokConfig(true))));
  }, 600_000);

  it("figure 3: pseudo-NTK vs full NTK", async () => {
    check(pntkClaims(await pntkExperiment(pntkConfig(true))));
  });

  it("a claim check fails when the numbers do not support it", async () => {
    // Two nearly equal widths: no meaningful slope, so the 1/√m claims must not pass vacuously.
    const r = await ntkWidthExperiment({ ...widthConfig(true), widths: [100, 101], seeds: 2, angles: 4, steps: 5 });
    expect(
      widthClaims(r)
        .slice(0, 2)
        .some((c) => !c.passed),
    ).toBe(true);
  });
});
