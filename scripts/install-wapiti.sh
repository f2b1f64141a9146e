#!/usr/bin/env bash
# Installs Wapiti (the security stage's vulnerability scanner when no ZAP is configured) into
# its own virtual environment, tools/wapiti/, only when it is missing or the pinned version
# changed. Its own environment because wapiti3 pins ~25 dependencies exactly, which cannot
# live beside postdeploy's (docs/dependencies.md). Cheap when installed: one file-date check.
#
# Not wanted (no scan without ZAP): POSTDEPLOY_NO_WAPITI=1 skips it; the security stage then
# reports the scan as not checked, as before.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
venv=tools/wapiti
requirements=tools/wapiti-requirements.txt
stamp="$venv/.postdeploy-stamp"

if [ -n "${POSTDEPLOY_NO_WAPITI:-}" ]; then
    exit 0
fi
if [ -f "$stamp" ] && [ ! "$requirements" -nt "$stamp" ] && [ -x "$venv/bin/wapiti" ]; then
    exit 0
fi
echo "installing Wapiti into $venv (its own virtual environment)"
rm -rf "$venv"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
"$venv/bin/wapiti" --version >/dev/null
touch "$stamp"
