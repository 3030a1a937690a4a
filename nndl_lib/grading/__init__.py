"""The course's grading system: checks per assignment, an out-of-kernel grader, the instructor CLI.

This package imports nothing on import, so the sandboxed grading process can load its
numpy-only helpers (``wire``, ``drivers``, ``sandbox``) without touching any reference code.

Modules
    ``framework``      tasks, sub-checks with points, cases, reports (in the learner's kernel
                       and in the trusted grader alike)
    ``wire``           plain-data encoding of inputs and outputs between grader and sandbox
    ``drivers``        how a graded function is called (plain call, in-place update, optimiser
                       steps, ...); the same code calls the learner's function and the reference
    ``ch01_digits``,   one check module per assignment: its tasks, points, references and the
    ``ch02_backprop``, ``check(name, obj)`` used by the notebooks' test cells
    ``ch03_improving``
    ``guard``          resource limits and the audit hook of every process running learner code
    ``sandbox``        the child process of the out-of-kernel pass (stdlib + numpy only)
    ``outofkernel``    the trusted parent: per-student secret inputs, limits, comparisons
    ``kernel``         the sandboxed Jupyter kernel nbgrader runs each submission in
    ``scratch``        nbgrader's autograde of one submission in its scratch course
    ``leaks``          finding solution code and hidden tests; scrubbing them from feedback
    ``submissions``    learner-like submissions made from a source notebook (reference
                       answers or stubs), for testing and timing the graders
    ``course``         release / collect / autograde / feedback / grades over nbgrader
    ``cli``            the ``nndl-course`` console script

Adding an assignment (chapters 4-6): write ``exercises/source/<name>/<name>.ipynb`` and
``nndl_lib/grading/<name>.py`` (copy the shape of ``ch01_digits``: TASKS, REFERENCES, PRELUDE,
ALLOWED_MODULES, ``ASSIGNMENT`` and ``check``); nothing else needs to change.
"""
