/**
 * Checked claims: a notebook states a paper's claim and checks it against its own run,
 * `claim("Adam ends at x > 0.97", finalX > 0.97, { finalX })`. In a notebook this shows a pass/fail
 * badge (an output with MIME type `application/vnd.optbook.claim+json` that the report gallery
 * collects); elsewhere it prints one line. A failing claim does not throw: a claim that does not
 * reproduce stays in the notebook, visibly failing.
 */
import { CLAIM_MIME, escapeHtml } from "./mime";
import { displayBundle } from "./plot/display";

export { CLAIM_MIME };

/** True when the environment asks for quick mode (`OPTBOOK_QUICK=1/true/yes`, as in CI and the claims tests). */
export function quickMode(): boolean {
  return (
    typeof process !== "undefined" &&
    ["1", "true", "yes"].includes(String(process.env.OPTBOOK_QUICK ?? "").toLowerCase())
  );
}

/**
 * A claim an experiment module checks on its own results: the statement, whether it held, and the
 * measured numbers behind it (text, or name → value). `report(checks)` states them in a notebook;
 * the claims tests assert `passed`.
 */
export interface ClaimCheck {
  text: string;
  passed: boolean;
  details: string | Record<string, unknown>;
}

export interface ClaimResult {
  statement: string;
  passed: boolean;
  /** the measured numbers, as text, e.g. "finalX = 0.9981" */
  details?: string;
}

const recorded: ClaimResult[] = [];

function formatValue(v: unknown): string {
  if (typeof v === "number")
    return Number.isInteger(v)
      ? String(v)
      : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5
        ? String(+v.toPrecision(5))
        : v.toExponential(4);
  return String(v);
}

/**
 * States a claim and whether this run supports it. `measured` (text or name → value) is printed
 * next to the badge so a reader can see the numbers behind the verdict. Returns nothing (so a
 * notebook cell ending in a claim prints no value); `claims()` lists the results.
 */
export function claim(statement: string, holds: boolean, measured?: string | Record<string, unknown>): void {
  if (typeof statement !== "string" || !statement.trim()) throw new Error("claim needs a statement (non-empty string)");
  if (typeof holds !== "boolean") {
    throw new Error(
      `claim "${statement}": the check must be a boolean (got ${typeof holds}); write e.g. claim("...", x > 0.97)`,
    );
  }
  const details =
    measured === undefined
      ? undefined
      : typeof measured === "string"
        ? measured
        : Object.entries(measured)
            .map(([k, v]) => `${k} = ${formatValue(v)}`)
            .join(", ");
  const result: ClaimResult = { statement, passed: holds, ...(details ? { details } : {}) };
  recorded.push(result);
  const verdict = holds ? "PASS" : "FAIL";
  const text = `${holds ? "✔" : "✘"} claim ${verdict}: ${statement}${details ? ` (${details})` : ""}`;
  const html =
    `<div class="claim" style="border:1px solid ${holds ? "#1a7f37" : "#cf222e"};border-radius:6px;padding:6px 10px;margin:4px 0">` +
    `<span class="badge ${holds ? "pass" : "fail"}" style="display:inline-block;border-radius:6px;padding:1px 8px;font-weight:600;color:#fff;background:${holds ? "#1a7f37" : "#cf222e"}">${verdict}</span> ` +
    `${escapeHtml(statement)}${details ? ` <span style="color:#59636e">(${escapeHtml(details)})</span>` : ""}</div>`;
  if (!displayBundle({ [CLAIM_MIME]: result, "text/html": html, "text/plain": text })) console.log(text);
}

/** Every claim checked so far in this process (a notebook's kernel), in order. */
export function claims(): readonly ClaimResult[] {
  return recorded.slice();
}

/** Forgets the recorded claims. */
export function resetClaims(): void {
  recorded.length = 0;
}

/** States every check with `claim(text, passed, details)`, in order. */
export function report(checks: readonly ClaimCheck[]): void {
  for (const c of checks) claim(c.text, c.passed, c.details);
}
