# METADATA
# title: Camera listing
# description: |
#   The ids of the cameras a subject may see (POST /v1/data/camgate/visibility/cameras with
#   input {subject, context}). A camera is listed when the full decision would allow viewing it
#   for at least one of its authorised purposes: view_live for agents and consumers, maintenance
#   for vendor accounts (their open windows' scope). So a camera without privacy masks, outside
#   the subject's zones, or for a refused subject (biometric capability...) is never listed.
#   context.time is required, as for decisions.
package camgate.visibility

import data.camgate.request

probe_action := "maintenance" if request.account.kind == "vendor"

else := "view_live"

cameras contains id if {
	some id, camera in data.cameras
	some purpose in camera.purposes
	probe := {
		"subject": input.subject,
		"action": probe_action,
		"resource": {"camera": id},
		"context": object.union(object.get(input, "context", {}), {"purpose": purpose, "requisition": null, "destination": null, "retention_days": null, "legal_hold": null}),
	}
	data.camgate.decision.allow with input as probe
}
