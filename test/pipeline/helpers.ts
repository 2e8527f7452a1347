/** Shared pieces of the pipeline tests: real-client detection, running the reports CLI. */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(__dirname, "fixtures");
export const CHROMIUM = "/usr/bin/chromium";
export const PYTHON = "/usr/bin/python3";

/** Why a real client is unavailable, or undefined if it is there. */
export function missingChromium(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;
}
export function missingNbclient(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
  return r.status === 0 ? undefined : `${PYTHON} cannot import nbclient (apt-get install python3-nbclient)`;
}

/**
 * Real-client tests run when the client exists; in CI (`CI` set, where .ci/run installs them) a
 * missing client is a failure, locally a skip with the reason printed.
 */
export function requireClient(name: string, missing: string | undefined): boolean {
  if (!missing) return true;
  if (process.env.CI) throw new Error(`${name} is required in CI but missing: ${missing}`);
  console.warn(`skipping ${name} tests: ${missing}`);
  return false;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/reports.ts` (what `npm run reports` runs) with arguments. */
export function runReports(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "scripts", "reports.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A scratch folder inside the project (nothing is written outside it). */
export function scratchDir(name: string): string {
  const dir = path.join(ROOT, ".cache", "test-pipeline", `${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A minimal nbformat 4 notebook for the optbook kernel. */
export function notebook(cells: ["markdown" | "code", string][]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 4,
    metadata: { kernelspec: { name: "optbook", display_name: "optbook (TypeScript)", language: "typescript" } },
    cells: cells.map(([t, s]) =>
      t === "code"
        ? { cell_type: t, metadata: {}, source: s, outputs: [], execution_count: null }
        : { cell_type: t, metadata: {}, source: s },
    ),
  });
}
