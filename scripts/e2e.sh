#!/usr/bin/env bash
# The browser test of the web pages (issue 17): headless Chromium, driven over WebDriver by e2e/src/main.rs, through
# sign-in, the pre-send check, an upload with errors, firm isolation, the auditor's pack and logout. Screenshots of
# every page at desktop and phone width land in target/e2e/.
#
# Installs Debian's chromium and chromium-driver when they are missing (as root, as CI runs). Usage:
#   scripts/e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "e2e: installing chromium and chromium-driver" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Both binaries are built before anything starts, so that the server and the driver wait for no compiler.
cargo build --locked --quiet
cargo build --locked --quiet -p pledgecheck-e2e

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bin=target/debug/pledgecheck
db="$work/e2e.db"
password="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin" --db "$db" --quiet import samples/firms.csv samples/shortlists.csv samples/exemptions.csv
add_user() { printf '%s\n' "$password" | "$bin" --db "$db" user add "$@" --password-stdin >/dev/null; }
add_user nina --role recruiter --firm nordsoeg
add_user ole --role recruiter --firm kbh-executive
add_user aud --role auditor
add_user ada --role admin

# Whether something listens on a local port (bash's /dev/tcp: no curl needed).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A free port for chromedriver, which cannot pick its own.
port=$((20000 + RANDOM % 20000))
while listening "$port"; do port=$((20000 + RANDOM % 20000)); done
chromedriver --port="$port" >"$work/chromedriver.log" 2>&1 &
pids+=($!)
"$bin" --db "$db" serve --listen 127.0.0.1:0 2>"$work/serve.log" &
pids+=($!)

base=""
for _ in $(seq 100); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/serve.log" | head -n 1)
    if [ -n "$base" ] && listening "$port"; then break; fi
    sleep 0.2
done
if [ -z "$base" ]; then
    echo "e2e: the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
if ! listening "$port"; then
    echo "e2e: chromedriver did not start:" >&2
    cat "$work/chromedriver.log" >&2
    exit 1
fi

mkdir -p target/e2e
rm -f target/e2e/failure*
status=0
E2E_BASE="$base" E2E_WEBDRIVER="http://127.0.0.1:$port" E2E_DB="$db" E2E_BINARY="$bin" \
    E2E_SCREENSHOTS="target/e2e" E2E_PASSWORD="$password" \
    target/debug/pledgecheck-e2e || status=$?
if [ "$status" -ne 0 ]; then
    echo "e2e: the server's log:" >&2
    tail -n 40 "$work/serve.log" >&2
fi
exit "$status"
