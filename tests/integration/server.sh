# server.sh: a real seal-server for the integration scripts; source it after lib.sh with
#   . "$(dirname "${BASH_SOURCE[0]}")/server.sh"
# start_server CONFIG (retried when another process took the port first: the
# config's 127.0.0.1:$PORT moves to a new port and $PORT follows), stop_server (also on exit),
# and run, which keeps stdout apart; province, as, jget and add_client for the scripts that
# drive a whole province through sealctl. Needs $SEAL_SERVER.
SERVER_PID= SERVER_RC=
# SERVER_RC: its exit status (0 after a clean drain; under ASan a leak or an error makes it not)
stop_server() { if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID"; SERVER_RC=$?; SERVER_PID=; fi; }
trap 'stop_server 2>/dev/null; rm -rf "$T"' EXIT
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
# province: sealctl init in D=$T/prov on a free PORT (region 330000), its server started and
# SEALCTL_SERVER pointing at it, CA its --cacert, the admin's token in $T/admin.token.
# @return 1 when the server did not start
province() {
  D=$T/prov
  PORT=$(free_port)
  expect 0 "init" -- "$SEALCTL" init --dir "$D" --listen "127.0.0.1:$PORT" --region-code 330000
  start_server "$D/seal-server.json" || return 1
  export SEALCTL_SERVER=https://127.0.0.1:$PORT
  CA=(--cacert "$D/pki/tls-ca.pem")
  cp "$D/admin.token" "$T/admin.token"
}
# as WHO sealctl-args...: sealctl against the province with $T/WHO.token
as() { local who=$1; shift; "$SEALCTL" "$@" "${CA[@]}" --token-file "$T/$who.token"; }
# jget KEY: member KEY of the JSON document in $T/stdout
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" <"$T/stdout"; }
# add_client NAME ROLES [VAR]: the admin adds a client, its token in $T/NAME.token (0600), its
# id in VAR; a refusal or an answer without an id is a failure. $T/stdout keeps the answer.
add_client() {
  local id
  run 0 "client add $1" -- as admin client add --json --name "$1" --role "$2" --token-out "$T/$1.token"
  id=$(jget id 2>/dev/null)
  case $id in ''|*[!0-9]*) bad "client add $1: no id in the answer"; return 1 ;; esac
  [ $# -lt 3 ] || printf -v "$3" '%s' "$id"
}
