/**
 * Curvature and kernel diagnostics for any tfjs loss or model: Hessian–vector products, curvature
 * operators (Hessian, per-block Hessian, Gauss–Newton, explicit matrices), Lanczos and power
 * iteration, spectral density by SLQ, Hutchinson / Hutch++ traces, dense Hessians, sharpness,
 * empirical NTKs and spectral radii of iteration maps (dense eigensolvers: lib/linalg). See lib/diagnostics/README.md.
 */
export * from "./hvp";
export * from "./operator";
export * from "./eigen";
export * from "./density";
export * from "./trace";
export * from "./dense";
export * from "./sharpness";
export * from "./ntk";
export * from "./spectralRadius";
