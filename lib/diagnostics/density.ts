/**
 * Spectral density of a curvature operator by stochastic Lanczos quadrature (SLQ).
 *
 * For a unit probe v, m Lanczos steps give T_m = S Θ Sᵀ and the m-point Gauss quadrature
 *   vᵀ f(A) v ≈ Σ_j τ_j f(θ_j),  τ_j = (S_{1j})²   (Golub & Welsch 1969; Golub & Meurant 2010),
 * exact for polynomials f of degree ≤ 2m − 1. Averaging over random probes estimates
 * (1/d) tr f(A) = ∫ f dμ with μ the empirical spectral measure; smoothing each node with a Gaussian
 * of width σ gives a density that can be plotted (Lin, Saad & Yang, "Approximating spectral
 * densities of large matrices", SIAM Review 2016; Ghorbani, Krishnan & Xiao, "An investigation into
 * neural net optimization via Hessian eigenvalue density", ICML 2019; PyHessian, Yao et al. 2020).
 */
import { Rng } from "../rng";
import { norm2, tridiagonalEig } from "../linalg/eigen";
import { lanczosProcess } from "./eigen";
import type { CurvatureOperator } from "./operator";

export interface SlqOptions {
  /** Number of random probes (default 10). */
  probes?: number;
  /** Lanczos steps per probe (default min(size, 80)). */
  steps?: number;
  /** Probe distribution, normalised to unit length (default "rademacher"). */
  distribution?: "rademacher" | "gaussian";
  /** Explicit probe vectors instead of random ones (normalised internally). */
  probeVectors?: Float64Array[];
  /** Gaussian smoothing width; default 1% of the spread of the Ritz values (or 1e-3·max|θ| if they coincide). */
  sigma?: number;
  /** Number of grid points (default 1000). */
  gridSize?: number;
  /** Grid range; default [min θ − 8σ, max θ + 8σ], which holds all but ~1e-15 of the mass. */
  range?: [number, number];
  /** Seed of the probes (default 0). */
  seed?: number;
}

export interface SpectralDensity {
  /** Evaluation points t_i (uniform). */
  grid: Float64Array;
  /** φ(t_i) = (1/P) Σ_p Σ_j τ_{pj} N(t_i; θ_{pj}, σ²). Integrates to 1 over the default range. */
  density: Float64Array;
  /** Quadrature nodes θ_{pj} per probe (Ritz values). */
  nodes: Float64Array[];
  /** Quadrature weights τ_{pj} per probe (sum to 1 for each probe). */
  weights: Float64Array[];
  sigma: number;
  /** Operator products used. */
  matvecs: number;
}

/** Rademacher (±1) or Gaussian vector from `rng`. */
export function probeVector(n: number, rng: Rng, distribution: "rademacher" | "gaussian" = "rademacher"): Float64Array {
  if (distribution === "gaussian") return rng.normalArray(n);
  if (distribution !== "rademacher")
    throw new Error(`probe distribution must be "rademacher" or "gaussian", got ${JSON.stringify(distribution)}`);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.nextU32() & 1 ? 1 : -1;
  return v;
}

/**
 * Stochastic Lanczos quadrature. Returns the smoothed density on a grid together with the raw
 * nodes and weights (from which any spectral sum (1/d) tr f(A) ≈ (1/P) Σ_p Σ_j τ_pj f(θ_pj) can be
 * estimated, see `slqMoment`). Negative eigenvalues are represented like positive ones.
 */
export async function spectralDensity(op: CurvatureOperator, opts: SlqOptions = {}): Promise<SpectralDensity> {
  const n = op.size;
  const probes = opts.probeVectors?.length ?? opts.probes ?? 10;
  const steps = Math.min(n, opts.steps ?? 80);
  const gridSize = opts.gridSize ?? 1000;
  if (!Number.isInteger(probes) || probes < 1)
    throw new Error(`spectralDensity: probes must be a positive integer, got ${probes}`);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`spectralDensity: steps must be a positive integer, got ${opts.steps}`);
  if (!Number.isInteger(gridSize) || gridSize < 2)
    throw new Error(`spectralDensity: gridSize must be an integer >= 2, got ${gridSize}`);
  if (opts.sigma !== undefined && !(opts.sigma > 0))
    throw new Error(`spectralDensity: sigma must be > 0, got ${opts.sigma}`);
  const rng = new Rng(opts.seed ?? 0);
  const nodes: Float64Array[] = [],
    weights: Float64Array[] = [];
  let matvecs = 0;
  for (let p = 0; p < probes; p++) {
    const v = opts.probeVectors ? opts.probeVectors[p] : probeVector(n, rng, opts.distribution ?? "rademacher");
    if (v.length !== n) throw new Error(`spectralDensity: probe ${p} has length ${v.length}, operator has size ${n}`);
    if (!(norm2(v) > 0)) throw new Error(`spectralDensity: probe ${p} is zero`);
    // No restart: on breakdown the Krylov space is invariant and the quadrature is already exact.
    const run = await lanczosProcess(op, v, steps, { rng });
    matvecs += run.matvecs;
    const m = run.alpha.length;
    const { values, vectors } = tridiagonalEig(run.alpha, run.beta.slice(0, m - 1));
    nodes.push(values);
    weights.push(Float64Array.from(vectors, (s) => s[0] * s[0]));
  }
  let lo = Infinity,
    hi = -Infinity;
  for (const t of nodes)
    for (const x of t) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  const spread = hi - lo;
  const sigma = opts.sigma ?? (spread > 0 ? 0.01 * spread : Math.max(1e-3 * Math.abs(hi), 1e-6));
  const [a, b] = opts.range ?? [lo - 8 * sigma, hi + 8 * sigma];
  if (!(b > a)) throw new Error(`spectralDensity: range [${a}, ${b}] is empty`);
  const grid = new Float64Array(gridSize),
    density = new Float64Array(gridSize);
  const h = (b - a) / (gridSize - 1);
  for (let i = 0; i < gridSize; i++) grid[i] = a + i * h;
  const c = 1 / (probes * sigma * Math.sqrt(2 * Math.PI));
  const cutoff = 10 * sigma;
  for (let p = 0; p < probes; p++) {
    const th = nodes[p],
      w = weights[p];
    for (let j = 0; j < th.length; j++) {
      // Only grid points within 10σ contribute (exp(-50) ≈ 2e-22).
      const i0 = Math.max(0, Math.floor((th[j] - cutoff - a) / h));
      const i1 = Math.min(gridSize - 1, Math.ceil((th[j] + cutoff - a) / h));
      for (let i = i0; i <= i1; i++) {
        const z = (grid[i] - th[j]) / sigma;
        density[i] += c * w[j] * Math.exp(-0.5 * z * z);
      }
    }
  }
  return { grid, density, nodes, weights, sigma, matvecs };
}

/**
 * The SLQ estimate of (1/d) tr f(A) = (1/P) Σ_p Σ_j τ_pj f(θ_pj) (default f(λ) = λᵏ: the k-th
 * spectral moment, so d·slqMoment(r, 1) estimates the trace).
 */
export function slqMoment(r: Pick<SpectralDensity, "nodes" | "weights">, k: number | ((x: number) => number)): number {
  const f = typeof k === "number" ? (x: number) => x ** k : k;
  let s = 0;
  r.nodes.forEach((th, p) => th.forEach((x, j) => (s += r.weights[p][j] * f(x))));
  return s / r.nodes.length;
}

/** ∫ φ(t) dt by the trapezoid rule on the density's grid (≈ 1). */
export function integrateDensity(
  r: Pick<SpectralDensity, "grid" | "density">,
  f: (t: number) => number = () => 1,
): number {
  const { grid, density } = r;
  let s = 0;
  for (let i = 1; i < grid.length; i++) {
    s += 0.5 * (grid[i] - grid[i - 1]) * (density[i] * f(grid[i]) + density[i - 1] * f(grid[i - 1]));
  }
  return s;
}
