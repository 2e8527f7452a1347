/**
 * Rich output from library code running inside a tslab Jupyter kernel.
 *
 * tslab's public `display` API sends one MIME type per output; a figure needs one output carrying
 * several (Plotly JSON, an HTML fallback, a PNG), so this sends a full display_data bundle through
 * the kernel's own writer (`tslab/dist/jupyter.js`, `lastWriteDisplayData`, set while a cell runs).
 */

/** A Jupyter MIME bundle: MIME type → data (JSON for `+json` types, text or base64 otherwise). */
export type MimeBundle = Record<string, unknown>;

type Writer = (msg: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

interface TslabGlobal {
  require: NodeJS.Require;
}

/** True when running inside a tslab kernel (cells and the modules they import). */
export function inKernel(): boolean {
  return typeof (globalThis as { __tslab__?: unknown }).__tslab__ === "object";
}

function kernelWriter(): Writer | undefined {
  const tslab = (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
  if (!tslab) return undefined;
  const cache = tslab.require.cache as Record<
    string,
    { exports?: { lastWriteDisplayData?: Writer | null } } | undefined
  >;
  for (const [file, mod] of Object.entries(cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file) && typeof mod?.exports?.lastWriteDisplayData === "function") {
      return mod.exports.lastWriteDisplayData;
    }
  }
  return undefined;
}

/**
 * Emits one display_data output with every MIME type of `bundle` (Jupyter picks the richest it can
 * render). Returns false, emitting nothing, outside a running kernel cell.
 */
export function displayBundle(bundle: MimeBundle, metadata: object = {}): boolean {
  const write = kernelWriter();
  if (!write) return false;
  write({ data: bundle, metadata, transient: {} }, false);
  return true;
}
