package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"rdv"
	"rdv/places"
)

// The operator console: the status banner every page shows, and the
// clinics of the network with a form to onboard one.

// operatorData is what the console shows besides its forms.
type operatorData struct {
	Clinics  []rdv.Clinic
	Levels   []string
	Services []rdv.Service
}

var bannerLevels = []string{"info", "warning", "critical"}

// operatorHome shows the console.
func (s *Server) operatorHome(w http.ResponseWriter, r *http.Request) {
	b := s.banner(r.Context())
	f := newForm(url.Values{"banner_fr": {b.TextFR}, "banner_en": {b.TextEN}, "level": {b.Level}, "languages": {"fr"}})
	s.renderOperator(w, r, http.StatusOK, f, noticeKey(r.URL.Query().Get("avis")))
}

// noticeKey maps the console's one-time notices to their strings.
func noticeKey(avis string) string {
	switch avis {
	case "banner_set", "banner_cleared", "clinic_created":
		return "op.notice." + avis
	}
	return ""
}

func (s *Server) renderOperator(w http.ResponseWriter, r *http.Request, status int, f *form, notice string) {
	clinics, err := s.d.Store.Clinics(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &page{Title: "op.title", Form: f, Data: operatorData{Clinics: clinics, Levels: bannerLevels, Services: rdv.Services}, NoticeKey: notice}
	s.render(w, r, status, "operator", p)
}

// setBanner writes the banner every page shows.
func (s *Server) setBanner(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	fr, en := strings.TrimSpace(f.Values.Get("banner_fr")), strings.TrimSpace(f.Values.Get("banner_en"))
	level := f.Values.Get("level")
	for _, x := range []struct{ name, v string }{{"banner_fr", fr}, {"banner_en", en}} {
		switch {
		case x.v == "":
			f.Fail(x.name, "err.required")
		case len(x.v) > 500:
			f.Fail(x.name, "op.err.too_long")
		}
	}
	if level != "info" && level != "warning" && level != "critical" {
		f.Fail("level", "err.invalid")
	}
	if len(f.Errors) > 0 {
		f.summarize([]labelled{{"banner_fr", "op.banner.fr"}, {"banner_en", "op.banner.en"}, {"level", "op.banner.level"}})
		s.renderOperator(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	a, _ := s.account(r)
	s.writeBanner(w, r, rdv.Banner{TextFR: fr, TextEN: en, Level: level, SetBy: a.ID, SetAt: time.Now()}, "banner_set")
}

// clearBanner removes the banner.
func (s *Server) clearBanner(w http.ResponseWriter, r *http.Request) {
	s.writeBanner(w, r, rdv.Banner{}, "banner_cleared")
}

func (s *Server) writeBanner(w http.ResponseWriter, r *http.Request, b rdv.Banner, notice string) {
	if err := s.d.Store.SetBanner(r.Context(), b); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setBannerCached(b)
	a, _ := s.account(r)
	s.log.InfoContext(r.Context(), "status banner changed", "account", a.ID, "level", b.Level, "cleared", b == rdv.Banner{})
	http.Redirect(w, r, "/operateur?avis="+notice, http.StatusSeeOther)
}

// createClinic onboards a clinic. Its position is its town's: the
// operator names the town, not coordinates.
func (s *Server) createClinic(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	c := rdv.Clinic{
		Name:    strings.TrimSpace(f.Values.Get("name")),
		Address: strings.TrimSpace(f.Values.Get("address")),
		Phone:   strings.TrimSpace(f.Values.Get("phone")),
	}
	for _, x := range []struct{ name, v string }{{"name", c.Name}, {"address", c.Address}} {
		switch {
		case x.v == "":
			f.Fail(x.name, "err.required")
		case len(x.v) > 100:
			f.Fail(x.name, "err.too_long")
		}
	}
	if c.Phone != "" {
		if digits := strings.Map(keepDigit, c.Phone); len(digits) != 10 {
			f.Fail("phone", "err.phone")
		}
	}
	if place, ok := places.Lookup(f.Values.Get("city")); ok {
		c.City, c.Lat, c.Lon = place.Name, place.Lat, place.Lon
	} else {
		f.Fail("city", "err.place")
	}
	for _, code := range f.Values["services"] {
		svc, err := rdv.ParseService(code)
		if err != nil {
			f.Fail("services", "err.service")
			break
		}
		c.Services = append(c.Services, svc)
	}
	if len(c.Services) == 0 {
		f.Fail("services", "op.err.services")
	}
	for _, l := range f.Values["languages"] {
		if l != "fr" && l != "en" {
			f.Fail("languages", "err.language")
			break
		}
		c.Languages = append(c.Languages, l)
	}
	if len(c.Languages) == 0 {
		f.Fail("languages", "err.language")
	}
	if len(f.Errors) > 0 {
		f.summarize([]labelled{{"name", "op.clinic.name"}, {"address", "op.clinic.address"}, {"city", "op.clinic.city"},
			{"phone", "op.clinic.phone"}, {"services", "op.clinic.services"}, {"languages", "op.clinic.languages"}})
		s.renderOperator(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	c, err := s.d.Store.CreateClinic(r.Context(), c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Searchable at once here; other instances learn of it from its
	// first slots.
	s.d.Index.AddClinic(c, nil)
	a, _ := s.account(r)
	s.log.InfoContext(r.Context(), "clinic onboarded", "clinic", c.ID, "account", a.ID)
	http.Redirect(w, r, "/operateur?avis=clinic_created#cliniques", http.StatusSeeOther)
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}
