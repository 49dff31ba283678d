package camgate.admin_test

import data.camgate.admin
import data.camgate.decision

now := "2026-11-28T21:14:00+01:00"

admin_op(subject, operation) := {
	"subject": {"id": subject},
	"action": "admin_policy",
	"resource": {"policy": "camgate"},
	"context": {"operation": operation, "time": now},
}

rules_of(findings) := {f.rule | some f in findings}

test_dpo_may_do_every_operation if {
	every op in ["read", "propose", "dry_run", "publish", "rollback", "mask_snapshot"] {
		decision.allow with input as admin_op("dpo-1", op)
	}
}

test_auditor_may_read if {
	rules_of(admin.allow) == {"camgate.admin.role_permits"} with input as admin_op("auditor-1", "read")
	decision.allow with input as admin_op("auditor-1", "read")
}

test_auditor_may_not_publish if {
	inp := admin_op("auditor-1", "publish")
	rules_of(admin.deny) == {"camgate.admin.operation_forbidden"} with input as inp
	not decision.allow with input as inp
}

# The picture a DPO draws dwelling masks on is video: an auditor, who may read the policy, does not get it.
test_auditor_may_not_see_a_mask_snapshot if {
	inp := admin_op("auditor-1", "mask_snapshot")
	rules_of(admin.deny) == {"camgate.admin.operation_forbidden"} with input as inp
	not decision.allow with input as inp
}

test_operator_may_not_read_policy if {
	inp := admin_op("agent-042", "read")
	rules_of(admin.deny) == {"camgate.admin.operation_forbidden"} with input as inp
	not decision.allow with input as inp
}

test_vendor_may_not_rollback if {
	not decision.allow with input as admin_op("vendor-acme", "rollback")
}

test_unknown_operation_denied if {
	rules_of(admin.deny) == {"camgate.admin.unknown_operation"} with input as admin_op("dpo-1", "delete")
}

test_missing_operation_denied if {
	inp := object.remove(admin_op("dpo-1", "read"), ["context"])
	"camgate.admin.unknown_operation" in rules_of(admin.deny) with input as inp
	not decision.allow with input as inp
}

test_other_policy_denied if {
	inp := object.union(admin_op("dpo-1", "read"), {"resource": {"policy": "other"}})
	rules_of(admin.deny) == {"camgate.admin.unknown_policy"} with input as inp
	not decision.allow with input as inp
}

test_missing_policy_denied if {
	inp := object.union(admin_op("dpo-1", "read"), {"resource": {"camera": "cam-demo", "policy": null}})
	rules_of(admin.deny) == {"camgate.admin.unknown_policy"} with input as object.remove(admin_op("dpo-1", "read"), ["resource"])
	rules_of(admin.deny) == {"camgate.admin.unknown_policy"} with input as inp
}
