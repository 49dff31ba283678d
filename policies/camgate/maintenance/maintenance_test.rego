package camgate.maintenance_test

import data.camgate.decision
import data.camgate.maintenance

# No window is open now (one in 2025, one in 2031): tests move the clock with the input's time.
now := "2026-11-28T21:14:00+01:00"

in_window := "2031-03-04T09:00:00+01:00"

vendor(action, camera, at) := {
	"subject": {"id": "vendor-acme", "org": "acme-safe-city", "roles": ["vendor"]},
	"action": action,
	"resource": {"camera": camera},
	"context": {"time": at, "purpose": "securite-voie-publique", "requisition": "REQ-2026-0042", "retention_days": 7},
}

rules_of(findings) := {f.rule | some f in findings}

test_vendor_in_window_gets_redacted_video if {
	inp := vendor("maintenance", "cam-demo", in_window)
	maintenance.deny == set() with input as inp
	d := decision with input as inp
	d.allow
	d.redact == {"faces": true, "plates": true}
	d.obligations.max_duration_s == 3600
}

test_vendor_view_ends_with_window if {
	inp := vendor("maintenance", "cam-demo", "2031-03-04T11:50:00+01:00")
	decision.obligations.max_duration_s == 600 with input as inp
}

test_vendor_outside_window_denied if {
	inp := vendor("maintenance", "cam-demo", now)
	rules_of(maintenance.deny) == {"camgate.maintenance.no_window"} with input as inp
	not decision.allow with input as inp
}

test_vendor_after_past_window_denied if {
	inp := vendor("maintenance", "cam-gare", "2025-06-10T12:00:00+02:00")
	rules_of(maintenance.deny) == {"camgate.maintenance.no_window"} with input as inp
}

test_vendor_in_past_window_allowed_then if {
	decision.allow with input as vendor("maintenance", "cam-gare", "2025-06-10T11:00:00+02:00")
}

test_vendor_camera_out_of_scope_denied if {
	inp := vendor("maintenance", "cam-gare", in_window)
	rules_of(maintenance.deny) == {"camgate.maintenance.out_of_scope"} with input as inp
	not decision.allow with input as inp
}

test_vendor_never_raw if {
	inp := vendor("view_raw", "cam-demo", in_window)
	rules_of(maintenance.deny) == {"camgate.maintenance.action_forbidden"} with input as inp
	not decision.allow with input as inp
}

test_vendor_never_exports if {
	inp := vendor("export_clip", "cam-demo", in_window)
	rules_of(maintenance.deny) == {"camgate.maintenance.action_forbidden"} with input as inp
	not decision.allow with input as inp
}

test_vendor_health_in_window_allowed if {
	decision.allow with input as vendor("health", null, in_window)
}

test_vendor_health_outside_window_denied if {
	not decision.allow with input as vendor("health", null, now)
}

test_unapproved_window_ignored if {
	windows := {"MW-X": object.remove(data.maintenance_windows["MW-2031-003"], ["approver"])}
	inp := vendor("maintenance", "cam-demo", in_window)
	rules_of(maintenance.deny) == {"camgate.maintenance.no_window"} with input as inp with data.maintenance_windows as windows
}

test_operator_cannot_use_maintenance if {
	inp := object.union(vendor("maintenance", "cam-demo", in_window), {"subject": {"id": "agent-042"}})
	maintenance.deny == set() with input as inp
	not decision.allow with input as inp
}
