package notify

import "rdv/i18n"

// The messages' texts, French first, in the one set of texts (i18n): the
// templates speak only in keys, as the pages do, so that the test that
// reads every French message for English finds what a page would.
// Labels and sentences end without the colon that French spaces
// (« Lieu : »): detail writes it.
func init() {
	// How long a code lasts, in its two forms: a count before its word
	// is a count text (i18n.N), which picks the form.
	i18n.AddPlurals(i18n.Plurals{
		"notify.signin_code.valid": {
			{"Il est valide %d minute. Entrez-le sur la page de connexion", "Il est valide %d minutes. Entrez-le sur la page de connexion"},
			{"It is valid for %d minute. Enter it on the sign-in page", "It is valid for %d minutes. Enter it on the sign-in page"},
		},
		"notify.sms.valid": {
			{"Valide %d minute.", "Valide %d minutes."},
			{"Valid for %d minute.", "Valid for %d minutes."},
		},
	})
	i18n.Add(i18n.Catalog{
		"notify.site":      i18n.SiteName,
		"notify.hello":     {"Bonjour,", "Hello,"},
		"notify.emergency": i18n.Emergency,
		"notify.auto":      {"Ce message est envoyé automatiquement ; n'y répondez pas.", "This message is sent automatically; please do not reply."},
		"notify.detail":    {"%s : %s", "%s: %s"},
		"notify.colon":     {"%s :", "%s:"},

		"notify.detail.when":    {"Date et heure", "Date and time"},
		"notify.detail.patient": {"Personne qui consulte", "Person to be seen"},
		"notify.detail.service": {"Type de consultation", "Type of visit"},
		"notify.detail.with":    {"Avec", "With"},
		"notify.detail.place":   {"Lieu", "Place"},
		"notify.detail.phone":   {"Téléphone de la clinique", "Clinic's phone"},
		"notify.detail.number":  {"Numéro du rendez-vous", "Appointment number"},

		"notify.card":           {"Apportez votre carte d'assurance maladie.", "Bring your health insurance card."},
		"notify.manage":         {"Pour voir, annuler ou changer ce rendez-vous", "To see, cancel or change this appointment"},
		"notify.manage.private": {"Ce lien est à vous seul : ne le transmettez pas.", "This link is yours alone: do not pass it on."},
		"notify.manage.signin":  {"Pour voir, annuler ou changer ce rendez-vous, connectez-vous avec le courriel ou le téléphone donné à la réservation", "To see, cancel or change this appointment, sign in with the email or phone given when booking"},
		"notify.search":         {"Pour trouver un autre rendez-vous", "To find another appointment"},
		"notify.call":           {"Pour toute question, appelez la clinique au %s.", "For any question, call the clinic at %s."},

		"notify.confirmed.subject":  {"Rendez-vous confirmé : %s", "Appointment booked: %s"},
		"notify.confirmed.intro":    {"Votre rendez-vous est confirmé.", "Your appointment is booked."},
		"notify.confirmed.calendar": {"Le fichier joint (.ics) l'ajoute à votre agenda.", "The attached file (.ics) adds it to your calendar."},

		"notify.rescheduled.subject":  {"Rendez-vous déplacé : %s", "Appointment moved: %s"},
		"notify.rescheduled.intro":    {"Votre rendez-vous a été déplacé. Le voici tel qu'il est maintenant.", "Your appointment has been moved. Here it is as it now stands."},
		"notify.rescheduled.calendar": {"Le fichier joint (.ics) met votre agenda à jour.", "The attached file (.ics) updates your calendar."},

		"notify.cancelled.subject":  {"Rendez-vous annulé : %s", "Appointment cancelled: %s"},
		"notify.cancelled.intro":    {"Votre rendez-vous du %s à %s est annulé, comme vous l'avez demandé.", "Your appointment on %s at %s is cancelled, as you asked."},
		"notify.cancelled.thanks":   {"Merci d'avoir libéré la place pour quelqu'un d'autre.", "Thank you for freeing the time for someone else."},
		"notify.cancelled.calendar": {"Le fichier joint (.ics) le marque comme annulé dans votre agenda.", "The attached file (.ics) marks it cancelled in your calendar."},

		"notify.cancelled_by_clinic.subject": {"Rendez-vous annulé par la clinique : %s", "Appointment cancelled by the clinic: %s"},
		"notify.cancelled_by_clinic.intro":   {"Nous sommes désolés : %s a dû annuler votre rendez-vous du %s.", "We are sorry: %s had to cancel your appointment on %s."},

		"notify.reminder.subject": {"Rappel : rendez-vous le %s", "Reminder: appointment on %s"},
		"notify.reminder.intro":   {"Nous vous rappelons votre rendez-vous.", "This is a reminder of your appointment."},
		"notify.reminder.cancel":  {"Si vous ne pouvez pas venir, annulez-le pour libérer la place", "If you cannot come, please cancel it to free the time for someone else"},

		"notify.signin_code.subject": {"Votre code de connexion", "Your sign-in code"},
		"notify.signin_code.intro":   {"Voici votre code pour vous connecter à Rendez-vous santé Québec", "Here is your code to sign in to Québec Health Appointments"},
		"notify.signin_code.ignore":  {"Si vous n'avez pas demandé ce code, ignorez ce message : personne ne peut se connecter sans lui.", "If you did not ask for this code, ignore this message: nobody can sign in without it."},

		"notify.outage.subject":      {"Avis de perturbation : votre rendez-vous du %s", "Service disruption: your appointment on %s"},
		"notify.outage.subject.none": {"Avis de perturbation du service", "Service disruption notice"},
		"notify.outage.intro":        {"Une perturbation touche votre rendez-vous du %s à %s. Voici le message de l'équipe :", "A disruption affects your appointment on %s at %s. Here is the team's message:"},
		"notify.outage.intro.none":   {"Une perturbation touche le service. Voici le message de l'équipe :", "A disruption affects the service. Here is the team's message:"},
		"notify.outage.call":         {"Pour savoir si votre rendez-vous est maintenu, appelez la clinique au %s.", "To find out whether your appointment still stands, call the clinic at %s."},
		"notify.outage.advice":       {"Pour un conseil santé, appelez Info-Santé au 811. En cas d'urgence, composez le 911.", "For health advice, call Info-Santé at 811. In an emergency, call 911."},
		"notify.outage.request":      {"Si votre rendez-vous ne peut avoir lieu, demandez-nous de vous en trouver un autre", "If your appointment cannot take place, ask us to find you another"},

		"notify.proposal.subject":  {"Un rendez-vous vous est proposé : %s", "An appointment is offered to you: %s"},
		"notify.proposal.intro":    {"Nous avons trouvé un rendez-vous qui répond à votre demande. Il est retenu pour vous.", "We found an appointment that meets your request. It is held for you."},
		"notify.proposal.deadline": {"Répondez avant %s : sinon, il sera offert à quelqu'un d'autre et nous continuerons de chercher pour vous.", "Please answer before %s: otherwise it will be offered to someone else and we will keep looking for you."},
		"notify.proposal.answer":   {"Pour l'accepter ou le refuser", "To accept or decline it"},
		"notify.proposal.private":  {"Ce lien est à vous seul : il permet de répondre à cette proposition.", "This link is yours alone: it answers this offer."},

		"notify.move.subject": {"Votre rendez-vous peut être avancé : %s", "Your appointment can be moved earlier: %s"},
		"notify.move.intro":   {"Une place plus tôt s'est libérée à votre clinique : votre rendez-vous du %s peut y être avancé, sans frais. Elle est retenue pour vous.", "An earlier time opened at your clinic: your appointment on %s can be moved to it, free of charge. It is held for you."},
		"notify.move.keep":    {"Si vous la refusez, vous gardez votre rendez-vous du %s et restez sur la liste d'attente.", "If you decline it, you keep your appointment on %s and stay on the waitlist."},

		"notify.receipt.intro": {"Vous avez accepté le rendez-vous que nous avons trouvé pour vous : voici le reçu des frais de recherche.",
			"You accepted the appointment we found for you: here is the receipt of the finder fee."},
		"notify.refund_receipt.intro": {"La clinique a annulé le rendez-vous que nous avions trouvé pour vous : les frais de recherche vous sont remboursés. Voici le reçu du remboursement.",
			"The clinic cancelled the appointment we had found for you: the finder fee is refunded to you. Here is the receipt of the refund."},
		"notify.receipt.keep": {"Gardez ce reçu pour vos dossiers. Il est aussi affiché sur la page de votre demande.",
			"Keep this receipt for your records. It is also shown on your request's page."},

		// Text messages: one text each, as short as it can say it. The
		// short forms leave out the place, for a clinic whose name and
		// address would make the message too long.
		"notify.sms.confirmed":                 {"Rendez-vous confirmé le %s, %s. Voir, annuler ou changer : %s", "Appointment booked on %s, %s. See, cancel or change: %s"},
		"notify.sms.confirmed.short":           {"Rendez-vous confirmé le %s. Voir, annuler ou changer : %s", "Appointment booked on %s. See, cancel or change: %s"},
		"notify.sms.rescheduled":               {"Rendez-vous déplacé au %s, %s. Voir, annuler ou changer : %s", "Appointment moved to %s, %s. See, cancel or change: %s"},
		"notify.sms.rescheduled.short":         {"Rendez-vous déplacé au %s. Voir, annuler ou changer : %s", "Appointment moved to %s. See, cancel or change: %s"},
		"notify.sms.cancelled":                 {"Rendez-vous du %s annulé, comme demandé.", "Appointment on %s cancelled, as you asked."},
		"notify.sms.cancelled_by_clinic":       {"Désolés : %s a annulé votre rendez-vous du %s.", "Sorry: %s cancelled your appointment on %s."},
		"notify.sms.cancelled_by_clinic.short": {"Désolés : la clinique a annulé votre rendez-vous du %s.", "Sorry: the clinic cancelled your appointment on %s."},
		"notify.sms.phone":                     {"Clinique : %s.", "Clinic: %s."},
		"notify.sms.another":                   {"Trouver un autre rendez-vous : %s", "Find another appointment: %s"},
		"notify.sms.reminder":                  {"Rappel : rendez-vous le %s, %s, %s. Annuler ou changer : %s", "Reminder: appointment on %s, %s, %s. Cancel or change: %s"},
		"notify.sms.reminder.short":            {"Rappel : rendez-vous le %s. Annuler ou changer : %s", "Reminder: appointment on %s. Cancel or change: %s"},
		"notify.sms.signin_code":               {"Rendez-vous santé Québec : votre code est %s.", "Québec Health Appointments: your code is %s."},
		"notify.sms.ignore":                    {"Si vous ne l'avez pas demandé, ignorez ce message.", "If you did not ask for it, ignore this message."},
		"notify.sms.outage":                    {"Avis de perturbation : %s", "Service disruption: %s"},
		"notify.sms.advice":                    {"Conseils santé : 811. Urgence : 911.", "Health advice: 811. Emergency: 911."},
		"notify.sms.request":                   {"Demander un autre rendez-vous : %s", "Ask for another appointment: %s"},
		"notify.sms.proposal":                  {"Rendez-vous proposé le %s, %s. Répondez avant %s : %s", "Appointment offered on %s, %s. Answer before %s: %s"},
		"notify.sms.proposal.short":            {"Rendez-vous proposé le %s. Répondez avant %s : %s", "Appointment offered on %s. Answer before %s: %s"},
		"notify.sms.move":                      {"Votre rendez-vous du %s peut être avancé au %s, %s. Répondez avant %s : %s", "Your appointment on %s can be moved earlier to %s, %s. Answer before %s: %s"},
		"notify.sms.move.short":                {"Votre rendez-vous peut être avancé au %s. Répondez avant %s : %s", "Your appointment can be moved earlier to %s. Answer before %s: %s"},
	})
}
