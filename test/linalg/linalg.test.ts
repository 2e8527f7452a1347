import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/rng";
import {
  dot,
  fromEigen,
  generalEigenvalues,
  matVec,
  orthonormalBasis,
  randomOrthonormal,
  spectralRadiusOfMatrix,
  symmetricEig,
  tridiagonalEig,
} from "../../lib/linalg/eigen";

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe("symmetricEig", () => {
  it("recovers the spectrum and eigenvectors of Q diag(λ) Qᵀ (with repeated and negative eigenvalues)", () => {
    const rng = new Rng(11);
    for (const n of [1, 2, 5, 40, 120]) {
      const lam = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 2.5 : rng.normal(0, 3)));
      const Q = randomOrthonormal(n, n, () => rng.normal());
      const A = fromEigen(lam, Q);
      const { values, vectors } = symmetricEig(A);
      const sorted = [...lam].sort((a, b) => a - b);
      for (let i = 0; i < n; i++)
        expect(Math.abs(values[i] - sorted[i])).toBeLessThan(1e-10 * Math.max(1, maxAbs(lam)));
      // A v = λ v and orthonormality.
      for (let j = 0; j < n; j++) {
        const Av = matVec(A, vectors[j]);
        const r = Av.map((x, i) => x - values[j] * vectors[j][i]);
        expect(maxAbs(r)).toBeLessThan(1e-10 * Math.max(1, maxAbs(lam)));
        expect(Math.abs(dot(vectors[j], vectors[j]) - 1)).toBeLessThan(1e-12);
        if (j > 0) expect(Math.abs(dot(vectors[j], vectors[j - 1]))).toBeLessThan(1e-12);
      }
    }
  });
  it("handles a diagonal matrix, the 2×2 closed form, and rejects NaN / non-square input", () => {
    const d = symmetricEig([
      [3, 0, 0],
      [0, -1, 0],
      [0, 0, 2],
    ]);
    expect(Array.from(d.values)).toEqual([-1, 2, 3]);
    // [[a, b], [b, c]]: (a+c)/2 ± sqrt(((a-c)/2)² + b²)
    const a = 1.5,
      b = -0.7,
      c = -2;
    const e = symmetricEig([
      [a, b],
      [b, c],
    ]);
    const m = (a + c) / 2,
      r = Math.hypot((a - c) / 2, b);
    expect(e.values[0]).toBeCloseTo(m - r, 14);
    expect(e.values[1]).toBeCloseTo(m + r, 14);
    expect(() =>
      symmetricEig([
        [1, NaN],
        [NaN, 1],
      ]),
    ).toThrow(/NaN/);
    expect(() =>
      symmetricEig([
        [1, 2, 3],
        [1, 2, 3],
      ]),
    ).toThrow(/square/);
  });
});

describe("tridiagonalEig", () => {
  it("matches the closed-form spectrum of the 1-D Laplacian tridiag(-1, 2, -1)", () => {
    const m = 30;
    const { values, vectors } = tridiagonalEig(new Array(m).fill(2), new Array(m - 1).fill(-1));
    for (let k = 1; k <= m; k++) {
      expect(values[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (m + 1)), 12);
      // eigenvector components ∝ sin(j k π / (m+1)); compare squared first component
      const norm2 = (m + 1) / 2;
      expect(vectors[k - 1][0] ** 2).toBeCloseTo(Math.sin((k * Math.PI) / (m + 1)) ** 2 / norm2, 12);
    }
  });
});

describe("generalEigenvalues", () => {
  it("finds complex-conjugate pairs of a matrix similar to rotation-scaling blocks", () => {
    const rng = new Rng(5);
    const n = 8;
    // Block-diagonal with 2×2 blocks [[a, -b], [b, a]] (eigenvalues a ± ib) and then similarity by a random S.
    const blocks = [
      [0.9, 0.3],
      [-0.5, 1.2],
      [0.1, 0.05],
      [2, 0],
    ];
    const B = new Float64Array(n * n);
    blocks.forEach(([a, b], k) => {
      const i = 2 * k;
      B[i * n + i] = a;
      B[i * n + i + 1] = -b;
      B[(i + 1) * n + i] = b;
      B[(i + 1) * n + i + 1] = a;
    });
    const S = Float64Array.from({ length: n * n }, () => rng.normal());
    // A = S B S⁻¹: solve by computing S⁻¹ with Gauss–Jordan.
    const Sinv = invert(S, n);
    const A = mul(mul(S, B, n), Sinv, n);
    const { re, im } = generalEigenvalues(A, n);
    const got = Array.from(re, (r, i) => [r, im[i]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const want = blocks
      .flatMap(([a, b]) => [
        [a, -b],
        [a, b],
      ])
      .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    got.forEach((g, i) => {
      expect(g[0]).toBeCloseTo(want[i][0], 8);
      expect(g[1]).toBeCloseTo(want[i][1], 8);
    });
    expect(spectralRadiusOfMatrix(A, n)).toBeCloseTo(2, 8); // max(|0.9±0.3i|, |−0.5±1.2i| = 1.3, |0.1±0.05i|, 2)
  });
  it("finds the roots of a polynomial from its companion matrix", () => {
    // (x-1)(x+2)(x-3)(x^2+1) = x^5 - 2x^4 - 4x^3 + 4x^2 - 5x + 6 … computed generically below.
    const roots: [number, number][] = [
      [1, 0],
      [-2, 0],
      [3, 0],
      [0, 1],
      [0, -1],
    ];
    let coef: [number, number][] = [[1, 0]]; // complex coefficients, highest first
    for (const [a, b] of roots) {
      const next: [number, number][] = coef.map(() => [0, 0] as [number, number]).concat([[0, 0]]);
      coef.forEach(([cr, ci], i) => {
        next[i][0] += cr;
        next[i][1] += ci;
        next[i + 1][0] -= cr * a - ci * b;
        next[i + 1][1] -= cr * b + ci * a;
      });
      coef = next;
    }
    const n = roots.length;
    const C = new Float64Array(n * n);
    for (let j = 0; j < n; j++) C[j] = -coef[j + 1][0];
    for (let i = 1; i < n; i++) C[i * n + i - 1] = 1;
    const { re, im } = generalEigenvalues(C, n);
    const got = Array.from(re, (r, i) => [r, im[i]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const want = [...roots].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    got.forEach((g, i) => {
      expect(g[0]).toBeCloseTo(want[i][0], 9);
      expect(g[1]).toBeCloseTo(want[i][1], 9);
    });
  });
  it("agrees with symmetricEig on symmetric matrices", () => {
    const rng = new Rng(9);
    const n = 25;
    const M = Float64Array.from({ length: n * n }, () => rng.normal());
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = M[i * n + j] + M[j * n + i];
    const s = symmetricEig(A, n).values;
    const g = generalEigenvalues(A, n);
    const re = Array.from(g.re).sort((a, b) => a - b);
    re.forEach((r, i) => expect(r).toBeCloseTo(s[i], 9));
    expect(maxAbs(g.im)).toBeLessThan(1e-9);
  });
});

describe("orthonormalBasis", () => {
  it("drops dependent vectors and returns orthonormal columns", () => {
    const a = Float64Array.from([1, 0, 1]),
      b = Float64Array.from([2, 0, 2]),
      c = Float64Array.from([0, 1, 0]);
    const q = orthonormalBasis([a, b, c]);
    expect(q.length).toBe(2);
    expect(dot(q[0], q[1])).toBeCloseTo(0, 14);
    expect(dot(q[1], q[1])).toBeCloseTo(1, 14);
  });
});

function mul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) C[i * n + j] += A[i * n + k] * B[k * n + j];
  return C;
}
function invert(A0: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(A0),
    I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    for (let j = 0; j < n; j++) {
      [A[c * n + j], A[p * n + j]] = [A[p * n + j], A[c * n + j]];
      [I[c * n + j], I[p * n + j]] = [I[p * n + j], I[c * n + j]];
    }
    const d = A[c * n + c];
    for (let j = 0; j < n; j++) {
      A[c * n + j] /= d;
      I[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = A[r * n + c];
        for (let j = 0; j < n; j++) {
          A[r * n + j] -= f * A[c * n + j];
          I[r * n + j] -= f * I[c * n + j];
        }
      }
  }
  return I;
}
