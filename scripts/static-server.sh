# Sourced by the scripts that drive the playground in a browser: serves
# www/ on a port the system chooses (scripts/serve.py), waits until it
# listens, and stops it on exit. Sets `port` and `server`.
start_static_server() {
  local port_file=target/web-server.port
  rm -f "$port_file"
  python3 scripts/serve.py www --port 0 --port-file "$port_file" >target/web-server.log 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    [ -s "$port_file" ] && break
    kill -0 "$server" 2>/dev/null || { cat target/web-server.log >&2; return 1; }
    sleep 0.1
  done
  [ -s "$port_file" ] || { echo "the static server did not start" >&2; return 1; }
  port=$(cat "$port_file")
}
