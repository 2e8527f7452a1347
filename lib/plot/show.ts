/**
 * `await show(fig)`: one notebook output per figure carrying the Plotly MIME bundle
 * (`application/vnd.plotly.v1+json`, drawn interactively by JupyterLab's plotly extension and by
 * the reports), a static PNG when a headless Chromium is available, an HTML fallback (the PNG, or
 * the figure drawn by a page-level Plotly when one is loaded), and a text summary.
 */
import { displayBundle, inKernel, type MimeBundle } from "./display";
import type { Figure } from "./figure";
import { renderPng } from "./png";

import { escapeHtml, PLOTLY_MIME } from "../mime";

export { PLOTLY_MIME };

let figureCounter = 0;

function titleOf(fig: Figure): string {
  const t = fig.layout?.title as { text?: string } | string | undefined;
  return (typeof t === "string" ? t : t?.text) ?? "";
}

function checkFigure(fig: Figure): void {
  if (!fig || typeof fig !== "object" || !Array.isArray(fig.data)) {
    throw new Error("show(fig) expects a Plotly figure { data: [...], layout: {...} } (e.g. from lineChart)");
  }
}

/**
 * The MIME bundle for a figure. `png` (base64) is added as `image/png` and used as the HTML
 * fallback; without it the fallback draws the figure only if the page already has `window.Plotly`.
 */
export function figureBundle(fig: Figure, png?: string): MimeBundle {
  checkFigure(fig);
  const json = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout ?? {}, config: fig.config ?? {} }));
  const title = titleOf(fig);
  const id = `optbook-fig-${Date.now().toString(36)}-${++figureCounter}`;
  const spec = JSON.stringify(json).replace(/</g, "\\u003c");
  const html = png
    ? `<img alt="${escapeHtml(title || "figure")}" src="data:image/png;base64,${png}" style="max-width:100%">`
    : `<div id="${id}" class="optbook-figure" style="min-height:420px">` +
      `<p style="color:#666">Plotly figure${title ? ` “${escapeHtml(title)}”` : ""}: install JupyterLab's plotly extension (<code>pip install plotly</code>) to see it here, or open the HTML report.</p></div>` +
      `<script>(function(){var f=${spec};var el=document.getElementById(${JSON.stringify(id)});` +
      `if(window.Plotly&&el){el.innerHTML="";window.Plotly.newPlot(el,f.data,f.layout,f.config);}})();</script>`;
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: json,
    "text/html": html,
    "text/plain": `<Figure${title ? ` "${title}"` : ""}: ${fig.data.length} trace${fig.data.length === 1 ? "" : "s"}>`,
  };
  if (png) bundle["image/png"] = png;
  return bundle;
}

/**
 * Shows a figure. In a notebook it emits a single display output (see `figureBundle`), adding a
 * PNG unless `{ png: false }` or no Chromium is found. Outside a notebook it prints the text
 * summary. Await it: the PNG is rendered asynchronously.
 */
export async function show(fig: Figure, opts: { png?: boolean; width?: number; height?: number } = {}): Promise<void> {
  checkFigure(fig);
  const kernel = inKernel();
  let png: string | undefined;
  if (kernel && opts.png !== false) {
    try {
      png = await renderPng(fig, { width: opts.width, height: opts.height });
    } catch (e) {
      console.error(`show: no PNG for this figure (${(e as Error).message.split("\n")[0]})`);
    }
  }
  const bundle = figureBundle(fig, png);
  if (!displayBundle(bundle)) console.log(bundle["text/plain"]);
}
