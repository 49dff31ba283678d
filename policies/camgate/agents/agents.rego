# METADATA
# title: Who may view (CSI L252-2)
# description: |
#   Only agents individually designated by the city, by role, and only for the cameras of their
#   zones (Code de la sécurité intérieure, art. L252-2: access to the images is reserved to
#   designated and duly authorised agents). Roles and zones come from data.agents /
#   data.consumers; the role table is data.roles.
package camgate.agents

import data.camgate.request

# Camera actions are bound to the agent's zones; the vendor's maintenance action is bound to the
# scope of its maintenance window instead (camgate.maintenance).
zone_bound_actions := request.camera_actions - {"maintenance"}

# Role permits the action, and for a camera action the camera lies in one of the account's zones.
# Source: CSI L252-2. admin_policy is decided by camgate.admin.
allow contains {
	"rule": "camgate.agents.role_permits",
	"reason": sprintf("%v (roles %v) may %v%v", [request.subject_id, sort(request.roles), input.action, where]),
} if {
	request.account
	input.action in request.permitted_actions
	input.action != "admin_policy"
	in_zone
	where := object_suffix
}

in_zone if not input.action in zone_bound_actions

in_zone if request.camera.zone in request.zones

object_suffix := sprintf(" on camera %v in zone %v", [request.camera_id, request.camera.zone]) if {
	input.action in request.camera_actions
} else := ""

# Source: CSI L252-2 — a subject the city has not registered is nobody's designated agent.
deny contains {
	"rule": "camgate.agents.unknown_subject",
	"reason": sprintf("subject %v is not a designated agent or registered consumer in policy data (data.agents, data.consumers); ask the DPO to register the account", [request.subject_id]),
} if {
	request.subject_id
	not request.account
}

# Source: CSI L252-2 — the role table says which actions each role may take.
deny contains {
	"rule": "camgate.agents.role_forbids",
	"reason": sprintf("roles %v of %v do not permit action %v (data.roles)", [sort(request.roles), request.subject_id, input.action]),
} if {
	request.account
	input.action in request.known_actions
	input.action != "admin_policy"
	not input.action in request.permitted_actions
}

# Source: CSI L252-2 — designation is by zone: an agent sees only the cameras of their zones.
deny contains {
	"rule": "camgate.agents.outside_zone",
	"reason": sprintf("%v is designated for zones %v, not for zone %v of camera %v (CSI L252-2)", [request.subject_id, sort(request.zones), request.camera.zone, request.camera_id]),
} if {
	request.account
	input.action in zone_bound_actions
	not request.camera.zone in request.zones
}

# Source: CSI L252-2 — a person viewing video must be individually designated; the account must
# carry the reference of the designation act.
deny contains {
	"rule": "camgate.agents.not_designated",
	"reason": sprintf("agent %v has no individual designation recorded (data.agents[_].designation); only designated agents may view video (CSI L252-2)", [request.subject_id]),
} if {
	request.account.kind == "agent"
	input.action in request.video_actions
	not designated
}

designated if {
	is_string(request.account.designation)
	trim_space(request.account.designation) != ""
}

# The gateway's idea of the camera's zone must agree with policy data, else one of them is stale.
deny contains {
	"rule": "camgate.agents.zone_mismatch",
	"reason": sprintf("resource.zone %v does not match zone %v of camera %v in policy data; fix the gateway configuration or data.cameras", [input.resource.zone, request.camera.zone, request.camera_id]),
} if {
	is_string(input.resource.zone)
	input.resource.zone != request.camera.zone
}
