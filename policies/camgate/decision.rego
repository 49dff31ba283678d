# METADATA
# title: camgate access decision
# description: |
#   The one document the gateway asks for each request (POST /v1/data/camgate/decision).
#   Default deny; allow only when an allow rule matched and no deny rule did, so any explicit
#   deny beats any allow. Faces and plates are redacted unless the decision allows view_raw.
#   Each concern lives in its own package under camgate/ and contributes `deny` (and, for
#   agents and admin, `allow`) findings {"rule": id, "reason": text}.
package camgate

import data.camgate.admin
import data.camgate.agents
import data.camgate.audit_log
import data.camgate.biometrics
import data.camgate.destinations
import data.camgate.dwellings
import data.camgate.lapi
import data.camgate.maintenance
import data.camgate.purposes
import data.camgate.raw
import data.camgate.request
import data.camgate.retention

denials := union({
	request.deny,
	agents.deny,
	purposes.deny,
	dwellings.deny,
	retention.deny,
	raw.deny,
	biometrics.deny,
	destinations.deny,
	lapi.deny,
	maintenance.deny,
	admin.deny,
	audit_log.deny,
})

permits := (agents.allow | admin.allow) | audit_log.allow

default allowed := false

allowed if {
	count(permits) > 0
	count(denials) == 0
}

default_finding := {
	"rule": "camgate.default_deny",
	"reason": sprintf("default deny: no rule allows action %v by %v on %v", [
		object.get(input, "action", null),
		object.get(input, ["subject", "id"], null),
		object.get(input, "resource", null),
	]),
}

# The findings that decided: every deny when denied, else every allow, else the default.
deciding := denials if {
	count(denials) > 0
} else := permits if {
	count(permits) > 0
} else := {default_finding}

# Faces and plates are left visible only for an allowed view_raw.
redact := {"faces": false, "plates": false} if {
	allowed
	input.action == "view_raw"
} else := {"faces": true, "plates": true}

# Each cap bounds how long the access may last; the tightest wins.
caps contains setting_cap

# The per-action cap of data.settings; one hour when the setting is missing.
setting_cap := data.settings.max_duration_s[input.action] if {
	is_number(data.settings.max_duration_s[input.action])
} else := 3600

caps contains raw.max_duration_s if input.action == "view_raw"

caps contains maintenance.max_duration_s if input.action == "maintenance"

max_duration_s := min(caps) if {
	allowed
} else := 0

default decision := {
	"allow": false,
	"redact": {"faces": true, "plates": true},
	"reasons": ["default deny: the request could not be evaluated; check that the input has subject, action, resource and context"],
	"rules": ["camgate.default_deny"],
	"obligations": {"max_duration_s": 0},
}

decision := {
	"allow": allowed,
	"redact": redact,
	"reasons": [f.reason | some f in deciding],
	"rules": sort({f.rule | some f in deciding}),
	"obligations": {"max_duration_s": max_duration_s},
}
