package camgate_test

import data.camgate.decision

now := "2026-11-28T21:14:00+01:00"

live := {
	"subject": {"id": "agent-042", "roles": ["operator"], "org": "police-municipale", "capabilities": []},
	"action": "view_live",
	"resource": {"camera": "cam-demo", "zone": "centre-ville"},
	"context": {"purpose": "securite-voie-publique", "requisition": null, "time": now, "client": {"ip": "127.0.0.1"}, "destination": null, "retention_days": null, "legal_hold": null},
}

with_context(extra) := object.union(live, {"context": object.union(live.context, extra)})

test_operator_views_redacted_live_video if {
	d := decision with input as live
	d.allow == true
	d.redact == {"faces": true, "plates": true}
	d.rules == ["camgate.agents.role_permits"]
	d.obligations.max_duration_s == 3600
	count(d.reasons) == 1
}

test_default_deny_when_no_rule_allows if {
	# A known subject and action, nothing denies and nothing allows: the default deny speaks.
	d := decision with input as live with data.camgate.agents.allow as set()
	d.allow == false
	d.rules == ["camgate.default_deny"]
	startswith(d.reasons[0], "default deny")
	d.obligations.max_duration_s == 0
}

test_explicit_deny_beats_allow if {
	d := decision with input as with_context({"purpose": "prevention-terrorisme"})
	d.allow == false
	d.rules == ["camgate.purposes.not_authorised"]
}

test_every_denial_is_reported if {
	d := decision with input as object.union(live, {"subject": {"id": "agent-107"}, "context": {"purpose": "xx", "time": now}})
	d.allow == false
	d.rules == ["camgate.agents.outside_zone", "camgate.purposes.not_authorised", "camgate.purposes.not_legal"]
	count(d.reasons) == 3
}

test_raw_view_unredacted_only_when_allowed if {
	d := decision with input as object.union(with_context({"requisition": "REQ-2026-0042"}), {"action": "view_raw"})
	d.allow == true
	d.redact == {"faces": false, "plates": false}
	d.obligations.max_duration_s == 1800
}

test_denied_raw_view_stays_redacted if {
	d := decision with input as object.union(live, {"action": "view_raw"})
	d.allow == false
	d.redact == {"faces": true, "plates": true}
}

test_duration_cap_defaults_to_an_hour_without_setting if {
	d := decision with input as live with data.settings as {}
	d.obligations.max_duration_s == 3600
}

test_duration_cap_from_settings if {
	d := decision with input as object.union(live, {"action": "health", "resource": {}})
	d.allow == true
	d.obligations.max_duration_s == 60
}
