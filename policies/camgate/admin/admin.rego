# METADATA
# title: Policy administration
# description: |
#   Only the data protection officer may read, propose, dry-run, publish or roll back the policy,
#   and see a camera's redacted picture to draw its dwelling masks (mask_snapshot, CSI L251-3);
#   an auditor may only read it. Sources: RGPD art. 38 and 39 (the DPO's tasks), art. 5(2)
#   (accountability: the controller must be able to show which rules applied).
package camgate.admin

import data.camgate.request

operations := {"read", "propose", "dry_run", "publish", "rollback", "mask_snapshot"}

# Kept in Rego, not data: who controls the policy must not be widened by a data edit.
role_operations := {
	"dpo": operations,
	"auditor": {"read"},
}

operation := input.context.operation

# Helpers rather than `not operation in ...`: OPA evaluates the operand outside the negation, so
# with no operation at all the negated form would be undefined instead of true.
known_operation if operation in operations

operation_permitted if operation in permitted

permitted contains op if {
	some r in request.roles
	some op in role_operations[r]
}

# Source: RGPD art. 38/39.
allow contains {
	"rule": "camgate.admin.role_permits",
	"reason": sprintf("%v (roles %v) may %v the policy %v", [request.subject_id, sort(request.roles), operation, input.resource.policy]),
} if {
	input.action == "admin_policy"
	operation in permitted
}

deny contains {
	"rule": "camgate.admin.unknown_operation",
	"reason": sprintf("context.operation %v is not one of %v", [object.get(input, ["context", "operation"], null), sort(operations)]),
} if {
	input.action == "admin_policy"
	not known_operation
}

deny contains {
	"rule": "camgate.admin.unknown_policy",
	"reason": sprintf("resource.policy %v is not a policy camgate administers (expected \"camgate\")", [object.get(input, ["resource", "policy"], null)]),
} if {
	input.action == "admin_policy"
	input.resource.policy != "camgate"
}

deny contains {
	"rule": "camgate.admin.unknown_policy",
	"reason": "resource.policy is missing; admin_policy acts on {\"policy\": \"camgate\"}",
} if {
	input.action == "admin_policy"
	not input.resource.policy
}

# Source: RGPD art. 38/39 — only the DPO changes the rules; an auditor reads.
deny contains {
	"rule": "camgate.admin.operation_forbidden",
	"reason": sprintf("%v (roles %v) may not %v the policy: only the DPO may propose, dry-run, publish or roll back, an auditor may only read", [request.subject_id, sort(request.roles), operation]),
} if {
	input.action == "admin_policy"
	request.account
	operation in operations
	not operation_permitted
}
