package web

// Strings of the checks of who a booking is for.
func init() {
	addTexts(map[string]text{
		"err.hn_name": {"Ce numéro ne correspond pas au nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"This number does not match the name: its letters are the first three of the last name and the first of the first name, as on the card."},
	})
}
