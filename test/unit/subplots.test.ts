import { describe, expect, it } from "vitest";
import { subplotAxes, subplotGrid, subplotSuffix } from "../../lib/plot/subplots";

describe("subplotGrid", () => {
  const layout = subplotGrid({
    title: "t",
    rows: 2,
    cols: 2,
    titles: ["a", "b", "c", "d"],
    x: [{ title: "step" }, { title: "step", log: true }, { title: "k", category: true }, { title: "B", range: [0, 1] }],
    y: [{ title: "loss", log: true }, { title: "λ" }, { title: "λ" }, { title: "λ" }],
  });
  it("names one axis pair per cell as Plotly expects (x, x2, x3, …) with titles and scales", () => {
    expect(Object.keys(layout).filter((k) => /^xaxis\d*$/.test(k))).toEqual(["xaxis", "xaxis2", "xaxis3", "xaxis4"]);
    expect(layout.xaxis2).toMatchObject({ type: "log", exponentformat: "power", title: { text: "step" } });
    expect(layout.xaxis3).toMatchObject({ type: "category" });
    expect(layout.xaxis4).toMatchObject({ type: "linear", range: [0, 1] });
    expect(layout.yaxis).toMatchObject({ type: "log" });
    const notes = layout.annotations as { text: string; xref: string }[];
    expect(notes.map((n) => [n.text, n.xref])).toEqual([
      ["a", "x domain"],
      ["b", "x2 domain"],
      ["c", "x3 domain"],
      ["d", "x4 domain"],
    ]);
    expect(layout.height).toBe(760);
    expect(layout.width).toBeUndefined(); // responsive unless asked
  });
  it("puts a trace into cell i", () => {
    expect(subplotSuffix(0)).toBe("");
    expect(subplotAxes(2)).toEqual({ xaxis: "x3", yaxis: "y3" });
  });
  it("lets one axis serve every cell, and refuses none", () => {
    const one = subplotGrid({
      title: "t",
      rows: 1,
      cols: 3,
      titles: ["a"],
      x: [{ title: "step", log: true }],
      y: [{ title: "loss" }],
    });
    expect(one.xaxis3).toMatchObject({ type: "log", title: { text: "step" } });
    expect((one.annotations as { text: string }[]).map((n) => n.text)).toEqual(["a", "", ""]);
    expect(() => subplotGrid({ title: "t", rows: 1, cols: 2, titles: [], x: [], y: [{ title: "" }] })).toThrow(
      "subplotGrid: x needs at least one axis",
    );
    expect(() =>
      subplotGrid({ title: "t", rows: 0, cols: 2, titles: [], x: [{ title: "" }], y: [{ title: "" }] }),
    ).toThrow("rows and cols must be positive integers");
  });
});
