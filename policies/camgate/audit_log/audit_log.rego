# METADATA
# title: Reading the access log
# description: |
#   Who may read the tamper-evident access log through the gateway (checkpoints, inclusion and
#   consistency proofs, export of a bundle for offline verification): the auditor and the DPO.
#   Sources: RGPD art. 5(2) and 30 (accountability, register of processing), art. 39 (the DPO
#   monitors compliance), CSI L253-2 and L253-3 (control of video-protection systems by the
#   commission départementale and the CNIL).
package camgate.audit_log

import data.camgate.request

operations := {"checkpoint", "inclusion_proof", "consistency_proof", "export"}

# Kept in Rego, not data: who may read the access log must not be widened by a data edit.
reader_roles := {"auditor", "dpo"}

operation := input.context.operation

known_operation if operation in operations

reader if {
	some r in request.roles
	r in reader_roles
}

# Source: RGPD art. 5(2), 30, 39; CSI L253-2, L253-3.
allow contains {
	"rule": "camgate.audit_log.reader",
	"reason": sprintf("%v (roles %v) may read the access log (%v)", [request.subject_id, sort(request.roles), operation]),
} if {
	input.action == "audit_read"
	known_operation
	reader
}

deny contains {
	"rule": "camgate.audit_log.unknown_operation",
	"reason": sprintf("context.operation %v is not one of %v", [object.get(input, ["context", "operation"], null), sort(operations)]),
} if {
	input.action == "audit_read"
	not known_operation
}

deny contains {
	"rule": "camgate.audit_log.not_a_reader",
	"reason": sprintf("%v (roles %v) may not read the access log: only the auditor and the DPO may", [request.subject_id, sort(request.roles)]),
} if {
	input.action == "audit_read"
	not reader
}
