"""The exercise checks at function level: reference answers get full marks, stubs get zero for
NotImplementedError only, every mutant loses points, reports explain, and the pieces the graders
are built from (wire format, drivers, seeds, leak finder, student ids) keep their promises."""

from __future__ import annotations

import numpy as np
import pytest
from grading_mutants import MUTANTS, mutant_source
from grading_support import (
    ASSIGNMENTS,
    MODULES,
    learner_notebook,
    namespace,
    solution_code,
    source_nb,
    visible_and_graded_runs,
)

from nndl_lib import fc
from nndl_lib.grading import leaks, wire
from nndl_lib.grading.assignments import ch01_digits, ch02_backprop, ch03_improving
from nndl_lib.grading.drivers import run_driver
from nndl_lib.grading.lms import CourseError, id_for, student_id_from_name
from nndl_lib.grading.notebook_cells import cell_source, nbgrader_meta
from nndl_lib.grading.outofkernel_parent import learner_cells, student_seed
from nndl_lib.reference_values import EXERCISE_KEYS, WORKED_EXAMPLE_222

# --- the notebooks and the check modules agree ---------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_an_answer_cell_and_a_test_cell_worth_its_points(assignment):
    a = MODULES[assignment].ASSIGNMENT
    cells = {nbgrader_meta(c).get("grade_id"): c for c in source_nb(assignment)["cells"]}
    for task in a.tasks:
        answer, test = cells.get(task.name), cells.get(f"test_{task.name}")
        assert answer is not None and nbgrader_meta(answer)["solution"], task.name
        assert test is not None and nbgrader_meta(test)["grade"], task.name
        assert nbgrader_meta(test)["points"] == task.points, task.name
        assert nbgrader_meta(test)["locked"] and not nbgrader_meta(test)["solution"]
        text = cell_source(test)
        assert f'checks.check("{task.name}", {task.name})' in text
        assert "BEGIN HIDDEN TESTS" in text and text.rstrip().endswith("result.points")
        assert abs(sum(sc.points for sc in task.subchecks) - task.points) < 1e-12
    for name, points in a.manual.items():
        cell = cells[name]
        assert cell["cell_type"] == "markdown" and nbgrader_meta(cell)["points"] == points
    assert a.name == assignment


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_fixed_or_random_cases_in_every_subcheck(assignment):
    a = MODULES[assignment].ASSIGNMENT
    for task in a.tasks:
        visible = a.plan(task, a.visible_seed(task.name))
        other = a.plan(task, 12345)
        own = {i for i, sc in enumerate(task.subchecks) if sc.kind != "inputs"}
        assert {p.subcheck for p in visible} == own
        # random sub-checks draw new inputs for a new seed: a hard-coded answer cannot pass
        randomised = [i for i in own if not task.subchecks[i].fixed]
        if task.fixed_answer:  # takes no input (the worked example's setup): nothing to draw
            assert not randomised
            continue
        assert randomised, f"{task.name} has only fixed cases"
        for i in randomised:
            a_cases = [p.case.data for p in visible if p.subcheck == i]
            b_cases = [p.case.data for p in other if p.subcheck == i]
            assert _differ(a_cases, b_cases), (task.name, i)


def _differ(a, b) -> bool:
    (ta, xa), (tb, xb) = wire.encode(a), wire.encode(b)
    return ta != tb or xa.keys() != xb.keys() or any(
        not np.array_equal(xa[k], xb[k]) for k in xa)


# --- reference answers, stubs ----------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_answers_get_full_marks_on_visible_and_random_cases(assignment):
    ns = namespace(assignment)
    for task in MODULES[assignment].ASSIGNMENT.tasks:
        for result in visible_and_graded_runs(MODULES[assignment].ASSIGNMENT, task.name, ns):
            assert result.passed, result.report()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_library_references_get_full_marks(assignment):
    a = MODULES[assignment].ASSIGNMENT
    for task in a.tasks:
        result = a.run(task.name, a.references, mode="hidden")
        assert result.passed, result.report()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_stub_scores_zero_and_fails_only_with_not_implemented_error(assignment):
    ns = namespace(assignment, answers="stub")
    for task in MODULES[assignment].ASSIGNMENT.tasks:
        result = MODULES[assignment].ASSIGNMENT.run(task.name, ns)
        assert result.points == 0, result.report()
        inputs = task.inputs_subcheck
        for i, sr in enumerate(result.subresults):
            assert sr.result.details.get("type") == "NotImplementedError", (task.name, sr.name)
            if i == inputs:  # the crash is reported once, by the checks it crashed in
                assert sr.result.kind == "not-credited", result.report()
            else:
                assert "not written yet" in sr.result.message


# --- mutants ------------------------------------------------------------------------------------

MUTANT_CASES = [(a, t, name, spec) for a, tasks in MUTANTS.items()
                for t, mutants in tasks.items() for name, spec in mutants.items()]


def test_every_graded_function_has_several_mutants():
    for assignment in ASSIGNMENTS:
        for task in MODULES[assignment].ASSIGNMENT.tasks:
            assert len(MUTANTS[assignment].get(task.name, {})) >= 3, (assignment, task.name)


@pytest.mark.parametrize("assignment, task, name, spec", MUTANT_CASES,
                         ids=[f"{a}-{t}-{n}" for a, t, n, _ in MUTANT_CASES])
def test_mutant_loses_points_in_every_run(assignment, task, name, spec):
    code = mutant_source(spec, solution_code(assignment)[task])
    ns = namespace(assignment, replace={task: code})
    for result in visible_and_graded_runs(MODULES[assignment].ASSIGNMENT, task, ns):
        assert result.points < result.max_points, f"mutant '{name}' got full marks"


def test_mutant_report_names_the_check_the_case_the_index_and_the_error():
    code = mutant_source("BP2_NO_PRIME", solution_code("ch02_backprop")["backprop"])
    result = ch02_backprop.ASSIGNMENT.run("backprop", namespace("ch02_backprop",
                                                                 replace={"backprop": code}))
    report = result.report()
    assert "FAIL" in report and "case: network" in report
    failed = [s for s in result.subresults if not s.passed][0]
    r = failed.result
    assert r.kind == "value" and r.index is not None and r.location.startswith("nabla_")
    assert r.expected is not None and r.got is not None and r.error > r.allowed
    assert f"expected {r.expected:.6g}" in r.message and "error" in r.message
    assert "AssertionError" not in report


def test_report_for_a_wrong_shape_says_so():
    code = mutant_source(MUTANTS["ch01_digits"]["feedforward"]["weights not transposed"],
                         solution_code("ch01_digits")["feedforward"])
    result = ch01_digits.ASSIGNMENT.run("feedforward", namespace("ch01_digits",
                                                                  replace={"feedforward": code}))
    assert "should have shape" in result.report() or "raised ValueError" in result.report()


# --- the references reproduce the book -----------------------------------------------------------


def test_worked_example_reference_reproduces_the_books_gradients_and_step():
    x, y, weights, biases = ch02_backprop.worked_network()
    _, nabla_w = fc.backprop_example(x, y, weights, biases)
    grads = np.concatenate([g.ravel() for g in nabla_w])
    np.testing.assert_allclose(grads, WORKED_EXAMPLE_222["dE_dw"], atol=1e-8)
    hand = ch02_backprop.worked_example(x, y, WORKED_EXAMPLE_222["w"], 0.35, 0.60)
    assert hand["dE_dw5"] == pytest.approx(grads[4], abs=1e-12)
    assert hand["dE_dw1"] == pytest.approx(grads[0], abs=1e-12)
    stepped = np.concatenate([(w - 0.5 * g).ravel() for w, g in zip(weights, nabla_w,
                                                                     strict=True)])
    np.testing.assert_allclose(stepped, WORKED_EXAMPLE_222["w_after_step"], atol=1e-8)


def test_exercise_keys_through_the_references():
    refs = ch01_digits.REFERENCES
    nand = EXERCISE_KEYS["ch1_nand"]
    assert list(refs["perceptron_output"](np.array(nand["inputs"]), np.array(nand["w"]),
                                          nand["b"])) == list(nand["outputs"])
    for sizes, count in EXERCISE_KEYS["ch1_parameter_counts"].items():
        assert refs["count_parameters"](sizes) == count
    key = EXERCISE_KEYS["ch3_softmax"]
    np.testing.assert_allclose(ch03_improving.REFERENCES["softmax"](np.array(key["z"])),
                               key["a"], atol=1e-5)


# --- wire format, drivers, seeds ------------------------------------------------------------------


def test_wire_round_trip_keeps_types_shapes_and_dtypes(tmp_path):
    value = {"a": [np.zeros((2, 3), np.float32), (1, 2.5, None, True)], "s": np.float64(3.0),
             "z": np.array(7), "r": wire.RngSeed(5), "inf": float("inf")}
    wire.dump(value, tmp_path / "v.json")
    back = wire.load(tmp_path / "v.json")
    assert back["a"][0].dtype == np.float32 and back["a"][0].shape == (2, 3)
    assert back["a"][1] == (1, 2.5, None, True) and back["z"].shape == ()
    assert back["s"] == 3.0 and back["r"] == wire.RngSeed(5) and back["inf"] == float("inf")


def test_wire_output_encoding_never_runs_or_keeps_objects():
    class Sneaky:
        def __eq__(self, other):
            return True

    tree, arrays = wire.encode_output({"ret": [Sneaky(), np.array(["a"]), np.ones(2)]})
    back = wire.decode(tree, arrays)
    assert isinstance(back["ret"][0], wire.Unsupported)
    assert isinstance(back["ret"][1], wire.Unsupported)
    np.testing.assert_array_equal(back["ret"][2], np.ones(2))
    with pytest.raises(TypeError):
        wire.encode(Sneaky())


def test_drivers_report_calls_and_arguments_after_the_call():
    ns = {"f": lambda x: x.__imul__(2)}
    out = run_driver("call", ns, {"fn": "f", "args": [np.ones(2)]})
    np.testing.assert_array_equal(out["inputs"]["0"], [2.0, 2.0])
    assert out["warnings"] == []
    with pytest.raises(NameError, match="not defined"):
        run_driver("call", {}, {"fn": "missing", "args": []})


def test_student_seeds_differ_by_student_task_assignment_and_secret():
    seeds = {student_seed(s, a, st, t) for s in (b"k1", b"k2") for a in ("a1", "a2")
             for st in ("ann", "bob") for t in ("f", "g")}
    assert len(seeds) == 16
    assert student_seed(b"k", "a", "ann", "f") == student_seed(b"k", "a", "ann", "f")


def test_learner_cells_skip_tests_and_setup_and_note_deleted_answers():
    src = source_nb("ch01_digits")
    sub = learner_notebook("ch01_digits")
    sub["cells"] = [c for c in sub["cells"] if nbgrader_meta(c).get("grade_id") != "accuracy"]
    cells, notes = learner_cells(src, sub)
    texts = "\n".join(c["source"] for c in cells)
    assert "checks.check" not in texts and "from nndl_lib.grading" not in texts
    assert "def feedforward" in texts
    assert any("'accuracy' is missing" in n for n in notes)


# --- leaks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_leak_finder_finds_solutions_and_hidden_tests_only_where_they_are(assignment):
    src = source_nb(assignment)
    lines = leaks.protected_lines(src)
    assert len(lines) > 5
    assert leaks.find_leaks(leaks.notebook_text(src), lines)
    stub = learner_notebook(assignment, answers="stub")
    assert leaks.find_leaks(leaks.notebook_text(stub), lines) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_check_name_or_hint_spells_out_a_solution_line(assignment):
    lines = leaks.protected_lines(source_nb(assignment))
    for task in MODULES[assignment].ASSIGNMENT.tasks:
        for sc in task.subchecks:
            assert leaks.find_leaks(f"{sc.name}\n{sc.hint}", lines) == [], (task.name, sc.name)


def test_scrub_hidden_tests_removes_the_region_and_traceback_lines():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "r = 1\n### BEGIN HIDDEN TESTS\nsecret_check(feedforward, 42)\n### END HIDDEN TESTS\nr")
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="ValueError", evalue="x",
        traceback=["\x1b[0;31m----> 3\x1b[0m secret_check(feedforward, 42)", "ValueError: x"]),
        nbformat.v4.new_output(
            "error", ename="CellTimeoutError",
            evalue="preview: ['r = 1', '### BEGIN HIDDEN TESTS', 'secret_check(feedforward, 42)']",
            traceback=["timed out: ['### BEGIN HIDDEN TESTS', 'secret_check(feedforward, 42)']"])]
    nb.cells.append(cell)
    nb, _ = leaks.ScrubHiddenTests().preprocess(nb, {})
    assert "secret_check" not in nb.cells[0].source
    for out in nb.cells[0].outputs:
        assert all("secret_check" not in t and "HIDDEN" not in t for t in out["traceback"])
        assert "secret_check" not in out["evalue"]


# --- collect: student ids ----------------------------------------------------------------------


@pytest.mark.parametrize("name, ident", [
    ("smithjane_12345_67890_ch01_digits.ipynb", "smithjane"),
    ("Jane Smith_12345_assignsubmission_file_", "jane-smith"),
    ("o'brien_LATE_1_2_nb.ipynb", "o-brien"),
    ("alice.ipynb", "alice"),
])
def test_student_ids_from_lms_file_names(name, ident):
    assert student_id_from_name(name) == ident


def test_student_id_from_folder_or_regex_and_bad_names():
    assert id_for("Jane Smith_1_assignsubmission_file_/ch01.ipynb", None) == "jane-smith"
    assert id_for("hw-ab123-final.ipynb", r"hw-(?P<student>[a-z0-9]+)-") == "ab123"
    with pytest.raises(CourseError, match="cannot derive a student id"):
        student_id_from_name("_.ipynb")
    with pytest.raises(CourseError, match="does not match"):
        id_for("x.ipynb", r"(?P<student>\d+)")
