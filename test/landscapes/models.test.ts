import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { separableClassification, teacherStudent } from "../../lib/data";
import {
  deepLinearNetwork,
  logisticRegression,
  matrixSensing,
  mlp,
  ridgeRegression,
  twoLayerNetwork,
  type LayerParams,
} from "../../lib/landscapes";
import { crossEntropy } from "../../lib/losses";
import { Rng } from "../../lib/rng";
import { disposeTree, flatten, treeSize, unflatten, type Tree } from "../../lib/tree";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const act = { tanh: Math.tanh, relu: (v: number) => Math.max(0, v), linear: (v: number) => v };

/** float64 forward pass of an mlp from its parameter values. */
async function forward64(net: ReturnType<typeof mlp>, params: LayerParams[], X: number[][]): Promise<number[][]> {
  const ws = await Promise.all(params.map((p) => p.w.array() as Promise<number[][]>));
  const bs = net.config.bias ? await Promise.all(params.map((p) => p.b.array() as Promise<number[]>)) : undefined;
  const phi = act[net.config.activation];
  return X.map((x) => {
    let h = x;
    ws.forEach((W, l) => {
      const z = W[0].map(
        (_, j) =>
          net.multipliers[l] * h.reduce((s, hi, i) => s + hi * W[i][j], 0) + (bs ? net.config.biasScale * bs[l][j] : 0),
      );
      h = l < ws.length - 1 ? z.map(phi) : z;
    });
    return h;
  });
}

const X = Array.from({ length: 5 }, (_, i) => Array.from(new Rng(100 + i).normalArray(3)));

describe("mlp", () => {
  for (const activation of ["tanh", "relu"] as const) {
    for (const parameterization of ["standard", "ntk", "meanfield"] as const) {
      it(`${activation}/${parameterization}: apply equals a float64 forward pass; sizes and parameter count`, async () => {
        const net = mlp({ sizes: [3, 7, 4, 2], activation, parameterization, biasScale: 0.5 });
        const params = net.init(3);
        const nonzeroBias = params.map((p, l) => ({ w: p.w, b: tf.add(p.b, 0.1 * (l + 1)) as tf.Tensor1D }));
        expect(treeSize(nonzeroBias as unknown as Tree)).toBe(net.numParams);
        expect(net.numParams).toBe(3 * 7 + 7 + 7 * 4 + 4 + 4 * 2 + 2);
        const out = net.apply(nonzeroBias as unknown as Tree, tf.tensor2d(X));
        expect(out.shape).toEqual([5, 2]);
        const ref = await forward64(net, nonzeroBias, X);
        const got = (await out.array()) as number[][];
        got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(ref[i][j], 4)));
        disposeTree([params, nonzeroBias, out]);
      });
    }
  }

  it("standard and NTK parameterisations give the same function at init; mean-field's readout is 1/√width smaller", async () => {
    const width = 16;
    const std = mlp({ sizes: [3, width, 1] }),
      ntk = mlp({ sizes: [3, width, 1], parameterization: "ntk" }),
      mf = mlp({ sizes: [3, width, 1], parameterization: "meanfield" });
    const x = tf.tensor2d(X);
    const [a, b, c] = [std, ntk, mf].map((m) => m.apply(m.init(7), x));
    const [va, vb, vc] = await Promise.all([a, b, c].map((t) => t.data()));
    va.forEach((v, i) => {
      expect(vb[i]).toBeCloseTo(v, 5);
      expect(vc[i]).toBeCloseTo(v / Math.sqrt(width), 5);
    });
    tf.dispose([a, b, c, x]);
  });

  it("init is seeded; weights have the stated variance", async () => {
    const net = mlp({ sizes: [200, 100, 1], activation: "relu" });
    const p1 = net.init(1),
      p2 = net.init(1),
      p3 = net.init(2);
    const w1 = Array.from(await p1[0].w.data());
    expect(w1).toEqual(Array.from(await p2[0].w.data()));
    expect(w1).not.toEqual(Array.from(await p3[0].w.data()));
    const v = w1.reduce((s, x) => s + x * x, 0) / w1.length;
    expect(v * 200).toBeCloseTo(2, 1); // He: σ_w² = 2 over fan-in
    disposeTree([p1, p2, p3]);
  });

  it("loss: cross-entropy for int32 labels, MSE for float targets", async () => {
    const net = mlp({ sizes: [3, 5, 3] });
    const p = net.init(0),
      x = tf.tensor2d(X);
    const labels = tf.tensor1d([0, 2, 1, 1, 0], "int32");
    const ce = net.loss(p, x, labels),
      ref = crossEntropy(net.apply(p, x), labels);
    expect((await ce.data())[0]).toBeCloseTo((await ref.data())[0], 6);
    const target = tf.ones([5, 3]);
    const out = (await net.apply(p, x).array()) as number[][];
    const mseRef = out.flat().reduce((s, v) => s + (v - 1) ** 2, 0) / 15;
    expect((await net.loss(p, x, target).data())[0]).toBeCloseTo(mseRef, 5);
    disposeTree([p, x, labels, ce, ref, target]);
  });

  it("tanh network: Hessian-vector product (double backprop) agrees with central differences of gradients", async () => {
    const net = mlp({ sizes: [3, 6, 2], activation: "tanh" });
    const p = net.init(4) as unknown as Tree;
    const x = tf.tensor2d(X),
      y = tf.tensor1d([0, 1, 1, 0, 1], "int32");
    const flat = flatten(p);
    const rng = new Rng(8);
    const v = flat.map((t) => rng.normalTensor(t.shape));
    const lossOf = (ts: tf.Tensor[]) => net.loss(unflatten(p, ts), x, y);
    const grads = (ts: tf.Tensor[]) => tf.grads((...z: tf.Tensor[]) => lossOf(z))(ts);
    const hv = tf.tidy(() =>
      tf.grads((...z: tf.Tensor[]) => tf.addN(grads(z).map((g, i) => tf.sum(tf.mul(g, v[i])))))(flat),
    );
    const eps = 1e-2;
    const fd = tf.tidy(() => {
      const gp = grads(flat.map((t, i) => tf.add(t, tf.mul(eps, v[i])))),
        gm = grads(flat.map((t, i) => tf.sub(t, tf.mul(eps, v[i]))));
      return gp.map((g, i) => tf.div(tf.sub(g, gm[i]), 2 * eps));
    });
    const a = (await Promise.all(hv.map((t) => t.data()))).flatMap((d) => Array.from(d));
    const b = (await Promise.all(fd.map((t) => t.data()))).flatMap((d) => Array.from(d));
    const scale = Math.max(...b.map(Math.abs));
    a.forEach((h, i) => expect(Math.abs(h - b[i])).toBeLessThan(2e-2 * scale));
    expect(scale).toBeGreaterThan(1e-3);
    disposeTree([p, x, y, v, hv, fd]);
  });

  it("a batch of runs: run r is init(seed) of stream r; apply, loss and gradients equal per-run evaluation", async () => {
    const net = mlp({ sizes: [3, 5, 2], activation: "tanh", parameterization: "ntk" });
    const runs = 3;
    const pb = net.init(9, { runs });
    const p0 = net.init(9);
    expect(pb[0].w.shape).toEqual([runs, 3, 5]);
    expect(pb[1].b.shape).toEqual([runs, 2]);
    expect(Array.from(await pb[0].w.slice([0, 0, 0], [1, 3, 5]).data())).toEqual(Array.from(await p0[0].w.data()));
    expect(Array.from(await pb[0].w.slice([1, 0, 0], [1, 3, 5]).data())).not.toEqual(Array.from(await p0[0].w.data()));
    // non-zero biases so the bias path is exercised
    const pbb = pb.map((p, l) => ({
      w: p.w,
      b: tf.add(p.b, tf.randomNormal(p.b.shape, 0, 0.3, "float32", 5 + l)) as tf.Tensor1D,
    }));
    const x = tf.tensor2d(X),
      labels = tf.tensor1d([0, 1, 1, 0, 1], "int32"),
      target = tf.tensor2d(X.map((r) => [r[0], r[1] * r[2]]));
    const run = (r: number) =>
      pbb.map((p) => {
        const ws = p.w.shape as number[],
          bs = p.b.shape as number[];
        return {
          w: p.w.slice([r, 0, 0], [1, ws[1], ws[2]]).reshape([ws[1], ws[2]]),
          b: p.b.slice([r, 0], [1, bs[1]]).reshape([bs[1]]),
        };
      }) as unknown as Tree;
    const out = (await net.apply(pbb as unknown as Tree, x).array()) as number[][][];
    const ce = Array.from(await net.loss(pbb as unknown as Tree, x, labels).data());
    const ms = Array.from(await net.loss(pbb as unknown as Tree, x, target).data());
    expect(ce.length).toBe(runs);
    const gb = tf.grads((...ts: tf.Tensor[]) => net.loss(unflatten(pbb as unknown as Tree, ts), x, labels).sum())(
      flatten(pbb as unknown as Tree),
    );
    for (let r = 0; r < runs; r++) {
      const pr = run(r);
      const single = (await net.apply(pr, x).array()) as number[][];
      single.forEach((row, i) => row.forEach((v, j) => expect(out[r][i][j]).toBeCloseTo(v, 5)));
      expect(ce[r]).toBeCloseTo((await net.loss(pr, x, labels).data())[0], 5);
      expect(ms[r]).toBeCloseTo((await net.loss(pr, x, target).data())[0], 5);
      const gr = tf.grads((...ts: tf.Tensor[]) => net.loss(unflatten(pr, ts), x, labels))(flatten(pr));
      for (let k = 0; k < gr.length; k++) {
        const a = Array.from(await gr[k].data());
        const shape = gb[k].shape;
        const b = Array.from(await gb[k].slice([r, ...shape.slice(1).map(() => 0)], [1, ...shape.slice(1)]).data());
        a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
      }
    }
    expect(() => net.loss(pbb as unknown as Tree, x, tf.tensor1d([0, 1], "int32"))).toThrow(
      /class labels must be \[5\]/,
    );
    expect(() => net.init(0, { runs: 0 })).toThrow(/runs must be a positive integer/);
    disposeTree([pb, p0, pbb, x, labels, target, gb]);
  });

  it("rejects bad configurations and parameters", () => {
    expect(() => mlp({ sizes: [3] })).toThrow(/at least two/);
    expect(() => mlp({ sizes: [3, 0, 1] })).toThrow(/positive integer/);
    expect(() => mlp({ sizes: [3, 1], activation: "gelu" as never })).toThrow(/activation/);
    expect(() => mlp({ sizes: [3, 1], parameterization: "mup" as never })).toThrow(/parameterization/);
    expect(() => mlp({ sizes: [3, 1], activations: "relu" } as never)).toThrow(/mlp: unknown option "activations"/);
    const net = mlp({ sizes: [3, 4, 1] });
    const p = net.init(0);
    expect(() => net.apply(p, tf.zeros([2, 5]))).toThrow(/inputs must be \[n, 3\]/);
    expect(() => net.apply([p[0]], tf.zeros([2, 3]))).toThrow(/array of 2 layers/);
    expect(() => net.apply([p[1], p[0]], tf.zeros([2, 3]))).toThrow(/layer 0 weight must be \[3, 4\]/);
    disposeTree(p);
  });
});

describe("two-layer and deep linear networks", () => {
  for (const scaling of ["ntk", "meanfield"] as const) {
    it(`two-layer ${scaling}: f(x) = c₂ Σ_j a_j relu(w_jᵀx/√d), c₂ = ${scaling === "ntk" ? "1/√m" : "1/m"}`, async () => {
      const m = 10,
        d = 3;
      const net = twoLayerNetwork({ inputDim: d, width: m, scaling });
      const p = net.init(2);
      expect(p[0].b).toBeUndefined();
      const W = (await p[0].w.array()) as number[][],
        a = (await p[1].w.array()) as number[][];
      const out = (await net.apply(p, tf.tensor2d(X)).array()) as number[][];
      const c2 = scaling === "ntk" ? 1 / Math.sqrt(m) : 1 / m;
      X.forEach((x, i) => {
        const f =
          c2 *
          Array.from(
            { length: m },
            (_, j) => a[j][0] * Math.max(0, x.reduce((s, xi, k) => s + xi * W[k][j], 0) / Math.sqrt(d)),
          ).reduce((s, v) => s + v, 0);
        expect(out[i][0]).toBeCloseTo(f, 5);
      });
      disposeTree(p);
    });
  }
  it("deep linear network: apply(x) = x · W₁W₂W₃ (endToEnd)", async () => {
    const net = deepLinearNetwork({ sizes: [3, 4, 4, 2], scale: 0.5 });
    const p = net.init(1);
    const x = tf.tensor2d(X);
    const a = (await net.apply(p, x).array()) as number[][];
    const b = (await tf.matMul(x, net.endToEnd(p)).array()) as number[][];
    a.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 5)));
    disposeTree([p, x]);
  });
});

describe("matrix sensing", () => {
  async function gradRef(ms: ReturnType<typeof matrixSensing>, params: Record<string, tf.Tensor>) {
    // float64: ∇_X = (1/m) Σ r_i (A_i + A_iᵀ) X for XXᵀ; ∇_F = (1/m) Σ r_i A_i G, ∇_G = (1/m) Σ r_i A_iᵀ F
    const A = (await ms.A.array()) as number[][],
      y = Array.from(await ms.y.data());
    const { n, n2, measurements: m } = ms;
    const xxt = ms.factorization === "XX^T";
    const L = (await (xxt ? params.X : params.F).array()) as number[][];
    const R = xxt ? L : ((await params.G.array()) as number[][]);
    const k = L[0].length;
    const M = L.map((li) => R.map((rj) => li.reduce((s, v, p) => s + v * rj[p], 0)));
    const r = A.map((a, i) => a.reduce((s, v, p) => s + v * M[Math.floor(p / n2)][p % n2], 0) - y[i]);
    const gL = L.map(() => new Array(k).fill(0)),
      gR = R.map(() => new Array(k).fill(0));
    A.forEach((a, i) => {
      for (let u = 0; u < n; u++)
        for (let w = 0; w < n2; w++) {
          const c = (r[i] * a[u * n2 + w]) / m;
          for (let p = 0; p < k; p++) {
            gL[u][p] += c * R[w][p];
            gR[w][p] += c * L[u][p];
          }
        }
    });
    const loss = r.reduce((s, v) => s + v * v, 0) / (2 * m);
    return { loss, grads: xxt ? [gL.map((row, u) => row.map((v, p) => v + gR[u][p]))] : [gL, gR] };
  }

  for (const [symmetric, factorization] of [
    [true, "XX^T"],
    [false, "FG^T"],
    [true, "FG^T"],
  ] as const) {
    it(`${symmetric ? "symmetric" : "asymmetric"} M*, ${factorization}: over-parameterised ground truth has zero loss and gradient; loss and gradient match float64`, async () => {
      const ms = matrixSensing({
        n: 5,
        ...(symmetric ? {} : { n2: 4 }),
        rank: 2,
        modelRank: 3,
        measurements: 40,
        symmetric,
        factorization,
        condition: 4,
        seed: 3,
      });
      const gt = ms.groundTruth() as Record<string, tf.Tensor>;
      const names = factorization === "XX^T" ? ["X"] : ["F", "G"];
      const g0 = tf.grads((...ts: tf.Tensor[]) => ms.loss(Object.fromEntries(names.map((nm, i) => [nm, ts[i]]))))(
        names.map((nm) => gt[nm]),
      );
      expect((await ms.loss(gt).data())[0]).toBeLessThan(1e-10);
      for (const g of g0) expect(Math.max(...Array.from(await g.data()).map(Math.abs))).toBeLessThan(1e-5);
      expect((await ms.recoveryError(gt).data())[0]).toBeLessThan(1e-5);
      const p = ms.init(1, { scale: 0.5 }) as Record<string, tf.Tensor>;
      const ref = await gradRef(ms, p);
      expect((await ms.loss(p).data())[0]).toBeCloseTo(ref.loss, 4);
      const g = tf.grads((...ts: tf.Tensor[]) => ms.loss(Object.fromEntries(names.map((nm, i) => [nm, ts[i]]))))(
        names.map((nm) => p[nm]),
      );
      for (let b = 0; b < names.length; b++) {
        const got = (await g[b].array()) as number[][];
        got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(ref.grads[b][i][j], 4)));
      }
      disposeTree([gt, g0, p, g]);
      ms.dispose();
    });
  }

  it("M* has rank r with the stated condition number; symmetric A_i; the loss is rotation invariant; batched = per-run", async () => {
    const ms = matrixSensing({ n: 6, rank: 3, measurements: 30, condition: 8, seed: 2 });
    const T = ms.target;
    const tr = T.reduce((s, r, i) => s + r[i], 0),
      fro2 = T.flat().reduce((s, v) => s + v * v, 0);
    const sig = [1, 8 ** -0.5, 1 / 8];
    expect(tr).toBeCloseTo(
      sig.reduce((a, b) => a + b),
      10,
    );
    expect(fro2).toBeCloseTo(
      sig.reduce((a, b) => a + b * b, 0),
      10,
    );
    const A0 = await ms.A.slice([0, 0], [1, 36]).data();
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) expect(A0[a * 6 + b]).toBe(A0[b * 6 + a]);
    const p = ms.init(5, { scale: 1, runs: 3 }) as { X: tf.Tensor };
    const batched = Array.from(await ms.loss(p).data());
    expect(batched.length).toBe(3);
    const Q = tf.tensor2d([
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]); // a permutation is orthogonal
    for (let r = 0; r < 3; r++) {
      const Xr = p.X.slice([r, 0, 0], [1, 6, 3]).reshape([6, 3]);
      const single = (await ms.loss({ X: Xr }).data())[0];
      expect(single).toBeCloseTo(batched[r], 4);
      const rotated = (await ms.loss({ X: tf.matMul(Xr, Q) }).data())[0];
      expect(rotated).toBeCloseTo(single, 4);
    }
    disposeTree([p, Q]);
    ms.dispose();
  });

  it("gross outliers corrupt the stated fraction; the ℓ1 loss at M* is the mean outlier size", async () => {
    const ms = matrixSensing({
      n: 4,
      rank: 1,
      measurements: 2000,
      outlierFraction: 0.2,
      outlierScale: 5,
      loss: "l1",
      seed: 6,
    });
    const frac = ms.outlierMask.filter(Boolean).length / 2000;
    expect(Math.abs(frac - 0.2)).toBeLessThan(0.03);
    const gt = ms.groundTruth();
    const r = Array.from(await ms.residuals(gt).data());
    r.forEach((v, i) => {
      if (!ms.outlierMask[i]) expect(Math.abs(v)).toBeLessThan(1e-4);
    });
    const l1 = (await ms.loss(gt).data())[0];
    expect(l1).toBeCloseTo(r.reduce((s, v) => s + Math.abs(v), 0) / 2000, 4);
    expect(l1).toBeGreaterThan(0.2 * 5 * 0.6); // E|N(0, 25)| = 5√(2/π) ≈ 4, times 0.2
    disposeTree(gt);
    ms.dispose();
  });

  it("rejects bad options and shapes", () => {
    expect(() => matrixSensing({ n: 3, rank: 4, measurements: 5 })).toThrow(/rank 4 exceeds/);
    expect(() => matrixSensing({ n: 3, rank: 2, modelRank: 1, measurements: 5 })).toThrow(/below the true rank/);
    expect(() => matrixSensing({ n: 3, rank: 1, measurements: 5, loss: "huber" as never })).toThrow(/loss must be/);
    expect(() => matrixSensing({ n: 3, rank: 1, measurements: 5, outlierFraction: 1 })).toThrow(/outlierFraction/);
    expect(() => matrixSensing({ n: 3, rank: 1, measurements: 5, symmetric: false, factorization: "XX^T" })).toThrow(
      /needs the symmetric problem/,
    );
    expect(() => matrixSensing({ n: 3, rank: 1, measurements: 5, outliers: 0.1 } as never)).toThrow(
      /unknown option "outliers"/,
    );
    const ms = matrixSensing({ n: 3, rank: 1, modelRank: 2, measurements: 5 });
    expect(() => ms.loss({ X: tf.zeros([3, 3]) })).toThrow(/params.X must be \[3, 2\]/);
    expect(() => ms.loss({ F: tf.zeros([3, 2]) })).toThrow(/params.X/);
    ms.dispose();
  });
});

describe("logistic and ridge regression", () => {
  it("logistic: loss, gradient and HVP match float64 closed forms; batched = per-run; positive margin at w*", async () => {
    const data = separableClassification({ n: 40, dim: 3, margin: 0.2, seed: 1 });
    const lr = logisticRegression({ x: data.x, y: data.y, l2: 0.1 });
    const Xd = (await data.x.array()) as number[][],
      yd = Array.from(await data.y.data());
    const rng = new Rng(2);
    const W = [Array.from(rng.normalArray(3)), Array.from(rng.normalArray(3)), data.w];
    const V = Array.from(rng.normalArray(3));
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const wt = tf.tensor2d(W);
    const losses = Array.from(await lr.loss(wt).data());
    const g = (await tf
      .grad((w: tf.Tensor) => lr.loss(w).sum())(wt)
      .array()) as number[][];
    const hv = (await tf
      .grad((w: tf.Tensor) => tf.sum(tf.mul(tf.grad((u: tf.Tensor) => lr.loss(u).sum())(w), tf.tensor1d(V))))(wt)
      .array()) as number[][];
    for (const [r, w] of W.entries()) {
      const z = Xd.map((x) => x.reduce((s, v, j) => s + v * w[j], 0));
      const loss =
        z.reduce((s, zi, i) => s + Math.log(1 + Math.exp(-yd[i] * zi)), 0) / 40 +
        0.05 * w.reduce((s, v) => s + v * v, 0);
      expect(losses[r]).toBeCloseTo(loss, 5);
      const grad = w.map((wj, j) => z.reduce((s, zi, i) => s - yd[i] * sig(-yd[i] * zi) * Xd[i][j], 0) / 40 + 0.1 * wj);
      grad.forEach((v, j) => expect(g[r][j]).toBeCloseTo(v, 5));
      const H = w.map((_, a) =>
        w.map(
          (_, b) =>
            z.reduce((s, zi, i) => s + sig(zi) * (1 - sig(zi)) * Xd[i][a] * Xd[i][b], 0) / 40 + (a === b ? 0.1 : 0),
        ),
      );
      H.forEach((row, a) =>
        expect(hv[r][a]).toBeCloseTo(
          row.reduce((s, h, b) => s + h * V[b], 0),
          4,
        ),
      );
      const Hlib = await lr.hessian(w);
      H.forEach((row, a) => row.forEach((h, b) => expect(Hlib[a][b]).toBeCloseTo(h, 6)));
      expect((await lr.loss(tf.tensor1d(w)).data())[0]).toBeCloseTo(losses[r], 6);
    }
    expect((await lr.margin(tf.tensor1d(data.w)).data())[0]).toBeGreaterThanOrEqual(0.2 - 1e-5);
    expect(() => lr.loss(tf.zeros([4]))).toThrow(/\[3\] or \[runs, 3\]/);
    expect(() => logisticRegression({ x: data.x, y: tf.zeros([3]) as tf.Tensor1D })).toThrow(/y must be \[40\]/);
    data.dispose();
    wt.dispose();
  });

  it("ridge: the float64 solution w*(λ) is stationary for the autodiff gradient; per-run λ", async () => {
    const data = teacherStudent({ n: 30, dim: 4, noise: 0.5, seed: 3 });
    const rr = ridgeRegression({ x: data.x, y: data.y });
    const lambdas = [0.01, 0.3, 2];
    const ws = await Promise.all(lambdas.map((l) => rr.solve(l)));
    const g = tf.grad((w: tf.Tensor) => rr.loss(w, tf.tensor1d(lambdas)).sum())(tf.tensor2d(ws));
    expect(Math.max(...Array.from(await g.data()).map(Math.abs))).toBeLessThan(1e-5);
    // the Hessian is XᵀX/n + λI: H w* = Xᵀy/n for every λ
    const Xd = (await data.x.array()) as number[][],
      yd = Array.from(await data.y.data());
    for (const [i, l] of lambdas.entries()) {
      const H = await rr.hessian(l);
      const Hw = H.map((row) => row.reduce((s, h, j) => s + h * ws[i][j], 0));
      Hw.forEach((v, j) => expect(v).toBeCloseTo(Xd.reduce((s, x, k) => s + x[j] * yd[k], 0) / 30, 5));
    }
    // larger λ shrinks the solution
    const norms = ws.map((w) => Math.hypot(...w));
    expect(norms[0]).toBeGreaterThan(norms[1]);
    expect(norms[1]).toBeGreaterThan(norms[2]);
    // dL/dλ = |w|²/2 (a hypergradient ingredient)
    const dl = tf.grad((l: tf.Tensor) => rr.loss(tf.tensor1d(ws[1]), l))(tf.scalar(0.3));
    expect((await dl.data())[0]).toBeCloseTo(norms[1] ** 2 / 2, 5);
    await expect(rr.solve(-1)).rejects.toThrow(/lambda must be ≥ 0/);
    expect(() => rr.loss(tf.zeros([2, 4]), tf.zeros([3]))).toThrow(/lambda must be/);
    data.dispose();
  });
});
