/**
 * Executed notebook → self-contained HTML report. Markdown by marked, math by KaTeX (fonts inlined
 * as data URLs), code by highlight.js, ANSI-coloured streams by ansi_up, Plotly figures drawn by
 * plotly.js inlined once per page from node_modules (no CDN), with the static PNG (when the kernel
 * made one) as a <noscript> fallback.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { AnsiUp } from "ansi_up";
import hljs from "highlight.js";
import katex from "katex";
import { Marked, type TokenizerAndRendererExtension } from "marked";
import { markedHighlight } from "marked-highlight";
import type { Output } from "./kernel";
import { source, type Cell, type Notebook } from "./notebook";
import { CLAIM_MIME, escapeHtml, PLOTLY_MIME } from "../../lib/mime";

const require = createRequire(import.meta.url);
export { CLAIM_MIME, escapeHtml, PLOTLY_MIME };

/** JSON that is safe inside a <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function renderMath(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, throwOnError: false, output: "html", strict: false });
}

/** `$$…$$` / `\[…\]` display math and `$…$` / `\(…\)` inline math for marked (rendering is KaTeX's). */
const mathExtensions: TokenizerAndRendererExtension[] = [
  {
    name: "blockMath",
    level: "block",
    start: (src) => src.match(/\$\$|\\\[/)?.index,
    tokenizer(src) {
      const m = /^(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n|$)/.exec(src);
      if (m) return { type: "blockMath", raw: m[0], text: (m[1] ?? m[2]).trim() };
      return undefined;
    },
    renderer: (t) => `<div class="math-display">${renderMath(t.text, true)}</div>\n`,
  },
  {
    name: "inlineMath",
    level: "inline",
    start: (src) => src.match(/\$|\\\(/)?.index,
    tokenizer(src) {
      const m = /^(?:\$\$([^$]+?)\$\$|\$(?![\s$])((?:\\.|[^\\$\n])+?)(?<!\s)\$(?!\d)|\\\(([\s\S]+?)\\\))/.exec(src);
      if (m) return { type: "inlineMath", raw: m[0], text: m[1] ?? m[2] ?? m[3], display: m[1] !== undefined };
      return undefined;
    },
    renderer: (t) => renderMath(t.text, Boolean((t as { display?: boolean }).display)),
  },
];

function highlight(code: string, lang: string): string {
  const language = hljs.getLanguage(lang) ? lang : "plaintext";
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

const marked = new Marked(markedHighlight({ emptyLangClass: "hljs", langPrefix: "hljs language-", highlight }), {
  extensions: mathExtensions,
  gfm: true,
});

export function markdownToHtml(md: string): string {
  return marked.parse(md, { async: false }) as string;
}
export function markdownInline(md: string): string {
  return marked.parseInline(md, { async: false }) as string;
}

let cssCache: string | undefined;
/** Page, highlight.js and KaTeX styles; KaTeX's woff2 fonts become data URLs. */
export function pageCss(): string {
  if (cssCache) return cssCache;
  const katexDir = path.dirname(require.resolve("katex/dist/katex.min.css"));
  const katexCss = fs
    .readFileSync(path.join(katexDir, "katex.min.css"), "utf8")
    .replace(
      /src:\s*url\(fonts\/([^)]+?\.woff2)\)\s*format\("woff2"\)[^;}]*/g,
      (_m, f: string) =>
        `src:url(data:font/woff2;base64,${fs.readFileSync(path.join(katexDir, "fonts", f)).toString("base64")}) format("woff2")`,
    );
  const hl = fs.readFileSync(require.resolve("highlight.js/styles/github.min.css"), "utf8");
  cssCache = `${BASE_CSS}\n${hl}\n${katexCss}`;
  return cssCache;
}

let plotlyCache: string | undefined;
export function plotlyJs(): string {
  plotlyCache ??= fs.readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  return plotlyCache;
}

const BASE_CSS = `
:root { --fg:#1f2328; --muted:#59636e; --border:#d1d9e0; --bg-code:#f6f8fa; --ok:#1a7f37; --bad:#cf222e; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--fg); background:#fff; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 80px; }
a { color:#0969da; }
header.report { border-bottom:1px solid var(--border); margin-bottom:24px; padding-bottom:12px; }
header.report .meta { color:var(--muted); font-size:14px; }
.cell { margin: 14px 0; }
.cell.code .source { background:var(--bg-code); border:1px solid var(--border); border-radius:6px; padding:10px 12px; overflow-x:auto; margin:0; font-size:13.5px; }
.cell .prompt { color:var(--muted); font: 12px ui-monospace, monospace; margin-bottom:2px; }
.output { margin:6px 0 0; overflow-x:auto; }
.output pre { margin:0; padding:6px 12px; font-size:13px; white-space:pre-wrap; word-break:break-word; }
.output.stderr pre, .output.error pre { background:#fff0f0; color:#82071e; }
.output img { max-width:100%; }
.plotly-figure { width:100%; min-height:420px; }
.math-display { overflow-x:auto; }
table { border-collapse:collapse; } th, td { border:1px solid var(--border); padding:4px 8px; }
.badge { display:inline-block; border-radius:6px; padding:2px 8px; font-weight:600; font-size:13px; color:#fff; }
.badge.pass { background:var(--ok); } .badge.fail { background:var(--bad); }
.claim { border:1px solid var(--border); border-radius:6px; padding:8px 12px; margin:4px 0; }
.gallery { display:grid; grid-template-columns:repeat(auto-fill,minmax(300px,1fr)); gap:18px; }
.card { border:1px solid var(--border); border-radius:8px; overflow:hidden; display:flex; flex-direction:column; }
.card .thumb { display:block; aspect-ratio: 16/10; background:#f6f8fa; }
.card .thumb img { width:100%; height:100%; object-fit:contain; }
.card .thumb .none { display:flex; height:100%; align-items:center; justify-content:center; color:var(--muted); font-size:40px; }
.card .body { padding:10px 14px 14px; font-size:14px; }
.card h2 { font-size:17px; margin:2px 0 6px; }
.card ul { padding-left:18px; margin:4px 0; }
.card .meta { color:var(--muted); font-size:13px; }
.card.failed { border-color: var(--bad); }
.status-failed { color:var(--bad); font-weight:600; }
`;

export interface ReportInfo {
  name: string;
  title: string;
  papers: string[];
  seconds: number;
  backend: string;
  quick: boolean;
  finishedAt: string;
  claims: { statement: string; passed: boolean; details?: string }[];
}

function renderOutput(o: Output, ctx: { figures: number }): string {
  if (o.output_type === "stream") {
    const text = Array.isArray(o.text) ? (o.text as string[]).join("") : o.text;
    const html = new AnsiUp().ansi_to_html(text);
    return `<div class="output ${o.name}"><pre>${html}</pre></div>`;
  }
  if (o.output_type === "error") {
    const tb = new AnsiUp().ansi_to_html([`${o.ename}: ${o.evalue}`, ...(o.traceback ?? [])].join("\n"));
    return `<div class="output error"><pre>${tb}</pre></div>`;
  }
  const d = o.data as Record<string, any>;
  const txt = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v));
  if (d[PLOTLY_MIME]) {
    const fig = d[PLOTLY_MIME] as { data?: unknown[]; layout?: object; config?: object };
    const id = `fig-${++ctx.figures}`;
    const png = d["image/png"]
      ? `<noscript><img alt="figure" src="data:image/png;base64,${txt(d["image/png"]).trim()}"></noscript>`
      : "";
    const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
    return (
      `<div class="output plotly"><div id="${id}" class="plotly-figure"></div>${png}` +
      `<script>Plotly.newPlot(${JSON.stringify(id)}, ${scriptJson(fig.data ?? [])}, ${scriptJson(fig.layout ?? {})}, ${scriptJson(config)});</script></div>`
    );
  }
  if (d[CLAIM_MIME] && d["text/html"]) return `<div class="output claim-output">${txt(d["text/html"])}</div>`;
  if (d["text/html"]) return `<div class="output html">${txt(d["text/html"])}</div>`;
  if (d["image/svg+xml"]) return `<div class="output svg">${txt(d["image/svg+xml"])}</div>`;
  if (d["image/png"])
    return `<div class="output png"><img alt="output" src="data:image/png;base64,${txt(d["image/png"]).trim()}"></div>`;
  if (d["image/jpeg"])
    return `<div class="output jpeg"><img alt="output" src="data:image/jpeg;base64,${txt(d["image/jpeg"]).trim()}"></div>`;
  if (d["text/markdown"]) return `<div class="output markdown">${markdownToHtml(txt(d["text/markdown"]))}</div>`;
  if (d["text/latex"])
    return `<div class="output latex">${renderMath(txt(d["text/latex"]).replace(/^\$+|\$+$/g, ""), true)}</div>`;
  if (d["text/plain"] !== undefined)
    return `<div class="output text"><pre>${escapeHtml(txt(d["text/plain"]))}</pre></div>`;
  return "";
}

function renderCell(c: Cell, ctx: { figures: number }): string {
  const src = source(c);
  if (c.cell_type === "markdown") {
    let md = src;
    for (const [name, bundle] of Object.entries(c.attachments ?? {})) {
      const [mime, b64] = Object.entries(bundle)[0] ?? [];
      if (mime) md = md.split(`attachment:${name}`).join(`data:${mime};base64,${b64}`);
    }
    return `<section class="cell markdown">${markdownToHtml(md)}</section>`;
  }
  if (c.cell_type === "raw") return `<section class="cell raw"><pre>${escapeHtml(src)}</pre></section>`;
  const prompt = c.execution_count != null ? `[${c.execution_count}]` : "[ ]";
  const outs = (c.outputs ?? []).map((o) => renderOutput(o, ctx)).join("\n");
  return (
    `<section class="cell code"><div class="prompt">In ${prompt}</div>` +
    `<pre class="source"><code class="hljs language-typescript">${highlight(src, "typescript")}</code></pre>${outs}</section>`
  );
}

export function hasPlotly(nb: Notebook): boolean {
  return nb.cells.some((c) => (c.outputs ?? []).some((o) => "data" in o && (o.data as object)[PLOTLY_MIME as never]));
}

/** The whole report page for one executed notebook. */
export function renderReport(nb: Notebook, info: ReportInfo): string {
  const ctx = { figures: 0 };
  const body = nb.cells.map((c) => renderCell(c, ctx)).join("\n");
  const passed = info.claims.filter((c) => c.passed).length;
  const claims = info.claims.length
    ? ` · claims <span class="badge ${passed === info.claims.length ? "pass" : "fail"}">${passed}/${info.claims.length} pass</span>`
    : "";
  const plotly = hasPlotly(nb) ? `<script>${plotlyJs()}</script>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} — optbook</title>
<style>${pageCss()}</style>
${plotly}
</head><body><main>
<header class="report"><a href="index.html">← all notebooks</a>
<div class="meta">${escapeHtml(info.name)}.ipynb · ran ${escapeHtml(info.finishedAt)} in ${info.seconds.toFixed(1)} s · backend ${escapeHtml(info.backend)}${info.quick ? " · quick mode" : ""}${claims}</div>
</header>
${body}
</main></body></html>
`;
}

export interface GalleryEntry extends ReportInfo {
  /** base64 PNG thumbnail */
  thumbnail?: string;
  /** set when the latest run failed (the report shown is the last good one, if any) */
  lastFailure?: { finishedAt: string; cell: number; error: string };
  hasReport: boolean;
}

export function renderGallery(entries: GalleryEntry[]): string {
  const cards = entries
    .map((e) => {
      const passed = e.claims.filter((c) => c.passed).length;
      const claimList = e.claims
        .map(
          (c) =>
            `<li><span class="badge ${c.passed ? "pass" : "fail"}">${c.passed ? "pass" : "fail"}</span> ${escapeHtml(c.statement)}</li>`,
        )
        .join("");
      const thumb = e.thumbnail
        ? `<img alt="" src="data:image/png;base64,${e.thumbnail}">`
        : `<div class="none">${escapeHtml(e.name.slice(0, 2))}</div>`;
      const link = e.hasReport ? `${encodeURI(e.name)}.html` : undefined;
      const fail = e.lastFailure
        ? `<p class="status-failed">Last run failed (${escapeHtml(e.lastFailure.finishedAt)}, cell ${e.lastFailure.cell}): ${escapeHtml(e.lastFailure.error.split("\n")[0].slice(0, 200))}${e.hasReport ? " — showing the last good report" : ""}</p>`
        : "";
      return `<article class="card${e.lastFailure ? " failed" : ""}" data-notebook="${escapeHtml(e.name)}">
<a class="thumb" ${link ? `href="${link}"` : ""}>${thumb}</a>
<div class="body">
<h2>${link ? `<a href="${link}">${escapeHtml(e.title)}</a>` : escapeHtml(e.title)}</h2>
${fail}
${e.papers.length ? `<ul class="papers">${e.papers.map((p) => `<li>${markdownInline(p)}</li>`).join("")}</ul>` : ""}
${e.claims.length ? `<p>Claims: <span class="badge ${passed === e.claims.length ? "pass" : "fail"}">${passed}/${e.claims.length} pass</span></p><ul class="claims">${claimList}</ul>` : '<p class="meta">no checked claims</p>'}
<p class="meta">${e.hasReport ? `ran ${escapeHtml(e.finishedAt)} · ${e.seconds.toFixed(1)} s · ${escapeHtml(e.backend)}${e.quick ? " · quick" : ""}` : "no successful run yet"}</p>
</div></article>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>optbook — notebook reports</title>
<style>${pageCss()}</style>
</head><body><main>
<header class="report"><h1>optbook notebooks</h1>
<div class="meta">${entries.length} notebook${entries.length === 1 ? "" : "s"} · generated ${escapeHtml(new Date().toISOString())} by <code>npm run reports</code></div></header>
<div class="gallery">
${cards}
</div>
</main></body></html>
`;
}
