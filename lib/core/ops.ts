/**
 * The arithmetic every elementwise update rule and closed-form landscape is written against.
 *
 * One definition, two executions: `tfOps` runs a formula as TensorFlow.js tensor code (any shape,
 * broadcasting, autodiff), and the fused sweep engine (`lib/engine`) runs the same formula through
 * a tracer that turns it into a typed-array loop. A formula therefore uses only these operations and
 * plain JavaScript control flow on *configuration* (never on values).
 *
 * Arguments may be numbers; results are always `T`. The float64 semantics of each op (NaN, −0,
 * ±∞) are defined once in `opTable.ts`; `numOps` and the engine are derived from it, `tfOps` runs
 * tfjs kernels (where they differ: see `tfOps`).
 */
import * as tf from "@tensorflow/tfjs";
import { OP_TABLE as K } from "./opTable";

export type Val<T> = T | number;

export interface Ops<T> {
  /** A constant that broadcasts against any value. */
  const(c: number): T;
  add(a: Val<T>, b: Val<T>): T;
  sub(a: Val<T>, b: Val<T>): T;
  mul(a: Val<T>, b: Val<T>): T;
  div(a: Val<T>, b: Val<T>): T;
  neg(a: Val<T>): T;
  /** a^b, both may be values (e.g. β^t for bias correction). */
  pow(a: Val<T>, b: Val<T>): T;
  square(a: Val<T>): T;
  sqrt(a: Val<T>): T;
  abs(a: Val<T>): T;
  /** −1, +1, or a itself for ±0 and NaN (Math.sign). */
  sign(a: Val<T>): T;
  floor(a: Val<T>): T;
  exp(a: Val<T>): T;
  log(a: Val<T>): T;
  sin(a: Val<T>): T;
  cos(a: Val<T>): T;
  tanh(a: Val<T>): T;
  /** Math.max: NaN if either is NaN; max(−0, +0) = +0. */
  max(a: Val<T>, b: Val<T>): T;
  /** Math.min: NaN if either is NaN; min(−0, +0) = −0. */
  min(a: Val<T>, b: Val<T>): T;
  /** 1 where a > b, else 0 (0 when either is NaN). */
  gt(a: Val<T>, b: Val<T>): T;
  /** c > 0 ? a : b, elementwise (a NaN condition selects b). */
  where(c: Val<T>, a: Val<T>, b: Val<T>): T;
  /** min(max(a, lo), hi). */
  clip(a: Val<T>, lo: Val<T>, hi: Val<T>): T;
}

/**
 * `Ops` over TensorFlow.js tensors. Results are new tensors; wrap callers in `tf.tidy`. Computed in
 * float32 by tfjs's kernels, so not derived from the op table; on the CPU backend the semantics
 * match it (tf.maximum/minimum/pow are Math.max/min/pow) except `sign`: tf.sign(NaN) = 0 and
 * tf.sign(−0) = +0 where the table gives NaN and −0. Other backends (WebGL) may differ on NaN.
 */
export const tfOps: Ops<tf.Tensor> = {
  const: (c) => tf.scalar(c),
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  neg: (a) => tf.neg(a),
  pow: (a, b) => tf.pow(a, b),
  square: (a) => tf.square(a),
  sqrt: (a) => tf.sqrt(a),
  abs: (a) => tf.abs(a),
  sign: (a) => tf.sign(a),
  floor: (a) => tf.floor(a),
  exp: (a) => tf.exp(a),
  log: (a) => tf.log(a),
  sin: (a) => tf.sin(a),
  cos: (a) => tf.cos(a),
  tanh: (a) => tf.tanh(a),
  max: (a, b) => tf.maximum(a, b),
  min: (a, b) => tf.minimum(a, b),
  gt: (a, b) => tf.cast(tf.greater(a, b), "float32"),
  where: (c, a, b) => {
    const ct = typeof c === "number" ? tf.scalar(c) : c;
    const at = typeof a === "number" ? tf.scalar(a) : a;
    const bt = typeof b === "number" ? tf.scalar(b) : b;
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(
      tf.broadcast_util.assertAndGetBroadcastShape(ct.shape, at.shape),
      bt.shape,
    );
    return tf.where(tf.broadcastTo(tf.greater(ct, 0), shape), tf.broadcastTo(at, shape), tf.broadcastTo(bt, shape));
  },
  clip: (a, lo, hi) => tf.minimum(tf.maximum(a, lo), hi),
};

/**
 * `Ops` over plain numbers (float64), for references and scalar checks. Every op is the op table's
 * `num` (lib/core/opTable.ts), so results are the bits the engine's constant folding and kernels
 * produce, NaN and −0 included; clip(a, lo, hi) = min(max(a, lo), hi).
 */
export const numOps: Ops<number> = {
  const: (c) => c,
  add: K.add.num,
  sub: K.sub.num,
  mul: K.mul.num,
  div: K.div.num,
  neg: K.neg.num,
  pow: K.pow.num,
  square: K.square.num,
  sqrt: K.sqrt.num,
  abs: K.abs.num,
  sign: K.sign.num,
  floor: K.floor.num,
  exp: K.exp.num,
  log: K.log.num,
  sin: K.sin.num,
  cos: K.cos.num,
  tanh: K.tanh.num,
  max: K.max.num,
  min: K.min.num,
  gt: K.gt.num,
  where: K.where.num,
  clip: (a, lo, hi) => K.min.num(K.max.num(a, lo), hi),
};
