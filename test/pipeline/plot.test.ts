import { describe, expect, it } from "vitest";
import { claim, claims, CLAIM_MIME, resetClaims } from "../../lib/claims";
import {
  contourTrajectories,
  eigenTraces,
  figureBundle,
  gridEval,
  heatmap,
  histogram,
  lineChart,
  lossCurves,
  PLOTLY_MIME,
  show,
  spectrum,
} from "../../lib/plot";
import { quantile } from "../../lib/stats";
import { markdownToHtml, scriptJson } from "../../scripts/pipeline/render";

type T = Record<string, any>;

describe("quantile (Hyndman–Fan type 7)", () => {
  it("matches numpy.quantile's linear interpolation", () => {
    // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) = [1.75, 2.5, 3.25]
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([4, 1, 3, 2], 0.75)).toBeCloseTo(3.25, 12);
    // numpy.quantile([10, 0, 5], 0.9) = 9.0
    expect(quantile([10, 0, 5], 0.9)).toBeCloseTo(9, 12);
    expect(quantile([NaN, 7, Infinity], 0.5)).toBe(7);
    expect(quantile([NaN], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe("figure builders", () => {
  it("lossCurves: median line and IQR band per step, log y, NaN as gaps", () => {
    const runs = [
      [4, 3, 2],
      [8, 1, NaN],
      [6, 5, 4],
      [2, 7, 6],
    ];
    const fig = lossCurves([{ name: "adam", runs }]);
    expect(fig.data).toHaveLength(3);
    const [hi, lo, med] = fig.data as T[];
    // step 0 values {2,4,6,8}: Q1 = 3.5, median = 5, Q3 = 6.5; step 2 finite {2,4,6}: 3, 4, 5
    expect(med.y).toEqual([5, 4, 4]);
    expect(lo.y[0]).toBeCloseTo(3.5, 12);
    expect(hi.y[0]).toBeCloseTo(6.5, 12);
    expect(lo.y[2]).toBeCloseTo(3, 12);
    expect(hi.y[2]).toBeCloseTo(5, 12);
    expect(lo.fill).toBe("tonexty");
    expect(med.name).toBe("adam (median of 4)");
    expect((fig.layout.yaxis as T).type).toBe("log");
    const mm = lossCurves([{ name: "a", runs }], { band: "minmax", logY: false });
    expect((mm.data[0] as T).y).toEqual([8, 7, 6]);
    expect((mm.data[1] as T).y).toEqual([2, 1, 2]);
    expect((mm.layout.yaxis as T).type).toBe("linear");
    const diverged = lossCurves([{ name: "d", runs: [[1, Infinity]] }]);
    expect((diverged.data[0] as T).y).toEqual([1, null]);
  });

  it("lossCurves rejects ragged runs and unknown bands", () => {
    expect(() => lossCurves([{ name: "x", runs: [[1, 2], [1]] }])).toThrow(/run 1 has 1 steps, run 0 has 2/);
    expect(() => lossCurves([{ name: "x", runs: [[1]] }], { band: "sd" as never })).toThrow(/band/);
    expect(() => lossCurves([])).toThrow(/at least one/);
  });

  it("lineChart: default x, reference lines in log coordinates on a log axis", () => {
    const fig = lineChart([{ name: "s", y: [1, 10, 100] }], { logY: true, hlines: [{ y: 10, name: "2/η" }] });
    expect((fig.data[0] as T).x).toEqual([0, 1, 2]);
    expect((fig.layout.shapes as T[])[0].y0).toBeCloseTo(1, 12);
    expect(() => lineChart([{ name: "bad", x: [1, 2], y: [1] }])).toThrow(/x has 2 points but y has 1/);
  });

  it("gridEval + contourTrajectories: z rows follow y, log levels, start and end markers", () => {
    const grid = gridEval((x, y) => x * x + 10 * y * y, [-1, 1], [-2, 2], 5);
    expect(grid.x).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(grid.z[0][4]).toBeCloseTo(1 + 40, 12); // (x=1, y=-2)
    expect(grid.z[2][2]).toBe(0);
    const fig = contourTrajectories(grid, [{ name: "gd", x: [1, 0.5, 0], y: [2, 1, 0] }], {
      logZ: true,
      minimum: [0, 0],
    });
    const contour = fig.data[0] as T;
    expect(contour.type).toBe("contour");
    // log10(z − min + 1e-3) at the minimum is log10(1e-3) = −3
    expect(contour.z[2][2]).toBeCloseTo(-3, 12);
    expect(contour.z[0][4]).toBeCloseTo(Math.log10(41.001), 12);
    const markers = fig.data.filter((t) => (t as T).mode === "markers") as T[];
    expect(markers.map((m) => [m.x[0], m.y[0]])).toEqual([
      [1, 2],
      [0, 0],
      [0, 0],
    ]);
    expect(() => contourTrajectories({ ...grid, z: grid.z.slice(1) }, [])).toThrow(/5 rows × 5 columns/);
  });

  it("heatmap: categorical axes, log colour, diverged cells labelled", () => {
    const fig = heatmap(
      {
        x: [1e-3, 1e-2],
        y: [0.9, 0.99],
        z: [
          [1, 100],
          [NaN, 10],
        ],
      },
      { logZ: true, zTitle: "loss" },
    );
    const h = fig.data[0] as T;
    expect(h.x).toEqual(["1.0e-3", "0.01"]);
    expect(h.z).toEqual([
      [0, 2],
      [null, 1],
    ]);
    expect(h.text[1][0]).toBe("div");
    expect((fig.layout.xaxis as T).type).toBe("category");
    expect(() => heatmap({ x: [1], y: [1, 2], z: [[1]] })).toThrow(/2 rows/);
  });

  it("histogram and spectrum: exact counts in equal-width bins, density integrates to 1", () => {
    const fig = histogram([{ name: "v", values: [0, 0.1, 0.5, 0.9, 1] }], { bins: 2 });
    const bar = fig.data[0] as T;
    expect(bar.x).toEqual([0.25, 0.75]);
    expect(bar.y).toEqual([2, 3]); // [0, 0.5) holds 0, 0.1; [0.5, 1] holds 0.5, 0.9, 1
    const dens = histogram([{ name: "v", values: [0, 0.1, 0.5, 0.9, 1] }], { bins: 4, density: true }).data[0] as T;
    expect(dens.y.reduce((s: number, v: number) => s + v * 0.25, 0)).toBeCloseTo(1, 12);
    const sp = spectrum([1, 2, 3, 100], { vlines: [{ x: 50, name: "2/η" }] });
    expect((sp.layout.yaxis as T).type).toBe("log");
    expect((sp.data[0] as T).y.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect(() => histogram([{ name: "v", values: [NaN] }])).toThrow(/no finite values/);
  });

  it("eigenTraces: one line per series over the steps", () => {
    const fig = eigenTraces([0, 10, 20], [{ name: "λmax", values: [1, 2, 3] }], { hlines: [{ y: 2, name: "2/η" }] });
    expect((fig.data[0] as T).x).toEqual([0, 10, 20]);
    expect((fig.layout.shapes as T[])[0].y0).toBe(2);
  });

  it("figures are plain JSON (survive a JSON round trip unchanged)", () => {
    const fig = lossCurves([
      {
        name: "a",
        runs: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
    expect(JSON.parse(JSON.stringify(fig))).toEqual(JSON.parse(JSON.stringify(fig, (_k, v) => v)));
    expect(JSON.stringify(fig)).not.toMatch(/NaN|Infinity/);
  });
});

describe("show and the MIME bundle", () => {
  it("one bundle with Plotly JSON, an HTML fallback and text; PNG when given", () => {
    const fig = lineChart([{ name: "s", y: [1, 2] }], { title: "t</script>" });
    const b = figureBundle(fig);
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"].sort());
    expect((b[PLOTLY_MIME] as T).data).toEqual(JSON.parse(JSON.stringify(fig.data)));
    expect(b["text/html"]).not.toContain("t</script>"); // the title is escaped in the fallback
    const withPng = figureBundle(fig, "iVBORw0KGgo=");
    expect(withPng["image/png"]).toBe("iVBORw0KGgo=");
    expect(withPng["text/html"]).toContain("data:image/png;base64,iVBORw0KGgo=");
    expect(() => figureBundle({} as never)).toThrow(/Plotly figure/);
  });

  it("outside a kernel, show prints the text summary", async () => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      await show(lineChart([{ name: "s", y: [1, 2] }], { title: "demo" }));
    } finally {
      console.log = orig;
    }
    expect(lines).toEqual(['<Figure "demo": 1 trace>']);
  });
});

describe("claims", () => {
  it("records pass and fail with the measured numbers, prints a line outside a kernel", () => {
    resetClaims();
    const lines: string[] = [];
    const orig = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      const finalX = 0.9812;
      claim("Adam ends at x > 0.97", finalX > 0.97, { finalX });
      claim("SGD ends at x > 0.97", 0.3 > 0.97, "x = 0.3");
    } finally {
      console.log = orig;
    }
    expect(claims()).toEqual([
      { statement: "Adam ends at x > 0.97", passed: true, details: "finalX = 0.9812" },
      { statement: "SGD ends at x > 0.97", passed: false, details: "x = 0.3" },
    ]);
    expect(lines[0]).toBe("✔ claim PASS: Adam ends at x > 0.97 (finalX = 0.9812)");
    expect(lines[1]).toMatch(/^✘ claim FAIL: SGD ends/);
    expect(CLAIM_MIME).toBe("application/vnd.optbook.claim+json");
    expect(() => claim("x", 1 as never)).toThrow(/must be a boolean/);
    expect(() => claim("", true)).toThrow(/statement/);
  });
});

describe("report rendering helpers", () => {
  it("markdown with KaTeX math and highlighted code", () => {
    const html = markdownToHtml(
      "Inline $\\alpha^2$ and\n\n$$\\sum_i x_i$$\n\n```ts\nconst a = 1;\n```\n\nPrice $5 and $6.",
    );
    expect(html).toContain('class="katex"');
    expect(html).toContain("katex-display");
    expect(html).toContain('class="hljs-keyword"');
    expect(html).toContain("Price $5 and $6."); // currency is not math
  });

  it("scriptJson cannot close its <script> element", () => {
    expect(scriptJson({ s: "</script><script>alert(1)</script>" })).not.toContain("</script>");
    expect(JSON.parse(scriptJson({ s: "</script>" }))).toEqual({ s: "</script>" });
  });
});
