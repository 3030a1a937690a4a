"""The out-of-kernel grading pass against hostile submissions (each a test): the grade comes from
the trusted parent, nothing the submission does crashes the run, changes files outside its
scratch folder, or earns points it did not earn."""

from __future__ import annotations

import os
import signal
import time

import hostile_cells as hc
import numpy as np
import pytest
from grading_support import ASSIGNMENTS, MODULES, learner_notebook, solution_code, source_nb

from nndl_lib.grading import wire
from nndl_lib.grading.assignments import ch01_digits
from nndl_lib.grading.outofkernel_parent import Limits, grade_notebook

pytestmark = pytest.mark.grading

FAST = Limits(cell_s=2.0, case_s=2.0, grace_s=2.0, total_s=60.0)
SECRET = b"test-secret"


def grade(replace=None, assignment="ch01_digits", answers="reference", student="eve",
          limits=FAST, **kwargs):
    nb = kwargs.pop("notebook", None) or learner_notebook(assignment, answers, replace)
    return grade_notebook(MODULES[assignment].ASSIGNMENT, source_nb(assignment), nb, student,
                          SECRET, limits)


def points(result) -> dict[str, float]:
    return {t.task: t.points for t in result.tasks}


FULL = {t.task: t.points for t in grade().tasks}
FULL_POINTS = sum(FULL.values())


def lost(result) -> set[str]:
    return {name for name, p in points(result).items() if p < FULL[name]}


@pytest.fixture
def course_dir(tmp_path):
    """A stand-in for the real course: a gradebook and another student's submission."""
    root = tmp_path / "course"
    (root / "submitted" / "bob" / "ch01_digits").mkdir(parents=True)
    (root / "gradebook.db").write_bytes(b"precious grades")
    (root / "submitted" / "bob" / "ch01_digits" / "ch01_digits.ipynb").write_text("bob's work")
    os.chmod(tmp_path, 0o755)
    return root


def untouched(root) -> bool:
    return ((root / "gradebook.db").read_bytes() == b"precious grades" and
            (root / "submitted" / "bob" / "ch01_digits" / "ch01_digits.ipynb").read_text()
            == "bob's work" and sorted(p.name for p in root.rglob("*")) ==
            sorted(["gradebook.db", "submitted", "bob", "ch01_digits", "ch01_digits.ipynb"]))


# --- reference and stub ------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_submission_gets_every_point_out_of_kernel(assignment):
    result = grade(assignment=assignment)
    assert result.points == result.max_points == MODULES[assignment].ASSIGNMENT.points, (
        result.report())
    assert result.notes == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stub_gets_zero_and_only_not_implemented_errors(assignment):
    result = grade(assignment=assignment, answers="stub")
    assert result.points == 0
    for task in result.tasks:
        for sub in task.subresults:
            assert sub.result.details.get("type") == "NotImplementedError", sub.result.message


def test_each_student_gets_other_inputs_and_the_child_never_sees_expected_results(monkeypatch):
    sent = []
    original = wire.dump

    def spy(value, path, **kw):
        if str(path).endswith("request.json"):
            sent.append(value)
        return original(value, path, **kw)

    monkeypatch.setattr(wire, "dump", spy)
    grade(student="ann")
    grade(student="bob")
    cases_ann, cases_bob = sent[0]["cases"], sent[1]["cases"]
    ff = [c for c in cases_ann if c["data"]["fn"] == "feedforward"]
    assert any(not np.array_equal(a["data"]["args"][0], b["data"]["args"][0])
               for a, b in zip(ff, [c for c in cases_bob if c["data"]["fn"] == "feedforward"],
                               strict=True))
    # the references' outputs for those very cases appear nowhere in what the child received
    a = ch01_digits.ASSIGNMENT
    _, sent_arrays = wire.encode(sent[0])
    for c in ff:
        expected = ch01_digits.REFERENCES["feedforward"](*c["data"]["args"])
        assert not any(arr.shape == expected.shape and np.allclose(arr, expected)
                       for arr in sent_arrays.values())
    assert "REFERENCES" not in str(sent[0]) and a.name not in str(sent[0]["prelude"])


# --- hostile submissions -----------------------------------------------------------------------


def test_infinite_loop_in_a_graded_function_costs_only_what_calls_it():
    start = time.monotonic()
    result = grade({"accuracy": hc.loop_in_function("accuracy(a, labels)")})
    assert lost(result) == {"accuracy"}
    assert time.monotonic() - start < 30
    assert "ran out of time" in str(result.task("accuracy").to_dict()) or "stopped after" in (
        str(result.task("accuracy").to_dict()))
    assert any(n.startswith("accuracy: a call ran out of time") for n in result.notes)


def test_infinite_loop_at_the_top_of_a_cell_is_stopped_and_the_rest_graded():
    result = grade({"count_parameters": hc.LOOP_AT_TOP})
    assert lost(result) == {"count_parameters"}
    assert any("GradingTimeout" in n for n in result.notes)


def test_a_loop_that_ignores_the_alarm_is_killed_and_the_child_restarted():
    result = grade({"accuracy": hc.loop_ignoring_alarm("accuracy(a, labels)")})
    assert lost(result) == {"accuracy"}
    assert any(n.startswith("accuracy: a call ran out of time") for n in result.notes)


def test_huge_allocation_fails_alone():
    result = grade({"accuracy": hc.huge_allocation_in_function("accuracy(a, labels)"),
                    "count_parameters": hc.HUGE_ALLOCATION_AT_TOP +
                    solution_code("ch01_digits")["count_parameters"]})
    assert lost(result) == {"accuracy", "count_parameters"}
    assert "MemoryError" in str(result.task("accuracy").to_dict())


def test_sys_exit_in_a_cell_does_not_stop_the_next_cells():
    result = grade({"perceptron_output": hc.SYS_EXIT})
    assert lost(result) == {"perceptron_output"}
    assert any("SystemExit" in n for n in result.notes)


def test_os_exit_at_the_top_of_a_cell_restarts_the_child_without_that_cell():
    result = grade({"perceptron_output": hc.OS_EXIT_AT_TOP})
    assert lost(result) == {"perceptron_output"}
    assert any("exited before it finished" in n for n in result.notes)


def test_os_exit_inside_a_graded_function_costs_that_task_only():
    result = grade({"accuracy": hc.os_exit_in_function("accuracy(a, labels)")})
    assert lost(result) == {"accuracy"}


def test_syntax_error_costs_that_cell_only():
    result = grade({"sigmoid_neuron_output": hc.syntax_error("sigmoid_neuron_output(x, w, b)")})
    assert lost(result) == {"sigmoid_neuron_output"}
    assert any("SyntaxError" in n for n in result.notes)


def test_deleted_answer_cell_is_noted():
    nb = learner_notebook("ch01_digits")
    nb["cells"] = [c for c in nb["cells"]
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "accuracy"]
    result = grade(notebook=nb)
    assert lost(result) == {"accuracy"}
    assert any("'accuracy' is missing" in n for n in result.notes)


def test_edited_or_deleted_test_cells_change_nothing_out_of_kernel():
    nb = learner_notebook("ch01_digits", replace={
        "test_feedforward": hc.EDITED_TEST_CELL,
        "feedforward": hc.returning("feedforward(x, weights, biases)", "x")})
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get(
        "grade_id") != "test_accuracy"]
    result = grade(notebook=nb)
    assert lost(result) == {"feedforward"}


def test_monkeypatching_numpy_testing_and_the_checks_earns_nothing():
    wrong = "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"
    result = grade({"sigmoid": hc.PATCHES + wrong})
    assert result.task("sigmoid").points == 0
    assert lost(result) == {"sigmoid", "sigmoid_neuron_output", "feedforward", "feedforward_tanh"}


def test_printing_all_tests_passed_earns_nothing():
    result = grade({"accuracy": hc.BOAST + hc.returning("accuracy(a, labels)", "0.123")})
    assert result.task("accuracy").points == 0


def test_hard_coding_the_visible_answers_loses_the_random_checks():
    # the notebook's [2, 3, 1] example and the NAND table, hard-coded
    ff = ch01_digits.REFERENCES["feedforward"]
    plan = ch01_digits.ASSIGNMENT.plan(ch01_digits.ASSIGNMENT.task("feedforward"), 0)
    code = hc.hard_coded("feedforward(x, weights, biases)", ff(*plan[0].case.data["args"]))
    nand = ("def perceptron_output(x, w, b):\n"
            "    return np.array([1, 1, 1, 0]) if np.ndim(x) == 2 else np.array(0)")
    result = grade({"feedforward": code, "perceptron_output": nand})
    ffr, pr = result.task("feedforward"), result.task("perceptron_output")
    assert ffr.subresults[0].passed and 0 < ffr.points < ffr.max_points
    assert pr.subresults[0].passed and 0 < pr.points < pr.max_points


def test_calling_the_reference_is_refused_and_said():
    attempts = {
        "feedforward": hc.import_reference("nndl_lib.fc", "feedforward"),
        "sigmoid": hc.import_reference("nndl_lib.activations", "sigmoid"),
        "accuracy": hc.load_reference_by_path("nndl_lib.metrics", "accuracy"),
        "count_parameters": hc.exec_reference_source("nndl_lib.metrics"),
    }
    result = grade(attempts)
    assert {"feedforward", "sigmoid", "accuracy", "count_parameters"} <= lost(result)
    assert result.task("feedforward").points == 0
    assert any("not importable while your work is graded" in n for n in result.notes)
    assert any("reference modules cannot be imported" in n
               for n in result.task("feedforward").notes)


def test_writing_into_another_students_folder_or_the_gradebook_is_refused(course_dir):
    target = course_dir / "submitted" / "bob" / "ch01_digits" / "ch01_digits.ipynb"
    attacks = "\n".join([hc.write_attacks(course_dir, target),
                         solution_code("ch01_digits")["accuracy"]])
    result = grade({"accuracy": attacks})
    assert untouched(course_dir)
    assert result.points == result.max_points  # its own answer still counts


def test_processes_signals_and_ctypes_are_refused(course_dir):
    code = "\n".join([hc.process_attacks(course_dir),
                      solution_code("ch01_digits")["count_parameters"]])
    result = grade({"count_parameters": code})
    assert untouched(course_dir)
    assert result.points == result.max_points
    os.kill(os.getpid(), 0)  # this process (the child's parent) is alive


def test_a_fork_bomb_or_thread_storm_is_contained():
    code = hc.THREAD_STORM + solution_code("ch01_digits")["count_parameters"]
    start = time.monotonic()
    result = grade({"count_parameters": code})
    assert time.monotonic() - start < 90  # bounded by the submission's total time limit
    assert result.points <= result.max_points  # it may starve its own calls, nothing else:
    assert grade().points == FULL_POINTS  # the next submission is graded as usual


def test_output_that_lies_about_its_type_is_not_trusted():
    result = grade({"accuracy": hc.liar("accuracy(a, labels)")})
    assert result.task("accuracy").points == 0


def test_the_out_of_kernel_pass_survives_a_child_killed_from_outside(monkeypatch):
    import nndl_lib.grading.outofkernel_supervisor as ook

    original = ook._run_child
    calls = []

    def killer(workdir, limits, deadline, user):
        calls.append(1)
        if len(calls) == 1:  # the first child is killed as if the machine ran out of memory
            import json
            import threading

            def kill_soon():
                for _ in range(100):
                    time.sleep(0.1)
                    for line in (workdir / "progress.jsonl").read_text().splitlines():
                        event = json.loads(line)
                        if event.get("event") == "ready":
                            os.kill(event["pid"], signal.SIGKILL)  # the child this test started
                            return

            threading.Thread(target=kill_soon, daemon=True).start()
        return original(workdir, limits, deadline, user)

    monkeypatch.setattr(ook, "_run_child", killer)
    slow = "import time\ntime.sleep(1.5)\n" + solution_code("ch01_digits")["perceptron_output"]
    result = grade({"perceptron_output": slow})
    assert len(calls) >= 2
    assert result.points >= result.max_points - FULL["perceptron_output"]
