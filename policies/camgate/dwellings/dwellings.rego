# METADATA
# title: Dwellings (CSI L251-3)
# description: |
#   Cameras must not show the interior of homes nor, specifically, their entrances
#   (Code de la sécurité intérieure, art. L251-3). Each camera's privacy masks
#   (data.cameras[_].privacy_masks, polygons in normalised 0..1 frame coordinates) are applied by
#   the gateway in every view, raw included. A camera whose masks were never defined (no
#   privacy_masks key) cannot be viewed at all; an explicit empty list means the DPO surveyed the
#   view and found no dwelling in it.
package camgate.dwellings

import data.camgate.request

# Source: CSI L251-3 — without its masks the gateway cannot hide homes, so nothing is shown.
deny contains {
	"rule": "camgate.dwellings.masks_undefined",
	"reason": sprintf("camera %v has no privacy_masks defined: dwellings in its view cannot be masked (CSI L251-3), so it cannot be viewed until the DPO defines them ([] if the view shows no dwelling)", [request.camera_id]),
} if {
	input.action in request.camera_actions
	request.camera
	not "privacy_masks" in object.keys(request.camera)
}

# Source: CSI L251-3 — a mask the gateway cannot draw does not hide anything.
deny contains {
	"rule": "camgate.dwellings.masks_invalid",
	"reason": sprintf("camera %v has an invalid privacy mask %v: %v", [request.camera_id, label, problem]),
} if {
	input.action in request.camera_actions
	some invalid in invalid_masks
	label := invalid.mask
	problem := invalid.problem
}

# invalid_masks names each mask (by label, or by index when unlabelled) and what is wrong with it.
invalid_masks contains {"mask": "(all)", "problem": "privacy_masks must be a list of {label, polygon}"} if {
	"privacy_masks" in object.keys(request.camera)
	not masks_list
}

masks_list if is_array(request.camera.privacy_masks)

invalid_masks contains {"mask": key, "problem": mask_problem(mask)} if {
	some i, mask in request.camera.privacy_masks
	key := object.get(mask, "label", sprintf("#%d", [i]))
}

mask_problem(mask) := "polygon must be a list of at least 3 [x, y] points" if {
	not polygon_ok(mask)
} else := "each point must be [x, y] with 0 <= x, y <= 1 (normalised frame coordinates)" if {
	some point in mask.polygon
	not normalised_point(point)
} else := "label must be a non-empty string saying what the mask hides" if {
	not label_ok(mask)
}

polygon_ok(mask) if {
	is_array(mask.polygon)
	count(mask.polygon) >= 3
}

normalised_point(p) if {
	count(p) == 2
	every v in p {
		is_number(v)
		v >= 0
		v <= 1
	}
}

label_ok(mask) if {
	is_string(mask.label)
	trim_space(mask.label) != ""
}
