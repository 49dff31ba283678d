package camgate.agents_test

import data.camgate.agents
import data.camgate.decision

now := "2026-11-28T21:14:00+01:00"

view(subject, camera) := {
	"subject": {"id": subject},
	"action": "view_live",
	"resource": {"camera": camera},
	"context": {"purpose": "securite-voie-publique", "time": now},
}

rules_of(findings) := {f.rule | some f in findings}

test_operator_allowed_in_own_zone if {
	rules_of(agents.allow) == {"camgate.agents.role_permits"} with input as view("agent-042", "cam-demo")
	agents.deny == set() with input as view("agent-042", "cam-demo")
}

test_operator_denied_outside_zone if {
	rules_of(agents.deny) == {"camgate.agents.outside_zone"} with input as view("agent-107", "cam-demo")
	agents.allow == set() with input as view("agent-107", "cam-demo")
}

test_operator_of_gare_allowed_on_gare if {
	decision.allow with input as view("agent-107", "cam-gare")
}

test_unknown_subject_denied if {
	rules_of(agents.deny) == {"camgate.agents.unknown_subject"} with input as view("intruder", "cam-demo")
	not decision.allow with input as view("intruder", "cam-demo")
}

test_claimed_roles_do_not_grant_access if {
	inp := object.union(view("auditor-1", "cam-demo"), {"subject": {"roles": ["operator"]}})
	rules_of(agents.deny) == {"camgate.agents.role_forbids", "camgate.agents.outside_zone", "camgate.agents.not_designated"} with input as inp
}

test_role_without_action_denied if {
	inp := object.union(view("vms-csu", "cam-demo"), {"action": "export_clip", "context": {"retention_days": 7}})
	rules_of(agents.deny) == {"camgate.agents.role_forbids"} with input as inp
	not decision.allow with input as inp
}

test_consumer_views_live if {
	decision.allow with input as view("vms-csu", "cam-gare")
}

test_undesignated_agent_denied if {
	rules_of(agents.deny) == {"camgate.agents.not_designated"} with input as view("agent-undesignated", "cam-demo")
	not decision.allow with input as view("agent-undesignated", "cam-demo")
}

test_designation_not_needed_for_health if {
	inp := object.union(view("agent-undesignated", "cam-demo"), {"action": "health"})
	decision.allow with input as inp
}

test_zone_mismatch_denied if {
	inp := object.union(view("agent-042", "cam-demo"), {"resource": {"zone": "gare"}})
	rules_of(agents.deny) == {"camgate.agents.zone_mismatch"} with input as inp
}

test_matching_zone_accepted if {
	decision.allow with input as object.union(view("agent-042", "cam-demo"), {"resource": {"zone": "centre-ville"}})
}

test_list_cameras_allowed_for_operator if {
	decision.allow with input as object.union(view("agent-042", "cam-demo"), {"action": "list_cameras", "resource": {"camera": null}})
}

test_reason_names_subject_and_camera if {
	some f in agents.allow with input as view("agent-042", "cam-demo")
	contains(f.reason, "agent-042")
	contains(f.reason, "cam-demo")
}

metrics_read(subject) := {
	"subject": {"id": subject},
	"action": "metrics",
	"resource": {"metrics": "gateway"},
	"context": {"time": now},
}

test_metrics_role_may_read_metrics if {
	decision.allow with input as metrics_read("metrics-local")
}

test_operator_may_not_read_metrics if {
	rules_of(agents.deny) == {"camgate.agents.role_forbids"} with input as metrics_read("agent-042")
	not decision.allow with input as metrics_read("agent-042")
}

test_metrics_role_gets_no_video if {
	"camgate.agents.role_forbids" in rules_of(agents.deny) with input as view("metrics-local", "cam-demo")
	not decision.allow with input as view("metrics-local", "cam-demo")
}
