package camgate.audit_log_test

import data.camgate

time := "2026-11-28T21:14:00+01:00"

read(subject, operation) := {
	"subject": {"id": subject, "roles": [], "org": "", "capabilities": []},
	"action": "audit_read",
	"resource": {"audit": operation},
	"context": {"operation": operation, "time": time, "client": {"ip": "127.0.0.1"}},
}

test_auditor_reads_checkpoint_allowed if {
	d := camgate.decision with input as read("auditor-1", "checkpoint")
	d.allow
	"camgate.audit_log.reader" in d.rules
}

test_dpo_exports_allowed if {
	d := camgate.decision with input as read("dpo-1", "export")
	d.allow
}

test_operator_reads_log_denied if {
	d := camgate.decision with input as read("agent-042", "export")
	not d.allow
	"camgate.audit_log.not_a_reader" in d.rules
}

test_vendor_reads_log_denied if {
	d := camgate.decision with input as read("vendor-acme", "checkpoint")
	not d.allow
	"camgate.audit_log.not_a_reader" in d.rules
}

test_unknown_operation_denied if {
	d := camgate.decision with input as read("auditor-1", "delete")
	not d.allow
	"camgate.audit_log.unknown_operation" in d.rules
}
