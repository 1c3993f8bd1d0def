#!/usr/bin/env bash
# Behaviour-unchanged check for refactors: runs `analyze`, `simulate`, `validate` and `optimize` over the whole zoo
# with the CLI built from this checkout and with the CLI built from a base revision (default: where this branch
# left main, `git merge-base HEAD main`, so only this branch's changes are compared), then diffs
# every output byte for byte. The base is taken with `git archive` into a scratch folder (no stash, no switch of
# this checkout) and shares this checkout's node_modules through hard links.
#
#   scripts/check-identical.sh [BASE_REV] [SCRATCH_DIR]
#
# With REUSE_BASE=1 and a SCRATCH_DIR that already holds a finished run of the same BASE_REV, the base is neither
# rebuilt nor rerun (one base, several heads: a session's successive commits against where it started).
#
# Exit code 0: every output identical (files, stdout, stderr, exit codes); 1: a difference (the diff is printed);
# 2: a build failed.
# Only wall-clock fields (optimize's wallS and milpMs) are masked: they are measurements, not results.
set -euo pipefail

root=$(git rev-parse --show-toplevel)
base=${1:-$(git -C "$root" merge-base HEAD main)}
scratch=${2:-$(mktemp -d /tmp/check-identical.XXXXXX)}
episodes=12

build() { # $1: source folder
  (cd "$1" && npx tsc -p tsconfig.json)
}

mask_wall_clock() { # $1: json file
  sed -E -i 's/("(wallS|milpMs)": )[0-9.e+-]+/\1"masked"/' "$1"
}

# Runs one CLI command in the output folder (so messages naming files are the same on both sides); its output
# file (if any), stdout, stderr and exit code all take part in the comparison.
run() { # $1: name, rest: CLI arguments
  local name=$1
  shift
  set +e
  (cd "$out" && node "$cli" "$@" >"$name.stdout" 2>"$name.stderr")
  echo $? >"$out/$name.rc"
  set -e
}

run_suite() { # $1: folder holding dist/, $2: output folder
  cli="$(cd "$1" && pwd)/dist/scripts/cli.js"
  out=$2
  local net arch fmt nets
  mkdir -p "$out"
  nets=$(node "$cli" networks --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(n=>n.name).join(" ")))')
  for net in $nets; do
    for arch in isaac puma xformer; do
      for fmt in json csv; do
        run "analyze-$net-$arch-$fmt" analyze -n "$net" -a "$arch" -f "$fmt"
        run "simulate-$net-$arch-$fmt" simulate -n "$net" -a "$arch" -i 2 -f "$fmt"
      done
    done
    # A non-uniform plan (4-bit weights, 6-bit activations, 2 replicas) on a chip large enough for every network.
    run "analyze-$net-w4a6r2" analyze -n "$net" --wbits 4 --abits 6 --replicas 2 --set chip.tiles=400 -f json
    run "simulate-$net-w4a6r2" simulate -n "$net" --wbits 4 --abits 6 --replicas 2 --set chip.tiles=400 -i 2 -f json
  done
  for arch in isaac puma; do
    run "validate-$arch" validate -a "$arch" -i 2 -o "validate-$arch.csv"
    run "validate-$arch-uncontended" validate -a "$arch" -i 2 --uncontended -o "validate-$arch-uncontended.csv"
  done
  # optimize prints its wall time: its stdout is left out, its JSON, plan and history are compared.
  for net in resnet18 mobilenetv2 resnet20 lenet5-mnist; do
    run "optimize-$net" optimize -n "$net" --episodes "$episodes" --seed 3 --workers 0 -o "optimize-$net.json"
  done
  run optimize-resnet50-latency optimize -n resnet50 --episodes "$episodes" --seed 1 --workers 1 --objective latency -o "optimize-resnet50-latency.json"
  run optimize-vgg8-mix optimize -n vgg8 --episodes "$episodes" --seed 2 --workers -1 --objective mix --milp highs -o "optimize-vgg8-mix.json"
  rm -f "$out"/optimize-*.stdout
  for f in "$out"/optimize-*.json; do mask_wall_clock "$f"; done
}

echo "scratch: $scratch"
base_sha=$(git -C "$root" rev-parse "$base")
reuse=0
if [ "${REUSE_BASE:-0}" = 1 ] && [ "$(cat "$scratch/base.done" 2>/dev/null)" = "$base_sha" ]; then reuse=1; fi
if [ "$reuse" = 0 ]; then
  rm -rf "$scratch/base-src" "$scratch/base.done"
  mkdir -p "$scratch/base-src"
  git -C "$root" archive "$base" | tar -x -C "$scratch/base-src"
  cp -al "$root/node_modules" "$scratch/base-src/node_modules"
  build "$scratch/base-src" || exit 2
fi
build "$root" || exit 2
rm -rf "$scratch/head"
if [ "$reuse" = 0 ]; then
  rm -rf "$scratch/base"
  run_suite "$scratch/base-src" "$scratch/base"
  echo "$base_sha" >"$scratch/base.done"
fi
run_suite "$root" "$scratch/head"
files=$(find "$scratch/head" -type f | wc -l)
if diff -r "$scratch/base" "$scratch/head"; then
  echo "identical: $files output files, working tree on $(git -C "$root" rev-parse --short HEAD) vs $(git -C "$root" rev-parse --short "$base")"
else
  echo "DIFFERENT: see above ($files output files)"
  exit 1
fi
