package rdv

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is what a staff account may do.
type Role string

// Roles. Clinic roles are bound to one clinic; agents and operators work
// across the network.
const (
	Receptionist Role = "receptionist"
	ClinicAdmin  Role = "clinic_admin"
	PhoneAgent   Role = "agent"
	Operator     Role = "operator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case Receptionist, ClinicAdmin, PhoneAgent, Operator:
		return true
	}
	return false
}

// ClinicBound reports whether the role works for one clinic only.
func (r Role) ClinicBound() bool { return r == Receptionist || r == ClinicAdmin }

// Account is a staff member who signs in with a password.
type Account struct {
	ID           int64
	Email        string // lower case, unique
	Name         string
	Role         Role
	ClinicID     int64  // set for clinic-bound roles, 0 otherwise
	PasswordHash string // argon2id, PHC string format
	Language     string
	Disabled     bool
	CreatedAt    time.Time
}

// Validate checks an account before a store adds it and normalises it in
// place: its email trimmed and in lower case (emails are unique whatever
// their case), French when it names no language. It reports the first
// invalid field. The password hash must be there; its format is the
// business of package auth (auth.CheckHash).
func (a *Account) Validate() error {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Name = strings.TrimSpace(a.Name)
	if a.Language == "" {
		a.Language = "fr"
	}
	if err := CheckText("name", a.Name); err != nil {
		return err
	}
	if err := CheckText("email", a.Email); err != nil {
		return err
	}
	switch {
	case a.Email == "" || len(a.Email) > 254:
		return FieldError("email", "email missing or too long")
	case !validAccountEmail(a.Email):
		return FieldError("email", "email not valid")
	case !a.Role.Valid():
		return FieldError("role", "unknown role %q", a.Role)
	case a.Role.ClinicBound() && a.ClinicID <= 0:
		return FieldError("clinic_id", "role %s needs a clinic", a.Role)
	case !a.Role.ClinicBound() && a.ClinicID != 0:
		return FieldError("clinic_id", "role %s works for no one clinic", a.Role)
	case a.PasswordHash == "":
		return FieldError("password", "password hash missing")
	case a.Language != "fr" && a.Language != "en":
		return FieldError("language", "language %q", a.Language)
	}
	return nil
}

func validAccountEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && strings.Contains(s, "@")
}

// Session is a signed-in account's session. Stores keep only the hash of
// the session token that the browser holds in its cookie.
type Session struct {
	TokenHash string
	AccountID int64
	CSRFToken string // per session, checked on every form post
	CreatedAt time.Time
	ExpiresAt time.Time // the end of its life, whatever is done with it
	// LastSeenAt is its last request (CreatedAt when zero): a session
	// idle for StaffSessionIdle is over.
	LastSeenAt time.Time
	// ID is the session's public reference, which its account's list
	// shows and revokes it by; a store makes one when it is "".
	ID        string
	UserAgent string // of the browser that signed in, then of its last request
	Address   string // likewise, the network address
	// SecondFactor is set when the session was opened, or made stronger,
	// with a second factor.
	SecondFactor bool
}

// AccountStore keeps staff accounts and their sessions.
type AccountStore interface {
	// CreateAccount adds an account; ECONFLICT if the email is taken.
	CreateAccount(ctx context.Context, a Account) (Account, error)
	Account(ctx context.Context, id int64) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// Accounts lists the accounts of a clinic, or every account for 0.
	Accounts(ctx context.Context, clinicID int64) ([]Account, error)
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns a live session and its enabled account;
	// ENOTFOUND if the session is unknown, expired, idle for
	// StaffSessionIdle or more, or its account disabled.
	SessionByTokenHash(ctx context.Context, hash string, now time.Time) (Session, Account, error)
	DeleteSession(ctx context.Context, hash string) error
}

// Banner is the operators' status message that every page shows, in both
// languages. An empty banner shows nothing.
type Banner struct {
	TextFR, TextEN string
	Level          string // "info", "warning" or "critical"
	SetBy          int64  // operator account
	SetAt          time.Time
}

// SettingsStore keeps platform-wide settings shared by every instance.
type SettingsStore interface {
	Banner(ctx context.Context) (Banner, error) // the zero Banner when none is set
	SetBanner(ctx context.Context, b Banner) error
}

// NetworkAdminStore lets operators onboard clinics and clinic admins
// manage their practitioners.
type NetworkAdminStore interface {
	// CreateClinic adds a clinic and returns it with its ID.
	CreateClinic(ctx context.Context, c Clinic) (Clinic, error)
	// CreatePractitioner adds a practitioner to an existing clinic.
	CreatePractitioner(ctx context.Context, p Practitioner) (Practitioner, error)
}
