package camgate.lapi_test

import data.camgate.config
import data.camgate.decision
import data.camgate.lapi

now := "2026-11-28T21:14:00+01:00"

view(subject, capabilities, purpose) := {
	"subject": {"id": subject, "org": "police-municipale", "capabilities": capabilities},
	"action": "view_live",
	"resource": {"camera": "cam-demo"},
	"context": {"purpose": purpose, "time": now},
}

rules_of(findings) := {f.rule | some f in findings}

clean_config := {
	"cameras": [],
	"modules": [{"name": "redaction", "capabilities": ["face_detection", "plate_detection", "redaction"]}],
	"destinations": [],
	"consumers": [],
	"retention": {"snapshots_days": 7, "exports_days": 30},
}

test_municipal_agent_registered_for_plate_reading_denied if {
	inp := view("agent-lapi", [], "securite-voie-publique")
	rules_of(lapi.deny) == {"camgate.lapi.municipal_police"} with input as inp
	not decision.allow with input as inp
}

test_municipal_agent_declaring_lapi_denied if {
	inp := view("agent-042", ["ANPR"], "securite-voie-publique")
	rules_of(lapi.deny) == {"camgate.lapi.municipal_police"} with input as inp
}

test_municipal_agent_with_lapi_purpose_denied if {
	inp := view("agent-042", [], "lecture-automatisee-plaques")
	rules_of(lapi.deny) == {"camgate.lapi.municipal_police"} with input as inp
	not decision.allow with input as inp
}

test_municipal_agent_without_plate_reading_allowed if {
	lapi.deny == set() with input as view("agent-042", ["plate_detection"], "securite-voie-publique")
	decision.allow with input as view("agent-042", [], "securite-voie-publique")
}

test_non_municipal_org_not_matched_by_this_rule if {
	inp := object.union(view("vms-csu", ["plate_reading"], "securite-voie-publique"), {"subject": {"org": "ville"}})
	lapi.deny == set() with input as inp
}

test_plate_detection_module_clean if {
	lapi.config_violations == set() with input as clean_config
}

test_plate_reading_module_refused if {
	cfg := object.union(clean_config, {"modules": [{"name": "lapi", "capabilities": ["plate_reading"]}]})
	v := lapi.config_violations with input as cfg
	count(v) == 1
	count(config.violations) == 1 with input as cfg
}
