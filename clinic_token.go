package rdv

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TokenKind is what a clinic's secret opens.
type TokenKind string

// Token kinds. Both are long random secrets that a clinic's admin makes
// in the portal, shown once, kept only as a hash, and revoked there: an
// API token lets the clinic's own systems call the JSON API within its
// scopes; a calendar feed's secret is the address of an iCalendar feed
// of the clinic's (or one practitioner's) upcoming appointments, for the
// staff's calendars.
const (
	APIToken     TokenKind = "api"
	CalendarFeed TokenKind = "feed"
)

// TokenScope is one thing an API token may do for its clinic.
type TokenScope string

// Scopes. A token does only what its scopes name, for its clinic only.
const (
	ScopeAgendaRead        TokenScope = "agenda:read"        // the clinic's appointments
	ScopeAvailabilityWrite TokenScope = "availability:write" // its practitioners' exceptions
	ScopeWebhooks          TokenScope = "webhooks"           // its webhook endpoints and their delivery log
	// ScopeAppointmentsWrite books the clinic's slots (rostered ones
	// included) and cancels its appointments, through FHIR ($hold,
	// $book): what its receptionists do at the desk, from its record
	// system. Reading them back is agenda:read's.
	ScopeAppointmentsWrite TokenScope = "appointments:write"
)

// TokenScopes lists every scope, in the order the portal shows them.
var TokenScopes = []TokenScope{ScopeAgendaRead, ScopeAppointmentsWrite, ScopeAvailabilityWrite, ScopeWebhooks}

// ParseTokenScope reads a scope by name.
func ParseTokenScope(s string) (TokenScope, error) {
	if sc := TokenScope(s); slices.Contains(TokenScopes, sc) {
		return sc, nil
	}
	return "", FieldError("scopes", "unknown scope %q", s)
}

// MaxTokenName is the longest name of a token, in characters.
const MaxTokenName = 80

// ClinicToken is a clinic's API token or calendar feed, as stores keep
// it: never the secret, only its hash (looked up by) and its first
// characters (Prefix, to tell tokens apart in a list).
type ClinicToken struct {
	ID       int64
	ClinicID int64
	Kind     TokenKind
	Name     string // what the admin calls it: « Dossier médical », « Agenda Dre Tremblay »
	Prefix   string // the secret's first characters, shown in lists
	// Scopes are an API token's (none for a feed).
	Scopes []TokenScope
	// PractitionerID narrows a feed to one practitioner of the clinic
	// (0: the whole clinic; always 0 for an API token).
	PractitionerID int64
	CreatedBy      int64 // the admin's account
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero: never used; recorded at most once a minute
	RevokedAt      time.Time // zero: live
}

// Has reports whether the token carries scope s.
func (t ClinicToken) Has(s TokenScope) bool { return slices.Contains(t.Scopes, s) }

// Live reports whether the token still opens anything.
func (t ClinicToken) Live() bool { return t.RevokedAt.IsZero() }

// Validate checks a token before it is stored: a kind, a clinic, a name,
// at least one known scope for an API token (each once) and none for a
// feed.
func (t ClinicToken) Validate() error {
	if t.ClinicID <= 0 {
		return FieldError("clinic", "clinic missing")
	}
	name := strings.TrimSpace(t.Name)
	switch {
	case name == "":
		return FieldError("name", "name missing")
	case utf8.RuneCountInString(name) > MaxTokenName:
		return FieldError("name", "name longer than %d characters", MaxTokenName)
	}
	switch t.Kind {
	case APIToken:
		if len(t.Scopes) == 0 {
			return FieldError("scopes", "no scope chosen")
		}
		if t.PractitionerID != 0 {
			return FieldError("practitioner", "an API token is the whole clinic's")
		}
		seen := map[TokenScope]bool{}
		for _, s := range t.Scopes {
			if _, err := ParseTokenScope(string(s)); err != nil {
				return err
			}
			if seen[s] {
				return FieldError("scopes", "scope %q twice", s)
			}
			seen[s] = true
		}
	case CalendarFeed:
		if len(t.Scopes) != 0 {
			return FieldError("scopes", "a calendar feed has no scopes")
		}
	default:
		return FieldError("kind", "unknown token kind %q", t.Kind)
	}
	return nil
}

// TokenPrefixLen is how many characters of a secret a store keeps in the
// clear: enough to tell a clinic's tokens apart, far too few to guess the
// rest (the secrets carry 256 random bits).
const TokenPrefixLen = 12

// TokenPrefix is the part of a secret kept in the clear.
func TokenPrefix(secret string) string {
	if len(secret) <= TokenPrefixLen {
		return secret
	}
	return secret[:TokenPrefixLen]
}

// lastUsedEvery is how often a token's last use is written: a client
// that calls every second costs one write a minute, not one a call.
const lastUsedEvery = time.Minute

// NeedsUseRecorded reports whether a use at now is worth writing.
func (t ClinicToken) NeedsUseRecorded(now time.Time) bool {
	return t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= lastUsedEvery
}

// ClinicTokenStore keeps the clinics' API tokens and calendar feeds.
// Every method is confined to a clinic, but the look-up by hash, which
// finds the clinic from the secret.
type ClinicTokenStore interface {
	// AddClinicToken stores a token with the hash of its secret and
	// returns it with its ID. A feed's practitioner must work at the
	// clinic (ENOTFOUND otherwise).
	AddClinicToken(ctx context.Context, t ClinicToken, hash string) (ClinicToken, error)
	// ClinicTokens lists a clinic's tokens of a kind, live and revoked,
	// newest first.
	ClinicTokens(ctx context.Context, clinicID int64, kind TokenKind) ([]ClinicToken, error)
	// RevokeClinicToken revokes a token of the clinic for good; another
	// clinic's, or an unknown one, is ENOTFOUND. Revoking twice keeps
	// the first time.
	RevokeClinicToken(ctx context.Context, clinicID, id int64, now time.Time) error
	// ClinicTokenByHash returns the live token of a kind whose secret
	// hashes to hash, and records its use at now when the last one
	// recorded is a minute old; a revoked or unknown one is ENOTFOUND.
	ClinicTokenByHash(ctx context.Context, kind TokenKind, hash string, now time.Time) (ClinicToken, error)
}
