"""One check module per assignment: its tasks, points, references and ``check(name, obj)``.

Notebooks import them by their public path ``nndl_lib.grading.<name>`` (a one-line entry point
beside the machinery); the grader finds them here by the assignment's name.
"""
