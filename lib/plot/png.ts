/**
 * Static PNGs of Plotly figures through a headless Chromium (Debian's `chromium`, driven by
 * playwright-core), for reports and viewers that run no JavaScript (GitHub's notebook view).
 * Optional: without Chromium or playwright-core, `renderPng` resolves to undefined.
 *
 * One browser page with plotly.js loaded is kept between calls and closed after `idleMs` without
 * use (or by `closePngRenderer()`), so a notebook with many figures pays the start-up once.
 */
import fs from "node:fs";
import { createRequire } from "node:module";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/**
 * The Chromium executable used for PNGs: `OPTBOOK_CHROMIUM` if set (set it to "0" to disable PNGs),
 * else the first of /usr/bin/chromium, chromium-browser, google-chrome(-stable) that exists.
 */
export function chromiumPath(): string | undefined {
  const env = process.env.OPTBOOK_CHROMIUM;
  if (env === "0" || env === "false") return undefined;
  if (env) {
    if (!fs.existsSync(env)) throw new Error(`OPTBOOK_CHROMIUM=${env} does not exist`);
    return env;
  }
  return CANDIDATES.find((p) => fs.existsSync(p));
}

/** Flags for a headless Chromium on a server (no sandbox when running as root, no GPU, no network services). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  ...(typeof process.getuid === "function" && process.getuid() === 0 ? ["--no-sandbox"] : []),
];

interface PageLike {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  addScriptTag(o: { path: string }): Promise<unknown>;
  setContent(html: string): Promise<void>;
}
interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
}

let session: Promise<{ browser: BrowserLike; page: PageLike }> | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

let playwrightMissing = false;

async function openSession(executablePath: string): Promise<{ browser: BrowserLike; page: PageLike }> {
  let chromium: { launch(o: object): Promise<BrowserLike> };
  try {
    ({ chromium } = (await import("playwright-core")) as unknown as { chromium: typeof chromium });
  } catch (e) {
    playwrightMissing = true; // optional dependency: no PNGs without it
    throw e;
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  await page.setContent("<!doctype html><html><body></body></html>");
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve("plotly.js-dist-min/plotly.min.js") });
  return { browser, page };
}

/** Closes the shared headless browser (scripts and tests call this before exiting). */
export async function closePngRenderer(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const s = session;
  session = undefined;
  if (s) await (await s.catch(() => undefined))?.browser.close().catch(() => {});
}

/**
 * Renders `figure` to a PNG (base64, no data-URL prefix) with Plotly.toImage, or resolves to
 * undefined when no Chromium (or no playwright-core package) is available. Throws if Plotly itself rejects the figure.
 */
export async function renderPng(
  figure: { data: unknown[]; layout?: object },
  opts: { width?: number; height?: number; scale?: number; idleMs?: number } = {},
): Promise<string | undefined> {
  const exe = chromiumPath();
  if (!exe || playwrightMissing) return undefined;
  if (idleTimer) clearTimeout(idleTimer);
  session ??= openSession(exe);
  let s: { browser: BrowserLike; page: PageLike };
  try {
    s = await session;
  } catch (e) {
    session = undefined;
    if (playwrightMissing) return undefined;
    throw new Error(`could not start headless Chromium at ${exe} for figure PNGs: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const layout = (figure.layout ?? {}) as { width?: number; height?: number };
    const width = opts.width ?? layout.width ?? 800;
    const height = opts.height ?? layout.height ?? 450;
    const url = await s.page.evaluate(
      async (a: { fig: { data: unknown[]; layout?: object }; width: number; height: number; scale: number }) => {
        const P = (globalThis as unknown as { Plotly: { toImage(f: object, o: object): Promise<string> } }).Plotly;
        return P.toImage(
          { data: a.fig.data, layout: { ...(a.fig.layout ?? {}), width: a.width, height: a.height } },
          { format: "png", width: a.width, height: a.height, scale: a.scale },
        );
      },
      { fig: figure, width, height, scale: opts.scale ?? 1 },
    );
    return url.replace(/^data:image\/png;base64,/, "");
  } finally {
    idleTimer = setTimeout(() => void closePngRenderer(), opts.idleMs ?? 30_000);
  }
}
