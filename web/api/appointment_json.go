package api

import (
	"encoding/json"
	"time"

	"rdv"
)

// patientInput is a patient as the booking form sends it.
type patientInput struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	BirthDate    string `json:"birth_date"` // YYYY-MM-DD
	HealthNumber string `json:"health_number"`
	Phone        string `json:"phone"`
	Email        string `json:"email"`
	Language     string `json:"language"`
}

// patient converts the input; owner ("patient" or "guardian") prefixes the
// name of an invalid field. The engine validates the rest.
func (p patientInput) patient(owner string) (rdv.Patient, error) {
	var birth rdv.Date
	if p.BirthDate != "" {
		d, err := rdv.ParseDate(p.BirthDate)
		if err != nil {
			return rdv.Patient{}, rdv.FieldError(owner+".birth_date", "birth date must be YYYY-MM-DD")
		}
		birth = d
	}
	return rdv.Patient{
		FirstName:    p.FirstName,
		LastName:     p.LastName,
		BirthDate:    birth,
		HealthNumber: p.HealthNumber,
		Phone:        p.Phone,
		Email:        p.Email,
		Language:     p.Language,
	}, nil
}

// patientView is what an appointment shows of a person: enough to
// recognise the booking, never the health number.
type patientView struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Language  string `json:"language"`
}

func viewPatient(p rdv.Patient) patientView {
	return patientView{FirstName: p.FirstName, LastName: p.LastName, Language: p.Language}
}

// appointmentResponse is an appointment as the API shows it. CancelToken
// is set only in the answer to the booking.
type appointmentResponse struct {
	ID          int64           `json:"id"`
	Status      string          `json:"status"`
	Slot        json.RawMessage `json:"slot"`
	Patient     patientView     `json:"patient"`
	Guardian    *patientView    `json:"guardian,omitempty"`
	BookedBy    string          `json:"booked_by"`
	Channel     string          `json:"channel"`
	CreatedAt   time.Time       `json:"created_at"`
	CancelToken string          `json:"cancel_token,omitempty"`
}

func (s *server) viewAppointment(a rdv.Appointment, withToken bool) appointmentResponse {
	out := appointmentResponse{
		ID:        a.ID,
		Status:    string(a.Status),
		Slot:      s.appendSlot(nil, resultOf(a.Slot), false),
		Patient:   viewPatient(a.Patient),
		BookedBy:  string(a.BookedBy),
		Channel:   string(a.Channel),
		CreatedAt: a.CreatedAt.In(rdv.Toronto).Truncate(time.Second),
	}
	if a.Guardian != nil {
		g := viewPatient(*a.Guardian)
		out.Guardian = &g
	}
	if withToken {
		out.CancelToken = a.CancelToken
	}
	return out
}
