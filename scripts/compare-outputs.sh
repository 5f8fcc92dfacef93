#!/usr/bin/env bash
# Runs one pledgecheck binary through every command's output on one set of input files and prints one line per
# output: its name, exit code and md5. Two binaries (before and after a change) that print the same lines give the
# same bytes everywhere. Used by refactorings that must not change output (docs/architecture.md).
#
# Usage:
#   scripts/compare-outputs.sh PLEDGECHECK DATA_DIR WORK_DIR > before.txt
#   (then the same with the other binary and diff the two files)
#
# DATA_DIR holds firms.csv, shortlists.csv and exemptions.csv (examples/generate.rs writes them; the samples/
# folder works too). Times and hashes that differ between two runs of the same binary (the import log's times,
# the chain head) are masked before the md5 is taken.
set -euo pipefail

pc=$1 data=$2 work=$3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$work"
db=$work/compare.db
rm -f "$db" "$db-wal" "$db-shm"
files=("$data/firms.csv" "$data/shortlists.csv" "$data/exemptions.csv")

# Masks what differs between runs: times of the import log and hex hashes.
mask() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<time>/g' -e 's/[0-9a-fA-F]{64}/<hash>/g'
}

# out NAME CMD...: runs pledgecheck with CMD, prints NAME, the exit code and the md5 of stdout and stderr.
out() {
    local name=$1 code=0
    shift
    "$pc" --db "$db" "$@" >"$work/out" 2>"$work/err" || code=$?
    printf '%s\texit %s\t%s\t%s\n' "$name" "$code" "$(mask <"$work/out" | md5sum | cut -c1-32)" \
        "$(mask <"$work/err" | md5sum | cut -c1-32)"
}

out import import "${files[@]}"
out import-again import "${files[@]}"
# The search and the rows dropped below are chosen by content, not by place: the same rows in another order give
# the same lines.
first=$(tail -n +2 "$data/shortlists.csv" | LC_ALL=C sort | sed -n 1p)
firm=$(cut -d, -f1 <<<"$first")
ref=$(cut -d, -f2 <<<"$first")
failing=$("$pc" --db "$db" report searches --format csv | awk -F, '$9 == "non-compliant" { print $1 " " $2; exit }')
quarter=$("$pc" --db "$db" report quarters --format csv | awk -F, 'NR == 2 { print $1 }')
for format in csv json table; do
    for which in searches firms quarters outcomes; do
        out "report-$which-$format" report "$which" --format "$format"
        out "report-$which-$format-quarter" report "$which" --format "$format" --quarter "$quarter"
        out "report-$which-$format-firm" report "$which" --format "$format" --firm "$firm"
    done
    out "whatif-$format" whatif --policy "$root/samples/stricter.toml" --format "$format"
done
for which in searches firms quarters outcomes; do
    out "report-$which-excel" report "$which" --excel
    out "report-$which-policy" report "$which" --format csv --policy "$root/samples/stricter.toml"
done
out report-html report html
out check check
out check-json check --format json
out check-fail-on check --fail-on non-compliant,incomplete
out check-firm check --firm "$firm"
out check-policy check --format json --policy "$root/samples/stricter.toml"
out check-dry-run check --dry-run "$root/samples/firms.csv" "$root/samples/shortlists.csv"
out check-dry-run-json check --dry-run --format json "$data/firms.csv" "$data/shortlists.csv"
out explain explain "$firm" "$ref"
out explain-json explain "$firm" "$ref" --format json
if [[ -n "$failing" ]]; then
    # shellcheck disable=SC2086
    out explain-failing explain $failing
    # shellcheck disable=SC2086
    out explain-failing-policy explain $failing --policy "$root/samples/stricter.toml"
fi
out explain-missing explain "$firm" no-such-search
out audit-verify audit verify
rm -rf "$work/pack"
out quarterly quarterly "$quarter" --output "$work/pack"
for f in "$work/pack"/*; do
    printf 'pack-%s\t\t%s\n' "$(basename "$f")" "$(mask <"$f" | md5sum | cut -c1-32)"
done
printf 'firm,search_ref,client,client_sector,position,level,opened_on\nf,s,C,stats,P,top,31-02-2026\n' >"$work/bad.csv"
out import-bad import "$work/bad.csv"
out check-files-policy check --policy "$root/samples/stricter.toml" "${files[@]}"
out check-files-bad-policy check --policy "$work/no-such-policy.toml" "${files[@]}"
# As it was: a moment between two imports, the second of which changes searches.
sleep 1
moment=$(date -u +%Y-%m-%dT%H:%M:%S)
sleep 1
{ head -n 1 "$data/shortlists.csv"; tail -n +2 "$data/shortlists.csv" | awk -F, '$10 !~ /3$/'; } >"$work/fewer.csv"
out import-fewer import "$data/firms.csv" "$work/fewer.csv"
for which in searches firms quarters outcomes; do
    out "report-$which-as-of" report "$which" --format csv --as-of "$moment"
    out "report-$which-now" report "$which" --format csv
done
out explain-as-of explain "$firm" "$ref" --as-of "$moment"
out explain-before-the-database explain "$firm" "$ref" --as-of 2000-01-01
out report-before-the-database report firms --as-of 2000-01-01
out firm-list firm list --format csv
out history-search history "$firm" "$ref" --format json

