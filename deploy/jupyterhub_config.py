"""JupyterHub for the course on one server: every learner and instructor gets their own
JupyterLab (the learner install), started as their own system user, and nbgrader's exchange is a
folder all of them share. See deploy/README.md (from an empty server to a graded assignment).

    sudo NNDL_LEARNERS=alice,bob NNDL_INSTRUCTORS=teacher NNDL_HUB_PASSWORD=... \\
        jupyterhub -f deploy/jupyterhub_config.py

Everything site-specific comes from the environment (defaults in brackets):

    NNDL_HUB_IP, NNDL_HUB_PORT     where the proxy listens [127.0.0.1, 8000]
    NNDL_HUB_API_PORT              the hub's own port [8081]; NNDL_PROXY_API_PORT the proxy's [8001]
    NNDL_HUB_STATE                 the hub's database, cookie secret and logs [/srv/jupyterhub]
    NNDL_CHP                       configurable-http-proxy [found on PATH]
    NNDL_SINGLEUSER_PYTHON         a Python every user can run, with the learner install
                                   (jupyterhub, jupyterlab, nbgrader, nndl_lib) [this one]
    NNDL_CODE                      a folder put on the servers' PYTHONPATH (a checkout) [none]
    NNDL_EXCHANGE                  nbgrader's exchange, shared [/srv/nbgrader/exchange]
    NNDL_LEARNERS, NNDL_INSTRUCTORS  comma-separated system user names (the users must exist)
    NNDL_INSTRUCTOR_COURSE         the course folder in an instructor's home [nndl/exercises]
    NNDL_HUB_PASSWORD              the dummy authenticator's shared password (tests only)
    NNDL_HUB_SERVICE_TOKEN         an API token for a service "nndl-admin" that manages users,
                                   servers and tokens (the test drives the hub with it) [none]

Authentication here is JupyterHub's DummyAuthenticator (one shared password): good for a test on
127.0.0.1, never for a class. For real use replace it (deploy/README.md, "Logging in"):
PAMAuthenticator (JupyterHub's default, the server's own accounts), OAuthenticator
(GitHubOAuthenticator, GenericOAuthenticator for a university's SSO, ...) or LTI 1.3 from the
learning platform (ltiauthenticator).
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

env = os.environ.get
DEPLOY = Path(__file__).resolve().parent
state = Path(env("NNDL_HUB_STATE", "/srv/jupyterhub"))
state.mkdir(parents=True, exist_ok=True)
learners = [u for u in env("NNDL_LEARNERS", "").split(",") if u]
instructors = [u for u in env("NNDL_INSTRUCTORS", "").split(",") if u]

# -- network: the proxy in front, the hub and the servers behind it, all on NNDL_HUB_IP ----------
ip = env("NNDL_HUB_IP", "127.0.0.1")
c.JupyterHub.bind_url = f"http://{ip}:{env('NNDL_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = ip
c.JupyterHub.hub_port = int(env("NNDL_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://{ip}:{env('NNDL_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [env("NNDL_CHP", "configurable-http-proxy")]
c.Spawner.ip = ip

# -- the hub's own files ------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

# -- who may log in ------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = env("NNDL_HUB_PASSWORD") or None
c.Authenticator.allowed_users = set(learners) | set(instructors)
c.JupyterHub.load_groups = {"instructors": {"users": instructors},
                            "learners": {"users": learners}}
if env("NNDL_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "nndl-admin", "api_token": env("NNDL_HUB_SERVICE_TOKEN")}]
    c.JupyterHub.load_roles = [{
        "name": "nndl-admin", "services": ["nndl-admin"],
        "scopes": ["admin:users", "admin:servers", "tokens", "read:users"],
    }]

# -- each user's server: a local process as that system user ------------------------------------
c.JupyterHub.spawner_class = "localprocess"
python = env("NNDL_SINGLEUSER_PYTHON", sys.executable)
c.Spawner.cmd = [python, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
exchange = Path(env("NNDL_EXCHANGE", "/srv/nbgrader/exchange"))
server_env = {
    "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
    # every server's nbgrader settings (course id, exchange): deploy/singleuser/nbgrader_config.py
    "JUPYTER_CONFIG_PATH": str(DEPLOY / "singleuser"),
    "NNDL_EXCHANGE": str(exchange),
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
}
if env("NNDL_CODE"):
    server_env["PYTHONPATH"] = env("NNDL_CODE")
# an instructor's server knows the course folder (formgrader manages it): ~/NNDL_INSTRUCTOR_COURSE
course_in_home = env("NNDL_INSTRUCTOR_COURSE", "nndl/exercises")


def _course(spawner) -> str:
    if spawner.user.name not in instructors:
        return ""
    import pwd

    return os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, course_in_home)


c.Spawner.environment = {**server_env, "NNDL_COURSE": _course}

# -- the nbgrader exchange: one folder every user can reach --------------------------------------
# nbgrader wants the exchange root world-writable (0777; the sticky bit keeps one user from
# removing another's course folder). The course's own folders are made here, owned by the first
# instructor (nbgrader's release_assignment accepts them as they are): outbound 755 (learners
# read), feedback 711 (learners open their own page by its secret name, list nothing), inbound
# 3733: learners drop submissions in but cannot list it, and the sticky bit (nbgrader leaves it
# out) stops one learner from renaming or removing another's submission.
exchange.mkdir(parents=True, exist_ok=True)
os.chmod(exchange, 0o1777)
if instructors:
    import pwd

    owner = pwd.getpwnam(instructors[0])
    course_exchange = exchange / "nndl"
    for folder, mode in ((course_exchange, 0o755), (course_exchange / "outbound", 0o755),
                         (course_exchange / "feedback", 0o711),
                         (course_exchange / "inbound", 0o3733)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chmod(folder, mode)
