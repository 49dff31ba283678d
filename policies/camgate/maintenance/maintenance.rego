# METADATA
# title: Vendor maintenance
# description: |
#   Vendor accounts (kind "vendor") get in only inside a maintenance window the city approved
#   (data.maintenance_windows: approver, start, end, scope), only to redacted video of the cameras
#   in the window's scope (action maintenance) and to health endpoints; never raw video, never
#   exports, never snapshots. Sources: RGPD art. 28 and 32 (processor acting on documented
#   instructions, access control), CSI L252-2 (only authorised persons access the images).
package camgate.maintenance

import data.camgate.request

vendor if request.account.kind == "vendor"

allowed_actions := {"maintenance", "health"}

# Windows approved by the city, naming this account, open at the request time.
active_windows[id] := window if {
	some id, window in data.maintenance_windows
	is_string(window.approver)
	trim_space(window.approver) != ""
	request.subject_id in window.accounts
	time.parse_rfc3339_ns(window.start) <= request.now_ns
	request.now_ns < time.parse_rfc3339_ns(window.end)
}

in_scope contains id if {
	some id, window in active_windows
	request.camera_id in window.scope.cameras
}

# Seconds left in the longest active window covering the camera: the view ends with the window.
max_duration_s := max({s |
	some id in in_scope
	s := floor((time.parse_rfc3339_ns(active_windows[id].end) - request.now_ns) / 1000000000)
}) if {
	count(in_scope) > 0
}

# Source: RGPD art. 28/32; CSI L252-2.
deny contains {
	"rule": "camgate.maintenance.no_window",
	"reason": sprintf("vendor account %v has no city-approved maintenance window open at %v (data.maintenance_windows); vendor access is refused outside one", [request.subject_id, object.get(input, ["context", "time"], null)]),
} if {
	vendor
	count(active_windows) == 0
}

# Source: RGPD art. 28/32 — vendors see redacted video and health only.
deny contains {
	"rule": "camgate.maintenance.action_forbidden",
	"reason": sprintf("vendor account %v may only use %v, never %v (no raw video, no exports, no snapshots)", [request.subject_id, sort(allowed_actions), input.action]),
} if {
	vendor
	not input.action in allowed_actions
}

# Source: RGPD art. 28 — the window's scope is the city's documented instruction.
deny contains {
	"rule": "camgate.maintenance.out_of_scope",
	"reason": sprintf("camera %v is not in the scope of the open maintenance window(s) %v of %v", [request.camera_id, sort(object.keys(active_windows)), request.subject_id]),
} if {
	vendor
	input.action == "maintenance"
	count(active_windows) > 0
	count(in_scope) == 0
}
