#!/usr/bin/env bash
# Installs, only when missing, what the report tests and `postdeploy report --allure` need:
#   - Chromium (Debian package) for the browser tests of report.html (Playwright drives it;
#     Playwright's own browser download needs network access that CI machines may lack);
#   - Node.js + npm (Debian packages) when there is no node at all;
#   - the npm tools pinned in tools/package-lock.json (Allure 3, axe-core), locally in
#     tools/node_modules, never globally.
# Cheap when everything is there: a few `command -v` checks and a file-date comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "warning: cannot install $* here (needs apt-get as root); install it yourself" >&2
        return 0
    fi
    # Lock timeout: another apt on the machine (unattended upgrades) must not fail the build.
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "$@" >/dev/null
}

packages=()
if [ -z "${POSTDEPLOY_BROWSER_PATH:-}" ] && [ ! -x /usr/lib/chromium/chromium ] \
        && ! command -v chromium >/dev/null; then
    packages+=(chromium)
fi
# NSS's certutil: the e2e browser trusts the embedded target's run CA through a private NSS
# database (postdeploy/checks/browser_trust.py)
if ! command -v certutil >/dev/null; then
    packages+=(libnss3-tools)
fi
if ! command -v node >/dev/null; then
    packages+=(nodejs npm)
fi
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing ${packages[*]} (Debian packages)"
    apt_install "${packages[@]}"
fi

stamp=tools/node_modules/.postdeploy-stamp
if [ ! -f "$stamp" ] || [ tools/package-lock.json -nt "$stamp" ]; then
    if ! command -v npm >/dev/null; then
        echo "warning: npm not found; the Allure report and the accessibility tests need it" >&2
        exit 0
    fi
    echo "installing npm tools into tools/ (allure, axe-core)"
    npm ci --prefix tools --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
