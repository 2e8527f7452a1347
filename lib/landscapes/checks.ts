/** Argument checks the landscape factories share (matrices, vectors, integer sizes). */
/** Throws unless `a` is a rows×cols matrix of finite numbers. */
export function assertMatrix(a: readonly (readonly number[])[], what: string, rows?: number, cols?: number): void {
  if (!Array.isArray(a) || a.length === 0 || !Array.isArray(a[0]))
    throw new Error(`${what}: expected a non-empty matrix (array of rows)`);
  const c = a[0].length;
  if (a.some((r) => !Array.isArray(r) || r.length !== c)) throw new Error(`${what}: rows have different lengths`);
  if (rows !== undefined && a.length !== rows) throw new Error(`${what}: expected ${rows} rows, got ${a.length}`);
  if (cols !== undefined && c !== cols) throw new Error(`${what}: expected ${cols} columns, got ${c}`);
  if (a.some((r) => r.some((x: number) => !Number.isFinite(x))))
    throw new Error(`${what}: entries must be finite numbers`);
}

/** Throws unless `v` is a non-empty vector of finite numbers (of length `n`, if given). */
export function assertVector(v: ArrayLike<number>, what: string, n?: number): void {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`${what}: expected an array of numbers`);
  if (v.length === 0) throw new Error(`${what}: must not be empty`);
  if (n !== undefined && v.length !== n) throw new Error(`${what}: expected length ${n}, got ${v.length}`);
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i])) throw new Error(`${what}: entries must be finite numbers, got ${v[i]}`);
}

/** Throws unless `n` is an integer ≥ `min`. */
export function assertInt(n: number, what: string, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${n}`);
}
