package rdv

// Validate checks a request for a sign-in code before a store writes it.
// The destination must already be in its normal form (NormalizeEmail,
// NormalizePhone): accounts and guests' bookings are matched on it, so a
// code sent to another spelling would sign in nobody. An empty language
// is French.
func (r *SignInCodeRequest) Validate() error {
	var errs FieldErrors
	errs.add(checkDestination(r.Channel, r.To))
	if len(r.Code) != 6 || !digits(r.Code) {
		errs.add(FieldError("code", "a code is six digits"))
	}
	if r.CodeHash == "" {
		errs.add(FieldError("code_hash", "code hash missing"))
	}
	errs.add(checkAccountLanguage(&r.Language))
	if r.Now.IsZero() {
		errs.add(FieldError("now", "time of the request missing"))
	}
	return errs.err()
}

// Validate checks a code typed for a destination, and the session that a
// right code opens, before a store spends a try on it.
func (r *VerifyCodeRequest) Validate() error {
	var errs FieldErrors
	errs.add(checkDestination(r.Channel, r.To))
	if r.CodeHash == "" {
		errs.add(FieldError("code_hash", "code hash missing"))
	}
	errs.add(checkAccountLanguage(&r.Language))
	if r.Now.IsZero() {
		errs.add(FieldError("now", "time of the request missing"))
	}
	if r.Session.CreatedAt.IsZero() {
		r.Session.CreatedAt = r.Now
	}
	if se := r.Session; se.TokenHash == "" || se.CSRFToken == "" || !se.ExpiresAt.After(se.CreatedAt) {
		errs.add(FieldError("session", "session without token, CSRF token or life"))
	}
	return errs.err()
}

// Validate checks what a patient may change of their account: the
// language of their messages, and the time the channels were chosen (the
// consent's record; the channels are any choice, none included).
func (a *PatientAccount) Validate() error {
	var errs FieldErrors
	if a.Language != "fr" && a.Language != "en" {
		errs.add(FieldError("language", "language must be fr or en"))
	}
	if a.ConsentAt.IsZero() {
		errs.add(FieldError("consent_at", "time of the choice missing"))
	}
	return errs.err()
}

// checkDestination checks that to is a destination of channel, in its
// normal form.
func checkDestination(channel MessageChannel, to string) error {
	switch channel {
	case ByEmail:
		if e, ok := NormalizeEmail(to); !ok || e != to {
			return FieldError("to", "not a normalised email address")
		}
	case BySMS:
		if n, ok := NormalizePhone(to); !ok || n != to {
			return FieldError("to", "not a phone number in E.164 form")
		}
	default:
		return FieldError("channel", "channel must be email or sms")
	}
	return nil
}

// checkAccountLanguage checks the language of an account's messages,
// French when none is given.
func checkAccountLanguage(lang *string) error {
	switch *lang {
	case "":
		*lang = "fr"
	case "fr", "en":
	default:
		return FieldError("language", "language must be fr or en")
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
