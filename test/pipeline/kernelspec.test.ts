import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import ks from "../../scripts/pipeline/kernelspec.cjs";
import { decode, sign } from "../../scripts/pipeline/kernel";
import { ROOT } from "./helpers";

describe("project kernelspec", () => {
  it("runs this project's tslab through the preload, by absolute paths, interruptible by SIGINT", () => {
    const spec = ks.kernelSpec();
    expect(spec.argv[0]).toBe(process.execPath);
    expect(spec.argv.slice(1, 3)).toEqual(["--require", path.join(ROOT, "scripts", "pipeline", "kernel-preload.cjs")]);
    expect(spec.argv[3]).toBe(path.join(ROOT, "node_modules", "tslab", "bin", "tslab"));
    expect(spec.argv.slice(4)).toEqual(["kernel", "--config-path", "{connection_file}"]);
    for (const f of spec.argv.slice(0, 4)) if (f.startsWith("/")) expect(fs.existsSync(f), f).toBe(true);
    expect(spec.display_name).toBe("optbook (TypeScript)");
    expect(spec.language).toBe("typescript");
    expect(spec.interrupt_mode).toBe("signal");
  });

  it("installs inside the project and produces typings for the library and its experiments", () => {
    const file = ks.ensureKernel();
    expect(file).toBe(path.join(ROOT, ".jupyter", "kernels", "optbook", "kernel.json"));
    expect(JSON.parse(fs.readFileSync(file, "utf8")).argv).toEqual(ks.kernelSpec().argv);
    expect(ks.kernelInstalled()).toBe(true);
    expect(ks.TYPES_DIR.startsWith(path.join(ROOT, "node_modules"))).toBe(true);
    const dts = fs.readFileSync(path.join(ks.TYPES_DIR, "lib", "index.d.ts"), "utf8");
    // the typings name the public entry's exports (a figure helper, the sweep, the claim report)
    expect(dts).toMatch(/\bheatmap\b[^;]*from "\.\/plot"/);
    expect(dts).toMatch(/\bsweep\b[^;]*from "\.\/engine"/);
    expect(dts).toMatch(/\breport\b[^;]*from "\.\/claims"/);
    expect(fs.existsSync(path.join(ks.TYPES_DIR, "experiments", "tour.d.ts"))).toBe(true);
  });
});

describe("Jupyter wire protocol signing", () => {
  it("HMAC-SHA256 over header, parent, metadata and content, checked against openssl", () => {
    const parts = ['{"msg_id":"1","msg_type":"status","session":"s"}', "{}", "{}", '{"execution_state":"idle"}'];
    // reference: printf '%s' "${parts[@]}" | openssl dgst -sha256 -hmac key
    const sig = sign("key", parts);
    expect(sig).toBe("69688cd784015fa6d3f17fae0f58ccb40982dd36937b60c9a06395dc48109f13");
    const frames = [
      Buffer.from("identity"),
      Buffer.from("<IDS|MSG>"),
      Buffer.from(sig),
      ...parts.map((p) => Buffer.from(p)),
    ];
    expect(decode("key", frames).content).toEqual({ execution_state: "idle" });
    expect(() => decode("other-key", frames)).toThrow(/bad HMAC/);
    expect(() => decode("key", frames.slice(2))).toThrow(/delimiter/);
  });
});
