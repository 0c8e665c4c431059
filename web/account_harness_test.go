package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// sentCode returns the code last sent to a destination, as its message
// in the outbox carries it.
func sentCode(t *testing.T, s *site, to string) string {
	t.Helper()
	ms, err := s.store.Messages(t.Context(), rdv.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("list messages: %v", err)
	}
	for _, m := range ms {
		if m.Kind != rdv.MessageSignInCode || m.To != to {
			continue
		}
		full, err := s.store.Message(t.Context(), m.ID)
		if err != nil {
			t.Fatalf("read message: %v", err)
		}
		return full.Secret
	}
	t.Fatalf("no code sent to %s", to)
	return ""
}

// askCode asks for a code from the patients' sign-in page, and returns
// the answer to the post.
func (b *browser) askCode(contact string) answer {
	b.t.Helper()
	page := b.do(http.MethodGet, patientSigninPath, nil).want(b.t, http.StatusOK)
	return b.post(page, patientSigninPath, url.Values{"contact": {contact}})
}

// typeCode types a code on the code's page, and returns the answer to
// the post.
func (b *browser) typeCode(code string) answer {
	b.t.Helper()
	page := b.do(http.MethodGet, patientCodePath, nil).want(b.t, http.StatusOK)
	return b.post(page, patientCodePath, url.Values{"code": {code}})
}

// signInPatient signs in as the patient of an email or a phone (to, in
// its normal form), by the code sent there.
func (b *browser) signInPatient(contact, to string) {
	b.t.Helper()
	if loc := b.askCode(contact).want(b.t, http.StatusSeeOther).location(b.t); loc != patientCodePath {
		b.t.Fatalf("asking a code leads to %s", loc)
	}
	done := b.typeCode(sentCode(b.t, b.s, to)).want(b.t, http.StatusSeeOther)
	if _, ok := b.cookies[auth.PatientSessionCookie]; !ok {
		b.t.Fatalf("no session after the right code (to %s)", done.location(b.t))
	}
}

// follow gets where a redirect leads, with the browser's cookies.
func (b *browser) follow(a answer) answer {
	b.t.Helper()
	a.want(b.t, http.StatusSeeOther)
	return b.do(http.MethodGet, a.location(b.t), nil)
}

// inLang returns a browser that asks for pages in lang.
func inLang(b *browser, lang string) *browser {
	b.cookies[langCookie] = &http.Cookie{Name: langCookie, Value: lang}
	return b
}

// patientID returns the ID of the account the browser is signed in as.
func (b *browser) patientID() int64 {
	b.t.Helper()
	c, ok := b.cookies[auth.PatientSessionCookie]
	if !ok {
		b.t.Fatal("not signed in as a patient")
	}
	_, a, err := b.s.store.PatientSessionByTokenHash(b.t.Context(), auth.HashToken(c.Value), time.Now())
	if err != nil {
		b.t.Fatalf("patient session: %v", err)
	}
	return a.ID
}

var (
	inputTag  = regexp.MustCompile(`<input[^>]*>`)
	attr      = regexp.MustCompile(`\b(name|type|value)="([^"]*)"`)
	selectTag = regexp.MustCompile(`(?s)<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>`)
	chosenOpt = regexp.MustCompile(`<option value="([^"]*)"[^>]*\bselected>`)
)

// formValues returns what a browser would post from the form whose
// opening tag holds marker: its inputs, ticked boxes and chosen options.
func formValues(t *testing.T, page, marker string) url.Values {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no form %s on the page", marker)
	}
	end := strings.Index(page[i:], "</form>")
	form := page[i : i+end]
	v := url.Values{}
	for _, tag := range inputTag.FindAllString(form, -1) {
		a := map[string]string{}
		for _, m := range attr.FindAllStringSubmatch(tag, -1) {
			a[m[1]] = unescape(m[2])
		}
		if a["name"] == "" || (a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(tag, " checked") {
			continue
		}
		v.Add(a["name"], a["value"])
	}
	for _, m := range selectTag.FindAllStringSubmatch(form, -1) {
		if o := chosenOpt.FindStringSubmatch(m[2]); o != nil {
			v.Set(m[1], unescape(o[1]))
		} else {
			v.Set(m[1], "")
		}
	}
	v.Del("csrf")
	return v
}

// holdFirst searches, holds the first slot found and returns the booking
// form's URL, as this browser.
func (b *browser) holdFirst(lang string) string {
	b.t.Helper()
	res := b.do(http.MethodGet, b.s.searchQuery()+"&lang="+lang, nil).want(b.t, http.StatusOK)
	loc := b.post(res, "/reserver", firstSlotForm(b.t, res.body)).want(b.t, http.StatusSeeOther).location(b.t)
	if !strings.HasPrefix(loc, "/reservation/") {
		b.t.Fatalf("hold redirects to %s", loc)
	}
	return loc
}
