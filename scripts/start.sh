#!/bin/sh
# Starts Tidings (`npm start`, and the Docker image's CMD) with the V8 heap flags of its ROLE, then
# replaces itself with Node (exec: same pid, signals reach Node directly).
#
# Why per role (docs/performance.md, "Memory"): a deliver worker allocates a message's strings and
# buffers at a high rate and keeps them for milliseconds. With 2 MB semi-spaces and old-space growth
# capped at 10 % over what the last full collection kept, its peak resident memory through a
# 100,000-reader send is ≈ 100 MB instead of 156–169 MB, at no measurable cost in rate or CPU. The
# API (and ROLE=all, which serves it) keeps 8 MB semi-spaces: fewer scavenges under request load,
# peak 143 MB through a send against 157–159 MB with V8's default.
# Extra arguments are Node flags, put before the entry point (the bench passes --cpu-prof).
set -e
case "${ROLE:-all}" in
  # Two malloc arenas instead of glibc's 8 per core: Node's helper threads then share them, which
  # keeps fragmentation from adding up over a long send (1-2 MB less at the same load).
  worker) export MALLOC_ARENA_MAX=2; set -- --max-semi-space-size=2 --heap-growing-percent=10 "$@" ;;
  *) set -- --max-semi-space-size=8 "$@" ;;
esac
cd "$(dirname "$0")/.."
exec node "$@" dist/src/main.js
