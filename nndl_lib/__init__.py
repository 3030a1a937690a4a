"""nndl_lib: the reference NumPy library of the course *Neural Networks and Deep Learning, executable*.

One implementation of every idea the chapters and exercises use. Modules, one job each:

- ``data``: MNIST loader (search path, sha256, mirrors, cache).
- ``activations``, ``costs``, ``init``: the building blocks of chapters 1-3.
- ``network``: the fully connected network (per-example and matrix backprop, SGD).
- ``optimizers``, ``batchnorm``, ``regularization``: update rules and layers beyond plain SGD.
- ``gradcheck``: numerical gradients for verification.
- ``conv``, ``layers``, ``convnet``: chapter 6's convolutional engine.
"""

__version__ = "0.1.0"
