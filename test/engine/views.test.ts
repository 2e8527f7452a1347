import { describe, expect, it } from "vitest";
import { sweep } from "../../lib/engine/sweep";
import { grid2d, linearGrid, logGrid, seedBands } from "../../lib/engine/views";
import { libAdam, libNoisyQuadratic } from "./fixtures";

describe("views for plots", () => {
  it("grids: endpoints and spacing", () => {
    expect(linearGrid(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const g = logGrid(1e-3, 1e1, 5);
    expect(g[0]).toBeCloseTo(1e-3, 15);
    expect(g[4]).toBeCloseTo(10, 12);
    expect(g[2] / g[1]).toBeCloseTo(10, 10);
  });
  it("grid2d and seedBands index runs row-major over the axes", async () => {
    const lr = [0.01, 0.03, 0.1],
      b1 = [0, 0.9];
    const r = await sweep({
      landscape: libNoisyQuadratic,
      optimizer: libAdam,
      init: [1],
      steps: 40,
      grid: { lr, b1 },
      seeds: 5,
      record: { every: 10 },
      workers: 0,
    });
    expect(r.shape).toEqual([3, 2, 5]);
    const runOf = (i: number, j: number, s: number) => (i * 2 + j) * 5 + s;
    const at = grid2d(r, r.finalLoss, "lr", "b1", { seed: 3 });
    expect(at.rows).toEqual(lr);
    expect(at.cols).toEqual(b1);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(at.z[i][j]).toBe(r.finalLoss[runOf(i, j, 3)]);
    const med = grid2d(r, r.finalLoss, "b1", "lr");
    const sorted = [0, 1, 2, 3, 4].map((s) => r.finalLoss[runOf(2, 1, s)]).sort((a, b) => a - b);
    expect(med.z[1][2]).toBe(sorted[2]);
    const bands = seedBands(r, "loss", 0.25);
    expect(bands.cells).toBe(6);
    expect(bands.steps).toEqual([0, 10, 20, 30, 40]);
    const cell = 1 * 2 + 0,
      k = 3;
    const xs = [0, 1, 2, 3, 4].map((s) => r.loss![runOf(1, 0, s) * 5 + k]).sort((a, b) => a - b);
    expect(bands.median[cell * 5 + k]).toBe(xs[2]);
    expect(bands.lo[cell * 5 + k]).toBe(xs[1]);
    expect(bands.hi[cell * 5 + k]).toBe(xs[3]);
    expect(() => grid2d(r, r.finalLoss, "lr", "beta")).toThrow(/two different axes/);
  });
});
