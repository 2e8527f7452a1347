/**
 * Independent float64 references for the elementwise optimizers, written from the papers'
 * equations as plain per-coordinate loops over Float64Arrays. They share no code with
 * `lib/optimizers`. Each returns the parameter trajectory after each step.
 */

type Coord = (g: number, p: number, s: Record<string, number>, t: number) => number;

/** Runs a per-coordinate update for every coordinate and step; `init` gives the state's start values. */
export function runReference(
  coord: Coord,
  init: Record<string, number>,
  p0: ArrayLike<number>,
  grads: ArrayLike<number>[],
): Float64Array[] {
  const n = p0.length;
  const p = Float64Array.from(p0);
  const states: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) states.push({ ...init });
  const out: Float64Array[] = [];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < n; i++) p[i] += coord(g[i], p[i], states[i], t);
    out.push(Float64Array.from(p));
  });
  return out;
}

const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export type H = Record<string, number>;

/** Each entry: (hyper, variants) → [per-coordinate update, initial state]. */
export const REFERENCES: Record<string, (h: H, v: Record<string, unknown>) => [Coord, Record<string, number>]> = {
  // θ ← θ − ηg
  sgd: (h) => [(g) => -h.lr * g, {}],
  // Polyak: m ← μm + g, θ ← θ − ηm; lr inside: v ← μv − ηg, θ ← θ + v
  heavyBall: (h, v) => [
    (g, _p, s) => {
      if (v.lrInsideMomentum) {
        s.v = h.momentum * s.v - h.lr * g;
        return s.v;
      }
      s.m = h.momentum * s.m + g;
      return -h.lr * s.m;
    },
    { m: 0, v: 0 },
  ],
  // Sutskever/PyTorch Nesterov: m ← μm + g, θ ← θ − η(g + μm)
  nesterov: (h) => [
    (g, _p, s) => {
      s.m = h.momentum * s.m + g;
      return -h.lr * (g + h.momentum * s.m);
    },
    { m: 0 },
  ],
  // signSGD / Signum
  signDescent: (h, v) => [
    (g, _p, s) => {
      if (!v.signum) return -h.lr * sign(g);
      s.m = h.momentum * s.m + (1 - h.momentum) * g;
      return -h.lr * sign(s.m);
    },
    { m: 0 },
  ],
  // Duchi et al.: G ← G + g², θ ← θ − ηg/(√G + δ)
  adagrad: (h, v) => [
    (g, _p, s) => {
      s.G += g * g;
      const den = v.epsPlacement === "inside" ? Math.sqrt(s.G + h.eps) : Math.sqrt(s.G) + h.eps;
      return (-h.lr * g) / den;
    },
    { G: (v.initialAccumulator as number | undefined) ?? 0.1 },
  ],
  // Tieleman & Hinton (+ Graves centering), momentum on the normalised gradient
  rmsprop: (h, v) => [
    (g, _p, s) => {
      s.ms = h.decay * s.ms + (1 - h.decay) * g * g;
      s.mg = h.decay * s.mg + (1 - h.decay) * g;
      const varr = v.centered ? s.ms - s.mg * s.mg : s.ms;
      const den = v.epsPlacement === "inside" ? Math.sqrt(varr + h.eps) : Math.sqrt(varr) + h.eps;
      s.b = h.momentum * s.b + g / den;
      return -h.lr * s.b;
    },
    { ms: 0, mg: 0, b: 0 },
  ],
  // Kingma & Ba Alg. 1 and its variants; AMSGrad (Reddi et al.); decoupled decay (Loshchilov & Hutter)
  adam: (h, v) => [
    (g, p, s, t) => {
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.v = h.b2 * s.v + (1 - h.b2) * g * g;
      const bc1 = v.biasCorrection === false ? 1 : 1 - Math.pow(h.b1, t);
      const bc2 = v.biasCorrection === false ? 1 : 1 - Math.pow(h.b2, t);
      let vUse: number;
      if (!v.amsgrad) vUse = s.v / bc2;
      else if (v.amsgradMax === "afterCorrection") {
        s.vmax = Math.max(s.vmax, s.v / bc2);
        vUse = s.vmax;
      } else {
        s.vmax = Math.max(s.vmax, s.v);
        vUse = s.vmax / bc2;
      }
      let dir: number;
      if (v.epsPlacement === "inside") dir = s.m / bc1 / Math.sqrt(vUse + h.eps);
      else if (v.epsPlacement === "uncorrected") dir = ((Math.sqrt(bc2) / bc1) * s.m) / (Math.sqrt(vUse * bc2) + h.eps);
      else dir = s.m / bc1 / (Math.sqrt(vUse) + h.eps);
      const wd = v.weightDecayMode === "decoupled" ? h.weightDecay * p : 0;
      return -h.lr * (dir + wd);
    },
    { m: 0, v: 0, vmax: 0 },
  ],
  // Zhuang et al. Alg. 2
  adabelief: (h) => [
    (g, _p, s, t) => {
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.s = h.b2 * s.s + (1 - h.b2) * (g - s.m) * (g - s.m) + h.eps;
      const mh = s.m / (1 - Math.pow(h.b1, t)),
        sh = s.s / (1 - Math.pow(h.b2, t));
      return (-h.lr * mh) / (Math.sqrt(sh) + h.eps);
    },
    { m: 0, s: 0 },
  ],
  // Dubey et al.: ξ = sigmoid(|g_{t−1} − g_t|)
  diffGrad: (h) => [
    (g, _p, s, t) => {
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.v = h.b2 * s.v + (1 - h.b2) * g * g;
      const xi = sigmoid(Math.abs(s.prev - g));
      s.prev = g;
      const mh = s.m / (1 - Math.pow(h.b1, t)),
        vh = s.v / (1 - Math.pow(h.b2, t));
      return (-h.lr * xi * mh) / (Math.sqrt(vh) + h.eps);
    },
    { m: 0, v: 0, prev: 0 },
  ],
  // Taniguchi et al. Alg. 2 with clipping c_t = t^{1/4} (t counted from the first real update)
  adopt: (h, v) => [
    (g, _p, s, t) => {
      if (t === 1) {
        s.v = g * g;
        return 0;
      }
      let z = g / Math.max(Math.sqrt(s.v), h.eps);
      if (v.clip !== false) {
        const c = Math.pow(t - 1, 0.25);
        z = Math.min(Math.max(z, -c), c);
      }
      s.m = h.b1 * s.m + (1 - h.b1) * z;
      s.v = h.b2 * s.v + (1 - h.b2) * g * g;
      return -h.lr * s.m;
    },
    { m: 0, v: 0 },
  ],
  // Xie et al. Alg. 1 (usual β convention, bias-corrected as the official code, Δ₁ = 0)
  adan: (h, v) => [
    (g, p, s, t) => {
      const diff = t === 1 ? 0 : g - s.prev;
      s.prev = g;
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.d = h.b2 * s.d + (1 - h.b2) * diff;
      const z = g + h.b2 * diff;
      s.n = h.b3 * s.n + (1 - h.b3) * z * z;
      const bc = (b: number) => (v.biasCorrection === false ? 1 : 1 - Math.pow(b, t));
      const u = (s.m / bc(h.b1) + (h.b2 * s.d) / bc(h.b2)) / (Math.sqrt(s.n / bc(h.b3)) + h.eps);
      const next =
        v.weightDecayMode === "decoupled"
          ? p - h.lr * u - h.lr * h.weightDecay * p
          : (p - h.lr * u) / (1 + h.lr * h.weightDecay);
      return next - p;
    },
    { m: 0, d: 0, n: 0, prev: 0 },
  ],
  // Chen et al. Program 1
  lion: (h, v) => [
    (g, p, s) => {
      const c = h.b1 * s.m + (1 - h.b1) * g;
      s.m = h.b2 * s.m + (1 - h.b2) * g;
      return -h.lr * (sign(c) + (v.weightDecayMode === "decoupled" ? h.weightDecay * p : 0));
    },
    { m: 0 },
  ],
  // Cao, Li & Song Alg. 1
  grams: (h) => [
    (g, _p, s, t) => {
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.v = h.b2 * s.v + (1 - h.b2) * g * g;
      const u = s.m / (1 - Math.pow(h.b1, t)) / (Math.sqrt(s.v / (1 - Math.pow(h.b2, t))) + h.eps);
      return -h.lr * sign(g) * Math.abs(u);
    },
    { m: 0, v: 0 },
  ],
  // Dozat (2016) with the μ_t schedule (as PyTorch NAdam), or the constant-μ form (optax)
  nadam: (h, v) => [
    (g, _p, s, t) => {
      s.m = h.b1 * s.m + (1 - h.b1) * g;
      s.v = h.b2 * s.v + (1 - h.b2) * g * g;
      const vh = s.v / (1 - Math.pow(h.b2, t));
      let mbar: number;
      if (v.form === "constant") {
        mbar = (h.b1 * s.m) / (1 - Math.pow(h.b1, t + 1)) + ((1 - h.b1) * g) / (1 - Math.pow(h.b1, t));
      } else {
        const mu = (k: number) => h.b1 * (1 - 0.5 * Math.pow(0.96, k * h.momentumDecay));
        s.prod *= mu(t);
        mbar = (mu(t + 1) * s.m) / (1 - s.prod * mu(t + 1)) + ((1 - mu(t)) * g) / (1 - s.prod);
      }
      return (-h.lr * mbar) / (Math.sqrt(vh) + h.eps);
    },
    { m: 0, v: 0, prod: 1 },
  ],
};
