# METADATA
# title: Request normalisation
# description: |
#   Reads the decision input once for every concern: who asks (their account in policy data,
#   never their own claims), which camera, and when (context.time, the gateway's clock, which is
#   also the time the audit log records). Malformed requests are denied here, so every other
#   package can assume a subject, a known action and a time.
package camgate.request

# Actions that name a camera in resource.camera.
camera_actions := {"view_live", "view_raw", "snapshot", "export_clip", "maintenance"}

# Actions that show video of a camera to a person and therefore need a purpose (CSI L251-2).
video_actions := {"view_live", "view_raw", "snapshot", "export_clip"}

# Actions whose output the gateway stores (exports, snapshots): retention applies (CSI L252-5).
storing_actions := {"snapshot", "export_clip"}

known_actions := camera_actions | {"admin_policy", "audit_read", "health", "list_cameras", "metrics"}

subject_id := input.subject.id if {
	is_string(input.subject.id)
	input.subject.id != ""
}

# The account is looked up in policy data: roles, zones and org come from the city's register of
# designated agents (L252-2), not from what the caller says about itself.
account := a if {
	a := data.agents[subject_id]
} else := a if {
	a := data.consumers[subject_id]
}

roles contains r if some r in account.roles

zones contains z if some z in account.zones

permitted_actions contains a if {
	some r in roles
	some a in data.roles[r].actions
}

# Capabilities are the union of what the account is registered with and what the request
# declares: declaring a forbidden capability is enough to be refused.
capabilities contains normalise(c) if some c in account.capabilities

capabilities contains normalise(c) if some c in input.subject.capabilities

orgs contains account.org if is_string(account.org)

orgs contains input.subject.org if is_string(input.subject.org)

purpose := input.context.purpose if {
	is_string(input.context.purpose)
	input.context.purpose != ""
}

camera_id := input.resource.camera if {
	is_string(input.resource.camera)
	input.resource.camera != ""
}

camera := data.cameras[camera_id]

now_ns := time.parse_rfc3339_ns(input.context.time)

# normalise lower-cases and maps separators to "_", so "Face-Recognition" and
# "face recognition" both read as face_recognition.
normalise(s) := regex.replace(lower(trim_space(s)), `[\s\-.]+`, "_") if is_string(s)

deny contains {
	"rule": "camgate.request.no_subject",
	"reason": "the request names no subject: input.subject.id must be a non-empty string set by the gateway after authentication",
} if {
	not subject_id
}

deny contains {
	"rule": "camgate.request.unknown_action",
	"reason": sprintf("action %v is not one of %v; the gateway must send a known action", [object.get(input, "action", null), sort(known_actions)]),
} if {
	not known_action
}

known_action if input.action in known_actions

deny contains {
	"rule": "camgate.request.no_camera",
	"reason": sprintf("action %v needs resource.camera (a camera id); none was given", [input.action]),
} if {
	input.action in camera_actions
	not camera_id
}

deny contains {
	"rule": "camgate.request.unknown_camera",
	"reason": sprintf("camera %v is not registered in policy data (data.cameras): its zone, purposes and privacy masks are unknown, so it cannot be served", [camera_id]),
} if {
	input.action in camera_actions
	camera_id
	not data.cameras[camera_id]
}

deny contains {
	"rule": "camgate.request.no_time",
	"reason": sprintf("context.time %v is not an RFC 3339 time; the gateway must send its clock (e.g. 2026-11-28T21:14:00+01:00)", [object.get(input, ["context", "time"], null)]),
} if {
	not now_ns
}
