#!/usr/bin/env bash
# Runs mqc's main job without a Quay: starts quay-sim (the emulator in tests/quay-sim), points the
# shipped examples' endpoints at it with --endpoint-map, runs `mqc create`, then shows that a
# second run has nothing to do (`mqc plan --detailed-exitcode` exits 0), and sums up.
# Needs bash, cargo (Rust 1.88 or newer, with a C compiler for the TLS library) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo curl; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is needed (see the README's Quick start)" >&2; exit 1; }
done

# The dev profile: the build `cargo test` reuses, and much quicker to make than a release one.
echo "== building mqc and quay-sim (the first time: a few minutes; then: seconds)"
cargo build --locked -p mqc -p quay-sim
bin=${CARGO_TARGET_DIR:-target}/debug
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# The two endpoints the shipped examples name: the main one and the replica of
# basic-example-replicate-to. The demo never reaches them: each is emulated by a local quay-sim.
endpoints=(example-registry-quay-quay1.apps.ocphub.lab.seeweb
           example-registry-quay-quay2.apps.ocphub.lab.seeweb)

# The examples name users alice and bob, and one team is synced from LDAP. Over HTTPS, with a
# CA of the emulator's own that mqc is told to trust (--ca-cert), as for a Quay behind an
# internal CA.
for n in 0 1; do
    "$bin/quay-sim" --listen 127.0.0.1:0 --tls --token demo-token --user alice --user bob --ldap \
        >"$work/sim-$n.out" 2>"$work/sim-$n.err" &
    pids+=($!)
done
# Each emulator prints one line when it listens: `quay-sim listening on URL ca=FILE`.
listening() {
    for _ in $(seq 1 200); do
        if grep -q 'listening on' "$work/sim-$1.out" 2>/dev/null; then
            sed -n "s/^quay-sim listening on \([^ ]*\) ca=\(.*\)/\\$2/p" "$work/sim-$1.out"
            return
        fi
        sleep 0.05
    done
}
urls=("$(listening 0 1)" "$(listening 1 1)")
cas=("$(listening 0 2)" "$(listening 1 2)")
[ -n "${urls[0]}" ] && [ -n "${urls[1]}" ] || { echo "quay-sim did not start" >&2; cat "$work"/sim-*.err >&2; exit 1; }
echo
echo "== two emulated Quays, one for each endpoint the files name:"
map=""
for n in 0 1; do
    echo "   ${endpoints[$n]}"
    map="$map${map:+,}${endpoints[$n]}=${urls[$n]}"
done

# A login file for the examples' endpoints (tokens for the emulator, a made-up mirror password).
umask 077
cat >"$work/login.yaml" <<YAML
quay_endpoint_login:
  - quay_endpoint: ${endpoints[0]}
    quay_token: demo-token
  - quay_endpoint: ${endpoints[1]}
    quay_token: demo-token
mirror_repository:
  - organization: mirror-with-notification
    repository: alpine
    ext_registry_username: puller
    ext_registry_password: demo-password
YAML

mqc() {
    "$bin/mqc" --login-file "$work/login.yaml" --endpoint-map "$map" \
        --ca-cert "${cas[0]}" --ca-cert "${cas[1]}" "$@"
}
# `requests writes` an emulator counted since its last reset; the counters then start again.
counts() {
    curl -fsS --cacert "${cas[$1]}" "${urls[$1]}/_sim/stats" |
        sed -n 's/.*"requests":\([0-9]*\),"writes":\([0-9]*\)}$/\1 \2/p'
    curl -fsS --cacert "${cas[$1]}" -X POST "${urls[$1]}/_sim/reset-stats" >/dev/null
}

echo; echo "== mqc check (offline: the files in yaml-files/ and the login file)"
mqc check
echo; echo "== mqc create (first run: creates everything the files declare)"
mqc create
first=("$(counts 0)" "$(counts 1)")
echo; echo "== mqc plan --detailed-exitcode (second run: nothing should be left to do)"
status=0
mqc plan --detailed-exitcode || status=$?
second=("$(counts 0)" "$(counts 1)")

echo
echo "== summary"
for n in 0 1; do
    read -r req1 wr1 <<<"${first[$n]}"
    read -r req2 wr2 <<<"${second[$n]}"
    echo "   ${endpoints[$n]}:"
    echo "     first run (create): $req1 requests, $wr1 of them writes"
    echo "     second run (plan):  $req2 requests, $wr2 writes"
done
if [ "$status" -eq 0 ]; then
    echo "   In sync: the second run found nothing to change (exit 0)."
    echo "   Next: the README's Quick start, against your own Quay."
else
    echo "   The second run did not come back in sync (exit $status): that is a bug, please report it."
    exit 1
fi
