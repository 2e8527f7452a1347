/** The landscapes and models plugged into the library's `minimize` loop. */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../lib/backend";
import { gaussianClusters } from "../../lib/data";
import { landscapeLoss, mlp, quadraticBowl } from "../../lib/landscapes";
import { accuracy } from "../../lib/losses";
import { minimize, sgd } from "../../lib/optimizers";
import { disposeTree, type Tree } from "../../lib/tree";

beforeAll(async () => {
  await initBackend({ force: "cpu", quiet: true });
});

describe("minimize on landscapes", () => {
  it("GD on a batch of runs of the quadratic bowl follows x_t = (1 − ηλ)^t x_0 per coordinate", async () => {
    const lam = [1, 0.25],
      lr = 0.5,
      steps = 20;
    const loss = landscapeLoss(quadraticBowl({ eigenvalues: lam }));
    const X0 = [
      [1, 2],
      [-3, 0.5],
      [0.1, -1],
    ];
    const res = await minimize((x: Tree) => loss(x as tf.Tensor), tf.tensor2d(X0), sgd({ lr }), {
      steps,
      progressSeconds: 0,
    });
    const got = (await (res.params as tf.Tensor).array()) as number[][];
    X0.forEach((x, r) => x.forEach((v, i) => expect(got[r][i]).toBeCloseTo(v * (1 - lr * lam[i]) ** steps, 5)));
    expect(res.losses[0].length).toBe(3);
    disposeTree(res.params);
  });

  it("a small MLP classifier reaches high accuracy on Gaussian clusters", async () => {
    const data = gaussianClusters({ n: 90, classes: 3, dim: 2, std: 0.5, separation: 4, seed: 1 });
    const net = mlp({ sizes: [2, 8, 3], activation: "tanh" });
    const p0 = net.init(0) as unknown as Tree;
    const res = await minimize((p: Tree) => net.loss(p, data.x, data.y), p0, sgd({ lr: 1 }), {
      steps: 40,
      every: 20,
      progressSeconds: 0,
    });
    const acc = (await accuracy(net.apply(res.params, data.x), data.y).data())[0];
    expect(acc).toBeGreaterThan(0.95);
    expect(res.losses[res.losses.length - 1][0]).toBeLessThan(res.losses[0][0] / 3);
    disposeTree([p0, res.params]);
    // the same network as a batch of 3 independently initialised runs
    const pb = net.init(0, { runs: 3 }) as unknown as Tree;
    const rb = await minimize((p: Tree) => net.loss(p, data.x, data.y), pb, sgd({ lr: 1 }), {
      steps: 40,
      every: 40,
      progressSeconds: 0,
    });
    expect(rb.runs).toBe(3);
    // run 0 starts from init(0): same trajectory as the unbatched run
    expect(rb.losses[rb.losses.length - 1][0]).toBeCloseTo(res.losses[res.losses.length - 1][0], 4);
    const out = net.apply(rb.params, data.x);
    for (let r = 0; r < 3; r++) {
      const acc = (await accuracy(out.slice([r, 0, 0], [1, 90, 3]).reshape([90, 3]), data.y).data())[0];
      expect(acc).toBeGreaterThan(0.95);
    }
    disposeTree([pb, rb.params, out]);
    data.dispose();
  });
});
