#!/usr/bin/env bash
# Install what the browser tests (pytest -m browser, tests/web/test_web_browser.py) need:
# Debian's chromium (apt) and the playwright Python package (its bundled node driver only;
# playwright's own browser download is never used). Idempotent and quiet; run from the repo
# root with the project venv active, or set PYTHON=/path/to/python.
set -euo pipefail

PYTHON="${PYTHON:-python}"
PLAYWRIGHT_VERSION="1.65.2"

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

if ! "$PYTHON" -c "import importlib.metadata as m, sys; sys.exit(m.version('playwright') != '$PLAYWRIGHT_VERSION')" 2>/dev/null; then
    "$PYTHON" -m pip install -q "playwright==$PLAYWRIGHT_VERSION"
fi

/usr/bin/chromium --version 2>/dev/null
"$PYTHON" -c "import importlib.metadata as m; print('playwright', m.version('playwright'))"
