#!/usr/bin/env bash
# Proves, with the real OPA binary, how signed policy bundles behave when OPA fetches them from a
# bundle service (research for the DPO publish workflow, see docs/policy-bundles.md):
#   1. the camgate policy + data are staged into a bundle and signed (opa build --bundle
#      --signing-key --signing-alg), served by `python3 -m http.server` on a random loopback port;
#   2. OPA polls the service with bundles.camgate.signing.keyid and activates the good bundle;
#   3. a tampered bundle, an unsigned bundle and a bundle signed with another key are refused while
#      the previous revision stays active (decisions unchanged), and the refusal is visible in
#      the logs, GET /v1/status and /health?bundles;
#   4. a new good bundle activates; the gateway can read the active revision from
#      POST /v1/data/camgate/decision?provenance=true and GET /v1/data/system/bundles;
#   5. an older, correctly signed bundle re-published (replay or rollback): what OPA does;
#   6. (--matrix) which --signing-alg values OPA both signs and verifies.
# Usage: policies/tools/bundle-signing-demo.sh [--alg ES256|RS256|PS256|EdDSA|...] [--matrix]
#        KEEP_LOGS=DIR keeps OPA's and the HTTP server's logs in DIR.
# Needs: OPA v1.22 ($CAMGATE_OPA, default .camgate/bin/opa), openssl, python3, curl. Leaves nothing
# running and nothing behind (a temporary directory, removed at exit).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPA="${CAMGATE_OPA:-$ROOT/.camgate/bin/opa}"
ALG="ES256"
MATRIX=0
while [ $# -gt 0 ]; do
  case "$1" in
    --alg) ALG="$2"; shift 2 ;;
    --matrix) MATRIX=1; shift ;;
    *) echo "usage: $0 [--alg ALG] [--matrix]" >&2; exit 2 ;;
  esac
done
for c in openssl python3 curl; do command -v "$c" >/dev/null || { echo "$c is needed" >&2; exit 1; }; done
[ -x "$OPA" ] || { echo "OPA not found at $OPA; run ./camgate setup" >&2; exit 1; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$KEEP_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# keypair ALG DIR: writes DIR/private.pem and DIR/public.pem (or DIR/secret for HMAC).
keypair() {
  local alg="$1" dir="$2"
  mkdir -p "$dir"
  case "$alg" in
    RS*|PS*) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/private.pem" 2>/dev/null ;;
    ES256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/private.pem" ;;
    ES384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$dir/private.pem" ;;
    ES512) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$dir/private.pem" ;;
    EdDSA|Ed25519) openssl genpkey -algorithm ED25519 -out "$dir/private.pem" ;;
    HS*) openssl rand -hex 32 | tr -d '\n' >"$dir/secret"; cp "$dir/secret" "$dir/private.pem"; cp "$dir/secret" "$dir/public.pem"; return ;;
    *) echo "no key recipe for $alg" >&2; return 1 ;;
  esac
  openssl pkey -in "$dir/private.pem" -pubout -out "$dir/public.pem"
}

# Stage the policy as a bundle directory. Bundle mode loads only files named data.json, so the
# two-root layout (policies/data/cameras.json = data.cameras) is first built without --bundle,
# which merges every data file into one /data.json; tests are left out.
STAGE="$WORK/stage"
mkdir -p "$STAGE"
(cd "$ROOT" && "$OPA" build -o "$WORK/plain.tar.gz" --ignore '*_test.rego' policies/camgate policies/data)
tar xzf "$WORK/plain.tar.gz" -C "$STAGE" 2>/dev/null
rm -f "$STAGE/.manifest"

# sign_bundle OUT REVISION KEYDIR ALG [extra opa build args]
sign_bundle() {
  local out="$1" rev="$2" keydir="$3" alg="$4"; shift 4
  (cd "$STAGE" && "$OPA" build --bundle . -o "$out" --revision "$rev" --signing-alg "$alg" --signing-key "$keydir/private.pem" "$@")
}

SERVE="$WORK/serve"
mkdir -p "$SERVE/bundles"
HTTP_PORT="$(free_port)"
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$SERVE" >"$WORK/http.log" 2>&1 &
PIDS+=($!)

# start_opa ALG KEYDIR LOG: OPA polling the service every 1-2 s, verifying with key "camgate-dpo".
start_opa() {
  local alg="$1" keydir="$2" log="$3"
  OPA_PORT="$(free_port)"
  cat >"$WORK/opa-config.yaml" <<YAML
services:
  policy-store:
    url: http://127.0.0.1:${HTTP_PORT}
bundles:
  camgate:
    service: policy-store
    resource: bundles/camgate.tar.gz
    persist: false
    polling:
      min_delay_seconds: 1
      max_delay_seconds: 2
    signing:
      keyid: camgate-dpo
keys:
  camgate-dpo:
    algorithm: ${alg}
status:
  console: true
YAML
  "$OPA" run --server --addr "127.0.0.1:$OPA_PORT" --log-format text \
    -c "$WORK/opa-config.yaml" --set-file "keys.camgate-dpo.key=$keydir/public.pem" >"$log" 2>&1 &
  OPA_PID=$!
  PIDS+=("$OPA_PID")
  OPA_URL="http://127.0.0.1:$OPA_PORT"
  for _ in $(seq 1 100); do curl -fsS "$OPA_URL/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "OPA did not start; log:" >&2; cat "$log" >&2; return 1
}

stop_opa() { kill "$OPA_PID" 2>/dev/null || true; wait "$OPA_PID" 2>/dev/null || true; }

# active_revision: the revision OPA reports for bundle camgate, or "none".
active_revision() {
  curl -fsS "$OPA_URL/v1/data/system/bundles" | python3 -c '
import json, sys
b = json.load(sys.stdin).get("result", {}).get("camgate")
print(b["manifest"]["revision"] if b else "none")'
}

# wait_revision REV SECONDS: 0 when REV becomes active in time.
wait_revision() {
  local want="$1" secs="$2" i
  for i in $(seq 1 $((secs * 5))); do
    [ "$(active_revision)" = "$want" ] && return 0
    sleep 0.2
  done
  return 1
}

decide() { # subject camera -> allow
  curl -fsS -X POST "$OPA_URL/v1/data/camgate/decision?provenance=true" -H 'Content-Type: application/json' -d "{\"input\": {
    \"subject\": {\"id\": \"$1\"}, \"action\": \"view_live\", \"resource\": {\"camera\": \"$2\"},
    \"context\": {\"purpose\": \"securite-voie-publique\", \"time\": \"2026-11-28T21:14:00+01:00\"}}}"
}

publish() { cp "$1" "$SERVE/bundles/camgate.tar.gz.tmp"; mv "$SERVE/bundles/camgate.tar.gz.tmp" "$SERVE/bundles/camgate.tar.gz"; }

if [ "$MATRIX" = 1 ]; then
  say "algorithm matrix: sign with opa build, verify in opa run (bundle service + keys.<id>.algorithm)"
  for alg in RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519 HS256; do
    keypair "$alg" "$WORK/keys-$alg"
    if ! sign_bundle "$WORK/m-$alg.tar.gz" "matrix-$alg" "$WORK/keys-$alg" "$alg" >"$WORK/sign-$alg.log" 2>&1; then
      printf '%-8s sign: FAILED (%s)\n' "$alg" "$(tr '\n' ' ' <"$WORK/sign-$alg.log" | cut -c1-120)"; continue
    fi
    publish "$WORK/m-$alg.tar.gz"
    if ! start_opa "$alg" "$WORK/keys-$alg" "$WORK/opa-$alg.log"; then
      printf '%-8s sign: ok   verify: OPA refused the configuration (%s)\n' "$alg" "$(grep -m1 -io 'error.*' "$WORK/opa-$alg.log" | cut -c1-160)"; continue
    fi
    if wait_revision "matrix-$alg" 8; then
      printf '%-8s sign: ok   verify: ok (revision matrix-%s active)\n' "$alg" "$alg"
    else
      printf '%-8s sign: ok   verify: NOT activated (%s)\n' "$alg" "$(grep -m1 -i 'signature\|verif\|algorithm' "$WORK/opa-$alg.log" | cut -c1-200)"
    fi
    stop_opa
  done
  exit 0
fi

say "1. keys ($ALG) and two signed revisions of the camgate bundle"
keypair "$ALG" "$WORK/keys"
keypair "$ALG" "$WORK/attacker"
sign_bundle "$WORK/rev-1.tar.gz" "rev-1-good" "$WORK/keys" "$ALG"
sign_bundle "$WORK/rev-4.tar.gz" "rev-4-good" "$WORK/keys" "$ALG"
echo "bundle contents:"; tar tzf "$WORK/rev-1.tar.gz" 2>/dev/null | sed 's/^/  /' | head -20
echo ".signatures.json JWT header and claims:"
tar xzf "$WORK/rev-1.tar.gz" -O /.signatures.json 2>/dev/null | python3 -c '
import base64, json, sys
tok = json.load(sys.stdin)["signatures"][0]
h, p, s = tok.split(".")
dec = lambda x: json.loads(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
claims = dec(p)
print("  header:", json.dumps(dec(h)))
print("  claims: files =", len(claims["files"]), "entries, e.g.", json.dumps(claims["files"][0]))
print("  signature bytes:", len(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))))'

say "2. serve rev-1 on http://127.0.0.1:$HTTP_PORT/bundles/camgate.tar.gz and start OPA"
publish "$WORK/rev-1.tar.gz"
start_opa "$ALG" "$WORK/keys" "$WORK/opa.log"
if wait_revision "rev-1-good" 10; then echo "active revision: $(active_revision)"; else echo "FAIL: rev-1 not activated"; cat "$WORK/opa.log"; exit 1; fi
echo "decision?provenance=true (agent-042 on cam-demo):"
decide agent-042 cam-demo | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("  allow =", r["result"]["allow"], "| provenance.bundles =", json.dumps(r["provenance"]["bundles"]))'
echo "GET /health?bundles -> HTTP $(curl -s -o /dev/null -w '%{http_code}' "$OPA_URL/health?bundles")"

FAILED=0
# refuse NAME TARBALL: publish it, wait several polls, show that rev-1 stays active.
refuse() {
  local name="$1" tarball="$2"
  say "3. publish $name"
  local before; before="$(grep -c . "$WORK/opa.log" || true)"
  publish "$tarball"
  sleep 5   # at least two polling periods (1-2 s)
  local rev; rev="$(active_revision)"
  if [ "$rev" = "rev-1-good" ]; then echo "refused: active revision is still $rev"; else echo "FAIL: active revision is now $rev"; FAILED=1; fi
  echo "agent-107 (zone gare) on cam-demo: allow = $(decide agent-107 cam-demo | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["allow"])')"
  echo "OPA log, bundle lines since publishing (count, line):"
  tail -n +"$((before + 1))" "$WORK/opa.log" | grep -E '^\[(ERROR|INFO)\] Bundle' | sort | uniq -c | head -3 | cut -c1-400 | sed 's/^/  /' || true
  echo "GET /v1/status -> $(curl -s "$OPA_URL/v1/status" | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)
except ValueError:
    print("(no JSON)"); sys.exit()
b = r.get("result", {}).get("bundles", {}).get("camgate", {})
print(json.dumps({k: b.get(k) for k in ("active_revision", "last_successful_activation", "last_successful_download", "code", "message", "errors")})[:600])')"
  echo "GET /health?bundles -> HTTP $(curl -s -o /dev/null -w '%{http_code}' "$OPA_URL/health?bundles")"
}

# Tampered: rev-1 with agent-107 given zone centre-ville in data.json and a new revision in the
# manifest, signature left as it was.
mkdir -p "$WORK/tamper" && tar xzf "$WORK/rev-1.tar.gz" -C "$WORK/tamper" 2>/dev/null
python3 - "$WORK/tamper" <<'PY'
import json, sys, os
d = sys.argv[1]
data = json.load(open(os.path.join(d, "data.json")))
data["agents"]["agent-107"]["zones"].append("centre-ville")
json.dump(data, open(os.path.join(d, "data.json"), "w"))
man = json.load(open(os.path.join(d, ".manifest")))
man["revision"] = "rev-2-tampered"
json.dump(man, open(os.path.join(d, ".manifest"), "w"))
PY
(cd "$WORK/tamper" && tar czf "$WORK/rev-2-tampered.tar.gz" .manifest .signatures.json data.json $(find . -name '*.rego' | sed 's|^\./||'))
refuse "a TAMPERED bundle (data.json edited, manifest revision rev-2-tampered, old signature)" "$WORK/rev-2-tampered.tar.gz"

(cd "$STAGE" && "$OPA" build --bundle . -o "$WORK/rev-3-unsigned.tar.gz" --revision rev-3-unsigned)
refuse "an UNSIGNED bundle (rev-3-unsigned, no .signatures.json)" "$WORK/rev-3-unsigned.tar.gz"

sign_bundle "$WORK/rev-3b.tar.gz" "rev-3-other-key" "$WORK/attacker" "$ALG"
refuse "a bundle signed with ANOTHER key (rev-3-other-key)" "$WORK/rev-3b.tar.gz"

say "4. publish a new good bundle (rev-4-good)"
publish "$WORK/rev-4.tar.gz"
if wait_revision "rev-4-good" 10; then echo "activated: active revision is $(active_revision)"; else echo "FAIL: rev-4 not activated"; FAILED=1; fi
echo "decision provenance now: $(decide agent-042 cam-demo | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["provenance"]["bundles"]))')"

say "5. re-publish the OLDER signed bundle rev-1-good (replay / rollback)"
publish "$WORK/rev-1.tar.gz"
if wait_revision "rev-1-good" 10; then
  echo "activated again: OPA accepts any correctly signed bundle, older revisions included (active: $(active_revision))"
else
  echo "not activated: active revision is $(active_revision)"
fi
stop_opa

if [ "$FAILED" = 0 ]; then say "RESULT: good bundles activated, tampered/unsigned/foreign-key bundles refused, previous revision kept"; else say "RESULT: FAILED (see above)"; exit 1; fi
