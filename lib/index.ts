/**
 * optbook — optimizers, landscapes, diagnostics and plots for optimization research in TensorFlow.js.
 * Call `await initBackend()` first.
 */
export * from "./backend";
export * from "./autodiff/gradients";
export * from "./core/ops";
export type { ClosedFormLandscape, LandscapeContext } from "./core/landscape";
export type { ElementwiseRule, HyperValues, Noise, OracleRule, Rule } from "./core/rule";
export * from "./rng";
export * from "./tree";
export * from "./optimizers";
export * from "./landscapes";
export * from "./losses";
export * from "./data";
export * from "./diagnostics";
export * from "./engine";
export * from "./plot";
export * from "./stats";
export * from "./linalg";
