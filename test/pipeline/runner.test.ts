/**
 * The headless runner end to end on the real tslab kernel: a fixture notebook becomes a report;
 * a failing cell, a hung cell and a later good notebook in one run give a non-zero exit with the
 * error text, keep the last good report, and still run the notebook after them; the report then
 * opens in headless Chromium with every Plotly figure drawn and no console errors.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS } from "../../lib/plot/png";
import {
  CHROMIUM,
  FIXTURES,
  missingChromium,
  notebook,
  requireClient,
  runReports,
  scratchDir,
  type CliResult,
} from "./helpers";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const work = scratchDir("runner");
const nbDir = path.join(work, "nb");
const out = path.join(work, "reports");
const survivor = path.join(nbDir, "survivor.ipynb");
let first: CliResult;
let firstHtml: Buffer;
let second: CliResult;

beforeAll(async () => {
  fs.mkdirSync(nbDir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, "ok.ipynb"), survivor);
  first = await runReports(["--quick", `--out=${out}`, survivor]);
  firstHtml = fs.existsSync(path.join(out, "survivor.html"))
    ? fs.readFileSync(path.join(out, "survivor.html"))
    : Buffer.alloc(0);

  // Second run: the same notebook now fails; a hung cell; then a good notebook.
  fs.copyFileSync(path.join(FIXTURES, "fails.ipynb"), survivor);
  fs.writeFileSync(path.join(nbDir, "hang.ipynb"), notebook([["code", 'console.log("spinning");\nwhile (true) {}']]));
  fs.writeFileSync(
    path.join(nbDir, "zafter.ipynb"),
    notebook([
      ["markdown", "# After the failures"],
      ["code", "console.log(6 * 7)"],
    ]),
  );
  second = await runReports([
    `--out=${out}`,
    "--timeout=6",
    survivor,
    path.join(nbDir, "hang.ipynb"),
    path.join(nbDir, "zafter.ipynb"),
  ]);
}, 400_000);

afterAll(() => {
  if (!process.env.OPTBOOK_KEEP_TEST_OUTPUT) fs.rmSync(work, { recursive: true, force: true });
});

describe("npm run reports on a fixture notebook", () => {
  it("exits 0 with per-cell progress and writes report, executed notebook, summary and gallery", () => {
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\[1\/1\] .*survivor\.ipynb \(quick\)/);
    expect(first.stdout).toMatch(/✓ cell 1\/4/);
    expect(first.stdout).toMatch(/✓ cell 4\/4/);
    for (const f of ["survivor.html", "survivor.ipynb", "survivor.json", "index.html"]) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
  });

  it("the kernel saw quick mode, and the summary has the claims, backend and title", () => {
    const s = JSON.parse(fs.readFileSync(path.join(out, "survivor.json"), "utf8"));
    expect(s.title).toBe("Pipeline fixture");
    expect(s.papers).toEqual(["Paper A: *A title* (2020), arXiv:0000.00000"]);
    expect(s.backend).toBe("cpu");
    expect(s.quick).toBe(true);
    expect(s.claims).toEqual([
      { statement: "2 + 2 is 4", passed: true, details: "value = 4" },
      { statement: "the moon is cheese", passed: false, details: "a deliberately failing claim" },
    ]);
    const nb = JSON.parse(fs.readFileSync(path.join(out, "survivor.ipynb"), "utf8"));
    const text = (nb.cells[1].outputs as { text?: string[] }[]).map((o) => (o.text ?? []).join("")).join("");
    expect(text).toContain("quick = 1");
    // tslab prints a cell's last expression on stdout (a stream output, not execute_result)
    expect(nb.cells[4].outputs.map((o: { text?: string[] }) => (o.text ?? []).join("")).join("")).toContain(
      "[ 10, 20, 30 ]",
    );
  });

  it("the report renders math, highlighted code, claims, and inlines plotly.js once", () => {
    const html = firstHtml.toString();
    expect(html).toContain('class="katex"');
    expect(html).toContain("hljs-keyword");
    expect(html).toContain("PASS</span> 2 + 2 is 4");
    expect(html).toContain("FAIL</span> the moon is cheese");
    expect(html.split("Plotly.newPlot(").length - 1).toBe(1);
    // plotly.min.js (which starts with its licence banner) is inlined exactly once, and outside
    // it the page loads nothing from anywhere (no src=, no CDN)
    const plotly = fs.readFileSync(createRequire(import.meta.url).resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
    expect(html.split(plotly.slice(0, 40)).length - 1).toBe(1);
    const rest = html.replace(plotly, "");
    expect(rest.length).toBeLessThan(html.length - 1_000_000);
    expect(/<script[^>]+src=|<link[^>]+href=/.test(rest)).toBe(false);
    expect(/cdn\.plot\.ly|cdn\.jsdelivr|unpkg\.com|https?:\/\/[^"' ]+\.js/.test(rest)).toBe(false);
  });

  it("figures carry a static PNG when Chromium is available", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(out, "survivor.ipynb"), "utf8"));
    const fig = nb.cells[2].outputs.find((o: { data?: object }) => o.data && PLOTLY_MIME in o.data);
    expect(fig, "plotly output").toBeTruthy();
    expect(fig.data[PLOTLY_MIME].data[0].y).toEqual([1, 4, 9, 16]);
    if (fs.existsSync(CHROMIUM)) {
      const png = Buffer.from(fig.data["image/png"], "base64");
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(png.length).toBeGreaterThan(5000);
    }
  });
});

describe("failures", () => {
  it("a failing cell makes the command exit non-zero with the cell's source and error text", () => {
    expect(second.code, second.stdout + second.stderr).toBe(1);
    expect(second.stdout).toContain("✗ cell 2/3 failed");
    expect(second.stdout).toContain("if (answer !== 42) throw new Error(`expected 42, got ${answer}`);");
    expect(second.stdout).toContain("Error: expected 42, got 41");
    expect(second.stdout).not.toContain("never runs");
    expect(second.stdout).toMatch(/FAILED survivor \(cell 2\): Error: expected 42, got 41/);
  });

  it("the previous good report survives, and the gallery marks the failure", () => {
    expect(fs.readFileSync(path.join(out, "survivor.html")).equals(firstHtml)).toBe(true);
    const failed = JSON.parse(fs.readFileSync(path.join(out, "survivor.failed.json"), "utf8"));
    expect(failed.cell).toBe(2);
    expect(failed.error).toContain("expected 42, got 41");
    const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
    expect(index).toContain("Last run failed");
    expect(index).toContain("showing the last good report");
    expect(fs.readdirSync(out).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("a hung cell is stopped at the timeout and the next notebook still runs on a fresh kernel", () => {
    expect(second.stdout).toMatch(/✗ cell 1\/1 timed out after/);
    expect(second.stdout).toContain("kernel interrupted and stopped");
    expect(second.stdout).toMatch(/FAILED hang \(cell 1\): .*did not finish within 6 s/);
    expect(second.stdout).toMatch(/\[3\/3\] .*zafter\.ipynb/);
    expect(second.stdout).toContain("✓ zafter: 1 cells");
    expect(fs.existsSync(path.join(out, "zafter.html"))).toBe(true);
    expect(fs.existsSync(path.join(out, "hang.html"))).toBe(false);
  });

  it("rejects unknown options and notebooks", async () => {
    const r = await runReports(["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --bogus");
    const r2 = await runReports(["no-such-notebook"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('no notebook named "no-such-notebook"');
  });
});

describe("the report in headless Chromium", () => {
  const run = requireClient("Chromium", missingChromium());
  it.runIf(run)("every Plotly figure draws an SVG and the pages log no errors", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      for (const file of ["survivor.html", "index.html"]) {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
        await page.goto(`file://${path.join(out, file)}`, { waitUntil: "load" });
        const expected = file === "survivor.html" ? 1 : 0;
        const drawn = await page.evaluate(() =>
          Array.from(document.querySelectorAll(".plotly-figure")).map(
            (el) =>
              el.classList.contains("js-plotly-plot") &&
              el.querySelectorAll("svg.main-svg .scatterlayer .trace").length,
          ),
        );
        expect(drawn, file).toEqual(new Array(expected).fill(1));
        expect(await page.locator(".katex").count()).toBeGreaterThan(file === "survivor.html" ? 0 : -1);
        expect(errors, file).toEqual([]);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
