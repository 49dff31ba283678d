# METADATA
# title: Purposes (CSI L251-2)
# description: |
#   Every access to video names a purpose, the purpose is one of those the law lists
#   (Code de la sécurité intérieure, art. L251-2, data.purposes) and one of those the prefectoral
#   authorisation grants to that camera (data.cameras[_].purposes).
package camgate.purposes

import data.camgate.request

# Source: CSI L251-2 — video protection is lawful only for a listed purpose, so an access that
# names none cannot be checked against it.
deny contains {
	"rule": "camgate.purposes.missing",
	"reason": sprintf("action %v on camera %v names no purpose: context.purpose must be one of the camera's authorised purposes %v", [input.action, request.camera_id, object.get(request.camera, "purposes", [])]),
} if {
	input.action in request.video_actions
	not request.purpose
}

# Source: CSI L251-2 (closed list of purposes).
deny contains {
	"rule": "camgate.purposes.not_legal",
	"reason": sprintf("purpose %v is not one of the purposes CSI L251-2 lists (data.purposes: %v)", [request.purpose, sort(object.keys(data.purposes))]),
} if {
	input.action in request.video_actions
	not data.purposes[request.purpose]
}

# Source: CSI L251-2 and L252-1 (the prefectoral authorisation fixes each camera's purposes).
deny contains {
	"rule": "camgate.purposes.not_authorised",
	"reason": sprintf("purpose %v is not authorised for camera %v (authorised: %v)", [request.purpose, request.camera_id, object.get(request.camera, "purposes", [])]),
} if {
	input.action in request.video_actions
	request.camera
	not request.purpose in object.get(request.camera, "purposes", [])
}
