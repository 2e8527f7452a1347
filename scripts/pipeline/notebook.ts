/** nbformat 4 notebooks: reading, small helpers, atomic file writes. */
import fs from "node:fs";
import path from "node:path";
import type { Output } from "./kernel";

export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  id?: string;
  attachments?: Record<string, Record<string, string>>;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: Cell[];
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not a readable notebook: ${(e as Error).message}`, { cause: e });
  }
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${file} is not an nbformat 4 notebook (nbformat=${nb.nbformat})`);
  }
  return nb;
}

export const source = (c: Cell): string => (Array.isArray(c.source) ? c.source.join("") : (c.source ?? ""));

/** Splits text into nbformat's list-of-lines form (each line keeps its "\n"). */
export function toLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l.length > 0);
}

/** Writes through a temporary file in the same folder and renames it into place. */
export function writeAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Title (first markdown heading) and papers (list items of the first markdown cell). */
export function notebookInfo(nb: Notebook, fallbackTitle: string): { title: string; papers: string[] } {
  const md = nb.cells.find((c) => c.cell_type === "markdown");
  const text = md ? source(md) : "";
  const heading = /^#{1,3}\s+(.+)$/m.exec(text);
  const papers = Array.isArray(nb.metadata?.optbook?.papers)
    ? (nb.metadata.optbook.papers as string[])
    : [...text.matchAll(/^\s*(?:[-*+]|\d+\.)\s+(.+)$/gm)].map((m) => m[1].trim());
  return { title: heading ? heading[1].trim() : fallbackTitle, papers };
}
