/**
 * The repository's layout rules, checked by reading import specifiers (no tfjs, no TypeScript
 * compiler: a few milliseconds). ESLint enforces the same rules (eslint.config.js); this test keeps
 * them in `npm test` and also covers what a linter run cannot (which of lib/experiments and
 * experiments/ exists).
 *
 *   lib/          imports only relative lib/ files and npm packages (it can be copied out as is);
 *                 never "optbook" by name, never lib/experiments (outside lib/experiments itself).
 *   experiments/  imports only "optbook", "optbook/engine", sibling modules ("./x") and npm packages.
 *   No import cycle among lib/ and experiments/ files (type-only imports are erased: not counted).
 */
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/[\\/]$/, "");
const LIB = path.join(ROOT, "lib");
const OLD_EXPERIMENTS = path.join(LIB, "experiments");
const EXPERIMENTS = path.join(ROOT, "experiments");
/** Entry points experiments may import (package.json "exports" documents them). */
const PUBLIC_ENTRIES = new Set(["optbook", "optbook/engine"]);

/**
 * Set to true once lib/index.ts names what it re-exports (today it is a list of `export *`).
 * The lead enables this at the end of the restructuring.
 */
const ENFORCE_NAMED_INDEX_EXPORTS = true;

/**
 * Cycles tolerated for now, each as its files sorted, e.g. ["lib/a.ts", "lib/b.ts"]: a new cycle
 * fails, and so does an entry that no longer exists. Keep it empty.
 */
const KNOWN_CYCLES: string[][] = [];

interface Specifier {
  spec: string;
  line: number;
  typeOnly: boolean;
  kind: "static" | "dynamic" | "require";
}

const rel = (f: string): string => path.relative(ROOT, f).split(path.sep).join("/");
const isInside = (dir: string, f: string): boolean => f === dir || f.startsWith(dir + path.sep);

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith(".")) out.push(...tsFiles(p));
    } else if (/\.(c|m)?ts$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The source with comments and template-literal text blanked (newlines kept, so lines still match). */
function blankCommentsAndTemplates(src: string): string {
  let out = "";
  let i = 0;
  const blank = (s: string): string => s.replace(/[^\n]/g, " ");
  while (i < src.length) {
    const c = src[i];
    const n = src[i + 1];
    if (c === "/" && n === "/") {
      const j = src.indexOf("\n", i);
      const end = j < 0 ? src.length : j;
      out += blank(src.slice(i, end));
      i = end;
    } else if (c === "/" && n === "*") {
      const j = src.indexOf("*/", i + 2);
      const end = j < 0 ? src.length : j + 2;
      out += blank(src.slice(i, end));
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== "`") j += src[j] === "\\" ? 2 : 1;
      out += "`" + blank(src.slice(i + 1, j)) + "`";
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** True when an import/export clause (`type X`, `{ type A, type B }`, `X, { y }`…) binds types only. */
function clauseIsTypeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([^}]*)\}$/.exec(c);
  if (!braces) return false;
  const items = braces[1]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 && items.every((s) => /^type\s/.test(s));
}

function specifiers(src: string): Specifier[] {
  const code = blankCommentsAndTemplates(src);
  const lineOf = (index: number): number => code.slice(0, index).split("\n").length;
  const found: Specifier[] = [];
  const patterns: [RegExp, Specifier["kind"]][] = [
    // import x from "m"; import { a, type B } from "m"; export { a } from "m"; export * from "m"
    [/(?<![\w$.])(?:import|export)\s+((?:type\s+)?[\w$*{}\s,]*?)\s*from\s*(["'])([^"'\n]+)\2/g, "static"],
    // import "m" (side effect)
    [/(?<![\w$.])import\s*()(["'])([^"'\n]+)\2/g, "static"],
    // import("m")
    [/(?<![\w$.])import\s*\(\s*()(["'])([^"'\n]+)\2\s*[,)]/g, "dynamic"],
    // require("m")
    [/(?<![\w$.])require\s*\(\s*()(["'])([^"'\n]+)\2\s*\)/g, "require"],
  ];
  for (const [re, kind] of patterns) {
    for (const m of code.matchAll(re)) {
      found.push({
        spec: m[3],
        line: lineOf(m.index ?? 0),
        typeOnly: kind === "static" && clauseIsTypeOnly(m[1]),
        kind,
      });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The file a relative specifier names (TypeScript's bundler resolution, .ts sources), or null. */
function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(c|m)?js$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, path.join(base, "index.ts")];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

const isRelative = (spec: string): boolean => spec === "." || spec === ".." || /^\.\.?\//.test(spec);
const packageName = (spec: string): string =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];

function declaredPackages(): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return new Set(
    ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].flatMap((k) =>
      Object.keys(pkg[k] ?? {}),
    ),
  );
}
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec: string): boolean =>
  builtins.has(spec) || builtins.has(spec.split("/")[0]) || spec.startsWith("node:");

interface Edge {
  from: string;
  spec: Specifier;
  to: string | null;
}

const sourceFiles = [...tsFiles(LIB), ...tsFiles(EXPERIMENTS)];
const edges: Edge[] = sourceFiles.flatMap((from) =>
  specifiers(fs.readFileSync(from, "utf8")).map((spec) => ({
    from,
    spec,
    to: isRelative(spec.spec) ? resolveRelative(from, spec.spec) : null,
  })),
);
const where = (e: Edge): string => `${rel(e.from)}:${e.spec.line} imports "${e.spec.spec}"`;

describe("layout: lib/ and experiments/", () => {
  it("has exactly one home for the experiment modules (experiments/ once lib/experiments is gone)", () => {
    const homes = [OLD_EXPERIMENTS, EXPERIMENTS].filter((d) => fs.existsSync(d)).map(rel);
    expect(homes, "exactly one of lib/experiments/ and experiments/ must exist").toHaveLength(1);
  });

  it("finds the imports it checks", () => {
    // Guards the regexes: lib/index.ts re-exports the library, lib/ uses tfjs.
    expect(sourceFiles.length).toBeGreaterThan(10);
    const index = edges.filter((e) => rel(e.from) === "lib/index.ts");
    expect(index.length).toBeGreaterThan(3);
    expect(edges.some((e) => e.spec.spec === "@tensorflow/tfjs")).toBe(true);
    expect(edges.some((e) => e.spec.kind === "dynamic")).toBe(true);
  });

  it("lib/ imports only relative lib/ files and declared npm packages", () => {
    const declared = declaredPackages();
    const bad = edges
      .filter((e) => isInside(LIB, e.from))
      .flatMap((e) => {
        const s = e.spec.spec;
        if (isRelative(s)) {
          const target = e.to ?? path.resolve(path.dirname(e.from), s);
          if (!isInside(LIB, target)) return [`${where(e)}: resolves outside lib/ (${rel(target)})`];
          if (!e.to) return [`${where(e)}: no such file`];
          return [];
        }
        if (s === "optbook" || s.startsWith("optbook/"))
          return [`${where(e)}: lib/ imports its own files relatively, not by package name`];
        if (path.isAbsolute(s)) return [`${where(e)}: absolute path`];
        if (isBuiltin(s)) return [];
        if (!declared.has(packageName(s))) return [`${where(e)}: "${packageName(s)}" is not in package.json`];
        return [];
      });
    expect(bad).toEqual([]);
  });

  it("lib/ does not import lib/experiments", () => {
    const bad = edges
      .filter((e) => isInside(LIB, e.from) && !isInside(OLD_EXPERIMENTS, e.from))
      .filter(
        (e) =>
          isRelative(e.spec.spec) && isInside(OLD_EXPERIMENTS, e.to ?? path.resolve(path.dirname(e.from), e.spec.spec)),
      )
      .map(where);
    expect(bad).toEqual([]);
  });

  it('experiments/ imports only "optbook", "optbook/engine", sibling modules and npm packages', () => {
    const bad = edges
      .filter((e) => isInside(EXPERIMENTS, e.from))
      .flatMap((e) => {
        const s = e.spec.spec;
        if (PUBLIC_ENTRIES.has(s)) return [];
        if (s === "optbook" || s.startsWith("optbook/"))
          return [`${where(e)}: not a public entry (${[...PUBLIC_ENTRIES].join(", ")})`];
        if (isRelative(s)) {
          if (!/^\.\/[^/]+$/.test(s)) return [`${where(e)}: only sibling modules ("./x") may be imported by path`];
          if (!e.to || path.dirname(e.to) !== EXPERIMENTS) return [`${where(e)}: no such sibling in experiments/`];
          return [];
        }
        if (path.isAbsolute(s)) return [`${where(e)}: absolute path`];
        return [];
      });
    expect(bad).toEqual([]);
  });

  it("has no import cycle among lib/ and experiments/ files, beyond the known ones listed here", () => {
    const entry = path.join(LIB, "index.ts");
    const graph = new Map<string, Set<string>>(sourceFiles.map((f) => [f, new Set()]));
    for (const e of edges) {
      if (e.spec.typeOnly) continue;
      const to = e.to ?? (e.spec.spec === "optbook" ? entry : null);
      if (to && graph.has(to)) graph.get(e.from)!.add(to);
    }
    // Tarjan's strongly connected components: every component of two or more files is a cycle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v)!) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || graph.get(v)!.has(v)) cycles.push(scc.map(rel).sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    const key = (c: string[]): string => c.join(" ↔ ");
    const known = new Set(KNOWN_CYCLES.map(key));
    const found = new Set(cycles.map(key));
    expect(
      [...found].filter((c) => !known.has(c)),
      "new import cycles",
    ).toEqual([]);
    expect(
      [...known].filter((c) => !found.has(c)),
      "fixed cycles: remove them from KNOWN_CYCLES",
    ).toEqual([]);
  });

  it.skipIf(!ENFORCE_NAMED_INDEX_EXPORTS)("lib/index.ts names its exports (no `export *`)", () => {
    const src = blankCommentsAndTemplates(fs.readFileSync(path.join(LIB, "index.ts"), "utf8"));
    const stars = src
      .split("\n")
      .flatMap((l, i) => (/\bexport\s+\*\s+from\b/.test(l) ? [`lib/index.ts:${i + 1}: ${l.trim()}`] : []));
    expect(stars).toEqual([]);
  });
});
