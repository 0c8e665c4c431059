package web

import "rdv/i18n"

// text is the site's one text type (i18n.Text), by the short name this
// package's catalog files write it with: a pair, French first.
type text = i18n.Text

// The pages' strings, French first, in the site's one set of texts
// (i18n); each concern adds its own from its catalog_*.go file. Templates
// and handlers speak only in keys, so an English word cannot reach a
// French page by accident (a test renders every page in French to check
// it). Language names are written in their own language on both pages.
func init() {
	addTexts(map[string]text{
		"site.name":       i18n.SiteName,
		"nav.skip":        {"Aller au contenu", "Skip to content"},
		"nav.language":    i18n.LanguageNav,
		"lang.fr":         {i18n.Name("fr"), i18n.Name("fr")},
		"lang.en":         {i18n.Name("en"), i18n.Name("en")},
		"footer.urgent":   i18n.Emergency,
		"form.optional":   {"(facultatif)", "(optional)"},
		"form.errors":     {"Certains champs sont à corriger :", "Some fields need correcting:"},
		"form.error_item": {"%s : %s", "%s: %s"},

		"home.title": {"Trouver un rendez-vous", "Find an appointment"},
		"home.intro": {"Cherchez le premier rendez-vous libre près de chez vous, dans les cliniques du réseau.", "Find the earliest free appointment near you in the network's clinics."},

		"search.service":       {"Type de consultation", "Type of visit"},
		"search.place":         {"Lieu", "Place"},
		"search.place.hint":    {"Ville ou municipalité, par exemple Sherbrooke.", "City or town, for example Sherbrooke."},
		"search.radius":        {"Distance maximale", "Maximum distance"},
		"search.from":          {"À partir du", "From"},
		"search.to":            {"Jusqu'au", "Until"},
		"search.moment":        {"Moment de la journée", "Time of day"},
		"search.moment.hint":   {"Aucun choix : toute la journée.", "None ticked: any time."},
		"search.moment.matin":  {"Matin (avant midi)", "Morning (before noon)"},
		"search.moment.pm":     {"Après-midi (midi à 17 h)", "Afternoon (noon to 5 p.m.)"},
		"search.moment.soir":   {"Soir (après 17 h)", "Evening (after 5 p.m.)"},
		"search.submit":        {"Rechercher", "Search"},
		"results.title":        {"Rendez-vous disponibles", "Available appointments"},
		"results.near":         {"Les plus tôt à %s km ou moins de %s.", "Earliest within %s km of %s."},
		"results.none":         {"Aucun rendez-vous libre ne correspond à votre recherche. Essayez une plus grande distance ou d'autres dates.", "No free appointment matches your search. Try a larger distance or other dates."},
		"results.with":         {"avec %s", "with %s"},
		"results.choose":       {"Choisir", "Choose"},
		"results.refine":       {"Modifier la recherche", "Change the search"},
		"notice.slot_taken":    {"Ce créneau vient d'être pris par quelqu'un d'autre. Choisissez-en un autre.", "Someone else has just taken that time. Please choose another."},
		"notice.too_many":      {"Vous avez déjà plusieurs créneaux en attente. Terminez une réservation ou attendez quelques minutes.", "You already have several times on hold. Finish a booking or wait a few minutes."},
		"notice.cancelled":     {"Le rendez-vous est annulé. Merci d'avoir libéré la place.", "The appointment is cancelled. Thank you for freeing the time."},
		"notice.not_cancelled": {"Ce rendez-vous ne peut plus être annulé en ligne. Appelez la clinique.", "This appointment can no longer be cancelled online. Please call the clinic."},

		"book.title":         {"Confirmer le rendez-vous", "Confirm the appointment"},
		"book.held_until":    {"Ce créneau est réservé pour vous jusqu'à %s.", "This time is held for you until %s."},
		"book.patient":       {"Personne qui consulte", "Person to be seen"},
		"book.first_name":    {"Prénom", "First name"},
		"book.last_name":     {"Nom", "Last name"},
		"book.birth_date":    {"Date de naissance", "Date of birth"},
		"book.health_number": {"Numéro d'assurance maladie", "Health insurance number"},
		"book.hn.hint":       {"4 lettres et 8 chiffres, comme sur la carte (ABCD 1234 5678).", "4 letters and 8 digits, as on the card (ABCD 1234 5678)."},
		"book.phone":         {"Téléphone", "Phone"},
		"book.email":         {"Courriel", "Email"},
		"book.contact.hint":  {"Un téléphone ou un courriel, pour vous joindre au besoin.", "A phone number or an email, so the clinic can reach you."},
		"book.language":      {"Langue de communication", "Preferred language"},
		"book.guardian_of":   {"%s (parent ou tuteur)", "%s (parent or guardian)"},
		"book.for_child":     {"Je prends ce rendez-vous pour mon enfant", "I am booking for my child"},
		"book.guardian":      {"Parent ou tuteur", "Parent or guardian"},
		"book.guardian.hint": {"À remplir seulement pour un enfant : vos coordonnées, à vous qui prenez le rendez-vous.", "Fill in only for a child: your own details, as the person booking."},
		"book.submit":        {"Confirmer le rendez-vous", "Confirm the appointment"},
		"book.other":         {"Choisir un autre créneau", "Choose another time"},

		"expired.title": {"Le délai de réservation est écoulé", "Your hold has run out"},
		"expired.text":  {"Ce créneau n'est plus réservé pour vous ; quelqu'un d'autre l'a peut-être pris.", "This time is no longer held for you; someone else may have taken it."},
		"expired.again": {"Chercher de nouveau", "Search again"},

		"appt.title.booked":    {"Votre rendez-vous est confirmé", "Your appointment is booked"},
		"appt.title.cancelled": {"Rendez-vous annulé", "Appointment cancelled"},
		"appt.title.other":     {"Votre rendez-vous", "Your appointment"},
		"appt.booked_by":       {"Pris par", "Booked by"},
		"appt.number":          {"Numéro du rendez-vous", "Appointment number"},
		"appt.status":          {"État", "Status"},
		"appt.when":            {"Quand", "When"},
		"appt.where":           {"Où", "Where"},
		"appt.with":            {"Avec", "With"},
		"appt.for":             {"Pour", "For"},
		"appt.service":         {"Type de consultation", "Type of visit"},
		"appt.keep":            {"Gardez l'adresse de cette page : elle seule permet de revoir ou d'annuler ce rendez-vous.", "Keep this page's address: it is the only way to see or cancel this appointment."},
		"appt.card":            {"Apportez votre carte d'assurance maladie.", "Bring your health insurance card."},
		"appt.cancel.title":    {"Annuler le rendez-vous", "Cancel the appointment"},
		"appt.cancel.text":     {"Vous ne pouvez pas venir ? Annulez pour libérer la place pour quelqu'un d'autre.", "Cannot come? Cancel to free the time for someone else."},
		"appt.new":             {"Prendre un autre rendez-vous", "Book another appointment"},
		"status.booked":        {"Confirmé", "Booked"},
		"status.arrived":       {"Arrivé à la clinique", "Checked in"},
		"status.fulfilled":     {"Terminé", "Completed"},
		"status.noshow":        {"Absence", "Missed"},
		"status.cancelled":     {"Annulé", "Cancelled"},

		"err.required":        {"Ce champ est obligatoire.", "This field is required."},
		"err.too_long":        {"100 caractères au plus.", "100 characters at most."},
		"err.date":            {"Inscrivez une date valide (AAAA-MM-JJ).", "Enter a valid date (YYYY-MM-DD)."},
		"err.birth_date":      {"Inscrivez une date de naissance valide, pas dans le futur.", "Enter a valid date of birth, not in the future."},
		"err.health_number":   {"Le numéro doit avoir 4 lettres suivies de 8 chiffres.", "The number must be 4 letters followed by 8 digits."},
		"err.hn_birth":        {"Ce numéro ne correspond pas à la date de naissance.", "This number does not match the date of birth."},
		"err.email":           {"Cette adresse courriel n'est pas valide.", "This email address is not valid."},
		"err.phone":           {"Inscrivez un numéro à 10 chiffres, par exemple 514 555-0123.", "Enter a 10-digit number, for example 514-555-0123."},
		"err.contact":         {"Indiquez un téléphone ou un courriel.", "Give a phone number or an email."},
		"err.language":        {"Choisissez français ou anglais.", "Choose French or English."},
		"err.invalid":         {"Cette valeur n'est pas valide.", "This value is not valid."},
		"err.service":         {"Choisissez un type de consultation de la liste.", "Choose a type of visit from the list."},
		"err.place":           {"Lieu introuvable. Choisissez une ville de la liste.", "Place not found. Choose a town from the list."},
		"err.radius":          {"Choisissez une distance de la liste.", "Choose a distance from the list."},
		"err.date_order":      {"Cette date doit suivre la date de début.", "This date must come after the start date."},
		"err.date_past":       {"Cette date est passée.", "This date is in the past."},
		"err.moment":          {"Choisissez parmi matin, après-midi et soir.", "Choose among morning, afternoon and evening."},
		"error.back":          {"Retour à la recherche", "Back to search"},
		"error.400.title":     {"Demande non valide", "Invalid request"},
		"error.400.text":      {"Nous n'avons pas compris cette demande. Recommencez depuis la recherche.", "We could not understand this request. Please start again from the search."},
		"error.404.title":     {"Page introuvable", "Page not found"},
		"error.404.text":      {"Cette adresse ne correspond à aucune page, ou le lien n'est plus valide.", "This address matches no page, or the link is no longer valid."},
		"error.405.title":     {"Action non permise", "Action not allowed"},
		"error.405.text":      {"Cette page ne s'utilise pas ainsi. Recommencez depuis la recherche.", "This page cannot be used that way. Please start again from the search."},
		"error.500.title":     {"Un problème est survenu", "Something went wrong"},
		"error.500.text":      {"Nous n'avons pas pu traiter votre demande. Réessayez dans un moment.", "We could not process your request. Please try again in a moment."},
		"error.503.title":     i18n.Busy,
		"error.503.text":      {"Le service est très sollicité en ce moment. Réessayez dans quelques minutes.", "The service is very busy right now. Please try again in a few minutes."},
		"error.hold_missing":  {"Cette réservation n'existe pas ou a déjà été confirmée.", "This hold does not exist or has already been confirmed."},
		"error.appt_notfound": {"Rendez-vous introuvable. Vérifiez que l'adresse est complète, telle que reçue à la confirmation.", "Appointment not found. Check that the address is complete, as given at confirmation."},
		"error.form_key_reused": {"Ce formulaire a déjà été envoyé avec d'autres valeurs. Revenez à la page précédente, rechargez-la et recommencez.",
			"This form was already sent with other values. Go back, reload the page and start again."},
	})
}

// addTexts adds a concern's strings to the site's texts, at init. A key
// defined twice, here or in any other area, is a programming error.
func addTexts(m i18n.Catalog) { i18n.Add(m) }

// translate returns the string of key in lang, formatted with args. An
// unknown key shows as itself between brackets so that tests catch it.
func translate(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }
