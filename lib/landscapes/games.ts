/**
 * Two-player zero-sum games as `ClosedFormLandscape`s: `value` is player 0's loss, which player 1
 * maximises (`players` marks each coordinate's owner). Equilibria are listed in `minimizers`.
 */
import type { ClosedFormLandscape } from "../core/landscape";
import { numOps, type Ops } from "../core/ops";
import { NO_CONTEXT } from "./context";
import { checkOptions } from "../validate";
import { assertMatrix, assertVector } from "./checks";
import { solve } from "../linalg/matrix";
import { sumOps } from "./testFunctions";

/**
 * Bilinear game with optional quadratic and linear terms, x ∈ ℝᵐ (player 0, minimises), y ∈ ℝⁿ
 * (player 1, maximises), coordinates [x…, y…]:
 *   f(x, y) = xᵀ A y + (α/2)|x|² − (β/2)|y|² + bᵀx + cᵀy.
 * The stationary point solves [αI A; −Aᵀ βI][x; y] = [−b; c]; it is the (unique) Nash equilibrium
 * when α, β ≥ 0 and the system is non-singular. Pure bilinear (α = β = 0) is the classic example
 * where simultaneous gradient descent–ascent spirals out (e.g. Gidel et al., 2019).
 */
export function bilinearGame(opts: {
  A: readonly (readonly number[])[];
  alpha?: number;
  beta?: number;
  b?: readonly number[];
  c?: readonly number[];
}): ClosedFormLandscape {
  checkOptions("bilinearGame", opts, ["A", "alpha", "beta", "b", "c"]);
  const { A, alpha = 0, beta = 0 } = opts;
  assertMatrix(A, "bilinearGame: A");
  const m = A.length,
    n = A[0].length;
  const b = opts.b ?? new Array(m).fill(0),
    c = opts.c ?? new Array(n).fill(0);
  assertVector(b as number[], "bilinearGame: b", m);
  assertVector(c as number[], "bilinearGame: c", n);
  if (!(alpha >= 0 && beta >= 0))
    throw new Error(`bilinearGame: alpha and beta must be ≥ 0 (convex–concave), got ${alpha}, ${beta}`);
  const dim = m + n;
  const sys = Array.from({ length: dim }, (_, i) =>
    Array.from({ length: dim }, (_, j) => {
      if (i < m) return j < m ? (i === j ? alpha : 0) : A[i][j - m];
      return j < m ? -A[j][i - m] : i === j ? beta : 0;
    }),
  );
  const eq = solve(sys, [...b.map((v) => -v), ...c]);
  const H = Array.from({ length: dim }, (_, i) =>
    Array.from({ length: dim }, (_, j) => {
      if (i < m && j < m) return i === j ? alpha : 0;
      if (i >= m && j >= m) return i === j ? -beta : 0;
      return i < m ? A[i][j - m] : A[j][i - m];
    }),
  );
  const game: ClosedFormLandscape = {
    name: alpha === 0 && beta === 0 ? "bilinear" : "bilinear-quadratic",
    dim,
    players: [...new Array(m).fill(0), ...new Array(n).fill(1)],
    value<T>(o: Ops<T>, v: readonly T[]): T {
      if (v.length !== dim)
        throw new Error(`bilinearGame: expected ${dim} coordinates (${m} for x, ${n} for y), got ${v.length}`);
      const x = v.slice(0, m),
        y = v.slice(m);
      const terms: T[] = [];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) if (A[i][j] !== 0) terms.push(o.mul(A[i][j], o.mul(x[i], y[j])));
      if (alpha !== 0) x.forEach((xi) => terms.push(o.mul(alpha / 2, o.square(xi))));
      if (beta !== 0) y.forEach((yj) => terms.push(o.mul(-beta / 2, o.square(yj))));
      b.forEach((bi, i) => bi !== 0 && terms.push(o.mul(bi, x[i])));
      c.forEach((cj, j) => cj !== 0 && terms.push(o.mul(cj, y[j])));
      return sumOps(o, terms);
    },
    minimizers: eq ? [eq] : undefined,
    hessian: () => H.map((r) => [...r]),
    domain: new Array(dim).fill([-2, 2]),
  };
  // The game's value at the equilibrium, by evaluating the one formula in float64.
  return eq ? { ...game, minimum: game.value(numOps, eq, NO_CONTEXT) } : game;
}

/**
 * Interior Nash equilibrium of the zero-sum matrix game with row payoff `A` (row player maximises
 * pᵀAq): the fully mixed (p, q) with Aq = v·1, Aᵀp = v·1, Σp = Σq = 1 — returned only if such a
 * solution exists and is strictly positive (then it is an equilibrium by the indifference principle).
 */
export function interiorEquilibrium(
  A: readonly (readonly number[])[],
): { p: number[]; q: number[]; value: number } | undefined {
  assertMatrix(A, "interiorEquilibrium: A");
  if (A.length !== A[0].length) return undefined;
  const eq = supportEquilibrium(A, [...A.keys()], [...A[0].keys()]);
  return eq && eq.p.every((x) => x > 1e-12) && eq.q.every((x) => x > 1e-12) ? eq : undefined;
}

/**
 * Solves the indifference equations on supports S (rows) and T (columns), |S| = |T|, and checks
 * that the result is a Nash equilibrium of the whole game (non-negative, no profitable deviation).
 */
function supportEquilibrium(
  A: readonly (readonly number[])[],
  S: number[],
  T: number[],
  tol = 1e-9,
): { p: number[]; q: number[]; value: number } | undefined {
  const k = S.length;
  // q_T: A_{S,T} q_T − v 1 = 0, 1ᵀq_T = 1;   p_S: A_{S,T}ᵀ p_S − v 1 = 0, 1ᵀp_S = 1.
  const sysQ = [...S.map((i) => [...T.map((j) => A[i][j]), -1]), [...new Array(k).fill(1), 0]];
  const sysP = [...T.map((j) => [...S.map((i) => A[i][j]), -1]), [...new Array(k).fill(1), 0]];
  const rhs = [...new Array(k).fill(0), 1];
  const sq = solve(sysQ, rhs),
    sp = solve(sysP, rhs);
  if (!sq || !sp) return undefined;
  const v = sq[k];
  if (sq.slice(0, k).some((x) => x < -tol) || sp.slice(0, k).some((x) => x < -tol)) return undefined;
  const m = A.length,
    n = A[0].length;
  const p = new Array<number>(m).fill(0),
    q = new Array<number>(n).fill(0);
  S.forEach((i, a) => (p[i] = Math.max(0, sp[a])));
  T.forEach((j, a) => (q[j] = Math.max(0, sq[a])));
  const scale = 1 + Math.max(...A.flat().map(Math.abs));
  for (let i = 0; i < m; i++) if (A[i].reduce((s, aij, j) => s + aij * q[j], 0) > v + tol * scale) return undefined;
  for (let j = 0; j < n; j++) if (A.reduce((s, row, i) => s + p[i] * row[j], 0) < v - tol * scale) return undefined;
  return { p, q, value: v };
}

function* subsets(n: number, k: number, start = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i <= n - (k - prefix.length); i++) yield* subsets(n, k, i + 1, [...prefix, i]);
}

/**
 * A Nash equilibrium (maximin strategies) of the zero-sum matrix game with row payoff `A`, by
 * support enumeration (Shapley & Snow, 1950: some equilibrium has square supports on which the
 * players are indifferent), smallest supports first. Exact for small games (|rows|, |columns| ≲ 10).
 */
export function zeroSumEquilibrium(A: readonly (readonly number[])[]): { p: number[]; q: number[]; value: number } {
  assertMatrix(A, "zeroSumEquilibrium: A");
  const m = A.length,
    n = A[0].length;
  if (m > 12 || n > 12) throw new Error(`zeroSumEquilibrium: support enumeration is for small games, got ${m}×${n}`);
  for (let k = 1; k <= Math.min(m, n); k++) {
    for (const S of subsets(m, k))
      for (const T of subsets(n, k)) {
        const eq = supportEquilibrium(A, S, T);
        if (eq) return eq;
      }
  }
  throw new Error("zeroSumEquilibrium: no equilibrium found (degenerate game; perturb the payoffs)");
}

function softmaxOps<T>(o: Ops<T>, u: readonly T[]): T[] {
  // Subtracting the max is exact for softmax (shift invariance) and keeps exp from overflowing.
  let mx = u[0];
  for (let i = 1; i < u.length; i++) mx = o.max(mx, u[i]);
  const e = u.map((ui) => o.exp(o.sub(ui, mx)));
  const z = sumOps(o, e);
  return e.map((ei) => o.div(ei, z));
}

/**
 * Zero-sum matrix game over mixed strategies parameterised by logits: p = softmax(u), q = softmax(v),
 * coordinates [u…, v…]. The row player (0) receives pᵀAq and so minimises f(u, v) = −softmax(u)ᵀ A
 * softmax(v); the column player (1) maximises f. `equilibrium` holds a Nash equilibrium (p, q) and
 * the game value (`zeroSumEquilibrium`); when it is interior it is a stationary point of f in
 * logits and is also listed (as logits log p, log q) in `minimizers`, with `minimum` = −value.
 */
export function matrixGame(opts: { payoff: readonly (readonly number[])[]; name?: string }): ClosedFormLandscape & {
  equilibrium: { p: number[]; q: number[]; value: number };
  payoff: readonly (readonly number[])[];
} {
  checkOptions("matrixGame", opts, ["payoff", "name"]);
  const A = opts.payoff;
  assertMatrix(A, "matrixGame: payoff");
  const m = A.length,
    n = A[0].length;
  const eq = zeroSumEquilibrium(A);
  const interior = eq.p.every((x) => x > 1e-12) && eq.q.every((x) => x > 1e-12);
  return {
    name: opts.name ?? "matrix-game",
    dim: m + n,
    payoff: A,
    players: [...new Array(m).fill(0), ...new Array(n).fill(1)],
    value<T>(o: Ops<T>, x: readonly T[]): T {
      if (x.length !== m + n)
        throw new Error(`matrixGame: expected ${m + n} logits (${m} row, ${n} column), got ${x.length}`);
      const p = softmaxOps(o, x.slice(0, m)),
        q = softmaxOps(o, x.slice(m));
      const terms: T[] = [];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) if (A[i][j] !== 0) terms.push(o.mul(-A[i][j], o.mul(p[i], q[j])));
      return sumOps(o, terms);
    },
    equilibrium: eq,
    minimizers: interior ? [[...eq.p.map(Math.log), ...eq.q.map(Math.log)]] : undefined,
    minimum: interior ? -eq.value : undefined,
    hessian(x) {
      // With J = diag(p) − ppᵀ, g = Aq, h = Aᵀp, s = pᵀAq:
      // H_uu = −[diag(p ⊙ (g − s)) − (p pᵀ) ⊙ (g 1ᵀ + 1 gᵀ − 2s)], H_uv = −J_p A J_q, H_vv likewise.
      const sm = (u: readonly number[]) => {
        const mx = Math.max(...u),
          e = u.map((v) => Math.exp(v - mx)),
          z = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / z);
      };
      const p = sm(x.slice(0, m)),
        q = sm(x.slice(m));
      const g = A.map((row) => row.reduce((t, a, j) => t + a * q[j], 0));
      const h = q.map((_, j) => A.reduce((t, row, i) => t + p[i] * row[j], 0));
      const val = p.reduce((t, pi, i) => t + pi * g[i], 0);
      const J = (r: number[]) => r.map((ra, a) => r.map((rb, b) => (a === b ? ra : 0) - ra * rb));
      const block = (r: number[], w: number[]) =>
        r.map((ra, a) => r.map((rb, b) => -((a === b ? ra * (w[a] - val) : 0) - ra * rb * (w[a] + w[b] - 2 * val))));
      const Jp = J(p),
        Jq = J(q);
      const JpA = Jp.map((row) => q.map((_, j) => row.reduce((t, v, i) => t + v * A[i][j], 0)));
      const Huv = JpA.map((row) => q.map((_, b) => -row.reduce((t, v, j) => t + v * Jq[j][b], 0)));
      const Huu = block(p, g),
        Hvv = block(q, h);
      return [...Huu.map((row, a) => [...row, ...Huv[a]]), ...Hvv.map((row, b) => [...Huv.map((r) => r[b]), ...row])];
    },
    domain: new Array(m + n).fill([-3, 3]),
  };
}

/** Rock–paper–scissors payoff for the row player: win +1, lose −1, tie 0. */
export const ROCK_PAPER_SCISSORS: readonly (readonly number[])[] = [
  [0, -1, 1],
  [1, 0, -1],
  [-1, 1, 0],
];

/** Rock–paper–scissors as a logit-parameterised matrix game; unique equilibrium p = q = (⅓, ⅓, ⅓), value 0. */
export function rockPaperScissors(): ReturnType<typeof matrixGame> {
  return matrixGame({ payoff: ROCK_PAPER_SCISSORS, name: "rock-paper-scissors" });
}

/**
 * A preference game for Nash learning from human feedback (Munos et al., "Nash Learning from Human
 * Feedback", 2023; Mirror-Prox NLHF; EGPO): P[i][j] = Pr(response i ≻ response j) with
 * P + Pᵀ = 1, and the symmetric zero-sum game with row payoff pᵀ(P − ½)q. Its Nash equilibrium is
 * the maximal lottery (Condorcet winner when one exists).
 */
export function preferenceGame(opts: { P: readonly (readonly number[])[] }): ReturnType<typeof matrixGame> {
  checkOptions("preferenceGame", opts, ["P"]);
  const { P } = opts;
  assertMatrix(P, "preferenceGame: P", P.length, P.length);
  for (let i = 0; i < P.length; i++) {
    for (let j = 0; j < P.length; j++) {
      if (P[i][j] < 0 || P[i][j] > 1)
        throw new Error(`preferenceGame: P[${i}][${j}] = ${P[i][j]} is not a probability`);
      if (Math.abs(P[i][j] + P[j][i] - 1) > 1e-9)
        throw new Error(`preferenceGame: P[${i}][${j}] + P[${j}][${i}] must be 1, got ${P[i][j] + P[j][i]}`);
    }
  }
  return matrixGame({ payoff: P.map((r) => r.map((v) => v - 0.5)), name: "preference-game" });
}
