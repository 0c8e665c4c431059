package web

// Strings of the appointment-request form and the agents' list.
func init() {
	addTexts(map[string]text{
		"req.title":                 {"Demande de rendez-vous", "Appointment request"},
		"req.link":                  {"Aucun rendez-vous ne vous convient ? Faites une demande : on vous rappellera.", "No time suits you? Leave a request and you will be called back."},
		"req.intro":                 {"Dites-nous qui consulte, comment vous joindre et quand vous êtes libre : une personne vous proposera un rendez-vous.", "Tell us who needs to be seen, how to reach you and when you are free: someone will offer you an appointment."},
		"req.who":                   {"Personne qui consulte", "Person to be seen"},
		"req.child":                 {"C'est pour un enfant", "This is for a child"},
		"req.reach":                 {"Pour vous joindre", "How to reach you"},
		"req.what":                  {"Quoi, où et quand", "What, where and when"},
		"req.availability":          {"Vos disponibilités", "When you are free"},
		"req.availability.hint":     {"Par exemple : les matins de semaine, ou le jeudi après 15 h.", "For example: weekday mornings, or Thursdays after 3 p.m."},
		"req.urgent":                {"C'est urgent (dans les prochains jours)", "It is urgent (within days)"},
		"req.submit":                {"Envoyer la demande", "Send the request"},
		"req.err.availability_long": {"1000 caractères au plus.", "1000 characters at most."},
		"req.sent.title":            {"Demande reçue", "Request received"},
		"req.sent.reference":        {"Votre demande est enregistrée. Votre numéro de référence :", "Your request is saved. Your reference number:"},
		"req.sent.next":             {"Notez ce numéro. Une personne vous joindra pour vous proposer un rendez-vous.", "Keep this number. Someone will contact you to offer an appointment."},
		"req.sent.home":             {"Retour à la recherche", "Back to the search"},
		"req.list.title":            {"Demandes de rendez-vous", "Appointment requests"},
		"req.list.received":         {"Reçue", "Received"},
		"req.list.reference":        {"Référence", "Reference"},
		"req.list.person":           {"Personne", "Person"},
		"req.list.contact":          {"Pour joindre", "Contact"},
		"req.list.flags":            {"Priorité", "Priority"},
		"req.list.status":           {"État", "Status"},
		"req.list.urgent":           {"Urgent", "Urgent"},
		"req.list.child":            {"Enfant", "Child"},
		"req.status.open":           {"Ouverte", "Open"},
		"req.status.matched":        {"Jumelée", "Matched"},
		"req.status.expired":        {"Expirée", "Expired"},
		"req.status.cancelled":      {"Annulée", "Cancelled"},
	})
	addPlurals(map[string]plural{
		"req.list.intro": {[2]string{"%d demande.", "%d demandes, les plus récentes en bas."}, [2]string{"%d request.", "%d requests, the newest at the bottom."}},
	})
}
