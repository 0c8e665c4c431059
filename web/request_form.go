package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/places"
)

// The appointment-request form ("demande"): for someone who finds no free
// time, or who would rather be called. It goes through the durable spool
// as the API's does, so it is taken, and its reference given at once, even
// while the database is down.

// requestRadii are the distances the form offers, in km.
var requestRadii = []int{10, 25, 50, 100}

// requestFormData is what the form page shows besides the form.
type requestFormData struct {
	Services []rdv.Service
	Radii    []radiusOption
	Places   any // the datalist of places
	requestChoices
}

// radiusOption is one distance of the form's list.
type radiusOption struct {
	Km    int
	Label string
}

// requestFields are the form's fields with their labels, in order.
var requestFields = func() []labelled {
	var out []labelled
	for _, pf := range patientFields {
		out = append(out, labelled{pf.name, pf.labelKey})
	}
	out = append(out, labelled{"language", "book.language"}, labelled{"service", "search.service"}, labelled{"place", "search.place"},
		labelled{"radius", "search.radius"})
	out = append(out, requestCriteriaFields...)
	return append(out, labelled{"availability", "req.availability"}, labelled{paymentField, "req.payment"}, labelled{"form", "req.title"})
}()

// requestForm shows the empty form, with the search's service and place
// when it comes from a search without results.
func (s *Server) requestForm(w http.ResponseWriter, r *http.Request) {
	if d, ok := s.requestDraft(w, r); ok {
		// What was typed, and the messages of a form just sent back
		// (request_sent_back.go).
		f := newForm(d.Values)
		for k, v := range d.Errors {
			f.Fail(k, v)
		}
		f.summarize(requestFields)
		s.renderRequestForm(w, r, http.StatusOK, f)
		return
	}
	q := r.URL.Query()
	v := url.Values{"language": {langOf(r.Context())}, "radius": {"25"}, "scope": {string(rdv.ScopeNetwork)},
		"service": {q.Get("service")}, "place": {q.Get("lieu")}}
	s.requestFormFor(r, v)
	s.renderRequestForm(w, r, http.StatusOK, newForm(v))
}

func (s *Server) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, f *form) {
	s.render(w, r, status, "request_form", &page{Title: "req.title", Form: f,
		Data: requestFormData{Services: rdv.Services, Radii: radiusOptions(langOf(r.Context())), Places: s.places,
			requestChoices: s.requestChoicesFor(r, f)}})
}

func radiusOptions(lang string) []radiusOption {
	out := make([]radiusOption, len(requestRadii))
	for i, km := range requestRadii {
		out[i] = radiusOption{km, FormatKm(float64(km), lang)}
	}
	return out
}

// submitRequest checks the form and spools the request; a form with
// mistakes comes back with every value kept and each message by its
// field.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) {
	if s.d.Requests == nil {
		s.renderError(w, r, http.StatusServiceUnavailable)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	now := time.Now()
	req := readRequest(f, rdv.DateOf(now))
	s.readWho(r, f, &req)
	s.readCriteria(r, f, &req, now)
	if len(f.Errors) > 0 {
		if s.keepRequestDraft(w, r, draft{Values: typedValues(f.Values), Errors: f.Errors}) {
			http.Redirect(w, r, requestPath, http.StatusSeeOther)
			return
		}
		f.summarize(requestFields)
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	// The request's own page opens with this token, given once, here.
	token := auth.RandomToken(24)
	req.TokenHash = auth.HashToken(token)
	req.PaymentToken = strings.TrimSpace(f.Values.Get(paymentField))
	got, err := s.d.Requests.Accept(r.Context(), req)
	if key, ok := paymentRefusal(err); ok {
		// The person chooses another payment, or their own clinic: the
		// form comes back as typed, without the token.
		f.Fail(paymentField, key)
		if s.keepRequestDraft(w, r, draft{Values: typedValues(f.Values), Errors: f.Errors}) {
			http.Redirect(w, r, requestPath, http.StatusSeeOther)
			return
		}
		f.summarize(requestFields)
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dropRequestDraft(w, r)
	s.log.InfoContext(r.Context(), "appointment request accepted", "reference", got.Reference)
	s.requestSent(w, r, got.Reference, token)
}

// readRequest reads and checks the form, recording each problem by its
// field.
func readRequest(f *form, today rdv.Date) rdv.AppointmentRequest {
	get := func(name string) string { return strings.TrimSpace(f.Values.Get(name)) }
	p := readPatient(f, "")
	if p.Language != "fr" && p.Language != "en" {
		f.Fail("language", "err.language")
	}
	// Every error at once; a field already refused (left empty, a date
	// that does not read) keeps its message.
	placeErrors(f, p.Validate(today))
	out := rdv.AppointmentRequest{
		FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate, HealthNumber: p.HealthNumber,
		Phone: p.Phone, Email: p.Email, Language: p.Language,
		Place:        get("place"),
		Availability: get("availability"),
		Child:        f.Values.Get("child") == "1",
		Urgent:       f.Values.Get("urgent") == "1",
	}
	if svc, err := rdv.ParseService(get("service")); err == nil {
		out.Service = svc
	} else {
		f.Fail("service", "err.service")
	}
	switch {
	case rdv.CheckText("place", out.Place) != nil:
		f.Fail("place", "err.control")
	case out.Place == "":
		f.Fail("place", "err.required")
	case len(out.Place) > 200:
		f.Fail("place", "err.too_long")
	default:
		// The matcher looks for slots around the place, as the API's
		// requests are: one it cannot find would never be offered any.
		place, err := places.Resolve(out.Place)
		if err != nil {
			f.Fail("place", "err.place")
			break
		}
		out.Place, out.Lat, out.Lon = place.Name, place.Lat, place.Lon
	}
	if km, err := strconv.Atoi(get("radius")); err == nil && validRadius(km) {
		out.RadiusKm = float64(km)
	} else {
		f.Fail("radius", "err.radius")
	}
	// The availability is a note for a person now that the criteria say
	// when: optional, as the API's.
	switch {
	case rdv.CheckLongText("availability", out.Availability) != nil:
		f.Fail("availability", "err.control")
	case len(out.Availability) > 1000:
		f.Fail("availability", "req.err.availability_long")
	}
	return out
}

func validRadius(km int) bool {
	for _, r := range requestRadii {
		if km == r {
			return true
		}
	}
	return false
}
