#!/usr/bin/env bash
# Runs mqc's main job without a Quay: starts quay-sim (the emulator in tests/quay-sim), points the
# shipped examples' endpoints at it with --endpoint-map, runs `mqc create`, then shows that a
# second run has nothing to do (`mqc plan --detailed-exitcode` exits 0).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet -p mqc -p quay-sim
bin=target/release
work=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Two emulated Quays: the examples' main endpoint and the replica of basic-example-replicate-to.
# The examples name users alice and bob, and one team is synced from LDAP.
pids=()
for n in 1 2; do
    "$bin/quay-sim" --listen 127.0.0.1:0 --token demo-token --user alice --user bob --ldap \
        >"$work/sim-$n.out" 2>"$work/sim-$n.err" &
    pids+=($!)
done
# Each emulator prints one line when it listens: `quay-sim listening on URL`.
sim_url() {
    for _ in $(seq 1 200); do
        if grep -q 'listening on' "$work/sim-$1.out" 2>/dev/null; then
            sed -n 's/^quay-sim listening on \([^ ]*\).*/\1/p' "$work/sim-$1.out"
            return
        fi
        sleep 0.05
    done
}
url1=$(sim_url 1)
url2=$(sim_url 2)
[ -n "$url1" ] && [ -n "$url2" ] || { echo "quay-sim did not start" >&2; cat "$work"/sim-*.err >&2; exit 1; }
echo "quay-sim #1 (quay1) listens on $url1, #2 (quay2) on $url2"

# A login file for the examples' endpoints (tokens for the emulator, a made-up mirror password).
umask 077
cat >"$work/login.yaml" <<YAML
quay_endpoint_login:
  - quay_endpoint: example-registry-quay-quay1.apps.ocphub.lab.seeweb
    quay_token: demo-token
  - quay_endpoint: example-registry-quay-quay2.apps.ocphub.lab.seeweb
    quay_token: demo-token
mirror_repository:
  - organization: mirror-with-notification
    repository: alpine
    ext_registry_username: puller
    ext_registry_password: demo-password
YAML

map="example-registry-quay-quay1.apps.ocphub.lab.seeweb=$url1"
map="$map,example-registry-quay-quay2.apps.ocphub.lab.seeweb=$url2"
mqc() { "$bin/mqc" --login-file "$work/login.yaml" --endpoint-map "$map" "$@"; }

echo; echo "== mqc check"; mqc check
echo; echo "== mqc create (first run)"; mqc create
echo; echo "== mqc plan --detailed-exitcode (second run: nothing to do)"
mqc plan --detailed-exitcode && echo "in sync: exit 0"
for url in "$url1" "$url2"; do
    echo; echo "== requests served by $url:"; curl -s "$url/_sim/stats"; echo
done
