"""Seeded wrong versions ("mutants") of every graded function of the exercises.

MUTANTS[assignment][task][name] is the source of a cell that defines ``task`` wrongly in one
specific way (a mistake learners make, or one the course's source notes contain). Each must
lose points under the assignment's checks; tests/grading/test_grading_checks.py runs them at
function
level and tests/grading/test_grading_course.py runs one through the whole autograde.
"""

from __future__ import annotations

MUTANTS: dict[str, dict[str, dict[str, str]]] = {
    "ch01_digits": {
        "perceptron_output": {
            ">= instead of >": "def perceptron_output(x, w, b):\n"
                               "    return (np.asarray(x) @ w + b >= 0).astype(int)",
            "bias left out": "def perceptron_output(x, w, b):\n"
                             "    return (np.asarray(x) @ w > 0).astype(int)",
            "bias subtracted": "def perceptron_output(x, w, b):\n"
                               "    return (np.asarray(x) @ w - b > 0).astype(int)",
            "one input only (w . x fails for rows)": "def perceptron_output(x, w, b):\n"
                                                     "    return int(np.dot(w, x) + b > 0)",
        },
        "sigmoid": {
            "sign of z lost": "def sigmoid(z):\n    return 1 / (1 + np.exp(np.asarray(z)))",
            "overflowing form exp(z)/(1+exp(z))": "def sigmoid(z):\n"
                                                 "    e = np.exp(np.asarray(z))\n"
                                                 "    return e / (1 + e)",
            "casts to float64": "def sigmoid(z):\n"
                                "    z = np.asarray(z, dtype=np.float64)\n"
                                "    return 1 / (1 + np.exp(-z))",
            "tanh instead of sigma": "def sigmoid(z):\n    return np.tanh(z)",
            "the book's 1/(1+exp(-z)): right values, warns on overflow": (
                "def sigmoid(z):\n"
                "    return 1.0 / (1.0 + np.exp(-np.asarray(z)))"),
        },
        "sigmoid_neuron_output": {
            "bias left out": "def sigmoid_neuron_output(x, w, b):\n"
                             "    return sigmoid(np.asarray(x) @ w)",
            "step instead of sigmoid": "def sigmoid_neuron_output(x, w, b):\n"
                                       "    return (np.asarray(x) @ w + b > 0).astype(float)",
            "no sigmoid": "def sigmoid_neuron_output(x, w, b):\n"
                          "    return np.asarray(x) @ w + b",
        },
        "feedforward": {
            "no sigmoid on the output layer": (
                "def feedforward(x, weights, biases):\n"
                "    a = x\n"
                "    for w, b in zip(weights[:-1], biases[:-1], strict=True):\n"
                "        a = sigmoid(a @ w.T + b)\n"
                "    return a @ weights[-1].T + biases[-1]"),
            "weights not transposed": (
                "def feedforward(x, weights, biases):\n"
                "    a = x\n"
                "    for w, b in zip(weights, biases, strict=True):\n"
                "        a = sigmoid(a @ w + b)\n"
                "    return a"),
            "first layer only": "def feedforward(x, weights, biases):\n"
                                "    return sigmoid(x @ weights[0].T + biases[0])",
            "bias subtracted": (
                "def feedforward(x, weights, biases):\n"
                "    a = x\n"
                "    for w, b in zip(weights, biases, strict=True):\n"
                "        a = sigmoid(a @ w.T - b)\n"
                "    return a"),
            "centres x in place": (
                "def feedforward(x, weights, biases):\n"
                "    x -= 0.5 * x\n"
                "    a = 2 * x\n"
                "    for w, b in zip(weights, biases, strict=True):\n"
                "        a = sigmoid(a @ w.T + b)\n"
                "    return a"),
        },
        "feedforward_tanh": {
            "tanh on the output layer too": "TANH_OUT",
            "sigmoid in the hidden layers": "TANH_SIGMOID",
            "the output's sigmoid written inline (overflows on saturated outputs)": "TANH_NAIVE",
            "the first hidden layer only": "TANH_FIRST",
        },
        "update_mini_batch": {
            "wrong sign (gradient ascent)": (
                "def update_mini_batch(x, y, weights, biases, eta, gradient):\n"
                "    nabla_b, nabla_w = gradient(x, y, weights, biases)\n"
                "    return ([w + eta * nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [b + eta * nb for b, nb in zip(biases, nabla_b, strict=True)])"),
            "eta ignored": (
                "def update_mini_batch(x, y, weights, biases, eta, gradient):\n"
                "    nabla_b, nabla_w = gradient(x, y, weights, biases)\n"
                "    return ([w - nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [b - nb for b, nb in zip(biases, nabla_b, strict=True)])"),
            "gradients swapped (nabla_w, nabla_b)": (
                "def update_mini_batch(x, y, weights, biases, eta, gradient):\n"
                "    nabla_w, nabla_b = gradient(x, y, weights, biases)\n"
                "    return ([w - eta * nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [b - eta * nb for b, nb in zip(biases, nabla_b, strict=True)])"),
            "updates the given arrays in place": (
                "def update_mini_batch(x, y, weights, biases, eta, gradient):\n"
                "    nabla_b, nabla_w = gradient(x, y, weights, biases)\n"
                "    for w, nw in zip(weights, nabla_w, strict=True):\n"
                "        w -= eta * nw\n"
                "    for b, nb in zip(biases, nabla_b, strict=True):\n"
                "        b -= eta * nb\n"
                "    return weights, biases"),
            "sum over the batch instead of the mean (times N)": (
                "def update_mini_batch(x, y, weights, biases, eta, gradient):\n"
                "    nabla_b, nabla_w = gradient(x, y, weights, biases)\n"
                "    n = len(x)\n"
                "    return ([w - eta * n * nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [b - eta * n * nb for b, nb in zip(biases, nabla_b, strict=True)])"),
        },
        "accuracy": {
            "count instead of fraction": "def accuracy(a, labels):\n"
                                         "    return int(np.sum(np.argmax(a, axis=1) == labels))",
            "percent": "def accuracy(a, labels):\n"
                       "    return 100 * float(np.mean(np.argmax(a, axis=1) == labels))",
            "argmin": "def accuracy(a, labels):\n"
                      "    return float(np.mean(np.argmin(a, axis=1) == labels))",
        },
        "count_parameters": {
            "weights only": "def count_parameters(sizes):\n"
                            "    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], "
                            "strict=True))",
            "a bias for the input layer too": "def count_parameters(sizes):\n"
                                              "    return sum(a * b for a, b in zip(sizes[:-1], "
                                              "sizes[1:], strict=True)) + sum(sizes)",
            "sum instead of product": "def count_parameters(sizes):\n"
                                      "    return sum(a + b + b for a, b in zip(sizes[:-1], "
                                      "sizes[1:], strict=True))",
        },
    },
    "ch02_backprop": {
        "backprop_ce_l2": {
            "keeps sigma'(z^L) in the output error": "CEL2_PRIME",
            "L2 term without /n": "CEL2_NO_N",
            "biases regularised too": "CEL2_BIASES",
            "lambda / 2n instead of lambda / n": "CEL2_HALF",
        },
        "backprop_example": {
            "missing sigma' in BP1": "BP1_NO_PRIME",
            "missing sigma' in BP2": "BP2_NO_PRIME",
            "BP4 outer product reversed": "BP4_REVERSED",
            "wrong sign (y - a)": "SIGN",
            "sigma' of the activation instead of z": "PRIME_OF_A",
        },
        "backprop": {
            "sum instead of mean over the mini-batch": "SUM",
            "missing sigma' in BP2": "BP2_NO_PRIME",
            "mean over the outputs instead of the examples": "MEAN_OUTPUTS",
            "casts to float64": "FLOAT64",
            # issue 26: right gradients, but a loop over the examples
            "a loop over the rows calling backprop_example": (
                "def backprop(x, y, weights, biases):\n"
                "    nabla_b = [np.zeros_like(b) for b in biases]\n"
                "    nabla_w = [np.zeros_like(w) for w in weights]\n"
                "    for x_row, y_row in zip(x, y, strict=True):\n"
                "        db, dw = backprop_example(x_row, y_row, weights, biases)\n"
                "        nabla_b = [nb + d / len(x) for nb, d in zip(nabla_b, db, strict=True)]\n"
                "        nabla_w = [nw + d / len(x) for nw, d in zip(nabla_w, dw, strict=True)]\n"
                "    return nabla_b, nabla_w"),
            "a loop over the rows, BP1-BP4 written out per row": "ROW_LOOP",
        },
        "numerical_gradient": {
            # issue 26: right on f(x) of its argument, blind to an f that reads x itself
            "perturbs copies of x": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n"
                "        x_plus, x_minus = x.copy(), x.copy()\n"
                "        x_plus[i] += h\n"
                "        x_minus[i] -= h\n"
                "        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)\n"
                "    return grad"),
            "forward difference": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(x.shape)\n"
                "    f0 = f(x)\n"
                "    for i in np.ndindex(x.shape):\n"
                "        old = x[i]\n"
                "        x[i] = old + h\n"
                "        grad[i] = (f(x) - f0) / h\n"
                "        x[i] = old\n"
                "    return grad"),
            "h ignored": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n"
                "        old = x[i]\n"
                "        x[i] = old + 1e-5\n"
                "        fp = f(x)\n"
                "        x[i] = old - 1e-5\n"
                "        fm = f(x)\n"
                "        x[i] = old\n"
                "        grad[i] = (fp - fm) / 2e-5\n"
                "    return grad"),
            "x not restored": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n"
                "        old = x[i]\n"
                "        x[i] = old + h\n"
                "        fp = f(x)\n"
                "        x[i] = old - h\n"
                "        fm = f(x)\n"
                "        grad[i] = (fp - fm) / (2 * h)\n"
                "    return grad"),
            "divides by h instead of 2h": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n"
                "        old = x[i]\n"
                "        x[i] = old + h\n"
                "        fp = f(x)\n"
                "        x[i] = old - h\n"
                "        fm = f(x)\n"
                "        x[i] = old\n"
                "        grad[i] = (fp - fm) / h\n"
                "    return grad"),
            "vectors only": (
                "def numerical_gradient(f, x, h=1e-5):\n"
                "    grad = np.zeros(len(x))\n"
                "    for i in range(len(x)):\n"
                "        old = x[i]\n"
                "        x[i] = old + h\n"
                "        fp = f(x)\n"
                "        x[i] = old - h\n"
                "        fm = f(x)\n"
                "        x[i] = old\n"
                "        grad[i] = (fp - fm) / (2 * h)\n"
                "    return grad"),
        },
        "worked_example": {
            "dE/dout_h1 through o1 only": "WE_ONE_PATH",
            "sigma' missing in delta_o1": "WE_NO_PRIME",
            "w5 and w6 swapped (weights by source, not by target)": "WE_W_ORDER",
            # issue 26: the book's published numbers instead of a computation
            "copies the published numbers of nndl_lib.reference_values": (
                "from nndl_lib.reference_values import WORKED_EXAMPLE_222\n"
                "def worked_example(x, y, w, b_hidden, b_output):\n"
                "    ex = WORKED_EXAMPLE_222\n"
                "    return {k: ex.get(k, ex['dE_dw'][4]) for k in ('out_h1', 'out_h2', "
                "'out_o1', 'out_o2', 'delta_o1', 'dE_dw5', 'delta_o2', 'dE_dout_h1', "
                "'delta_h1', 'dE_dw1')}"),
        },
    },
    "ch03_improving": {
        "backprop_dropout": {
            "the mask left out of the forward pass": "DROP_FORWARD",
            "the mask left out of BP2": "DROP_BACKWARD",
            "inverted dropout (kept units rescaled)": "DROP_INVERTED",
            "quadratic cost's output error (sigma' kept)": "DROP_PRIME",
        },
        "CrossEntropyCost": {
            "sum instead of mean": "CE_SUM",
            "delta keeps sigma'(z)": "CE_PRIME",
            "0 ln 0 gives nan": "CE_NAN",
            "(1 - y) ln(1 - a) term missing": "CE_HALF",
            "right values, but log(0) warns": "CE_WARN",
        },
        "softmax": {
            "normalises columns (axis 0)": "def softmax(z):\n"
                                           "    e = np.exp(z - np.max(z))\n"
                                           "    return e / e.sum(axis=0)",
            "no max subtracted (overflows)": "def softmax(z):\n"
                                             "    e = np.exp(z)\n"
                                             "    return e / e.sum(axis=-1, keepdims=True)",
            "rows only (axis=1)": "def softmax(z):\n"
                                  "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
                                  "    return e / e.sum(axis=1, keepdims=True)",
            # issue 24: the same function mathematically, but a row far below the global
            # maximum underflows to 0/0 = nan
            "subtracts the global maximum, not each row's": (
                "def softmax(z):\n"
                "    e = np.exp(z - np.max(z))\n"
                "    return e / e.sum(axis=-1, keepdims=True)"),
            "works in place on the caller's z": (
                "def softmax(z):\n"
                "    z -= z.max(axis=-1, keepdims=True)\n"
                "    np.exp(z, out=z)\n"
                "    z /= z.sum(axis=-1, keepdims=True)\n"
                "    return z"),
        },
        "LogLikelihoodCost": {
            "sum instead of mean": "LL_SUM",
            "delta only at the target (seed 003's error)": "LL_TARGET_ONLY",
            "minus sign lost": "LL_SIGN",
            "0 ln 0 gives nan": "LL_NAN",
            "a vector (K,) counted as K rows": "LL_VECTOR_K",
        },
        "l2_update": {
            "new array, not in place": "def l2_update(w, nabla_w, eta, lmbda, n):\n"
                                       "    w = (1 - eta * lmbda / n) * w - eta * nabla_w",
            "decay without /n": "def l2_update(w, nabla_w, eta, lmbda, n):\n"
                                "    w *= 1 - eta * lmbda\n"
                                "    w -= eta * nabla_w",
            "decay applied after the step": "def l2_update(w, nabla_w, eta, lmbda, n):\n"
                                            "    w -= eta * nabla_w\n"
                                            "    w *= 1 - eta * lmbda / n",
            "scales the caller's nabla_w in place": "def l2_update(w, nabla_w, eta, lmbda, n):\n"
                                                    "    nabla_w *= eta\n"
                                                    "    w *= 1 - eta * lmbda / n\n"
                                                    "    w -= nabla_w",
        },
        "l1_update": {
            "w instead of sgn(w) (that is L2)": "def l1_update(w, nabla_w, eta, lmbda, n):\n"
                                                "    w -= (eta * lmbda / n) * w\n"
                                                "    w -= eta * nabla_w",
            "sign of the gradient": "def l1_update(w, nabla_w, eta, lmbda, n):\n"
                                    "    w -= (eta * lmbda / n) * np.sign(nabla_w)\n"
                                    "    w -= eta * nabla_w",
            "sgn(0) = 1": "def l1_update(w, nabla_w, eta, lmbda, n):\n"
                          "    w -= (eta * lmbda / n) * np.where(w >= 0, 1.0, -1.0)\n"
                          "    w -= eta * nabla_w",
        },
        "regularized_step": {
            "biases regularised too": (
                "def regularized_step(weights, biases, nabla_w, nabla_b, eta, lmbda, n):\n"
                "    d = 1 - eta * lmbda / n\n"
                "    return ([d * w - eta * nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [d * b - eta * nb for b, nb in zip(biases, nabla_b, strict=True)])"),
            "no weight decay": (
                "def regularized_step(weights, biases, nabla_w, nabla_b, eta, lmbda, n):\n"
                "    return ([w - eta * nw for w, nw in zip(weights, nabla_w, strict=True)],\n"
                "            [b - eta * nb for b, nb in zip(biases, nabla_b, strict=True)])"),
            "updates the given arrays in place": (
                "def regularized_step(weights, biases, nabla_w, nabla_b, eta, lmbda, n):\n"
                "    for w, nw in zip(weights, nabla_w, strict=True):\n"
                "        w *= 1 - eta * lmbda / n\n"
                "        w -= eta * nw\n"
                "    for b, nb in zip(biases, nabla_b, strict=True):\n"
                "        b -= eta * nb\n"
                "    return weights, biases"),
        },
        "dropout_forward": {
            "inverted dropout (kept units rescaled)": "def dropout_forward(x, mask):\n"
                                                      "    return x * mask / mask.mean()",
            "keeps the dropped units": "def dropout_forward(x, mask):\n"
                                       "    return x * (1 - mask)",
            "no dropout": "def dropout_forward(x, mask):\n    return x",
        },
        "dropout_backward": {
            "gradient not masked": "def dropout_backward(dout, mask):\n    return dout",
            "inverted scaling": "def dropout_backward(dout, mask):\n"
                                "    return dout * mask / mask.mean()",
            "complement of the mask": "def dropout_backward(dout, mask):\n"
                                      "    return dout * (1 - mask)",
        },
        "dropout_evaluate": {
            "scaled by p": "def dropout_evaluate(x, p):\n    return p * x",
            "scaled by 1/(1 - p) (inverted dropout's training factor)":
                "def dropout_evaluate(x, p):\n    return x / (1 - p)",
            "not scaled": "def dropout_evaluate(x, p):\n    return x",
            # issue 24: right values, but the learner's network is corrupted at evaluation
            "scales the caller's array in place": "def dropout_evaluate(x, p):\n"
                                                  "    x *= 1 - p\n"
                                                  "    return x",
        },
        "Momentum": {
            "wrong sign (v -> mu v + eta g)": "MOM_SIGN",
            "no memory (v reset every step)": "MOM_RESET",
            "w -> w - v": "MOM_MINUS",
            "one velocity shared by all parameters": "MOM_SHARED",
            "scales the caller's gradients in place": "MOM_SCALES_G",
        },
        "Adam": {
            "no bias correction": "ADAM_NO_CORRECTION",
            "eps inside the square root": "ADAM_EPS",
            "step count never increases": "ADAM_T",
            "beta1 and beta2 swapped": "ADAM_SWAP",
        },
        "default_weight_init": {
            "std 1/n_in": "def default_weight_init(n_out, n_in, rng, dtype=np.float64):\n"
                          "    return (rng.standard_normal((n_out, n_in)) / n_in).astype(dtype)",
            "std 1/sqrt(n_out)": "def default_weight_init(n_out, n_in, rng, dtype=np.float64):\n"
                                 "    return (rng.standard_normal((n_out, n_in)) / "
                                 "np.sqrt(n_out)).astype(dtype)",
            "N(0, 1) (the large initialisation)": (
                "def default_weight_init(n_out, n_in, rng, dtype=np.float64):\n"
                "    return rng.standard_normal((n_out, n_in)).astype(dtype)"),
            "drawn as (n_in, n_out) then transposed": (
                "def default_weight_init(n_out, n_in, rng, dtype=np.float64):\n"
                "    return (rng.standard_normal((n_in, n_out)).T / np.sqrt(n_in)).astype(dtype)"),
            "dtype ignored": "def default_weight_init(n_out, n_in, rng, dtype=np.float64):\n"
                             "    return rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)",
        },
    },
}

# Mutants written as edits of the reference solution: (old text, new text) applied to the source
# notebook's answer cell of the task (see :func:`mutant_source`).
EDITS: dict[str, list[tuple[str, str]]] = {
    # ch02 backprop_example / backprop
    "BP1_NO_PRIME": [("(activations[-1] - y) * sigmoid_prime(zs[-1])", "(activations[-1] - y)")],
    "BP2_NO_PRIME": [("delta = (weights[i].T @ delta) * sigmoid_prime(zs[i - 1])",
                      "delta = weights[i].T @ delta"),
                     ("delta = (delta @ weights[i]) * sigmoid_prime(zs[i - 1])",
                      "delta = delta @ weights[i]")],
    "BP4_REVERSED": [("np.outer(delta, activations[i])", "np.outer(activations[i], delta)")],
    "SIGN": [("(activations[-1] - y) * sigmoid_prime", "(y - activations[-1]) * sigmoid_prime")],
    "PRIME_OF_A": [("* sigmoid_prime(zs[-1])", "* sigmoid_prime(activations[-1])"),
                   ("* sigmoid_prime(zs[i - 1])", "* sigmoid_prime(activations[i])")],
    "SUM": [(" / x.shape[0]", "")],
    "ROW_LOOP": [("def backprop(x, y, weights, biases):",
                  "def backprop(x_all, y_all, weights, biases):\n"
                  "    rows = [backprop_rows(x_all[n:n + 1], y_all[n:n + 1], weights, biases)\n"
                  "            for n in range(len(x_all))]\n"
                  "    layers = range(len(weights))\n"
                  "    return ([sum(r[0][i] for r in rows) / len(rows) for i in layers],\n"
                  "            [sum(r[1][i] for r in rows) / len(rows) for i in layers])\n"
                  "\n"
                  "\n"
                  "def backprop_rows(x, y, weights, biases):")],
    "TANH_OUT": [("return sigmoid(a @ weights[-1].T + biases[-1])",
                  "return np.tanh(a @ weights[-1].T + biases[-1])")],
    "TANH_SIGMOID": [("a = np.tanh(a @ w.T + b)", "a = sigmoid(a @ w.T + b)")],
    "TANH_NAIVE": [("return sigmoid(a @ weights[-1].T + biases[-1])",
                    "return 1 / (1 + np.exp(-(a @ weights[-1].T + biases[-1])))")],
    "TANH_FIRST": [("for w, b in zip(weights[:-1], biases[:-1], strict=True):",
                    "for w, b in zip(weights[:1], biases[:1]):")],
    "CEL2_PRIME": [("delta = (activations[-1] - y) / x.shape[0]",
                    "delta = (activations[-1] - y) * sigmoid_prime(zs[-1]) / x.shape[0]")],
    "CEL2_NO_N": [("(lmbda / n) * weights[i]", "lmbda * weights[i]")],
    "CEL2_BIASES": [("nabla_b[i] = delta.sum(axis=0)\n",
                     "nabla_b[i] = delta.sum(axis=0) + (lmbda / n) * biases[i]\n")],
    "CEL2_HALF": [("(lmbda / n) * weights[i]", "(lmbda / (2 * n)) * weights[i]")],
    "DROP_FORWARD": [("a = sigmoid(z) * masks[i] if i < L - 1 else sigmoid(z)",
                      "a = sigmoid(z)")],
    "DROP_BACKWARD": [("delta = (delta @ weights[i]) * sigmoid_prime(zs[i - 1]) * masks[i - 1]",
                       "delta = (delta @ weights[i]) * sigmoid_prime(zs[i - 1])")],
    "DROP_INVERTED": [("a = sigmoid(z) * masks[i] if i < L - 1 else sigmoid(z)",
                       "a = sigmoid(z) * masks[i] / masks[i].mean() if i < L - 1 else sigmoid(z)")],
    "DROP_PRIME": [("delta = (activations[-1] - y) / x.shape[0]",
                    "delta = (activations[-1] - y) * sigmoid_prime(zs[-1]) / x.shape[0]")],
    "WE_ONE_PATH": [("dE_dout_h1 = delta_o1 * w5 + delta_o2 * w7", "dE_dout_h1 = delta_o1 * w5")],
    "WE_NO_PRIME": [("delta_o1 = (out_o1 - t1) * out_o1 * (1 - out_o1)",
                     "delta_o1 = out_o1 - t1")],
    "WE_W_ORDER": [("w1, w2, w3, w4, w5, w6, w7, w8 = w", "w1, w2, w3, w4, w6, w5, w7, w8 = w")],
    "MEAN_OUTPUTS": [(" / x.shape[0]", " / y.shape[1]")],
    "FLOAT64": [("a, zs, activations = x, [], [x]",
                 "x = x.astype(np.float64)\n    a, zs, activations = x, [], [x]")],
    # ch03 costs
    "CE_SUM": [("return float(np.sum(terms) / rows)", "return float(np.sum(terms))")],
    "CE_PRIME": [("return a - y", "return (a - y) * a * (1 - a)")],
    "CE_NAN": [("terms = np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))",
                "terms = -y * np.log(a) - (1 - y) * np.log(1 - a)")],
    "CE_WARN": [('with np.errstate(divide="ignore", invalid="ignore"):', "if True:")],
    "CE_HALF": [("terms = np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a))",
                 "terms = np.nan_to_num(-y * np.log(a))")],
    "LL_SUM": [("return float(np.sum(terms) / rows)", "return float(np.sum(terms))")],
    "LL_VECTOR_K": [("        rows = a.shape[0] if np.ndim(a) == 2 else 1\n",
                     "        rows = a.shape[0]\n")],
    "LL_TARGET_ONLY": [("return a - y", "return y * (a - 1)")],
    "LL_NAN": [("terms = np.nan_to_num(-y * np.log(a))", "terms = -y * np.log(a)")],
    "LL_SIGN": [("terms = np.nan_to_num(-y * np.log(a))", "terms = np.nan_to_num(y * np.log(a))")],
    # ch03 optimisers
    "MOM_SIGN": [("v -= self.eta * g", "v += self.eta * g")],
    "MOM_RESET": [("v *= self.mu", "v *= 0.0")],
    "MOM_SCALES_G": [("v -= self.eta * g", "g *= self.eta\n            v -= g")],
    "MOM_MINUS": [("w += v", "w -= v")],
    "MOM_SHARED": [("for w, g, v in zip(params, grads, self.velocities, strict=True):",
                    "for w, g in zip(params, grads, strict=True):\n"
                    "            v = self.velocities[0]")],
    "ADAM_NO_CORRECTION": [("m_hat = m / (1 - self.beta1 ** self.t)", "m_hat = m"),
                           ("v_hat = v / (1 - self.beta2 ** self.t)", "v_hat = v")],
    "ADAM_EPS": [("(np.sqrt(v_hat) + self.eps)", "np.sqrt(v_hat + self.eps)")],
    "ADAM_T": [("self.t += 1", "self.t = 1")],
    "ADAM_SWAP": [("m[...] = self.beta1 * m + (1 - self.beta1) * g",
                   "m[...] = self.beta2 * m + (1 - self.beta2) * g"),
                  ("v[...] = self.beta2 * v + (1 - self.beta2) * g * g",
                   "v[...] = self.beta1 * v + (1 - self.beta1) * g * g")],
}


def mutant_source(spec: str, solution_source: str) -> str:
    """The code of a mutant: ``spec`` itself, or the reference solution with EDITS[spec]."""
    if spec not in EDITS:
        return spec
    text = solution_source
    applied = 0
    for old, new in EDITS[spec]:
        if old in text:
            text = text.replace(old, new)
            applied += 1
    if applied == 0:
        raise ValueError(f"mutant {spec}: none of its edits applies to the reference solution")
    return text


# The train-and-tune tasks' mutants (issue 26) live in a module of their own.
from train_and_tune_mutants import TRAIN_AND_TUNE_MUTANTS  # noqa: E402

for _assignment, _tasks in TRAIN_AND_TUNE_MUTANTS.items():
    MUTANTS[_assignment].update(_tasks)

from mutants_ch04_universality import MUTANTS_CH04_UNIVERSALITY  # noqa: E402

MUTANTS["ch04_universality"] = MUTANTS_CH04_UNIVERSALITY

from mutants_ch05_deep_training import MUTANTS_CH05_DEEP_TRAINING  # noqa: E402

MUTANTS["ch05_deep_training"] = MUTANTS_CH05_DEEP_TRAINING

from mutants_ch06_deep_learning import MUTANTS_CH06_DEEP_LEARNING  # noqa: E402

MUTANTS["ch06_deep_learning"] = MUTANTS_CH06_DEEP_LEARNING

from mutants_foundations import MUTANTS_FOUNDATIONS  # noqa: E402

MUTANTS["foundations"] = MUTANTS_FOUNDATIONS
