import { describe, expect, it } from "vitest";
import { checkChoice, checkInteger, checkNumber, checkOptions, closestName, editDistance } from "../../lib/validate";

describe("editDistance", () => {
  it("matches hand-counted Levenshtein distances", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("lr", "lr")).toBe(0);
    expect(editDistance("flaw", "lawn")).toBe(2);
    expect(editDistance("mena", "mean")).toBe(1); // one swap
  });
});

describe("checkOptions", () => {
  it("accepts known keys and undefined", () => {
    expect(() => checkOptions("adam", { lr: 1, b1: 0.9 }, ["lr", "b1", "b2"])).not.toThrow();
    expect(() => checkOptions("adam", undefined, ["lr"])).not.toThrow();
  });
  it("names an unknown key, the owner, and suggests the near one", () => {
    expect(() => checkOptions("adam", { lrr: 1 }, ["lr", "b1", "b2"])).toThrow(
      'adam: unknown option "lrr" (did you mean "lr"?); known: lr, b1, b2',
    );
    expect(() => checkOptions("sweep", { grids: {} }, ["grid", "seeds"])).toThrow('did you mean "grid"');
    // far from every known name: no suggestion
    expect(() => checkOptions("adam", { momentum: 1 }, ["lr", "eps"])).toThrow(
      /unknown option "momentum"; known: lr, eps$/,
    );
  });
  it("rejects non-objects", () => {
    expect(() => checkOptions("f", 3, ["a"])).toThrow("f: options must be an object, got number");
    expect(() => checkOptions("f", null, ["a"])).toThrow("got null");
    expect(() => checkOptions("f", [1], ["a"])).toThrow("got an array");
  });
  it("suggests only close names", () => {
    expect(closestName("seedz", ["seeds", "steps"])).toBe("seeds");
    expect(closestName("xyz", ["seeds", "steps"])).toBeUndefined();
  });
});

describe("checkInteger / checkNumber / checkChoice", () => {
  it("checkInteger rejects fractions, NaN, strings and out-of-range values", () => {
    expect(checkInteger("sweep", "seeds", 3, { min: 1 })).toBe(3);
    expect(() => checkInteger("sweep", "seeds", 2.5, { min: 1 })).toThrow("sweep: seeds must be an integer, got 2.5");
    expect(() => checkInteger("sweep", "seeds", NaN)).toThrow("got NaN");
    expect(() => checkInteger("sweep", "seeds", "3")).toThrow('got "3"');
    expect(() => checkInteger("sweep", "seeds", 0, { min: 1 })).toThrow("in [1, ∞], got 0");
    expect(() => checkInteger("f", "k", 11, { min: 1, max: 10 })).toThrow("in [1, 10], got 11");
  });
  it("checkNumber enforces finiteness and open/closed bounds", () => {
    expect(checkNumber("adam", "b1", 0, { min: 0, max: 1, maxExclusive: true })).toBe(0);
    expect(() => checkNumber("adam", "b1", 1, { min: 0, max: 1, maxExclusive: true })).toThrow(
      "adam: b1 must lie in [0, 1), got 1",
    );
    expect(() => checkNumber("adam", "lr", Infinity)).toThrow("adam: lr must be finite, got Infinity");
    expect(checkNumber("clip", "max", Infinity, { min: 0, allowInfinite: true })).toBe(Infinity);
    expect(() => checkNumber("adam", "eps", -1, { min: 0 })).toThrow("must lie in [0, ∞], got -1");
    expect(() => checkNumber("adam", "eps", NaN)).toThrow("must be a number, got NaN");
  });
  it("checkChoice lists the choices and suggests the near one", () => {
    expect(checkChoice("mse", "reduction", "sum", ["mean", "sum", "none"])).toBe("sum");
    expect(() => checkChoice("mse", "reduction", "mena", ["mean", "sum", "none"])).toThrow(
      'mse: reduction must be one of "mean", "sum", "none", got "mena" (did you mean "mean"?)',
    );
  });
});
