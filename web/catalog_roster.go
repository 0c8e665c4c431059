package web

// Strings of the clinic's roster (« patients inscrits »), in the clinic
// portal.
func init() {
	addTexts(map[string]text{
		"roster.title":           {"Patients inscrits", "Registered patients"},
		"roster.link":            {"Patients inscrits", "Registered patients"},
		"roster.intro":           {"Les patients inscrits à %s voient les plages réservées aux patients inscrits et les prennent sans frais, une fois connectés.", "Patients registered with %s see the times kept for registered patients and book them free of charge once signed in."},
		"roster.add":             {"Inscrire un patient", "Register a patient"},
		"roster.add.hint":        {"Le numéro d'assurance maladie retrouve le patient : il doit correspondre au nom et à la date de naissance.", "The health insurance number finds the patient: it must match the name and the date of birth."},
		"roster.add.submit":      {"Inscrire le patient", "Register the patient"},
		"roster.search":          {"Chercher un patient inscrit", "Find a registered patient"},
		"roster.search.hint":     {"Un nom, ou les derniers chiffres du numéro d'assurance maladie.", "A name, or the last digits of the health insurance number."},
		"roster.search.submit":   {"Chercher", "Search"},
		"roster.search.clear":    {"Voir tous les patients inscrits", "See every registered patient"},
		"roster.more":            {"Trop de patients pour les afficher tous (limite : %d) : précisez la recherche.", "Too many patients to show them all (limit: %d): narrow the search."},
		"roster.col.hn":          {"Assurance maladie (4 derniers chiffres)", "Health insurance (last 4 digits)"},
		"roster.col.added":       {"Inscrit le", "Registered on"},
		"roster.remove":          {"Désinscrire…", "Unregister…"},
		"roster.remove.label":    {"Désinscrire %s", "Unregister %s"},
		"roster.remove.confirm":  {"Confirmer la désinscription", "Confirm unregistering"},
		"roster.none":            {"Aucun patient n'est encore inscrit à la clinique.", "No patient is registered with the clinic yet."},
		"roster.notice.added":    {"Le patient est inscrit à la clinique.", "The patient is registered with the clinic."},
		"roster.notice.removed":  {"Le patient n'est plus inscrit à la clinique. Ses rendez-vous pris restent.", "The patient is no longer registered with the clinic. Their booked appointments stay."},
		"roster.notice.notfound": {"Ce patient n'était pas inscrit à la clinique.", "This patient was not registered with the clinic."},
	})
	addPlurals(map[string]plural{
		"roster.count": {
			[2]string{"%d patient inscrit", "%d patients inscrits"},
			[2]string{"%d registered patient", "%d registered patients"},
		},
		"roster.found": {
			[2]string{"%d patient correspond à la recherche.", "%d patients correspondent à la recherche."},
			[2]string{"%d patient matches the search.", "%d patients match the search."},
		},
	})
}
