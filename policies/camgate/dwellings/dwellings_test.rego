package camgate.dwellings_test

import data.camgate.decision
import data.camgate.dwellings

now := "2026-11-28T21:14:00+01:00"

view(camera, action) := {
	"subject": {"id": "agent-042"},
	"action": action,
	"resource": {"camera": camera},
	"context": {"purpose": "securite-voie-publique", "time": now, "requisition": "REQ-2026-0042", "retention_days": 7},
}

rules_of(findings) := {f.rule | some f in findings}

cameras_with(masks) := object.union(data.cameras, {"cam-demo": object.union(data.cameras["cam-demo"], {"privacy_masks": masks})})

test_camera_with_masks_viewable if {
	dwellings.deny == set() with input as view("cam-demo", "view_live")
	decision.allow with input as view("cam-demo", "view_live")
}

test_empty_mask_list_means_surveyed_no_dwelling if {
	dwellings.deny == set() with input as view("cam-face", "view_live")
	decision.allow with input as view("cam-face", "view_live")
}

test_camera_without_masks_not_viewable if {
	rules_of(dwellings.deny) == {"camgate.dwellings.masks_undefined"} with input as view("cam-nomask", "view_live")
	not decision.allow with input as view("cam-nomask", "view_live")
}

# Masks apply in every view, raw included: an unmasked camera cannot be seen raw either.
test_camera_without_masks_not_viewable_raw if {
	inp := view("cam-nomask", "view_raw")
	rules_of(dwellings.deny) == {"camgate.dwellings.masks_undefined"} with input as inp
	not decision.allow with input as inp
}

test_camera_without_masks_not_exported if {
	"camgate.dwellings.masks_undefined" in decision.rules with input as view("cam-nomask", "export_clip")
}

test_masks_not_a_list_denied if {
	rules_of(dwellings.deny) == {"camgate.dwellings.masks_invalid"} with input as view("cam-demo", "view_live")
		with data.cameras as cameras_with("top right")
}

test_polygon_with_two_points_denied if {
	masks := [{"label": "window", "polygon": [[0, 0], [1, 1]]}]
	rules_of(dwellings.deny) == {"camgate.dwellings.masks_invalid"} with input as view("cam-demo", "view_live")
		with data.cameras as cameras_with(masks)
}

test_mask_without_polygon_denied if {
	masks := [{"label": "window"}]
	rules_of(dwellings.deny) == {"camgate.dwellings.masks_invalid"} with input as view("cam-demo", "view_live")
		with data.cameras as cameras_with(masks)
	not decision.allow with input as view("cam-demo", "view_live") with data.cameras as cameras_with(masks)
}

test_pixel_coordinates_denied if {
	masks := [{"label": "window", "polygon": [[0, 0], [640, 0], [640, 120]]}]
	some f in dwellings.deny with input as view("cam-demo", "view_live") with data.cameras as cameras_with(masks)
	contains(f.reason, "normalised")
}

test_unlabelled_mask_denied if {
	masks := [{"polygon": [[0, 0], [0.5, 0], [0.5, 0.5]]}]
	some f in dwellings.deny with input as view("cam-demo", "view_live") with data.cameras as cameras_with(masks)
	contains(f.reason, "#0")
	contains(f.reason, "label")
}

test_valid_custom_mask_accepted if {
	masks := [{"label": "door", "polygon": [[0, 0.5], [0.1, 0.5], [0.1, 1], [0, 1]]}]
	dwellings.deny == set() with input as view("cam-demo", "view_live") with data.cameras as cameras_with(masks)
}

test_no_mask_check_without_camera_action if {
	dwellings.deny == set() with input as view("cam-nomask", "health")
}
