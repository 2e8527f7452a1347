/**
 * Test fixtures. Rules and landscapes the library has are the library's own definitions (no formula
 * is written twice); the TEST-ONLY fixtures below exist only to exercise the engine: every op of
 * `Ops` (gradient checks), a rule that only draws noise (stream checks). They are not library code.
 */
import type { ClosedFormLandscape } from "../../lib/core/landscape";
import type { ElementwiseRule } from "../../lib/core/rule";
import { bilinearGame, noisyQuadratic, quadraticBowl, rosenbrock } from "../../lib/landscapes";
import { adamRule, extragradientRule, sgdRule } from "../../lib/optimizers";

/** ½ Σ λᵢ xᵢ² (library `quadraticBowl`). */
export const libQuadratic = (eigenvalues: number[]) => quadraticBowl({ eigenvalues });
/** Rosenbrock (1 − x)² + 100 (y − x²)² (library `rosenbrock`). */
export const libRosenbrock = rosenbrock();
/** ½ x² + σ ξ x, σ = 0.5 (library `noisyQuadratic`). */
export const libNoisyQuadratic = noisyQuadratic({ eigenvalues: [1], sigma: 0.5 });
/** x·y, x minimises, y maximises (library `bilinearGame`). */
export const libBilinear = bilinearGame({ A: [[1]] });
/** Library rules: Adam (lr, b1, b2, eps), plain gradient descent (lr), extragradient (lr). */
export const libAdam = adamRule();
export const libSgd = sgdRule();
export const libExtragradient = extragradientRule();

/** A function exercising every op of Ops, for gradient checks against finite differences. */
export const fxAllOps: ClosedFormLandscape = {
  name: "fxAllOps",
  dim: 3,
  value: (o, [x, y, z]) => {
    const a = o.add(o.mul(o.sin(x), o.cos(y)), o.tanh(o.mul(x, z)));
    const b = o.div(o.exp(o.mul(0.3, y)), o.add(2, o.square(z)));
    const c = o.sqrt(o.add(1, o.square(o.sub(x, y))));
    const d = o.log(o.add(3, o.abs(o.sub(z, 0.1))));
    const e = o.pow(o.add(2, o.square(y)), o.mul(0.5, x));
    const f = o.add(o.max(x, y), o.min(y, z));
    const g = o.where(o.gt(x, z), o.mul(x, y), o.neg(o.mul(y, z)));
    const h = o.clip(o.mul(2, x), -0.5, 0.7);
    const k = o.mul(o.floor(o.mul(0.1, x)), o.sign(y)); // zero gradient
    return [a, b, c, d, e, f, g, h, k].reduce((p, q) => o.add(p, q));
  },
};

/** Adds lr·σ·ξ with ξ ~ N(0,1) and a uniform draw term: exercises noise streams. */
export const fxNoiseRule: ElementwiseRule<"lr", never> = {
  kind: "elementwise",
  name: "fxNoiseRule",
  defaults: { lr: 1 },
  state: [],
  step: (o, _g, _p, _s, h, _t, noise) => ({ update: o.mul(h.lr, o.add(noise.normal(), noise.uniform())), state: {} }),
};
