/**
 * Every notebook in notebooks/, executed headless through the real tslab kernel by the report
 * runner in quick mode (as CI and `OPTBOOK_QUICK=1 npm run reports` do): no cell may fail and each
 * notebook must check claims. Which claims hold — and which are documented as not reproduced — is
 * asserted per figure, from the same experiment functions, in test/claims/; claims that fail in
 * the notebook are printed here.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, ".cache", "test-reports");
const notebooks = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .sort()
  .map((f) => f.replace(/\.ipynb$/, ""));

describe("notebooks run headless in quick mode", () => {
  it("there are notebooks to run", () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });
  for (const name of notebooks) {
    it(name, { timeout: 900_000 }, () => {
      const r = spawnSync(
        process.execPath,
        [
          path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
          path.join(ROOT, "scripts", "reports.ts"),
          "--quick",
          `--out=${OUT}`,
          name,
        ],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, OPTBOOK_QUICK: "1" }, timeout: 880_000 },
      );
      const log = `${r.stdout}\n${r.stderr}`;
      expect(r.status, `npm run reports -- --quick ${name} failed:\n${log.slice(-4000)}`).toBe(0);
      const summary = JSON.parse(fs.readFileSync(path.join(OUT, `${name}.json`), "utf8")) as {
        claims: { statement: string; passed: boolean; details?: string }[];
      };
      expect(summary.claims.length, `${name} checks no claim`).toBeGreaterThan(0);
      const failed = summary.claims.filter((c) => !c.passed);
      console.log(
        `${name}: ${summary.claims.length - failed.length}/${summary.claims.length} claims hold` +
          failed.map((c) => `\n  not reproduced: ${c.statement} (${c.details ?? ""})`).join(""),
      );
    });
  }
});
