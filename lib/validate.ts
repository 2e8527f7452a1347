/**
 * One place for the checks every public factory makes on its input: option objects (unknown or
 * typo'd keys), integers and ranges. Each check throws one `Error` whose message names the owner,
 * the option and the offending value, e.g.
 * `adam: unknown option "lrr" (did you mean "lr"?); known: lr, b1, b2, eps`.
 */

/** The closest known name to `key` by edit distance, when it is close enough to be a typo. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** Edit distance with adjacent transpositions (optimal string alignment): each insertion, deletion,
 * substitution or swap of two neighbours costs 1, so "mena" is one edit from "mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The message for an unknown key, with a "did you mean" when one known name is close. */
export function unknownOptionMessage(owner: string, key: string, known: readonly string[], what = "option"): string {
  const near = closestName(key, known);
  return `${owner}: unknown ${what} "${key}"${near ? ` (did you mean "${near}"?)` : ""}; known: ${known.join(", ") || "(none)"}`;
}

/**
 * Throws if `options` is not a plain object (when given) or has a key outside `known`.
 * `undefined` is accepted (no options); keys whose value is `undefined` are still checked.
 */
export function checkOptions(owner: string, options: unknown, known: readonly string[], what = "option"): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(
      `${owner}: options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`,
    );
  }
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new Error(unknownOptionMessage(owner, k, known, what));
}

export interface IntegerBounds {
  /** smallest allowed value (default 0) */
  min?: number;
  /** largest allowed value (default Number.MAX_SAFE_INTEGER) */
  max?: number;
}

/** Throws unless `v` is a safe integer in [min, max]; returns it (typed as number). */
export function checkInteger(owner: string, name: string, v: unknown, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new Error(`${owner}: ${name} must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) {
    throw new Error(
      `${owner}: ${name} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "∞" : max}], got ${v}`,
    );
  }
  return v;
}

export interface RangeBounds {
  /** lower bound (default −∞) */
  min?: number;
  /** upper bound (default +∞) */
  max?: number;
  /** exclude the lower bound */
  minExclusive?: boolean;
  /** exclude the upper bound */
  maxExclusive?: boolean;
  /** allow ±∞ when inside the bounds (default false: the value must be finite) */
  allowInfinite?: boolean;
}

/** Throws unless `v` is a number (not NaN, finite unless allowed) inside the bounds; returns it. */
export function checkNumber(owner: string, name: string, v: unknown, bounds: RangeBounds = {}): number {
  if (typeof v !== "number" || Number.isNaN(v))
    throw new Error(`${owner}: ${name} must be a number, got ${describe(v)}`);
  if (!bounds.allowInfinite && !Number.isFinite(v)) throw new Error(`${owner}: ${name} must be finite, got ${v}`);
  const { min = -Infinity, max = Infinity } = bounds;
  const lowOk = bounds.minExclusive ? v > min : v >= min;
  const highOk = bounds.maxExclusive ? v < max : v <= max;
  if (!lowOk || !highOk) {
    const interval = `${bounds.minExclusive ? "(" : "["}${min}, ${max}${bounds.maxExclusive ? ")" : "]"}`;
    throw new Error(`${owner}: ${name} must lie in ${interval.replace("Infinity", "∞")}, got ${v}`);
  }
  return v;
}

/** Throws unless `v` is one of `choices`. */
export function checkChoice<C extends string>(owner: string, name: string, v: unknown, choices: readonly C[]): C {
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    const near = typeof v === "string" ? closestName(v, choices) : undefined;
    throw new Error(
      `${owner}: ${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${describe(v)}${near ? ` (did you mean "${near}"?)` : ""}`,
    );
  }
  return v as C;
}

function describe(v: unknown): string {
  if (typeof v === "string") return `"${v}"`;
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return String(v);
}
