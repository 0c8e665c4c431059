package web

// Strings of the checks of who a booking is for.
func init() {
	addTexts(map[string]text{
		"err.hn_name": {"Ce numéro ne correspond pas au nom : ses lettres sont les trois premières du nom de famille et la première du prénom, comme sur la carte.",
			"This number does not match the name: its letters are the first three of the last name and the first of the first name, as on the card."},
		"err.control": {"Ce champ contient un caractère invisible (caractère de contrôle ou de direction du texte) qui n'est pas permis. Retapez-le sans copier-coller.",
			"This field contains an invisible character (a control or text-direction character) that is not allowed. Type it again without copying and pasting."},
	})
}
