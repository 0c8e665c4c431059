package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/admission"
	"rdv/booking"
)

// Parameters is an operation's input: named values and resources.
type Parameters struct {
	ResourceType string      `json:"resourceType"`
	Parameter    []Parameter `json:"parameter"`
}

// Parameter is one input. Only the value types the operations take are
// read; a parameter of another type reads as absent.
type Parameter struct {
	Name           string          `json:"name"`
	ValueString    string          `json:"valueString,omitempty"`
	ValueCode      string          `json:"valueCode,omitempty"`
	ValueDateTime  string          `json:"valueDateTime,omitempty"`
	ValueDate      string          `json:"valueDate,omitempty"`
	ValueInstant   string          `json:"valueInstant,omitempty"`
	ValueInteger   *int            `json:"valueInteger,omitempty"`
	ValueReference *Reference      `json:"valueReference,omitempty"`
	Resource       json.RawMessage `json:"resource,omitempty"`
}

// text is a parameter's value as a search would write it.
func (p Parameter) text() string {
	for _, v := range []string{p.ValueString, p.ValueCode, p.ValueDateTime, p.ValueDate, p.ValueInstant} {
		if v != "" {
			return v
		}
	}
	if p.ValueReference != nil {
		return p.ValueReference.Reference
	}
	if p.ValueInteger != nil {
		return strconv.Itoa(*p.ValueInteger)
	}
	return ""
}

// maxBody is the largest operation input read: a Parameters with an
// Appointment and a Patient is a few kilobytes.
const maxBody = 64 << 10

// readParameters reads a POST's Parameters and the body's bytes, for
// the idempotency key.
func readParameters(w http.ResponseWriter, r *http.Request) (Parameters, []byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return Parameters{}, nil, rdv.Errorf(rdv.ETOOLARGE, "body over %d bytes", maxBody)
	}
	if err != nil {
		return Parameters{}, nil, rdv.Errorf(rdv.EBADREQUEST, "read body: %v", err)
	}
	var in Parameters
	if err := json.Unmarshal(body, &in); err != nil || in.ResourceType != "Parameters" {
		return Parameters{}, nil, rdv.Errorf(rdv.EBADREQUEST, "not a Parameters resource")
	}
	return in, body, nil
}

// values gathers Parameters as a query, so that $find reads GET and POST
// alike.
func (in Parameters) values() map[string][]string {
	out := map[string][]string{}
	for _, p := range in.Parameter {
		if v := p.text(); v != "" {
			out[p.Name] = append(out[p.Name], v)
		}
	}
	return out
}

// get returns the first parameter named name.
func (in Parameters) get(name string) (Parameter, bool) {
	for _, p := range in.Parameter {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// idemKey is the write's idempotency key from the Idempotency-Key
// header, bound to the body and to owner, as the JSON API binds its
// own (nil without the header).
func idemKey(r *http.Request, body []byte, owner string) (*rdv.IdemKey, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 {
		return nil, rdv.FieldError("Idempotency-Key", "key too long")
	}
	h := sha256.New()
	h.Write([]byte(owner))
	h.Write([]byte{0})
	h.Write(body)
	return &rdv.IdemKey{Scope: "fhir " + r.Pattern, Key: key, BodyHash: hex.EncodeToString(h.Sum(nil))}, nil
}

// findParams are $find's inputs rdv reads (IHE's names, and Slot's
// service-type for visit-type).
var findParams = []string{"start", "end", "visit-type", "service-type", "practitioner", "organization", "location-reference", "near", "_count", "_page"}

// find answers Appointment/$find (GET or POST): the earliest free slots
// that fit, as proposed Appointments, from the index. Its next link is
// the GET form of the same question.
func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		in, _, err := readParameters(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		r.URL.RawQuery = encodeQuery(in.values())
		r.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
	}
	p, err := parseSearch(r, findParams...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.parseFind(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, next := s.run(q, s.d.Engine.Now())
	l := lang(r)
	entries := make([]Entry, 0, len(res))
	for _, x := range res {
		a := s.proposal(x.SlotID, x.ClinicID, x.PractitionerID, x.Service, x.Start, x.End, l)
		entries = append(entries, s.match("Appointment", a.ID, a))
	}
	s.write(w, r, http.StatusOK, s.searchset(r, p, entries, next))
}

// encodeQuery writes values as a query string, in a stable order.
func encodeQuery(v map[string][]string) string { return url.Values(v).Encode() }

// parseFind reads $find's inputs into a slot search.
func (s *Server) parseFind(p searchParams) (slotQuery, error) {
	q := slotQuery{count: p.count}
	st := p.Values
	types := append(append([]string{}, st["visit-type"]...), st["service-type"]...)
	sp := searchParams{Values: map[string][]string{"service-type": {strings.Join(types, ",")}}}
	var err error
	if q.services, err = s.serviceTypes(sp); err != nil {
		return q, err
	}
	var ranges []string
	for _, v := range st["start"] {
		ranges = append(ranges, "ge"+v)
	}
	for _, v := range st["end"] {
		ranges = append(ranges, "lt"+v)
	}
	if q.from, q.to, err = parseDateRange(ranges, "start"); err != nil {
		return q, err
	}
	n := 0
	for _, name := range []string{"practitioner", "organization", "location-reference"} {
		v := p.Get(name)
		if v == "" {
			continue
		}
		if n++; n > 1 {
			return q, notSupported(name)
		}
		if !strings.Contains(v, "/") {
			v = map[string]string{"practitioner": "Practitioner/", "organization": "Organization/", "location-reference": "Location/"}[name] + v
		}
		if q.act, err = s.parseActor(v, name); err != nil {
			return q, err
		}
	}
	if v := p.Get("near"); v != "" {
		pt, err := parseNear(v, "near")
		if err != nil {
			return q, err
		}
		q.near = &pt
	}
	if p.page != "" {
		c, ok := parseCursor(p.page)
		if !ok {
			return q, badParam("_page")
		}
		q.cursor = c
	}
	return q, nil
}

// appointmentInput is the Appointment an operation names: by reference
// (appointment-reference) or whole (appointment-resource).
type appointmentInput struct {
	ref    appointmentRef
	status string // the resource's, "" for a reference
	token  string // a booked appointment's token, from its identifier
}

func (s *Server) appointmentInput(in Parameters) (appointmentInput, error) {
	if p, ok := in.get("appointment-reference"); ok && p.ValueReference != nil {
		id, ok := s.referenceID(p.ValueReference.Reference, "Appointment")
		ref, okID := parseAppointmentID(id)
		if !ok || !okID {
			return appointmentInput{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %q", p.ValueReference.Reference)
		}
		return appointmentInput{ref: ref}, nil
	}
	p, ok := in.get("appointment-resource")
	if !ok || len(p.Resource) == 0 {
		return appointmentInput{}, badParam("appointment-reference")
	}
	var a Appointment
	if err := json.Unmarshal(p.Resource, &a); err != nil || a.ResourceType != "Appointment" {
		return appointmentInput{}, badParam("appointment-resource")
	}
	out := appointmentInput{status: a.Status}
	for _, id := range a.Identifier {
		switch id.System {
		case holdSystem:
			out.ref.hold = id.Value
		case cancelTokenSystem:
			out.token = id.Value
		}
	}
	if a.ID != "" {
		ref, ok := parseAppointmentID(a.ID)
		if !ok {
			return appointmentInput{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %q", a.ID)
		}
		if out.ref.hold == "" || ref.hold != "" {
			out.ref = ref
		}
	}
	if out.ref == (appointmentRef{}) && len(a.Slot) == 1 {
		id, ok := s.referenceID(a.Slot[0].Reference, "Slot")
		if n, okN := parseID(id); ok && okN {
			out.ref.slot = n
		}
	}
	if out.ref == (appointmentRef{}) {
		return appointmentInput{}, badParam("appointment-resource")
	}
	return out, nil
}

// booker returns the party r books for: a clinic's record system with
// its token (appointments:write); for anyone else a Party with no clinic
// (the public, and the staff's sessions, which book on the pages), that
// names only the staff member for the audit trail. A request whose
// credentials open nothing, or whose token lacks the scope, is refused
// rather than served as anyone's.
func (s *Server) booker(r *http.Request) (Party, error) {
	p, ok, err := s.authorize(r)
	switch {
	case err != nil:
		return Party{}, err
	case !ok:
		return Party{}, nil
	case p.Token == nil:
		return Party{StaffID: p.StaffID}, nil
	case !p.books():
		return Party{}, errScope(rdv.ScopeAppointmentsWrite)
	}
	return p, nil
}

// holdInput is who holds slotID (0: a hold given back): a booker holds
// its clinic's slots only, rostered ones included, counted by token;
// anyone else holds by the address asked from, capped as the JSON API's
// clients are (a record system keeps no cookie).
func (s *Server) holdInput(r *http.Request, booker Party, slotID int64) (booking.HoldInput, error) {
	if !booker.books() {
		return booking.HoldInput{SlotID: slotID, Address: admission.ClientAddr(r, s.d.TrustForwardedFor)}, nil
	}
	if slotID != 0 {
		sl, err := s.d.Store.Slot(r.Context(), slotID)
		if err != nil {
			return booking.HoldInput{}, err
		}
		if sl.ClinicID != booker.ClinicID {
			return booking.HoldInput{}, &fhirError{status: http.StatusForbidden, code: "forbidden", key: "fhir.token.clinic", expr: "Appointment.slot"}
		}
	}
	return booking.HoldInput{SlotID: slotID, ClientKey: booker.client(), AllowRostered: true}, nil
}

// hold answers Appointment/$hold: the proposed Appointment's slot held
// through the booking engine, answered as a pending Appointment whose
// identifier is the hold, with when it runs out.
func (s *Server) hold(w http.ResponseWriter, r *http.Request) {
	in, body, err := readParameters(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ai, err := s.appointmentInput(in)
	if err == nil && ai.ref.slot == 0 {
		err = rdv.Errorf(rdv.ENOTFOUND, "not a proposed appointment")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	booker, err := s.booker(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r = s.acting(r, &booker)
	who, err := s.holdInput(r, booker, ai.ref.slot)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	idem, err := idemKey(r, body, firstOf(booker.client(), who.Address))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.d.Engine.HoldFor(r.Context(), who, idem)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sl, err := s.d.Store.Slot(r.Context(), h.SlotID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	a := s.proposal(sl.ID, sl.ClinicID, sl.PractitionerID, sl.Service, sl.Start, sl.End, l)
	a.ID, a.Status = holdAppointmentID(h.ID), "pending"
	a.Identifier = []Identifier{{System: holdSystem, Value: h.ID}}
	info := OperationOutcome{ResourceType: "OperationOutcome", Language: l, Issue: []Issue{{Severity: "information", Code: "informational",
		Details: &CodeableConcept{Text: holdUntil(h.ExpiresAt, s.d.Engine.Now(), l)}}}}
	s.write(w, r, http.StatusOK, Bundle{ResourceType: "Bundle", Type: "searchset", Entry: []Entry{
		s.match("Appointment", a.ID, a),
		{Resource: info, Search: &EntrySearch{Mode: "outcome"}},
	}})
}

// book answers Appointment/$book: a pending (held) or proposed
// Appointment booked for the patient given, or an appointment or a hold
// cancelled (status cancelled), each through the booking engine. A
// proposed one is held and booked in one call, by the same two steps the
// pages take.
func (s *Server) book(w http.ResponseWriter, r *http.Request) {
	in, body, err := readParameters(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ai, err := s.appointmentInput(in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	booker, err := s.booker(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r = s.acting(r, &booker)
	// A booker's key is its own: replayed with another token, it opens
	// nothing of the first's.
	idem, err := idemKey(r, body, booker.client())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var a rdv.Appointment
	switch ai.status {
	case "cancelled":
		a, err = s.cancel(r, booker, ai, in, idem)
	case "", "pending", "proposed":
		a, err = s.confirm(r, booker, ai, in, idem)
	default:
		err = &fhirError{status: http.StatusUnprocessableEntity, code: "business-rule", key: "fhir.book.status", expr: "Appointment.status"}
	}
	if errors.Is(err, errReleased) {
		s.write(w, r, http.StatusOK, Bundle{ResourceType: "Bundle", Type: "searchset"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.appointment(a, lang(r))
	s.write(w, r, http.StatusOK, Bundle{ResourceType: "Bundle", Type: "searchset", Entry: []Entry{s.match("Appointment", out.ID, out)}})
}

// errReleased tells book that a hold was given back: nothing is booked.
var errReleased = errors.New("hold released")

func (s *Server) confirm(r *http.Request, booker Party, ai appointmentInput, in Parameters, idem *rdv.IdemKey) (rdv.Appointment, error) {
	pp, ok := in.get("patient-resource")
	if !ok || len(pp.Resource) == 0 {
		return rdv.Appointment{}, &fhirError{status: http.StatusUnprocessableEntity, code: "required", key: "fhir.book.patient", expr: "patient-resource"}
	}
	ci, err := confirmInput(pp.Resource)
	if err != nil {
		return rdv.Appointment{}, err
	}
	var own *booking.HoldInput // who holds the hold taken here, if one was
	switch {
	case ai.ref.hold != "":
		ci.HoldID = ai.ref.hold
	case ai.ref.slot != 0:
		who, err := s.holdInput(r, booker, ai.ref.slot)
		if err != nil {
			return rdv.Appointment{}, err
		}
		h, err := s.d.Engine.HoldFor(r.Context(), who, nil)
		if err != nil {
			return rdv.Appointment{}, err
		}
		ci.HoldID, own = h.ID, &who
	default:
		// A booked appointment: changing one is not offered here.
		return rdv.Appointment{}, &fhirError{status: http.StatusUnprocessableEntity, code: "business-rule", key: "fhir.book.status", expr: "Appointment.status"}
	}
	if booker.books() {
		ci.BookedBy = rdv.ByStaff // the clinic's desk, by its record system
	}
	a, err := s.d.Engine.Confirm(r.Context(), ci, idem)
	if err != nil && own != nil {
		// The client never saw the hold taken for it: kept, it would keep
		// the slot from everyone, the client's corrected retry included,
		// until it ran out. A hold already gone has nothing to give back.
		// Not under the request's context: a booking that failed because
		// the client went away or ran out of time must still give it back.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if rerr := s.d.Engine.Release(ctx, ci.HoldID, *own); rerr != nil && rdv.ErrorCode(rerr) != rdv.ENOTFOUND {
			s.log.WarnContext(r.Context(), "fhir release refused booking's hold", "err", rerr)
		}
	}
	return a, err
}

func (s *Server) cancel(r *http.Request, booker Party, ai appointmentInput, in Parameters, idem *rdv.IdemKey) (rdv.Appointment, error) {
	if ai.ref.hold != "" {
		who, err := s.holdInput(r, booker, 0)
		if err != nil {
			return rdv.Appointment{}, err
		}
		if err := s.d.Engine.Release(r.Context(), ai.ref.hold, who); err != nil {
			return rdv.Appointment{}, err
		}
		return rdv.Appointment{}, errReleased
	}
	if ai.ref.appointment == 0 {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "not a booked appointment")
	}
	token := ai.token
	if p, ok := in.get("token"); ok && token == "" {
		token = p.text()
	}
	if token != "" {
		return s.d.Engine.Cancel(s.acting(r, nil).Context(), ai.ref.appointment, token, idem)
	}
	party, err := s.partyFor(r, rdv.ScopeAppointmentsWrite)
	if err != nil {
		return rdv.Appointment{}, err
	}
	return s.d.Engine.CancelByStaff(s.acting(r, &party).Context(), party.ClinicID, ai.ref.appointment)
}
