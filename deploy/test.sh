#!/usr/bin/env bash
# Run every test: a throwaway PostgreSQL on a free port, the whole suite, then the run command's launcher test
# (deploy/tests/launcher.sh), then clean up (even on failure). Extra arguments go to nextest.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/pg.sh

ensure_postgres
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

tmp=$(mktemp -d /tmp/kc-test.XXXXXX)
cleanup() {
  stop_cluster "$tmp/data"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$tmp"
mkdir -p "$tmp/data"
pg_own "$tmp"
port=$(free_port)

echo "==> private PostgreSQL for the tests on 127.0.0.1:$port ($tmp)"
init_cluster "$tmp/data"
start_cluster "$tmp/data" "$port" "$tmp/postgres.log" \
  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"

export KC_TEST_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"

# Python tools from PyPI, in a virtualenv kept in .data/venv-test (git-ignored) and reinstalled only when a
# pinned version changes: the fuzzer of the OpenAPI contract (e2e/tests/fuzz.rs, schemathesis), the mail
# server the notifications and e2e tests deliver to (aiosmtpd), and the offline validator of the Kubernetes
# manifests (e2e/tests/deploy.rs, kubernetes-validate). Without them those tests fail saying so; the rest of
# the suite still runs.
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6
K8S_VALIDATE_VERSION=1.37.0
venv="$PWD/.data/venv-test"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION" ||
   ! "$venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null ||
   ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$K8S_VALIDATE_VERSION"; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION, aiosmtpd $AIOSMTPD_VERSION and kubernetes-validate $K8S_VALIDATE_VERSION (PyPI) into $venv"
  mkdir -p .data
  if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      { apt-get update -qq && apt-get install -y -qq python3-venv; } >/dev/null || true
      python3 -m venv --clear "$venv" || true
    else
      echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2
    fi
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    "aiosmtpd==$AIOSMTPD_VERSION" "kubernetes-validate==$K8S_VALIDATE_VERSION" || echo "warning: the Python test tools could not be installed" >&2
fi
if [ -x "$venv/bin/schemathesis" ]; then export KC_SCHEMATHESIS="$venv/bin/schemathesis"; fi
if [ -x "$venv/bin/python" ]; then export KC_SMTP_SINK_PYTHON="$venv/bin/python"; fi
if [ -x "$venv/bin/kubernetes-validate" ]; then export KC_K8S_VALIDATE="$venv/bin/kubernetes-validate"; fi

# The browser tests (e2e/tests/browser.rs): Debian's Chromium and chromedriver, and axe-core from npm kept
# in .data/npm-test (git-ignored), reinstalled only when its pinned version changes.
AXE_VERSION=4.14.1
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing chromium and chromium-driver (Debian) for the browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null ||
      echo "warning: chromium could not be installed; the browser tests will fail saying so" >&2
  else
    echo "warning: chromium and chromedriver are missing: sudo apt-get install chromium chromium-driver" >&2
  fi
fi
npm_dir="$PWD/.data/npm-test"
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$npm_dir/node_modules/axe-core/package.json"; then
  echo "==> installing axe-core $AXE_VERSION (npm) into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" "axe-core@$AXE_VERSION" >/dev/null ||
    echo "warning: axe-core could not be installed; the browser tests will fail saying so" >&2
fi
export KC_AXE_JS="$npm_dir/node_modules/axe-core/axe.min.js"
if command -v chromedriver >/dev/null; then export KC_CHROMEDRIVER="$(command -v chromedriver)"; fi
if command -v chromium >/dev/null; then export KC_CHROMIUM="$(command -v chromium)"; fi

# nginx (Debian) for the replica tests (e2e/tests/replicas.rs) and the run command's replica mode.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing nginx (Debian) for the replica tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; } >/dev/null ||
      echo "warning: nginx could not be installed; the replica tests will fail saying so" >&2
  else
    echo "warning: nginx is missing: sudo apt-get install nginx" >&2
  fi
fi

echo "==> building the binaries (the e2e tests start them) and every test"
cargo build --workspace --bins
status=0
cargo nextest run --workspace --all-targets --no-fail-fast "$@" || status=$?

# The run command's PostgreSQL from a folder the postgres user cannot reach (skipped, saying why, unless root).
echo "==> the run command's PostgreSQL from a home folder (deploy/tests/launcher.sh)"
deploy/tests/launcher.sh || status=$?
exit "$status"
