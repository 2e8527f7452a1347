/**
 * The pilot notebook executed by Jupyter's own client (nbclient, Debian's python3-nbclient)
 * through the registered "optbook" kernelspec, in quick mode.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import ks from "../../scripts/pipeline/kernelspec.cjs";
import { missingNbclient, PYTHON, requireClient, ROOT, scratchDir } from "./helpers";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const run = requireClient("nbclient", missingNbclient());

interface Summary {
  error: string | null;
  argv: string[];
  resource_dir: string;
  language: string;
  cells: {
    execution_count: number | null;
    output_types: string[];
    mimes: string[];
    claims: { statement: string; passed: boolean }[];
    stderr: string;
  }[];
}
let summary: Summary;

describe.runIf(run)("nbclient runs the pilot notebook on the optbook kernel", () => {
  beforeAll(async () => {
    ks.ensureKernel();
    const work = scratchDir("nbclient");
    const jupyterEnv = {
      JUPYTER_PATH: ks.JUPYTER_DIR,
      // keep Jupyter's runtime and data files inside the project
      JUPYTER_RUNTIME_DIR: path.join(ks.JUPYTER_DIR, "runtime"),
      JUPYTER_DATA_DIR: path.join(work, "data"),
      JUPYTER_CONFIG_DIR: path.join(work, "config"),
      IPYTHONDIR: path.join(work, "ipython"),
      OPTBOOK_QUICK: "1",
      PYTHONNOUSERSITE: "1",
    };
    const stdout = await new Promise<string>((resolve, reject) => {
      const p = spawn(
        PYTHON,
        [
          path.join(__dirname, "py", "run_nbclient.py"),
          path.join(ROOT, "notebooks", "00-tour.ipynb"),
          path.join(work, "00-tour.executed.ipynb"),
        ],
        {
          cwd: ROOT,
          env: { ...process.env, ...jupyterEnv },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (err += d));
      p.on("error", reject);
      p.on("close", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`nbclient exited ${code}:\n${err}\n${out}`)),
      );
    });
    summary = JSON.parse(stdout.trim().split("\n").pop()!);
  }, 240_000);

  it("uses the project's kernelspec: this project's tslab with the preload", () => {
    expect(fs.realpathSync(summary.resource_dir)).toBe(fs.realpathSync(ks.KERNEL_DIR));
    expect(summary.language).toBe("typescript");
    expect(summary.argv).toContain(path.join(ROOT, "node_modules", "tslab", "bin", "tslab"));
    expect(summary.argv).toContain(path.join(ROOT, "scripts", "pipeline", "kernel-preload.cjs"));
  });

  it("every cell ran without error", () => {
    expect(summary.error).toBeNull();
    expect(summary.cells.length).toBeGreaterThanOrEqual(5);
    for (const c of summary.cells) {
      expect(c.execution_count).not.toBeNull();
      expect(c.output_types).not.toContain("error");
    }
  });

  it("figures arrive as single Plotly outputs with an HTML fallback, and every claim passes", () => {
    // One Plotly output per code cell that calls show() in the pilot.
    const pilot = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", "00-tour.ipynb"), "utf8")) as {
      cells: { cell_type: string; source: string[] | string }[];
    };
    const showCells = pilot.cells.filter(
      (c) => c.cell_type === "code" && /\bshow\(/.test([c.source].flat().join("")),
    ).length;
    const figs = summary.cells.filter((c) => c.mimes.includes(PLOTLY_MIME));
    expect(showCells).toBeGreaterThanOrEqual(2);
    expect(figs.length).toBe(showCells);
    for (const f of figs) expect(f.mimes).toContain("text/html");
    const claims = summary.cells.flatMap((c) => c.claims);
    expect(claims.length).toBeGreaterThanOrEqual(3);
    expect(claims.filter((c) => !c.passed)).toEqual([]);
  });
});
