package web

// Strings of the search's answers to what people type: postal codes, and
// the next free time when nothing matches.
func init() {
	addTexts(map[string]text{
		"err.postal_outside": {"Ce code postal n'est pas au Québec. Nos cliniques sont au Québec : entrez un code postal qui commence par G, H ou J, ou le nom d'une ville.", "This postal code is not in Québec. Our clinics are in Québec: enter a postal code starting with G, H or J, or a town's name."},
		"err.postal_unknown": {"Nous ne savons pas encore situer ce code postal. Entrez plutôt le nom de votre ville, par exemple Sherbrooke.", "We cannot place this postal code yet. Please enter your town's name instead, for example Sherbrooke."},
		"results.none.short": {"Aucun rendez-vous libre ne correspond à votre recherche.", "No free appointment matches your search."},
		"results.next":       {"En cherchant plus tard ou plus loin autour de %s, la prochaine heure libre pour ce type de consultation :", "Looking later or farther from %s, the next free time for this type of visit:"},
		"results.next.link":  {"Heures libres à %s à partir de ce jour", "Free times at %s from that day on"},
		"results.next.none":  {"Aucune heure libre pour ce type de consultation dans tout le réseau pour le moment.", "No free time for this type of visit anywhere in the network at the moment."},
	})
}
