package camgate.biometrics_test

import data.camgate.biometrics
import data.camgate.config
import data.camgate.decision

now := "2026-11-28T21:14:00+01:00"

view(subject, capabilities, purpose) := {
	"subject": {"id": subject, "capabilities": capabilities},
	"action": "view_live",
	"resource": {"camera": "cam-demo"},
	"context": {"purpose": purpose, "time": now},
}

rules_of(findings) := {f.rule | some f in findings}

clean_config := {
	"cameras": [{"id": "cam-demo", "url": "rtsp://127.0.0.1:8554/demo", "zone": "centre-ville"}],
	"modules": [{"name": "redaction", "capabilities": ["face_detection", "plate_detection", "redaction"]}],
	"destinations": [],
	"consumers": [{"id": "vms-csu", "capabilities": ["display"]}],
	"retention": {"snapshots_days": 7, "exports_days": 30},
}

test_face_detection_for_redaction_allowed if {
	biometrics.deny == set() with input as view("agent-042", ["face_detection"], "securite-voie-publique")
	decision.allow with input as view("agent-042", ["face_detection"], "securite-voie-publique")
}

test_registered_face_recognition_consumer_denied if {
	inp := view("vms-faceid", [], "securite-voie-publique")
	rules_of(biometrics.deny) == {"camgate.biometrics.forbidden_capability"} with input as inp
	not decision.allow with input as inp
}

test_face_recognition_consumer_denied_even_for_health if {
	inp := object.union(view("vms-faceid", [], null), {"action": "health"})
	not decision.allow with input as inp
}

test_declared_face_embedding_denied if {
	inp := view("agent-042", ["Face-Embedding"], "securite-voie-publique")
	rules_of(biometrics.deny) == {"camgate.biometrics.forbidden_capability"} with input as inp
	not decision.allow with input as inp
}

test_biometric_identification_purpose_denied if {
	inp := view("agent-042", [], "identification")
	rules_of(biometrics.deny) == {"camgate.biometrics.forbidden_purpose"} with input as inp
	rules_of(biometrics.deny) == {"camgate.biometrics.forbidden_purpose"} with input as view("agent-042", [], "biometric matching")
	not decision.allow with input as inp
}

test_clean_config_has_no_violation if {
	biometrics.config_violations == set() with input as clean_config
	config.violations == set() with input as clean_config
}

test_face_recognition_module_refused if {
	cfg := object.union(clean_config, {"modules": [{"name": "faceid", "capabilities": ["face_recognition"]}]})
	v := biometrics.config_violations with input as cfg
	count(v) == 1
	some msg in v
	contains(msg, "module faceid declares capability face_recognition")
	count(config.violations) == 1 with input as cfg
}

test_biometric_matching_consumer_refused if {
	cfg := object.union(clean_config, {"consumers": [{"id": "matcher", "capabilities": ["Biometric Matching"]}]})
	v := biometrics.config_violations with input as cfg
	some msg in v
	contains(msg, "consumer matcher declares capability biometric_matching")
}
