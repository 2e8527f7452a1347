/**
 * Claims of notebooks/05-hessian-spectrum.ipynb, checked in quick mode with the same experiment
 * functions the notebook calls; plus the experiment's pieces against independent references: the
 * float64 network against tfjs autodiff on the library's `mlp` + `crossEntropy` (and finite
 * differences), the spiked-Wigner formula against a sampled spiked Wigner matrix, the subspace
 * measures against closed forms, the SGD stability search against full-batch GD's 2/λ₁.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { symmetricEig } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { hessianOperator } from "../../lib/diagnostics";
import { mlp } from "../../lib/landscapes";
import { sgd, applyUpdates } from "../../lib/optimizers";
import { Rng } from "../../lib/rng";
import type { Tree } from "../../lib/tree";
import {
  TanhMlp64,
  batchClaims,
  batchConfig,
  batchExperiment,
  bulkClaims,
  bulkConfig,
  bulkExperiment,
  clusterNetwork,
  densityClaims,
  densityConfig,
  densityExperiment,
  flattenMlpParams,
  fractionInSubspace,
  granziolBatchLambdaMax,
  leastSquaresData,
  logLogSlope,
  outlierGap,
  stableLearningRate,
  subspaceClaims,
  subspaceConfig,
  subspaceExperiment,
  subspaceOverlap,
  trainSgd,
  type ClaimCheck,
} from "../../experiments/hessian-spectrum";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(e / n);
};

describe("hessian-spectrum: the float64 tanh MLP", () => {
  it("loss, gradient and Hessian–vector products match tfjs autodiff on the library's mlp + crossEntropy", async () => {
    const cfg = { classes: 3, hidden: 5, dim: 4, n: 12, std: 1, separation: 3 };
    const { net, theta0 } = await clusterNetwork(cfg, 2);
    const model = mlp({ sizes: [4, 5, 3], activation: "tanh" });
    const params = model.init(2);
    expect(Array.from(await flattenMlpParams(params))).toEqual(Array.from(theta0));
    // Move away from b = 0 so bias terms matter.
    const rng = new Rng(5);
    const theta = theta0.map((v) => v + 0.3 * rng.normal());
    const tree = [
      {
        b: tf.tensor1d(Float32Array.from(theta.subarray(0, 5))),
        w: tf.tensor2d(Float32Array.from(theta.subarray(5, 25)), [4, 5]),
      },
      {
        b: tf.tensor1d(Float32Array.from(theta.subarray(25, 28))),
        w: tf.tensor2d(Float32Array.from(theta.subarray(28, 43)), [5, 3]),
      },
    ];
    const x = tf.tensor2d(Float32Array.from(net.x), [net.n, net.d]);
    const y = tf.tensor1d(net.y, "int32");
    const lossFn = (p: Tree) => model.loss(p, x, y) as tf.Scalar;
    const L = lossFn(tree);
    expect(Math.abs((await L.data())[0] - net.loss(theta))).toBeLessThan(1e-5);
    L.dispose();
    const op = hessianOperator(lossFn, tree);
    expect(op.size).toBe(net.size);
    for (let t = 0; t < 3; t++) {
      const v = rng.normalArray(net.size);
      expect(relErr(net.hvp(theta, v), await op.matvec(v))).toBeLessThan(1e-5);
    }
    // A mini-batch Hessian is the Hessian of the batch loss.
    const idx = [0, 3, 7];
    const xb = tf.gather(x, idx),
      yb = tf.gather(y, idx);
    const opb = hessianOperator((p) => model.loss(p, xb, yb) as tf.Scalar, tree);
    const v = rng.normalArray(net.size);
    expect(relErr(net.hvp(theta, v, idx), await opb.matvec(v))).toBeLessThan(1e-5);
    // Gradient by central differences in float64.
    const g = net.grad(theta);
    const h = 1e-6;
    for (const j of [0, 7, 26, 40]) {
      const tp = Float64Array.from(theta),
        tm = Float64Array.from(theta);
      tp[j] += h;
      tm[j] -= h;
      expect(Math.abs((net.loss(tp) - net.loss(tm)) / (2 * h) - g[j])).toBeLessThan(1e-7);
    }
    tf.dispose([x, y, xb, yb, ...tree.flatMap((l) => [l.w, l.b]), ...params.flatMap((l) => [l.w, l.b])]);
  });

  it("an SGD step equals one update of lib/optimizers' sgd on the same batch", async () => {
    const cfg = { classes: 3, hidden: 4, dim: 3, n: 8, std: 1, separation: 3 };
    const { net, theta0 } = await clusterNetwork(cfg, 1);
    const lr = 0.3;
    const { theta } = await trainSgd(net, theta0, { lr, batchSize: 8, steps: 1 }, 0);
    // Full batch: the permutation does not matter.
    const model = mlp({ sizes: [3, 4, 3], activation: "tanh" });
    const params = model.init(1);
    const x = tf.tensor2d(Float32Array.from(net.x), [8, 3]);
    const y = tf.tensor1d(net.y, "int32");
    const opt = sgd({ lr });
    const state = opt.init(params);
    const grads = tf.grads(
      (...ls: tf.Tensor[]) =>
        model.loss(
          [
            { b: ls[0], w: ls[1] },
            { b: ls[2], w: ls[3] },
          ],
          x,
          y,
        ) as tf.Scalar,
    )(params.flatMap((l) => [l.b, l.w]));
    const gTree = [
      { b: grads[0], w: grads[1] },
      { b: grads[2], w: grads[3] },
    ];
    const { updates, state: s2 } = opt.update(gTree, state, params);
    const next = applyUpdates(params, updates) as typeof params;
    expect(relErr(theta, await flattenMlpParams(next))).toBeLessThan(1e-6);
    tf.dispose([x, y, ...grads, ...params.flatMap((l) => [l.w, l.b]), ...next.flatMap((l) => [l.w, l.b])]);
    for (const t of [state, s2, updates]) tf.dispose(tf.util.flatten([t as never]) as never);
  });

  it("rejects bad input with a message naming the problem", () => {
    expect(() => new TanhMlp64(new Float64Array(5), new Int32Array(2), 2, 3, 4, 2)).toThrow(/x has 5 entries/);
    expect(() => new TanhMlp64(new Float64Array(6), Int32Array.from([0, 2]), 2, 3, 4, 2)).toThrow(/label 2/);
    expect(() => new TanhMlp64(Float64Array.from([0, NaN, 0, 0, 0, 0]), new Int32Array(2), 2, 3, 4, 2)).toThrow(
      /not finite/,
    );
    const net = new TanhMlp64(new Float64Array(6), new Int32Array(2), 2, 3, 4, 2);
    expect(() => net.loss(new Float64Array(3))).toThrow(/θ has length 3/);
    expect(() => net.grad(new Float64Array(net.size), [5])).toThrow(/batch index 5/);
    expect(() => granziolBatchLambdaMax(1, 1, 10, 100, 0)).toThrow(/batch size/);
  });
});

describe("hessian-spectrum: closed forms and references", () => {
  it("the spiked-Wigner formula predicts the top eigenvalue of a sampled spiked Wigner matrix", () => {
    // H = θ u uᵀ + W, W symmetric with N(0, v) entries (v = 1/d): semicircle edge 2, outlier θ + 1/θ for θ > 1.
    const d = 300,
      rng = new Rng(3);
    for (const theta of [0.5, 2, 4]) {
      const A = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j <= i; j++) {
          const w = (rng.normal() / Math.sqrt(d)) * (i === j ? Math.SQRT2 : 1);
          A[i * d + j] = A[j * d + i] = w;
        }
      A[0] += theta; // u = e_1
      const top = Math.max(...symmetricEig(A, d).values);
      // granziolBatchLambdaMax with κ = 1: c(B)·spread/d = 1 for N = 2, B = 1 (c = 1), spread = d.
      const pred = granziolBatchLambdaMax(theta, d, d, 2, 1);
      expect(pred).toBeCloseTo(theta > 1 ? theta + 1 / theta : 2, 12);
      expect(Math.abs(top - pred) / pred).toBeLessThan(0.06);
    }
  });

  it("the least-squares spread (1/N)Σ‖x_i x_iᵀ − H‖_F² used by the experiment equals the direct sum", async () => {
    const cfg = {
      ...batchConfig(true),
      linear: { dim: 6, n: 40, spikes: [4], bulk: 1 },
      batchSizes: [1, 2, 40],
      batches: 3,
      stability: { steps: 20, iterations: 4, seeds: 1 },
      mlp: {
        ...batchConfig(true).mlp,
        net: { hidden: 3, dim: 2, n: 16, std: 1, separation: 3 },
        classes: 2,
        sgd: { lr: 0.1, batchSize: 4, steps: 5 },
        batches: 2,
        probes: 2,
        lanczosSteps: 10,
      },
    };
    const r = await batchExperiment(cfg);
    const { x, n, d } = leastSquaresData(cfg.linear, cfg.seed);
    const H = new Float64Array(d * d);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) H[a * d + b] += (x[i * d + a] * x[i * d + b]) / n;
    let spread = 0;
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) spread += (x[i * d + a] * x[i * d + b] - H[a * d + b]) ** 2 / n;
    expect(Math.abs(r.linear.spread - spread) / spread).toBeLessThan(1e-10);
    expect(Math.abs(r.linear.lambda1 - Math.max(...symmetricEig(H, d).values))).toBeLessThan(1e-10);
    // B = N: one batch, the full Hessian.
    expect(r.linear.lambdaB[2][0]).toBeCloseTo(r.linear.lambda1, 10);
    expect(r.linear.predicted[2]).toBeCloseTo(r.linear.lambda1, 12);
  });

  it("the stability search finds gradient descent's threshold 2/λ₁ at full batch", () => {
    const lin = { dim: 8, n: 64, spikes: [6, 3], bulk: 1 };
    const { x, n, d } = leastSquaresData(lin, 4);
    const H = new Float64Array(d * d);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) H[a * d + b] += (x[i * d + a] * x[i * d + b]) / n;
    const l1 = Math.max(...symmetricEig(H, d).values);
    const eta = stableLearningRate(x, n, d, n, { steps: 400, iterations: 20, seed: 0, lo: 1e-4, hi: 10 / l1 });
    expect(Math.abs((eta * l1) / 2 - 1)).toBeLessThan(0.02);
  });

  it("the experiment's gradient fraction (Lanczos top-k) equals the one from the dense float64 eigendecomposition", async () => {
    // Independent check of figure 2's measurement: dense H (finite differences of the analytic gradient,
    // not the R-operator), its k eigenvectors with the largest algebraic eigenvalues, ‖P_k g‖²/‖g‖² by hand.
    const k = 3,
      cfg = { classes: k, hidden: 4, dim: 3, n: 24, std: 1, separation: 3 };
    const { net, theta0 } = await clusterNetwork(cfg, 3);
    const { theta } = await trainSgd(net, theta0, { lr: 0.2, batchSize: 8, steps: 40 }, 3);
    for (const th of [theta0, theta]) {
      const P = net.size,
        eps = 1e-5;
      const H = new Float64Array(P * P);
      for (let j = 0; j < P; j++) {
        const tp = Float64Array.from(th),
          tm = Float64Array.from(th);
        tp[j] += eps;
        tm[j] -= eps;
        const gp = net.grad(tp),
          gm = net.grad(tm);
        for (let i = 0; i < P; i++) H[i * P + j] = (gp[i] - gm[i]) / (2 * eps);
      }
      for (let i = 0; i < P; i++)
        for (let j = 0; j < i; j++) H[i * P + j] = H[j * P + i] = (H[i * P + j] + H[j * P + i]) / 2;
      const { values, vectors } = symmetricEig(H, P);
      const top = Array.from(values.keys())
        .sort((a, b) => values[b] - values[a])
        .slice(0, k);
      const g = net.grad(th);
      const gg = g.reduce((s, x) => s + x * x, 0);
      const byHand = top.reduce((s, i) => s + vectors[i].reduce((d, v, j) => d + v * g[j], 0) ** 2, 0) / gg;
      const r = await subspaceExperiment({
        ks: [k],
        net: { hidden: 4, dim: 3, n: 24, std: 1, separation: 3 },
        sgd: { lr: 0.2, batchSize: 8, steps: th === theta0 ? 0 : 40 },
        seeds: 4,
        checkpoints: [th === theta0 ? 0 : 40],
        lanczosSteps: 40,
        minibatchProbes: 1,
      });
      // seed 3 of the experiment is the network above.
      expect(Math.abs(r.fraction[k][3][0] - byHand)).toBeLessThan(1e-6);
      expect(r.lambdaMax[k][3][0]).toBeCloseTo(values[top[0]], 6);
    }
  }, 60_000);

  it("subspace overlap and gradient fraction match closed forms", () => {
    const e = (i: number, n = 4) => Float64Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));
    expect(subspaceOverlap([e(0), e(1)], [e(1), e(0)])).toBeCloseTo(1, 14);
    expect(subspaceOverlap([e(0), e(1)], [e(2), e(3)])).toBeCloseTo(0, 14);
    // A rotation by φ in the (0, 2) plane: overlap (1 + cos²φ)/2.
    const phi = 0.7;
    const r = Float64Array.from([Math.cos(phi), 0, Math.sin(phi), 0]);
    expect(subspaceOverlap([e(0), e(1)], [r, e(1)])).toBeCloseTo((1 + Math.cos(phi) ** 2) / 2, 14);
    expect(fractionInSubspace([3, 0, 4, 0], [e(0)])).toBeCloseTo(9 / 25, 14);
    expect(outlierGap([10, 9, 1, 0.9, 0.8], 3)).toEqual({ ratios: [10 / 9, 9, 1 / 0.9], gapAt: 2 });
    expect(logLogSlope([1, 2, 4, 8], [3, 6, 12, 24])).toBeCloseTo(1, 12);
  });
});

/**
 * Claims that do not reproduce in this toy (the notebook keeps them, marked failing, with the
 * explanation). If one starts passing, the notebook's explanation is out of date.
 */
const NOT_REPRODUCED: RegExp[] = [
  // Figure 1: no ≈ k outliers in this tiny, not over-parametrised network; the k = 10 bulk is wider than λ_max/100.
  /after training, the largest gap/,
  /wider network .* the largest gap/,
  /^k = 10: after training the bulk/,
  // Figure 2 (η = 0.1 and the extra run at η = 1): the full-batch gradient does not stay in the top-k
  // eigenspace; it leaves it as the loss goes to zero (at η = 0.1 after ~20 steps, at η = 1 later and not for all k).
  /fraction of the gradient in the top-/,
  /eigenspace changes little/,
  // Figure 3: the spiked-Wigner numbers (rank-deficient, heavy-tailed fluctuations), and the MLP's heavy-tailed batch λ_max.
  /Least squares: Granziol et al.'s spiked-Wigner prediction/,
  /^MLP .*median batch λ_max exceeds/,
  /^MLP .*spiked-Wigner prediction matches/,
  /spiked-Wigner learning rate 2\/λ'/,
];

function check(claims: ClaimCheck[]): void {
  for (const c of claims) {
    const known = NOT_REPRODUCED.some((re) => re.test(c.text));
    expect(
      c.passed,
      `${known ? "now reproduces (update the notebook's explanation)" : "does not hold"}: ${c.text}\n  measured: ${c.details}`,
    ).toBe(!known);
  }
}

// About 10–20 s each on an idle 2-core machine; the limit leaves room for a loaded one.
const CLAIM_TIMEOUT = 300_000;

describe("hessian-spectrum: notebook claims (quick mode)", () => {
  it(
    "figure 1: bulk and outliers",
    async () => {
      check(bulkClaims(await bulkExperiment(bulkConfig(true))));
    },
    CLAIM_TIMEOUT,
  );
  it(
    "figure 2: tiny subspace",
    async () => {
      check(subspaceClaims(await subspaceExperiment(subspaceConfig(true))));
    },
    CLAIM_TIMEOUT,
  );
  it(
    "figure 2, extra run: SGD η = 1 (10× figure 1's)",
    async () => {
      check(subspaceClaims(await subspaceExperiment(subspaceConfig(true, 1))));
    },
    CLAIM_TIMEOUT,
  );
  it(
    "figure 3: batch Hessians",
    async () => {
      check(batchClaims(await batchExperiment(batchConfig(true))));
    },
    CLAIM_TIMEOUT,
  );
  it(
    "figure 4: densities and traces",
    async () => {
      check(densityClaims(await densityExperiment(densityConfig(true))));
    },
    CLAIM_TIMEOUT,
  );
});
