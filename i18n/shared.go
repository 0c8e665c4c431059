package i18n

// Texts that several areas show the same way. Each is written once here;
// the areas put it in their pages under their own keys or use it as is.
var (
	// SiteName is the service's name, on its pages and in its messages.
	SiteName = Text{"Rendez-vous santé Québec", "Québec Health Appointments"}
	// Emergency ends every page a patient may reach, the waiting room's
	// included: whoever waits for a booking may need 911 instead.
	Emergency = Text{"Urgence : composez le 911. Conseils santé (Info-Santé) : 811.", "Emergency: call 911. Health advice (Info-Santé): 811."}
	// BackHome is the link to the home page from a page that has no
	// other way on (a refusal under load).
	BackHome = Text{"Retour à l'accueil", "Back to the home page"}
	// Busy titles the page of a request refused under load, whether the
	// edge refused it (admission) or a page could not be served.
	Busy = Text{"Service très sollicité", "Service busy"}
	// LanguageNav names the navigation that holds the language switch.
	LanguageNav = Text{"Langue", "Language"}
)

// Name returns the name of lang written in that language, as the switch
// shows it on pages of either language.
func Name(lang string) string {
	if lang == "en" {
		return "English"
	}
	return "Français"
}

// Other returns the language the switch offers on a page in lang.
func Other(lang string) string {
	if lang == "en" {
		return "fr"
	}
	return "en"
}
