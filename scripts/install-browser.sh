#!/usr/bin/env sh
# Headless Chromium for the browser end-to-end test (tests/e2e/test_browser.py).
# Debian's chromium is used: Playwright's own browser download does not work here.
# Idempotent: skips what is already installed. Run as root (apt-get).
set -eu
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

if [ ! -x /usr/bin/chromium ]; then
    apt-get update
    apt-get install -y chromium chromium-driver
fi

if ! "$VENV/bin/python" -c "import playwright" 2>/dev/null; then
    "$VENV/bin/pip" install playwright
fi
