# METADATA
# title: Raw video (judicial requisition, two approvers, limited duration)
# description: |
#   Video without face and plate redaction is shown only under a judicial requisition recorded in
#   data.requisitions that covers the camera and the current time, approved by two distinct
#   people (neither of them the requester), for at most the requisition's max_duration_s, and
#   only to the accounts the requisition names as its beneficiaries (subjects).
#   Sources: Code de procédure pénale art. 60-1 and 77-1-1 (requisitions of the judicial police),
#   RGPD art. 5(1)(c) and art. 25 (data minimisation, protection by default), CNIL guidance on
#   video protection (access limited to what the requisition needs). Dwelling masks stay on
#   (camgate.dwellings).
package camgate.raw

import data.camgate.request

ref := input.context.requisition if {
	is_string(input.context.requisition)
	input.context.requisition != ""
}

requisition := data.requisitions[ref]

approvers contains lower(trim_space(a.by)) if {
	some a in requisition.approvals
	is_string(a.by)
	trim_space(a.by) != ""
}

# The accounts the requisition is addressed to: knowing its reference is not enough.
beneficiaries contains s if {
	some s in requisition.subjects
	is_string(s)
}

named if request.subject_id in beneficiaries

valid_from_ns := time.parse_rfc3339_ns(requisition.valid_from)

valid_until_ns := time.parse_rfc3339_ns(requisition.valid_until)

in_force if {
	valid_from_ns <= request.now_ns
	request.now_ns < valid_until_ns
}

# Seconds the raw view may last: the requisition's own cap, never past its end.
max_duration_s := min({requisition.max_duration_s, remaining_s}) if {
	is_number(requisition.max_duration_s)
	remaining_s := floor((valid_until_ns - request.now_ns) / 1000000000)
}

# Source: CPP art. 60-1 / 77-1-1, RGPD art. 25 — unredacted faces and plates only on requisition.
deny contains {
	"rule": "camgate.raw.no_requisition",
	"reason": sprintf("view_raw of camera %v needs context.requisition: the reference of a judicial requisition recorded in data.requisitions", [request.camera_id]),
} if {
	input.action == "view_raw"
	not ref
}

deny contains {
	"rule": "camgate.raw.unknown_requisition",
	"reason": sprintf("requisition %v is not recorded in data.requisitions; the DPO records a requisition before raw video can be shown", [ref]),
} if {
	input.action == "view_raw"
	not requisition
}

deny contains {
	"rule": "camgate.raw.camera_not_covered",
	"reason": sprintf("requisition %v covers cameras %v, not camera %v", [ref, object.get(requisition, "cameras", []), request.camera_id]),
} if {
	input.action == "view_raw"
	requisition
	not request.camera_id in object.get(requisition, "cameras", [])
}

# Source: CPP art. 60-1 / 77-1-1 (a requisition is addressed to named officers), RGPD art. 5(1)(c)
# and 25 — only the people the requisition names see raw video, not anyone who learns its reference.
deny contains {
	"rule": "camgate.raw.subject_not_named",
	"reason": sprintf("requisition %v is addressed to %v, not to %v; raw video goes only to the accounts a requisition names: ask the DPO to add the account to data.requisitions[%v].subjects if the requisition covers it", [ref, sort(beneficiaries), object.get(input, ["subject", "id"], null), ref]),
} if {
	input.action == "view_raw"
	requisition
	not named
}

deny contains {
	"rule": "camgate.raw.not_in_force",
	"reason": sprintf("requisition %v is valid from %v until %v, not at %v", [ref, object.get(requisition, "valid_from", null), object.get(requisition, "valid_until", null), object.get(input, ["context", "time"], null)]),
} if {
	input.action == "view_raw"
	requisition
	not in_force
}

deny contains {
	"rule": "camgate.raw.two_approvers",
	"reason": sprintf("requisition %v is approved by %d distinct person(s) %v; raw video needs two distinct approvers", [ref, count(approvers), sort(approvers)]),
} if {
	input.action == "view_raw"
	requisition
	count(approvers) < 2
}

deny contains {
	"rule": "camgate.raw.self_approved",
	"reason": sprintf("%v approved requisition %v and cannot use it: raw video needs two approvers other than the requester", [request.subject_id, ref]),
} if {
	input.action == "view_raw"
	lower(trim_space(request.subject_id)) in approvers
}

deny contains {
	"rule": "camgate.raw.no_duration",
	"reason": sprintf("requisition %v has no max_duration_s: raw access must be limited in time", [ref]),
} if {
	input.action == "view_raw"
	requisition
	not has_duration
}

# As a helper: OPA evaluates a call's operands outside `not`, so `not is_number(x.missing)`
# would be undefined rather than true.
has_duration if is_number(requisition.max_duration_s)
