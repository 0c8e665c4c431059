package web

// Strings of the outage notices operators declare (« Interruptions de
// service »).
func init() {
	addTexts(map[string]text{
		"inc.title":               {"Interruptions de service", "Service outages"},
		"inc.link":                {"Interruptions de service : prévenir les patients touchés", "Service outages: tell the patients affected"},
		"inc.intro":               {"Déclarez une interruption (une panne, une fermeture imprévue) : chaque patient qui a un rendez-vous pendant la période, dans les cliniques touchées, est prévenu une fois, par courriel ou texto selon son choix, avec le téléphone de sa clinique, le 811 et le formulaire de demande.", "Declare an outage (a breakdown, an unplanned closure): every patient with an appointment in the period at the clinics affected is told once, by email or text message as they chose, with their clinic's phone, 811 and the request form."},
		"inc.new":                 {"Déclarer une interruption", "Declare an outage"},
		"inc.scope":               {"Cliniques touchées", "Clinics affected"},
		"inc.scope.all":           {"Toutes les cliniques du réseau", "Every clinic of the network"},
		"inc.scope.some":          {"Certaines cliniques", "Some clinics"},
		"inc.clinics":             {"Numéros des cliniques", "Clinic numbers"},
		"inc.clinics.hint":        {"Pour « Certaines cliniques » : leurs numéros séparés par des virgules, par exemple 12, 40, 41. Trouvez-les avec la recherche plus bas.", "For “Some clinics”: their numbers separated by commas, for example 12, 40, 41. Find them with the search below."},
		"inc.unknown":             {"Numéros inconnus : %s.", "Unknown numbers: %s."},
		"inc.from":                {"Début (jour)", "Start (day)"},
		"inc.from_time":           {"Début (heure)", "Start (time)"},
		"inc.to":                  {"Fin (jour)", "End (day)"},
		"inc.to_time":             {"Fin (heure)", "End (time)"},
		"inc.window.hint":         {"Heure du Québec. Les rendez-vous qui commencent entre le début et la fin sont touchés.", "Québec time. Appointments that start between the start and the end are affected."},
		"inc.text_fr":             {"Message en français", "Message in French"},
		"inc.text_en":             {"Message en anglais", "Message in English"},
		"inc.text.hint":           {"Ce qui s'est passé et ce que le patient doit faire. Le téléphone de sa clinique, le 811 et le formulaire de demande sont ajoutés au message.", "What happened and what the patient should do. Their clinic's phone, 811 and the request form are added to the message."},
		"inc.preview":             {"Voir qui sera prévenu", "See who will be told"},
		"inc.search":              {"Trouver le numéro d'une clinique", "Find a clinic's number"},
		"inc.search.label":        {"Nom ou ville", "Name or town"},
		"inc.search.submit":       {"Chercher", "Search"},
		"inc.search.none":         {"Aucune clinique ne correspond à cette recherche.", "No clinic matches this search."},
		"inc.col.number":          {"Numéro", "Number"},
		"inc.list":                {"Interruptions déclarées", "Outages declared"},
		"inc.col.declared":        {"Déclarée le", "Declared"},
		"inc.col.window":          {"Période", "Period"},
		"inc.col.clinics":         {"Cliniques", "Clinics"},
		"inc.col.notified":        {"Prévenus", "Told"},
		"inc.col.text":            {"Message", "Message"},
		"inc.none":                {"Aucune interruption n'a été déclarée.", "No outage has been declared."},
		"inc.window":              {"du %s au %s", "from %s to %s"},
		"inc.clinic":              {"nº %d — %s (%s)", "no. %d — %s (%s)"},
		"inc.clinic.gone":         {"clinique nº %d", "clinic no. %d"},
		"inc.back":                {"Modifier l'interruption", "Change the outage"},
		"inc.change":              {"Modifier", "Change"},
		"inc.confirm.title":       {"Vérifiez avant de prévenir les patients", "Check before telling the patients"},
		"inc.reach.once":          {"Chaque rendez-vous n'est prévenu qu'une fois pour cette interruption ; un message envoyé ne se reprend pas.", "Each appointment is told once for this outage; a message sent cannot be taken back."},
		"inc.reach.none":          {"Aucun rendez-vous n'est touché pour l'instant : personne ne sera prévenu, mais l'interruption sera enregistrée.", "No appointment is affected for now: nobody will be told, but the outage will be recorded."},
		"inc.declare":             {"Déclarer et prévenir les patients", "Declare and tell the patients"},
		"inc.notice.declared":     {"L'interruption est déclarée ; les messages partent dans un moment.", "The outage is declared; the messages leave in a moment."},
		"inc.err.clinics_unknown": {"Ces numéros ne sont pas ceux de cliniques du réseau.", "These numbers are not those of clinics of the network."},
		"inc.err.clinics_none":    {"Inscrivez les numéros des cliniques touchées, ou choisissez toutes les cliniques.", "Enter the numbers of the clinics affected, or choose every clinic."},
		"inc.err.clinics_many":    {"Trop de cliniques : choisissez plutôt toutes les cliniques.", "Too many clinics: choose every clinic instead."},
		"inc.err.time":            {"Inscrivez une heure valide (HH:MM).", "Enter a valid time (HH:MM)."},
		"inc.err.window":          {"La fin doit suivre le début.", "The end must come after the start."},
		"inc.err.past":            {"Cette période est déjà terminée.", "This period is already over."},
		"inc.err.too_long":        {"Ce message est trop long (2 000 caractères au plus).", "This message is too long (2,000 characters at most)."},
		"inc.err.text":            {"Ce message contient des caractères non permis.", "This message holds characters that are not allowed."},
	})
	addPlurals(map[string]plural{
		"inc.more": {
			[2]string{"et %d autre", "et %d autres"},
			[2]string{"and %d other", "and %d others"},
		},
		"inc.notified": {
			[2]string{"%d message", "%d messages"},
			[2]string{"%d message", "%d messages"},
		},
		"inc.all_clinics": {
			[2]string{"La seule clinique du réseau (%d)", "Toutes les cliniques du réseau (%d)"},
			[2]string{"The network's only clinic (%d)", "Every clinic of the network (%d)"},
		},
		"inc.reach": {
			[2]string{"%d rendez-vous sera prévenu", "%d rendez-vous seront prévenus"},
			[2]string{"%d appointment will be told", "%d appointments will be told"},
		},
		"inc.reach.unreached": {
			[2]string{"%d rendez-vous touché n'a choisi aucun moyen de le joindre : la clinique doit appeler le patient.", "%d rendez-vous touchés n'ont choisi aucun moyen de les joindre : les cliniques doivent appeler ces patients."},
			[2]string{"%d appointment affected chose no way to be reached: the clinic must call the patient.", "%d appointments affected chose no way to be reached: the clinics must call these patients."},
		},
		"inc.reach.notices": {
			[2]string{"(%d message).", "(%d messages)."},
			[2]string{"(%d message).", "(%d messages)."},
		},
	})
}
