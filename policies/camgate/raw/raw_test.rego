package camgate.raw_test

import data.camgate.decision
import data.camgate.raw

now := "2026-11-28T21:14:00+01:00"

raw_view(subject, camera, requisition) := {
	"subject": {"id": subject},
	"action": "view_raw",
	"resource": {"camera": camera},
	"context": {"purpose": "securite-voie-publique", "time": now, "requisition": requisition},
}

rules_of(findings) := {f.rule | some f in findings}

test_valid_requisition_allows_raw if {
	inp := raw_view("agent-042", "cam-demo", "REQ-2026-0042")
	raw.deny == set() with input as inp
	d := decision with input as inp
	d.allow
	d.redact == {"faces": false, "plates": false}
	d.obligations.max_duration_s == 1800
}

test_raw_duration_ends_with_requisition if {
	# 10 minutes before the requisition ends: the view may last 600 s, not 1800.
	inp := object.union(raw_view("agent-042", "cam-demo", "REQ-2026-0042"), {"context": {"time": "2027-12-31T23:49:59+01:00"}})
	raw.max_duration_s == 600 with input as inp
	decision.obligations.max_duration_s == 600 with input as inp
}

test_raw_without_requisition_denied if {
	rules_of(raw.deny) == {"camgate.raw.no_requisition"} with input as raw_view("agent-042", "cam-demo", null)
	not decision.allow with input as raw_view("agent-042", "cam-demo", null)
}

test_unknown_requisition_denied if {
	rules_of(raw.deny) == {"camgate.raw.unknown_requisition"} with input as raw_view("agent-042", "cam-demo", "REQ-0000")
}

test_expired_requisition_denied if {
	inp := raw_view("agent-042", "cam-demo", "REQ-2026-0007")
	rules_of(raw.deny) == {"camgate.raw.not_in_force"} with input as inp
	not decision.allow with input as inp
}

test_requisition_not_yet_in_force_denied if {
	inp := object.union(raw_view("agent-042", "cam-demo", "REQ-2026-0042"), {"context": {"time": "2026-10-01T12:00:00+02:00"}})
	rules_of(raw.deny) == {"camgate.raw.not_in_force"} with input as inp
}

test_single_approver_denied if {
	# REQ-2026-0051 carries two approvals by the same person, spelled differently.
	inp := raw_view("agent-042", "cam-demo", "REQ-2026-0051")
	rules_of(raw.deny) == {"camgate.raw.two_approvers"} with input as inp
	not decision.allow with input as inp
}

test_requisition_for_other_camera_denied if {
	inp := raw_view("agent-042", "cam-gare", "REQ-2026-0042")
	rules_of(raw.deny) == {"camgate.raw.camera_not_covered"} with input as inp
}

test_subject_not_named_in_requisition_denied if {
	# agent-107 is an operator in the zone and knows the reference, but the requisition names agent-042 only.
	inp := raw_view("agent-107", "cam-demo", "REQ-2026-0042")
	rules_of(raw.deny) == {"camgate.raw.subject_not_named"} with input as inp
	d := decision with input as inp
	not d.allow
	d.redact == {"faces": true, "plates": true}
	some reason in d.reasons
	contains(reason, "requisition REQ-2026-0042 is addressed to [\"agent-042\"], not to agent-107")
}

test_requisition_without_subjects_denied if {
	reqs := {"REQ-X": object.remove(data.requisitions["REQ-2026-0042"], ["subjects"])}
	inp := raw_view("agent-042", "cam-demo", "REQ-X")
	rules_of(raw.deny) == {"camgate.raw.subject_not_named"} with input as inp with data.requisitions as reqs
}

test_non_string_subjects_name_nobody if {
	reqs := {"REQ-X": object.union(data.requisitions["REQ-2026-0042"], {"subjects": [42, null, {"id": "agent-042"}]})}
	inp := raw_view("agent-042", "cam-demo", "REQ-X")
	rules_of(raw.deny) == {"camgate.raw.subject_not_named"} with input as inp with data.requisitions as reqs
}

test_approver_cannot_use_own_requisition if {
	# Even when the requisition names the approver as a beneficiary.
	reqs := {"REQ-2026-0042": object.union(data.requisitions["REQ-2026-0042"], {"subjects": ["agent-042", "chef-pm-1"]})}
	inp := raw_view("chef-pm-1", "cam-demo", "REQ-2026-0042")
	rules_of(raw.deny) == {"camgate.raw.self_approved"} with input as inp with data.requisitions as reqs
	not decision.allow with input as inp with data.requisitions as reqs
}

test_requisition_without_duration_denied if {
	reqs := {"REQ-X": object.remove(data.requisitions["REQ-2026-0042"], ["max_duration_s"])}
	inp := raw_view("agent-042", "cam-demo", "REQ-X")
	rules_of(raw.deny) == {"camgate.raw.no_duration"} with input as inp with data.requisitions as reqs
}

test_raw_checks_only_for_raw if {
	raw.deny == set() with input as object.union(raw_view("agent-042", "cam-demo", null), {"action": "view_live"})
}
