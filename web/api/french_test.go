package api

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"rdv"
	"rdv/i18n"
	"rdv/i18n/i18ntest"
)

// TestFrenchMessagesHaveNoEnglish says every message of the API in
// French, each error code, each field invalid or holding a control
// character (the patient's, the guardian's, an unknown one), each reason
// the domain gives, each staff refusal and place refusal, and runs them
// through the site's no-English check; in English every text is found.
func TestFrenchMessagesHaveNoEnglish(t *testing.T) {
	probes := i18ntest.English(nil)
	mustSay := func(s string, ok bool) string {
		t.Helper()
		if !ok {
			t.Error("no message")
		}
		return s
	}
	for _, lang := range []string{"fr", "en"} {
		said := map[string]string{}
		for _, code := range errorCodes() {
			said["code "+code] = message(lang, code, "")
		}
		fields := []string{"mystery", "blocks[0].service"}
		for key := range i18n.All() {
			if name, ok := strings.CutPrefix(key, "api.field."); ok && name != "unknown" {
				fields = append(fields, name, "patient."+name, "guardian."+name)
			}
		}
		for _, field := range fields {
			said["invalid "+field] = message(lang, rdv.EINVALID, field)
			said["control "+field] = mustSay(reasonMessage(lang, &rdv.Error{Code: rdv.EINVALID, Field: field, Err: rdv.ErrControlCharacter}))
		}
		for _, r := range reasons {
			for _, field := range []string{"patient.health_number", "guardian.health_number"} {
				said[r.key+" "+field] = mustSay(reasonMessage(lang, &rdv.Error{Code: rdv.EINVALID, Field: field, Err: r.err}))
			}
		}
		for e, key := range staffMessages {
			said[key] = mustSay(staffMessage(lang, e))
		}
		for _, p := range placeMessages {
			said[p.key] = mustSay(placeMessage(lang, p.err))
		}
		said["exception blocked"] = i18n.T(lang, "api.exception.blocked")
		for name, s := range said {
			if s == "" || strings.Contains(s, "[[") {
				t.Errorf("%s %s: a text is missing: %q", lang, name, s)
			}
			if lang == "fr" {
				probes.NoEnglish(t, name, s)
			}
		}
	}
}

// TestEveryKeyInCode walks every key of the API's texts that its code
// names and checks that the site's texts hold it.
func TestEveryKeyInCode(t *testing.T) {
	key := regexp.MustCompile(`"(api\.[A-Za-z0-9_.-]+)"`)
	files, _ := filepath.Glob("*.go")
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "texts.go" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix, completed at run time
			}
			seen++
			if _, ok := i18n.Lookup(m[1]); !ok {
				t.Errorf("%s names the text %q, which does not exist", name, m[1])
			}
		}
	}
	if seen < 8 {
		t.Errorf("only %d keys found in the code: the walk has lost its way", seen)
	}
}
