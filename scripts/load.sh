#!/usr/bin/env bash
# Load test of `pledgecheck serve` on loopback (issue 16): a benchmark to run by hand, not a timed test.
#
# Usage:
#   scripts/load.sh                 # 1M shortlist rows (200,000 searches), 30 s
#   LOAD_SEARCHES=20000 LOAD_SECONDS=10 scripts/load.sh   # a quick run
#
# What it does, with the release binary built once and copied to $LOAD_DIR/bin:
#   1. generates LOAD_SEARCHES searches x 5 candidates (examples/generate.rs, seeded) and imports them; adds an
#      admin and a recruiter of the largest firm, each with a token;
#   2. starts `pledgecheck serve` on a free port of 127.0.0.1;
#   3. for LOAD_SECONDS runs, at the same time, with oha (a fixed arrival rate, `-q`, over `-c` connections):
#        - searches  200 requests a second from 50 connections in all, split over: one search explained
#                    (GET /api/v1/searches/FIRM/REF), a page of searches (GET /api/v1/searches?firm=F&page=N),
#                    and a verdict filter (GET /api/v1/searches?verdict=non-compliant);
#        - uploads   a loop of 5,000-row shortlist files (1,000 searches of the recruiter's firm) POSTed to
#                    /api/v1/imports one after another;
#   4. then the web pages (issue 17) in the same way, for LOAD_SECONDS, at the same rate from as many connections,
#      signed in through the sign-in form, while uploads run again: a third of the rate each for a search's page
#      and page 3 of the recruiter's list (aim: under 50 ms at p99), the last third shared by the recruiter's
#      dashboard, the auditor's overview, a firm's page and a quarter's page (the pages that aggregate: aim under
#      200 ms);
#      then, separately, the report routes (reports/firms, reports/quarters as JSON) at 5 requests a second,
#      measured and shown apart (aim: under 200 ms);
#   5. prints each oha summary (status codes, p50/p99 latency), the uploads' statuses and times, and the
#      server's peak memory (VmHWM of /proc/PID/status; aim: under 128 MB).
# Aims (issue 16): no errors; p99 under 50 ms for a search and a page of searches. Record figures in
# docs/performance.md with the machine and the commit.
#
# Needs: oha (`cargo install oha --locked`; the script installs it when missing and LOAD_INSTALL=1), curl.
# Environment: LOAD_DIR (default /tmp/pledgecheck-load; the generated data is kept and reused), LOAD_SEARCHES
# (default 200000), LOAD_SECONDS (default 30), LOAD_RATE (default 200), LOAD_CONNECTIONS (default 50),
# LOAD_PROFILE (release, the default, or dev: the debug build, whose own code is unoptimised; a smoke run),
# LOAD_BIN (a pledgecheck binary to measure instead of building one: an earlier build, for figures before a change),
# LOAD_PAGES (1, the default; 0 leaves the pages out).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOAD_DIR:-/tmp/pledgecheck-load}
searches=${LOAD_SEARCHES:-200000}
seconds=${LOAD_SECONDS:-30}
rate=${LOAD_RATE:-200}
connections=${LOAD_CONNECTIONS:-50}
mkdir -p "$dir/bin" "$dir/data-$searches" "$dir/uploads"

if ! command -v oha >/dev/null; then
    if [[ ${LOAD_INSTALL:-0} == 1 ]]; then
        cargo install oha --locked
    else
        echo "oha is not installed: cargo install oha --locked (or run with LOAD_INSTALL=1)" >&2
        exit 2
    fi
fi

profile=${LOAD_PROFILE:-release}
if [[ -n ${LOAD_BIN:-} ]]; then
    (cd "$root" && cargo build --release --quiet --example generate)
    out="$root/target/release"
    cp "$LOAD_BIN" "$dir/bin/pledgecheck"
elif [[ $profile == release ]]; then
    (cd "$root" && cargo build --release --quiet --example generate --bin pledgecheck)
    out="$root/target/release"
else
    (cd "$root" && cargo build --quiet --example generate --bin pledgecheck)
    out="$root/target/debug"
fi
if [[ -z ${LOAD_BIN:-} ]]; then
    cp "$out/pledgecheck" "$dir/bin/"
fi
cp "$out/examples/generate" "$dir/bin/"
pc="$dir/bin/pledgecheck"
db="$dir/load-$searches.db"

data="$dir/data-$searches"
if [[ ! -f $data/shortlists.csv ]]; then
    "$dir/bin/generate" --searches "$searches" --out "$data" --seed 16
fi
rm -f "$db" "$db-wal" "$db-shm" "$dir/uploads.count"
"$pc" --db "$db" --quiet import "$data/firms.csv" "$data/shortlists.csv" "$data/exemptions.csv"

# The firm with the most searches, one of its searches, and its page count.
firm=$(cut -d, -f1 "$data/shortlists.csv" | tail -n +2 | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
ref=$(awk -F, -v f="$firm" '$1 == f {print $2; exit}' "$data/shortlists.csv")
"$pc" --db "$db" --quiet user add load-admin --role admin >/dev/null
"$pc" --db "$db" --quiet user add load-recruiter --role recruiter --firm "$firm" >/dev/null
admin=$("$pc" --db "$db" --quiet token add --user load-admin)
recruiter=$("$pc" --db "$db" --quiet token add --user load-recruiter)
password=load-pages
printf '%s\n' "$password" | "$pc" --db "$db" --quiet user add load-page-recruiter --role recruiter --firm "$firm" \
    --password-stdin >/dev/null
printf '%s\n' "$password" | "$pc" --db "$db" --quiet user add load-page-auditor --role auditor --password-stdin >/dev/null

# Upload files: 1,000 searches of the firm each (5,000 rows), numbered apart from the generated ones; each in two
# versions, the second without the shortlist dates (so pending), uploaded in turn: every upload writes 1,000
# searches and their verdicts (the first round adds them, later ones replace them), none is a re-import that
# changes nothing.
for i in 1 2 3 4 5 6 7 8; do
    f="$dir/uploads/upload-$i.csv"
    if [[ ! -f $f ]]; then
        head -1 "$data/shortlists.csv" >"$f"
        awk -F, -v OFS=, -v f="$firm" -v i="$i" 'NR > 1 && $1 == f && n < 5000 {$2 = "LOAD-" i "-" $2; print; n++}' \
            "$data/shortlists.csv" >>"$f"
    fi
    if [[ ! -f $dir/uploads/upload-$i-b.csv ]]; then
        awk -F, -v OFS=, 'NR > 1 {$8 = ""} {print}' "$f" >"$dir/uploads/upload-$i-b.csv"
    fi
done

log="$dir/serve.log"
# glibc gives each thread that allocates its own arena (up to 8 per core) and keeps what they free: the server's
# peak memory under this test was 166 MB with the default and 77 MB with 2 arenas (docs/performance.md).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
"$pc" --db "$db" serve --listen 127.0.0.1:0 --rate-limit 1000000 2>"$log" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
echo "serving $db ($searches searches) at $base; firm $firm, search $ref"

auth=(-H "Authorization: Bearer $recruiter")
oha_run() { # NAME RATE CONNECTIONS URL
    oha --no-tui -z "${seconds}s" -q "$2" -c "$3" "${auth[@]}" "$4" >"$dir/oha-$1.txt" 2>&1 &
}
# A session of the pages for USER, signed in through the sign-in form: prints its cookie header.
session() { # USER
    local jar="$dir/$1.jar" token
    token=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$token" --data-urlencode "user=$1" \
        --data-urlencode "password=$password" "$base/login"
    awk '$6 == "pc_session" {print "Cookie: pc_session=" $7}' "$jar"
}

uploads() { # [SUFFIX of the log: uploads-SUFFIX.txt]
    # The count goes on from the uploads before (kept in a file), so that no upload repeats the one before it.
    local end=$((SECONDS + seconds)) n file i
    n=$(cat "$dir/uploads.count" 2>/dev/null || echo 0)
    while ((SECONDS < end)); do
        i=$((n % 8 + 1))
        # The two versions of the 8 files in turn: the first round uploads each file's first version.
        file="upload-$i.csv"
        if ((n / 8 % 2 == 1)); then
            file="upload-$i-b.csv"
        fi
        n=$((n + 1))
        curl -s -o /dev/null -w "$file %{http_code} %{time_total}s\n" "${auth[@]}" \
            -F "file=@$dir/uploads/$file" "$base/api/v1/imports"
        echo "$n" >"$dir/uploads.count"
    done >"$dir/uploads${1:+-$1}.txt"
}

third=$((rate / 3))
conn=$((connections / 3))
oha_run explain "$third" "$conn" "$base/api/v1/searches/$firm/$ref"
oha_run page "$third" "$conn" "$base/api/v1/searches?firm=$firm&page=3&per_page=50"
oha_run verdict "$((rate - 2 * third))" "$((connections - 2 * conn))" "$base/api/v1/searches?verdict=non-compliant&per_page=50"
uploads &
wait $(jobs -p | grep -v "^$server\$") 2>/dev/null || true

if [[ ${LOAD_PAGES:-1} == 1 ]]; then
    quarter=$(awk -F, 'NR == 2 {print substr($8, 1, 4)}' "$data/shortlists.csv")-Q1
    # The uploads go on as the recruiter's API token; the pages are read through the two sessions.
    page_recruiter=$(session load-page-recruiter)
    page_auditor=$(session load-page-auditor)
    # A third each for a search's page and a page of the list; the last third shared by the four that aggregate.
    twelfth=$((rate / 12))
    aggregate_conn=$(((connections - 2 * conn) / 4))
    auth=(-H "$page_recruiter")
    oha_run page-search "$third" "$conn" "$base/searches/$firm/$ref"
    oha_run page-list "$((rate - third - 4 * twelfth))" "$conn" "$base/searches?page=3"
    oha_run page-dashboard "$twelfth" "$aggregate_conn" "$base/"
    auth=(-H "$page_auditor")
    oha_run page-overview "$twelfth" "$aggregate_conn" "$base/"
    oha_run page-firm "$twelfth" "$aggregate_conn" "$base/firms/$firm"
    oha_run page-quarter "$twelfth" "$aggregate_conn" "$base/quarters/$quarter"
    auth=(-H "Authorization: Bearer $recruiter")
    uploads pages &
    wait $(jobs -p | grep -v "^$server\$") 2>/dev/null || true
fi

auth=(-H "Authorization: Bearer $admin")
for which in firms quarters; do
    oha --no-tui -z "${seconds}s" -q 5 -c 2 "${auth[@]}" "$base/api/v1/reports/$which?format=json" >"$dir/oha-report-$which.txt" 2>&1
done

pages=()
if [[ ${LOAD_PAGES:-1} == 1 ]]; then
    pages=(page-search page-list page-dashboard page-overview page-firm page-quarter)
fi
for f in explain page verdict "${pages[@]}" report-firms report-quarters; do
    echo "== $f"
    grep -E "Success rate|Requests/sec|Slowest|Average|50.00%|99.00%|^ *\[[0-9]{3}\] [0-9]+ responses|Error" "$dir/oha-$f.txt" ||
        cat "$dir/oha-$f.txt"
done
echo "== uploads"
cat "$dir/uploads.txt"
if [[ ${LOAD_PAGES:-1} == 1 ]]; then
    echo "== uploads during the pages"
    cat "$dir/uploads-pages.txt"
fi
echo "== server memory"
grep -E "VmHWM|VmRSS" "/proc/$server/status"
