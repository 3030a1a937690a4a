"""The course on a real JupyterHub, end to end, on 127.0.0.1 (issue 23).

One hub (deploy/jupyterhub_config.py, unchanged but for its environment) behind
configurable-http-proxy (npm), run as root, with LocalProcessSpawner starting a server as each of
three real system users (useradd): two learners, ``nndl-hub-alice`` (honest) and ``nndl-hub-eve``
(hostile), and the instructor ``nndl-instructor``. Their servers run a Python they can execute
(tests/grading/ordinary_user.py's virtual environment) with this checkout on PYTHONPATH. The
exchange is a shared folder; the instructor's course is a copy of ``exercises/`` (ch01_digits)
in the instructor's home, closed to others.

Each step and its route (REST: through the proxy with that user's own API token; app: the command
run as that user with setpriv):

1. the hub starts; the three servers are started at once (REST: hub API, one ``POST
   /hub/api/users/<name>/server`` each, then polled), and each user gets a token (REST: hub API);
2. the instructor generates the learner notebook with ``nndl-course release`` (app: the course's
   command, which also checks that nothing hidden leaked) and releases it to the exchange
   (REST: formgrader's ``/formgrader/api/assignment/<a>/release``);
3. each learner lists and fetches it (REST: nbgrader's ``/assignments`` and
   ``/assignments/fetch``), saves a filled notebook over it (REST: Jupyter's contents API):
   alice the reference answers, eve the reference answers plus a cell that, when graded, tries
   to read alice's work and the course secret and to write the gradebook; both submit (REST:
   ``/assignments/submit``);
4. eve, as her own user (app: a Python script and ``nbgrader submit --student=<alice>`` run as
   eve), tries to list the exchange's inbound folder, read, write into, rename and remove
   alice's submission (by its exact name, which the test hands her), read alice's home and the
   instructor's course, and files a stub notebook under alice's name: all refused, and the
   impostor submission is not collected;
5. the instructor collects (REST: formgrader's ``collect``; the course's collect keeps only the
   submissions each learner owns), autogrades with the course's grader, nbgrader in the sandbox
   and the out-of-kernel pass, two jobs (app: ``nndl-course autograde``), writes feedback (app:
   ``nndl-course feedback``) and releases it (REST: formgrader's ``release_feedback``);
6. each learner fetches their feedback (REST: ``/assignments/fetch_feedback``) and reads it
   (REST: contents API): alice's page shows full marks, eve's shows her score; eve cannot list
   the exchange's feedback folder, read alice's page there (by its exact name: the course's
   release_feedback leaves it readable by alice alone, through an ACL entry) nor read alice's
   fetched copy (app: as eve).

At the end the servers are stopped through the hub API, the hub (and with it the proxy) is
stopped, and the course copy, the learners' files and the hub's folder are removed; the system
users stay (as tests/grading/ordinary_user.py's does).

Skipped, with the reason printed, only where a hub cannot run here: not root, no useradd/setpriv,
no jupyterhub (the hub extra), no configurable-http-proxy (``tools/system_deps.sh`` installs it
with npm into _build/chp), no Landlock for the grader. Under ``CI`` every one of these is an
error. About 95 s on a shared 2-core machine (the hub part's budget is 240 s).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ROOT, free_port

sys.path.insert(0, str(Path(__file__).resolve().parent / "grading"))
from ordinary_user import OrdinaryUser, ordinary_user  # noqa: E402

from nndl_lib.grading import boundary  # noqa: E402
from nndl_lib.grading.gradebook import ATTEMPT_FLAG  # noqa: E402
from nndl_lib.grading.submissions import submission  # noqa: E402

pytestmark = [pytest.mark.hub]

A = "ch01_digits"
ALICE, EVE = "nndl-hub-alice", "nndl-hub-eve"
COURSE_IN_HOME = "nndl-hub-course"
CHP = ROOT / "_build" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"


def _cannot(why: str) -> None:
    print(f"\nskipped: {why}")
    if os.environ.get("CI"):
        pytest.fail(f"the hub test must run in CI: {why}")
    pytest.skip(why)


def _chp() -> str | None:
    return str(CHP) if CHP.is_file() else shutil.which("configurable-http-proxy")


class Hub:
    """The running hub: its URL, the admin service's token, and requests through the proxy."""

    def __init__(self, url: str, token: str) -> None:
        import requests

        self.url, self.session = url, requests.Session()
        self.admin = {"Authorization": f"token {token}"}
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, token: str | None = None, ok=(200, 201, 202, 204),
             **kwargs):
        headers = {"Authorization": f"token {token}"} if token else self.admin
        r = self.session.request(method, self.url + path, headers=headers, timeout=120, **kwargs)
        assert r.status_code in ok, (method, path, r.status_code, r.text[:2000])
        return r

    def as_user(self, user: str, method: str, path: str, **kwargs):
        """A request to ``user``'s own server with ``user``'s own token."""
        return self.call(method, f"/user/{user}{path}", token=self.tokens[user], **kwargs)

    def nbgrader(self, user: str, action: str) -> dict:
        """nbgrader's Assignment List handler of ``user``'s server (fetch, submit, ...)."""
        r = self.as_user(user, "POST", f"/assignments/{action}",
                         json={"course_id": "nndl", "assignment_id": A})
        return r.json()

    def formgrader(self, user: str, action: str) -> dict:
        r = self.as_user(user, "POST", f"/formgrader/api/assignment/{A}/{action}")
        out = r.json()
        assert out.get("success"), (action, out.get("error") or out)
        return out


def _wait(what: str, check, timeout: float, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the hub exited ({proc.returncode}) while waiting for {what}:\n"
                                 + log.read_text()[-4000:])
        try:
            result = check()
        except Exception:  # not up yet
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n"
                         + log.read_text()[-4000:])


def _fresh_home(user: OrdinaryUser) -> None:
    """A learner's home emptied of earlier runs (fetched notebooks, nbgrader's cache), 0700."""
    for entry in user.home.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    os.chmod(user.home, 0o700)


def _last_cell(nb: dict | Path) -> str:
    """The last cell's source of a notebook (a file or a dict), as one string."""
    if isinstance(nb, Path):
        nb = json.loads(nb.read_text(encoding="utf-8"))
    src = nb["cells"][-1]["source"]
    return "".join(src) if isinstance(src, list) else src


def _chown_tree(top: Path, user: OrdinaryUser) -> None:
    for p in [top, *top.rglob("*")]:
        os.lchown(p, user.uid, user.gid)


HOSTILE_CELL = """\
import os
got = {{}}
for name, f in [
    ('list inbound', lambda: os.listdir({inbound!r})),
    ('read course secret', lambda: open({secret!r}).read()),
    ('list course', lambda: os.listdir({course!r})),
    ('write gradebook', lambda: open({gradebook!r}, 'r+b').write(b'x')),
    ('read alice home', lambda: os.listdir({alice_home!r})),
]:
    try:
        f()
        got[name] = 'DONE'
    except OSError as e:
        got[name] = type(e).__name__
bad = [k for k, v in got.items() if v == 'DONE']
print(('NOT' + ' REFUSED ' + repr(bad)) if bad else ('ALL' + ' REFUSED ' + repr(got)))
"""

EVE_AS_HERSELF = """\
import json, os, sys
inbound, feedback, alice_sub, alice_home, course = sys.argv[1:6]
alice_page = sys.argv[6] if len(sys.argv) > 6 else None
got = {}
def attempt(name, f):
    try:
        f()
        got[name] = 'DONE'
    except OSError as e:
        got[name] = type(e).__name__
attempt('list inbound', lambda: os.listdir(inbound))
attempt('list feedback', lambda: os.listdir(feedback))
attempt('list alice submission', lambda: os.listdir(alice_sub))
attempt('read alice notebook', lambda: open(os.path.join(alice_sub, 'ch01_digits.ipynb')).read())
attempt('read alice secret', lambda: open(os.path.join(alice_sub, 'submission_secret.txt')).read())
attempt('write into alice submission', lambda: open(os.path.join(alice_sub, 'x.ipynb'), 'w'))
attempt('overwrite alice notebook',
        lambda: open(os.path.join(alice_sub, 'ch01_digits.ipynb'), 'w').write('{}'))
attempt('rename alice submission', lambda: os.rename(alice_sub, alice_sub + '-gone'))
attempt('remove alice submission', lambda: os.rmdir(alice_sub))
attempt('list alice home', lambda: os.listdir(alice_home))
attempt('list instructor course', lambda: os.listdir(course))
if alice_page:
    attempt('read alice feedback', lambda: open(alice_page).read())
print(json.dumps(got))
"""


def test_a_class_on_jupyterhub_release_fetch_submit_collect_autograde_feedback():
    t_start = time.monotonic()
    if boundary.unavailable_reason():
        _cannot(f"no Landlock for the grader: {boundary.unavailable_reason()}")
    if os.geteuid() != 0:
        _cannot("the hub's LocalProcessSpawner needs root to start servers as other users")
    if importlib.util.find_spec("jupyterhub") is None:
        _cannot("jupyterhub is not installed (pyproject's hub extra; make test installs it)")
    chp = _chp()
    if chp is None:
        _cannot("configurable-http-proxy not found (tools/system_deps.sh installs it with npm "
                "into _build/chp)")
    users: dict[str, OrdinaryUser] = {}
    for name, private in ((None, False), (ALICE, True), (EVE, True)):
        try:
            found, why = ordinary_user(name, private) if name else ordinary_user()
        except Exception as exc:  # a setup that should have worked
            if os.environ.get("CI"):
                raise
            _cannot(f"could not set up the user {name}: {exc}")
        if found is None:
            _cannot(why)
        users[found.name] = found
    teacher = next(u for u in users.values() if u.name not in (ALICE, EVE))
    alice, eve = users[ALICE], users[EVE]
    for learner in (alice, eve):
        _fresh_home(learner)

    base = Path(tempfile.mkdtemp(prefix="nndl-hub-"))
    os.chmod(base, 0o755)
    exchange, state, log = base / "exchange", base / "hub", base / "hub.log"
    course = teacher.home / COURSE_IN_HOME
    shutil.rmtree(course, ignore_errors=True)
    shutil.rmtree(teacher.home / ".local" / "share" / "jupyter" / "nbgrader_cache",
                  ignore_errors=True)
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "exercises" / "source" / A, course / "source" / A)
    shutil.copy(ROOT / "exercises" / "nbgrader_config.py", course)
    _chown_tree(course, teacher)
    os.chmod(course, 0o700)  # every learner's work is collected here

    port, hub_port, proxy_port = free_port(), free_port(), free_port()
    token = os.urandom(24).hex()
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
           "HOME": str(state), "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT),
           "NNDL_HUB_IP": "127.0.0.1", "NNDL_HUB_PORT": str(port),
           "NNDL_HUB_API_PORT": str(hub_port), "NNDL_PROXY_API_PORT": str(proxy_port),
           "NNDL_HUB_STATE": str(state), "NNDL_CHP": chp,
           "NNDL_SINGLEUSER_PYTHON": teacher.python, "NNDL_CODE": str(ROOT),
           "NNDL_EXCHANGE": str(exchange), "NNDL_LEARNERS": f"{ALICE},{EVE}",
           "NNDL_INSTRUCTORS": teacher.name, "NNDL_INSTRUCTOR_COURSE": COURSE_IN_HOME,
           "NNDL_HUB_PASSWORD": os.urandom(12).hex(), "NNDL_HUB_SERVICE_TOKEN": token}
    state.mkdir(mode=0o700)
    hub_proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(ROOT / "deploy" / "jupyterhub_config.py")],
        cwd=state, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token)
    timings = {}
    try:
        _wait("the hub", lambda: hub.session.get(hub.url + "/hub/api/", timeout=5).ok, 90,
              hub_proc, log)
        timings["hub up"] = time.monotonic() - t_start

        # 1. every server at once, then a token per user ------------------------------------
        names = [teacher.name, ALICE, EVE]
        for name in names:
            hub.call("POST", f"/hub/api/users/{name}/server")

        def ready(name: str) -> bool:
            servers = hub.call("GET", f"/hub/api/users/{name}").json().get("servers") or {}
            return bool(servers.get("", {}).get("ready"))

        for name in names:
            _wait(f"{name}'s server", lambda n=name: ready(n), 150, hub_proc, log)
        timings["servers up"] = time.monotonic() - t_start
        for name in names:
            hub.tokens[name] = hub.call("POST", f"/hub/api/users/{name}/tokens",
                                        json={"note": "nndl hub test", "expires_in": 900}
                                        ).json()["token"]

        # 2. the instructor releases the assignment -----------------------------------------
        def as_teacher(*args: str, timeout: float = 600) -> str:
            proc = teacher.run([teacher.python, "-m", "nndl_lib.grading.cli", "--course",
                                str(course), *args], cwd=course, timeout=timeout,
                               NNDL_EXCHANGE=str(exchange))
            assert proc.returncode == 0, (args, proc.stdout[-3000:], proc.stderr[-3000:])
            return proc.stdout

        as_teacher("release", A)
        hub.formgrader(teacher.name, "release")
        assert (exchange / "nndl" / "outbound" / A / f"{A}.ipynb").is_file()

        # 3. the learners fetch, fill and submit ------------------------------------------
        source_nb = json.loads((course / "source" / A / f"{A}.ipynb").read_text())
        alice_nb = submission(source_nb, "reference")
        eve_nb = submission(source_nb, "reference")
        eve_nb["cells"].append({
            "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": HOSTILE_CELL.format(
                inbound=str(exchange / "nndl" / "inbound"), course=str(course),
                secret=str(course / ".course_secret"), gradebook=str(course / "gradebook.db"),
                alice_home=str(alice.home))})

        def learner_round(name: str, nb: dict) -> None:
            listed = hub.as_user(name, "GET", "/assignments",
                                 params={"course_id": "nndl"}).json()
            assert listed["success"] and [a["assignment_id"] for a in listed["value"]
                                          if a["status"] == "released"] == [A], listed
            fetched = hub.nbgrader(name, "fetch")
            assert [a["status"] for a in fetched["value"]] == ["fetched"], fetched
            hub.as_user(name, "PUT", f"/api/contents/{A}/{A}.ipynb",
                        json={"type": "notebook", "format": "json", "content": nb})
            submitted = hub.nbgrader(name, "submit")
            assert submitted["success"], submitted

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(learner_round, [ALICE, EVE], [alice_nb, eve_nb]))
        inbound = exchange / "nndl" / "inbound"
        [alice_sub] = [p for p in inbound.iterdir() if p.name.startswith(ALICE + "+")]
        assert _last_cell(alice_sub / f"{A}.ipynb") == _last_cell(alice_nb)

        # 4. eve, as herself, against alice's submission -----------------------------------
        proc = eve.run([eve.python, "-c", EVE_AS_HERSELF, str(inbound),
                        str(exchange / "nndl" / "feedback"), str(alice_sub), str(alice.home),
                        str(course)], cwd=eve.home)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        assert all(v == "PermissionError" for k, v in got.items()), got
        impostor = eve.run([eve.python, "-m", "nbgrader", "submit", A, "--course", "nndl",
                            f"--student={ALICE}"], cwd=eve.home,
                           JUPYTER_CONFIG_PATH=str(ROOT / "deploy" / "singleuser"),
                           NNDL_EXCHANGE=str(exchange))
        # nbgrader itself lets her file it (her notebook, under alice's name) ...
        assert impostor.returncode == 0, impostor.stderr[-2000:]
        assert len([p for p in inbound.iterdir() if p.name.startswith(ALICE + "+")]) == 2

        # 5. the instructor collects, autogrades, writes and releases feedback -------------
        hub.formgrader(teacher.name, "collect")
        for name, nb in ((ALICE, alice_nb), (EVE, eve_nb)):
            # ... but the course's collect takes alice's own, not eve's filed under her name
            assert _last_cell(course / "submitted" / name / A / f"{A}.ipynb") == \
                _last_cell(nb), name
        t0 = time.monotonic()
        said = as_teacher("autograde", A, "--jobs", "2")
        timings["autograde"] = time.monotonic() - t0
        print(said)
        as_teacher("feedback", A)
        hub.formgrader(teacher.name, "release_feedback")
        rows = {r["student"]: r for r in csv.DictReader(io.StringIO(as_teacher("grades")))}
        for name in (ALICE, EVE):  # the reference answers: every autograded point (eve's too)
            assert rows[name]["autograded_score"] == rows[name]["autograded_max"], rows
        assert ATTEMPT_FLAG in rows[EVE]["flag"] and ATTEMPT_FLAG not in rows[ALICE]["flag"]
        eve_graded = (course / "autograded" / EVE / A / f"{A}.ipynb").read_text()
        assert "ALL REFUSED" in eve_graded and "NOT REFUSED" not in eve_graded

        # 6. each learner fetches and reads their own feedback ----------------------------
        pages = {}
        for name in (ALICE, EVE):
            hub.nbgrader(name, "fetch_feedback")
            folder = hub.as_user(name, "GET", f"/api/contents/{A}/feedback").json()
            [stamp] = [e["path"] for e in folder["content"] if e["type"] == "directory"]
            page = hub.as_user(name, "GET", f"/api/contents/{stamp}/{A}.html",
                               params={"format": "text", "type": "file"}).json()["content"]
            pages[name] = page
            points = float(rows[name]["autograded_score"])
            maximum = float(rows[name]["autograded_max"])
            assert f"Grade decided outside your notebook: {points:g} of {maximum:g}" in page, \
                (name, page[:3000])
            # nbgrader's own page (each cell, its score), the course's report on top
            assert "could not render" not in page and "Score: " in page, page[:3000]
        assert pages[ALICE] != pages[EVE]
        # alice's page in the exchange (found as root): eve may not read it, even by its name
        [alice_page] = [p for p in (exchange / "nndl" / "feedback").glob("*.html")
                        if p.read_text(encoding="utf-8") == pages[ALICE]]
        proc = eve.run([eve.python, "-c", EVE_AS_HERSELF, str(inbound),
                        str(exchange / "nndl" / "feedback"), str(alice_sub), str(alice.home),
                        str(course), str(alice_page)], cwd=eve.home)
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        assert "read alice feedback" in got, got
        assert all(v == "PermissionError" for k, v in got.items()), got
        # what eve fetched is her own page, nothing else
        assert [p.read_text(encoding="utf-8") for p in (eve.home / A / "feedback").rglob(
            "*.html")] == [pages[EVE]]
        timings["total"] = time.monotonic() - t_start
        print("timings (s):", {k: round(v, 1) for k, v in timings.items()})
    finally:
        _stop(hub, hub_proc, [teacher.name, ALICE, EVE], log)
        shutil.rmtree(course, ignore_errors=True)
        for learner in (alice, eve):
            _fresh_home(learner)
        shutil.rmtree(base, ignore_errors=True)


def _stop(hub: Hub, proc: subprocess.Popen, names: list[str], log: Path) -> None:
    """The users' servers through the hub API, then the hub (which stops its proxy)."""
    if proc.poll() is None:
        for name in names:
            try:
                hub.call("DELETE", f"/hub/api/users/{name}/server", ok=(202, 204, 400, 404))
            except Exception as exc:  # the hub is going away anyway
                print(f"could not stop {name}'s server: {exc}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if not any((hub.call("GET", f"/hub/api/users/{n}").json().get("servers") or {})
                           for n in names):
                    break
            except Exception:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    if log.is_file():
        print("hub log (tail):\n" + log.read_text()[-1500:])
