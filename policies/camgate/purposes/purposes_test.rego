package camgate.purposes_test

import data.camgate.decision
import data.camgate.purposes

now := "2026-11-28T21:14:00+01:00"

view(purpose) := {
	"subject": {"id": "agent-042"},
	"action": "view_live",
	"resource": {"camera": "cam-demo"},
	"context": {"purpose": purpose, "time": now},
}

rules_of(findings) := {f.rule | some f in findings}

test_authorised_purpose_allowed if {
	purposes.deny == set() with input as view("securite-voie-publique")
	decision.allow with input as view("protection-batiments-publics")
}

test_missing_purpose_denied if {
	rules_of(purposes.deny) == {"camgate.purposes.missing"} with input as view(null)
	rules_of(purposes.deny) == {"camgate.purposes.missing"} with input as view("")
	not decision.allow with input as view(null)
}

test_legal_purpose_not_authorised_for_camera_denied if {
	rules_of(purposes.deny) == {"camgate.purposes.not_authorised"} with input as view("regulation-trafic")
}

test_purpose_outside_law_denied if {
	rules_of(purposes.deny) == {"camgate.purposes.not_legal", "camgate.purposes.not_authorised"} with input as view("marketing")
}

test_purpose_not_needed_for_health if {
	purposes.deny == set() with input as object.union(view(null), {"action": "health"})
}
