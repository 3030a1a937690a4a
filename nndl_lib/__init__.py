"""nndl_lib: the reference NumPy library of the course "Neural Networks and Deep Learning,
executable".

One implementation of every idea the chapters and exercises use; modules have one job each, and
the folders are the layers (``pyproject.toml``'s import contracts enforce them: a module imports
only its own layer and those below; nothing imports upward, and there is no import cycle).

The core (this folder; imports nothing above it)
    ``fc`` (the pure kernels: feedforward, backprop_example, backprop, update_mini_batch, sgd),
    ``fc_fast`` (the training loop's fast path, tested against ``fc``), ``network`` (the
    ``Network`` class), ``training`` (the one trainer and its ``History``, for every model),
    ``conventions`` (how chapters 1-3 and chapter 6 train: ``CHAPTER_3``, ``CHAPTER_6``),
    ``costs``, ``activations``, ``init``, ``regularization`` (L2/L1, dropout kernels),
    ``optimizers``, ``batchnorm``, ``gradcheck``, ``metrics`` (accuracy, parameter count),
    ``data`` (MNIST loader: search path, sha256, mirrors, cache; expanded data), ``validate``
    (input checks), ``persist`` (the one model file format), ``config`` (the fast/full switch),
    ``reference_values`` (the book's published numbers, read from ``experiments.toml``, and the
    worked examples and exercise answers).
``deep`` (chapter 6: the convolutional and recurrent stack; imports the core)
    ``conv`` (naive kernels; the fast ones from ``conv_fast``), ``conv_shapes``, ``layer_base``,
    ``conv_layer``, ``layers``, ``batchnorm_layer``, ``convnet``, ``ensemble``, ``rnn``.
``companions`` (what one chapter needs beyond the core, named by chapter; imports the core)
    ``ch01_perceptron``, ``ch01_baselines``, ``ch01_saturation``, ``ch02_backprop_demo``,
    ``ch02_hand_example``, ``ch02_epoch_timing``, ``ch03_single_neuron``, ``ch03_augment``,
    ``ch03_curves``, ``ch03_hyper_search``, ``ch04_steps``, ``ch04_universality``,
    ``ch04_universality_beyond``, ``ch05_gradient_norms``, ``ch05_learning_speed``,
    ``foundations_normalization``; ``plotting`` and ``tables`` for all.
``reproduction`` (the reproduction ledger; imports everything but ``grading``)
    ``experiments`` (the public names of the three next: every published experiment as a spec,
    ``run(key, tier)``), ``spec`` (``ExperimentSpec``), ``table`` (the rows of
    ``experiments.toml`` as ``EXPERIMENTS``), ``runs`` (``run``; chapter 3's runners), ``planning``
    and ``execution`` (which tasks run, and where: local workers or Dask), ``runner``
    (``python -m nndl_lib.reproduce``: the ledger and the command line), ``task``, ``ledger``
    (``full_results()`` for the chapters), ``report``, ``resumable`` (training in checkpointed
    pieces), ``row_timing``.
``grading`` (the exercises; imports everything but ``reproduction``)
    ``assignments`` (one check module per assignment, public as ``nndl_lib.grading.<name>``),
    the machinery (``framework``, ``checks``: the one tolerance table, ``cases``, ...), the
    out-of-kernel and autograde passes as parent/child pairs, the ``nndl-course`` commands; see
    its package docstring.
``reproduce``
    the public entry point ``python -m nndl_lib.reproduce``.

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

Examples: ``deep.conv.conv2d_backward(dout, x, w, stride, pad) -> (dx, dw, db)``,
``deep.conv.maxpool_backward(dout, x, size, stride) -> dx``,
``batchnorm.batchnorm_backward(dout, x, gamma, eps) -> (dx, dgamma, dbeta)``,
``regularization.dropout_backward(dout, mask) -> dx``. Layer objects (``deep.layers``,
``batchnorm.BatchNorm``) call these kernels and keep what a backward pass needs in named
attributes, never in positional caches. Whole-network kernels (``fc.backprop``) follow the book:
``backprop(x, y, weights, biases, ...) -> (nabla_b, nabla_w)``.
"""

__version__ = "0.1.0"
