package camgate.config_test

import data.camgate.config

clean := {
	"cameras": [
		{"id": "cam-demo", "url": "rtsp://127.0.0.1:8554/demo", "zone": "centre-ville"},
		{"id": "cam-nomask", "url": "rtsp://127.0.0.1:8554/nomask", "zone": "centre-ville"},
	],
	"modules": [{"name": "redaction", "capabilities": ["face_detection", "plate_detection", "redaction"]}],
	"destinations": [{"name": "archives-pm", "url": "https://archives.ville.example/exports/", "kind": "export"}],
	"consumers": [{"id": "vms-csu", "capabilities": ["display"]}],
	"retention": {"snapshots_days": 7, "exports_days": 30},
}

test_clean_configuration_has_no_violation if {
	config.violations == set() with input as clean
}

test_empty_configuration_is_malformed if {
	v := config.violations with input as {}
	count(v) == 6 # four missing lists, two missing retention settings
}

test_list_of_non_objects_violates if {
	v := config.violations with input as object.union(clean, {"modules": ["redaction"]})
	some msg in v
	contains(msg, "modules[0] must be an object")
}

test_capabilities_must_be_strings if {
	v := config.violations with input as object.union(clean, {"modules": [{"name": "m", "capabilities": "face_recognition"}]})
	some msg in v
	contains(msg, "must be a list of strings")
}

test_unknown_camera_violates if {
	v := config.violations with input as object.union(clean, {"cameras": [{"id": "cam-ghost", "url": "rtsp://x", "zone": "centre-ville"}]})
	count(v) == 1
	some msg in v
	contains(msg, "cam-ghost")
}

test_zone_mismatch_violates if {
	v := config.violations with input as object.union(clean, {"cameras": [{"id": "cam-gare", "url": "rtsp://x", "zone": "centre-ville"}]})
	count(v) == 1
	some msg in v
	contains(msg, "zone_mismatch")
}

test_every_concern_contributes if {
	bad := object.union(clean, {
		"modules": [{"name": "faceid", "capabilities": ["face_recognition", "lapi"]}],
		"destinations": [{"name": "siv", "url": "https://siv.example/", "kind": "export"}],
		"retention": {"snapshots_days": 45, "exports_days": 30},
	})
	v := config.violations with input as bad
	prefixes := {p | some msg in v; p := regex.find_n(`^\[[a-z_.]+\]`, msg, 1)[0]}
	prefixes == {"[camgate.biometrics.config]", "[camgate.lapi.config]", "[camgate.destinations.config]", "[camgate.retention.config]"}
}

test_demo_policy_data_is_consistent if {
	config.data_violations == set()
}

test_camera_with_illegal_purpose_violates if {
	cams := object.union(data.cameras, {"cam-demo": {"purposes": ["marketing"]}})
	v := config.violations with input as clean with data.cameras as cams
	count(v) == 1
	some msg in v
	contains(msg, "purpose marketing")
}

test_camera_without_zone_violates if {
	cams := object.union(data.cameras, {"cam-x": {"purposes": [], "privacy_masks": []}})
	v := config.data_violations with data.cameras as cams
	v == {"[camgate.config.data] camera cam-x has no zone (a string); fix data/cameras.json"}
}

test_camera_with_bad_mask_violates if {
	cams := object.union(data.cameras, {"cam-face": {"privacy_masks": [{"label": "door", "polygon": [[0, 0], [2, 0], [2, 2]]}]}})
	v := config.data_violations with data.cameras as cams
	some msg in v
	contains(msg, "cam-face has an invalid privacy mask door")
}

test_account_with_unknown_role_violates if {
	agents := object.union(data.agents, {"agent-042": {"roles": ["superuser"]}})
	v := config.data_violations with data.agents as agents
	v == {"[camgate.config.data] agent-042 has role superuser, which is not in data.roles; fix data/agents.json"}
}

test_unsafe_destination_prefix_violates if {
	dests := {"bad": {"url_prefix": "http://archives.ville.example", "kinds": ["export"]}}
	v := config.data_violations with data.destinations as dests
	count(v) == 1
}

test_requisition_without_beneficiary_violates if {
	reqs := {"REQ-X": object.remove(data.requisitions["REQ-2026-0042"], ["subjects"])}
	v := config.data_violations with data.requisitions as reqs
	v == {"[camgate.config.data] requisition REQ-X names no beneficiary: list the agent ids it is addressed to in subjects; fix data/requisitions.json"}
}

test_requisition_naming_unknown_agent_violates if {
	reqs := {"REQ-X": object.union(data.requisitions["REQ-2026-0042"], {"subjects": ["agent-042", "agent-999"]})}
	v := config.data_violations with data.requisitions as reqs
	v == {"[camgate.config.data] requisition REQ-X names agent-999, which is not an agent in data.agents; fix data/requisitions.json"}
}
