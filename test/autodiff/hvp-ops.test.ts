/**
 * Second-order autodiff correctness, op by op: the Hessian-vector product by double backprop
 * agrees with (a) a dense float64 Hessian of an independent plain-JS float64 implementation of the
 * same function (second central differences), and (b) a central finite difference of tfjs's own
 * gradients. Runs on every backend that loads here (cpu and wasm at least).
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { availableBackends, initBackend, type BackendName } from "../../lib/backend";
import { logSigmoid, logSoftmax, logSumExp, softplus } from "../../lib/autodiff/gradients";
import { Rng } from "../../lib/rng";

interface Case {
  name: string;
  n: number;
  /** tfjs implementation, x of shape [n] → scalar */
  f: (x: tf.Tensor) => tf.Tensor;
  /** independent float64 implementation */
  ref: (x: number[]) => number;
  /** input sampler (default normal) */
  at?: (r: Rng, n: number) => number[];
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const lse = (a: number[]) => {
  const m = Math.max(...a);
  return m + Math.log(sum(a.map((v) => Math.exp(v - m))));
};
const W = [0.3, -0.7, 0.5, 1.1, -0.2, 0.9]; // fixed 2x3 matrix, row-major
const away = (r: Rng, n: number) => Array.from({ length: n }, () => (r.uniform() < 0.5 ? -1 : 1) * r.uniform(0.3, 1.5));
const mat = (x: number[], rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) => x.slice(i * cols, (i + 1) * cols));
const mm = (A: number[][], B: number[][]) => A.map((row) => B[0].map((_, j) => sum(row.map((a, k) => a * B[k][j]))));
const tr = (A: number[][]) => A[0].map((_, j) => A.map((r) => r[j]));

const cases: Case[] = [
  {
    name: "tanh",
    n: 5,
    f: (x) => tf.sum(tf.mul(tf.tanh(x), tf.range(1, 6))),
    ref: (x) => sum(x.map((v, i) => Math.tanh(v) * (i + 1))),
  },
  { name: "exp", n: 5, f: (x) => tf.sum(tf.mul(tf.exp(x), x)), ref: (x) => sum(x.map((v) => Math.exp(v) * v)) },
  { name: "sigmoid", n: 5, f: (x) => tf.sum(tf.square(tf.sigmoid(x))), ref: (x) => sum(x.map((v) => sig(v) ** 2)) },
  {
    name: "elu",
    n: 5,
    f: (x) => tf.sum(tf.square(tf.elu(x))),
    ref: (x) => sum(x.map((v) => (v > 0 ? v : Math.exp(v) - 1) ** 2)),
    at: away,
  },
  {
    name: "leakyRelu",
    n: 5,
    f: (x) => tf.sum(tf.square(tf.leakyRelu(x, 0.1))),
    ref: (x) => sum(x.map((v) => (v > 0 ? v : 0.1 * v) ** 2)),
    at: away,
  },
  {
    name: "relu",
    n: 5,
    f: (x) => tf.sum(tf.mul(tf.relu(x), tf.square(x))),
    ref: (x) => sum(x.map((v) => Math.max(v, 0) * v * v)),
    at: away,
  },
  {
    name: "abs",
    n: 5,
    f: (x) => tf.sum(tf.mul(tf.abs(x), tf.square(x))),
    ref: (x) => sum(x.map((v) => Math.abs(v) * v * v)),
    at: away,
  },
  {
    name: "pow",
    n: 4,
    f: (x) => tf.sum(tf.pow(tf.add(tf.square(x), 1), tf.scalar(1.5))),
    ref: (x) => sum(x.map((v) => (v * v + 1) ** 1.5)),
  },
  {
    name: "pow (exponent)",
    n: 4,
    f: (x) => tf.sum(tf.pow(tf.scalar(1.7), tf.mul(x, x.reverse()))),
    ref: (x) => sum(x.map((v, i) => 1.7 ** (v * x[x.length - 1 - i]))),
  },
  {
    name: "log, sqrt, div",
    n: 4,
    f: (x) => tf.sum(tf.div(tf.log(tf.add(tf.square(x), 1)), tf.sqrt(tf.add(tf.square(x.reverse()), 2)))),
    ref: (x) => sum(x.map((v, i) => Math.log(v * v + 1) / Math.sqrt(x[x.length - 1 - i] ** 2 + 2))),
  },
  {
    name: "sin, cos",
    n: 4,
    f: (x) => tf.sum(tf.mul(tf.sin(x), tf.cos(x.reverse()))),
    ref: (x) => sum(x.map((v, i) => Math.sin(v) * Math.cos(x[x.length - 1 - i]))),
  },
  {
    name: "max (reduction)",
    n: 5,
    f: (x) => tf.mul(tf.max(x), tf.sum(tf.square(x))),
    ref: (x) => Math.max(...x) * sum(x.map((v) => v * v)),
    at: (r, n) => Array.from({ length: n }, (_, i) => i * 0.4 + r.uniform(0, 0.1)),
  },
  {
    name: "maximum/minimum",
    n: 4,
    f: (x) => tf.sum(tf.square(tf.add(tf.maximum(x, 0.2), tf.minimum(x, -0.2)))),
    ref: (x) => sum(x.map((v) => (Math.max(v, 0.2) + Math.min(v, -0.2)) ** 2)),
    at: away,
  },
  {
    name: "softplus (stable)",
    n: 5,
    f: (x) => tf.sum(tf.mul(softplus(tf.mul(x, 3)), x)),
    ref: (x) => sum(x.map((v) => Math.log1p(Math.exp(3 * v)) * v)),
  },
  {
    name: "tf.softplus",
    n: 5,
    f: (x) => tf.sum(tf.mul(tf.softplus(x), x)),
    ref: (x) => sum(x.map((v) => Math.log1p(Math.exp(v)) * v)),
  },
  { name: "logSumExp (library)", n: 5, f: (x) => tf.mul(logSumExp(x), tf.sum(x)), ref: (x) => lse(x) * sum(x) },
  { name: "tf.logSumExp", n: 5, f: (x) => tf.mul(tf.logSumExp(x), tf.sum(x)), ref: (x) => lse(x) * sum(x) },
  {
    name: "softmax",
    n: 5,
    f: (x) => tf.sum(tf.mul(tf.softmax(x), tf.range(0, 5))),
    ref: (x) => {
      const l = lse(x);
      return sum(x.map((v, i) => Math.exp(v - l) * i));
    },
  },
  {
    name: "cross-entropy from logits (library logSoftmax), batch 2×3",
    n: 6,
    f: (x) =>
      tf.neg(
        tf.mean(
          tf.sum(
            tf.mul(
              logSoftmax(tf.reshape(x, [2, 3])),
              tf.tensor2d([
                [1, 0, 0],
                [0, 0.3, 0.7],
              ]),
            ),
            1,
          ),
        ),
      ),
    ref: (x) => {
      const Y = [
        [1, 0, 0],
        [0, 0.3, 0.7],
      ];
      return (
        -sum(
          [0, 1].map((i) => {
            const r = x.slice(3 * i, 3 * i + 3);
            const l = lse(r);
            return sum(r.map((v, j) => Y[i][j] * (v - l)));
          }),
        ) / 2
      );
    },
  },
  {
    name: "logistic loss via logSigmoid",
    n: 5,
    f: (x) => tf.neg(tf.sum(logSigmoid(tf.mul(x, tf.tensor1d([1, -1, 1, -1, 1]))))),
    ref: (x) => -sum(x.map((v, i) => Math.log(sig(v * (i % 2 ? -1 : 1))))),
  },
  {
    name: "tf.losses.sigmoidCrossEntropy",
    n: 5,
    f: (x) => tf.losses.sigmoidCrossEntropy(tf.tensor1d([1, 0, 1, 0, 1]), x),
    ref: (x) => sum(x.map((v, i) => -(i % 2 ? Math.log(1 - sig(v)) : Math.log(sig(v))))) / 5,
  },
  {
    name: "matMul (all transpose variants) + tanh MLP",
    n: 6,
    f: (x) => {
      const X = tf.reshape(x, [3, 2]);
      const Wt = tf.tensor2d(W, [2, 3]);
      const h = tf.tanh(tf.matMul(X, Wt)); // 3x3
      const a = tf.matMul(h, X, true, false); // 3x2
      const b = tf.matMul(X, Wt, true, true); // 2x2
      const c = tf.matMul(Wt, h, false, true); // 2x3
      return tf.add(tf.add(tf.sum(tf.square(a)), tf.sum(tf.mul(b, b))), tf.sum(tf.sin(c)));
    },
    ref: (x) => {
      const X = mat(x, 3, 2),
        Wm = mat(W, 2, 3);
      const h = mm(X, Wm).map((r) => r.map(Math.tanh));
      const a = mm(tr(h), X),
        b = mm(tr(X), tr(Wm)),
        c = mm(Wm, tr(h));
      return sum(a.flat().map((v) => v * v)) + sum(b.flat().map((v) => v * v)) + sum(c.flat().map(Math.sin));
    },
  },
  {
    name: "batched matMul (rank 3, broadcast batch)",
    n: 6,
    f: (x) => {
      const A = tf.reshape(x, [2, 1, 3]);
      const B = tf.tensor3d(W, [1, 2, 3]);
      return tf.sum(tf.tanh(tf.matMul(A, B, false, true)));
    },
    ref: (x) =>
      sum(
        [0, 1].flatMap((i) => {
          const a = x.slice(3 * i, 3 * i + 3);
          return [0, 1].map((j) => Math.tanh(sum(a.map((v, k) => v * W[3 * j + k]))));
        }),
      ),
  },
];

/** Dense float64 Hessian of `ref` by second central differences. */
function denseHessian(ref: (x: number[]) => number, x: number[], h = 1e-4): number[][] {
  const n = x.length;
  const H = Array.from({ length: n }, () => new Array(n).fill(0));
  const at = (di: number, si: number, dj: number, sj: number) => {
    const y = x.slice();
    y[di] += si * h;
    y[dj] += sj * h;
    return ref(y);
  };
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      H[i][j] = H[j][i] = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
    }
  return H;
}

async function hvpDoubleBackprop(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, v: tf.Tensor): Promise<Float32Array> {
  const g = tf.grad(f);
  const hv = tf.tidy(() => tf.grad((y: tf.Tensor) => tf.sum(tf.mul(g(y), v)))(x));
  const out = (await hv.data()) as Float32Array;
  hv.dispose();
  return out;
}

async function gradAt(f: (x: tf.Tensor) => tf.Tensor, x: number[]): Promise<Float32Array> {
  const t = tf.tensor1d(x);
  const g = tf.tidy(() => tf.grad(f)(t));
  const out = (await g.data()) as Float32Array;
  tf.dispose([t, g]);
  return out;
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-3);
};

// OPTBOOK_BACKEND=webgpu (or any backend) runs the suite on that backend only, failing loudly if it
// cannot load; by default it runs on cpu and wasm, which must both load.
const forced = process.env.OPTBOOK_BACKEND as BackendName | undefined;
const testBackends: BackendName[] = forced ? [forced] : ["cpu", "wasm"];
let backends: string[] = [];
beforeAll(async () => {
  backends = await availableBackends(testBackends);
});

describe("double-backprop HVP agrees with dense float64 Hessians and finite differences", () => {
  it(`${testBackends.join(" and ")} load on this machine`, async () => {
    for (const b of testBackends) await initBackend({ force: b, quiet: true }); // throws, naming what is missing
    expect(backends).toEqual(testBackends);
  });
  for (const backend of testBackends) {
    describe(backend, () => {
      for (const c of cases) {
        it(c.name, async () => {
          await initBackend({ force: backend, quiet: true });
          const r = new Rng(12345);
          const xs = (c.at ?? ((rr: Rng, n: number) => Array.from(rr.normalArray(n))))(r, c.n).map(
            (v) => +v.toFixed(4),
          );
          const vs = Array.from(r.normalArray(c.n));
          const x = tf.tensor1d(xs),
            v = tf.tensor1d(vs);
          const before = tf.memory().numTensors;
          const hv = await hvpDoubleBackprop(c.f, x, v);
          expect(tf.memory().numTensors).toBe(before);
          // (a) dense float64 Hessian of the independent implementation
          const H = denseHessian(c.ref, xs);
          const Hv = H.map((row) => sum(row.map((h, j) => h * vs[j])));
          expect(relErr(hv, Hv), `HVP vs dense float64 Hessian: got ${Array.from(hv)} want ${Hv}`).toBeLessThan(2e-3);
          // (b) central difference of tfjs gradients along v
          const eps = 1e-2;
          const gp = await gradAt(
            c.f,
            xs.map((xi, i) => xi + eps * vs[i]),
          );
          const gm = await gradAt(
            c.f,
            xs.map((xi, i) => xi - eps * vs[i]),
          );
          const fd = Array.from(gp, (g, i) => (g - gm[i]) / (2 * eps));
          expect(relErr(hv, fd), `HVP vs finite difference of gradients`).toBeLessThan(3e-2);
          tf.dispose([x, v]);
        });
      }
    });
  }
});
