#!/usr/bin/env bash
# Keeps the build caches outside the checkout from filling the disk (a full disk failed CI
# once). Cargo never deletes an artifact: each change of dependencies, features or profile
# leaves a whole generation of test binaries behind. A profile directory over its cap is
# removed, so the next build of it is cold (~10 min of the 90); incremental state is removed
# always (CI builds with CARGO_INCREMENTAL=0, and a fresh clone's build never reuses it).
#   scripts/prune-cache.sh          what .ci/run does before it builds
#   CAP_GIB=0 scripts/prune-cache.sh   empty the cargo caches
# Caps: 12 GiB a profile of the main target (a generation of debug test binaries is ~3 GiB),
# 4 GiB for the fuzz build (~0.35 GiB a generation).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
free_mib() { df -Pk "$cache_root" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }'; }
before=$(free_mib)
prune() { # dir cap_gib
  [ -d "$1" ] || return 0
  rm -rf "$1/incremental"
  local used cap=$(( ${CAP_GIB:-$2} * 1024 * 1024 ))
  used=$(du -sk "$1" | cut -f1)
  if [ "$used" -gt "$cap" ]; then
    echo "prune-cache: $1 holds $(( used / 1024 )) MiB (cap ${CAP_GIB:-$2} GiB): removed"
    rm -rf "$1"
  fi
}
prune "$cache_root/target/debug" 12
prune "$cache_root/target/release" 12
for dir in "$cache_root"/fuzz-target/*/release; do prune "$dir" 4; done
echo "prune-cache: $(( $(free_mib) - before )) MiB freed; $(free_mib) MiB free"
