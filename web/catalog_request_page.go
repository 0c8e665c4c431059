package web

// Strings of the request form's criteria and of a request's own page,
// where its person follows it and answers what is proposed.
func init() {
	addTexts(map[string]text{
		"req.from.hint":                 {"Aucune date : à partir d'aujourd'hui.", "No date: from today."},
		"req.to.hint":                   {"Aucune date : huit semaines plus tard.", "No date: eight weeks later."},
		"req.weekdays":                  {"Jours de la semaine", "Days of the week"},
		"req.weekdays.hint":             {"Aucun choix : tous les jours.", "None ticked: any day."},
		"req.practitioner_language":     {"Langue du professionnel", "Practitioner's language"},
		"req.practitioner_language.any": {"Peu importe", "Any"},
		"req.scope":                     {"Où chercher", "Where to look"},
		"req.scope.own_clinic":          {"À ma clinique seulement (gratuit)", "At my own clinic only (free)"},
		"req.scope.own_clinic.hint":     {"Les cliniques où une personne de votre famille est inscrite, y compris les heures qu'elles gardent pour leurs patients.", "The clinics where someone in your family is registered, including the times they keep for their patients."},
		"req.scope.own_clinic.how":      {"La recherche à votre propre clinique est gratuite : connectez-vous, et ajoutez à « Ma famille » une personne inscrite à une clinique.", "Looking at your own clinic is free: sign in, and add to “My family” someone registered with a clinic."},
		"req.scope.network":             {"Dans tout le réseau (frais de recherche)", "Anywhere in the network (finder fee)"},
		"req.fee":                       {"Frais de recherche : %s, plus TPS (%s) %s et TVQ (%s) %s, total %s. Ils ne sont pris que si vous acceptez le rendez-vous proposé.", "Finder fee: %s, plus GST (%s) %s and QST (%s) %s, total %s. It is taken only if you accept the appointment offered."},

		"req.err.person":                {"Cette personne n'est pas dans « Ma famille ».", "This person is not in “My family”."},
		"req.err.weekdays":              {"Choisissez des jours de la liste.", "Choose days from the list."},
		"req.err.practitioner_language": {"Choisissez une langue de la liste.", "Choose a language from the list."},
		"req.err.scope":                 {"Choisissez où chercher.", "Choose where to look."},
		"req.err.scope_signin":          {"Connectez-vous pour chercher à votre propre clinique.", "Sign in to look at your own clinic."},
		"req.err.scope_roster":          {"Cette personne n'est inscrite à aucune clinique : choisissez tout le réseau.", "This person is registered with no clinic: choose the whole network."},

		"req.sent.follow":      {"Nous vous écrirons dès qu'un rendez-vous se libère. Suivez votre demande, acceptez ou refusez ce qui vous est proposé, ou retirez-la :", "We will write to you as soon as an appointment frees up. Follow your request, accept or decline what is offered, or withdraw it:"},
		"req.sent.follow.link": {"Suivre ma demande", "Follow my request"},
		"req.sent.follow.keep": {"Gardez ce lien : il n'est donné qu'ici et dans nos messages.", "Keep this link: it is given only here and in our messages."},

		"req.page.mine":     {"Votre demande de rendez-vous", "Your appointment request"},
		"req.page.notfound": {"Aucune demande ne correspond à ce lien. Vérifiez le lien complet dans votre message.", "No request matches this link. Check the whole link in your message."},

		"req.public.open":         {"Nous cherchons un rendez-vous qui vous convient. Nous vous écrirons dès qu'il y en a un.", "We are looking for an appointment that suits you. We will write to you as soon as there is one."},
		"req.public.proposed":     {"Un rendez-vous vous est proposé : il est gardé pour vous jusqu'à l'heure indiquée.", "An appointment is offered to you: it is kept for you until the time shown."},
		"req.public.booked":       {"Votre rendez-vous est réservé.", "Your appointment is booked."},
		"req.public.expired":      {"Votre demande a pris fin : aucun rendez-vous ne s'est libéré dans vos dates.", "Your request has ended: no appointment freed up within your dates."},
		"req.public.withdrawn":    {"Votre demande est retirée : nous ne cherchons plus.", "Your request is withdrawn: we are no longer looking."},
		"req.public.booked.title": {"Votre rendez-vous", "Your appointment"},
		"req.public.mine":         {"Voir mes rendez-vous", "See my appointments"},
		"req.public.booked.link":  {"Le lien pour annuler ou changer ce rendez-vous est dans le message de confirmation.", "The link to cancel or change this appointment is in the confirmation message."},

		"req.proposal.title":   {"Le rendez-vous proposé", "The appointment offered"},
		"req.proposal.until":   {"Répondez avant le %s.", "Answer before %s."},
		"req.proposal.accept":  {"Accepter ce rendez-vous", "Accept this appointment"},
		"req.proposal.decline": {"Refuser : continuer de chercher", "Decline: keep looking"},
		"req.proposal.fee":     {"En acceptant, vous payez les frais de recherche : %s, taxes comprises.", "By accepting, you pay the finder fee: %s, taxes included."},

		"req.criteria.title":    {"Ce que vous avez demandé", "What you asked for"},
		"req.criteria.what":     {"%s, près de %s (%s)", "%s, near %s (%s)"},
		"req.criteria.by_hand":  {"Une personne vous rappellera.", "Someone will call you back."},
		"req.criteria.dates":    {"Du %s au %s", "From %s to %s"},
		"req.criteria.days":     {"Les jours : %s", "On: %s"},
		"req.criteria.times":    {"Aux moments : %s", "At: %s"},
		"req.criteria.language": {"Professionnel qui parle : %s", "Practitioner who speaks: %s"},

		"req.withdraw.title":  {"Retirer la demande", "Withdraw the request"},
		"req.withdraw.text":   {"Vous n'avez plus besoin de rendez-vous ? Retirez votre demande : nous cessons de chercher, et le rendez-vous proposé, s'il y en a un, va à quelqu'un d'autre. Les frais de recherche ne sont pas pris.", "No longer need an appointment? Withdraw your request: we stop looking, and the appointment offered, if any, goes to someone else. The finder fee is not taken."},
		"req.withdraw.submit": {"Retirer ma demande", "Withdraw my request"},

		"req.notice.declined":    {"Vous avez refusé le rendez-vous proposé. Nous continuons de chercher.", "You declined the appointment offered. We keep looking."},
		"req.notice.withdrawn":   {"Votre demande est retirée.", "Your request is withdrawn."},
		"req.notice.expired":     {"Le délai pour répondre est passé : le rendez-vous est allé à quelqu'un d'autre. Nous continuons de chercher.", "The time to answer has passed: the appointment went to someone else. We keep looking."},
		"req.notice.not_live":    {"Ce rendez-vous n'est plus proposé. Voici où en est votre demande.", "This appointment is no longer offered. Here is where your request stands."},
		"req.notice.not_waiting": {"Votre demande a déjà pris fin : rien n'a été changé.", "Your request has already ended: nothing was changed."},
	})
}
