#!/usr/bin/env bash
# Contract smoke test of the policy files, outside the gateway: starts a plain OPA over them
#   opa run --server --addr 127.0.0.1:<port> policies/camgate policies/data
# on a free loopback port, asks it the documents the gateway asks (decision, visibility,
# config violations, privacy masks), checks the answers, prints the mean latency of 200
# decisions (a new TCP connection each), and stops OPA. Exit 0 only when every check passes.
# Not how the gateway runs OPA: the gateway serves the policy as a signed bundle to an OPA on a
# Unix socket that admits only its bearer token, with restricted built-ins (see README.md);
# this script checks the documents' shapes and answers, not that lockdown.
# Usage: policies/tools/contract-smoke.sh   (CAMGATE_OPA overrides the binary)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPA="${CAMGATE_OPA:-$ROOT/.camgate/bin/opa}"
[ -x "$OPA" ] || { echo "OPA not found at $OPA; run ./camgate setup" >&2; exit 1; }
cd "$ROOT"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp)"
"$OPA" run --server --addr "127.0.0.1:$port" --log-level error policies/camgate policies/data >"$log" 2>&1 &
opa_pid=$!
trap 'kill "$opa_pid" 2>/dev/null || true; wait "$opa_pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { cat "$log" >&2; echo "OPA did not become healthy" >&2; exit 1; }

python3 - "http://127.0.0.1:$port" <<'PY'
import json, sys, time, urllib.request

base = sys.argv[1]
failures = 0

def post(path, doc):
    req = urllib.request.Request(base + path, data=json.dumps({"input": doc}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def get(path):
    with urllib.request.urlopen(base + path) as r:
        return json.load(r)

def check(name, ok, got):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  got: " + json.dumps(got)[:400]))
    failures += 0 if ok else 1

now = "2026-11-28T21:14:00+01:00"
def ctx(**kw):
    c = {"purpose": "securite-voie-publique", "requisition": None, "time": now, "client": {"ip": "127.0.0.1"},
         "destination": None, "retention_days": None, "legal_hold": None}
    c.update(kw)
    return c
def inp(subject, action, camera, **kw):
    return {"subject": {"id": subject, "roles": [], "org": "police-municipale", "capabilities": []},
            "action": action, "resource": {"camera": camera, "zone": "centre-ville"}, "context": ctx(**kw)}

d = post("/v1/data/camgate/decision", inp("agent-042", "view_live", "cam-demo"))["result"]
check("decision: agent-042 view_live cam-demo allowed, redacted",
      d["allow"] is True and d["redact"] == {"faces": True, "plates": True} and d["obligations"]["max_duration_s"] == 3600
      and set(d) == {"allow", "redact", "reasons", "rules", "obligations"}, d)
d = post("/v1/data/camgate/decision", inp("agent-042", "view_raw", "cam-demo", requisition="REQ-2026-0042"))["result"]
check("decision: view_raw with valid requisition unredacted, 1800 s", d["allow"] and d["redact"] == {"faces": False, "plates": False} and d["obligations"]["max_duration_s"] == 1800, d)
d = post("/v1/data/camgate/decision", inp("agent-042", "view_live", "cam-nomask"))["result"]
check("decision: cam-nomask denied (masks undefined)", not d["allow"] and "camgate.dwellings.masks_undefined" in d["rules"], d)
d = post("/v1/data/camgate/decision", {})["result"]
check("decision: defined for an empty input (deny)", d["allow"] is False and d["reasons"], d)
d = post("/v1/data/camgate/decision", inp("vms-faceid", "view_live", "cam-demo"))["result"]
check("decision: vms-faceid denied (face recognition)", not d["allow"] and "camgate.biometrics.forbidden_capability" in d["rules"], d)

v = post("/v1/data/camgate/visibility/cameras", {"subject": {"id": "agent-042"}, "context": {"time": now}})["result"]
check("visibility: agent-042 sees [cam-demo, cam-face] (a JSON array)", v == ["cam-demo", "cam-face"], v)

m = get("/v1/data/cameras/cam-demo/privacy_masks")["result"]
check("masks: cam-demo has one normalised polygon", len(m) == 1 and all(0 <= x <= 1 for p in m[0]["polygon"] for x in p), m)
r = get("/v1/data/cameras/cam-nomask/privacy_masks")
check("masks: cam-nomask has no result key (undefined = not viewable)", "result" not in r, r)
m = get("/v1/data/cameras/cam-face/privacy_masks")["result"]
check("masks: cam-face has an explicit empty list", m == [], m)

clean = {"cameras": [{"id": "cam-demo", "url": "rtsp://127.0.0.1:8554/demo", "zone": "centre-ville"}],
         "modules": [{"name": "redaction", "capabilities": ["face_detection", "plate_detection", "redaction"]}],
         "destinations": [], "consumers": [], "retention": {"snapshots_days": 7, "exports_days": 30}}
v = post("/v1/data/camgate/config/violations", clean)["result"]
check("config: clean configuration -> []", v == [], v)
bad = dict(clean, modules=[{"name": "faceid", "capabilities": ["face_recognition"]}])
v = post("/v1/data/camgate/config/violations", bad)["result"]
check("config: face_recognition module -> one violation", len(v) == 1 and "face_recognition" in v[0], v)

# Latency of the decision over HTTP on this machine (keep-alive is not used by urllib: this is
# an upper bound including a TCP connect per request).
body = inp("agent-042", "view_live", "cam-demo")
n = 200
t0 = time.perf_counter()
for _ in range(n):
    post("/v1/data/camgate/decision", body)
dt = (time.perf_counter() - t0) / n * 1000
print("measured: {} decisions, mean {:.2f} ms per POST /v1/data/camgate/decision (new TCP connection each)".format(n, dt))
sys.exit(1 if failures else 0)
PY
