#!/usr/bin/env bash
# Renders an HTML report (pledgecheck report html --output report.html) to a PNG with headless Chromium, to look
# at it as a person would. Not part of `cargo test`: it needs Debian's chromium (apt-get install chromium), and
# installs nothing itself.
#
# Usage: scripts/render-html.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
#   scripts/render-html.sh report.html report.png 1280x3000     # a desktop window, tall enough for the page
#   scripts/render-html.sh report.html phone.png 390x3000       # a phone's width
set -euo pipefail

html=${1:?usage: $0 REPORT.html [OUT.png] [WIDTHxHEIGHT]}
png=${2:-${html%.html}.png}
size=${3:-1280x3000}
chromium=${CHROMIUM:-/usr/bin/chromium}

if [[ ! -x $chromium ]]; then
    echo "error: $chromium not found; install Debian's chromium (apt-get install chromium) or set CHROMIUM" >&2
    exit 2
fi
if [[ ! -f $html ]]; then
    echo "error: no file $html" >&2
    exit 2
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# An absolute file:// URL; the page is self-contained, so no network is needed (and none is used).
url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
case $png in /*) out=$png ;; *) out="$PWD/$png" ;; esac

"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out" --window-size="${size/x/,}" "$url" 2>"$profile/chromium.log" || {
    cat "$profile/chromium.log" >&2
    exit 1
}
echo "wrote $out ($size)"
