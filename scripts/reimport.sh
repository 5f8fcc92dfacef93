#!/usr/bin/env bash
# A re-import of an unchanged file against a fresh import of it, in four row orders, for one or more builds run in
# alternation (issue 15: "re-import <= 0.3x a fresh import, in any row order").
#
# Usage:
#   scripts/reimport.sh DATA_DIR RUNS PLEDGECHECK...
#
# DATA_DIR holds firms.csv, shortlists.csv and exemptions.csv (examples/generate.rs writes them). The shortlists
# are written in four orders beside them (once; kept): grouped by search, as generated, shuffled, sorted by
# added_on (the orders of scripts/bench.sh). For each order, RUNS times, each binary in turn imports the three
# files into a fresh database, then imports them again (checked: "0 searches changed"). Each run is timed by
# /usr/bin/time: wall time, and CPU time (user + system, both threads), which the machine's other work disturbs
# less. Printed per order and binary: the means of the fresh import and of the re-import, and the re-import's
# ratios to the fresh import.
#
# Needs: GNU time at /usr/bin/time, bc.
set -euo pipefail

data=$1 runs=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
header=$(head -n 1 "$data/shortlists.csv")
declare -A order_cmd=(
    [grouped]="sort -t, -k1,1 -k2,2 -s"
    [generated]="cat"
    [shuffled]="shuf --random-source=<(yes)"
    [by-added_on]="sort -t, -k14,14 -s"
)
for order in grouped generated shuffled by-added_on; do
    file=$data/order-$order.csv
    if [[ ! -s "$file" ]]; then
        { echo "$header"; eval "tail -n +2 '$data/shortlists.csv' | ${order_cmd[$order]}"; } >"$file"
    fi
    declare -A fresh_cpu=() fresh_wall=() again_cpu=() again_wall=()
    for bin in "$@"; do fresh_cpu[$bin]=0 fresh_wall[$bin]=0 again_cpu[$bin]=0 again_wall[$bin]=0; done
    for (( i = 0; i < runs; i++ )); do
        for bin in "$@"; do
            rm -f "$work"/p.db*
            files=("$data/firms.csv" "$file" "$data/exemptions.csv")
            /usr/bin/time -f "%e %U %S" -o "$work/fresh.t" "$bin" --db "$work/p.db" -q import "${files[@]}" \
                >/dev/null 2>&1
            /usr/bin/time -f "%e %U %S" -o "$work/again.t" "$bin" --db "$work/p.db" import "${files[@]}" \
                >"$work/again.out" 2>/dev/null
            grep -q "0 searches changed" "$work/again.out" || { echo "not unchanged: $bin $order" >&2; exit 1; }
            read -r w u s <"$work/fresh.t"
            fresh_cpu[$bin]=$(echo "${fresh_cpu[$bin]} + $u + $s" | bc)
            fresh_wall[$bin]=$(echo "${fresh_wall[$bin]} + $w" | bc)
            read -r w u s <"$work/again.t"
            again_cpu[$bin]=$(echo "${again_cpu[$bin]} + $u + $s" | bc)
            again_wall[$bin]=$(echo "${again_wall[$bin]} + $w" | bc)
        done
    done
    for bin in "$@"; do
        awk -v o="$order" -v b="$bin" -v fc="${fresh_cpu[$bin]}" -v fw="${fresh_wall[$bin]}" \
            -v rc="${again_cpu[$bin]}" -v rw="${again_wall[$bin]}" -v n="$runs" 'BEGIN {
                printf "%-12s %-28s fresh %6.2f s (%5.2f s CPU)  re-import %6.2f s (%5.2f s CPU)  ratio %.2fx (CPU %.2fx)\n",
                    o, b, fw / n, fc / n, rw / n, rc / n, rw / fw, rc / fc }'
    done
    unset fresh_cpu fresh_wall again_cpu again_wall
done
