"""Broken versions of the train-and-tune tasks' answers (issue 26), merged into
``grading_mutants.MUTANTS``. LOSES[assignment][task][name] names the sub-checks (by the start
of their names) each must fail: tests/grading/test_train_and_tune.py holds them to it, in the
notebook's check and out of kernel."""

from __future__ import annotations

_SGD_HEAD = "def sgd(x, y, weights, biases, epochs, mini_batch_size, eta, rng, gradient):\n"


def _sgd(body: str) -> str:
    return _SGD_HEAD + body


TRAIN_AND_TUNE_MUTANTS: dict[str, dict[str, dict[str, str]]] = {
    "ch01_digits": {"sgd": {
        "no shuffling": _sgd(
            "    for _ in range(epochs):\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            weights, biases = update_mini_batch(\n"
            "                x[k:k + mini_batch_size], y[k:k + mini_batch_size], weights, biases,\n"
            "                eta, gradient)\n"
            "    return weights, biases"),
        "shuffles once, before the first epoch": _sgd(
            "    order = rng.permutation(len(x))\n"
            "    for _ in range(epochs):\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            batch = order[k:k + mini_batch_size]\n"
            "            weights, biases = update_mini_batch(x[batch], y[batch], weights,\n"
            "                                                biases, eta, gradient)\n"
            "    return weights, biases"),
        "np.random instead of rng": _sgd(
            "    for _ in range(epochs):\n"
            "        order = np.random.permutation(len(x))\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            batch = order[k:k + mini_batch_size]\n"
            "            weights, biases = update_mini_batch(x[batch], y[batch], weights,\n"
            "                                                biases, eta, gradient)\n"
            "    return weights, biases"),
        "the step is discarded (update_mini_batch returns new lists)": _sgd(
            "    for _ in range(epochs):\n"
            "        order = rng.permutation(len(x))\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            batch = order[k:k + mini_batch_size]\n"
            "            update_mini_batch(x[batch], y[batch], weights, biases, eta, gradient)\n"
            "    return weights, biases"),
        "the book's eta/len(mini_batch) on a mean gradient": _sgd(
            "    for _ in range(epochs):\n"
            "        order = rng.permutation(len(x))\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            batch = order[k:k + mini_batch_size]\n"
            "            weights, biases = update_mini_batch(x[batch], y[batch], weights,\n"
            "                                                biases, eta / len(batch), gradient)\n"
            "    return weights, biases"),
        "x and y shuffled separately, in place": _sgd(
            "    for _ in range(epochs):\n"
            "        rng.shuffle(x)\n"
            "        rng.shuffle(y)\n"
            "        for k in range(0, len(x), mini_batch_size):\n"
            "            weights, biases = update_mini_batch(\n"
            "                x[k:k + mini_batch_size], y[k:k + mini_batch_size], weights, biases,\n"
            "                eta, gradient)\n"
            "    return weights, biases"),
    }},
    "ch03_improving": {"hyperparameters": {
        "eta far too large (50)": "def hyperparameters():\n"
                                  "    return {'eta': 50.0, 'lmbda': 0.1, 'epochs': 20}",
        "over-regularised (lmbda = 50)": "def hyperparameters():\n"
                                         "    return {'eta': 1.0, 'lmbda': 50.0, 'epochs': 20}",
        "one short epoch (eta = 0.05)": "def hyperparameters():\n"
                                        "    return {'eta': 0.05, 'lmbda': 0.0, 'epochs': 1}",
        "a list, not a dict": "def hyperparameters():\n    return [1.0, 0.1, 20]",
    }},
}

_EPOCHS, _ORDER, _MNIST = "each epoch", "a new random order", "[784, 30, 10]"
_BOUNDS, _TRAINED, _INPUTS = "a dict of eta", "trained with your choice", "x, y,"

#: the sub-checks each mutant fails (by the start of their names); it passes every other one
LOSES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "ch01_digits": {"sgd": {
        "no shuffling": (_ORDER,),
        "shuffles once, before the first epoch": (_ORDER,),
        "np.random instead of rng": (_ORDER,),
        "the step is discarded (update_mini_batch returns new lists)": (_MNIST,),
        "the book's eta/len(mini_batch) on a mean gradient": (_MNIST,),
        "x and y shuffled separately, in place": (_EPOCHS, _ORDER, _MNIST, _INPUTS),
    }},
    "ch03_improving": {"hyperparameters": {
        "eta far too large (50)": (_BOUNDS, _TRAINED),
        "over-regularised (lmbda = 50)": (_TRAINED,),
        "one short epoch (eta = 0.05)": (_TRAINED,),
        "a list, not a dict": (_BOUNDS, _TRAINED),
    }},
}
