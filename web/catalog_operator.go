package web

// Strings of the operator console.
func init() {
	addTexts(map[string]text{
		"op.title":                 {"Console de l'opérateur", "Operator console"},
		"op.banner.title":          {"Bandeau d'état", "Status banner"},
		"op.banner.intro":          {"Le bandeau paraît en haut de chaque page du site, en quelques secondes.", "The banner shows at the top of every page of the site within seconds."},
		"op.banner.fr":             {"Texte en français", "French text"},
		"op.banner.en":             {"Texte en anglais", "English text"},
		"op.banner.level":          {"Niveau", "Level"},
		"op.level.info":            {"Information", "Information"},
		"op.level.warning":         {"Avertissement", "Warning"},
		"op.level.critical":        {"Critique", "Critical"},
		"op.banner.submit":         {"Afficher le bandeau", "Show the banner"},
		"op.banner.clear":          {"Retirer le bandeau", "Remove the banner"},
		"op.notice.banner_set":     {"Le bandeau est affiché.", "The banner is shown."},
		"op.notice.banner_cleared": {"Le bandeau est retiré.", "The banner is removed."},
		"op.notice.clinic_created": {"La clinique est ajoutée au réseau.", "The clinic is added to the network."},
		"op.clinic.new":            {"Ajouter une clinique", "Add a clinic"},
		"op.clinic.name":           {"Nom de la clinique", "Clinic name"},
		"op.clinic.address":        {"Adresse", "Address"},
		"op.clinic.city":           {"Ville", "Town"},
		"op.clinic.phone":          {"Téléphone", "Phone"},
		"op.clinic.services":       {"Types de consultation offerts", "Types of visit offered"},
		"op.clinic.languages":      {"Langues de service", "Languages of service"},
		"op.clinic.submit":         {"Ajouter la clinique", "Add the clinic"},
		"op.clinics.title":         {"Cliniques du réseau (%d)", "Clinics of the network (%d)"},
		"op.err.too_long":          {"500 caractères au plus.", "500 characters at most."},
		"op.err.services":          {"Cochez au moins un type de consultation.", "Tick at least one type of visit."},
	})
}
