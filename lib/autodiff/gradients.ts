/**
 * Second-order autodiff that is correct on TensorFlow.js 4.x, and stable log-probability primitives.
 *
 * Why: several tfjs gradients are written in terms of the op's saved *output* (exp, tanh, sigmoid,
 * elu, pow, softmax, logSoftmax, max/min). Differentiating such a gradient again (double backprop,
 * as in a Hessian-vector product) either throws ("Cannot compute gradient of y=f(x)") or silently
 * drops the path through the output and returns a wrong HVP. Comparison ops have no gradient at all,
 * so any gradient that builds a mask (leakyRelu, max) cannot be differentiated. We re-register those
 * gradients in terms of the op's *input*, give comparison ops a zero gradient, and make the matMul
 * gradient use explicit transposes (on wasm, matMul with transposeA/B is 12–15× slower than a
 * transpose followed by a plain matMul).
 *
 * `installGradientFixes()` is idempotent and cheap; `initBackend()` calls it, and anything that may
 * reload tfjs (a second copy of tfjs-core, another library registering gradients) should call it
 * again. `gradientFixesInstalled()` checks that the registry still holds our configs.
 */
import * as tf from "@tensorflow/tfjs";

type GradFunc = (
  dy: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
) => Record<string, () => tf.Tensor>;

const one = () => tf.scalar(1);

/** Reshapes a reduced tensor `r` (reduced over `axis` of `x`) so it broadcasts against `x`. */
function keepDimsLike(r: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.reshape(r, shape);
}

function zeroGrad(...inputs: string[]): GradFunc {
  return (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike(saved[i])]));
}

/** Swaps the last two axes explicitly (a transpose kernel, then a plain matMul, is fastest on wasm). */
function transposeLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/** Sums a matMul gradient over broadcast batch axes so it matches the input's shape. */
function reduceToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank - 2; i++) {
    if (i < lead || shape[i - lead] === 1) axes.push(i);
  }
  return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape);
}

const fixes: { kernelName: string; inputsToSave: string[]; gradFunc: GradFunc }[] = [
  {
    kernelName: "Exp",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) }),
  },
  {
    kernelName: "Tanh",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sub(one(), tf.square(tf.tanh(x)))) }),
  },
  {
    kernelName: "Sigmoid",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const s = tf.sigmoid(x);
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(one(), s)));
      },
    }),
  },
  {
    kernelName: "Elu",
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({
      x: () => tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x, 0)))),
    }),
  },
  {
    kernelName: "LeakyRelu",
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.mul(dy as tf.Tensor, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.fill(x.shape, attrs.alpha as number))),
    }),
  },
  {
    kernelName: "Pow",
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const reduce = (g: tf.Tensor, shape: number[]) => {
        const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
        return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
      };
      return {
        a: () => reduce(tf.mul(dy as tf.Tensor, tf.mul(b, tf.pow(a, tf.sub(b, tf.cast(one(), b.dtype))))), a.shape),
        b: () => {
          // d/db a^b = a^b log a, taken as 0 where a <= 0 (as tfjs does).
          const pos = tf.greater(a, 0);
          const loga = tf.where(pos, tf.log(tf.where(pos, a, tf.onesLike(a))), tf.zerosLike(a));
          return reduce(tf.mul(dy as tf.Tensor, tf.mul(tf.pow(a, b), loga)), b.shape);
        },
      };
    },
  },
  {
    kernelName: "Softmax",
    inputsToSave: ["logits"],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const dim = attrs.dim as number;
        const s = tf.softmax(logits, dim);
        const d = dy as tf.Tensor;
        return tf.mul(s, tf.sub(d, tf.sum(tf.mul(d, s), dim, true)));
      },
    }),
  },
  {
    kernelName: "LogSoftmax",
    inputsToSave: ["logits"],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const axis = attrs.axis as number;
        const d = dy as tf.Tensor;
        return tf.sub(d, tf.mul(tf.sum(d, axis, true), tf.softmax(logits, axis)));
      },
    }),
  },
  ...(["Max", "Min"] as const).map((kernelName) => ({
    kernelName,
    inputsToSave: ["x"],
    gradFunc: ((dy, [x], attrs) => ({
      x: () => {
        const axis = (attrs.reductionIndices ?? attrs.axis) as number | number[];
        const r = kernelName === "Max" ? tf.max(x, axis, true) : tf.min(x, axis, true);
        const mask = tf.cast(tf.equal(x, r), x.dtype);
        return tf.mul(keepDimsLike(dy as tf.Tensor, x, axis), mask);
      },
    })) as GradFunc,
  })),
  {
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b], attrs) => {
      const d = dy as tf.Tensor;
      const ta = attrs.transposeA as boolean,
        tb = attrs.transposeB as boolean;
      const T = transposeLast;
      // With A = op(a), B = op(b), C = A B: dA = dC Bᵀ, dB = Aᵀ dC; then undo op().
      const A = () => (ta ? T(a) : a),
        B = () => (tb ? T(b) : b);
      return {
        a: () => reduceToShape(ta ? tf.matMul(B(), T(d)) : tf.matMul(d, T(B())), a.shape),
        b: () => reduceToShape(tb ? tf.matMul(T(d), A()) : tf.matMul(T(A()), d), b.shape),
      };
    },
  },
  ...["Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual"].map((kernelName) => ({
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: zeroGrad("a", "b"),
  })),
  ...["LogicalAnd", "LogicalOr"].map((kernelName) => ({
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: zeroGrad("a", "b"),
  })),
  { kernelName: "LogicalNot", inputsToSave: ["x"], gradFunc: zeroGrad("x") },
  { kernelName: "IsNan", inputsToSave: ["x"], gradFunc: zeroGrad("x") },
];

/** (Re-)registers the gradient fixes in tfjs's gradient registry. Idempotent. */
export function installGradientFixes(): void {
  for (const f of fixes) {
    if (tf.getGradient(f.kernelName)?.gradFunc === (f.gradFunc as unknown)) continue;
    tf.registerGradient(f as unknown as tf.GradConfig);
  }
}

/** True if every fix is the registered gradient of its kernel (false after something re-registered tfjs's own). */
export function gradientFixesInstalled(): boolean {
  return fixes.every((f) => tf.getGradient(f.kernelName)?.gradFunc === (f.gradFunc as unknown));
}

/** Kernels whose gradients this module replaces or adds. */
export const fixedKernels: readonly string[] = fixes.map((f) => f.kernelName);

/**
 * A tensor equal to `x` whose gradient is zero (JAX's `stop_gradient`), to any order.
 */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([t]);
    return { value: tf.clone(t), gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => tf.zerosLike(saved[0]) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}

/**
 * log Σ exp(x) along `axis`, stable: m + log Σ exp(x − m) with m = stop_gradient(max x), which is
 * exact for every derivative order because the expression does not depend on m.
 */
export function logSumExp(x: tf.Tensor, axis = -1, keepDims = false): tf.Tensor {
  return tf.tidy(() => {
    const m = stopGradient(tf.max(x, axis, true));
    const r = tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, m)), axis, true)), m);
    return keepDims ? r : tf.squeeze(r, [axis < 0 ? x.rank + axis : axis]);
  });
}

/** log softmax(x) = x − logSumExp(x), stable, with correct gradients and HVPs. */
export function logSoftmax(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => tf.sub(x, logSumExp(x, axis, true)));
}

/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}), stable, differentiable twice. */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/** log σ(x) = −softplus(−x), stable. */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(softplus(tf.neg(x))));
}
