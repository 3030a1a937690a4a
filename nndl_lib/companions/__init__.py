"""The chapter companions: what one chapter (or page) of the book needs beyond the core, named
by the chapter it serves (``ch01_`` ... ``ch05_``, ``foundations_``); ``plotting`` and ``tables``
serve every chapter.

``ch01_perceptron``, ``ch01_baselines`` (darkness, SVM, chance), ``ch01_saturation`` (also
chapter 2); ``ch02_backprop_demo``, ``ch02_hand_example`` (the 2-2-2 example by hand),
``ch02_epoch_timing``; ``ch03_single_neuron``, ``ch03_augment`` (rotations, shifts, elastic
distortions), ``ch03_curves`` (reading per-epoch curves; ``WeightWatch``), ``ch03_hyper_search``
(grid and random search); ``ch04_steps`` (a neuron as a step, two as a bump),
``ch04_universality`` (bump networks and their errors), ``ch04_universality_beyond``;
``ch05_gradient_norms`` (gradients per layer, measured), ``ch05_learning_speed`` (chains of
neurons, products of matrices: why they shrink); ``foundations_normalization``
(min-max and z-score scaling, local response normalisation); ``plotting`` (figures), ``tables``
(the book's numbers beside measured ones, and other Markdown tables).

A chapter 7 companion goes here as ``ch07_<topic>.py``. Companions import the core only.
"""
