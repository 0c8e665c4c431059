package api

import (
	"strings"

	"rdv"
	"rdv/i18n"
)

// message returns the message for an error code in lang (texts.go).
// Invalid fields are named in words: "Le numéro d'assurance maladie est
// invalide."
func message(lang, code, field string) string {
	if code == rdv.EINVALID && field != "" {
		return fieldSentence(lang, "api.invalid", field, true)
	}
	if _, ok := i18n.Lookup("api.error." + code); !ok {
		code = rdv.EINTERNAL
	}
	return i18n.T(lang, "api.error."+code)
}

// fieldSentence says the sentence of key about field, naming the field in
// words and saying whose it is when it is the guardian's
// ("guardian.phone"). firstLevel names a nested field by its first level
// only (blocks[0].service).
func fieldSentence(lang, key, field string, firstLevel bool) string {
	owner, name, nested := strings.Cut(field, ".")
	if !nested {
		owner, name = "", field
	}
	if i := strings.IndexByte(name, '.'); firstLevel && i >= 0 {
		name = name[:i]
	}
	n := i18n.T(lang, "api.field.unknown", field)
	if _, ok := i18n.Lookup("api.field." + name); ok {
		n = i18n.T(lang, "api.field."+name)
	}
	if owner == "guardian" {
		key += ".guardian"
	}
	return i18n.T(lang, key, n)
}
