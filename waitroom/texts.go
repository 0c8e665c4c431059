package waitroom

import "rdv/i18n"

// The waiting page's texts. The language switch, its label and the
// emergency line are the site's own (i18n).
func init() {
	i18n.Add(i18n.Catalog{
		"waitroom.title":     {"Salle d'attente virtuelle", "Virtual waiting room"},
		"waitroom.intro":     {"Beaucoup de personnes cherchent un rendez-vous en ce moment. Pour que le site reste rapide pour tous, nous faisons entrer les visiteurs dans leur ordre d'arrivée.", "Many people are looking for an appointment right now. To keep the site fast for everyone, visitors come in in the order they arrived."},
		"waitroom.ahead":     {"Personnes devant vous : %d", "People ahead of you: %d"},
		"waitroom.next":      {"Vous êtes le prochain. Vous entrerez dans quelques secondes.", "You are next. You will be in within seconds."},
		"waitroom.wait":      {"Attente estimée : environ %s.", "Estimated wait: about %s."},
		"waitroom.nocookies": {"Votre navigateur n'a pas gardé notre témoin (cookie) : sans lui, nous ne pouvons pas vous garder de place dans la file. Autorisez les témoins pour ce site, ou laissez une demande de rendez-vous.", "Your browser did not keep our cookie: without it we cannot keep your place in line. Allow cookies for this site, or leave an appointment request."},
		"waitroom.arriving":  {"Nous vous donnons une place dans la file d'attente…", "Getting you a place in line…"},
		"waitroom.noticket":  {"Nous ne pouvons pas vous donner de place pour l'instant. La page réessaiera toute seule.", "We cannot give you a place in line right now. The page will try again by itself."},
		"waitroom.keep":      {"Cette page se met à jour toute seule. Gardez-la ouverte : vous gardez votre place.", "This page updates itself. Keep it open: you keep your place."},
		"waitroom.check":     {"Voir ma place maintenant", "Check my place now"},
		"waitroom.pause":     {"Suspendre la mise à jour", "Pause updates"},
		"waitroom.resume":    {"Reprendre la mise à jour", "Resume updates"},
		"waitroom.request":   {"Vous préférez ne pas attendre ? Laissez une demande de rendez-vous et on vous rappellera.", "Rather not wait? Leave an appointment request and you will be called back."},
		"waitroom.api":       {"Salle d'attente : réessayez après le délai indiqué, avec les témoins reçus.", "Waiting room: try again after the delay given, with the cookies received."},
	})
	i18n.AddPlurals(i18n.Plurals{
		"waitroom.minutes": {[2]string{"%d minute", "%d minutes"}, [2]string{"%d minute", "%d minutes"}},
		"waitroom.hours":   {[2]string{"%d heure", "%d heures"}, [2]string{"%d hour", "%d hours"}},
	})
}
