#!/usr/bin/env bash
# System packages the tests need beyond Python: Debian's chromium for the browser check, and
# for the grading test that runs as an ordinary user (tests/grading/ordinary_user.py): a system
# Python of the project's version (/usr/bin/python3.X: the project's venv may link into root's
# home, which that user cannot enter), with useradd (passwd) and setpriv (util-linux); for the
# hub test, configurable-http-proxy from npm (into _build/chp).
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
# configurable-http-proxy (npm) for the hub test (tests/test_hub.py), pinned, into the git-ignored
# _build/chp/ of this checkout: no root needed, nothing installed system-wide.
CHP_VERSION=5.3.0
chp_dir="$(dirname "$0")/../_build/chp"
if [ "$("$chp_dir/node_modules/.bin/configurable-http-proxy" --version 2>/dev/null)" != "$CHP_VERSION" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "[system-deps] installing configurable-http-proxy $CHP_VERSION into _build/chp (the hub test)"
    npm install --silent --no-audit --no-fund --prefix "$chp_dir" \
      "configurable-http-proxy@$CHP_VERSION" >/dev/null || \
      echo "[system-deps] could not install configurable-http-proxy: the hub test will fail in CI"
  else
    echo "[system-deps] npm not found: the hub test needs configurable-http-proxy (Node.js + npm)"
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
