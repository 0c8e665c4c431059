package web

// Strings of the rules of who books for whom: pediatrics, the parent or
// guardian of a child, a newborn without a card, a walk-in without one.
func init() {
	addTexts(map[string]text{
		"book.relationship":  {"Lien avec l'enfant", "Relationship to the child"},
		"rel.choose":         {"Choisir…", "Choose…"},
		"rel.parent":         {"Parent", "Parent"},
		"rel.legal_guardian": {"Tuteur ou tutrice légale", "Legal guardian"},
		"rel.other":          {"Autre", "Other"},
		"book.guardian.rules": {"Obligatoire pour un enfant de moins de 14 ans : le parent ou tuteur prend le rendez-vous et c'est lui que la clinique joindra. De 14 à 17 ans, facultatif. Jamais pour un adulte.",
			"Required for a child under 14: the parent or guardian books and is the one the clinic will reach. From 14 to 17, optional. Never for an adult."},
		"book.guardian.contact":  {"Un téléphone ou un courriel.", "A phone number or an email."},
		"book.guardian.optional": {"Facultatif.", "Optional."},
		"book.guardian.hn": {"Facultatif, sauf pour un nouveau-né (moins d'un an) qui n'a pas encore sa carte : inscrivez alors votre propre numéro.",
			"Optional, except for a newborn (under one year) who has no card yet: then give your own number."},
		"book.hn.newborn": {"4 lettres et 8 chiffres, comme sur la carte (ABCD 1234 5678). Nouveau-né sans carte ? Laissez vide et inscrivez le numéro du parent plus bas.",
			"4 letters and 8 digits, as on the card (ABCD 1234 5678). Newborn without a card yet? Leave blank and give the parent's number below."},
		"err.pediatric_age": {"La pédiatrie est réservée aux moins de 18 ans le jour du rendez-vous. Choisissez une consultation générale.",
			"Pediatrics is for patients under 18 on the day of the appointment. Choose a general consultation."},
		"err.guardian_required": {"Un enfant de moins de 14 ans ne prend pas rendez-vous seul : remplissez la section « Parent ou tuteur ».",
			"A child under 14 cannot book alone: fill in the “Parent or guardian” section."},
		"err.guardian_adult": {"La personne qui consulte a 18 ans ou plus et prend rendez-vous elle-même : videz la section « Parent ou tuteur ».",
			"The person to be seen is 18 or older and books for themselves: empty the “Parent or guardian” section."},
		"err.relationship": {"Choisissez le lien : parent, tuteur légal ou autre.", "Choose the relationship: parent, legal guardian or other."},
		"err.newborn_number": {"Pour un nouveau-né sans carte, inscrivez ici le numéro d'assurance maladie du parent.",
			"For a newborn without a card, give the parent's health insurance number here."},
		"err.no_card_number": {"Vu sans carte : laissez le numéro vide, ou décochez « Sans carte ».",
			"Seen without a card: leave the number blank, or untick “No card”."},
		"portal.book.no_card": {"Sans carte (visiteur, nouveau-né, carte oubliée) : vu sans numéro d'assurance maladie",
			"No card (visitor, newborn, card left at home): seen without a health insurance number"},
		"card.none":       {"Sans carte", "No card"},
		"portal.csv.card": {"Carte", "Card"},
		"card.guardian":   {"Carte du parent", "Parent's card"},
	})
}
