#!/usr/bin/env bash
# Cold `phiscan check` of one short draft, interpreter start included: in place (the engine loads in the
# process) and through a running `phiscan service` (the console script hands the draft over). Prints each run's
# wall seconds and the medians, and checks that the verdict (exit code and findings) is the same both ways.
#
#   benchmarks/check_cold.sh [RUNS]        # default 7 runs each; PHISCAN=path/to/phiscan to pick the script
# With hyperfine installed (apt-get install hyperfine) it also prints hyperfine's figures.
set -u
RUNS=${1:-7}
PHISCAN=${PHISCAN:-phiscan}
DRAFT="my pt dmitri was finally extubated this morning, after eleven days on the vent"
WHEN=2025-03-14T18:00
RT=$(mktemp -d)
chmod 700 "$RT"
export XDG_RUNTIME_DIR=$RT
trap 'XDG_RUNTIME_DIR=$RT "$PHISCAN" service stop >/dev/null 2>&1; rm -rf "$RT"' EXIT

times() {  # label, then the environment assignment for the runs
  local label=$1 mode=$2 all="" s e
  for i in $(seq "$RUNS"); do
    s=$(date +%s.%N)
    env PHISCAN_SERVICE="$mode" "$PHISCAN" check --text "$DRAFT" >/dev/null
    e=$(date +%s.%N)
    all="$all $(python3 -c "print(f'{$e - $s:.3f}')")"
  done
  python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[2:]]; print(f'{sys.argv[1]}: median {statistics.median(v):.2f} s (min {min(v):.2f}, max {max(v):.2f}; runs:', *sys.argv[2:], ')')" "$label" $all
}

verdict() {
  env PHISCAN_SERVICE="$1" "$PHISCAN" check --text "$DRAFT" --created-at "$WHEN" --format json \
    | python3 -c "import json,sys; d=json.load(sys.stdin); print([(f['rule'], f['start'], f['end'], f['severity'], f['confidence']) for f in d['findings']])"
  echo "exit ${PIPESTATUS[0]}"
}

times "cold check in place" off
here=$(verdict off)
"$PHISCAN" service start >/dev/null || exit 2
times "cold check via the service" on
via=$(verdict on)
"$PHISCAN" service status
if [ "$here" = "$via" ]; then echo "same verdict both ways: $(echo "$here" | tr '\n' ' ')"; else echo "VERDICTS DIFFER:"; echo "$here"; echo "$via"; fi
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 1 --runs "$RUNS" "env PHISCAN_SERVICE=on $PHISCAN check --text '$DRAFT'" -i
fi
