"""The out-of-kernel grading pass against hostile submissions (each a test): the grade comes from
the trusted parent, nothing the submission does crashes the run, changes files outside its
scratch folder, or earns points it did not earn."""

from __future__ import annotations

import os
import signal
import time

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
    result = grade({"accuracy": "def accuracy(a, labels):\n    while True:\n        pass"})
    assert lost(result) == {"accuracy"}
    assert time.monotonic() - start < 30
    assert "ran out of time" in str(result.task("accuracy").to_dict()) or "stopped after" in (
        str(result.task("accuracy").to_dict()))
    assert any(n.startswith("accuracy: a call ran out of time") for n in result.notes)


def test_infinite_loop_at_the_top_of_a_cell_is_stopped_and_the_rest_graded():
    result = grade({"count_parameters": "while True:\n    pass"})
    assert lost(result) == {"count_parameters"}
    assert any("GradingTimeout" in n for n in result.notes)


def test_a_loop_that_ignores_the_alarm_is_killed_and_the_child_restarted():
    code = ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "def accuracy(a, labels):\n    while True:\n        pass")
    result = grade({"accuracy": code})
    assert lost(result) == {"accuracy"}
    assert any(n.startswith("accuracy: a call ran out of time") for n in result.notes)


def test_huge_allocation_fails_alone():
    result = grade({"accuracy": "def accuracy(a, labels):\n    big = np.ones(10**11)\n"
                                "    return float(big[0])",
                    "count_parameters": "x = np.ones((10**6, 10**5))\n" +
                    solution_code("ch01_digits")["count_parameters"]})
    assert lost(result) == {"accuracy", "count_parameters"}
    assert "MemoryError" in str(result.task("accuracy").to_dict())


def test_sys_exit_in_a_cell_does_not_stop_the_next_cells():
    result = grade({"perceptron_output": "import sys\nsys.exit(0)"})
    assert lost(result) == {"perceptron_output"}
    assert any("SystemExit" in n for n in result.notes)


def test_os_exit_at_the_top_of_a_cell_restarts_the_child_without_that_cell():
    result = grade({"perceptron_output": "import os\nos._exit(0)"})
    assert lost(result) == {"perceptron_output"}
    assert any("exited before it finished" in n for n in result.notes)


def test_os_exit_inside_a_graded_function_costs_that_task_only():
    result = grade({"accuracy": "import os\ndef accuracy(a, labels):\n    os._exit(3)"})
    assert lost(result) == {"accuracy"}


def test_syntax_error_costs_that_cell_only():
    result = grade({"sigmoid_neuron_output": "def sigmoid_neuron_output(x, w, b)\n    return 1"})
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
        "test_feedforward": "result = None\n2.0",
        "feedforward": "def feedforward(x, weights, biases):\n    return x"})
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get(
        "grade_id") != "test_accuracy"]
    result = grade(notebook=nb)
    assert lost(result) == {"feedforward"}


def test_monkeypatching_numpy_testing_and_the_checks_earns_nothing():
    wrong = "def sigmoid(z):\n    return np.zeros_like(np.asarray(z, dtype=float))\n"
    patches = ("np.allclose = lambda *a, **k: True\n"
               "np.testing.assert_allclose = lambda *a, **k: None\n"
               "np.array_equal = lambda *a, **k: True\n"
               "try:\n    import nndl_lib.grading.checks as c\n"
               "    c.check_against_reference = lambda *a, **k: True\n"
               "except ImportError as err:\n    print(err)\n"
               "try:\n    from nndl_lib.grading import framework\n"
               "    framework.Assignment.score = lambda *a, **k: None\n"
               "except ImportError as err:\n    print(err)\n")
    result = grade({"sigmoid": patches + wrong})
    assert result.task("sigmoid").points == 0
    assert lost(result) == {"sigmoid", "sigmoid_neuron_output", "feedforward", "feedforward_tanh"}


def test_printing_all_tests_passed_earns_nothing():
    result = grade({"accuracy": "print('All tests passed')\nprint('Score: 2/2')\n"
                                "def accuracy(a, labels):\n    return 0.123"})
    assert result.task("accuracy").points == 0


def test_hard_coding_the_visible_answers_loses_the_random_checks():
    # the notebook's [2, 3, 1] example and the NAND table, hard-coded
    ff = ch01_digits.REFERENCES["feedforward"]
    plan = ch01_digits.ASSIGNMENT.plan(ch01_digits.ASSIGNMENT.task("feedforward"), 0)
    exact = repr(ff(*plan[0].case.data["args"]).tolist())
    code = f"def feedforward(x, weights, biases):\n    return np.array({exact})"
    nand = ("def perceptron_output(x, w, b):\n"
            "    return np.array([1, 1, 1, 0]) if np.ndim(x) == 2 else np.array(0)")
    result = grade({"feedforward": code, "perceptron_output": nand})
    ffr, pr = result.task("feedforward"), result.task("perceptron_output")
    assert ffr.subresults[0].passed and 0 < ffr.points < ffr.max_points
    assert pr.subresults[0].passed and 0 < pr.points < pr.max_points


def test_calling_the_reference_is_refused_and_said():
    attempts = {
        "feedforward": "from nndl_lib.fc import feedforward",
        "sigmoid": "from nndl_lib.activations import sigmoid",
        "accuracy": ("import importlib.util, os, nndl_lib\n"
                     "p = os.path.join(os.path.dirname(nndl_lib.__file__), 'metrics.py')\n"
                     "spec = importlib.util.spec_from_file_location('m', p)\n"
                     "m = importlib.util.module_from_spec(spec)\n"
                     "spec.loader.exec_module(m)\naccuracy = m.accuracy"),
        "count_parameters": ("import nndl_lib, os\n"
                             "exec(open(os.path.join(os.path.dirname(nndl_lib.__file__), "
                             "'metrics.py')).read())"),
    }
    result = grade(attempts)
    assert {"feedforward", "sigmoid", "accuracy", "count_parameters"} <= lost(result)
    assert result.task("feedforward").points == 0
    assert any("not importable while your work is graded" in n for n in result.notes)
    assert any("reference modules cannot be imported" in n
               for n in result.task("feedforward").notes)


def test_writing_into_another_students_folder_or_the_gradebook_is_refused(course_dir):
    target = course_dir / "submitted" / "bob" / "ch01_digits" / "ch01_digits.ipynb"
    attacks = "\n".join([
        "import os, shutil, sqlite3, pathlib",
        "for attack in [",
        f"    lambda: open({str(course_dir / 'gradebook.db')!r}, 'wb').write(b''),",
        f"    lambda: open({str(target)!r}, 'w').write('pwned'),",
        f"    lambda: os.remove({str(course_dir / 'gradebook.db')!r}),",
        f"    lambda: os.rename({str(target)!r}, {str(target) + '.x'!r}),",
        f"    lambda: shutil.rmtree({str(course_dir / 'submitted')!r}),",
        f"    lambda: sqlite3.connect({str(course_dir / 'gradebook.db')!r}).execute('vacuum'),",
        f"    lambda: pathlib.Path({str(course_dir / 'new.txt')!r}).write_text('x'),",
        "    lambda: os.symlink('/etc/passwd', 'link') or open('link', 'w'),",
        "    lambda: open('../../escape.txt', 'w'),",
        "]:",
        "    try:",
        "        attack()",
        "    except Exception as err:",
        "        print(type(err).__name__, err)",
        solution_code("ch01_digits")["accuracy"],
    ])
    result = grade({"accuracy": attacks})
    assert untouched(course_dir)
    assert result.points == result.max_points  # its own answer still counts


def test_processes_signals_and_ctypes_are_refused(course_dir):
    code = "\n".join([
        "import os",
        "outcomes = []",
        "for attack in [",
        f"    lambda: os.system('rm -rf {course_dir}'),",
        "    lambda: os.fork(),",
        f"    lambda: __import__('subprocess').run(['rm', '-rf', {str(course_dir)!r}]),",
        "    lambda: os.kill(os.getppid(), 9),",
        "    lambda: __import__('ctypes').CDLL(None).system(b'true'),",
        "    lambda: __import__('socket').create_connection(('127.0.0.1', 22)),",
        "]:",
        "    try:",
        "        outcomes.append(attack())",
        "    except BaseException as err:",
        "        outcomes.append(type(err).__name__)",
        solution_code("ch01_digits")["count_parameters"],
    ])
    result = grade({"count_parameters": code})
    assert untouched(course_dir)
    assert result.points == result.max_points
    os.kill(os.getpid(), 0)  # this process (the child's parent) is alive


def test_a_fork_bomb_or_thread_storm_is_contained():
    code = ("import threading\n"
            "def spin():\n    while True:\n        pass\n"
            "for _ in range(50):\n    threading.Thread(target=spin, daemon=True).start()\n"
            + solution_code("ch01_digits")["count_parameters"])
    start = time.monotonic()
    result = grade({"count_parameters": code})
    assert time.monotonic() - start < 90  # bounded by the submission's total time limit
    assert result.points <= result.max_points  # it may starve its own calls, nothing else:
    assert grade().points == FULL_POINTS  # the next submission is graded as usual


def test_output_that_lies_about_its_type_is_not_trusted():
    code = ("class Liar(np.ndarray):\n"
            "    def __eq__(self, other):\n        return True\n"
            "def accuracy(a, labels):\n    return np.zeros(3).view(Liar)")
    result = grade({"accuracy": code})
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
