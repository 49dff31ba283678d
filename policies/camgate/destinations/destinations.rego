# METADATA
# title: No links to government databases; outbound destinations allow-listed
# description: |
#   Every outbound destination (exports, webhooks, consumer callbacks) must be on the city's
#   allow-list (data.destinations: url_prefix and kinds). A destination whose name or URL names a
#   known government database, or whose host belongs to its operator, is refused even when
#   allow-listed: video protection may not be interconnected with such files.
#   Sources: CSI L251-2 and L252-2 (closed purposes and recipients), RGPD art. 5(1)(b) (purpose
#   limitation) and the decree or article creating each file, cited in government_databases.
package camgate.destinations

# Kept in Rego, not data: an interconnection ban must not be switched off by a data edit.
# Matched as whole words (lower case, split on anything not a letter or digit) in the
# destination's name and URL.
government_databases := {
	"siv": "Système d'immatriculation des véhicules (Code de la route, art. L330-1 s.; arrêté du 10 février 2009)",
	"snpc": "Système national des permis de conduire (Code de la route, art. L225-1 s.)",
	"fpr": "Fichier des personnes recherchées (décret n° 2010-569 du 28 mai 2010)",
	"taj": "Traitement d'antécédents judiciaires (Code de procédure pénale, art. 230-6 s. et R40-23 s.)",
	"foves": "Fichier des objets et des véhicules signalés (arrêté du 7 juillet 2017)",
	"fijais": "Fichier judiciaire national automatisé des auteurs d'infractions sexuelles ou violentes (Code de procédure pénale, art. 706-53-1 s.)",
	"fnaeg": "Fichier national automatisé des empreintes génétiques (Code de procédure pénale, art. 706-54 s.)",
	"faed": "Fichier automatisé des empreintes digitales (décret n° 87-249 du 8 avril 1987)",
	"tes": "Titres électroniques sécurisés, which holds facial images (décret n° 2016-1460 du 28 octobre 2016)",
	"sis": "Système d'information Schengen (règlement (UE) 2018/1862)",
}

# Hosts of the operators of those files reachable from the Internet; any subdomain matches.
government_hosts := {"ants.gouv.fr": "Agence nationale des titres sécurisés, operator of SIV, SNPC and TES"}

words(s) := {w | some w in regex.split(`[^a-z0-9]+`, lower(s)); w != ""} if is_string(s)

host(url) := h if {
	is_string(url)
	m := regex.find_all_string_submatch_n(`^[a-z][a-z0-9+.\-]*://(?:[^/?#@]*@)?([^/?#:]+)`, lower(url), 1)
	h := m[0][1]
}

# government_match(dest) names the government files a destination {name, url} points to.
government_match(dest) := {sprintf("%v: %v", [upper(w), government_databases[w]]) |
	some field in ["name", "url"]
	some w in words(object.get(dest, field, ""))
	government_databases[w]
} | {sprintf("%v: %v", [suffix, government_hosts[suffix]]) |
	h := host(dest.url)
	some suffix, _ in government_hosts
	host_matches(h, suffix)
}

host_matches(h, suffix) if h == suffix

host_matches(h, suffix) if endswith(h, concat("", [".", suffix]))

# allow_listed(url, kind) is true when a data.destinations entry of that kind prefixes the URL.
# Prefixes end with "/" so https://a.example/ does not admit https://a.example.evil.test/.
allow_listed(url, kind) if {
	some entry in data.destinations
	kind in entry.kinds
	startswith(url, entry.url_prefix)
}

destination := input.context.destination if is_object(input.context.destination)

# Decisions: an export goes to an "export" destination; any other action may name a webhook or
# callback destination.
decision_kinds := {"export"} if {
	input.action == "export_clip"
} else := {"webhook", "callback"}

# Source: CSI L252-2 (recipients of the images are limited), RGPD art. 5(1)(b).
deny contains {
	"rule": "camgate.destinations.not_allow_listed",
	"reason": sprintf("destination %v is not on the allow-list for %v (data.destinations); ask the DPO to add it", [object.get(destination, "url", null), sort(decision_kinds)]),
} if {
	destination
	not decision_allow_listed
}

decision_allow_listed if {
	some kind in decision_kinds
	allow_listed(destination.url, kind)
}

# Source: decree or article of each file in government_databases.
deny contains {
	"rule": "camgate.destinations.government_database",
	"reason": sprintf("destination %v points to a government database (%v): video protection may not be linked to it, allow-listed or not", [object.get(destination, "url", null), match]),
} if {
	some match in government_match(destination)
}

# A destination that is present but not an object is malformed: fail closed.
deny contains {
	"rule": "camgate.destinations.malformed",
	"reason": sprintf("context.destination must be null or {\"url\", \"name\"}, found %v", [input.context.destination]),
} if {
	input.context.destination != null
	not is_object(input.context.destination)
}

# Configuration: every destination and every consumer callback.
configured contains {"what": sprintf("destination %v", [object.get(d, "name", "(unnamed)")]), "dest": d, "kind": object.get(d, "kind", "(no kind)")} if {
	some d in input.destinations
}

configured contains {"what": sprintf("callback of consumer %v", [object.get(c, "id", "(unnamed)")]), "dest": {"url": c.callback, "name": object.get(c, "id", "")}, "kind": "callback"} if {
	some c in input.consumers
	c.callback
}

config_violations contains sprintf("[camgate.destinations.config] %v (%v, kind %v) is not on the allow-list (data.destinations); ask the DPO to add it or remove it", [entry.what, object.get(entry.dest, "url", null), entry.kind]) if {
	some entry in configured
	not configured_allow_listed(entry)
}

configured_allow_listed(entry) if allow_listed(entry.dest.url, entry.kind)

config_violations contains sprintf("[camgate.destinations.config] %v (%v) points to a government database (%v): video protection may not be linked to it; remove it", [entry.what, object.get(entry.dest, "url", null), match]) if {
	some entry in configured
	some match in government_match(entry.dest)
}
