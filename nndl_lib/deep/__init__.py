"""Chapter 6's deep networks: the convolutional and recurrent stack, built on the core.

``conv`` (naive kernels: the definitions; the fast ones come from ``conv_fast``), ``conv_shapes``
(sizes and input checks), ``layer_base`` (the ``Layer`` interface), ``conv_layer`` (convolution +
pooling), ``layers`` (fully connected and softmax layers), ``batchnorm_layer``, ``convnet`` (the
``ConvNetwork`` of layers and the book's networks), ``ensemble`` (majority vote), ``rnn`` (a
vanilla RNN trained by backpropagation through time; an LSTM forward pass).

Imports only the core (the top-level modules of :mod:`nndl_lib`).
"""
