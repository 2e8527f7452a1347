/**
 * Dense float64 linear algebra on the host (used by the diagnostics and experiments): symmetric eigendecomposition
 * (Householder tridiagonalisation + implicit QL), the symmetric tridiagonal eigenproblem that
 * Lanczos produces, eigenvalues of a general real matrix (Hessenberg reduction + Francis
 * double-shift QR), and small vector helpers.
 *
 * The algorithms are the EISPACK routines tred2 / tql2 / orthes / hqr (Wilkinson & Reinsch,
 * "Handbook for Automatic Computation, Vol. II: Linear Algebra", 1971), in the form popularised by
 * JAMA (public domain). Matrices are row-major `Float64Array`s of n·n entries.
 */

/** A dense row-major n×n matrix. */
export interface DenseMatrix {
  n: number;
  data: Float64Array;
}

/** Eigendecomposition A = Σ_j λ_j v_j v_jᵀ of a symmetric matrix. */
export interface SymmetricEig {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Orthonormal eigenvectors: `vectors[j]` belongs to `values[j]`. */
  vectors: Float64Array[];
}

/** Accepts number[][] or a row-major Float64Array with its size; returns a fresh row-major copy. */
export function toDense(a: number[][] | Float64Array | DenseMatrix, n?: number): DenseMatrix {
  if (Array.isArray(a)) {
    const m = a.length;
    const data = new Float64Array(m * m);
    a.forEach((row, i) => {
      if (row.length !== m)
        throw new Error(`linalg: matrix is not square (row ${i} has ${row.length} entries, expected ${m})`);
      for (let j = 0; j < m; j++) data[i * m + j] = row[j];
    });
    return { n: m, data };
  }
  if (a instanceof Float64Array) {
    const m = n ?? Math.round(Math.sqrt(a.length));
    if (m * m !== a.length)
      throw new Error(`linalg: ${a.length} entries is not a square matrix${n ? ` of size ${n}` : ""}`);
    return { n: m, data: Float64Array.from(a) };
  }
  return { n: a.n, data: Float64Array.from(a.data) };
}

function assertFinite(data: Float64Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${what}: entry ${i} is ${data[i]} (NaN or infinite)`);
  }
}

/**
 * Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form
 * (tred2) followed by the implicit QL algorithm with Wilkinson shifts (tql2). O(n³), backward
 * stable; eigenvalues ascending, eigenvectors orthonormal to working precision.
 *
 * Only the lower triangle is trusted in principle; pass a symmetric matrix (symmetrise
 * (A + Aᵀ)/2 first if it comes from floating-point HVPs).
 */
export function symmetricEig(a: number[][] | Float64Array | DenseMatrix, size?: number): SymmetricEig {
  const { n, data: V } = toDense(a, size);
  assertFinite(V, "symmetricEig");
  if (n === 0) return { values: new Float64Array(0), vectors: [] };
  const d = new Float64Array(n),
    e = new Float64Array(n);
  // tred2 works on (and leaves) the transpose, which is what tql2 rotates: row j ends as eigenvector j.
  tred2(n, V, d, e);
  tql2(n, d, e, V);
  const Z = V;
  return sortAscending(n, d, Z);
}

/**
 * Eigendecomposition of the symmetric tridiagonal matrix with diagonal `alpha` (length m) and
 * off-diagonal `beta` (length m−1), by implicit QL. This is the Lanczos / Gauss-quadrature
 * eigenproblem (Golub & Welsch, 1969: the nodes are the eigenvalues, the weights the squared
 * first components of the eigenvectors).
 */
export function tridiagonalEig(alpha: ArrayLike<number>, beta: ArrayLike<number>): SymmetricEig {
  const n = alpha.length;
  if (beta.length < n - 1) throw new Error(`tridiagonalEig: need ${n - 1} off-diagonal entries, got ${beta.length}`);
  const d = Float64Array.from(alpha);
  const e = new Float64Array(n);
  for (let i = 1; i < n; i++) e[i] = beta[i - 1];
  assertFinite(d, "tridiagonalEig (alpha)");
  assertFinite(e, "tridiagonalEig (beta)");
  const Z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Z[i * n + i] = 1;
  tql2(n, d, e, Z);
  return sortAscending(n, d, Z);
}

function sortAscending(n: number, d: Float64Array, Z: Float64Array): SymmetricEig {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  return {
    values: Float64Array.from(order, (i) => d[i]),
    vectors: order.map((i) => Z.slice(i * n, (i + 1) * n)),
  };
}

/**
 * Householder tridiagonalisation (EISPACK tred2), written on the transpose: `V` holds Vᵀ (so the
 * inner loops run along contiguous rows; the input is symmetric so Aᵀ = A). On exit `V` holds the
 * transposed orthogonal transform, d the diagonal, e[1..] the subdiagonal.
 */
function tred2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0,
      h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[j * n + k] * d[k];
          e[k] += V[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[j * n + k] -= f * e[k] + g * d[k];
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k] * V[j * n + k];
        for (let k = 0; k <= i; k++) V[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1];
    V[j * n + n - 1] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL with shifts on a symmetric tridiagonal matrix (EISPACK tql2): d is the diagonal,
 * e[i] = T[i][i−1] for i ≥ 1 (e[0] ignored, the layout tred2 leaves). Z's rows are rotated, so
 * starting from Vᵀ (or I) row j ends as eigenvector j.
 */
function tql2(n: number, d: Float64Array, e: Float64Array, Z: Float64Array): void {
  if (n === 1) return;
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0,
    tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100 * n + 100)
          throw new Error("symmetricEig: QL iteration did not converge (matrix has NaN or huge entries?)");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1,
          c2 = c,
          c3 = c;
        const el1 = e[l + 1];
        let s = 0,
          s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ri = i * n,
            ri1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const zh = Z[ri1 + k];
            Z[ri1 + k] = s * Z[ri + k] + c * zh;
            Z[ri + k] = c * Z[ri + k] - s * zh;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Eigenvalues of a general real matrix, as (re, im) pairs; complex ones come in conjugate pairs. */
export interface GeneralEigenvalues {
  re: Float64Array;
  im: Float64Array;
}

/**
 * Eigenvalues of a general real n×n matrix: Householder reduction to upper Hessenberg form
 * (EISPACK orthes), then the Francis implicit double-shift QR algorithm (EISPACK hqr). Used for
 * spectral radii of (non-symmetric) iteration maps, e.g. gradient descent–ascent on games.
 */
export function generalEigenvalues(a: number[][] | Float64Array | DenseMatrix, size?: number): GeneralEigenvalues {
  const { n, data: H } = toDense(a, size);
  assertFinite(H, "generalEigenvalues");
  const at = (i: number, j: number) => i * n + j;
  // --- orthes: reduce to Hessenberg form.
  const ort = new Float64Array(n);
  for (let m = 1; m <= n - 2; m++) {
    let scale = 0;
    for (let i = m; i < n; i++) scale += Math.abs(H[at(i, m - 1)]);
    if (scale === 0) continue;
    let h = 0;
    for (let i = n - 1; i >= m; i--) {
      ort[i] = H[at(i, m - 1)] / scale;
      h += ort[i] * ort[i];
    }
    let g = Math.sqrt(h);
    if (ort[m] > 0) g = -g;
    h -= ort[m] * g;
    ort[m] -= g;
    for (let j = m; j < n; j++) {
      let f = 0;
      for (let i = n - 1; i >= m; i--) f += ort[i] * H[at(i, j)];
      f /= h;
      for (let i = m; i < n; i++) H[at(i, j)] -= f * ort[i];
    }
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let j = n - 1; j >= m; j--) f += ort[j] * H[at(i, j)];
      f /= h;
      for (let j = m; j < n; j++) H[at(i, j)] -= f * ort[j];
    }
    ort[m] *= scale;
    H[at(m, m - 1)] = scale * g;
  }
  // --- hqr: shifted QR on the Hessenberg matrix (eigenvalues only).
  const d = new Float64Array(n),
    e = new Float64Array(n);
  const eps = 2 ** -52;
  let norm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(i - 1, 0); j < n; j++) norm += Math.abs(H[at(i, j)]);
  let hi = n - 1,
    iter = 0,
    total = 0,
    exshift = 0;
  let p = 0,
    q = 0,
    r = 0,
    s: number,
    z: number,
    w: number,
    x: number,
    y: number;
  while (hi >= 0) {
    let l = hi;
    while (l > 0) {
      s = Math.abs(H[at(l - 1, l - 1)]) + Math.abs(H[at(l, l)]);
      if (s === 0) s = norm;
      if (Math.abs(H[at(l, l - 1)]) < eps * s) break;
      l--;
    }
    if (l === hi) {
      d[hi] = H[at(hi, hi)] + exshift;
      e[hi] = 0;
      hi--;
      iter = 0;
    } else if (l === hi - 1) {
      w = H[at(hi, hi - 1)] * H[at(hi - 1, hi)];
      p = (H[at(hi - 1, hi - 1)] - H[at(hi, hi)]) / 2;
      q = p * p + w;
      z = Math.sqrt(Math.abs(q));
      x = H[at(hi, hi)] + exshift;
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        d[hi - 1] = x + z;
        d[hi] = z !== 0 ? x - w / z : x + z;
        e[hi - 1] = 0;
        e[hi] = 0;
      } else {
        d[hi - 1] = x + p;
        d[hi] = x + p;
        e[hi - 1] = z;
        e[hi] = -z;
      }
      hi -= 2;
      iter = 0;
    } else {
      x = H[at(hi, hi)];
      y = 0;
      w = 0;
      if (l < hi) {
        y = H[at(hi - 1, hi - 1)];
        w = H[at(hi, hi - 1)] * H[at(hi - 1, hi)];
      }
      if (iter === 10) {
        // Wilkinson's exceptional shift.
        exshift += x;
        for (let i = 0; i <= hi; i++) H[at(i, i)] -= x;
        s = Math.abs(H[at(hi, hi - 1)]) + Math.abs(H[at(hi - 1, hi - 2)]);
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      if (iter === 30) {
        // MATLAB's exceptional shift.
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = Math.sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (let i = 0; i <= hi; i++) H[at(i, i)] -= s;
          exshift += s;
          x = y = w = 0.964;
        }
      }
      iter++;
      if (++total > 60 * n + 100) throw new Error("generalEigenvalues: QR iteration did not converge");
      let m = hi - 2;
      while (m >= l) {
        z = H[at(m, m)];
        r = x - z;
        s = y - z;
        p = (r * s - w) / H[at(m + 1, m)] + H[at(m, m + 1)];
        q = H[at(m + 1, m + 1)] - z - r - s;
        r = H[at(m + 2, m + 1)];
        s = Math.abs(p) + Math.abs(q) + Math.abs(r);
        p /= s;
        q /= s;
        r /= s;
        if (m === l) break;
        if (
          Math.abs(H[at(m, m - 1)]) * (Math.abs(q) + Math.abs(r)) <
          eps * (Math.abs(p) * (Math.abs(H[at(m - 1, m - 1)]) + Math.abs(z) + Math.abs(H[at(m + 1, m + 1)])))
        )
          break;
        m--;
      }
      for (let i = m + 2; i <= hi; i++) {
        H[at(i, i - 2)] = 0;
        if (i > m + 2) H[at(i, i - 3)] = 0;
      }
      for (let k = m; k <= hi - 1; k++) {
        const notlast = k !== hi - 1;
        if (k !== m) {
          p = H[at(k, k - 1)];
          q = H[at(k + 1, k - 1)];
          r = notlast ? H[at(k + 2, k - 1)] : 0;
          x = Math.abs(p) + Math.abs(q) + Math.abs(r);
          if (x === 0) continue;
          p /= x;
          q /= x;
          r /= x;
        }
        s = Math.sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s !== 0) {
          if (k !== m) H[at(k, k - 1)] = -s * x;
          else if (l !== m) H[at(k, k - 1)] = -H[at(k, k - 1)];
          p += s;
          x = p / s;
          y = q / s;
          z = r / s;
          q /= p;
          r /= p;
          for (let j = k; j < n; j++) {
            p = H[at(k, j)] + q * H[at(k + 1, j)];
            if (notlast) {
              p += r * H[at(k + 2, j)];
              H[at(k + 2, j)] -= p * z;
            }
            H[at(k, j)] -= p * x;
            H[at(k + 1, j)] -= p * y;
          }
          for (let i = 0; i <= Math.min(hi, k + 3); i++) {
            p = x * H[at(i, k)] + y * H[at(i, k + 1)];
            if (notlast) {
              p += z * H[at(i, k + 2)];
              H[at(i, k + 2)] -= p * r;
            }
            H[at(i, k)] -= p;
            H[at(i, k + 1)] -= p * q;
          }
        }
      }
    }
  }
  return { re: d, im: e };
}

/** max_j |λ_j| over the eigenvalues of a general real matrix. */
export function spectralRadiusOfMatrix(a: number[][] | Float64Array | DenseMatrix, size?: number): number {
  const { re, im } = generalEigenvalues(a, size);
  let r = 0;
  for (let i = 0; i < re.length; i++) r = Math.max(r, Math.hypot(re[i], im[i]));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Vector helpers (float64, host).

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm2(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** y ← y + α x (in place). */
export function axpy(alpha: number, x: ArrayLike<number>, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x ← α x (in place). */
export function scale(alpha: number, x: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

/**
 * Orthogonalises `v` in place against the orthonormal `basis` by Gram–Schmidt with one
 * re-orthogonalisation pass when the first pass cancelled more than 1 − 1/√2 of the norm (the
 * DGKS criterion — Daniel, Gragg, Kaufman & Stewart 1976; "twice is enough", Giraud et al. 2005),
 * which keeps orthogonality to float64 working precision. `passes: 2` forces the second pass.
 */
export function orthogonalize(v: Float64Array, basis: readonly Float64Array[], passes: 1 | 2 | "auto" = "auto"): void {
  if (!basis.length) return;
  const n0 = passes === "auto" ? norm2(v) : 0;
  for (const q of basis) axpy(-dot(q, v), q, v);
  if (passes === 1) return;
  if (passes === 2 || norm2(v) < Math.SQRT1_2 * n0) {
    for (const q of basis) axpy(-dot(q, v), q, v);
  }
}

/** y = A x for a dense row-major matrix. */
export function matVec(A: DenseMatrix, x: ArrayLike<number>): Float64Array {
  const { n, data } = A;
  if (x.length !== n) throw new Error(`matVec: vector of length ${x.length} for a ${n}×${n} matrix`);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const r = i * n;
    for (let j = 0; j < n; j++) s += data[r + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** Q diag(λ) Qᵀ from eigenvalues and orthonormal eigenvectors (vectors[j] ↔ λ_j). */
export function fromEigen(values: ArrayLike<number>, vectors: readonly ArrayLike<number>[]): DenseMatrix {
  const n = vectors.length ? vectors[0].length : 0;
  const data = new Float64Array(n * n);
  for (let k = 0; k < values.length; k++) {
    const q = vectors[k],
      l = values[k];
    for (let i = 0; i < n; i++) {
      const li = l * q[i];
      for (let j = 0; j < n; j++) data[i * n + j] += li * q[j];
    }
  }
  return { n, data };
}

/**
 * Orthonormal columns spanning the given vectors (modified Gram–Schmidt, twice), dropping vectors
 * that are numerically in the span of the previous ones. The thin-QR "Q" used by Hutch++.
 */
export function orthonormalBasis(vectors: readonly Float64Array[], relTol = 1e-10): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v0 of vectors) {
    const v = Float64Array.from(v0);
    const n0 = norm2(v);
    orthogonalize(v, out);
    const n1 = norm2(v);
    if (n0 > 0 && n1 > relTol * n0) {
      scale(1 / n1, v);
      out.push(v);
    }
  }
  return out;
}

/** A random orthogonal n×n matrix's rows (QR of a Gaussian matrix), for tests and probes. */
export function randomOrthonormal(n: number, k: number, normal: () => number): Float64Array[] {
  const vs: Float64Array[] = [];
  for (let j = 0; j < k; j++) vs.push(Float64Array.from({ length: n }, normal));
  const q = orthonormalBasis(vs);
  if (q.length !== k) throw new Error("randomOrthonormal: degenerate draw");
  return q;
}
