#!/usr/bin/env bash
# System packages the tests need beyond Python: Debian's chromium for the browser check, and
# for the grading test that runs as an ordinary user (tests/grading/ordinary_user.py): a system
# Python of the project's version (/usr/bin/python3.X: the project's venv may link into root's
# home, which that user cannot enter), with useradd (passwd) and setpriv (util-linux).
# Installs them with apt-get when running as root and missing; otherwise says what to do.
set -euo pipefail
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  venv_python=.venv/bin/python
  [ -x "$venv_python" ] || venv_python=python3
  version=$("$venv_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
  missing=()
  [ -n "$version" ] && [ ! -x "/usr/bin/python$version" ] && missing+=("python$version" "python$version-venv")
  command -v useradd >/dev/null 2>&1 || missing+=(passwd)
  command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[system-deps] installing ${missing[*]} (the grading test as an ordinary user)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null || \
      echo "[system-deps] could not install ${missing[*]}: that grading test will fail in CI"
  fi
fi
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[system-deps] installing Debian's chromium (for the browser check)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
else
  echo "[system-deps] chromium not found and cannot apt-get install it (not root / not Debian)."
  echo "              Install Chromium and set NNDL_CHROMIUM=/path/to/chromium, or the browser"
  echo "              check will be skipped outside CI (and fail in CI)."
fi
