package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"rdv"
)

// exportFormat names the shape of the export (AccountExport in the
// OpenAPI document), for whoever reads a file downloaded years ago.
const exportFormat = "rdv-account-export/1"

// accountExport is everything the platform keeps about a patient
// account, as Law 25 lets its holder have it: the account, its people,
// the appointments (with the full details the booking gave), the
// requests, the messages written to them, the consent's history and the
// fees. Times are RFC 3339 in UTC.
type accountExport struct {
	Format       string              `json:"format"`
	ExportedAt   time.Time           `json:"exported_at"`
	Account      exportAccount       `json:"account"`
	People       []exportPerson      `json:"people"`
	Appointments []exportAppointment `json:"appointments"`
	Requests     []exportRequest     `json:"requests"`
	Messages     []exportMessage     `json:"messages"`
	Consents     []exportConsent     `json:"consents"`
	Fees         []exportFee         `json:"fees"`

	// The patient rows of the appointments and the requests' IDs, which
	// the audit trail names (exportRecords); never shown.
	patients, requestIDs []int64
}

type exportAccount struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	Language    string    `json:"language"`
	NotifyEmail bool      `json:"notify_email"`
	NotifySMS   bool      `json:"notify_sms"`
	ConsentAt   time.Time `json:"consent_at"`
	CreatedAt   time.Time `json:"created_at"`
}

type exportPerson struct {
	ID           int64     `json:"id"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	BirthDate    string    `json:"birth_date"`
	HealthNumber string    `json:"health_number"`
	Relationship string    `json:"relationship"`
	CreatedAt    time.Time `json:"created_at"`
}

// exportPatient is a person as a booking or a request gave them, whole.
type exportPatient struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	BirthDate    string `json:"birth_date"`
	HealthNumber string `json:"health_number"`
	Phone        string `json:"phone"`
	Email        string `json:"email"`
	Language     string `json:"language"`
}

type exportAppointment struct {
	ID           int64           `json:"id"`
	Status       string          `json:"status"`
	Slot         json.RawMessage `json:"slot"`
	Patient      exportPatient   `json:"patient"`
	Guardian     *exportPatient  `json:"guardian"`
	Relationship string          `json:"relationship"`
	Card         string          `json:"card"`
	BookedBy     string          `json:"booked_by"`
	Channel      string          `json:"channel"`
	FeeCents     int64           `json:"fee_cents"`
	NotifyEmail  bool            `json:"notify_email"`
	NotifySMS    bool            `json:"notify_sms"`
	CreatedAt    time.Time       `json:"created_at"`
}

type exportRequest struct {
	Reference     string        `json:"reference"`
	Status        string        `json:"status"`
	Person        exportPatient `json:"person"`
	Service       string        `json:"service"`
	Place         string        `json:"place"`
	RadiusKm      float64       `json:"radius_km"`
	Availability  string        `json:"availability"`
	Child         bool          `json:"child"`
	Urgent        bool          `json:"urgent"`
	Scope         string        `json:"scope"`
	AppointmentID int64         `json:"appointment_id"`
	ReceivedAt    time.Time     `json:"received_at"`
}

type exportMessage struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Channel       string     `json:"channel"`
	To            string     `json:"to"`
	Language      string     `json:"language"`
	AppointmentID int64      `json:"appointment_id"`
	Status        string     `json:"status"`
	Subject       string     `json:"subject"`
	Body          string     `json:"body"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at"`
}

type exportConsent struct {
	Channel string    `json:"channel"`
	Given   bool      `json:"given"`
	At      time.Time `json:"at"`
}

type exportFee struct {
	RequestReference string     `json:"request_reference"`
	Status           string     `json:"status"`
	FeeCents         int64      `json:"fee_cents"`
	GSTCents         int64      `json:"gst_cents"`
	QSTCents         int64      `json:"qst_cents"`
	TotalCents       int64      `json:"total_cents"`
	Currency         string     `json:"currency"`
	AuthorizedAt     time.Time  `json:"authorized_at"`
	CapturedAt       *time.Time `json:"captured_at"`
	RefundedAt       *time.Time `json:"refunded_at"`
	VoidedAt         *time.Time `json:"voided_at"`
}

// exportAccountData answers GET /api/v1/me/export: the signed-in
// patient's data, as a file to keep (Content-Disposition: attachment).
// The account's page links to it.
func (s *server) exportAccountData(w http.ResponseWriter, r *http.Request) {
	acct, err := patientOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.accountExport(r, acct)
	if err != nil {
		s.fail(w, r, fmt.Errorf("export account %d: %w", acct.ID, err))
		return
	}
	now := time.Now()
	// The trail records the read before the data leaves (invariant 5),
	// by the signed-in patient whom the route's policy admitted.
	ctx := rdv.WithActor(r.Context(), rdv.Actor{Kind: rdv.ActorPatient, ID: acct.ID, Address: s.clientAddr(r)})
	if err := s.Store.RecordAudit(ctx, rdv.NewAuditEvent(ctx, rdv.AuditAccountRead, exportRecords(out), now)); err != nil {
		s.fail(w, r, fmt.Errorf("export account %d: %w", acct.ID, err))
		return
	}
	out.ExportedAt = now.UTC().Truncate(time.Second)
	w.Header().Set("Content-Disposition", `attachment; filename="rdv-mes-donnees-`+now.In(rdv.Toronto).Format("2006-01-02")+`.json"`)
	s.writeJSON(w, r, http.StatusOK, out)
}

// accountExport reads what the export holds. Empty lists are [] rather
// than null, so that a reader sees each kind, even when it has none.
func (s *server) accountExport(r *http.Request, acct rdv.PatientAccount) (accountExport, error) {
	ctx, st := r.Context(), s.Store
	out := accountExport{Format: exportFormat, Account: exportAccount{ID: acct.ID, Email: acct.Email, Phone: acct.Phone,
		Language: acct.Language, NotifyEmail: acct.Notify.Email, NotifySMS: acct.Notify.SMS,
		ConsentAt: acct.ConsentAt.UTC(), CreatedAt: acct.CreatedAt.UTC()},
		People: []exportPerson{}, Appointments: []exportAppointment{}, Requests: []exportRequest{}, Messages: []exportMessage{},
		Consents: []exportConsent{}, Fees: []exportFee{}}
	people, err := st.People(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	for _, p := range people {
		out.People = append(out.People, exportPerson{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, BirthDate: dateString(p.BirthDate),
			HealthNumber: p.HealthNumber, Relationship: string(p.Relationship), CreatedAt: p.CreatedAt.UTC()})
	}
	appts, err := st.AccountAppointments(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	for _, a := range appts {
		out.Appointments = append(out.Appointments, s.exportAppointment(a))
		out.patients = append(out.patients, a.Patient.ID)
		if a.Guardian != nil {
			out.patients = append(out.patients, a.Guardian.ID)
		}
	}
	reqs, err := st.AccountRequests(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	for _, q := range reqs {
		out.Requests = append(out.Requests, exportRequestOf(q))
		out.requestIDs = append(out.requestIDs, q.ID)
		c, err := st.Charge(ctx, q.ID)
		switch rdv.ErrorCode(err) {
		case "":
			out.Fees = append(out.Fees, exportFeeOf(c))
		case rdv.ENOTFOUND: // a free request
		default:
			return out, err
		}
	}
	ms, err := st.AccountMessages(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	for _, m := range ms {
		out.Messages = append(out.Messages, exportMessage{ID: m.ID, Kind: string(m.Kind), Channel: string(m.Channel), To: m.To,
			Language: m.Language, AppointmentID: m.AppointmentID, Status: string(m.Status), Subject: m.Subject, Body: m.Body,
			CreatedAt: m.CreatedAt.UTC(), SentAt: optionalTime(m.SentAt)})
	}
	consents, err := st.ConsentRecords(ctx, acct.ID)
	if err != nil {
		return out, err
	}
	for _, c := range consents {
		out.Consents = append(out.Consents, exportConsent{Channel: string(c.Channel), Given: c.Given, At: c.At.UTC()})
	}
	return out, nil
}

func (s *server) exportAppointment(a rdv.Appointment) exportAppointment {
	out := exportAppointment{ID: a.ID, Status: string(a.Status), Slot: s.appendSlot(nil, resultOf(a.Slot), false),
		Patient: exportPatientOf(a.Patient), Relationship: string(a.Relationship), Card: string(a.Card), BookedBy: string(a.BookedBy),
		Channel: string(a.Channel), FeeCents: a.FeeCents, NotifyEmail: a.Notify.Email, NotifySMS: a.Notify.SMS, CreatedAt: a.CreatedAt.UTC()}
	if a.Guardian != nil {
		g := exportPatientOf(*a.Guardian)
		out.Guardian = &g
	}
	return out
}

func exportPatientOf(p rdv.Patient) exportPatient {
	return exportPatient{FirstName: p.FirstName, LastName: p.LastName, BirthDate: dateString(p.BirthDate), HealthNumber: p.HealthNumber,
		Phone: p.Phone, Email: p.Email, Language: p.Language}
}

func exportRequestOf(q rdv.AppointmentRequest) exportRequest {
	return exportRequest{Reference: q.Reference, Status: q.Status.Public(),
		Person: exportPatient{FirstName: q.FirstName, LastName: q.LastName, BirthDate: dateString(q.BirthDate), HealthNumber: q.HealthNumber,
			Phone: q.Phone, Email: q.Email, Language: q.Language},
		Service: string(q.Service), Place: q.Place, RadiusKm: q.RadiusKm, Availability: q.Availability, Child: q.Child, Urgent: q.Urgent,
		Scope: string(q.Scope), AppointmentID: q.AppointmentID, ReceivedAt: q.ReceivedAt.UTC()}
}

func exportFeeOf(c rdv.Charge) exportFee {
	return exportFee{RequestReference: c.Reference, Status: string(c.Status), FeeCents: c.FeeCents, GSTCents: c.GSTCents,
		QSTCents: c.QSTCents, TotalCents: c.TotalCents, Currency: c.Currency, AuthorizedAt: c.AuthorizedAt.UTC(),
		CapturedAt: optionalTime(c.CapturedAt), RefundedAt: optionalTime(c.RefundedAt), VoidedAt: optionalTime(c.VoidedAt)}
}

// dateString is a date as YYYY-MM-DD, "" for none.
func dateString(d rdv.Date) string {
	if d == (rdv.Date{}) {
		return ""
	}
	return d.String()
}

// optionalTime is a time that may be none (null).
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// exportRecords names what an export holds, for the audit trail: its
// appointments and their people's patient rows, and its requests.
func exportRecords(x accountExport) rdv.AuditRecords {
	var r rdv.AuditRecords
	for _, a := range x.Appointments {
		r.Appointments = append(r.Appointments, a.ID)
	}
	r.Patients = x.patients
	r.Requests = x.requestIDs
	return r
}
