/**
 * A WebAssembly SIMD kernel for the same traced step: two runs per f64x2 vector, several vectors
 * interleaved, the whole `for run … for step …` loop in one wasm function. Each op's code is its
 * `wasm` form in the op table (lib/core/opTable.ts): native f64x2 instructions (add, sub, mul, div,
 * sqrt, abs, neg, min, max, floor, comparisons, select), or, for pow/exp/log/sin/cos/tanh, calls
 * of JavaScript's Math lane by lane; expressions of the step alone
 * (Adam's βᵗ) come from the shared per-step tables. Used in float64, without noise and without
 * histories (the JS kernel does those).
 *
 * These instructions are IEEE-exact like their JavaScript counterparts (min/max propagate NaN and
 * order −0 < +0 as Math.min/max do), so the wasm kernel returns the same bits as the JS kernel;
 * `test/engine` checks it. The module is emitted directly as bytes (no assembler dependency) and
 * wrapped in a JavaScript source with the same `(P, r0, r1)` interface, so worker threads run it too.
 */
import { OP_TABLE, WASM_MATH_IMPORTS, type SimdInstr, type WasmBuilder } from "../core/opTable";
import { lossSource, tableProgram } from "./codegen";
import { reachable } from "./jsEmit";
import { loopNodes, NO_HYPER_TABLES, type HyperTablePlan } from "./hypertables";
import type { StepProgram } from "./program";
import type { Node } from "./trace";

/**
 * Ops without a direct f64x2 form (pow, exp, log, sin, cos, tanh, see the op table): the module
 * imports JavaScript's own Math functions and calls them lane by lane, so the results are exactly
 * Math.pow/exp/… as in the JS kernel (slower than native lanes, but rare inside the loop: Adam's βᵗ
 * of a constant β is tabulated, only a gridded β reaches here).
 */
const MATH_IMPORTS = WASM_MATH_IMPORTS;

/** Why `p` cannot run in the wasm kernel, or undefined if it can. */
export function wasmIneligible(p: StepProgram, opts: { nRecord: number }): string | undefined {
  if (p.graph.precision !== "float64") return "float32 runs in the JS kernel";
  if (opts.nRecord > 0) return "histories are recorded by the JS kernel";
  if (p.draws.length) return "random draws run in the JS kernel";
  const nodes = reachable([...p.nextX, ...p.nextState.flat()]);
  for (const n of nodes) {
    if (n.mask === 1 || n.op === "const") continue; // tabulated in JS
    if (n.op === "input") continue;
    if (!(n.op in OP_TABLE)) return `op ${n.op} has no wasm form`;
  }
  return undefined;
}

// --- byte encoding -----------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
function f64bytes(v: number): number[] {
  return Array.from(new Uint8Array(new Float64Array([v]).buffer));
}
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const SIMD = 0xfd;
const simd = (op: number) => [SIMD, ...uleb(op)];
const V = {
  load: (offset: number) => [...simd(0x00), 3, ...uleb(offset)],
  store: (offset: number) => [...simd(0x0b), 3, ...uleb(offset)],
  const2: (v: number) => [...simd(0x0c), ...f64bytes(v), ...f64bytes(v)],
  splat: simd(0x14),
  extract: (lane: number) => [...simd(0x21), lane],
  replace: (lane: number) => [...simd(0x22), lane],
  and: simd(0x4e),
  andnot: simd(0x4f),
  or: simd(0x50),
  bitselect: simd(0x52),
  anyTrue: simd(0x53),
  gt: simd(0x4a),
  lt: simd(0x49),
  ge: simd(0x4c),
  le: simd(0x4b),
  floor: simd(0x75),
  abs: simd(0xec),
  neg: simd(0xed),
  sqrt: simd(0xef),
  add: simd(0xf0),
  sub: simd(0xf1),
  mul: simd(0xf2),
  div: simd(0xf3),
  min: simd(0xf4),
  max: simd(0xf5),
};
const I = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  const: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  mul: [0x6c],
  or: [0x72],
  eqz: [0x45],
  gtS: [0x4a],
  shrU: [0x76],
  i32load: (offset: number) => [0x28, 2, ...uleb(offset)],
  geS: [0x4e],
  f64load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64FromI32: [0xb7],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  call: (f: number) => [0x10, ...uleb(f)],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
};

export interface WasmKernel {
  /** JavaScript source `(function (P, r0, r1) {…})`-compatible expression wrapping the module */
  kernel: string;
  tables: string;
  nTables: number;
}

/**
 * Emits the wasm kernel for `p` (which must pass `wasmIneligible`). `vectors` f64x2 vectors are
 * interleaved per group (2·vectors runs); runs are processed in blocks of `block` through the
 * module's memory.
 */
export function generateWasmKernel(
  p: StepProgram,
  opt: { steps: number; bound: number; vectors?: number; block?: number; hyperTables?: HyperTablePlan },
): WasmKernel {
  const VL = opt.vectors ?? 2,
    G = 2 * VL,
    T = opt.steps,
    D = p.dim;
  const NB = opt.block ?? G * Math.ceil(256 / G);
  if (NB % G !== 0) throw new Error("engine: wasm block must be a multiple of the group size");
  const roots = [...p.nextX, ...p.nextState.flat()];
  const plan = opt.hyperTables ?? NO_HYPER_TABLES;
  const nodes = loopNodes(roots, plan);
  const { source: tables, exported } = tableProgram(p, nodes, roots, new Set(plan.loads.keys()));
  const nHT = plan.nTables;
  const hyperIdx = [
    ...new Set(
      nodes
        .filter((n) => n.op === "input" && n.input!.kind === "hyper")
        .map((n) => (n.input as { index: number }).index),
    ),
  ];
  const hyperSlot = new Map(hyperIdx.map((h, j) => [h, j]));

  // Memory layout (bytes): X [D][NB] f64, H [nH][NB], DV [NB], TB [nTB][T], CO [nHT][NB] i32
  // (each run's byte address of its combination's row in hyperparameter table k), then the
  // hyperparameter tables themselves (their size depends on the data; the wrapper grows memory).
  const X_OFF = 0,
    H_OFF = X_OFF + D * NB * 8,
    DV_OFF = H_OFF + hyperIdx.length * NB * 8,
    TB_OFF = DV_OFF + NB * 8;
  const CO_OFF = TB_OFF + exported.size * T * 8,
    HT_OFF = CO_OFF + nHT * NB * 4 + 8;
  const bytes = HT_OFF;
  const pages = Math.max(1, Math.ceil(bytes / 65536));

  // Locals: 0 = np (param); i32: kOff, t, tOff; then v128s.
  let nLocals = 1;
  const i32 = () => nLocals++;
  const kOff = i32(),
    t = i32(),
    tOff = i32();
  // per hyperparameter table, vector and lane: the run's row address
  const rowL = Array.from({ length: nHT }, () => Array.from({ length: VL }, () => [i32(), i32()]));
  const nI32 = nLocals - 1;
  const firstV = nLocals;
  const v128 = () => nLocals++;
  const xL = Array.from({ length: D }, () => Array.from({ length: VL }, v128));
  const sL = p.slots.map(() => Array.from({ length: D }, () => Array.from({ length: VL }, v128)));
  const hL = hyperIdx.map(() => Array.from({ length: VL }, v128));
  const frozen = Array.from({ length: D }, () => Array.from({ length: VL }, v128));
  const dv = Array.from({ length: VL }, v128),
    alive = Array.from({ length: VL }, v128),
    ok = Array.from({ length: VL }, v128),
    newly = Array.from({ length: VL }, v128);
  const tv = v128(),
    tmpA = v128(),
    tmpB = v128();
  const tabL = new Map<number, number>();
  for (const id of exported.keys()) tabL.set(id, v128());
  const nodeL = new Map<number, number[]>();
  for (const n of nodes)
    if ((n.mask === 2 || n.mask === 3) && n.op !== "input") nodeL.set(n.id, Array.from({ length: VL }, v128));
  const newL = roots.map(() => Array.from({ length: VL }, v128));
  const nV128 = nLocals - firstV;

  const code: number[] = [];
  const emit = (...xs: number[][]) => {
    for (const x of xs) code.push(...x);
  };
  const ref = (n: Node, v: number): number[] => {
    if (n.op === "const") return V.const2(n.value);
    if (n.op === "input") {
      const inp = n.input!;
      if (inp.kind === "x") return I.get(xL[inp.index][v]);
      if (inp.kind === "state") return I.get(sL[inp.slot][inp.index][v]);
      if (inp.kind === "hyper") return I.get(hL[hyperSlot.get(inp.index)!][v]);
      if (inp.kind === "t") return I.get(tv);
    }
    if (n.mask === 1) return I.get(tabL.get(n.id)!);
    return I.get(nodeL.get(n.id)![v]);
  };
  const zero = V.const2(0);
  // The op table's WebAssembly forms, as bytes that push one f64x2. Math calls go through the
  // scratch locals tmpA/tmpB (so their arguments must not contain another call; none do).
  const wasmBytes: WasmBuilder<number[]> = {
    const: (v) => V.const2(v),
    simd: (instr: SimdInstr, ...args) => [...args.flat(), ...V[instr]],
    select: (mask, a, b) => [...a, ...b, ...mask, ...V.bitselect],
    math: (fn, ...args) => {
      const f = MATH_IMPORTS.indexOf(fn);
      if (args.length === 1) {
        return [
          ...args[0],
          ...I.set(tmpA),
          ...I.get(tmpA),
          ...V.extract(0),
          ...I.call(f),
          ...V.splat,
          ...I.get(tmpA),
          ...V.extract(1),
          ...I.call(f),
          ...V.replace(1),
        ];
      }
      return [
        ...args[0],
        ...I.set(tmpA),
        ...args[1],
        ...I.set(tmpB),
        ...I.get(tmpA),
        ...V.extract(0),
        ...I.get(tmpB),
        ...V.extract(0),
        ...I.call(f),
        ...V.splat,
        ...I.get(tmpA),
        ...V.extract(1),
        ...I.get(tmpB),
        ...V.extract(1),
        ...I.call(f),
        ...V.replace(1),
      ];
    },
  };
  const opCode = (n: Node, v: number): number[] => {
    if (n.op === "const" || n.op === "input" || n.op === "draw") throw new Error(`engine: no wasm form for ${n.op}`);
    return OP_TABLE[n.op].wasm(
      wasmBytes,
      n.args.map((x) => ref(x, v)),
    );
  };

  const vecOff = (base: number, row: number, v: number) => base + (row * NB + 2 * v) * 8;
  emit(I.const(0), I.set(kOff));
  emit(I.block, I.loop);
  // while (kOff < np·8)
  emit(I.get(kOff), I.get(0), I.const(8), I.mul, I.geS, I.brIf(1));
  for (let v = 0; v < VL; v++) {
    for (let i = 0; i < D; i++)
      emit(I.get(kOff), V.load(vecOff(X_OFF, i, v)), I.set(xL[i][v]), I.get(xL[i][v]), I.set(frozen[i][v]));
    p.slots.forEach((_, s) => {
      for (let i = 0; i < D; i++) emit(V.const2(p.slotInit[s]), I.set(sL[s][i][v]));
    });
    hyperIdx.forEach((_, j) => emit(I.get(kOff), V.load(vecOff(H_OFF, j, v)), I.set(hL[j][v])));
    for (let k = 0; k < nHT; k++) {
      for (let lane = 0; lane < 2; lane++)
        emit(I.get(kOff), I.const(1), I.shrU, I.i32load(CO_OFF + (k * NB + 2 * v + lane) * 4), I.set(rowL[k][v][lane]));
    }
    // dv = 0 (never diverged); alive = all-ones mask, built as (0 ≥ 0)
    emit(zero, I.set(dv[v]), zero, zero, V.ge, I.set(alive[v]));
  }
  for (const n of nodes) {
    if (n.mask !== 2 || n.op === "input") continue;
    for (let v = 0; v < VL; v++) emit(opCode(n, v), I.set(nodeL.get(n.id)![v]));
  }
  emit(I.const(1), I.set(t), I.const(0), I.set(tOff));
  emit(I.block, I.loop);
  emit(I.get(t), I.const(T), I.gtS, I.brIf(1));
  emit(I.get(t), I.f64FromI32, V.splat, I.set(tv));
  for (const [id, k] of exported) emit(I.get(tOff), I.f64load(TB_OFF + k * T * 8), V.splat, I.set(tabL.get(id)!));
  for (const n of nodes) {
    if (n.mask !== 3 || n.op === "input") continue;
    const load = plan.loads.get(n.id);
    for (let v = 0; v < VL; v++) {
      if (load) {
        const [a0, a1] = rowL[load.table][v];
        emit(
          I.get(a0),
          I.get(tOff),
          I.add,
          I.f64load(0),
          V.splat,
          I.get(a1),
          I.get(tOff),
          I.add,
          I.f64load(0),
          V.replace(1),
        );
      } else emit(opCode(n, v));
      emit(I.set(nodeL.get(n.id)![v]));
    }
  }
  // parallel assignment of the new iterate and state
  roots.forEach((r, q) => {
    for (let v = 0; v < VL; v++) emit(ref(r, v), I.set(newL[q][v]));
  });
  for (let v = 0; v < VL; v++) {
    let q = 0;
    for (let i = 0; i < D; i++) emit(I.get(newL[q++][v]), I.set(xL[i][v]));
    p.slots.forEach((_, s) => {
      for (let i = 0; i < D; i++) emit(I.get(newL[q++][v]), I.set(sL[s][i][v]));
    });
  }
  // divergence: ok = ∧ᵢ |xᵢ| ≤ B (false for NaN); newly = alive ∧ ¬ok
  for (let v = 0; v < VL; v++) {
    for (let i = 0; i < D; i++) {
      emit(I.get(xL[i][v]), V.abs, V.const2(opt.bound), V.le);
      if (i > 0) emit(V.and);
    }
    emit(I.set(ok[v]), I.get(alive[v]), I.get(ok[v]), V.andnot, I.set(newly[v]));
    emit(I.get(newly[v]), V.anyTrue, I.if);
    emit(I.get(tv), I.get(dv[v]), I.get(newly[v]), V.bitselect, I.set(dv[v]));
    for (let i = 0; i < D; i++)
      emit(I.get(xL[i][v]), I.get(frozen[i][v]), I.get(newly[v]), V.bitselect, I.set(frozen[i][v]));
    emit(I.end);
    emit(I.get(alive[v]), I.get(ok[v]), V.and, I.set(alive[v]));
  }
  // stop when every lane of the group has diverged
  for (let v = 0; v < VL; v++) {
    emit(I.get(alive[v]), V.anyTrue);
    if (v > 0) emit(I.or);
  }
  emit(I.eqz, I.brIf(1));
  emit(I.get(t), I.const(1), I.add, I.set(t), I.get(tOff), I.const(8), I.add, I.set(tOff), I.br(0));
  emit(I.end, I.end);
  // store: the iterate of live lanes, the frozen one of diverged lanes; divergence steps
  for (let v = 0; v < VL; v++) {
    for (let i = 0; i < D; i++)
      emit(
        I.get(kOff),
        I.get(xL[i][v]),
        I.get(frozen[i][v]),
        I.get(alive[v]),
        V.bitselect,
        V.store(vecOff(X_OFF, i, v)),
      );
    emit(I.get(kOff), I.get(dv[v]), V.store(vecOff(DV_OFF, 0, v)));
  }
  emit(I.get(kOff), I.const(G * 8), I.add, I.set(kOff), I.br(0));
  emit(I.end, I.end);

  const locals = [...uleb(2), ...uleb(nI32), 0x7f, ...uleb(nV128), 0x7b];
  const body = [...locals, ...code, 0x0b];
  const module = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // types: 0 = (i32) → (), 1 = (f64) → f64, 2 = (f64, f64) → f64
    ...section(1, [3, 0x60, 1, 0x7f, 0, 0x60, 1, 0x7c, 1, 0x7c, 0x60, 2, 0x7c, 0x7c, 1, 0x7c]),
    ...section(2, [
      MATH_IMPORTS.length,
      ...MATH_IMPORTS.flatMap((f) => [...str("Math"), ...str(f), 0x00, f === "pow" ? 2 : 1]),
    ]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, [2, ...str("run"), 0x00, MATH_IMPORTS.length, ...str("mem"), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  const b64 = Buffer.from(Uint8Array.from(module)).toString("base64");

  const xs = (k: string) => Array.from({ length: D }, (_, i) => `m[${X_OFF / 8 + i * NB} + ${k}]`).join(", ");
  const kernel = `(function () {
"use strict";
const bin = Uint8Array.from(atob("${b64}"), (c) => c.charCodeAt(0));
const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), { Math: { ${MATH_IMPORTS.map((f) => `${f}: Math.${f}`).join(", ")} } });
const mem = inst.exports.mem;
let m = new Float64Array(mem.buffer), mi = new Int32Array(mem.buffer);
const runWasm = inst.exports.run;
const T = ${T}, NB = ${NB}, G = ${G};
let loaded = -1;
const rowBase = new Int32Array(${nHT});
${lossSource(p)}
return function (P, r0, r1) {
  const X0 = P.X0, FX = P.FX, FL = P.FL, DV = P.DV, H = P.H, TB = P.TB, HT = P.HT, CI = P.CI;
  if (loaded !== P.ID) {
    // once per sweep: the step tables, and the hyperparameter tables after them (growing memory)
    let need = ${HT_OFF};
    for (let k = 0; k < ${nHT}; k++) need += HT[k].length * 8;
    if (need > mem.buffer.byteLength) {
      mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
      m = new Float64Array(mem.buffer);
      mi = new Int32Array(mem.buffer);
    }
${[...exported.values()].map((k) => `    m.set(TB[${k}], ${TB_OFF / 8 + k * T});`).join("\n")}
    let at = ${HT_OFF};
    for (let k = 0; k < ${nHT}; k++) {
      m.set(HT[k], at / 8);
      rowBase[k] = at;
      at += HT[k].length * 8;
    }
    loaded = P.ID;
  }
  for (let a = r0; a < r1; a += NB) {
    const n = Math.min(NB, r1 - a), np = Math.ceil(n / G) * G;
    for (let k = 0; k < np; k++) {
      // spare lanes repeat the block's last run
      const run = a + (k < n ? k : n - 1);
${Array.from({ length: D }, (_, i) => `      m[${X_OFF / 8 + i * NB} + k] = X0[run * ${D} + ${i}];`).join("\n")}
${hyperIdx.map((h, j) => `      m[${H_OFF / 8 + j * NB} + k] = H[${h}][run];`).join("\n")}
${[...plan.loads.values()].map(({ group, table }) => `      mi[${CO_OFF / 4 + table * NB} + k] = rowBase[${table}] + CI[${group}][run] * ${T * 8};`).join("\n")}
    }
    runWasm(np);
    for (let k = 0; k < n; k++) {
      const run = a + k, d = m[${DV_OFF / 8} + k];
      DV[run] = d;
${Array.from({ length: D }, (_, i) => `      FX[run * ${D} + ${i}] = m[${X_OFF / 8 + i * NB} + k];`).join("\n")}
      FL[run] = lossAt(d > 0 ? d : T, ${xs("k")});
    }
  }
};
})()`;
  return { kernel, tables, nTables: exported.size };
}
