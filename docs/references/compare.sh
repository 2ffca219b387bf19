#!/usr/bin/env bash
# Runs one ./chat bench scenario against several servers in alternation, as docs/PERFORMANCE.md
# does: a fresh server for every run pinned to one core, the bench pinned to the other, the
# server's CPU read from /proc around the bench. Writes one JSON line per run and prints the
# medians per server.
#
#   docs/references/compare.sh [--rounds N] [--servers LIST] [--out FILE] SCENARIO [bench options]
#
# Servers (LIST is comma-separated, in the order each round runs them):
#   chat           ./chat server --rate 0, as users start it
#   chat-io_uring  the same with --transport io_uring
#   channelgroup   the plain Netty reference (src/jmh/.../reference/ChannelGroupServer.java)
#   writefloor     one plain write() per delivery (src/jmh/.../reference/WriteFloorServer.java)
# The references come from target/benchmarks.jar, built here when it is missing, and run with
# the launcher's heap and collector flags. CHAT_JAVA_OPTS reaches the chat servers; no other
# CHAT_* variable reaches any server or the bench, so that "chat" is the server as users start it.
# The bench is given each run's server with --pid, so the bench options must not name one.
# Exit codes: 0 every run passed; 1 a run failed (the bench exited non-zero, as it does when a
# server loses messages), a server did not start, or a build failed; 2 bad usage, a missing tool
# or core.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
usage="usage: docs/references/compare.sh [--rounds N] [--servers LIST] [--out FILE] SCENARIO [bench options]"
rounds=3
servers=chat,channelgroup
out=
server_core=0
bench_core=1

die() {
  echo "compare: $1" >&2
  exit "${2:-2}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="${2:-}"; shift 2 || die "$usage" ;;
    --servers) servers="${2:-}"; shift 2 || die "$usage" ;;
    --out) out="${2:-}"; shift 2 || die "$usage" ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1; $usage" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || die "$usage"
scenario="$1"
shift
case "$scenario" in
  fanout | latency | idle) ;;
  *) die "unknown scenario '$scenario' (expected fanout, latency or idle)" ;;
esac
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive whole number, got '$rounds'"
IFS=, read -r -a server_list <<<"$servers"
[ ${#server_list[@]} -gt 0 ] || die "--servers is empty"
seen=,
for s in "${server_list[@]}"; do
  case "$s" in
    chat | chat-io_uring | channelgroup | writefloor) ;;
    *) die "unknown server '$s' (expected chat, chat-io_uring, channelgroup or writefloor)" ;;
  esac
  [[ "$seen" != *",$s,"* ]] || die "--servers names $s twice"
  seen="$seen$s,"
done
for option in "$@"; do
  case "$option" in
    --pid | --pid=*) die "--pid is given to the bench by the script, the pid of each run's server" ;;
  esac
done
needs_references=no
[[ "$seen" == *,channelgroup,* || "$seen" == *,writefloor,* ]] && needs_references=yes
for tool in taskset python3 java; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is needed and was not found"
done
if [ "$needs_references" = yes ] && [ ! -f "$root/target/benchmarks.jar" ]; then
  command -v mvn >/dev/null 2>&1 || die "mvn is needed to build target/benchmarks.jar and was not found"
fi
taskset -c "$server_core,$bench_core" true 2>/dev/null ||
  die "needs cores $server_core and $bench_core (one for the server, one for the bench)"

[ -n "$out" ] || out="$root/target/compare/$scenario-$(date -u +%Y%m%dT%H%M%SZ)-$$.jsonl"
mkdir -p "$(dirname "$out")" || die "cannot create the directory of $out"
: >"$out" || die "cannot write $out"
logs="$out.logs"
mkdir -p "$logs"

# Every CHAT_* variable but CHAT_JAVA_OPTS is kept from the servers, and all of them from the bench.
server_env=(env)
bench_env=(env)
while IFS= read -r name; do
  bench_env+=(-u "$name")
  [ "$name" = CHAT_JAVA_OPTS ] || server_env+=(-u "$name")
done < <(compgen -e | grep '^CHAT_')

# The launcher builds chat.jar when it is missing or stale; do that once, before any timing.
"${bench_env[@]}" "$root/chat" --version >/dev/null || die "./chat did not build or start; see target/build.log" 1
if [ "$needs_references" = yes ] && [ ! -f "$root/target/benchmarks.jar" ]; then
  echo "compare: building target/benchmarks.jar (mvn -Pjmh)..." >&2
  (cd "$root" && mvn -B -q -Pjmh -Dmaven.test.skip=true -Dspotless.check.skip=true package) \
    >"$logs/build.log" 2>&1 || die "building target/benchmarks.jar failed; see $logs/build.log" 1
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts server $1 on port $2 pinned to the server core; sets server_pid.
start_server() {
  local name="$1" port="$2" log="$3"
  case "$name" in
    chat | chat-io_uring)
      local transport=()
      [ "$name" = chat-io_uring ] && transport=(--transport io_uring)
      "${server_env[@]}" taskset -c "$server_core" "$root/chat" server --rate 0 --port "$port" \
        --log-level warn "${transport[@]}" >"$log" 2>&1 &
      ;;
    channelgroup | writefloor)
      local class=ChannelGroupServer
      [ "$name" = writefloor ] && class=WriteFloorServer
      # The launcher's heap and collector flags (docs/PERFORMANCE.md, "The reference servers").
      "${server_env[@]}" taskset -c "$server_core" java -Xms256m -Xmx4g -Xmn48m -XX:+UseParallelGC \
        -cp "$root/target/benchmarks.jar" "dev.broadcastchat.reference.$class" "$port" >"$log" 2>&1 &
      ;;
  esac
  server_pid=$!
}

# Whether process $1 itself listens on port $2 (not another that took the port meanwhile).
listening() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
  else
    kill -0 "$1" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null
  fi
}

cpu_ticks() {
  # utime + stime of the whole process: fields 14 and 15 of the line, the 12th and 13th after the
  # command name (which may hold spaces and parentheses, hence the last ") ").
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

# Stops the server: SIGTERM, then SIGKILL if it has not ended within 10 s.
stop_server() {
  [ -n "${server_pid:-}" ] || return 0
  kill "$server_pid" 2>/dev/null
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}
server_pid=
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM

# One JSON line for a run; the bench's JSON from file $2 if there is one.
record() {
  RUN_ERROR="$1" BENCH="$2" NAME="$name" ROUND="$round" RC="${bench_rc:-}" CPU0="${cpu_before:-}" \
    CPU1="${cpu_after:-}" HZ="$ticks_per_s" T0="${started:-}" T1="${ended:-}" python3 -c '
import json, os
e = os.environ
try:
    bench = json.load(open(e["BENCH"])) if e["BENCH"] else None
except (OSError, ValueError):
    bench = None
cpu = None
if e["CPU0"] and e["CPU1"]:
    cpu = round((float(e["CPU1"]) - float(e["CPU0"])) / float(e["HZ"]), 2)
wall = round(float(e["T1"]) - float(e["T0"]), 2) if e["T0"] and e["T1"] else None
print(json.dumps({"server": e["NAME"], "round": int(e["ROUND"]),
                  "bench_exit": int(e["RC"]) if e["RC"] else None,
                  "error": e["RUN_ERROR"] or None, "server_cpu_s": cpu, "wall_s": wall,
                  "bench": bench}))' >>"$out"
}

ticks_per_s="$(getconf CLK_TCK)"
failed=0
for round in $(seq 1 "$rounds"); do
  for name in "${server_list[@]}"; do
    port="$(free_port)"
    run="$name-$round"
    bench_rc= cpu_before= cpu_after= started= ended=
    start_server "$name" "$port" "$logs/$run.server.log"
    ready=no
    for _ in $(seq 1 300); do
      kill -0 "$server_pid" 2>/dev/null || break
      if listening "$server_pid" "$port"; then ready=yes; break; fi
      sleep 0.1
    done
    if [ "$ready" != yes ]; then
      echo "compare: $run: the server did not start listening; see $logs/$run.server.log" >&2
      stop_server
      record "the server did not start listening" ""
      failed=1
      continue
    fi
    cpu_before="$(cpu_ticks "$server_pid")"
    started="$(date +%s.%N)"
    "${bench_env[@]}" taskset -c "$bench_core" "$root/chat" bench "$scenario" \
      --url "ws://127.0.0.1:$port/" --pid "$server_pid" --json "$@" \
      >"$logs/$run.bench.json" 2>"$logs/$run.bench.err"
    bench_rc=$?
    ended="$(date +%s.%N)"
    cpu_after="$(cpu_ticks "$server_pid")"
    error=
    if ! kill -0 "$server_pid" 2>/dev/null; then
      error="the server was gone when the bench ended"
    fi
    stop_server
    if [ -n "$error" ]; then
      failed=1
      echo "compare: $run: $error; see $logs/$run.server.log" >&2
    elif [ "$bench_rc" -ne 0 ]; then
      failed=1
      echo "compare: $run: the bench exited with $bench_rc: $(head -n 1 "$logs/$run.bench.err")" >&2
    fi
    record "$error" "$logs/$run.bench.json"
    echo "compare: $run done (bench exit $bench_rc)" >&2
  done
done

python3 - "$out" "$scenario" <<'EOF' || failed=1
import json, statistics, sys
path, scenario = sys.argv[1], sys.argv[2]
runs = [json.loads(line) for line in open(path)]
order = []
for r in runs:
    if r["server"] not in order:
        order.append(r["server"])

def fmt(v):
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

def pick(r, key):
    b = r["bench"] or {}
    if key == "server_cpu_s":
        return r["server_cpu_s"]
    if key.startswith("latency_ms."):
        return (b.get("latency_ms") or {}).get(key.split(".", 1)[1])
    return b.get(key)

columns = {
    "idle": ["connections_per_s", "rss_per_connection_from_cold_bytes",
             "server_cpu_per_connection_us", "server_kernel_share", "failed", "server_cpu_s"],
    "fanout": ["deliveries_per_s", "latency_ms.p50", "latency_ms.p99", "lost",
               "server_cores_used", "server_cpu_per_delivery_us", "server_kernel_share",
               "server_cpu_s"],
    "latency": ["deliveries_per_s", "latency_ms.p50", "latency_ms.p99", "lost",
                "server_cores_used", "server_cpu_per_delivery_us", "server_kernel_share",
                "server_cpu_s"],
}[scenario]
print(f"{scenario}: median (lowest to highest) of every run that gave a result, passed or not;"
      " server_cpu_s over the whole bench run, the server's other figures over what the bench"
      " measured (the window, or the opening)")
print("| server | runs passed | " + " | ".join(columns) + " |")
print("| --- | --- |" + " --- |" * len(columns))
for name in order:
    measured = [r for r in runs if r["server"] == name and r["bench"]]
    cells = []
    for c in columns:
        values = [v for v in (pick(r, c) for r in measured) if v is not None]
        if not values:
            cells.append("")
            continue
        m = statistics.median(values)
        cells.append(f"{fmt(m)} ({fmt(min(values))} to {fmt(max(values))})" if len(values) > 1 else fmt(m))
    total = sum(1 for r in runs if r["server"] == name)
    passed = sum(1 for r in runs if r["server"] == name and r["bench_exit"] == 0 and not r["error"])
    print(f"| {name} | {passed} of {total} | " + " | ".join(cells) + " |")
print(f"runs: {path}")
EOF
exit "$failed"
