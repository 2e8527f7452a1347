/**
 * Figures for notebooks and reports (Plotly JSON), `show(fig)` for notebooks, optional PNGs via
 * headless Chromium, and the claims helper (re-exported here so `import { claim } from "optbook"`
 * works).
 */
export * from "./figure";
export * from "./show";
export { subplotAxes, subplotGrid, subplotSuffix, type SubplotAxis, type SubplotGridOptions } from "./subplots";
export { displayBundle, inKernel, type MimeBundle } from "./display";
export { renderPng, closePngRenderer, chromiumPath, CHROMIUM_ARGS } from "./png";
export * from "../claims";
