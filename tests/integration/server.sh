# server.sh: a real seal-server for the integration scripts; source it after lib.sh with
#   . "$(dirname "${BASH_SOURCE[0]}")/server.sh"
# free_port, start_server CONFIG (retried when another process took the port first: the
# config's 127.0.0.1:$PORT moves to a new port and $PORT follows), stop_server (also on exit),
# and run, which keeps stdout apart. Needs $SEAL_SERVER.
SERVER_PID= SERVER_RC=
# SERVER_RC: its exit status (0 after a clean drain; under ASan a leak or an error makes it not)
stop_server() { if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID"; SERVER_RC=$?; SERVER_PID=; fi; }
trap 'stop_server 2>/dev/null; rm -rf "$T"' EXIT
# A port nobody listens on (bash only: no python or ss needed); a lost race shows as a bind error.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo 0
}
# start_server CONFIG: ok once it listens; else bad with its log. @return 0 when listening
start_server() {
  local cfg=$1 attempt NEW
  for attempt in 1 2 3; do
    "$SEAL_SERVER" --config "$cfg" 2>"$T/server.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
      if grep -q '"event":"listening"' "$T/server.log"; then ok; return 0; fi
      kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID"; SERVER_PID=; break; }
      sleep 0.1
    done
    # only a lost port race is retried
    { [ -z "$SERVER_PID" ] && grep -q "in use" "$T/server.log"; } || break
    NEW=$(free_port); sed -i "s/127.0.0.1:$PORT/127.0.0.1:$NEW/" "$cfg"; PORT=$NEW
  done
  bad "seal-server did not start:"; sed 's/^/    /' "$T/server.log"
  return 1
}
# run CODE WHAT -- cmd...: like expect, stdout alone also kept in $T/stdout
run() {
  local want=$1 what=$2; shift 3
  "$@" >"$T/stdout" 2>"$T/stderr"; local got=$?
  cat "$T/stdout" "$T/stderr" >"$T/out"
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want"; sed 's/^/    /' "$T/out" | head -60; fi
}
