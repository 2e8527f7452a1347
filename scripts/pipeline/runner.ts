/**
 * Headless notebook runner: executes notebooks cell by cell on the project's tslab kernel over the
 * Jupyter messaging protocol (no Python), prints progress, and writes reports atomically.
 *
 * Per notebook, on success: `<out>/<name>.html` (report), `<out>/<name>.ipynb` (executed notebook,
 * with outputs), `<out>/<name>.json` (gallery summary); `<out>/<name>.failed.json` is removed.
 * On failure (cell error, timeout, kernel death): only `<out>/<name>.failed.json` is written; the
 * last good report stays. `<out>/index.html` is rebuilt from all summaries after every run.
 */
import fs from "node:fs";
import path from "node:path";
import { Kernel, type Output } from "./kernel";
import ks from "./kernelspec.cjs";
import { notebookInfo, readNotebook, source, toLines, writeAtomic, type Notebook } from "./notebook";
import { CLAIM_MIME, PLOTLY_MIME, renderGallery, renderReport, type GalleryEntry, type ReportInfo } from "./render";

export interface RunOptions {
  notebooks: string[];
  outDir: string;
  quick: boolean;
  /** per cell, seconds */
  cellTimeout: number;
  /** extra environment for the kernel */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface NotebookResult {
  name: string;
  ok: boolean;
  seconds: number;
  failedCell?: number;
  error?: string;
}

/** The line of an error text that names the error ("Error: expected 42, got 41"), else its first line. */
export function errorSummary(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /^(\w*Error|\w+Exception)\b|^\d+:\d+ - /.test(l)) ?? lines[0] ?? "").slice(0, 300);
}

const firstLine = (s: string) => (s.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 60);
const indent = (s: string, pad = "    ") =>
  s
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => pad + l)
    .join("\n");

/** Resolves "00-tour", "00-tour.ipynb" or a path to a notebook file. */
export function resolveNotebooks(names: string[], dir: string): string[] {
  if (names.length === 0) {
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ipynb"))
      .sort()
      .map((f) => path.join(dir, f));
  }
  return names.map((n) => {
    for (const cand of [n, `${n}.ipynb`, path.join(dir, n), path.join(dir, `${n}.ipynb`)]) {
      if (fs.existsSync(cand) && fs.statSync(cand).isFile()) return path.resolve(cand);
    }
    throw new Error(`no notebook named ${JSON.stringify(n)} (looked in ${dir})`);
  });
}

function claimsOf(nb: Notebook): ReportInfo["claims"] {
  const out: ReportInfo["claims"] = [];
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      if ("data" in o && o.data[CLAIM_MIME]) {
        const v = o.data[CLAIM_MIME] as { statement: string; passed: boolean; details?: string };
        out.push({ statement: String(v.statement), passed: Boolean(v.passed), details: v.details });
      }
    }
  }
  return out;
}

function backendOf(nb: Notebook): string {
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      if (o.output_type === "stream") {
        const m = /optbook backend: (\S+)/.exec(o.text);
        if (m) return m[1];
      }
    }
  }
  return "unknown";
}

function thumbnailOf(nb: Notebook): string | undefined {
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      if ("data" in o && o.data[PLOTLY_MIME] && o.data["image/png"]) return String(o.data["image/png"]).trim();
    }
  }
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) if ("data" in o && o.data["image/png"]) return String(o.data["image/png"]).trim();
  }
  return undefined;
}

/** Outputs in nbformat's on-disk form (multi-line strings as line lists). */
function storedOutput(o: Output): Output {
  if (o.output_type === "stream") return { ...o, text: toLines(o.text) as unknown as string };
  if (o.output_type === "error") return o;
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.data)) {
    data[k] = typeof v === "string" && (k.startsWith("text/") || k === "image/svg+xml") ? toLines(v) : v;
  }
  const { transient: _t, ...rest } = o as Output & { transient?: unknown };
  return { ...rest, data } as Output;
}

export function rebuildGallery(outDir: string): void {
  const entries: GalleryEntry[] = [];
  const names = new Set(
    fs.existsSync(outDir)
      ? fs
          .readdirSync(outDir)
          .filter((f) => f.endsWith(".json"))
          .map((f) => f.replace(/(\.failed)?\.json$/, ""))
      : [],
  );
  for (const name of [...names].sort()) {
    const okFile = path.join(outDir, `${name}.json`);
    const failFile = path.join(outDir, `${name}.failed.json`);
    const ok = fs.existsSync(okFile) ? (JSON.parse(fs.readFileSync(okFile, "utf8")) as GalleryEntry) : undefined;
    const fail = fs.existsSync(failFile) ? JSON.parse(fs.readFileSync(failFile, "utf8")) : undefined;
    const base: GalleryEntry = ok ?? {
      name,
      title: fail?.title ?? name,
      papers: fail?.papers ?? [],
      seconds: 0,
      backend: "",
      quick: false,
      finishedAt: "",
      claims: [],
      hasReport: false,
    };
    entries.push({
      ...base,
      hasReport: Boolean(ok) && fs.existsSync(path.join(outDir, `${name}.html`)),
      lastFailure: fail,
    });
  }
  writeAtomic(path.join(outDir, "index.html"), renderGallery(entries));
}

async function startKernel(opts: RunOptions): Promise<Kernel> {
  const spec = JSON.parse(fs.readFileSync(ks.ensureKernel({ quiet: true }), "utf8"));
  const env: Record<string, string> = { ...spec.env, ...(opts.env ?? {}) };
  if (opts.quick) env.OPTBOOK_QUICK = "1";
  // ensureKernel just refreshed the typings; the preload need not check again.
  env.OPTBOOK_KERNEL_TYPINGS_FRESH = "1";
  return Kernel.start({ argv: spec.argv, env, cwd: ks.ROOT, runtimeDir: path.join(ks.JUPYTER_DIR, "runtime") });
}

/** Runs one notebook to completion or to its first failing cell. */
export async function runNotebook(file: string, opts: RunOptions): Promise<NotebookResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  const name = path.basename(file, ".ipynb");
  const t0 = Date.now();
  const nb = readNotebook(file);
  const { title, papers } = notebookInfo(nb, name);
  const codeCells = nb.cells.filter((c) => c.cell_type === "code");
  const fail = (cell: number, error: string): NotebookResult => {
    const seconds = (Date.now() - t0) / 1000;
    writeAtomic(
      path.join(opts.outDir, `${name}.failed.json`),
      JSON.stringify(
        {
          title,
          papers,
          finishedAt: new Date().toISOString(),
          cell,
          error,
          seconds,
        },
        null,
        2,
      ),
    );
    return { name, ok: false, seconds, failedCell: cell, error };
  };

  let kernel: Kernel;
  try {
    kernel = await startKernel(opts);
  } catch (e) {
    log(`  ✗ kernel failed to start: ${(e as Error).message}`);
    return fail(0, `kernel failed to start: ${(e as Error).message}`);
  }
  let n = 0;
  try {
    for (const cell of nb.cells) {
      if (cell.cell_type !== "code") continue;
      n++;
      const src = source(cell);
      cell.outputs = [];
      cell.execution_count = null;
      if (!src.trim()) continue;
      const tc = Date.now();
      // A heartbeat line for long cells, so a slow notebook does not look hung.
      const beat = setInterval(
        () => log(`  … cell ${n}/${codeCells.length} running (${Math.round((Date.now() - tc) / 1000)} s)`),
        30_000,
      );
      const r = await kernel.execute(src, opts.cellTimeout * 1000).finally(() => clearInterval(beat));
      cell.outputs = r.outputs.map(storedOutput);
      cell.execution_count = r.executionCount;
      const secs = ((Date.now() - tc) / 1000).toFixed(1);
      if (r.status === "ok") {
        log(`  ✓ cell ${n}/${codeCells.length} (${secs} s) ${firstLine(src)}`);
        continue;
      }
      const what = r.status === "timeout" ? "timed out" : r.status === "died" ? "crashed the kernel" : "failed";
      log(`  ✗ cell ${n}/${codeCells.length} ${what} after ${secs} s`);
      log(`  --- source of cell ${n} ---\n${indent(src)}`);
      log(`  --- error ---\n${indent(r.errorText ?? "(no error text)")}`);
      if (r.status === "timeout") {
        kernel.interrupt();
        await new Promise((res) => setTimeout(res, 1000));
        kernel.kill();
        log("  kernel interrupted and stopped; the next notebook gets a fresh kernel");
      }
      if (r.status === "died") log("  the next notebook gets a fresh kernel");
      return fail(n, `${what}: ${errorSummary(r.errorText ?? "")}\n${r.errorText ?? ""}`.trim());
    }
  } finally {
    await kernel.shutdown().catch(() => kernel.kill());
  }

  const seconds = (Date.now() - t0) / 1000;
  const info: ReportInfo = {
    name,
    title,
    papers,
    seconds,
    backend: backendOf(nb),
    quick: opts.quick,
    finishedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    claims: claimsOf(nb),
  };
  nb.metadata.optbook = {
    ...(nb.metadata.optbook ?? {}),
    lastRun: { finishedAt: info.finishedAt, seconds, backend: info.backend, quick: opts.quick },
  };
  // Render everything first, then move files into place, so a rendering error leaves the last good report.
  const html = renderReport(nb, info);
  const summary: GalleryEntry = { ...info, thumbnail: thumbnailOf(nb), hasReport: true };
  writeAtomic(path.join(opts.outDir, `${name}.ipynb`), JSON.stringify(nb, null, 1) + "\n");
  writeAtomic(path.join(opts.outDir, `${name}.html`), html);
  writeAtomic(path.join(opts.outDir, `${name}.json`), JSON.stringify(summary));
  fs.rmSync(path.join(opts.outDir, `${name}.failed.json`), { force: true });
  const passed = info.claims.filter((c) => c.passed).length;
  log(
    `  ✓ ${name}: ${codeCells.length} cells in ${seconds.toFixed(1)} s` +
      (info.claims.length ? `, claims ${passed}/${info.claims.length} pass` : "") +
      ` → ${path.relative(process.cwd(), path.join(opts.outDir, `${name}.html`)) || name + ".html"}`,
  );
  return { name, ok: true, seconds };
}

/** Runs every notebook (a failure does not stop the others) and rebuilds the gallery. */
export async function runNotebooks(opts: RunOptions): Promise<NotebookResult[]> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  fs.mkdirSync(opts.outDir, { recursive: true });
  const results: NotebookResult[] = [];
  for (const [i, file] of opts.notebooks.entries()) {
    log(
      `[${i + 1}/${opts.notebooks.length}] ${path.relative(process.cwd(), file) || file}${opts.quick ? " (quick)" : ""}`,
    );
    try {
      results.push(await runNotebook(file, opts));
    } catch (e) {
      const name = path.basename(file, ".ipynb");
      log(`  ✗ ${name}: ${(e as Error).message}`);
      results.push({ name, ok: false, seconds: 0, error: (e as Error).message });
    }
  }
  rebuildGallery(opts.outDir);
  const bad = results.filter((r) => !r.ok);
  log(
    `${results.length - bad.length}/${results.length} notebooks ok → ${path.join(path.relative(process.cwd(), opts.outDir) || ".", "index.html")}`,
  );
  for (const b of bad)
    log(`  FAILED ${b.name}${b.failedCell ? ` (cell ${b.failedCell})` : ""}: ${errorSummary(b.error ?? "")}`);
  return results;
}
