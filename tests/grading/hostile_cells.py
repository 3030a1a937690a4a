"""The hostile cells of the grading tests, one builder each, over any assignment: a graded
function is named by its signature (``"accuracy(a, labels)"``, see :func:`signature`), the
course's files by path. Used by the part-1 tests (``test_grading_sandbox.py``,
``test_grading_boundary.py``, ``test_grading_ordinary_user.py``,
``test_grading_nbgrader_paths.py``), which name chapter 1's or 2's functions, and by
``test_grading_hostile_class.py``, which grades every case as one student of a class."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

__all__ = [
    "signature", "returning", "LOOP_AT_TOP", "loop_in_function", "loop_ignoring_alarm",
    "huge_allocation_in_function", "HUGE_ALLOCATION_AT_TOP", "SYS_EXIT", "OS_EXIT_AT_TOP",
    "os_exit_in_function", "syntax_error", "EDITED_TEST_CELL", "PATCHES", "BOAST",
    "literal", "hard_coded", "import_reference", "load_reference_by_path",
    "exec_reference_source", "reference_attempts", "write_attacks", "process_attacks",
    "THREAD_STORM", "liar", "boundary_attack", "issue19_attack", "vandal", "probe_home",
    "report_channel",
]


def signature(code: str, name: str) -> str:
    """``"name(params)"`` of the top-level function ``name`` defined in ``code``."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return f"{name}({ast.unparse(node.args)})"
    raise ValueError(f"no top-level function {name!r} in the code given")


def returning(sig: str, expr: str) -> str:
    """A function of signature ``sig`` that returns ``expr``."""
    return f"def {sig}:\n    return {expr}"


# --- time, memory, exits, broken cells -----------------------------------------------------------

LOOP_AT_TOP = "while True:\n    pass"


def loop_in_function(sig: str) -> str:
    return f"def {sig}:\n    while True:\n        pass"


def loop_ignoring_alarm(sig: str) -> str:
    return ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            + loop_in_function(sig))


def huge_allocation_in_function(sig: str) -> str:
    return f"def {sig}:\n    big = np.ones(10**11)\n    return float(big[0])"


#: put in front of an answer: the cell fails before it defines anything
HUGE_ALLOCATION_AT_TOP = "x = np.ones((10**6, 10**5))\n"
SYS_EXIT = "import sys\nsys.exit(0)"
OS_EXIT_AT_TOP = "import os\nos._exit(0)"


def os_exit_in_function(sig: str) -> str:
    return f"import os\ndef {sig}:\n    os._exit(3)"


def syntax_error(sig: str) -> str:
    return f"def {sig}\n    return 1"


#: a locked test cell edited to claim points
EDITED_TEST_CELL = "result = None\n2.0"

# --- fooling the checks --------------------------------------------------------------------------

#: put in front of a wrong answer: numpy's comparisons and the checks patched to pass
PATCHES = ("np.allclose = lambda *a, **k: True\n"
           "np.testing.assert_allclose = lambda *a, **k: None\n"
           "np.array_equal = lambda *a, **k: True\n"
           "try:\n    import nndl_lib.grading.checks as c\n"
           "    c.check_against_reference = lambda *a, **k: True\n"
           "except ImportError as err:\n    print(err)\n"
           "try:\n    from nndl_lib.grading import framework\n"
           "    framework.Assignment.score = lambda *a, **k: None\n"
           "except ImportError as err:\n    print(err)\n")
#: put in front of a wrong answer
BOAST = "print('All tests passed')\nprint('Score: 2/2')\n"


def literal(value: object) -> str:
    """Python source that rebuilds ``value`` (arrays, numbers, lists, tuples, dicts) exactly,
    in a cell where ``np`` is numpy."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            return (f"np.frombuffer(bytes.fromhex({value.tobytes().hex()!r}), "
                    f"dtype=np.{value.dtype.name}).reshape({value.shape!r})")
        if value.dtype == np.float64:
            return f"np.array({value.tolist()!r})"
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({literal(value.item())})"
    if isinstance(value, float) and not np.isfinite(value):
        return f"float({repr(value)!r})"
    if isinstance(value, bool | int | float | str | type(None)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} as a literal")


def hard_coded(sig: str, value: object) -> str:
    """A function that returns ``value`` (a visible example's answer) whatever it is given."""
    return returning(sig, literal(value))


def _module_file(module: str) -> str:
    """``'metrics.py'`` for ``nndl_lib.metrics``: the arguments of os.path.join after the
    package's folder."""
    parts = module.split(".")[1:]
    return ", ".join(repr(p) for p in [*parts[:-1], parts[-1] + ".py"])


def import_reference(module: str, name: str) -> str:
    return f"from {module} import {name}"


def load_reference_by_path(module: str, name: str) -> str:
    return ("import importlib.util, os, nndl_lib\n"
            f"p = os.path.join(os.path.dirname(nndl_lib.__file__), {_module_file(module)})\n"
            "spec = importlib.util.spec_from_file_location('m', p)\n"
            "m = importlib.util.module_from_spec(spec)\n"
            f"spec.loader.exec_module(m)\n{name} = m.{name}")


def exec_reference_source(module: str) -> str:
    return ("import nndl_lib, os\n"
            f"exec(open(os.path.join(os.path.dirname(nndl_lib.__file__), "
            f"{_module_file(module)})).read())")


def reference_attempts(module: str, name: str) -> str:
    """The ways of :func:`load_reference_by_path` and :func:`exec_reference_source`, each
    caught, then :func:`import_reference` (not caught: the cell fails as part 1's does):
    ``name`` is defined only where one of them went through."""
    lines = []
    for attempt in (load_reference_by_path(module, name), exec_reference_source(module)):
        lines += ["try:", *("    " + line for line in attempt.splitlines()),
                  "except BaseException as err:", "    print(type(err).__name__, err)"]
    return "\n".join([*lines, import_reference(module, name)])


# --- files, processes, threads, types -------------------------------------------------------------


def write_attacks(course: Path, other: Path) -> str:
    """Writes into the gradebook, ``other`` (another student's notebook) and the course, each
    caught; put in front of an answer."""
    return "\n".join([
        "import os, shutil, sqlite3, pathlib",
        "for attack in [",
        f"    lambda: open({str(course / 'gradebook.db')!r}, 'wb').write(b''),",
        f"    lambda: open({str(other)!r}, 'w').write('pwned'),",
        f"    lambda: os.remove({str(course / 'gradebook.db')!r}),",
        f"    lambda: os.rename({str(other)!r}, {str(other) + '.x'!r}),",
        f"    lambda: shutil.rmtree({str(course / 'submitted')!r}),",
        f"    lambda: sqlite3.connect({str(course / 'gradebook.db')!r}).execute('vacuum'),",
        f"    lambda: pathlib.Path({str(course / 'new.txt')!r}).write_text('x'),",
        "    lambda: os.symlink('/etc/passwd', 'link') or open('link', 'w'),",
        "    lambda: open('../../escape.txt', 'w'),",
        "]:",
        "    try:",
        "        attack()",
        "    except Exception as err:",
        "        print(type(err).__name__, err)",
    ])


def process_attacks(course: Path) -> str:
    """Shells, fork, subprocess, a signal to the parent, ctypes and a socket, each caught; put
    in front of an answer."""
    return "\n".join([
        "import os",
        "outcomes = []",
        "for attack in [",
        f"    lambda: os.system('rm -rf {course}'),",
        "    lambda: os.fork(),",
        f"    lambda: __import__('subprocess').run(['rm', '-rf', {str(course)!r}]),",
        "    lambda: os.kill(os.getppid(), 9),",
        "    lambda: __import__('ctypes').CDLL(None).system(b'true'),",
        "    lambda: __import__('socket').create_connection(('127.0.0.1', 22)),",
        "]:",
        "    try:",
        "        outcomes.append(attack())",
        "    except BaseException as err:",
        "        outcomes.append(type(err).__name__)",
    ])


#: put in front of an answer: fifty threads spinning for ever
THREAD_STORM = ("import threading\n"
                "def spin():\n    while True:\n        pass\n"
                "for _ in range(50):\n    threading.Thread(target=spin, daemon=True).start()\n")


def liar(sig: str) -> str:
    """An answer whose output compares equal to anything."""
    return ("class Liar(np.ndarray):\n"
            "    def __eq__(self, other):\n        return True\n"
            f"def {sig}:\n    return np.zeros(3).view(Liar)")


# --- the operating-system boundary ----------------------------------------------------------------


def boundary_attack(course: Path, home: Path, port: int, pid: int, assignment: str = "ch01_digits",
                    other: str = "bob", guard_refusals: bool = False) -> str:
    """One cell trying everything; it raises an error naming what was refused (errno) and, if
    anything got through, "NOT REFUSED". nbgrader's kernel may read the library (its test
    cells compute the references: the in-kernel score is the one the learner saw); the
    out-of-kernel child, which decides the grade, may not. ``guard_refusals``: the audit hook is
    in front of the boundary, and its refusals (an OSError without errno) count as refused."""
    secret, src = course / ".course_secret", course / "source" / assignment / f"{assignment}.ipynb"
    other_nb = course / "submitted" / other / assignment / f"{assignment}.ipynb"
    feedback = course / "feedback" / other / assignment / f"{assignment}.html"
    refused = ("        got[name] = (errno.errorcode.get(e.errno, str(e.errno)) if e.errno "
               "else 'guard')" if guard_refusals else
               "        got[name] = errno.errorcode.get(e.errno, str(e.errno))")
    ok = "('EACCES', 'EPERM', 'guard')" if guard_refusals else "('EACCES', 'EPERM')"
    return "\n".join([
        "import errno, os, posixpath, signal, socket, subprocess",
        "posixpath.lexists = lambda p: False  # the issue's trick against the hook",
        "got = {}",
        "def attempt(name, f):",
        "    try:",
        "        f()",
        "        got[name] = 'DONE'",
        "    except OSError as e:",
        refused,
        f"attempt('home', lambda: open({str(home / 'pwned.txt')!r}, 'w').write('x'))",
        f"attempt('config', lambda: open({str(course / 'nbgrader_config.py')!r}, 'a')"
        ".write('\\nprint(1)'))",
        f"attempt('gradebook', lambda: open({str(course / 'gradebook.db')!r}, 'r+b')"
        ".write(b'x'))",
        f"attempt('other', lambda: open({str(other_nb)!r}, 'w').write('{{}}'))",
        f"attempt('feedback', lambda: open({str(feedback)!r}, 'w').write('x'))",
        f"attempt('symlink', lambda: os.symlink({str(course / 'nbgrader_config.py')!r}, "
        "'link'))",
        f"attempt('read_secret', lambda: open({str(secret)!r}).read())",
        f"attempt('read_source', lambda: open({str(src)!r}).read())",
        f"attempt('read_library', lambda: open({str(_library_file())!r})"
        ".read())",
        f"attempt('connect', lambda: socket.create_connection(('127.0.0.1', {port}), 2))",
        "attempt('bind', lambda: socket.socket().bind(('127.0.0.1', 0)))",
        f"attempt('signal_grader', lambda: os.kill({pid}, signal.SIGUSR1))",
        "attempt('signal_parent', lambda: os.kill(os.getppid(), signal.SIGUSR1))",
        "attempt('execute', lambda: subprocess.run(['/bin/true']))",
        "# nbgrader's kernel reads the library by design (its test cells compute the references)",
        "by_design = {'read_library'} if 'get_ipython' in globals() else set()",
        f"bad = {{k: v for k, v in got.items() if v not in {ok}",
        "       and k not in by_design}",
        "raise RuntimeError(('NOT' + ' REFUSED ' + repr(bad)) if bad else",
        "                   'ALL' + ' REFUSED ' + repr(got))",
    ])


def _library_file() -> Path:
    from nndl_lib.grading.users import PACKAGE_ROOT

    return PACKAGE_ROOT / "nndl_lib" / "fc.py"


def issue19_attack(course: Path, home: Path, assignment: str = "ch02_backprop",
                   other: str = "bob") -> str:
    """Issue 19's attack (about fifteen lines of plain Python), recording what each step got;
    the cell ends with an error naming everything that went through ("NOT REFUSED")."""
    other_nb = course / "submitted" / other / assignment / f"{assignment}.ipynb"
    feedback = course / "feedback" / other / assignment / f"{assignment}.html"
    config = course / "nbgrader_config.py"
    source = course / "source" / assignment / f"{assignment}.ipynb"
    return "\n".join([
        "import errno, os, posixpath",
        "posixpath.lexists = lambda p: False  # the issue's trick against the hook",
        "got = {}",
        "def attempt(name, f):",
        "    try:",
        "        f()",
        "        got[name] = 'DONE'",
        "    except OSError as e:  # the guard's refusals carry no errno, the kernel's do",
        "        got[name] = errno.errorcode.get(e.errno, 'guard') if e.errno else 'guard'",
        "link = os.path.abspath('link')  # in this process's own scratch folder",
        f"attempt('symlink', lambda: os.symlink({str(config)!r}, link))",
        "if os.path.islink(link):",
        "    attempt('write_through_link', lambda: open(link, 'a').write('\\nprint(1)'))",
        f"attempt('home', lambda: open({str(home / 'pwned.txt')!r}, 'w').write('x'))",
        f"attempt('config', lambda: open({str(config)!r}, 'a').write('\\nprint(1)'))",
        f"attempt('gradebook', lambda: open({str(course / 'gradebook.db')!r}, 'r+b')"
        ".write(b'x'))",
        f"attempt('other', lambda: open({str(other_nb)!r}, 'w').write('{{}}'))",
        f"attempt('feedback', lambda: open({str(feedback)!r}, 'w').write('x'))",
        f"attempt('read_secret', lambda: open({str(course / '.course_secret')!r}).read())",
        f"attempt('read_source', lambda: open({str(source)!r})"
        ".read())",
        "bad = {k: v for k, v in got.items() if v == 'DONE'}",
        "raise RuntimeError(('NOT' + ' REFUSED ' + repr(bad)) if bad else",
        "                   'ALL' + ' REFUSED ' + repr(got))",
    ])


def vandal(root: Path, home: Path) -> str:
    """Issue 25's first cell, widened: ``x`` into every notebook and page it can name (the
    course's files as they are now, by absolute path, and relative to the working folder)."""
    targets = sorted(str(p) for p in root.rglob("*") if p.suffix in (".ipynb", ".html", ".db")
                     or p.name == "nbgrader_config.py")
    return "\n".join([
        "import glob",
        "hit, refused = [], []",
        f"for p in glob.glob('../../*/*/*.ipynb') + {targets!r} + [{str(home / 'pwned')!r}]:",
        "    try:",
        "        with open(p, 'w') as f:",
        "            f.write('x')",
        "        hit.append(p)",
        "    except OSError as e:",
        "        refused.append(p)",
        "print('VANDAL HIT', hit, 'REFUSED', len(refused))",
    ])


def probe_home(home: Path) -> str:
    """One write into the instructor's home, caught: the attempt alone is what gets flagged."""
    return ("try:\n"
            f"    open({str(home / 'x.txt')!r}, 'w')\n"
            "except OSError:\n    pass\n")


def report_channel(home: Path) -> str:
    """A refused write, then an attack on the kernel's report of refusals (remove, rewrite,
    rename and truncate it, close the pipe it goes through); prints ``CHANNEL {...}``."""
    return "\n".join([
        "import errno, fcntl, os, stat, time",
        "got = {}",
        "try:",
        f"    open({str(home / 'x.txt')!r}, 'w')",
        "except OSError:",
        "    pass",
        "report = os.environ['NNDL_SANDBOX_REFUSED']",
        "for name, f in [('remove', lambda: os.remove(report)),",
        "                ('rewrite', lambda: open(report, 'w')),",
        "                ('rename', lambda: os.rename(report, 'x'))]:",
        "    try:",
        "        f()",
        "        got[name] = 'DONE'",
        "    except OSError as e:",
        "        got[name] = errno.errorcode.get(e.errno, 'guard')",
        "for fd in range(3, 1024):",
        "    try:",
        "        os.ftruncate(fd, 0)",
        "        got.setdefault('truncated', []).append(fd)",
        "    except OSError:",
        "        pass",
        "    try:",
        "        st = os.fstat(fd)",
        "    except OSError:",
        "        continue",
        "    if (stat.S_ISFIFO(st.st_mode)",
        "            and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE",
        "            == os.O_WRONLY):",
        "        os.close(fd)",
        "        got.setdefault('closed', []).append(fd)",
        "time.sleep(1.5)",
        "print('CHANNEL', got)",
    ])
