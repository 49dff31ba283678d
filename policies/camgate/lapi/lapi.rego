# METADATA
# title: No automatic plate reading for municipal police
# description: |
#   Automatic licence plate reading (LAPI) is reserved to the national police, the gendarmerie
#   and customs (Code de la sécurité intérieure, art. L233-1 and L233-1-1); municipal police is not
#   among the authorities allowed to run it (Conseil d'État, 27 juin 2016, Commune de
#   Gujan-Mestras, n° 385091; CNIL, avertissement à la commune de Valenciennes, 12 mai 2021).
#   Plate *detection* to redact plates stays allowed.
package camgate.lapi

import data.camgate.request

# Kept in Rego, not data: see camgate.biometrics.
plate_reading := {
	"plate_reading",
	"plate_recognition",
	"lapi",
	"anpr",
	"alpr",
	"license_plate_recognition",
	"licence_plate_recognition",
	"lecture_automatisee_plaques",
	"lecture_automatisee_des_plaques",
	"lecture_plaques",
}

municipal if {
	some org in request.orgs
	data.organisations[org].kind == "police_municipale"
}

declared contains c if {
	some c in request.capabilities
	c in plate_reading
}

declared contains request.normalise(request.purpose) if request.normalise(request.purpose) in plate_reading

# Source: CSI L233-1; CE 27 juin 2016 n° 385091; CNIL avertissement Valenciennes 12 mai 2021.
deny contains {
	"rule": "camgate.lapi.municipal_police",
	"reason": sprintf("%v (municipal police) asks for automatic plate reading (%v): municipal police is not authorised to run LAPI (CSI L233-1; CNIL warning to Valenciennes, 2021)", [request.subject_id, sort(declared)]),
} if {
	municipal
	count(declared) > 0
}

# Source: as above. A camgate deployment is run by a commune for its municipal police, so a
# plate-reading module or consumer has no lawful use here.
config_violations contains sprintf("[camgate.lapi.config] %v %v declares capability %v: a commune's video protection may not read plates automatically (CSI L233-1; CNIL warning to Valenciennes, 2021); remove it from the configuration", [kind, name, capability]) if {
	some kind, entries in {"module": input.modules, "consumer": input.consumers}
	some entry in entries
	name := object.get(entry, "name", object.get(entry, "id", "(unnamed)"))
	some c in entry.capabilities
	capability := request.normalise(c)
	capability in plate_reading
}
