/**
 * The project's one seeded random generator: xoshiro128** (Blackman & Vigna, 2018), seeded by
 * splitmix32. Every random number in optbook — initialisations, data, noise, probes, mini-batches —
 * comes from a `Rng` or from a stream derived from one with `fork`/`streamState`, so a seed fixes a
 * whole experiment.
 *
 * The state is four uint32 words. `xoshiroNext(state, offset)` works on any Uint32Array slot, so the
 * fused sweep engine can keep one stream per run in a flat array and draw without allocating.
 */
import * as tf from "@tensorflow/tfjs";

/** splitmix32 finaliser: a bijective 32-bit mix used to expand seeds. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Writes the initial xoshiro128** state for (seed, stream) into `out[offset..offset+4)`. */
export function seedState(seed: number, stream: number, out: Uint32Array, offset = 0): void {
  if (!Number.isInteger(seed)) throw new Error(`rng: seed must be an integer, got ${seed}`);
  let s = mix32(seed ^ mix32(stream + 0x6a09e667));
  for (let i = 0; i < 4; i++) {
    s = mix32(s + i);
    out[offset + i] = s;
  }
  // An all-zero state is a fixed point of xoshiro; never start there.
  if ((out[offset] | out[offset + 1] | out[offset + 2] | out[offset + 3]) === 0) out[offset] = 1;
}

/** One xoshiro128** step on the 4-word state at `offset`; returns a uint32. */
export function xoshiroNext(s: Uint32Array, offset = 0): number {
  const s0 = s[offset],
    s1 = s[offset + 1],
    s2 = s[offset + 2],
    s3 = s[offset + 3];
  const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = (s1 << 9) >>> 0;
  const n2 = (s2 ^ s0) >>> 0;
  const n3 = (s3 ^ s1) >>> 0;
  s[offset + 1] = (s1 ^ n2) >>> 0;
  s[offset] = (s0 ^ n3) >>> 0;
  s[offset + 2] = (n2 ^ t) >>> 0;
  s[offset + 3] = rotl(n3, 11);
  return r;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Uniform in [0, 1) with 53 random bits, from two draws. */
export function uniformFromState(s: Uint32Array, offset = 0): number {
  const a = xoshiroNext(s, offset) >>> 5; // 27 bits
  const b = xoshiroNext(s, offset) >>> 6; // 26 bits
  return (a * 67108864 + b) / 9007199254740992;
}

/** Standard normal by Box–Muller (one value per call; the pair's second half is discarded for simplicity). */
export function normalFromState(s: Uint32Array, offset = 0): number {
  let u = uniformFromState(s, offset);
  if (u < 1e-300) u = 1e-300;
  const v = uniformFromState(s, offset);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A seeded generator. `new Rng(seed)`; `rng.fork(i)` gives an independent child stream. */
export class Rng {
  private readonly state = new Uint32Array(4);
  private forks = 0;
  constructor(
    readonly seed: number,
    readonly stream = 0,
  ) {
    seedState(seed, stream, this.state);
  }
  /** uint32 */
  nextU32(): number {
    return xoshiroNext(this.state);
  }
  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * uniformFromState(this.state);
  }
  /** Normal(mean, std). */
  normal(mean = 0, std = 1): number {
    return mean + std * normalFromState(this.state);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** A child generator, independent of this one's future draws; deterministic given the parent's history. */
  fork(): Rng {
    return new Rng(this.nextU32() ^ mix32(++this.forks), this.stream);
  }
  /** Float64Array of n uniforms in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
  /** Float64Array of n normals. */
  normalArray(n: number, mean = 0, std = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }
  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
  /** A float32 tensor of normals drawn from this generator. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from(this.normalArray(n, mean, std)), shape, "float32");
  }
  /** A float32 tensor of uniforms drawn from this generator. */
  uniformTensor(shape: number[], lo = 0, hi = 1): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from(this.uniformArray(n, lo, hi)), shape, "float32");
  }
}
