#!/usr/bin/env bash
# System packages the tests need beyond Python: Debian's chromium for the browser check.
# Installs it with apt-get when running as root and it is missing; otherwise says what to do.
set -euo pipefail
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
