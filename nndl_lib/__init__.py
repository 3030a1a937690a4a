"""nndl_lib: the reference NumPy library of the course "Neural Networks and Deep Learning,
executable".

One implementation of every idea the chapters and exercises use; modules have one job each.

Data and configuration
    ``data`` (MNIST loader: search path, sha256, mirrors, cache; expanded data),
    ``config`` (the fast/full switch), ``reference_values`` (the book's published numbers).
Fully connected networks (chapters 1-3, 5)
    ``activations``, ``costs``, ``init``, ``network``, ``regularization``, ``optimizers``,
    ``batchnorm``, ``gradcheck``.
Convolutional networks (chapter 6)
    ``conv`` (naive and fast kernels), ``layers``, ``convnet``, ``ensemble``.
Chapter companions
    ``baselines`` and ``perceptron`` (chapter 1), ``backprop_demo`` (chapter 2),
    ``single_neuron`` and ``experiments`` (chapter 3), ``plotting`` (figures for all chapters).
"""

__version__ = "0.1.0"
