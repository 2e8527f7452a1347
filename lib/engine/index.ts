/**
 * The fused sweep engine: closed-form landscapes × elementwise/oracle rules compiled into one
 * typed-array loop over many runs (see `sweep`), with the tfjs path (`sweepTfjs`) running the same
 * definitions as tensor code.
 *
 *     const r = await sweep({ landscape: rosenbrock(), optimizer: adamRule(), init: [-1.5, 2], steps: 2000,
 *       grid: { lr: logGrid(1e-4, 1, 256), b1: linearGrid(0, 0.99, 256) }, seeds: 1 });
 *     heatmap({ x: g.cols, y: g.rows, z: g.z }) with g = grid2d(r, r.finalLoss, "b1", "lr")
 *
 * Every op's semantics, JS and wasm forms and derivative come from one table (lib/core/opTable.ts);
 * schedules are read at the 0-based count of updates done (optax's convention). See README.md.
 *
 * Pipeline: `traceOps` records a rule and a landscape (written against `Ops`) as an expression DAG
 * (trace.ts, CSE + constant folding); `symbolicGradient` differentiates the landscape in reverse mode
 * (grad.ts); program.ts assembles one step (field → rule → projection); codegen.ts emits a JS loop
 * over typed arrays and wasm.ts a WebAssembly SIMD one (same bits); expressions of the step alone
 * and of step × gridded hyperparameters are tabulated (codegen.ts, hypertables.ts); sweep.ts lays out
 * runs, splits them over a worker pool and collects plain typed arrays; views.ts shapes them for plots.
 */
export { sweep, sweepSource, buildKernel, type SweepResult } from "./sweep";
export { sweepTfjs } from "./tfjs";
export { resolveSweep, type SweepSpec, type RunInfo, type SweepProgress, type ResolvedSweep } from "./spec";
export {
  traceStep,
  stepWith,
  fieldOf,
  assertClosedForm,
  assertRule,
  type StepProgram,
  type HyperSource,
} from "./program";
export { Graph as TraceGraph, Node as TraceNode, traceOps, type Precision } from "./trace";
export { gradient as symbolicGradient } from "./grad";
export { generateKernel, type KernelSource, type KernelOptions } from "./codegen";
export { compileGradient, compileValue } from "./compiled";
export { grid2d, seedBands, linearGrid, logGrid } from "./views";
export { generateWasmKernel, wasmIneligible } from "./wasm";
export { planHyperTables, hyperTableSource, type HyperTablePlan } from "./hypertables";
