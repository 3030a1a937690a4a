#!/usr/bin/env bash
# Every test of the project, part by part. Each part has a time budget (seconds, on 2 cores);
# the summary prints each part's duration beside its budget so slow parts are visible.
# Exit status: non-zero when any part fails or the whole run exceeds TOTAL_BUDGET.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
JOBS=${NNDL_TEST_JOBS:-2}
TOTAL_BUDGET=${NNDL_TOTAL_BUDGET:-2700}   # 45 minutes

# One BLAS thread per worker: parts run notebooks and tests in parallel workers.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
unset NNDL_FULL    # tests always use the fast configuration
unset MPLBACKEND   # notebook kernels need the inline backend (unit tests set Agg themselves)

names=() budgets=() durations=() results=()
run_part() {
  local name=$1 budget=$2; shift 2
  echo
  echo "=============== [$name] budget ${budget}s: $*"
  local start=$SECONDS
  "$@"
  local rc=$?
  local took=$((SECONDS - start))
  names+=("$name") budgets+=("$budget") durations+=("$took")
  if [ $rc -eq 0 ]; then results+=(ok); else results+=("FAILED (exit $rc)"); fi
  echo "=============== [$name] ${results[-1]} in ${took}s"
}

run_start=$SECONDS
# ruff, then the import contracts of pyproject.toml (the layering of nndl_lib, no cycles)
run_part lint     60  bash -c "$BIN/ruff check . && $BIN/lint-imports"
run_part unit     600 $BIN/pytest -q -n "$JOBS" -m "not browser and not grading and not hub" tests
# The graders end to end (every test marked `grading`): hostile submissions against the
# out-of-kernel pass, the instructor loop (release, collect, autograde, feedback, grades) with
# nbgrader on a copy of the course, the operating-system boundary alone (hook left out), and
# issue 19's attack graded as an ordinary user (created with useradd when run as root). Then, on
# its own, the hostile class (every hostile case of part 1 as one student of a chapter 6 class,
# graded as that ordinary user): its thread storm keeps both cores busy for a minute or two, which
# would starve the kernels of whatever test ran beside it.
exercises() {
  $BIN/pytest -q -n "$JOBS" --dist loadfile -m grading -p no:cacheprovider \
    --ignore=tests/grading/test_grading_hostile_class.py tests/grading
  local rc=$?
  $BIN/pytest -q -m grading -p no:cacheprovider tests/grading/test_grading_hostile_class.py
  return $((rc | $?))
}
run_part exercises 840 exercises
# The course on a real JupyterHub (tests/test_hub.py): hub + configurable-http-proxy on 127.0.0.1,
# three system users' servers (two learners, the instructor), release through the exchange, fetch,
# submit, collect, autograde with the sandbox, feedback back to each learner; a hostile learner
# refused. One assignment (ch01_digits), one hub; about 95 s on a quiet 2-core machine.
run_part hub      240 $BIN/pytest -q -m hub -p no:cacheprovider tests/test_hub.py
# The book is built BESIDE the ledger and kernel parts and the start of nbval: jupyter-book
# executes its pages one after another (one core, about 10 minutes: every page evaluates {eval}
# roles, so runs inline, with no cache to share), while those parts keep two workers busy. Its
# output is printed after nbval; the summary gives the build's own duration (which overlaps
# theirs) and the total is wall-clock time.
mkdir -p _build
book_log=_build/book-part.log
echo
echo "=============== [book] budget 900s, beside [ledger], [kernel] and [nbval]: $BIN/python tools/build_book.py (output: $book_log)"
book_seconds=_build/book-part.seconds
rm -f "$book_seconds"
( start=$SECONDS; $BIN/python tools/build_book.py > "$book_log" 2>&1; rc=$?
  echo $((SECONDS - start)) > "$book_seconds"; exit $rc ) &
book_pid=$!
# The reproduction ledger's fast tier: every row of nndl_lib/experiments.toml in its reduced
# configuration, checked against the value recorded for it (fails when a row leaves its band).
# Its expected values and bands come from a spread measured under several OpenBLAS kernels
# (reproduction/fast-spread.json); the machine's own kernel runs every row.
run_part ledger   720 $BIN/python -m nndl_lib.reproduce --tier fast --fresh --workers "$JOBS" \
                      --threads 1
# What another machine would see: the rows whose short runs end differently on two kernels
# (chapter 6's ReLU rows; reproduction/fast-spread.json marks them "chaotic") again under a kernel
# other than this CPU's own (SkylakeX -> Haswell, Haswell/Zen -> Sandybridge).
run_part kernel   480 $BIN/python -m nndl_lib.reproduce --tier fast --fresh --workers "$JOBS" \
                      --threads 1 --blas-kernel other --chaotic
# nbval starts while the book's last pages are still executing (the book outlasts ledger and
# kernel by a few minutes on a 2-core machine); it reads the notebooks and writes nothing beside them.
run_part nbval    600 $BIN/pytest -q -n "$JOBS" --dist loadfile --nbval-lax --nbval-cell-timeout=300 \
                      -p no:cacheprovider chapters exercises/source reproduction
wait "$book_pid"
book_rc=$?
book_took=$(cat "$book_seconds" 2>/dev/null || echo 0)
cat "$book_log"
names+=(book) budgets+=(900) durations+=("$book_took")
if [ $book_rc -eq 0 ]; then results+=(ok); else results+=("FAILED (exit $book_rc)"); fi
echo "=============== [book] ${results[-1]} in ${book_took}s (beside ledger, kernel and nbval)"
# Every chapter (and released exercise) in JupyterLab with the learner install, Run All in Chromium.
run_part lab      600 $BIN/pytest -q -p no:cacheprovider -m lab tests/test_lab.py tests/test_formgrader.py
run_part browser  300 $BIN/pytest -q -m browser tests/test_browser.py
total=$((SECONDS - run_start))

echo
echo "Part        Duration   Budget   Result"
failed=0 passed=0
for i in "${!names[@]}"; do
  flag=""
  [ "${durations[$i]}" -gt "${budgets[$i]}" ] && flag=" (over budget)"
  printf "%-10s %8ss %7ss   %s%s\n" "${names[$i]}" "${durations[$i]}" "${budgets[$i]}" "${results[$i]}" "$flag"
  if [ "${results[$i]}" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
printf "%-10s %8ss %7ss\n" total "$total" "$TOTAL_BUDGET"
if [ "$total" -gt "$TOTAL_BUDGET" ]; then
  echo "The whole run took ${total}s, over the ${TOTAL_BUDGET}s budget."
  failed=$((failed + 1))
fi
echo "parts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
