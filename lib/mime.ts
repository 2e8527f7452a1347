/**
 * The MIME types optbook's notebook outputs carry (a Plotly figure, a checked claim) and the HTML
 * escaping the badges, figure fallbacks and reports share. Dependency-free, so scripts/ can import it.
 */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
export const CLAIM_MIME = "application/vnd.optbook.claim+json";

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
