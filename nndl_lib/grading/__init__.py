"""The course's grading system: checks per assignment, an out-of-kernel grader, the instructor CLI.

This package imports nothing on import, so the sandboxed grading process can load its
numpy-only helpers (``wire``, ``drivers``, ``guard``, ``boundary``, ``outofkernel_child``) without
touching any reference code (an import contract in ``pyproject.toml`` keeps them numpy-only).

The assignments (one check module each: its tasks, TIERS, references and the ``check(name, obj)``
of the notebooks' test cells; notebooks import it by its public path ``nndl_lib.grading.<name>``,
the one-line modules beside this)
    ``assignments.ch01_digits``        chapter 1: perceptrons, the forward pass, SGD
    ``assignments.ch02_backprop``      chapter 2: BP1-BP4, matrix backprop, finite differences
    ``assignments.ch03_improving``     chapter 3: costs, regularisation, dropout, optimisers
    ``assignments.ch03_cases``         chapter 3's cases (its task list is long)
    ``assignments.ch04_universality``  chapter 4: steps, bumps and towers, graded by what the
                                       networks compute on a function drawn per student
    ``assignments.ch05_deep_training`` chapter 5: per-layer gradient norms, the factor w sigma'
    ``assignments.ch06_deep_learning`` chapter 6: convolution, pooling, the conv-pool layer,
                                       on small arrays and a few MNIST images (tied windows)
    ``assignments.ch06_cases``         chapter 6's cases, comparisons and conv-pool references
    ``assignments.foundations``        the foundations page: derivatives, one-hot,
                                       normalisation, RMSprop and Adagrad
    ``assignments.foundations_cases``  the foundations assignment's cases and comparisons
    ``assignments.train_and_tune``     the tasks graded by training: budgets, thresholds, MNIST
    ``assignments.train_sgd``          chapter 1's SGD loop trained on MNIST
    ``assignments.train_spread``       the reference's measured spread behind the thresholds
The checks' machinery
    ``framework``      an assignment's checks planned, run and scored (in the learner's kernel
                       and in the trusted grader alike)
    ``task_spec``      what an assignment declares: tasks, sub-checks with points, cases
    ``task_results``   what grading a task gives: points per sub-check and the report
    ``compare``        a learner's output against the reference's, sub-check by sub-check
    ``checks``         the one tolerance table and comparisons returning structured results
    ``cases``          random inputs for the kernels' checks
    ``wire``           plain-data encoding of inputs and outputs between grader and sandbox
    ``drivers_training`` the drivers of the tasks graded by training (loaded only for them)
    ``drivers``        how a graded function is called (plain call, a call that must raise,
                       in-place update, optimiser steps, lines run per batch size, ...); the
                       same code calls the learner's function and the reference; where an
                       error was raised in the learner's code
    ``gradients``      the sub-checks every backprop task shares (numerical gradient, no loop)
    ``points``         points follow effort: each task's tier sets its points
    ``hints``          finding a solution's line of code in a hint or a recap
    ``notebook``       what locked cells use besides the checks (``if_written``) and the
                       notebook's check seeing the library as the grader does (``as_graded``)
The two grading passes, each a trusted parent and the child it starts
    ``outofkernel_parent``  the out-of-kernel pass: per-student secret inputs, comparisons
    ``outofkernel_supervisor``  its child run under limits, restarted without what stopped it
    ``outofkernel_child``   its child process (stdlib + numpy only)
    ``autograde_parent``    nbgrader's autograde of one submission in its scratch course
    ``autograde_child``     the nbgrader run inside that scratch course
    ``autograde_kernel``    the sandboxed Jupyter kernel nbgrader starts there
    ``guard``               resource limits and the audit hook of every process running learner code
    ``boundary``            the operating-system boundary (Landlock) around those processes
    ``users``               the unprivileged user and the Python those processes run
The course
    ``course``         release / collect / autograde / feedback / grades over nbgrader
    ``nbgrader_hooks`` nbgrader's own autograde and validate (formgrader's buttons included)
                       routed through the sandboxed path by the course's nbgrader_config.py
    ``exchange``       nbgrader's file exchange for a shared class: private submissions and
                       feedback, collect by owner
    ``gradebook``      the real gradebook: merging one student's results, overrides, grade rows
    ``flags``          every flag the grader records, in the instructor's words and the learner's
    ``feedback_page``  the feedback page readable offline: maths as MathML, nothing from a CDN,
                       the learner's grade report on top (every way of making feedback)
    ``lms``            reading LMS downloads for ``collect``: files and student ids
    ``notebook_cells`` a cell's source and nbgrader metadata; which cells are the learner's
    ``leaks``          finding solution code and hidden tests; scrubbing them from feedback
    ``submissions``    learner-like submissions made from a source notebook (reference
                       answers or stubs), for testing and timing the graders
    ``cli``            the ``nndl-course`` console script

Adding an assignment: write ``exercises/source/<name>/<name>.ipynb`` and
``nndl_lib/grading/assignments/<name>.py`` (copy the shape of ``ch02_backprop``: TASKS,
REFERENCES, TIERS, ``ASSIGNMENT`` and ``check``), a one-line public module
``nndl_lib/grading/<name>.py``, and have the notebook import it as
``from nndl_lib.grading import <name> as checks``; its mutants go in
``tests/grading/mutants_<name>.py``. The README says what else a new assignment needs (the
Exercises part of ``_toc.yml``, ``exercises/index.md``, a link from its chapter, the points
table); the tests find the assignment by itself and check each of these.
"""
