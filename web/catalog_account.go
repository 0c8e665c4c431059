package web

import "rdv/i18n"

// Strings of a patient's own pages: the sign-in by code, « Mes
// rendez-vous », « Ma famille », the account's choices, and what the
// booking form adds for a signed-in patient.
func init() {
	addTexts(map[string]text{
		"account.nav":               {"Votre compte", "Your account"},
		"account.nav.appointments":  {"Mes rendez-vous", "My appointments"},
		"account.nav.family":        {"Ma famille", "My family"},
		"account.nav.settings":      {"Mon compte", "My account"},
		"account.nav.signin":        {"Connexion", "Sign in"},
		"account.signout":           {"Me déconnecter", "Sign out"},
		"account.notice.signed_out": {"Vous êtes déconnecté. À bientôt !", "You are signed out. See you soon!"},

		"account.signin.title":      {"Connexion à votre compte", "Sign in to your account"},
		"account.signin.intro":      {"Pas de mot de passe : inscrivez votre courriel ou votre numéro de cellulaire, et nous vous enverrons un code à six chiffres. À la première connexion, votre compte est créé, et les rendez-vous déjà pris avec ce courriel ou ce numéro s'y ajoutent.", "No password: enter your email or your mobile number, and we will send you a six-digit code. Your account is created the first time you sign in, and the appointments already booked with that email or number are added to it."},
		"account.contact":           {"Courriel ou numéro de cellulaire", "Email or mobile number"},
		"account.contact.hint":      {"Par exemple julie@exemple.ca ou 514 555-0123.", "For example julie@example.ca or 514-555-0123."},
		"account.signin.submit":     {"Recevoir un code", "Send me a code"},
		"account.signin.guest":      {"Pas besoin d'un compte pour prendre rendez-vous :", "You do not need an account to book:"},
		"account.signin.guest_link": {"chercher un rendez-vous", "find an appointment"},
		"account.err.contact":       {"Inscrivez un courriel, ou un numéro de cellulaire à 10 chiffres comme 514 555-0123.", "Enter an email, or a 10-digit mobile number such as 514-555-0123."},
		"account.err.too_many":      {"Trop de codes ont été demandés pour cette adresse ou depuis cet appareil. Réessayez dans une heure.", "Too many codes have been asked for this address or from this device. Please try again in an hour."},
		"account.notice.code_again": {"Le délai du code est écoulé. Demandez-en un nouveau.", "The code's time has run out. Please ask for a new one."},

		"account.code.title":      {"Entrez votre code", "Enter your code"},
		"account.code.sent_email": {"Nous avons envoyé un code à six chiffres par courriel à %s.", "We have emailed a six-digit code to %s."},
		"account.code.sent_sms":   {"Nous avons envoyé un code à six chiffres par texto au %s.", "We have texted a six-digit code to %s."},
		"account.code":            {"Code reçu", "Code received"},
		"account.code.hint":       {"Six chiffres, par exemple 048 213.", "Six digits, for example 048 213."},
		"account.code.submit":     {"Me connecter", "Sign in"},
		"account.code.again":      {"Pas reçu, ou mauvaise adresse ? Demander un nouveau code", "Not received, or wrong address? Ask for a new code"},
		"account.err.code_format": {"Le code a six chiffres.", "The code has six digits."},
		"account.err.code":        {"Ce code n'est pas valide : il est erroné, expiré ou déjà utilisé, ou trop d'essais ont été faits. Vérifiez-le ou demandez-en un nouveau.", "This code is not valid: it is wrong, expired or already used, or too many tries were made. Check it or ask for a new one."},

		"family.title":              {"Ma famille", "My family"},
		"family.intro":              {"Les personnes pour qui vous prenez rendez-vous : vous-même et les personnes à votre charge. Leurs renseignements remplissent le formulaire de réservation ; ils ne modifient aucun dossier de clinique.", "The people you book for: yourself and those in your care. Their details fill in the booking form; they change no clinic's records."},
		"family.none":               {"Personne pour l'instant. Commencez par vous-même.", "Nobody yet. Start with yourself."},
		"family.born":               {"Date de naissance : %s", "Date of birth: %s"},
		"family.card":               {"Carte : %s", "Card: %s"},
		"family.edit":               {"Modifier (%s)", "Edit (%s)"},
		"family.remove":             {"Retirer %s de la liste", "Remove %s from the list"},
		"family.add.title":          {"Ajouter une personne", "Add a person"},
		"family.add.submit":         {"Ajouter", "Add"},
		"family.edit.title":         {"Modifier une personne", "Edit a person"},
		"family.edit.submit":        {"Enregistrer", "Save"},
		"family.back":               {"Retour à ma famille", "Back to my family"},
		"family.relationship":       {"Lien avec vous", "Relationship to you"},
		"family.hn.hint":            {"4 lettres et 8 chiffres, comme sur la carte. Un nouveau-né peut ne pas encore en avoir.", "4 letters and 8 digits, as on the card. A newborn may not have one yet."},
		"family.rel.self":           {"Moi-même", "Myself"},
		"family.rel.parent":         {"Mon enfant (je suis son parent)", "My child (I am their parent)"},
		"family.rel.legal_guardian": {"Je suis son tuteur ou sa tutrice légale", "I am their legal guardian"},
		"family.rel.other":          {"Autre lien", "Other relationship"},
		"family.err.relationship":   {"Choisissez le lien de la liste.", "Choose the relationship from the list."},
		"family.err.self_twice":     {"Vous figurez déjà dans la liste : choisissez un autre lien.", "You are already on the list: choose another relationship."},
		"family.notice.added":       {"La personne est ajoutée.", "The person is added."},
		"family.notice.saved":       {"Les changements sont enregistrés.", "The changes are saved."},
		"family.notice.removed":     {"La personne est retirée de la liste. Ses rendez-vous restent.", "The person is removed from the list. Their appointments stay."},

		"mine.title":      {"Mes rendez-vous", "My appointments"},
		"mine.intro":      {"Les rendez-vous pris avec votre compte, et ceux pris sans compte avec %s.", "The appointments booked with your account, and those booked without one with %s."},
		"mine.upcoming":   {"À venir", "Upcoming"},
		"mine.past":       {"Passés ou annulés", "Past or cancelled"},
		"mine.none":       {"Aucun rendez-vous à venir.", "No upcoming appointment."},
		"mine.for":        {"Pour %s", "For %s"},
		"mine.number":     {"nº %d", "no. %d"},
		"mine.reschedule": {"Changer l'heure", "Change the time"},
		"mine.cancel":     {"Annuler…", "Cancel…"},

		"book.for_whom":         {"Pour qui ?", "Who is it for?"},
		"book.for_whom.self":    {"(vous)", "(you)"},
		"book.for_whom.other":   {"Quelqu'un d'autre", "Someone else"},
		"book.for_whom.family":  {"Ajouter ou modifier une personne de ma famille", "Add or change someone in my family"},
		"book.signin_hint":      {"Vous avez un compte ?", "Have an account?"},
		"book.signin_link":      {"Connectez-vous pour remplir ce formulaire avec vos renseignements", "Sign in to fill in this form with your details"},
		"book.notify":           {"Recevoir la confirmation et un rappel", "Get the confirmation and a reminder"},
		"book.notify.hint":      {"Au courriel ou au numéro de cellulaire inscrit plus haut (celui du parent pour un enfant). Cocher une case, c'est accepter ces messages ; ce choix est enregistré avec le rendez-vous.", "At the email or mobile number given above (the parent's for a child). Ticking a box is agreeing to these messages; the choice is recorded with the appointment."},
		"book.notify.email":     {"par courriel", "by email"},
		"book.notify.sms":       {"par texto", "by text message"},
		"book.err.notify_sms":   {"Inscrivez un numéro de cellulaire pour recevoir un texto, ou décochez « par texto ».", "Give a mobile number to get a text message, or untick “by text message”."},
		"book.err.not_rostered": {"Ce créneau est réservé aux patients inscrits à cette clinique, et la personne qui consulte n'y est pas inscrite. Choisissez un autre créneau.", "This time is kept for the clinic's registered patients, and the person to be seen is not registered there. Please choose another time."},

		"account.settings.title":        {"Mon compte", "My account"},
		"account.settings.mobile":       {"Cellulaire", "Mobile"},
		"account.settings.contact_hint": {"Vous vous connectez avec ce courriel ou ce numéro. Pour en utiliser un autre, connectez-vous avec lui : c'est un autre compte.", "You sign in with this email or number. To use another, sign in with it: it is another account."},
		"account.settings.consent":      {"Les cases cochées ici le seront d'office sur le formulaire de réservation. Les cocher, c'est accepter de recevoir la confirmation, le rappel et les avis sur vos rendez-vous par ce moyen, au courriel ou au numéro donné en réservant. Vous pouvez changer d'avis en tout temps.", "The boxes ticked here will be ticked for you on the booking form. Ticking them is agreeing to get the confirmation, the reminder and the notices about your appointments that way, at the email or number given when booking. You can change your mind at any time."},
		"account.settings.consent_at":   {"Choix enregistré le %s.", "Choice recorded on %s."},
		"account.settings.submit":       {"Enregistrer mes choix", "Save my choices"},
		"account.notice.saved":          {"Vos choix sont enregistrés.", "Your choices are saved."},

		"rostered.title": {"À votre clinique", "At your clinic"},
		"rostered.intro": {"Votre clinique garde ces heures pour ses patients inscrits, dont une personne de votre famille.", "Your clinic keeps these times for its registered patients, one of whom is in your family."},
		"rostered.badge": {"réservé aux patients inscrits — sans frais", "kept for registered patients — free"},
	})
}

func init() {
	addPlurals(map[string]i18n.Plural{
		"account.code.valid": {
			{"Le code est valide %d minute. Vérifiez aussi vos courriels indésirables.", "Le code est valide %d minutes. Vérifiez aussi vos courriels indésirables."},
			{"The code is valid for %d minute. Check your junk mail too.", "The code is valid for %d minutes. Check your junk mail too."},
		},
	})
}
