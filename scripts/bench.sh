#!/usr/bin/env bash
# End-to-end benchmark of pledgecheck beside its baselines, on the same data, in one run (issue 6).
#
# Usage:
#   scripts/bench.sh [ROWS...]          # default: 10k 100k 1M (shortlist rows; 5 rows per search)
#   BENCH_5M=1 scripts/bench.sh         # adds 5M to the default sizes
#   scripts/bench.sh 10k 2M             # any sizes: a number with an optional k or M
#
# Environment:
#   BENCH_DIR   where data, databases and results go (default /tmp/pledgecheck-bench); generated data is kept
#               and reused by later runs (the generator is seeded: the same size gives the same bytes)
#   BENCH_RUNS  runs of each measurement; the fastest is shown, with its peak RSS (default 1)
#   BENCH_5M    set to 1 to add 5M rows to the default sizes
#   BENCH_ORDERS set to 0 to skip the row orders (below)
#   BENCH_BEFORE another pledgecheck binary (a build from before a change): each read of issue 15 below is then
#               measured with it too, in alternation with the binary under test (its rows are marked "(before)")
#
# For each size it generates firms.csv, shortlists.csv (ROWS rows) and exemptions.csv with
# `examples/generate.rs` (ROWS/5 searches), then measures, each with wall time and peak RSS
# (`/usr/bin/time -f "%e %M"`; the wall time shown is taken around it with bash's $EPOCHREALTIME, in
# microseconds, so that small cases read in milliseconds; it includes starting /usr/bin/time, about 1 ms; the
# CPU time (user + system, from /usr/bin/time's %U %S, in steps of 10 ms) is shown beside it, as it is less
# disturbed than the wall time when other work shares the machine):
#   - sqlite3 .import   the sqlite3 shell's `.mode csv` + `.import shortlists.csv t` into a fresh database
#                       (baseline; the shell's defaults: rollback journal, one transaction)
#   - bare inserts      examples/bare_insert.rs: prepared INSERTs of the raw rows (14 text columns) in one
#                       transaction into a bare table of a fresh database, set up as pledgecheck sets up a first load (the floor)
#   - import            pledgecheck --db fresh.db import firms.csv shortlists.csv exemptions.csv
#   - report firms|quarters|searches --format csv > /dev/null, and check (no files), on that database
#   - check --dry-run   of a one-search file (the header and the first 5 rows of shortlists.csv)
#   - explain           FIRM SEARCH_REF of that search
#   - the reads of issue 15, each with its peak RSS: quarterly QUARTER --output DIR (the quarter with the most
#                       searches), report outcomes (all, and --quarter QUARTER), report html --output FILE,
#                       whatif --policy samples/stricter.toml (CSV), audit verify, check --format json and report
#                       searches --format csv with --policy samples/stricter.toml, history FIRM SEARCH_REF and
#                       history FIRM
#   - re-import         the same three files again (must say "0 searches changed")
#   - pairs             BENCH_RUNS pairs of sqlite3 .import and import run one right after the other, each pair's
#                       ratio and the ratio of their sums (the machine's speed drifts: a pair shares its moment)
#   - orders            the same rows grouped by search, as generated, shuffled, sorted by added_on and by
#                       candidate sector: for each, BENCH_RUNS alternating pairs with sqlite3 .import of that file
#                       (wall and CPU ratios of the sums), the import's peak RSS, the database's size against
#                       .import's, and a re-import of the unchanged file against the fresh import (mean)
# and prints a table with ratios: import / sqlite3 .import, import / bare inserts, each report / import, and
# time per row. Results are also written to $BENCH_DIR/results.tsv (one line per size and measurement).
#
# The binaries (release: pledgecheck, examples generate and bare_insert) are built once at the start and
# copied into $BENCH_DIR/bin, so that a rebuild during the run does not change what is measured. The git
# commit and whether src/ or schema/ had uncommitted changes are printed with the results.
#
# Needs: cargo, GNU time at /usr/bin/time (apt-get install -y time), sqlite3 (apt-get install -y sqlite3).

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/pledgecheck-bench}
runs=${BENCH_RUNS:-1}

die() { echo "bench.sh: $*" >&2; exit 2; }

[[ -x /usr/bin/time ]] || die "GNU time is missing at /usr/bin/time (install: apt-get install -y time)"
command -v sqlite3 >/dev/null || die "the sqlite3 shell is missing (install: apt-get install -y sqlite3)"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive number, not '$runs'"

# Sizes in rows: 10k, 1M, 2500, ...
parse_rows() {
    local raw=$1 n
    case "$raw" in
        *[kK]) n=$(( ${raw%[kK]} * 1000 )) ;;
        *[mM]) n=$(( ${raw%[mM]} * 1000000 )) ;;
        *) n=$raw ;;
    esac
    [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 5 && n % 5 == 0 )) || die "bad size '$raw' (rows: a multiple of 5, e.g. 10k, 1M)"
    echo "$n"
}
if (( $# > 0 )); then
    sizes=()
    for raw in "$@"; do sizes+=("$(parse_rows "$raw")"); done
else
    sizes=(10000 100000 1000000)
    if [[ "${BENCH_5M:-}" == 1 ]]; then sizes+=(5000000); fi
fi

mkdir -p "$bench_dir/bin"
echo "== building (release) and copying the binaries to $bench_dir/bin" >&2
(cd "$root" && cargo build --release --quiet --example generate --example bare_insert --bin pledgecheck)
for b in examples/generate examples/bare_insert pledgecheck; do
    cp "$root/target/release/$b" "$bench_dir/bin/"
done
before_pc=''
if [[ -n "${BENCH_BEFORE:-}" ]]; then
    [[ -x "$BENCH_BEFORE" ]] || die "BENCH_BEFORE is not an executable: $BENCH_BEFORE"
    cp "$BENCH_BEFORE" "$bench_dir/bin/pledgecheck-before"
    before_pc=$bench_dir/bin/pledgecheck-before
fi
gen=$bench_dir/bin/generate
bare=$bench_dir/bin/bare_insert
pc=$bench_dir/bin/pledgecheck

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- src schema 2>/dev/null | wc -l)
if (( dirty > 0 )); then commit="$commit (+ $dirty uncommitted files in src/ schema/)"; fi

results=$bench_dir/results.tsv
printf 'rows\tmeasurement\tseconds\tcpu_seconds\tpeak_rss_kb\n' >"$results"

# measure NAME OUT CMD...: runs CMD (stdout to OUT) $runs times, each after running the code in $before (if
# any); records the wall time (bash's clock, microseconds) and peak RSS of the fastest run in $results.
measure() {
    local name=$1 out=$2 best_us='' best_rss=0 best_cpu=0 i t0 t1 us rss cpu
    shift 2
    for (( i = 0; i < runs; i++ )); do
        if [[ -n "${before:-}" ]]; then eval "$before"; fi
        t0=${EPOCHREALTIME/[.,]/}
        if ! /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >"$out" 2>"$work/stderr.txt"; then
            echo "bench.sh: $name failed:" >&2
            cat "$work/stderr.txt" >&2
            exit 1
        fi
        t1=${EPOCHREALTIME/[.,]/}
        us=$(( t1 - t0 ))
        read -r rss cpu < <(awk 'END { printf "%s %.2f\n", $2, $3 + $4 }' "$work/time.txt")
        if [[ -z "$best_us" ]] || (( us < best_us )); then best_us=$us; best_rss=$rss; best_cpu=$cpu; fi
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$rows" "$name" "$(awk -v us="$best_us" 'BEGIN { printf "%.4f", us / 1e6 }')" \
        "$best_cpu" "$best_rss" >>"$results"
}

# measure_read NAME ARGS...: `pledgecheck --db pc.db ARGS...` (stdout to /dev/null) as `measure` does; with
# BENCH_BEFORE, each run is paired with a run of the other binary just before it (recorded as NAME_before), so
# that the two share the machine's moment. The fastest run of each is kept.
measure_read() {
    local name=$1 i
    shift
    for (( i = 0; i < runs; i++ )); do
        if [[ -n "$before_pc" ]]; then runs=1 measure "${name}_before" /dev/null "$before_pc" --db "$work/pc.db" "$@"; fi
        runs=1 measure "$name" /dev/null "$pc" --db "$work/pc.db" "$@"
    done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
fmt_time() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
fmt_cpu() { if awk -v s="$1" 'BEGIN { exit !(s < 0.01) }'; then echo "<10 ms"; else fmt_time "$1"; fi; }
fmt_rss() { if [[ -n "$1" ]]; then awk -v k="$1" 'BEGIN { printf "%7.1f MB", k / 1024 }'; fi; }

echo "pledgecheck end-to-end benchmark: commit $commit; $(nproc) cores; sqlite3 $(sqlite3 --version | cut -d' ' -f1);" \
     "fastest of $runs run(s); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
summary=()
for rows in "${sizes[@]}"; do
    searches=$(( rows / 5 ))
    data=$bench_dir/data-$rows
    work=$bench_dir/work-$rows
    mkdir -p "$work"
    if [[ ! -s "$data/shortlists.csv" ]] || (( $(wc -l <"$data/shortlists.csv") != rows + 1 )); then
        echo "== generating $searches searches ($rows rows) into $data" >&2
        "$gen" --searches "$searches" --out "$data" >&2
    fi
    f=$data/firms.csv s=$data/shortlists.csv e=$data/exemptions.csv
    head -n 6 "$s" >"$work/one-search.csv"
    firm=$(sed -n 2p "$s" | cut -d, -f1)
    ref=$(sed -n 2p "$s" | cut -d, -f2)
    echo "== measuring $rows rows ($(du -h "$s" | cut -f1) shortlists.csv)" >&2

    before="rm -f '$work/sqlite3.db' '$work/sqlite3.db-journal'"
    measure sqlite3_import /dev/null sqlite3 "$work/sqlite3.db" ".mode csv" ".import '$s' t"
    [[ $(sqlite3 "$work/sqlite3.db" "SELECT count(*) FROM t") == "$rows" ]] || die "sqlite3 .import: wrong row count"
    before="rm -f '$work/bare.db' '$work/bare.db-wal' '$work/bare.db-shm'"
    measure bare_insert /dev/null "$bare" "$s" "$work/bare.db"
    before="rm -f '$work/pc.db' '$work/pc.db-wal' '$work/pc.db-shm'"
    measure import "$work/import.out" "$pc" --db "$work/pc.db" import "$f" "$s" "$e"
    grep -q "$searches searches changed ($searches read;" "$work/import.out" \
        || die "import: unexpected summary: $(cat "$work/import.out")"
    before=''
    measure report_firms /dev/null "$pc" --db "$work/pc.db" report firms --format csv
    measure report_quarters /dev/null "$pc" --db "$work/pc.db" report quarters --format csv
    measure report_searches /dev/null "$pc" --db "$work/pc.db" report searches --format csv
    measure check /dev/null "$pc" --db "$work/pc.db" check
    measure check_dry_run /dev/null "$pc" --db "$work/pc.db" check --dry-run "$work/one-search.csv"
    measure explain /dev/null "$pc" --db "$work/pc.db" explain "$firm" "$ref"
    # The reads of issue 15, on the quarter with the most searches.
    quarter=$(sqlite3 "$work/pc.db" "SELECT quarter FROM verdict GROUP BY quarter ORDER BY count(*) DESC, quarter LIMIT 1")
    before="rm -rf '$work/pack'"
    measure_read quarterly quarterly "$quarter" --output "$work/pack"
    before=''
    measure_read outcomes report outcomes --format csv
    measure_read outcomes_quarter report outcomes --format csv --quarter "$quarter"
    measure_read html report html --output "$work/report.html"
    measure_read whatif whatif --policy "$root/samples/stricter.toml" --format csv
    measure_read audit_verify audit verify
    measure_read check_policy check --format json --policy "$root/samples/stricter.toml"
    measure_read searches_policy report searches --format csv --policy "$root/samples/stricter.toml"
    measure_read history history "$firm" "$ref"
    measure_read history_firm history "$firm"
    measure reimport "$work/reimport.out" "$pc" --db "$work/pc.db" import "$f" "$s" "$e"
    grep -q "0 searches changed ($searches read;" "$work/reimport.out" \
        || die "re-import: not idempotent: $(cat "$work/reimport.out")"

    # Read back what was recorded for this size.
    declare -A t=() c=() m=()
    while IFS=$'\t' read -r r name sec cpu kb; do
        [[ "$r" == "$rows" ]] || continue
        # A measurement recorded run by run (measure_read) keeps its fastest run.
        if [[ -n "${t[$name]:-}" ]] && awk -v a="$sec" -v b="${t[$name]}" 'BEGIN { exit !(a >= b) }'; then continue; fi
        t[$name]=$sec c[$name]=$cpu m[$name]=$kb
    done <"$results"
    imp=${t[import]}
    sums=$(awk -v a="${t[report_firms]}" -v b="${t[report_quarters]}" -v c="${t[report_searches]}" -v d="${t[check]}" \
        -v ca="${c[report_firms]}" -v cb="${c[report_quarters]}" -v cc="${c[report_searches]}" -v cd="${c[check]}" \
        'BEGIN { printf "%.4f %.2f", a + b + c + d, ca + cb + cc + cd }')
    t[reports]=${sums% *} c[reports]=${sums#* } m[reports]=''
    echo
    printf '%-9s %-31s %10s %10s %10s  %s\n' rows measurement "wall time" "CPU time" "peak RSS" "ratio (wall time)"
    row() { # KEY LABEL [RATIO TEXT]
        printf '%-9s %-31s %10s %10s %10s  %s\n' "$rows" "$2" "$(fmt_time "${t[$1]}")" "$(fmt_cpu "${c[$1]}")" \
            "$(fmt_rss "${m[$1]}")" "${3:-}"
    }
    row sqlite3_import "sqlite3 .import (baseline)"
    row bare_insert "bare prepared INSERTs (floor)" "$(ratio "${t[bare_insert]}" "${t[sqlite3_import]}") sqlite3 .import"
    row import "import (fresh database)" \
        "$(ratio "$imp" "${t[sqlite3_import]}") sqlite3 .import, $(ratio "$imp" "${t[bare_insert]}") bare inserts"
    row report_firms "report firms --format csv" "$(ratio "${t[report_firms]}" "$imp") import"
    row report_quarters "report quarters --format csv" "$(ratio "${t[report_quarters]}" "$imp") import"
    row report_searches "report searches --format csv" "$(ratio "${t[report_searches]}" "$imp") import"
    row check "check (no files)" "$(ratio "${t[check]}" "$imp") import"
    row reports "3 reports + check, together" "$(ratio "${t[reports]}" "$imp") import"
    row check_dry_run "check --dry-run (one search)"
    row explain "explain (one search)"
    row reimport "re-import (0 searches changed)" "$(ratio "${t[reimport]}" "$imp") import"
    for read in "quarterly:quarterly $quarter" "outcomes:report outcomes" "outcomes_quarter:report outcomes --quarter" \
        "html:report html" "whatif:whatif --policy (CSV)" "audit_verify:audit verify" \
        "check_policy:check --policy (JSON)" "searches_policy:report searches --policy" \
        "history:history FIRM SEARCH" "history_firm:history FIRM"; do
        key=${read%%:*}
        row "$key" "${read#*:}" "$(ratio "${t[$key]}" "$imp") import"
        if [[ -n "${t[${key}_before]:-}" ]]; then
            row "${key}_before" "  (before)" "$(ratio "${t[${key}_before]}" "$imp") import"
        fi
    done
    # The machine's speed drifts between runs: the fairest ratio compares runs made one right after the other.
    pair_ratios='' pair_sums='0 0'
    for (( i = 0; i < runs; i++ )); do
        rm -f "$work/sqlite3.db" "$work/sqlite3.db-journal" "$work/pc.db" "$work/pc.db-wal" "$work/pc.db-shm"
        t0=${EPOCHREALTIME/[.,]/}
        sqlite3 "$work/sqlite3.db" ".mode csv" ".import '$s' t" >/dev/null
        t1=${EPOCHREALTIME/[.,]/}
        "$pc" --db "$work/pc.db" import "$f" "$s" "$e" >/dev/null
        t2=${EPOCHREALTIME/[.,]/}
        pair_ratios+=" $(ratio $(( t2 - t1 )) $(( t1 - t0 )))"
        pair_sums=$(awk -v s="$pair_sums" -v a=$(( t1 - t0 )) -v b=$(( t2 - t1 )) \
            'BEGIN { split(s, x, " "); print x[1] + a, x[2] + b }')
    done
    echo "$rows rows: import / sqlite3 .import in $runs alternating pair(s):$pair_ratios; of their sums:" \
        "$(ratio "${pair_sums#* }" "${pair_sums% *}")"
    # Any row order (issue 15): the same rows grouped by search, as generated (about 6% of the rows apart from
    # the rest of their search), shuffled, and sorted by added_on and by candidate sector; for each, alternating
    # pairs of sqlite3 .import and the import of that file (wall and CPU ratios), the import's peak RSS, the
    # database's size beside .import's table, and a re-import of the unchanged file beside the fresh import.
    if [[ "${BENCH_ORDERS:-1}" == 1 ]]; then
        header=$(head -n 1 "$s")
        declare -A order_cmd=(
            [grouped]="sort -t, -k1,1 -k2,2 -s"
            [generated]="cat"
            [shuffled]="shuf --random-source=<(yes)"
            [by-added_on]="sort -t, -k14,14 -s"
            [by-candidate_sector]="sort -t, -k11,11 -s"
        )
        printf '\n%-9s %-20s %9s %9s %9s %9s %10s %9s %9s\n' rows order "import" "CPU" "wall/.imp" "CPU/.imp" \
            "peak RSS" "db/.imp" "re-import"
        for order in grouped generated shuffled by-added_on by-candidate_sector; do
            o=$work/order-$order.csv
            if [[ ! -s "$o" ]]; then
                { echo "$header"; eval "tail -n +2 '$s' | ${order_cmd[$order]}"; } >"$o"
            fi
            sums='0 0 0 0' rss=0
            for (( i = 0; i < runs; i++ )); do
                rm -f "$work/sqlite3.db" "$work/sqlite3.db-journal" "$work/o.db" "$work/o.db-wal" "$work/o.db-shm"
                /usr/bin/time -f "%e %M %U %S" -o "$work/t1.txt" sqlite3 "$work/sqlite3.db" ".mode csv" ".import '$o' t"
                /usr/bin/time -f "%e %M %U %S" -o "$work/t2.txt" "$pc" --db "$work/o.db" -q import "$f" "$o" "$e" \
                    2>/dev/null
                sums=$(awk -v s="$sums" 'FNR == 1 && NR == 1 { a = $1; ac = $3 + $4 } FNR == 1 && NR > 1 { b = $1; bc = $3 + $4; m = $2 }
                    END { split(s, x, " "); print x[1] + a, x[2] + ac, x[3] + b, x[4] + bc; print m > "/dev/stderr" }' \
                    "$work/t1.txt" "$work/t2.txt" 2>"$work/rss.txt")
                if (( $(cat "$work/rss.txt") > rss )); then rss=$(cat "$work/rss.txt"); fi
            done
            read -r sw sc pw pcpu <<<"$sums"
            db_ratio=$(ratio "$(stat -c %s "$work/o.db")" "$(stat -c %s "$work/sqlite3.db")")
            /usr/bin/time -f "%e" -o "$work/t3.txt" "$pc" --db "$work/o.db" import "$f" "$o" "$e" >"$work/o.out" 2>/dev/null
            grep -q "0 searches changed ($searches read;" "$work/o.out" || die "re-import of $order: $(cat "$work/o.out")"
            re=$(awk -v r="$(cat "$work/t3.txt")" -v p="$pw" -v n="$runs" 'BEGIN { printf "%.2fx", r / (p / n) }')
            printf '%-9s %-20s %9s %9s %9s %9s %10s %9s %9s\n' "$rows" "$order" "$(fmt_time "$(awk -v p="$pw" -v n="$runs" 'BEGIN { print p / n }')")" \
                "$(fmt_cpu "$(awk -v p="$pcpu" -v n="$runs" 'BEGIN { print p / n }')")" "$(ratio "$pw" "$sw")" \
                "$(ratio "$pcpu" "$sc")" "$(fmt_rss "$rss")" "$db_ratio" "$re"
            printf '%s\t%s\t%s\t%s\t%s\n' "$rows" "order_$order" "$pw" "$pcpu" "$rss" >>"$results"
        done
        unset order_cmd
    fi
    per_row() { awk -v s="$1" -v r="$rows" 'BEGIN { printf "%.2f", s / r * 1e6 }'; }
    echo "$rows rows: wall time per row: import $(per_row "$imp") µs, sqlite3 .import $(per_row "${t[sqlite3_import]}")" \
        "µs, bare inserts $(per_row "${t[bare_insert]}") µs"
    max_rss=0
    for name in import report_firms report_quarters report_searches check reimport quarterly outcomes \
        outcomes_quarter html whatif audit_verify check_policy searches_policy history history_firm; do
        if (( m[$name] > max_rss )); then max_rss=${m[$name]}; fi
    done
    summary+=("$(printf '%-9s %8.3f %8.3f %8.3f %9s %9s %9s %8s %10s %10s' "$rows" \
        "${t[sqlite3_import]}" "${t[bare_insert]}" "$imp" \
        "$(ratio "$imp" "${t[sqlite3_import]}")" "$(ratio "$imp" "${t[bare_insert]}")" \
        "$(ratio "${t[reports]}" "$imp")" "$(per_row "$imp")" \
        "$(fmt_rss "${m[import]}")" "$(fmt_rss "$max_rss")")")
    unset t c m
done

echo
echo "Summary (wall seconds; import / its baselines; reports = 3 reports + check, / import; max RSS of import,"
echo "re-import, reports, check and the reads of issue 15):"
printf '%-9s %8s %8s %8s %9s %9s %9s %8s %10s %10s\n' rows .import bare import /.import /bare reports/i µs/row \
    "import RSS" "max RSS"
printf '%s\n' "${summary[@]}"
echo "(results in $results; commit $commit)"
