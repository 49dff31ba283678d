# METADATA
# title: Configuration guard
# description: |
#   Evaluated on the gateway's effective configuration at start-up and on every change
#   (POST /v1/data/camgate/config/violations): a non-empty set stops start-up or rejects the
#   change. Gathers each concern's config_violations and checks the configuration's shape, so a
#   malformed configuration is refused rather than half-checked. Also checks the policy data the
#   gateway will rely on (data_violations), so a bad data edit stops start-up instead of quietly
#   denying or allowing.
package camgate.config

import data.camgate.biometrics
import data.camgate.destinations
import data.camgate.dwellings
import data.camgate.lapi
import data.camgate.retention

lists := ["cameras", "modules", "destinations", "consumers"]

violations := union({
	biometrics.config_violations,
	lapi.config_violations,
	destinations.config_violations,
	retention.config_violations,
	shape_violations,
	camera_violations,
	data_violations,
})

shape_violations contains sprintf("[camgate.config.shape] %v must be a list (possibly empty), found %v", [key, object.get(input, key, "nothing")]) if {
	some key in lists
	not is_list(key)
}

# Helpers instead of `not is_array(input[key])`, which is undefined (not true) for a missing key.
is_list(key) if is_array(input[key])

shape_violations contains sprintf("[camgate.config.shape] %v[%d] must be an object, found %v", [key, i, entry]) if {
	some key in lists
	some i, entry in input[key]
	not is_object(entry)
}

shape_violations contains sprintf("[camgate.config.shape] %v[%d] declares capabilities %v; they must be a list of strings", [key, i, entry.capabilities]) if {
	some key in ["modules", "consumers"]
	some i, entry in input[key]
	not capability_list(entry)
}

capability_list(entry) if {
	is_array(entry.capabilities)
	every c in entry.capabilities {
		is_string(c)
	}
}

# Source: CSI L251-2, L251-3 — a camera must be registered in policy data (authorised purposes,
# privacy masks) to be served; the configuration's zone must agree with it.
camera_violations contains sprintf("[camgate.config.unknown_camera] camera %v is not registered in policy data (data.cameras): its purposes and privacy masks are unknown; ask the DPO to register it or remove it", [object.get(c, "id", "(no id)")]) if {
	some c in input.cameras
	not registered(c)
}

registered(c) if data.cameras[c.id]

camera_violations contains sprintf("[camgate.config.zone_mismatch] camera %v has zone %v in the configuration but %v in policy data (data.cameras); make them agree", [c.id, object.get(c, "zone", null), data.cameras[c.id].zone]) if {
	some c in input.cameras
	object.get(c, "zone", null) != data.cameras[c.id].zone
}

# Policy data consistency. Source: CSI L251-2 (a camera's purposes are legal purposes), L251-3
# (masks the gateway can draw), L252-2 (roles that exist).
data_violations contains sprintf("[camgate.config.data] camera %v has purpose %v, which is not in data.purposes (CSI L251-2); fix data/cameras.json", [id, p]) if {
	some id, camera in data.cameras
	some p in camera.purposes
	not data.purposes[p]
}

data_violations contains sprintf("[camgate.config.data] camera %v has no zone (a string); fix data/cameras.json", [id]) if {
	some id, camera in data.cameras
	not zoned(camera)
}

data_violations contains sprintf("[camgate.config.data] camera %v has an invalid privacy mask %v: %v; fix data/cameras.json", [id, object.get(mask, "label", i), dwellings.mask_problem(mask)]) if {
	some id, camera in data.cameras
	some i, mask in camera.privacy_masks
}

data_violations contains sprintf("[camgate.config.data] %v has role %v, which is not in data.roles; fix data/%v.json", [id, role, register]) if {
	some register in ["agents", "consumers"]
	some id, account in data[register]
	some role in account.roles
	not data.roles[role]
}

data_violations contains sprintf("[camgate.config.data] destination %v has url_prefix %v; it must start with https:// and end with /; fix data/destinations.json", [name, object.get(entry, "url_prefix", null)]) if {
	some name, entry in data.destinations
	not safe_prefix(entry)
}

# Source: CPP art. 60-1 / 77-1-1 — a requisition is addressed to named, registered agents.
data_violations contains sprintf("[camgate.config.data] requisition %v names no beneficiary: list the agent ids it is addressed to in subjects; fix data/requisitions.json", [ref]) if {
	some ref, requisition in data.requisitions
	count(object.get(requisition, "subjects", [])) == 0
}

data_violations contains sprintf("[camgate.config.data] requisition %v names %v, which is not an agent in data.agents; fix data/requisitions.json", [ref, s]) if {
	some ref, requisition in data.requisitions
	some s in object.get(requisition, "subjects", [])
	not data.agents[s]
}

zoned(camera) if is_string(camera.zone)

safe_prefix(entry) if {
	startswith(entry.url_prefix, "https://")
	endswith(entry.url_prefix, "/")
}
