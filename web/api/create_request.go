package api

import (
	"math"
	"net/http"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/places"
)

// appointmentRequestInput is the body of POST /api/v1/requests. From, To,
// Weekdays, Times and Language mean what the parameters of the same names
// of GET /api/v1/slots mean, read by the same functions (rdv's
// criteria.go): a request is offered only slots its search would show.
type appointmentRequestInput struct {
	Patient      *patientInput `json:"patient"`
	Service      string        `json:"service"`
	Place        string        `json:"place"`
	Lat          *float64      `json:"lat"`
	Lon          *float64      `json:"lon"`
	RadiusKm     float64       `json:"radius_km"`
	Availability string        `json:"availability"` // a note for a person; matching reads the criteria
	Child        bool          `json:"child"`
	Urgent       bool          `json:"urgent"`
	From         string        `json:"from"`
	To           string        `json:"to"`
	Weekdays     string        `json:"weekdays"`
	Times        string        `json:"times"`
	Language     string        `json:"language"` // the practitioner's, as in a search
	Scope        string        `json:"scope"`
	// PaymentToken is the token of the payment provider's own form, for
	// the finder fee of a network request; handed to the provider once,
	// never kept (request_fee.go).
	PaymentToken string `json:"payment_token"`
}

// createRequest answers POST /api/v1/requests: it accepts the
// appointment-request form and answers with its reference and its token
// as soon as the request is safe on disk, whatever the database is doing.
// The token is made here, before the spool, so that the person has it at
// once even while the database is down; the store keeps only its hash,
// and this answer is the only one that shows it.
func (s *server) createRequest(w http.ResponseWriter, r *http.Request) {
	if s.Requests == nil {
		s.fail(w, r, rdv.Errorf(rdv.EUNAVAILABLE, "appointment requests are not accepted by this server"))
		return
	}
	var in appointmentRequestInput
	if _, err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := in.request(s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	token := auth.RandomToken(24)
	req.TokenHash = auth.HashToken(token)
	if req.PaymentToken, err = paymentToken(in.PaymentToken); err != nil {
		s.fail(w, r, err)
		return
	}
	got, err := s.Requests.Accept(r.Context(), req)
	if err != nil {
		s.fail(w, r, paymentError(err))
		return
	}
	s.Log.Info("appointment request accepted", "reference", got.Reference)
	v := viewRequest(got)
	v.Token = token
	if got.Fee != nil {
		v.Fee = &feeView{AmountCents: got.Fee.Quote.TotalCents, Currency: got.Fee.Quote.Currency, Status: string(rdv.ChargeAuthorized)}
	}
	s.writeJSON(w, r, http.StatusCreated, v)
}

// request validates the form; the first invalid field is reported.
func (in appointmentRequestInput) request(now time.Time) (rdv.AppointmentRequest, error) {
	var p patientInput
	if in.Patient != nil {
		p = *in.Patient
	}
	pat, err := p.patient("patient")
	if err != nil {
		return rdv.AppointmentRequest{}, err
	}
	if err := pat.Validate(rdv.DateOf(now)); err != nil {
		return rdv.AppointmentRequest{}, err
	}
	out := rdv.AppointmentRequest{
		FirstName: pat.FirstName, LastName: pat.LastName, BirthDate: pat.BirthDate,
		HealthNumber: pat.HealthNumber, Phone: pat.Phone, Email: pat.Email, Language: pat.Language,
		Place:        strings.TrimSpace(in.Place),
		RadiusKm:     in.RadiusKm,
		Availability: strings.TrimSpace(in.Availability),
		Child:        in.Child,
		Urgent:       in.Urgent,
	}
	if err := rdv.CheckText("place", out.Place); err != nil {
		return out, err
	}
	if err := rdv.CheckLongText("availability", out.Availability); err != nil {
		return out, err
	}
	svc, err := rdv.ParseService(strings.TrimSpace(in.Service))
	if err != nil {
		return out, rdv.FieldError("service", "unknown service %q", in.Service)
	}
	out.Service = svc
	switch {
	case (in.Lat == nil) != (in.Lon == nil):
		return out, rdv.FieldError("lat", "lat and lon go together")
	case in.Lat != nil && (math.IsNaN(*in.Lat) || *in.Lat < -90 || *in.Lat > 90):
		return out, rdv.FieldError("lat", "latitude out of range")
	case in.Lon != nil && (math.IsNaN(*in.Lon) || *in.Lon < -180 || *in.Lon > 180):
		return out, rdv.FieldError("lon", "longitude out of range")
	case out.Place == "" && in.Lat == nil:
		return out, rdv.FieldError("place", "a place or a position is needed")
	case len(out.Place) > 200:
		return out, rdv.FieldError("place", "place too long")
	case math.IsNaN(in.RadiusKm) || in.RadiusKm < 0 || in.RadiusKm > 500:
		return out, rdv.FieldError("radius_km", "radius must be between 0 and 500 km")
	case len(out.Availability) > 1000:
		return out, rdv.FieldError("availability", "say when you are free in at most 1000 characters")
	}
	if in.Lat != nil {
		out.Lat, out.Lon = *in.Lat, *in.Lon
	} else {
		// The matcher looks for slots around a point: a place it cannot
		// find would be a request nobody is ever offered anything for.
		pl, err := places.Resolve(out.Place)
		if err != nil {
			return out, &rdv.Error{Code: rdv.EINVALID, Field: "place", Detail: "unknown place", Err: err}
		}
		out.Lat, out.Lon = pl.Lat, pl.Lon
	}
	// When and where it may be matched: read as the form reads them.
	return rdv.RequestCriteria{From: in.From, To: in.To, Weekdays: in.Weekdays, Times: in.Times,
		Language: in.Language, Scope: in.Scope}.Apply(out, now)
}
