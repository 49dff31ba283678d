package camgate.request_test

import data.camgate.decision
import data.camgate.request

now := "2026-11-28T21:14:00+01:00"

live := {
	"subject": {"id": "agent-042", "roles": ["operator"], "org": "police-municipale", "capabilities": []},
	"action": "view_live",
	"resource": {"camera": "cam-demo", "zone": "centre-ville"},
	"context": {"purpose": "securite-voie-publique", "requisition": null, "time": now, "client": {"ip": "127.0.0.1"}, "destination": null, "retention_days": null, "legal_hold": null},
}

rules_of(findings) := {f.rule | some f in findings}

test_well_formed_request_has_no_finding if {
	request.deny == set() with input as live
}

test_missing_subject_denied if {
	rules_of(request.deny) == {"camgate.request.no_subject"} with input as object.remove(live, ["subject"])
}

test_empty_subject_id_denied if {
	"camgate.request.no_subject" in rules_of(request.deny) with input as object.union(live, {"subject": {"id": ""}})
}

test_unknown_action_denied if {
	rules_of(request.deny) == {"camgate.request.unknown_action"} with input as object.union(live, {"action": "delete_camera"})
}

test_camera_action_without_camera_denied if {
	rules_of(request.deny) == {"camgate.request.no_camera"} with input as object.union(live, {"resource": {"camera": null}})
}

test_unknown_camera_denied if {
	rules_of(request.deny) == {"camgate.request.unknown_camera"} with input as object.union(live, {"resource": {"camera": "cam-ghost"}})
}

test_missing_time_denied if {
	rules_of(request.deny) == {"camgate.request.no_time"} with input as object.union(live, {"context": {"time": "yesterday"}})
}

test_account_comes_from_data_not_from_claims if {
	request.roles == {"operator"} with input as object.union(live, {"subject": {"roles": ["dpo"]}})
}

test_consumer_account_found if {
	request.account.kind == "consumer" with input as object.union(live, {"subject": {"id": "vms-csu"}})
}

test_normalise_maps_separators if {
	request.normalise(" Face-Recognition ") == "face_recognition"
	request.normalise("face recognition") == "face_recognition"
}

# The contract: a decision object is always defined, even for an empty input.
test_decision_defined_for_empty_input if {
	d := decision with input as {}
	d.allow == false
	d.redact == {"faces": true, "plates": true}
	count(d.reasons) > 0
	"camgate.request.no_subject" in d.rules
}

test_decision_defined_for_non_object_input if {
	d := decision with input as "nonsense"
	d.allow == false
	count(d.reasons) > 0
}
