/**
 * Differentiating *through* a game field (Jacobians of update maps, as the spectral-radius tool
 * does) must not pick up spurious paths: tfjs 4.22 mis-differentiates a nested `tf.grads` whose
 * sources also feed the outer gradient through other ops, unless the inner sources are fresh tensors.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { playerField, zeroSumField, type OracleField } from "../../lib/optimizers/oracle";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

const xy = (b: tf.Tensor[]) => tf.sum(tf.mul(b[0], b[1])) as tf.Scalar;
const fields: [string, OracleField][] = [
  ["zeroSumField", zeroSumField(xy, [0, 1])],
  ["playerField", playerField([xy, (b) => tf.neg(xy(b)) as tf.Scalar], [0, 1])],
];

describe.each(fields)("%s under an outer gradient", (_name, field) => {
  it("alternating GDA on x·y: ∂y'/∂y = 1 − η² and ∂x'/∂y = −η (closed form)", async () => {
    const eta = 0.1;
    const x = tf.scalar(0.7),
      y = tf.scalar(-0.4);
    const step = (xv: tf.Tensor, yv: tf.Tensor) => {
      const x1 = tf.sub(xv, tf.mul(eta, field([xv, yv])[0]));
      const y1 = tf.sub(yv, tf.mul(eta, field([x1, yv])[1]));
      return [x1, y1];
    };
    const [dx1dy] = tf.grads((yv: tf.Tensor) => step(x, yv)[0])([y]);
    const [dy1dy] = tf.grads((yv: tf.Tensor) => step(x, yv)[1])([y]);
    const [dy1dx] = tf.grads((xv: tf.Tensor) => step(xv, y)[1])([x]);
    expect((await dx1dy.data())[0]).toBeCloseTo(-eta, 6);
    expect((await dy1dy.data())[0]).toBeCloseTo(1 - eta * eta, 6);
    expect((await dy1dx.data())[0]).toBeCloseTo(eta, 6);
    tf.dispose([x, y, dx1dy, dy1dy, dy1dx]);
  });
});
