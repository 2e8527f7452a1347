/**
 * Landscapes: closed-form test functions, online/stochastic toys, noisy quadratics, games and tiny
 * networks (all `ClosedFormLandscape`s, shared with the fused engine), the tfjs adaptor, and
 * tfjs-side models (matrix sensing, networks, regression).
 */
export * from "./context";
export * from "./testFunctions";
export * from "./stochastic";
export * from "./games";
export * from "./scalarNetworks";
export * from "./tfjs";
export * from "./networks";
export * from "./matrixSensing";
export * from "./regression";
export { TanhMlp64, flattenMlpParams } from "./tanhMlp64";
