# METADATA
# title: Retention (CSI L252-5)
# description: |
#   Recordings are destroyed after at most one month, except when a judicial procedure requires
#   them (Code de la sécurité intérieure, art. L252-5). Applies to everything the gateway stores:
#   snapshots and exported clips in a decision, and the configured retention in the
#   configuration guard. A legal hold (data.legal_holds) covering the camera lifts the limit.
package camgate.retention

import data.camgate.request

# One month, read as 30 days: the shortest month-length reading keeps every stored item within
# the legal bound whatever the calendar month.
max_days := 30

hold_ref := input.context.legal_hold if {
	is_string(input.context.legal_hold)
	input.context.legal_hold != ""
}

hold := data.legal_holds[hold_ref]

# A hold is valid while it is in force (not lifted) and covers the camera.
valid_hold if {
	request.camera_id in hold.cameras
	hold.lifted == null
}

days := input.context.retention_days

# Helper, not `not is_number(days)`: with no retention_days key that form is undefined, not true.
days_given if is_number(days)

# Source: CSI L252-5 — whatever the gateway stores must say how long, so the bound can be checked.
deny contains {
	"rule": "camgate.retention.missing",
	"reason": sprintf("%v on camera %v stores video: context.retention_days must be a whole number of days from 1 to %d (CSI L252-5), or context.legal_hold must name a hold in force", [input.action, request.camera_id, max_days]),
} if {
	input.action in request.storing_actions
	not valid_hold
	not days_given
}

# Source: CSI L252-5.
deny contains {
	"rule": "camgate.retention.invalid",
	"reason": sprintf("context.retention_days %v is not a whole number of days of at least 1", [days]),
} if {
	input.action in request.storing_actions
	is_number(days)
	not whole_positive(days)
}

# Source: CSI L252-5 — one month at most, unless a judicial procedure places the item on hold.
deny contains {
	"rule": "camgate.retention.too_long",
	"reason": sprintf("%v on camera %v asks to keep it %v days; the limit is %d days (CSI L252-5) unless a legal hold in force covers the camera", [input.action, request.camera_id, days, max_days]),
} if {
	input.action in request.storing_actions
	is_number(days)
	days > max_days
	not valid_hold
}

# Source: CSI L252-5 — only a hold that exists, is in force and covers the camera lifts the limit.
deny contains {
	"rule": "camgate.retention.hold_invalid",
	"reason": sprintf("legal hold %v %v; remove context.legal_hold or ask the DPO to record the hold", [hold_ref, hold_problem]),
} if {
	input.action in request.storing_actions
	hold_ref
	not valid_hold
}

hold_problem := "is not recorded in data.legal_holds" if {
	not hold
} else := sprintf("does not cover camera %v", [request.camera_id]) if {
	not request.camera_id in object.get(hold, "cameras", [])
} else := sprintf("was lifted on %v", [object.get(hold, "lifted", "an unknown date")])

whole_positive(n) if {
	n >= 1
	n == floor(n)
}

# Source: CSI L252-5 — the configured retention of stored snapshots and exports.
config_violations contains sprintf("[camgate.retention.config] retention.%v is %v; it must be a whole number of days from 1 to %d (CSI L252-5)", [key, configured_days(key), max_days]) if {
	some key in ["snapshots_days", "exports_days"]
	not config_days_ok(key)
}

configured_days(key) := n if {
	n := input.retention[key]
} else := "missing"

config_days_ok(key) if {
	n := input.retention[key]
	is_number(n)
	whole_positive(n)
	n <= max_days
}
