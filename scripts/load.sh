#!/usr/bin/env bash
# Load test of photodeskd's review queue (docs/benchmarks.md, "Review-queue load"): for each
# backend (sqlite, postgres) and queue size (10,000 and 1,000,000 pending) two runs, each on a
# fresh database seeded in bulk SQL and its own `photodeskd serve` on a free port, N reviewers
# for S seconds, claim 20 -> decide 20:
#   (a) saturation: closed loop, every reviewer claims again as soon as its decisions are
#       answered; gives the throughput (decisions/s, claims/s) and the events feed rate; its
#       claim latency is queueing delay at saturation, labelled so;
#   (b) paced: bench_load --rate R, claims started on a fixed schedule at R claims/s in total,
#       R = half the claims/s measured in (a) unless --rate fixes it; its claim latency is the
#       cost of a claim under a working load (the "p99 <= 20 ms at 1M pending" target).
# Then pgbench on the same PostgreSQL cluster for comparison. Prints one table at the end.
#
# Usage: scripts/load.sh [--quick] [--reviewers N] [--seconds S] [--threads N] [--rate R]
#                        [--backends "sqlite postgres"] [--sizes "10000 1000000"] [--build-dir DIR]
#   --quick        smoke run: 10,000 pending only, 5 s per run, pgbench 5 s
#   --threads N    serve with a copy of config/server.toml whose [http] threads = N
#   --rate R       paced runs at R claims/s (R x 20 decisions/s) instead of half of saturation
#   --build-dir D  use an existing build tree (ninja -C D ...) instead of the release preset
# Needs root or the postgres user for the throwaway cluster (initdb/pg_ctl via runuser, as
# tests/storage/pg_cluster.cpp does). Work files: a temp dir, removed at exit (PD_LOAD_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
reviewers=32
seconds=15
threads=""
backends="sqlite postgres"
sizes="10000 1000000"
build_dir=""
fixed_rate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --reviewers) reviewers="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rate) fixed_rate="$2"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
pgbench_s=15
if [ "$quick" = 1 ]; then sizes="10000"; seconds=5; pgbench_s=5; fi

started=$(date +%s)
jobs="${PD_JOBS:-$(nproc)}"
if [ -z "$build_dir" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target photodeskd bench_load -j "$jobs"
  build_dir=build/release
else
  ninja -C "$build_dir" photodeskd bench_load >/dev/null
fi
daemon="$PWD/$build_dir/src/photodeskd"
load="$PWD/$build_dir/bench/bench_load"

pg_bin="${PD_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
work=$(mktemp -d /tmp/pd-load-XXXXXX)
chmod 755 "$work"
server_pid=""
pg_data=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  if [ -n "$pg_data" ]; then as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true; fi
  if [ "${PD_LOAD_KEEP:-0}" = 1 ]; then echo "work files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

config_args=()
if [ -n "$threads" ]; then
  sed -E "s/^threads = [0-9]+/threads = $threads/" config/server.toml > "$work/server.toml"
  config_args=(--config "$work/server.toml")
fi

pg_port=""
start_cluster() {
  mkdir -p "$work/pg/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
  pg_data="$work/pg/data"
  # --no-sync only for initdb; the server keeps fsync and synchronous_commit on, as in production.
  as_pg "$pg_bin/initdb" -D "$pg_data" --auth=trust -U postgres --no-sync >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log" >&2; exit 3; }
  for _ in 1 2 3; do
    pg_port=$(free_port)
    if as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg/server.log" -w \
         -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $work/pg/sock" start >"$work/pg_ctl.log" 2>&1; then
      return 0
    fi
  done
  cat "$work/pg_ctl.log" "$work/pg/server.log" >&2
  exit 3
}
pg_uri() { echo "host=127.0.0.1 port=$pg_port user=postgres dbname=$1"; }

tsv="$work/results.tsv"
: > "$tsv"
run_one() {  # backend pending rate (0 = closed loop, saturation)
  local backend=$1 pending=$2 rate=$3 tag="$1-$2" db=""
  if [ "$rate" = 0 ]; then tag="$tag-sat"; else tag="$tag-paced"; fi
  local data="$work/$tag/data" db_args=() mode_args=()
  mkdir -p "$work/$tag"
  if [ "$backend" = postgres ]; then
    db="load_${pending}_${tag##*-}"
    as_pg "$pg_bin/createdb" -h "$work/pg/sock" -p "$pg_port" -U postgres "$db"
    db_args=(--db "$(pg_uri "$db")")
  fi
  if [ "$rate" = 0 ]; then mode_args=(--events); else mode_args=(--rate "$rate"); fi
  echo "== $tag: seeding" >&2
  "$load" seed --data "$data" "${db_args[@]}" --pending "$pending" --reviewers "$reviewers" \
    --tokens-out "$work/$tag/tokens" --feed-token-out "$work/$tag/feed" >&2
  "$daemon" serve --data "$data" "${db_args[@]}" "${config_args[@]}" --listen 127.0.0.1:0 \
    >"$work/$tag/server.out" 2>"$work/$tag/server.err" &
  server_pid=$!
  local url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^photodeskd listening on \(http[^ ]*\) .*/\1/p' "$work/$tag/server.out")
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/$tag/server.err" >&2; exit 3; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "load.sh: server did not start" >&2; exit 3; }
  echo "== $tag: $url, $reviewers reviewers, ${seconds}s, $( [ "$rate" = 0 ] && echo "closed loop" || echo "paced at $rate claims/s"); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  local rc=0
  "$load" --url "$url" --tokens "$work/$tag/tokens" --feed-token "$work/$tag/feed" \
    --reviewers "$reviewers" --seconds "$seconds" --batch 20 "${mode_args[@]}" --server-pid "$server_pid" \
    --tsv "$tsv" >&2 || rc=$?  # its own table row goes to stderr with the details; the summary is on stdout
  [ "$rc" = 0 ] || echo "== $tag: bench_load exit $rc (errors above)" >&2
  kill -TERM "$server_pid"
  wait "$server_pid" || echo "== $tag: server exit $?" >&2
  server_pid=""
  local bad
  bad=$(grep -c -E 'level=(error|warn)' "$work/$tag/server.err" || true)
  echo "== $tag: server log: $(wc -l <"$work/$tag/server.err") lines, $bad warn/error" >&2
  grep -m3 -E 'level=(error|warn)' "$work/$tag/server.err" >&2 || true
  rm -rf "$data"  # keep the disk for the next run
  [ -z "$db" ] || as_pg "$pg_bin/dropdb" -h "$work/pg/sock" -p "$pg_port" -U postgres "$db"
}

for backend in $backends; do
  if [ "$backend" = postgres ] && [ -z "$pg_data" ]; then start_cluster; fi
  for pending in $sizes; do
    lines=$(wc -l <"$tsv")
    run_one "$backend" "$pending" 0
    rate="$fixed_rate"
    if [ -z "$rate" ]; then
      # half the claims/s of the saturation run (column 18), at least 1
      rate=$(awk -F'\t' -v n="$lines" 'NR==n+1 {r=int($18/2+0.5); print (r<1?1:r)}' "$tsv")
      [ -n "$rate" ] || { rate=40; echo "== $backend-$pending: no saturation result, pacing at $rate claims/s" >&2; }
    fi
    run_one "$backend" "$pending" "$rate"
  done
done

pgbench_tps=""
if [ -n "$pg_data" ]; then
  echo "== pgbench on the same cluster: -i -s 10, then -c 8 -j 2 -T $pgbench_s" >&2
  as_pg "$pg_bin/createdb" -h "$work/pg/sock" -p "$pg_port" -U postgres pgbench
  pgb=$(command -v pgbench || echo "$pg_bin/pgbench")
  "$pgb" -h 127.0.0.1 -p "$pg_port" -U postgres -i -s 10 -q pgbench >"$work/pgbench-init.log" 2>&1
  "$pgb" -h 127.0.0.1 -p "$pg_port" -U postgres -c 8 -j 2 -T "$pgbench_s" pgbench >"$work/pgbench.log" 2>&1
  pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.log" | head -1)
  grep -E '^(latency average|tps)' "$work/pgbench.log" >&2 || true
fi

echo
echo "photodeskd load: $reviewers reviewers, claim 20 -> decide 20, ${seconds} s per run$( [ -n "$threads" ] && echo ", [http] threads = $threads")"
printf '%-9s %10s %-16s %9s %10s %10s %12s %14s %11s %10s %s\n' backend pending "claim latency" claims/s "claim p50" "claim p99" decisions/s "events rows/s" "RSS before" "RSS after" problems
printf '%-9s %10s %-16s %9s %10s %10s %12s %14s %11s %10s %s\n' "" "at start" "measured" "" ms ms "" "" MB MB ""
# Empty fields (a short or failed line) count as 0; drained_at_s is -1 when the queue did not drain.
# (tab is an IFS whitespace character, so `read` would merge empty fields: split on \037 instead)
while IFS=$'\037' read -r be pend c50 c99 dps eps rss0 rss1 hwm d50 d99 errs starved drained elapsed unans \
                         rate cps late dropped cslot99; do
  note=""
  [ "${errs:-0}" != 0 ] && note="${errs}err "
  [ "${unans:-0}" != 0 ] && note="${note}${unans}hung "
  [ "${starved:-0}" != 0 ] && note="${note}${starved}starved "
  [ "${late:-0}" != 0 ] && note="${note}${late}late "
  [ "${dropped:-0}" != 0 ] && note="${note}${dropped}dropped "
  d="${drained:--1}"
  [ "${d%%.*}" != -1 ] && note="${note}drained@${d%%.*}s"
  note="${note% }"
  if [ "${rate:-0}" = 0 ]; then load_label="at saturation"; events=$(printf '%.0f' "${eps:-0}")
  else load_label="at $rate claims/s"; events="-"; fi
  printf '%-9s %10s %-16s %9.1f %10.2f %10.2f %12.0f %14s %11.1f %10.1f %s\n' "$be" "${pend:-0}" "$load_label" \
    "${cps:-0}" "${c50:-0}" "${c99:-0}" "${dps:-0}" "$events" "${rss0:-0}" "${rss1:-0}" "${note:--}"
done < <(tr '\t' '\037' <"$tsv")
echo "claim latency 'at saturation': closed loop, every reviewer claims again as soon as its decisions are answered;"
echo "  mostly queueing behind the other reviewers' requests. 'at R claims/s': claims started on a fixed schedule,"
echo "  R per second in total (R x 20 decisions/s), decisions pushed right after each claim: the cost of a claim"
echo "  under a working load. late = claims started > 5 ms after their slot, dropped = slots missed entirely."
if [ -n "$pgbench_tps" ]; then
  pg_dps=$(awk -F'\t' '$1=="postgres" && ($17=="" || $17==0) {v=$5} END{printf "%.0f", v}' "$tsv")
  echo "pgbench TPC-B-like on the same cluster (-c 8 -j 2 -T $pgbench_s, scale 10): ${pgbench_tps%.*} tps (5 statements, 1 commit each)"
  echo "photodeskd on postgres (largest queue): $pg_dps decisions/s = $(awk -v d="$pg_dps" 'BEGIN{printf "%.0f", d/20}') decision batches (commits)/s"
fi
echo "targets: >= 2000 decisions/s on both backends (saturation rows); claim p99 <= 20 ms at 1M pending (paced rows); RSS flat as the queue grows"
echo "wall time: $(( $(date +%s) - started )) s"
