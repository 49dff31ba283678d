package camgate.retention_test

import data.camgate.config
import data.camgate.decision
import data.camgate.retention

now := "2026-11-28T21:14:00+01:00"

store(action, extra) := {
	"subject": {"id": "agent-042"},
	"action": action,
	"resource": {"camera": "cam-demo"},
	"context": object.union({"purpose": "securite-voie-publique", "time": now, "retention_days": null, "legal_hold": null}, extra),
}

rules_of(findings) := {f.rule | some f in findings}

clean_config := {
	"cameras": [],
	"modules": [],
	"destinations": [],
	"consumers": [],
	"retention": {"snapshots_days": 7, "exports_days": 30},
}

test_export_within_a_month_allowed if {
	retention.deny == set() with input as store("export_clip", {"retention_days": 30})
	decision.allow with input as store("export_clip", {"retention_days": 30})
}

test_snapshot_within_a_month_allowed if {
	decision.allow with input as store("snapshot", {"retention_days": 1})
}

test_export_beyond_a_month_denied if {
	rules_of(retention.deny) == {"camgate.retention.too_long"} with input as store("export_clip", {"retention_days": 31})
	not decision.allow with input as store("export_clip", {"retention_days": 31})
}

test_export_without_retention_denied if {
	rules_of(retention.deny) == {"camgate.retention.missing"} with input as store("export_clip", {})
	rules_of(retention.deny) == {"camgate.retention.missing"} with input as store("snapshot", {"retention_days": "7"})
}

# The gateway omitting the key altogether is as much a missing retention as sending null.
test_export_without_retention_key_denied if {
	inp := {"subject": {"id": "agent-042"}, "action": "export_clip", "resource": {"camera": "cam-demo"}, "context": {"purpose": "securite-voie-publique", "time": now}}
	rules_of(retention.deny) == {"camgate.retention.missing"} with input as inp
	not decision.allow with input as inp
}

test_fractional_or_zero_retention_denied if {
	rules_of(retention.deny) == {"camgate.retention.invalid"} with input as store("snapshot", {"retention_days": 0})
	rules_of(retention.deny) == {"camgate.retention.invalid"} with input as store("snapshot", {"retention_days": 2.5})
}

test_legal_hold_lifts_the_limit if {
	inp := store("export_clip", {"retention_days": 365, "legal_hold": "HOLD-2026-0003"})
	retention.deny == set() with input as inp
	decision.allow with input as inp
}

test_legal_hold_without_days_allowed if {
	retention.deny == set() with input as store("export_clip", {"legal_hold": "HOLD-2026-0003"})
}

test_unknown_hold_denied if {
	inp := store("export_clip", {"retention_days": 365, "legal_hold": "HOLD-9999"})
	rules_of(retention.deny) == {"camgate.retention.too_long", "camgate.retention.hold_invalid"} with input as inp
	some f in retention.deny with input as inp
	contains(f.reason, "not recorded")
}

test_lifted_hold_denied if {
	inp := store("export_clip", {"retention_days": 365, "legal_hold": "HOLD-2025-0001"})
	some f in retention.deny with input as inp
	f.rule == "camgate.retention.hold_invalid"
	contains(f.reason, "lifted")
}

test_hold_on_other_camera_denied if {
	inp := object.union(store("export_clip", {"retention_days": 365, "legal_hold": "HOLD-2026-0003"}), {"resource": {"camera": "cam-face"}})
	some f in retention.deny with input as inp
	f.rule == "camgate.retention.hold_invalid"
	contains(f.reason, "does not cover camera cam-face")
}

test_live_view_stores_nothing if {
	retention.deny == set() with input as store("view_live", {"retention_days": 400})
}

test_config_retention_within_a_month_clean if {
	retention.config_violations == set() with input as clean_config
	config.violations == set() with input as clean_config
}

test_config_retention_too_long_violates if {
	v := retention.config_violations with input as object.union(clean_config, {"retention": {"exports_days": 90}})
	count(v) == 1
	some msg in v
	contains(msg, "retention.exports_days is 90")
}

test_config_retention_missing_violates if {
	v := retention.config_violations with input as object.remove(clean_config, ["retention"])
	count(v) == 2
	some msg in v
	contains(msg, "missing")
}
