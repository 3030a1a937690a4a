"""The learner's nbgrader settings (nbgrader_config.py at the repository root) need no setup.

The JupyterLab test (tests/test_lab.py) checks the same through the running server; these checks
run without a browser, in the unit part.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import ROOT


@pytest.fixture
def learner_config(tmp_path, monkeypatch):
    """nbgrader_config.py loaded as nbgrader loads it, with a fresh Jupyter data directory."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()


def test_course_id_and_a_per_user_exchange_that_exists(learner_config, tmp_path):
    assert learner_config.CourseDirectory.course_id == "nndl"  # the instructor's course id too
    exchange = Path(learner_config.Exchange.root)
    assert exchange == tmp_path / "data" / "nbgrader" / "exchange"
    assert exchange.is_dir() and os.access(exchange, os.W_OK | os.X_OK)
    assert 0 < learner_config.ExecutePreprocessor.timeout <= 600


@pytest.mark.skipif(sys.platform == "win32", reason="no nbgrader exchange on Windows")
def test_the_assignment_list_finds_the_exchange(learner_config):
    """What nbgrader's Assignment List runs: an empty list, not 'the exchange does not exist'."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.list import ExchangeList

    coursedir = CourseDirectory(config=learner_config)
    lister = ExchangeList(coursedir=coursedir, authenticator=Authenticator(config=learner_config),
                          config=learner_config)
    assert lister.start() == []
