#!/usr/bin/env bash
# Runs mqc's live acceptance suite (tests/live.rs) against a REAL Quay: every shipped example and
# a richer organization, each with check, cold create, verification through the Quay API, a second
# create without writes, plan --detailed-exitcode, drift fixed, export round trip, delete and
# cleanup. Organization names are unique to the run; the run's organizations are deleted at the end.
#
# usage: scripts/live-acceptance.sh URL TOKEN_FILE [CA_PEM] [TEST_FILTER]
#   URL         the Quay, e.g. https://127.0.0.1:8443
#   TOKEN_FILE  a file holding a superuser OAuth token with every scope
#   CA_PEM      the CA that signed the Quay certificate (optional; "" for none)
#   TEST_FILTER e.g. live_rich_organization (optional; default: every scenario)
# env: MQC_LIVE_MAX_RPS (default 5), MQC_LIVE_MAX_CONNECTIONS (default 4), MQC_LIVE_TIMEOUT (30)
# The Quay needs the users the examples and the suite name: alice bob valeidm myuser mirroruser
# (../shared/real-quay/setup.sh creates them). Exit status: cargo test's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
export MQC_LIVE_QUAY_URL=$1
export MQC_LIVE_QUAY_TOKEN_FILE=$2
export MQC_LIVE_QUAY_CA=${3:-}
filter=${4:-}
[ -r "$MQC_LIVE_QUAY_TOKEN_FILE" ] || { echo "cannot read token file $MQC_LIVE_QUAY_TOKEN_FILE" >&2; exit 2; }
[ -z "$MQC_LIVE_QUAY_CA" ] || [ -r "$MQC_LIVE_QUAY_CA" ] || { echo "cannot read CA $MQC_LIVE_QUAY_CA" >&2; exit 2; }

echo "live acceptance against $MQC_LIVE_QUAY_URL (mqc $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ))"
# The footer of Quay's web page names its version (stale at an unreleased HEAD).
curl -s ${MQC_LIVE_QUAY_CA:+--cacert "$MQC_LIVE_QUAY_CA"} "$MQC_LIVE_QUAY_URL/" 2>/dev/null \
    | grep -o 'Quay v[0-9][0-9.a-z-]*' | head -1 || true
exec cargo test --locked --test live $filter -- --nocapture --test-threads=1
