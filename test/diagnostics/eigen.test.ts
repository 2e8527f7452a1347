import { beforeAll, describe, expect, it } from "vitest";
import { fromEigen, symmetricEig } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import {
  denseMatrix,
  hessianOperator,
  lanczos,
  matrixOperator,
  powerIteration,
  hessianEigendecomposition,
} from "../../lib/diagnostics";
import { randomOrthonormal, dot, matVec, norm2 } from "../../lib/linalg/eigen";
import { BACKENDS, tinyMlp } from "./helpers";

/** A = Q diag(λ) Qᵀ with a random Q. */
function knownSpectrum(lam: number[], seed: number) {
  const rng = new Rng(seed);
  const Q = randomOrthonormal(lam.length, lam.length, () => rng.normal());
  return { A: fromEigen(lam, Q), Q };
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe("Lanczos and power iteration on explicit matrices (float64)", () => {
  const n = 60;
  const lam = Array.from({ length: n }, (_, i) => (i < 5 ? 10 - 1.5 * i : Math.sin(i) * 1.5)); // 10, 8.5, 7, 5.5, 4, then in [-1.5, 1.5]
  const { A } = knownSpectrum(lam, 1);
  const sorted = [...lam].sort((a, b) => b - a);

  it("Lanczos top-5 match the spectrum to 1e-10, with small residuals, stopping on tolerance", async () => {
    const r = await lanczos(matrixOperator(A), { k: 5, tol: 1e-10 });
    expect(r.converged).toBe(true);
    r.values.forEach((v, i) => expect(relErr(v, sorted[i])).toBeLessThan(1e-10));
    r.residuals.forEach((res) => expect(res).toBeLessThan(1e-8));
    expect(r.iterations).toBeLessThan(n); // stopped by the tolerance, not by exhausting the space
    // eigenvectors: unit and A v = λ v
    r.vectors.forEach((v, i) => {
      expect(norm2(v)).toBeCloseTo(1, 12);
      const Av = matVec(A, v);
      expect(Math.abs(dot(v, Av) - r.values[i])).toBeLessThan(1e-10);
    });
  });

  it("gives the same answer from different seeds and larger maxIter (results do not hinge on iteration counts)", async () => {
    const a = await lanczos(matrixOperator(A), { k: 3, tol: 1e-10, seed: 1 });
    const b = await lanczos(matrixOperator(A), { k: 3, tol: 1e-10, seed: 2, maxIter: 60 });
    a.values.forEach((v, i) => expect(relErr(v, b.values[i])).toBeLessThan(1e-10));
  });

  it("finds the smallest and the largest-magnitude eigenvalues, including negative ones", async () => {
    const lam2 = [3, 1, 0.5, 0, -0.2, -4, -2];
    const { A: B } = knownSpectrum(lam2, 2);
    const s = await lanczos(matrixOperator(B), { k: 2, which: "smallest", tol: 1e-12 });
    expect(s.values[0]).toBeCloseTo(-4, 10);
    expect(s.values[1]).toBeCloseTo(-2, 10);
    const m = await lanczos(matrixOperator(B), { k: 2, which: "magnitude", tol: 1e-12 });
    expect(m.values[0]).toBeCloseTo(-4, 10);
    expect(m.values[1]).toBeCloseTo(3, 10);
  });

  it("handles repeated eigenvalues by restarting after an invariant subspace", async () => {
    const { A: C } = knownSpectrum([5, 5, 5, 1, 1, 0.5], 3);
    const r = await lanczos(matrixOperator(C), { k: 3, tol: 1e-12 });
    r.values.forEach((v) => expect(v).toBeCloseTo(5, 10));
    // the three Ritz vectors span the eigenspace: mutually orthogonal
    expect(Math.abs(dot(r.vectors[0], r.vectors[1]))).toBeLessThan(1e-8);
    expect(Math.abs(dot(r.vectors[0], r.vectors[2]))).toBeLessThan(1e-8);
  });

  it("power iteration with deflation finds the top-5 by magnitude to 1e-6", async () => {
    const r = await powerIteration(matrixOperator(A), { k: 5, tol: 1e-8, maxIter: 5000 });
    expect(r.converged).toBe(true);
    r.values.forEach((v, i) => expect(relErr(v, sorted[i])).toBeLessThan(1e-6));
    // reported residuals are the true ‖Av − λv‖ (deflation errors of earlier pairs included)
    r.residuals.forEach((res, i) => expect(res).toBeLessThanOrEqual(1e-6 * Math.abs(r.values[i])));
  });

  it("reports non-convergence honestly when maxIter is too small", async () => {
    const r = await powerIteration(matrixOperator(A), { k: 1, tol: 1e-12, maxIter: 3 });
    expect(r.converged).toBe(false);
    expect(r.residuals[0]).toBeGreaterThan(1e-12 * Math.abs(r.values[0]));
    const l = await lanczos(matrixOperator(A), { k: 5, tol: 1e-14, maxIter: 6 });
    expect(l.converged).toBe(false);
  });

  it("rejects bad options", async () => {
    await expect(lanczos(matrixOperator(A), { k: 0 })).rejects.toThrow(/k must be/);
    await expect(lanczos(matrixOperator(A), { which: "top" as never })).rejects.toThrow(/which/);
    await expect(powerIteration(matrixOperator(A), { tol: -1 })).rejects.toThrow(/tol/);
    await expect(
      lanczos(
        matrixOperator([
          [1, 0],
          [0, NaN],
        ]),
      ),
    ).rejects.toThrow(/NaN/);
  });
});

for (const backend of BACKENDS) {
  describe(`eigen-solvers on a tanh MLP Hessian (${backend})`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    it("Lanczos and power iteration top-5 agree with the dense eigendecomposition to 1e-4 relative", async () => {
      const fx = tinyMlp(7, { nIn: 4, nHidden: 6, nOut: 3, n: 10 }, 2.5);
      const params = fx.params();
      const full = await hessianEigendecomposition(fx.loss, params);
      const n = full.values.length;
      const top = Array.from(full.values).reverse().slice(0, 5);
      // the float32 HVP operator vs the float64 reference Hessian: same spectrum to round-off
      const ref = symmetricEig(fx.hessianRef(), n).values;
      for (let i = 0; i < 5; i++) expect(relErr(top[i], ref[n - 1 - i])).toBeLessThan(1e-4);

      const op = hessianOperator(fx.loss, params);
      const lz = await lanczos(op, { k: 5, tol: 1e-6 });
      expect(lz.converged).toBe(true);
      lz.values.forEach((v, i) => expect(relErr(v, top[i])).toBeLessThan(1e-4));
      lz.residuals.forEach((r) => expect(r).toBeLessThan(1e-3 * top[0]));

      const byMag = Array.from(full.values)
        .sort((a, b) => Math.abs(b) - Math.abs(a))
        .slice(0, 5);
      // top-3 only: λ4 ≈ 0.406 and λ5 ≈ 0.397 are 2% apart, which power iteration resolves only in thousands of steps
      const pw = await powerIteration(op, { k: 3, tol: 1e-5, maxIter: 1000 });
      expect(pw.converged).toBe(true);
      pw.values.forEach((v, i) => expect(relErr(v, byMag[i])).toBeLessThan(1e-4));
      expect(op.matvecs).toBeGreaterThan(0);
    });

    it("dense matrix of the operator is symmetric and its eigenvectors diagonalise it", async () => {
      const fx = tinyMlp(8);
      const H = await denseMatrix(hessianOperator(fx.loss, fx.params()));
      const { values, vectors } = symmetricEig(H);
      for (let j = 0; j < values.length; j += 7) {
        const Hv = matVec(H, vectors[j]);
        expect(Math.abs(dot(Hv, vectors[j]) - values[j])).toBeLessThan(1e-10);
      }
    });
  });
}
