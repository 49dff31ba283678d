package camgate.destinations_test

import data.camgate.config
import data.camgate.decision
import data.camgate.destinations

now := "2026-11-28T21:14:00+01:00"

export_to(destination) := {
	"subject": {"id": "agent-042"},
	"action": "export_clip",
	"resource": {"camera": "cam-demo"},
	"context": {"purpose": "securite-voie-publique", "time": now, "retention_days": 30, "destination": destination},
}

rules_of(findings) := {f.rule | some f in findings}

clean_config := {
	"cameras": [],
	"modules": [],
	"destinations": [
		{"name": "archives-pm", "url": "https://archives.ville.example/exports/pm", "kind": "export"},
		{"name": "csu-alarms", "url": "https://csu.ville.example/hooks/alarms", "kind": "webhook"},
	],
	"consumers": [{"id": "vms-csu", "capabilities": ["display"], "callback": "https://csu.ville.example/hooks/vms"}],
	"retention": {"snapshots_days": 7, "exports_days": 30},
}

test_allow_listed_export_allowed if {
	inp := export_to({"url": "https://archives.ville.example/exports/2026/clip-1.mp4", "name": "archives"})
	destinations.deny == set() with input as inp
	decision.allow with input as inp
}

test_download_without_destination_allowed if {
	destinations.deny == set() with input as export_to(null)
}

test_export_to_unlisted_host_denied if {
	inp := export_to({"url": "https://dropbox.example/upload", "name": "dropbox"})
	rules_of(destinations.deny) == {"camgate.destinations.not_allow_listed"} with input as inp
	not decision.allow with input as inp
}

test_prefix_trick_denied if {
	inp := export_to({"url": "https://archives.ville.example.evil.test/exports/", "name": "archives"})
	rules_of(destinations.deny) == {"camgate.destinations.not_allow_listed"} with input as inp
}

test_export_to_webhook_prefix_denied if {
	# Allow-listed, but only as a webhook: an export may not go there.
	inp := export_to({"url": "https://csu.ville.example/hooks/x", "name": "csu"})
	rules_of(destinations.deny) == {"camgate.destinations.not_allow_listed"} with input as inp
}

test_government_database_name_denied_even_if_allow_listed if {
	inp := export_to({"url": "https://archives.ville.example/exports/siv/", "name": "relais SIV"})
	rules_of(destinations.deny) == {"camgate.destinations.government_database"} with input as inp
	not decision.allow with input as inp
}

test_government_database_host_denied if {
	inp := export_to({"url": "https://api.immatriculation.ants.gouv.fr/v1/", "name": "ants"})
	rules_of(destinations.deny) == {"camgate.destinations.not_allow_listed", "camgate.destinations.government_database"} with input as inp
}

test_government_operator_apex_host_denied if {
	inp := export_to({"url": "https://ants.gouv.fr/", "name": "x"})
	"camgate.destinations.government_database" in rules_of(destinations.deny) with input as inp
}

test_each_named_file_recognised if {
	every acronym in ["SIV", "SNPC", "FPR", "TAJ", "FOVeS", "FIJAIS", "FNAEG", "FAED", "TES", "SIS"] {
		count(destinations.government_match({"name": sprintf("export %s", [acronym]), "url": "https://a.example/"})) == 1
	}
}

test_words_inside_other_words_not_matched if {
	# "taj" inside "tajine", "siv" inside "passive": whole words only.
	destinations.government_match({"name": "tajine passive", "url": "https://archives.ville.example/exports/"}) == set()
}

test_malformed_destination_denied if {
	inp := export_to("https://archives.ville.example/exports/")
	rules_of(destinations.deny) == {"camgate.destinations.malformed"} with input as inp
}

test_destination_without_url_denied if {
	rules_of(destinations.deny) == {"camgate.destinations.not_allow_listed"} with input as export_to({"name": "x"})
}

test_webhook_destination_on_other_action if {
	inp := object.union(export_to({"url": "https://csu.ville.example/hooks/x", "name": "csu"}), {"action": "view_live"})
	destinations.deny == set() with input as inp
}

test_clean_config_destinations if {
	destinations.config_violations == set() with input as clean_config
	config.violations == set() with input as clean_config
}

test_config_unlisted_destination_violates if {
	cfg := object.union(clean_config, {"destinations": [{"name": "leak", "url": "https://leak.example/", "kind": "export"}]})
	v := destinations.config_violations with input as cfg
	count(v) == 1
	some msg in v
	contains(msg, "destination leak")
}

test_config_government_destination_violates_even_if_allow_listed if {
	cfg := object.union(clean_config, {"destinations": [{"name": "fpr-sync", "url": "https://archives.ville.example/exports/fpr", "kind": "export"}]})
	v := destinations.config_violations with input as cfg
	count(v) == 1
	some msg in v
	contains(msg, "FPR")
}

test_config_consumer_callback_checked if {
	cfg := object.union(clean_config, {"consumers": [{"id": "vms-x", "capabilities": [], "callback": "https://taj.example/cb"}]})
	v := destinations.config_violations with input as cfg
	count(v) == 2
}

test_config_destination_without_url_violates if {
	cfg := object.union(clean_config, {"destinations": [{"name": "nowhere", "kind": "export"}]})
	count(destinations.config_violations) == 1 with input as cfg
}
