import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { symmetricEig } from "../../lib/linalg";
import { initBackend } from "../../lib/backend";
import { Rng } from "../../lib/rng";
import type { Tree } from "../../lib/tree";
import { extragradientRule, gdaRule, oracleStepper, zeroSumField } from "../../lib/optimizers";
import { iterationJacobian, spectralRadius } from "../../lib/diagnostics";
import { BACKENDS, maxAbsDiff } from "./helpers";

/** Bilinear game f(x, y) = xᵀAy with A (p×q); singular values from AᵀA. */
function bilinear(seed: number, p: number, q: number) {
  const rng = new Rng(seed);
  const A = rng.normalArray(p * q);
  const AtA = new Float64Array(q * q);
  for (let i = 0; i < q; i++)
    for (let j = 0; j < q; j++) for (let k = 0; k < p; k++) AtA[i * q + j] += A[k * q + i] * A[k * q + j];
  const sv = Array.from(symmetricEig(AtA, q).values, (l) => Math.sqrt(Math.max(l, 0)));
  return { A, sv };
}

for (const backend of BACKENDS) {
  describe(`spectral radius of iteration maps on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    const p = 3,
      q = 3,
      eta = 0.2;
    const { A, sv } = bilinear(1, p, q);
    const At = () => tf.tensor2d(Float32Array.from(A), [p, q]);
    const z0 = () => [tf.tensor1d([0.3, -0.1, 0.2]), tf.tensor1d([0.5, 0.4, -0.6])];

    it("simultaneous GDA and extragradient on xᵀAy match their closed-form spectral radii", async () => {
      const M = At();
      // F(x, y) = (A y, −Aᵀ x); GDA: z − ηF(z); EG: z − ηF(z − ηF(z)).
      const field = (z: tf.Tensor[]) => [
        tf.matMul(M, z[1].reshape([q, 1])).reshape([p]),
        tf.neg(tf.matMul(M, z[0].reshape([p, 1]), true, false).reshape([q])),
      ];
      const gda = (z: Tree) => {
        const x = z as tf.Tensor[];
        const f = field(x);
        return x.map((b, i) => tf.sub(b, tf.mul(eta, f[i])));
      };
      const eg = (z: Tree) => {
        const x = z as tf.Tensor[];
        const f = field(x);
        const half = x.map((b, i) => tf.sub(b, tf.mul(eta, f[i])));
        const fh = field(half);
        return x.map((b, i) => tf.sub(b, tf.mul(eta, fh[i])));
      };
      const rGda = await spectralRadius(gda, z0());
      const rEg = await spectralRadius(eg, z0());
      const smax = Math.max(...sv);
      // eigenvalues 1 ∓ iησ  →  ρ = √(1 + η²σ_max²)
      expect(rGda.radius).toBeCloseTo(Math.sqrt(1 + eta * eta * smax * smax), 5);
      // eigenvalues 1 − η²σ² ∓ iησ  →  ρ = max_σ √((1 − η²σ²)² + η²σ²)
      const egWant = Math.max(...sv.map((s) => Math.hypot(1 - eta * eta * s * s, eta * s)));
      expect(rEg.radius).toBeCloseTo(egWant, 5);
      expect(rEg.radius).toBeLessThan(1);
      expect(rGda.radius).toBeGreaterThan(1);
      // the Jacobian of the linear GDA map is [[I, −ηA], [ηAᵀ, I]]
      const J = rGda.jacobian;
      const want = new Float64Array(36);
      for (let i = 0; i < 6; i++) want[i * 6 + i] = 1;
      for (let i = 0; i < p; i++)
        for (let j = 0; j < q; j++) {
          want[i * 6 + p + j] = -eta * A[i * q + j];
          want[(p + j) * 6 + i] = eta * A[i * q + j];
        }
      expect(maxAbsDiff(J.data, want)).toBeLessThan(1e-6);
    });

    it("the library's GDA and extragradient rules (fields by autodiff, so the Jacobian needs double backprop) agree", async () => {
      const M = At();
      const field = zeroSumField(
        (z) => tf.sum(tf.mul(z[0], tf.matMul(M, z[1].reshape([q, 1])).reshape([p]))) as tf.Scalar,
        [0, 1],
      );
      const smax = Math.max(...sv);
      const radius = async (rule: Parameters<typeof oracleStepper>[0]) => {
        const st = oracleStepper(rule, field, { hyper: { lr: eta } });
        const x0 = z0();
        const s0 = st.init(x0);
        return (await spectralRadius((z) => st.step(z as tf.Tensor[], s0).x, x0)).radius;
      };
      expect(await radius(gdaRule({ players: [0, 1] }))).toBeCloseTo(Math.sqrt(1 + eta * eta * smax * smax), 5);
      expect(await radius(extragradientRule({ players: [0, 1] }))).toBeCloseTo(
        Math.max(...sv.map((s) => Math.hypot(1 - eta * eta * s * s, eta * s))),
        5,
      );
    });

    it("alternating GDA has its eigenvalues on the unit circle (field differentiated w.r.t. cloned blocks)", async () => {
      const M = At();
      const loss = (z: tf.Tensor[]) =>
        tf.sum(tf.mul(z[0], tf.matMul(M, z[1].reshape([q, 1])).reshape([p]))) as tf.Scalar;
      // tfjs' tf.grads(f)(xs) under an outer tape differentiates through any recorded op linking one x to
      // another (here x_{t+1} = x_t − ηAy_t links x to y), so the field takes gradients w.r.t. clones.
      const field = (x: tf.Tensor[]) =>
        tf.tidy(() => {
          const g = tf.grads((...b: tf.Tensor[]) => loss(b))(x.map((xi) => tf.clone(xi)));
          return [g[0], tf.neg(g[1])];
        });
      const st = oracleStepper(gdaRule({ players: [0, 1], alternating: true }), field, { hyper: { lr: eta } });
      const x0 = z0();
      const s0 = st.init(x0);
      const r = await spectralRadius((z) => st.step(z as tf.Tensor[], s0).x, x0);
      // [[I, −ηA], [ηAᵀ, I − η²AᵀA]] has determinant 1 per singular value and trace 2 − η²σ² ∈ (−2, 2)
      expect(r.radius).toBeCloseTo(1, 5);
      for (let i = 0; i < r.eigenvalues.re.length; i++)
        expect(Math.hypot(r.eigenvalues.re[i], r.eigenvalues.im[i])).toBeCloseTo(1, 5);
    });

    it("linearises a nonlinear map at a point and explains shape errors", async () => {
      // T(x) = x − η ∇f with f = Σ log cosh(x_i) + ½ x₀x₁: J = I − η ∇²f
      const x = tf.tensor1d([0.3, -0.7]);
      const step = (z: Tree) => {
        const v = z as tf.Tensor;
        const g = tf.grad(
          (u: tf.Tensor) =>
            tf.add(tf.sum(tf.log(tf.cosh(u))), tf.mul(0.5, tf.sum(tf.mul(u.slice(0, 1), u.slice(1, 1))))) as tf.Scalar,
        )(v);
        return tf.sub(v, tf.mul(eta, g));
      };
      const J = await iterationJacobian(step, x);
      const s = (t: number) => 1 / Math.cosh(t) ** 2;
      const want = [1 - eta * s(0.3), -eta * 0.5, -eta * 0.5, 1 - eta * s(-0.7)];
      expect(maxAbsDiff(J.data, want)).toBeLessThan(1e-6);
      await expect(iterationJacobian(() => tf.zeros([3]), x)).rejects.toThrow(/shaped like its input/);
    });
  });
}
