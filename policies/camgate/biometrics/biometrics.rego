# METADATA
# title: No facial recognition, no biometric identification
# description: |
#   A consumer, module or request that declares face recognition, face embedding, biometric
#   matching or identification as its capability or purpose is refused, and the configuration
#   guard refuses to start such a module. Face *detection* (to redact faces) stays allowed.
#   Sources: Regulation (EU) 2024/1689 (AI Act) art. 5(1)(h) (real-time remote biometric
#   identification in publicly accessible spaces), art. 5(1)(e) (facial recognition databases)
#   and art. 5(1)(g) (biometric categorisation); loi n° 2023-380 du 19 mai 2023 relative aux jeux
#   Olympiques et Paralympiques de 2024, art. 10 (the algorithmic video trial uses no biometric
#   identification system, processes no biometric data and uses no facial recognition);
#   RGPD art. 9 (biometric data for identification is a special category).
package camgate.biometrics

import data.camgate.request

# Kept in Rego, not data: a legal ban must not be switched off by a data edit.
# Names are normalised (lower case, "_" for separators) by request.normalise.
forbidden := {
	"face_recognition",
	"facial_recognition",
	"reconnaissance_faciale",
	"face_embedding",
	"face_embeddings",
	"face_matching",
	"face_identification",
	"face_verification",
	"biometric_matching",
	"biometric_identification",
	"identification_biometrique",
	"biometric_categorisation",
	"biometric_categorization",
	"identification",
	"person_identification",
	"person_reidentification",
}

# Source: AI Act art. 5(1)(h); loi 2023-380 art. 10.
deny contains {
	"rule": "camgate.biometrics.forbidden_capability",
	"reason": sprintf("%v declares capability %v: facial recognition and biometric identification are forbidden (AI Act art. 5; loi n° 2023-380 art. 10)", [request.subject_id, capability]),
} if {
	some capability in request.capabilities
	capability in forbidden
}

# Source: AI Act art. 5(1)(h); loi 2023-380 art. 10.
deny contains {
	"rule": "camgate.biometrics.forbidden_purpose",
	"reason": sprintf("purpose %v is facial recognition or biometric identification, which is forbidden (AI Act art. 5; loi n° 2023-380 art. 10)", [request.purpose]),
} if {
	request.normalise(request.purpose) in forbidden
}

# Source: AI Act art. 5; loi 2023-380 art. 10 — the gateway refuses to start such a module or
# to serve such a consumer.
config_violations contains sprintf("[camgate.biometrics.config] %v %v declares capability %v: facial recognition and biometric identification are forbidden (AI Act art. 5; loi n° 2023-380 art. 10); remove it from the configuration", [kind, name, capability]) if {
	some kind, entries in {"module": input.modules, "consumer": input.consumers}
	some entry in entries
	name := object.get(entry, "name", object.get(entry, "id", "(unnamed)"))
	some c in entry.capabilities
	capability := request.normalise(c)
	capability in forbidden
}
