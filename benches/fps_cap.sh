#!/usr/bin/env bash
# What a `/stream?fps=5` viewer costs the server against a full-rate `/stream` viewer (issue 9.3):
# "send work" = the server's CPU with 200 viewers of a kind minus its CPU with one capped viewer
# (camera and hub running, almost nothing sent). CPU is perf's task-clock over every thread of the
# server (nanosecond resolution), read over the middle 18 s of each 24 s load: `/proc`'s utime and
# stime move in 10 ms ticks, too coarse for the ~1.5 % of a core that 200 capped viewers cost (the
# figures in docs/BENCHMARKS.md before this script moved 0.14-0.19 from tick noise alone).
# The full and capped loads alternate in order from round to round.
#
#   cargo build --release --bin pistream --bin pistream-load
#   benches/fps_cap.sh [ROUNDS]          # needs perf (Debian: linux-perf) and ../shared/frames
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release}
FRAMES=${FRAMES:-../shared/frames}
ROUNDS=${1:-4}
PORT=${PORT:-18555}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/pic" "$scratch/content"

cpu_ms_per_s() { # URL VIEWERS -> the server's CPU milliseconds per second during the load
  "$BIN/pistream-load" --url "$1" --viewers "$2" --seconds 24 >/dev/null 2>&1 &
  local load=$!
  sleep 3 # the viewers connect; the window is the steady middle of the load
  perf stat -e task-clock -x, -p "$server" -- sleep 18 2>"$scratch/perf.csv" >/dev/null
  wait "$load"
  awk -F, '/task-clock/ { printf "%.2f", $1 / 18 }' "$scratch/perf.csv"
}

for round in $(seq "$ROUNDS"); do
  "$BIN/pistream" --camera replay --source "$FRAMES" --fps 30 --watch off --max-viewers 2000 \
    --max-connections-per-client 0 --bind "127.0.0.1:$PORT" --pic "$scratch/pic" \
    --content "$scratch/content" >"$scratch/server.log" 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.2; done
  base=$(cpu_ms_per_s "http://127.0.0.1:$PORT/stream?fps=5" 1)
  if [ $((round % 2)) = 1 ]; then
    full=$(cpu_ms_per_s "http://127.0.0.1:$PORT/stream" 200)
    capped=$(cpu_ms_per_s "http://127.0.0.1:$PORT/stream?fps=5" 200)
  else
    capped=$(cpu_ms_per_s "http://127.0.0.1:$PORT/stream?fps=5" 200)
    full=$(cpu_ms_per_s "http://127.0.0.1:$PORT/stream" 200)
  fi
  kill "$server"; wait "$server" 2>/dev/null || true
  awk -v r="$round" -v t="$(date +%T)" -v l="$(cut -d' ' -f1 /proc/loadavg)" -v b="$base" -v f="$full" -v c="$capped" 'BEGIN {
    printf "round %s %s load %s: CPU ms/s: 1 capped %.2f, 200 full %.2f, 200 capped %.2f; send work capped/full %.3f\n",
      r, t, l, b, f, c, (c - b) / (f - b) }'
done
