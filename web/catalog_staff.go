package web

// Strings of sign-in, the shared staff pages and the status banner.
func init() {
	addTexts(map[string]text{
		"error.403.title": {"Accès refusé", "Access denied"},
		"error.403.text":  {"Vous n'avez pas accès à cette page.", "You do not have access to this page."},
		"error.403.role":  {"Votre compte n'a pas accès à cette page. Demandez l'accès à un administrateur.", "Your account does not have access to this page. Ask an administrator for access."},
		"error.403.csrf":  {"Ce formulaire a expiré ou ne vient pas de ce site. Revenez à la page précédente, rechargez-la et envoyez-le de nouveau.", "This form has expired or did not come from this site. Go back, reload the page and send it again."},

		"signin.title":      {"Connexion du personnel", "Staff sign-in"},
		"signin.intro":      {"Réservé au personnel des cliniques, aux agents et aux opérateurs du réseau. Les patients n'ont pas besoin de compte.", "For clinic staff, agents and network operators only. Patients need no account."},
		"signin.email":      {"Courriel", "Email"},
		"signin.password":   {"Mot de passe", "Password"},
		"signin.submit":     {"Se connecter", "Sign in"},
		"signin.failed":     {"Courriel ou mot de passe incorrect.", "Wrong email or password."},
		"signin.wait":       {"Trop d'essais. Attendez une minute avant de réessayer.", "Too many attempts. Wait a minute before trying again."},
		"signin.signed_out": {"Vous êtes déconnecté.", "You are signed out."},
		"signout.submit":    {"Se déconnecter", "Sign out"},
		"staff.signed_in":   {"Connecté : %s", "Signed in: %s"},
		"staff.nav":         {"Votre espace", "Your workspace"},

		"staff.home.receptionist": {"Agenda de la clinique", "Clinic agenda"},
		"staff.home.clinic_admin": {"Agenda de la clinique", "Clinic agenda"},
		"staff.home.agent":        {"Console téléphonique", "Phone console"},
		"staff.home.operator":     {"Console de l'opérateur", "Operator console"},
		"banner.label":            {"Avis important", "Important notice"},
	})
}
