/**
 * Backend selection. Call `initBackend()` once before any tensor work (notebooks, tests, scripts).
 *
 * Order tried: tfjs-node-gpu (CUDA) → tfjs-node (native CPU) → webgpu (Dawn, Vulkan or GL ES) →
 * wasm → cpu. `OPTBOOK_BACKEND=cpu|wasm|webgpu|tensorflow` forces one and throws if it cannot load.
 * After the backend is set, the library's gradient fixes (`lib/autodiff/gradients.ts`) are
 * (re-)installed, so second-order autodiff is correct whichever backend runs.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { installGradientFixes } from "./autodiff/gradients";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export const BACKENDS: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];

export interface BackendInfo {
  name: BackendName;
  /** e.g. "tfjs-node-gpu not installed; no WebGPU adapter" */
  reason: string;
  /** Adapter/device description where known. */
  device?: string;
}

let current: BackendInfo | undefined;

// A variable module name keeps bundlers (vitest) from resolving optional packages at transform time.
const dynImport = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function tryTensorflow(): Promise<string | undefined> {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await dynImport(pkg);
      if (await tf.setBackend("tensorflow")) return pkg;
    } catch (e) {
      notes.push(
        `${pkg} ${/Cannot find (module|package)/.test(String(e)) ? "not installed" : `failed: ${firstLine(e)}`}`,
      );
    }
  }
  return undefined;
}

async function tryWebgpu(allowSoftware: boolean): Promise<string | undefined> {
  let webgpu: { create: (opts: string[]) => GPULike; globals: object };
  try {
    webgpu = (await dynImport("webgpu")) as typeof webgpu;
  } catch {
    notes.push("webgpu (Dawn) package not installed");
    return undefined;
  }
  Object.assign(globalThis, webgpu.globals);
  // Try Vulkan first, then GL ES on a surfaceless EGL display (Linux without Vulkan).
  const attempts: { flags: string[]; opts: object; label: string }[] = [
    { flags: [], opts: { powerPreference: "high-performance" }, label: "default" },
    { flags: ["backend=opengles"], opts: { featureLevel: "compatibility" }, label: "opengles" },
  ];
  for (const a of attempts) {
    if (a.label === "opengles" && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = "surfaceless";
    let adapter: AdapterLike | null;
    let gpu: GPULike;
    try {
      gpu = webgpu.create(a.flags);
      adapter = await gpu.requestAdapter(a.opts);
    } catch (e) {
      notes.push(`WebGPU ${a.label}: ${firstLine(e)}`);
      continue;
    }
    if (!adapter) continue;
    const desc = describeAdapter(adapter) || a.label;
    // A software rasteriser (Mesa llvmpipe, SwiftShader) runs WebGPU on the CPU, slower than wasm.
    if (!allowSoftware && /llvmpipe|lavapipe|softpipe|swiftshader/i.test(desc)) {
      notes.push(`WebGPU adapter is a software renderer (${desc.split(" ").slice(0, 2).join(" ")}), skipped`);
      return undefined;
    }
    const opts = a.opts;
    const wrapped = { requestAdapter: (o?: object) => gpu.requestAdapter({ ...(o ?? {}), ...opts }) };
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    if (nav) Object.defineProperty(nav, "gpu", { value: wrapped, configurable: true });
    else Object.defineProperty(globalThis, "navigator", { value: { gpu: wrapped }, configurable: true });
    await import("@tensorflow/tfjs-backend-webgpu");
    // The package registers only if navigator.gpu existed when it was first imported.
    if (!tf.findBackendFactory("webgpu")) {
      const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
      tf.registerBackend(
        "webgpu",
        async () => {
          const ad = (await wrapped.requestAdapter()) as AdapterLike;
          return new WebGPUBackend((await ad.requestDevice()) as never, ad.info as never);
        },
        3,
      );
    }
    try {
      if (await tf.setBackend("webgpu")) return desc;
    } catch (e) {
      notes.push(`WebGPU backend failed: ${firstLine(e)}`);
    }
  }
  notes.push("no WebGPU adapter");
  return undefined;
}

function describeAdapter(adapter: AdapterLike): string {
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ");
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestDevice(d?: object): Promise<unknown>;
}
interface GPULike {
  requestAdapter(o?: object): Promise<AdapterLike | null>;
}

let notes: string[] = [];

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split("\n")[0]
    .slice(0, 160);
}

/**
 * Picks and sets the best available backend (or the one forced by `OPTBOOK_BACKEND` / `force`),
 * installs the gradient fixes and prints one line saying which backend and why.
 */
export async function initBackend(opts: { force?: BackendName; quiet?: boolean } = {}): Promise<BackendInfo> {
  const forced = (opts.force ?? (process.env.OPTBOOK_BACKEND || undefined)) as BackendName | undefined;
  if (forced !== undefined && !BACKENDS.includes(forced)) {
    throw new Error(`OPTBOOK_BACKEND=${forced} is not a backend; use one of ${BACKENDS.join(", ")}`);
  }
  if (current && (!forced || forced === current.name) && tf.getBackend() === current.name) {
    installGradientFixes();
    return current;
  }
  notes = [];
  const order = forced ? [forced] : BACKENDS;
  let info: BackendInfo | undefined;
  for (const name of order) {
    if (name === "tensorflow") {
      const pkg = await tryTensorflow();
      if (pkg) info = { name, reason: `${pkg} loaded`, device: pkg };
    } else if (name === "webgpu") {
      const dev = await tryWebgpu(forced === "webgpu");
      if (dev) info = { name, reason: "WebGPU adapter found", device: dev };
    } else {
      try {
        if (await tf.setBackend(name)) info = { name, reason: notes.join("; ") || "requested" };
      } catch (e) {
        notes.push(`${name} failed: ${firstLine(e)}`);
      }
    }
    if (info) break;
  }
  if (!info) {
    throw new Error(
      forced
        ? `OPTBOOK_BACKEND=${forced} could not be loaded: ${notes.join("; ")}. See environment.md.`
        : `no TensorFlow.js backend could be loaded: ${notes.join("; ")}`,
    );
  }
  if (forced) info.reason = `forced by ${opts.force ? "initBackend({ force })" : "OPTBOOK_BACKEND"}`;
  else if (info.name !== "tensorflow" && info.name !== "webgpu") info.reason = notes.join("; ");
  await tf.ready();
  installGradientFixes();
  current = info;
  if (!opts.quiet) console.log(`optbook backend: ${describeBackend(info)}`);
  return info;
}

/** "wasm (tfjs-node-gpu not installed; ...)" */
export function describeBackend(info: BackendInfo = current!): string {
  if (!info) return "not initialised (call initBackend())";
  const dev = info.device && info.name === "webgpu" ? ` on ${info.device}` : "";
  return `${info.name}${dev} (${info.reason})`;
}

/** The backend picked by the last `initBackend`, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * Backends that load on this machine among `candidates` (each is tried; the current backend is
 * restored after). WebGPU is not probed by default: creating a device is slow and, in Node, tensors
 * left on it cannot be moved to another backend synchronously.
 */
export async function availableBackends(
  candidates: readonly BackendName[] = ["tensorflow", "wasm", "cpu"],
): Promise<BackendName[]> {
  const prev = current;
  const out: BackendName[] = [];
  for (const b of candidates) {
    try {
      await initBackend({ force: b, quiet: true });
      out.push(b);
    } catch {
      /* not available here */
    }
  }
  if (prev) await initBackend({ force: prev.name, quiet: true });
  return out;
}
