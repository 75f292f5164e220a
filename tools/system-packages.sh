#!/usr/bin/env bash
# System packages the course's grading and tests use, from Debian's archive:
#   bubblewrap               the sandbox student code runs in (make grade, make demo, make test)
#   postgresql               a real PostgreSQL server for the shared-gradebook tests
#   chromium chromium-driver the headless browser of the JupyterLab end-to-end test
# Installs only what is missing, and only where it can (root, or sudo without a
# password, on a machine with apt-get). Elsewhere it says what is missing and
# exits 0: the grading commands then say what they need, and the tests that need
# a missing program skip with that reason.
set -u
want=()
command -v bwrap >/dev/null 2>&1 || want+=(bubblewrap)
{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || want+=(postgresql)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v chromedriver >/dev/null 2>&1 || want+=(chromium-driver)
[ ${#want[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not a Debian/Ubuntu machine; install these yourself if you need them: ${want[*]}" >&2
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        echo "note: need root to install ${want[*]} (sudo apt-get install ${want[*]})" >&2
        exit 0
    fi
fi
echo "Installing Debian packages: ${want[*]} (once; a minute or two)..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null 2>&1 || true
if ! $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/tmp/mlsys-apt.log 2>&1; then
    echo "note: apt-get install ${want[*]} failed; see /tmp/mlsys-apt.log" >&2
fi
exit 0
