# Sourced by the scripts that drive the playground in a browser: serves
# www/ on a free localhost port (python3's http.server serves .wasm as
# application/wasm), waits until it answers, and stops it on exit.
# Sets `port` and `server`.
start_static_server() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory www "$port" >target/web-server.log 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  python3 - "http://127.0.0.1:$port/" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1]).close()
        break
    except OSError:
        time.sleep(0.1)
PY
}
