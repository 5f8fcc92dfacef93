#!/usr/bin/env bash
# Latency of the web pages (issue 17), one request at a time, on a generated database: a benchmark to run by hand.
#
# Usage:
#   scripts/pages-latency.sh                                  # 200,000 searches (1M rows), 100 requests a page
#   PAGES_SEARCHES=20000 PAGES_REQUESTS=30 scripts/pages-latency.sh   # a quick run
#
# Builds the release binary, generates and imports the data once (examples/generate.rs, seeded; kept in
# PAGES_DIR, default /tmp/pledgecheck-pages), signs in a recruiter of the largest firm and an auditor through the
# sign-in form with curl, and prints p50 and p99 of each page in milliseconds. Needs curl.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${PAGES_DIR:-/tmp/pledgecheck-pages}
searches=${PAGES_SEARCHES:-200000}
requests=${PAGES_REQUESTS:-100}
mkdir -p "$dir"
# PAGES_BUILD=0 uses the release binary as it is; PAGES_BIN measures another pledgecheck binary (an earlier
# build, for figures before a change: give it a PAGES_DIR of its own, as the database is of its level).
if [[ ${PAGES_BUILD:-1} != 0 ]]; then
    (cd "$root" && cargo build --release --quiet --example generate --bin pledgecheck)
fi
pc=${PAGES_BIN:-"$root/target/release/pledgecheck"}
data="$dir/data-$searches"
db="$dir/pages-$searches.db"
if [[ ! -f $data/shortlists.csv ]]; then
    "$root/target/release/examples/generate" --searches "$searches" --out "$data" --seed 16
fi
if [[ ! -f $db ]]; then
    "$pc" --db "$db" --quiet import "$data/firms.csv" "$data/shortlists.csv" "$data/exemptions.csv"
fi
firm=$(cut -d, -f1 "$data/shortlists.csv" | tail -n +2 | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
ref=$(awk -F, -v f="$firm" '$1 == f {print $2; exit}' "$data/shortlists.csv")
password=pages-latency
for who in "pages-recruiter --role recruiter --firm $firm" "pages-auditor --role auditor"; do
    # shellcheck disable=SC2086 # the words are the arguments
    printf '%s\n' "$password" | "$pc" --db "$db" --quiet user add $who --password-stdin >/dev/null 2>&1 || true
done

log="$dir/serve.log"
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
"$pc" --db "$db" serve --listen 127.0.0.1:0 --rate-limit 1000000 2>"$log" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
echo "serving $db ($searches searches) at $base; firm $firm, search $ref; $requests requests a page"

sign_in() { # USER JAR
    local token
    token=$(curl -s -c "$2" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -s -o /dev/null -b "$2" -c "$2" --data-urlencode "csrf=$token" --data-urlencode "user=$1" \
        --data-urlencode "password=$password" "$base/login"
}
measure() { # JAR NAME PATH
    local times status
    status=$(curl -s -o /dev/null -w '%{http_code}' -b "$1" "$base$3")
    times=$(for _ in $(seq "$requests"); do curl -s -o /dev/null -w '%{time_total}\n' -b "$1" "$base$3"; done | sort -n)
    awk -v name="$2" -v status="$status" '{ t[NR] = $1 * 1000 } END {
        p50 = t[int((NR + 1) * 0.5)]; p99 = t[int(NR * 0.99 + 0.5)]; if (p99 == "") p99 = t[NR]
        printf "%-40s %s  p50 %7.1f ms  p99 %7.1f ms\n", name, status, p50, p99 }' <<<"$times"
}

recruiter="$dir/recruiter.jar"
auditor="$dir/auditor.jar"
sign_in pages-recruiter "$recruiter"
sign_in pages-auditor "$auditor"
measure "$recruiter" "recruiter: dashboard /" "/"
measure "$recruiter" "recruiter: a search's page" "/searches/$firm/$ref"
measure "$recruiter" "recruiter: searches, page 3" "/searches?page=3"
measure "$recruiter" "recruiter: searches, non-compliant" "/searches?verdict=non-compliant"
measure "$recruiter" "recruiter: searches, text" "/searches?text=${ref:0:4}"
measure "$auditor" "auditor: overview /" "/"
measure "$auditor" "auditor: a firm" "/firms/$firm"
measure "$auditor" "auditor: searches, non-compliant" "/searches?verdict=non-compliant"
measure "$auditor" "auditor: evidence" "/evidence"
requests=3 measure "$auditor" "auditor: evidence, verified (audit verify)" "/evidence?verify=1"
requests=3 measure "$auditor" "auditor: a quarter" "/quarters/$(awk -F, 'NR == 2 {print substr($8, 1, 4)}' "$data/shortlists.csv")-Q1"
