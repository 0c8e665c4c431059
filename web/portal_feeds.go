package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
	"rdv/auth"
)

// The clinic's calendar feeds: made for the whole clinic or one of its
// practitioners, their address (the secret) shown once; revoked for good.
// The feed itself is served by calendarFeed (feed.go).

// feedFields are the feed form's fields with their labels, in order.
var feedFields = []labelled{{"name", "integ.name"}, {"practitioner", "feeds.practitioner"}}

// portalFeedsData is what the feeds page shows.
type portalFeedsData struct {
	Clinic        rdv.Clinic
	Practitioners []option // the whole clinic first
	Feeds         []tokenRow
	Secret        *shownSecret // Secret is the new feed's address
}

// portalFeeds lists the clinic's feeds with the form to make one.
func (s *Server) portalFeeds(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	f := s.integDraft(w, r, feedsPath, feedFields)
	if f == nil {
		f = newForm(url.Values{"practitioner": {"0"}})
	}
	s.renderFeeds(w, r, http.StatusOK, c, f, s.takeSecret(w, r, feedsPath), integNotice(r, "feeds", "created", "revoked"))
}

func (s *Server) renderFeeds(w http.ResponseWriter, r *http.Request, status int, c rdv.Clinic, f *form, secret *shownSecret, notice string) {
	list, err := s.d.Store.ClinicTokens(r.Context(), c.ID, rdv.CalendarFeed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r.Context())
	data := portalFeedsData{Clinic: c, Secret: secret}
	chosen := f.Values.Get("practitioner")
	data.Practitioners = append(data.Practitioners, option{Value: "0", Label: translate(lang, "feeds.all"), Selected: chosen == "0" || chosen == ""})
	for _, p := range s.d.Index.Practitioners() {
		if p.ClinicID == c.ID {
			id := strconv.FormatInt(p.ID, 10)
			data.Practitioners = append(data.Practitioners, option{Value: id, Label: p.Name, Selected: chosen == id})
		}
	}
	for _, t := range list {
		data.Feeds = append(data.Feeds, s.tokenRowOf(t, lang))
	}
	s.render(w, r, status, "portal_feeds", &page{Title: "feeds.title", Form: f, Data: data, NoticeKey: notice})
}

// portalAddFeed makes a feed of the account's clinic and shows its
// address once, in the admin's language.
func (s *Server) portalAddFeed(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	t := rdv.ClinicToken{ClinicID: c.ID, Kind: rdv.CalendarFeed, Name: strings.TrimSpace(f.Values.Get("name")),
		CreatedBy: a.ID, CreatedAt: s.d.Engine.Now()}
	if id, err := strconv.ParseInt(f.Values.Get("practitioner"), 10, 64); err != nil {
		f.Fail("practitioner", "feeds.err.practitioner")
	} else if p, ok := s.d.Index.Practitioner(id); id != 0 && (!ok || p.ClinicID != c.ID) {
		f.Fail("practitioner", "feeds.err.practitioner")
	} else {
		t.PractitionerID = id
	}
	tokenRefused(f, t.Validate())
	if len(f.Errors) == 0 {
		secret := newSecret(rdv.CalendarFeed)
		t.Prefix = rdv.TokenPrefix(secret)
		made, err := s.d.Store.AddClinicToken(r.Context(), t, auth.HashToken(secret))
		switch {
		case err == nil:
			s.log.InfoContext(r.Context(), "calendar feed made", "clinic", c.ID, "feed", made.ID, "account", a.ID)
			dropPageCookie(w, r, integDraftCookie, feedsPath)
			address := s.feedURL(secret, langOf(r.Context()))
			s.handSecret(w, r, feedsPath, "created", shownSecret{Name: made.Name, Secret: address}, func(sec *shownSecret) {
				s.renderFeeds(w, r, http.StatusOK, c, newForm(nil), sec, "feeds.notice.created")
			})
			return
		case rdv.ErrorCode(err) == rdv.ENOTFOUND: // the practitioner left the clinic meanwhile
			f.Fail("practitioner", "feeds.err.practitioner")
		case !tokenRefused(f, err):
			s.fail(w, r, err)
			return
		}
	}
	s.sendIntegBack(w, r, feedsPath, f, feedFields, func(f *form) {
		s.renderFeeds(w, r, http.StatusUnprocessableEntity, c, f, nil, "")
	})
}

// feedURL is the address of the feed of secret: absolute, from the
// configured public address, and in English for an admin who reads the
// portal in English (the calendar that fetches it says no language).
func (s *Server) feedURL(secret, lang string) string {
	u := s.publicURL + feedPrefixPath + secret + ".ics"
	if lang == "en" {
		u += "?lang=en"
	}
	return u
}

// portalRevokeFeed revokes a feed of the account's clinic.
func (s *Server) portalRevokeFeed(w http.ResponseWriter, r *http.Request) {
	s.revokeToken(w, r, rdv.CalendarFeed, feedsPath, "revoked")
}
