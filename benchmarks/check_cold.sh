#!/usr/bin/env bash
# Cold `phiscan check` of one short post, including interpreter start. Prints wall seconds for 5 runs.
set -u
PHISCAN=${PHISCAN:-phiscan}
for i in 1 2 3 4 5; do
  s=$(date +%s.%N)
  "$PHISCAN" check --text "my pt dmitri was finally extubated this morning, after eleven days on the vent" >/dev/null
  e=$(date +%s.%N)
  python3 -c "print(f'run $i: {($e - $s):.2f} s')"
done
