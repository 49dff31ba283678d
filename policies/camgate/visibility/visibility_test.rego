package camgate.visibility_test

import data.camgate.visibility

now := "2026-11-28T21:14:00+01:00"

listing(subject, at) := {"subject": {"id": subject}, "context": {"time": at}}

test_operator_sees_own_zone_cameras_with_masks if {
	# cam-nomask is in the zone but cannot be viewed; cam-gare is another zone.
	visibility.cameras == {"cam-demo", "cam-face"} with input as listing("agent-042", now)
}

test_gare_operator_sees_gare if {
	visibility.cameras == {"cam-gare"} with input as listing("agent-107", now)
}

test_consumer_sees_its_zones if {
	visibility.cameras == {"cam-demo", "cam-face", "cam-gare"} with input as listing("vms-csu", now)
}

test_face_recognition_consumer_sees_nothing if {
	visibility.cameras == set() with input as listing("vms-faceid", now)
}

test_dpo_sees_no_video if {
	visibility.cameras == set() with input as listing("dpo-1", now)
}

test_unknown_subject_sees_nothing if {
	visibility.cameras == set() with input as listing("intruder", now)
}

test_vendor_sees_window_scope_only_inside_window if {
	visibility.cameras == set() with input as listing("vendor-acme", now)
	visibility.cameras == {"cam-demo"} with input as listing("vendor-acme", "2031-03-04T09:00:00+01:00")
}

test_listing_needs_time if {
	visibility.cameras == set() with input as {"subject": {"id": "agent-042"}}
}
