package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"rdv"
	"rdv/booking"
)

// patientFields are the inputs of one person on the booking form, in the
// order they appear; the guardian's carry the prefix "guardian_".
var patientFields = []struct {
	name, labelKey string
	optional       bool
}{
	{"first_name", "book.first_name", false},
	{"last_name", "book.last_name", false},
	{"birth_date", "book.birth_date", false},
	{"health_number", "book.health_number", false},
	{"phone", "book.phone", true},
	{"email", "book.email", true},
}

const guardianPrefix = "guardian_"

// bookingData is what the booking form shows.
type bookingData struct {
	Slot      slotView
	HeldUntil time.Time
	// SecondsLeft is what the countdown starts from: the device's clock
	// may be wrong, the time left is not.
	SecondsLeft int
	Action      string
	Nonce       string
	Today       string
	// Query is the search the hold was made from, which the form keeps
	// (see release_hold.go); OtherAction gives the hold back and returns
	// to it; PageURL is the form's own address, which a page answering a
	// post puts in the history in its place (app.js), so that Back
	// never asks to post again.
	Query       string
	OtherAction string
	PageURL     string
	// Account is what the form shows of a signed-in patient: « Pour
	// qui ? » (see booking_account.go); or the way to sign in.
	Account bookingAccountData
}

// slotView is a slot with the names people need to find their way there.
type slotView struct {
	Start         time.Time
	Service       rdv.Service
	ClinicName    string
	Address, City string
	ClinicPhone   string
	Practitioner  string
}

func (s *Server) viewSlot(sl rdv.Slot) slotView {
	v := slotView{Start: sl.Start, Service: sl.Service}
	if c, ok := s.d.Index.Clinic(sl.ClinicID); ok {
		v.ClinicName, v.Address, v.City, v.ClinicPhone = c.Name, c.Address, c.City, c.Phone
	}
	if p, ok := s.d.Index.Practitioner(sl.PractitionerID); ok {
		v.Practitioner = p.Name
	}
	return v
}

// holdState says whether the hold of a booking page can still be used.
type holdState int

const (
	holdLive    holdState = iota
	holdUsed              // confirmed already, or never existed
	holdExpired           // ran out; the slot may have gone to someone else
)

// findHold finds the hold of the page and its slot, and whether the hold
// can still be used.
func (s *Server) findHold(ctx context.Context, id string) (rdv.Hold, rdv.Slot, holdState, error) {
	h, err := s.d.Store.Hold(ctx, id)
	if rdv.ErrorCode(err) == rdv.ENOTFOUND {
		return rdv.Hold{}, rdv.Slot{}, holdUsed, nil
	}
	if err != nil {
		return rdv.Hold{}, rdv.Slot{}, 0, fmt.Errorf("find hold: %w", err)
	}
	sl, err := s.d.Store.Slot(ctx, h.SlotID)
	if err != nil {
		return rdv.Hold{}, rdv.Slot{}, 0, fmt.Errorf("find slot of hold: %w", err)
	}
	expired := !s.d.Engine.Now().Before(h.ExpiresAt)
	switch {
	// While the hold lasts nobody else can book its slot: booked means
	// booked through this hold.
	case sl.State == rdv.SlotBooked && (sl.HoldID == h.ID || !expired):
		return h, sl, holdUsed, nil
	case expired || sl.HoldID != h.ID:
		return h, sl, holdExpired, nil
	}
	return h, sl, holdLive, nil
}

// bookingForm shows the form that turns a hold into an appointment.
func (s *Server) bookingForm(w http.ResponseWriter, r *http.Request) {
	h, sl, state, err := s.findHold(r.Context(), r.PathValue("hold"))
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case state != holdLive:
		var d draft
		s.holdCookie(r, draftCookieName, h.ID, &d)
		s.answerUnusable(w, r, h, sl, state, d.Values)
		return
	}
	// A signed-in patient's choice of whom the booking is for fills the
	// form in afresh (see booking_account.go).
	if _, filled := s.bookingFor(r, h.ID); filled != nil {
		s.renderBooking(w, r, http.StatusOK, h, sl, newForm(filled))
		return
	}
	// What was typed before (a reload, Back, the next time held after a
	// hold ran out) is shown again; the messages of a form just sent
	// back are shown once (see form_sent_back.go).
	var d draft
	if s.holdCookie(r, draftCookieName, h.ID, &d) && d.Values != nil {
		f := newForm(d.Values)
		for k, v := range d.Errors {
			f.Fail(k, v)
		}
		f.summarize(bookingFields)
		if len(d.Errors) > 0 {
			s.setHoldCookie(w, r, draftCookieName, h.ID, draft{Values: d.Values})
		}
		s.renderBooking(w, r, http.StatusOK, h, sl, f)
		return
	}
	s.renderBooking(w, r, http.StatusOK, h, sl, newForm(s.bookingDefaults(r)))
}

func (s *Server) renderBooking(w http.ResponseWriter, r *http.Request, status int, h rdv.Hold, sl rdv.Slot, f *form) {
	action := holdPath(h.ID)
	back := s.carriedSearch(r, h.ID)
	acct, _ := s.bookingFor(r, h.ID)
	s.render(w, r, status, "booking", &page{
		Title:      "book.title",
		Form:       f,
		SwitchURL:  action + "?lang=" + otherLang(langOf(r.Context())),
		SwitchForm: "booking",
		Data: bookingData{
			Slot:        s.viewSlot(sl),
			HeldUntil:   h.ExpiresAt,
			SecondsLeft: max(0, int(h.ExpiresAt.Sub(s.d.Engine.Now()).Seconds())),
			Action:      action,
			Nonce:       newNonce(),
			Today:       rdv.DateOf(s.d.Engine.Now()).String(),
			Query:       back.Encode(),
			OtherAction: action + "/autre-creneau",
			PageURL:     action,
			Account:     acct,
		},
	})
}

// confirm books the held slot for the person, or sends the form back with
// a message by each field to correct.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if r.PostForm.Has(switchField) {
		s.switchBookingLanguage(w, r)
		return
	}
	values := url.Values{}
	for k, v := range r.PostForm {
		if k != "cle" && k != "q" {
			values[k] = v
		}
	}
	f := newForm(values)
	in := readBooking(f)
	in.HoldID = r.PathValue("hold")
	idem := idemKey("web POST /reservation", r.PostForm.Get("cle"), values)
	h, sl, state, err := s.findHold(r.Context(), in.HoldID)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case state != holdLive:
		// The same form posted twice (a double click, a reload after a
		// lost answer) finds its hold used: the store replays the first
		// confirmation, so the person still gets the appointment's link.
		if idem != nil && len(f.Errors) == 0 {
			if a, err := s.d.Engine.Confirm(r.Context(), in, idem); err == nil {
				s.booked(w, r, h.ID, a)
				return
			}
		}
		s.answerUnusable(w, r, h, sl, state, typedValues(r.PostForm))
		return
	}
	// Check the people here too, so that one answer shows every message
	// by its field; the engine checks again and has the last word.
	s.checkPeople(f, in, sl)
	notify := readNotify(f)
	in.Notify = &notify
	if acct, ok := s.patient(r); ok {
		in.AccountID = acct.ID
	}
	if len(f.Errors) > 0 {
		s.sendBookingBack(w, r, h, sl, f)
		return
	}
	a, err := s.d.Engine.Confirm(r.Context(), in, idem)
	switch rdv.ErrorCode(err) {
	case "":
		s.booked(w, r, h.ID, a)
	case rdv.EINVALID:
		fieldError(f, err, "")
		s.sendBookingBack(w, r, h, sl, f)
	case rdv.EGONE:
		s.sendExpiredBack(w, r, h, typedValues(r.PostForm), "")
	case rdv.ESLOTTAKEN, rdv.ECONFLICT:
		back := s.carriedSearch(r, h.ID)
		if len(back) == 0 {
			back = url.Values{"service": {string(sl.Service)}, "lieu": {s.viewSlot(sl).City}}
		}
		http.Redirect(w, r, searchURL(back, "slot_taken"), http.StatusSeeOther)
	case rdv.ENOTFOUND:
		s.renderMessage(w, r, http.StatusNotFound, "error.hold_missing")
	case rdv.ENOTROSTERED:
		// A slot kept for a clinic's registered patients, for someone
		// its roster does not hold.
		s.renderMessage(w, r, http.StatusForbidden, "book.err.not_rostered")
	default:
		s.fail(w, r, err)
	}
}

// readBooking reads the patient and, for a child, the guardian from the
// booking form.
func readBooking(f *form) (in booking.ConfirmInput) {
	in.Channel = rdv.Web
	readPeople(f, &in)
	return in
}

// readPatient reads one person from the form, recording missing names
// (and the patient's missing birth date) and unreadable dates; the rules
// check the rest, a health number among them (a newborn on the parent's
// card has none, and a guardian gives none but by choice).
func readPatient(f *form, prefix string) rdv.Patient {
	get := func(name string) string { return strings.TrimSpace(f.Values.Get(prefix + name)) }
	for _, pf := range patientFields {
		needed := pf.name == "first_name" || pf.name == "last_name" || pf.name == "birth_date" && prefix == ""
		if needed && get(pf.name) == "" {
			f.Fail(prefix+pf.name, "err.required")
		}
	}
	p := rdv.Patient{
		FirstName:    get("first_name"),
		LastName:     get("last_name"),
		HealthNumber: get("health_number"),
		Phone:        get("phone"),
		Email:        get("email"),
		Language:     f.Values.Get("language"),
	}
	if get("birth_date") != "" {
		d, err := rdv.ParseDate(get("birth_date"))
		if err != nil {
			f.Fail(prefix+"birth_date", "err.date")
		}
		p.BirthDate = d
	}
	return p
}

// fieldError places a validation verdict on the field it concerns, with a
// message in the person's terms. prefix says whose fields a "patient."
// verdict is about.
func fieldError(f *form, err error, prefix string) {
	field := rdv.ErrorField(err)
	name, ok := strings.CutPrefix(field, "patient.")
	if !ok {
		if name, ok = strings.CutPrefix(field, "guardian."); ok {
			prefix = guardianPrefix
		}
	}
	if field == "guardian" {
		name, prefix = "guardian", ""
	}
	get := func(n string) string { return strings.TrimSpace(f.Values.Get(prefix + n)) }
	key := "err.invalid"
	switch name {
	case "relationship":
		key = "err.relationship"
	case "first_name", "last_name":
		key = "err.too_long"
	case "birth_date":
		key = "err.birth_date"
	case "health_number":
		key = "err.hn_birth"
		if errors.Is(err, rdv.ErrHealthNumberName) {
			key = "err.hn_name"
		}
		if _, err := rdv.NormalizeHealthNumber(get("health_number")); err != nil {
			key = "err.health_number"
		}
	case "email":
		key = "err.email"
	case "phone":
		key = "err.phone"
		if get("phone") == "" && get("email") == "" {
			key = "err.contact"
		}
	case "language":
		key, prefix = "err.language", ""
	case "":
		name = "form"
	}
	if errors.Is(err, rdv.ErrControlCharacter) {
		key = "err.control"
	}
	switch name {
	case "first_name", "last_name", "birth_date", "health_number", "relationship":
		if get(name) == "" {
			key = "err.required"
		}
	}
	if k := reasonKey(err); k != "" {
		key = k
	}
	f.Fail(prefix+name, key)
}

// bookingFields are the booking form's fields with their labels, in order.
var bookingFields = func() []labelled {
	var out []labelled
	for _, pf := range patientFields {
		out = append(out, labelled{pf.name, pf.labelKey})
	}
	out = append(out, labelled{"language", "book.language"}, labelled{"guardian", "book.guardian"},
		labelled{relationshipField, "book.relationship"})
	for _, pf := range patientFields {
		out = append(out, labelled{guardianPrefix + pf.name, pf.labelKey})
	}
	return append(out, labelled{"form", "book.title"})
}()

// fieldID is the HTML id of a field's input.
func fieldID(name string) string { return "f-" + strings.ReplaceAll(name, "_", "-") }

// appointmentURL is the link that lets its holder see and cancel an
// appointment: the token lives only in it.
func appointmentURL(id int64, token, notice string) string {
	v := url.Values{"token": {token}}
	if notice != "" {
		v.Set("avis", notice)
	}
	return fmt.Sprintf("/rendez-vous/%d?%s", id, v.Encode())
}
