"""nndl_lib: the reference NumPy library of the course "Neural Networks and Deep Learning,
executable".

One implementation of every idea the chapters and exercises use; modules have one job each.

Data and configuration
    ``data`` (MNIST loader: search path, sha256, mirrors, cache; expanded data),
    ``config`` (the fast/full switch), ``reference_values`` (the book's published numbers, read
    from ``experiments.toml``), ``experiments`` (every published experiment as a spec:
    ``run(key, tier)``).
Shared machinery
    ``training`` (the one trainer and its ``History``, for every model), ``validate`` (input
    checks), ``persist`` (the one model file format), ``activations``, ``costs``, ``init``,
    ``regularization`` (L2/L1, dropout kernels), ``optimizers``, ``gradcheck``, ``checks``
    (random cases, the one tolerance table, comparisons returning structured results).
Fully connected networks (chapters 1-3, 5)
    ``fc`` (the pure kernels: feedforward, backprop_example, backprop, update_mini_batch, sgd),
    ``fc_fast`` (the training loop's fast path, tested against ``fc``), ``network`` (the
    ``Network`` class), ``batchnorm``, ``metrics`` (accuracy, parameter count).
Convolutional and recurrent networks (chapter 6)
    ``conv`` (naive kernels; the fast ones from ``conv_fast``), ``conv_shapes`` (sizes and input
    checks), ``layers``, ``convnet``, ``ensemble``, ``rnn`` (a vanilla RNN trained by
    backpropagation through time; an LSTM forward pass).
Foundations page
    ``normalization`` (min-max and z-score scaling, local response normalisation),
    ``batchnorm_layer`` (a batch-normalisation layer for ``convnet``).
Exercises
    ``grading`` (the checks of each assignment, the out-of-kernel grader, the ``nndl-course``
    commands; see its package docstring).
The reproduction ledger
    ``reproduce`` (the runner: ``python -m nndl_lib.reproduce``; local workers or Dask),
    ``reproduce_task`` (one (row, seed) as a worker's task, with its environment), ``ledger``
    (the ledger file; ``full_results()`` for the chapters), ``resumable`` (training in
    checkpointed pieces), ``row_timing`` (one measured epoch per row), ``ledger_report`` (the
    book page's tables and figure).
Chapter companions
    ``baselines`` and ``perceptron`` (chapter 1), ``backprop_demo``, ``hand_example`` and
    ``epoch_timing`` (chapter 2), ``saturation`` (chapters 1-2), ``single_neuron``, ``augment``
    (rotations, shifts, elastic distortions), ``curves`` (reading per-epoch curves;
    ``WeightWatch``) and ``hyper_search`` (grid and random search) (chapter 3),
    ``learning_speed`` (chapter 5: gradients per layer, chains of neurons), ``plotting``
    (figures for all chapters), ``tables`` (the book's numbers beside measured ones, and other
    Markdown tables).

The kernel convention
---------------------
Every kernel a learner writes (fully connected, convolution, pooling, batch normalisation,
dropout) follows one convention, so that it can be called, checked and graded the same way:

1. A kernel is a pure function of arrays. It never changes its inputs and keeps no state between
   calls; randomness (a dropout mask) is an input, drawn by the caller from a
   ``numpy.random.Generator``.
2. ``name_forward(x, <parameters>, <options>) -> out``.
3. ``name_backward(dout, x, <parameters>, <options>) -> gradients``: the upstream gradient
   ``dout = dC/d(out)`` (shape of ``out``), then the forward's inputs and options again (an input
   the gradient does not depend on, such as a bias, is left out). The backward recomputes any
   intermediate value it needs; there is no cache. It returns dC/dx followed by dC/d(each
   parameter) in the forward's order, a tuple when there is more than one.
4. Shapes follow the course conventions: batches are rows, ``x: (N, n)`` or images
   ``x: (N, C, H, W)``; a fully connected ``w`` is ``(n_out, n_in)`` and computes
   ``x @ w.T + b``. Every docstring states them.

Examples: ``conv.conv2d_backward(dout, x, w, stride, pad) -> (dx, dw, db)``,
``conv.maxpool_backward(dout, x, size, stride) -> dx``,
``batchnorm.batchnorm_backward(dout, x, gamma, eps) -> (dx, dgamma, dbeta)``,
``regularization.dropout_backward(dout, mask) -> dx``. Layer objects (``layers``,
``batchnorm.BatchNorm``) call these kernels and keep what a backward pass needs in named
attributes, never in positional caches. Whole-network kernels (``fc.backprop``) follow the book:
``backprop(x, y, weights, biases, ...) -> (nabla_b, nabla_w)``.
"""

__version__ = "0.1.0"
