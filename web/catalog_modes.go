package web

// Strings of the degraded modes: the banner's notices, the refusal of
// writes in read-only mode and the operators' switches.
func init() {
	addTexts(map[string]text{
		"mode.label":                 {"Modes en vigueur", "Modes in force"},
		"mode.forms_only":            {"Réservation en ligne momentanément indisponible : laissez une demande de rendez-vous et nous vous rappellerons.", "Online booking is unavailable for the moment: leave an appointment request and we will call you back."},
		"mode.forms_only.link":       {"Faire une demande de rendez-vous", "Make an appointment request"},
		"mode.read_only":             {"Mode lecture seule : vous pouvez chercher des rendez-vous, mais pas en réserver ni en annuler pour le moment.", "Read-only mode: you can search for appointments, but not book or cancel them for now."},
		"mode.waiting_room":          {"Salle d'attente en service : beaucoup de personnes visitent le site, elles entrent dans leur ordre d'arrivée.", "Waiting room in use: many people are visiting the site; they come in in the order they arrived."},
		"mode.read_only.refused":     {"Le site est en lecture seule pour le moment : les réservations, annulations et changements sont suspendus. La recherche fonctionne toujours. Réessayez plus tard ou laissez une demande de rendez-vous.", "The site is read-only for now: bookings, cancellations and changes are paused. Search still works. Please try again later or leave an appointment request."},
		"mode.read_only.title":       {"Réservations suspendues pour le moment", "Bookings paused for now"},
		"mode.read_only.paused":      {"Le site est en lecture seule : les réservations, annulations et changements sont suspendus pour le moment. Réessayez plus tard.", "The site is read-only: bookings, cancellations and changes are paused for now. Please try again later."},
		"mode.read_only.works":       {"Ce qui fonctionne maintenant", "What works now"},
		"mode.read_only.search":      {"Chercher des heures libres", "Search for free times"},
		"mode.read_only.existing":    {"Vos rendez-vous existants restent valides : consultez-les avec le lien reçu à la réservation", "Your existing appointments still stand: see them with the link you got when booking"},
		"mode.read_only.request":     {"on vous rappellera pour vous proposer un rendez-vous.", "you will be called back with an appointment."},
		"mode.read_only.results":     {"Les réservations en ligne sont suspendues pour le moment : voici les heures libres, mais elles ne peuvent pas être choisies maintenant.", "Online booking is paused for now: here are the free times, but they cannot be chosen right now."},
		"op.modes.title":             {"Modes de la plateforme", "Platform modes"},
		"op.modes.link":              {"Modes de la plateforme (lecture seule, salle d'attente)", "Platform modes (read-only, waiting room)"},
		"op.modes.back":              {"Retour à la console", "Back to the console"},
		"op.modes.legend":            {"Modes en vigueur sur toutes les instances", "Modes in force on every instance"},
		"op.modes.read_only":         {"Lecture seule", "Read-only"},
		"op.modes.read_only.hint":    {"Refuse les réservations, annulations et changements des cliniques ; la recherche et les demandes de rendez-vous continuent.", "Refuses bookings, cancellations and clinic changes; search and appointment requests go on."},
		"op.modes.waiting_room":      {"Salle d'attente", "Waiting room"},
		"op.modes.waiting_room.hint": {"Les nouveaux visiteurs reçoivent un numéro et entrent dans l'ordre. Elle s'ouvre aussi d'elle-même quand la demande dépasse la capacité.", "New visitors get a number and come in in order. It also opens by itself when demand exceeds capacity."},
		"op.modes.submit":            {"Appliquer", "Apply"},
		"op.modes.room_open":         {"La salle d'attente est ouverte en ce moment.", "The waiting room is open right now."},
		"op.modes.room_closed":       {"La salle d'attente est fermée en ce moment.", "The waiting room is closed right now."},
		"op.notice.modes_set":        {"Les modes sont appliqués ; toutes les instances les suivent en quelques secondes.", "The modes are applied; every instance follows within seconds."},
	})
}
