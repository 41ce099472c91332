#!/usr/bin/env bash
# `gantry simulate --report` renders in headless Chromium: the four charts are in the DOM after
# load with drawn paths, the console has no errors, and a screenshot is written. Fails (does
# not skip) without chromium: the render is the point of the test (scripts/install-deps).
# With --compare the totals table has a column per baseline, and it renders the same way.
# usage: simulate_report_render_test.sh GANTRY TRACE [--compare]
set -euo pipefail
gantry=$1 trace=$2 compare=${3:-}
fail() { echo "simulate_report_render_test: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps installs it)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$gantry" simulate --trace "$trace" --report "$dir/report.html" $compare >/dev/null
flags=(--headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$dir/profile"
       --enable-logging=stderr --v=0)
timeout 120 chromium "${flags[@]}" --dump-dom "file://$dir/report.html" \
  >"$dir/dom.html" 2>"$dir/console.log" || fail "chromium --dump-dom failed: $(tail -5 "$dir/console.log")"
if grep -E "Uncaught|CONSOLE\(|:CONSOLE" "$dir/console.log"; then fail "console errors"; fi
for id in chart-nodes chart-pending chart-gpus chart-cost; do
  grep -q "id=\"$id\"" "$dir/dom.html" || fail "$id is not in the DOM"
done
# Every series is a path with at least two points and a drawn segment.
paths=$(grep -Eo '<path class="series"[^>]*data-points="[0-9]+"[^>]*d="M[^"]+ [HL][^"]*"' "$dir/dom.html" | wc -l)
[[ $paths -ge 4 ]] || fail "only $paths drawn series in the DOM"
if grep -Eq 'data-points="[01]"' "$dir/dom.html"; then fail "a series with fewer than two points"; fi
if [[ $compare == --compare ]]; then
  for run in cluster-autoscaler per-pod; do
    grep -q "<th class=\"run\">$run</th>" "$dir/dom.html" || fail "no $run column in the totals"
  done
fi
timeout 120 chromium "${flags[@]}" --screenshot="$dir/report.png" --window-size=1280,2000 \
  "file://$dir/report.html" 2>>"$dir/console.log" >/dev/null || fail "screenshot failed"
[[ -s $dir/report.png ]] || fail "no screenshot"
echo "simulate_report_render_test: $paths series rendered, screenshot $(stat -c %s "$dir/report.png") bytes"
