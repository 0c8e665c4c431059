package rdv

import (
	"context"
	"time"
)

// Staff sessions and second factors. A password alone opens a session
// that reaches only the account's security pages for the roles that must
// have a second factor (RequiresSecondFactor); a second factor (a code of
// an authenticator app, a recovery code or a passkey) opens one that
// reaches the role's pages. Every session ends after StaffSessionIdle
// without a request and StaffSessionLife after it began, whatever is done
// with it: a desk computer left signed in is signed out by the time the
// next person sits at it.
const (
	StaffSessionIdle = 30 * time.Minute
	StaffSessionLife = 12 * time.Hour
	// SessionTouchEvery is how stale a session's last request may be
	// before a request records a new one: idle time is measured to this
	// precision, and a page load costs no write most of the time.
	SessionTouchEvery = time.Minute
)

// Second factors' tries: SecondFactorTries wrong answers in a row, on
// any sign-in of the account from anywhere, pause its second step for
// SecondFactorPause. Six digits are a million codes and three are good at
// any moment: a guesser gets 20 tries an hour, about one chance in 17,000
// a day. Passkeys cannot be guessed and are not paused.
const (
	SecondFactorTries = 5
	SecondFactorPause = 15 * time.Minute
	// RecoveryCodeCount is how many recovery codes an account is given
	// at once, each good once.
	RecoveryCodeCount = 10
	// SignInStepLife is how long a right password waits for its second
	// factor.
	SignInStepLife = 5 * time.Minute
)

// RequiresSecondFactor reports whether accounts of the role must sign in
// with a second factor: clinic admins (who manage staff and a clinic's
// plan), agents and operators (who reach every clinic's patients).
// Receptionists may add one.
func (r Role) RequiresSecondFactor() bool {
	return r == ClinicAdmin || r == PhoneAgent || r == Operator
}

// SessionInfo is what an account's list of sessions shows of one.
type SessionInfo struct {
	ID           string // public reference, for revoking it
	TokenHash    string // to tell the session of the request
	CreatedAt    time.Time
	LastSeenAt   time.Time
	ExpiresAt    time.Time
	UserAgent    string
	Address      string
	SecondFactor bool
}

// TOTP is an account's authenticator-app secret (RFC 6238, 30-second
// steps, six digits, SHA-1, as every app takes).
type TOTP struct {
	AccountID int64
	// Secret is base32, as apps take it. Stored as is until the platform
	// has data keys (issue 14's encryption at rest): docs/security.md.
	Secret    string
	Confirmed bool
	// LastStep is the newest time step whose code was accepted: a code of
	// it or of an earlier step is refused, so that a code seen over a
	// shoulder cannot be typed again within its window.
	LastStep  int64
	CreatedAt time.Time
}

// Passkey is a WebAuthn credential of an account. Credential is the
// relying party's record of it (package webauthn's Credential in JSON),
// which stores keep as it is given.
type Passkey struct {
	ID         string // the credential ID, base64url without padding
	AccountID  int64
	Name       string
	Credential []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used to sign in
}

// SecondFactors is what an account has to sign in with besides its
// password.
type SecondFactors struct {
	TOTP          bool // confirmed
	Passkeys      int
	RecoveryCodes int       // unused
	PausedUntil   time.Time // zero or past: tries allowed
}

// Any reports whether the account has a second factor to sign in with.
func (f SecondFactors) Any() bool { return f.TOTP || f.Passkeys > 0 }

// Challenge kinds: a sign-in whose password was right and that waits for
// its second step, and a passkey's registration under way.
const (
	ChallengeSignIn  = "signin"
	ChallengePasskey = "passkey"
)

// Challenge is a ceremony under way, found by the hash of a token the
// browser holds (its own cookie for a sign-in, the session's for a
// passkey's registration). Data is the passkey ceremony's state
// (package webauthn's SessionData in JSON), nil before one begins; it
// never leaves the server.
type Challenge struct {
	TokenHash string
	Kind      string
	AccountID int64
	Data      []byte
	Return    string // where a sign-in goes once done
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Proof is what passes a second step: a TOTP code's time step, a
// recovery code's hash, or a passkey used (its record updated with the
// new signature count). Exactly one is set.
type Proof struct {
	TOTPStep     int64
	RecoveryHash string
	Passkey      *Passkey
}

func (p Proof) count() int {
	n := 0
	if p.TOTPStep > 0 {
		n++
	}
	if p.RecoveryHash != "" {
		n++
	}
	if p.Passkey != nil {
		n++
	}
	return n
}

// Validate checks that exactly one proof is given.
func (p Proof) Validate() error {
	if p.count() != 1 {
		return FieldError("proof", "want one of a TOTP step, a recovery code or a passkey")
	}
	return nil
}

// FinishSignInRequest passes the second step of a sign-in: in one
// transaction the proof is spent (the code's step recorded, the recovery
// code used, the passkey's count updated), the account's tries are
// forgiven, the challenge is gone and Session is created. A step not
// newer than the last accepted, or a recovery code unknown or used, is
// ECODE and changes nothing; an unknown or expired challenge, ENOTFOUND.
type FinishSignInRequest struct {
	Challenge string // its token's hash
	Proof     Proof
	Session   Session
	Now       time.Time
}

// Rotation replaces the session of a request by a new one in the same
// transaction as a change that makes it stronger (a second factor
// added): the new session has another token, so a token seen before the
// change opens nothing after it.
type Rotation struct {
	Old string // the hash of the session's token
	New Session
}

// ConfirmTOTPRequest confirms an enrolment with the step of its first
// code, gives the account RecoveryHashes (replacing any it had, when not
// empty) and rotates the session.
type ConfirmTOTPRequest struct {
	AccountID      int64
	Step           int64
	RecoveryHashes []string
	Rotate         Rotation
	Now            time.Time
}

// AddPasskeyRequest records a passkey whose registration the challenge
// of Challenge began, spends the challenge, and rotates the session.
type AddPasskeyRequest struct {
	Passkey   Passkey
	Challenge string
	Rotate    Rotation
	Now       time.Time
}

// StaffFactorStore keeps staff accounts' second factors, the ceremonies
// under way and what an account sees and ends of its sessions.
type StaffFactorStore interface {
	// SecondFactors says what the account has (ENOTFOUND: no account).
	SecondFactors(ctx context.Context, accountID int64, now time.Time) (SecondFactors, error)

	// StartTOTP records an unconfirmed secret for the account, replacing
	// an unconfirmed one; ECONFLICT when one is confirmed.
	StartTOTP(ctx context.Context, accountID int64, secret string, now time.Time) error
	// TOTP returns the account's secret, confirmed or not; ENOTFOUND.
	TOTP(ctx context.Context, accountID int64) (TOTP, error)
	// ConfirmTOTP confirms an unconfirmed secret (ENOTFOUND: none).
	ConfirmTOTP(ctx context.Context, r ConfirmTOTPRequest) error
	// RemoveTOTP forgets the account's secret, confirmed or not.
	RemoveTOTP(ctx context.Context, accountID int64) error

	// ReplaceRecoveryCodes gives the account these codes (hashes) and
	// forgets the others, used or not.
	ReplaceRecoveryCodes(ctx context.Context, accountID int64, hashes []string, now time.Time) error

	// SpendSecondFactorTry counts one try of the account's second step
	// before its answer is checked, so that concurrent guesses cannot all
	// pass a count made before any of them: ETOOMANY while paused, and
	// the try that reaches SecondFactorTries starts the pause. A passed
	// step forgives the tries (FinishSignIn).
	SpendSecondFactorTry(ctx context.Context, accountID int64, now time.Time) error

	// CreateChallenge records a ceremony, forgetting expired ones.
	CreateChallenge(ctx context.Context, c Challenge) error
	// Challenge returns a live ceremony of a kind; ENOTFOUND.
	Challenge(ctx context.Context, tokenHash, kind string, now time.Time) (Challenge, error)
	// SetChallengeData records the passkey ceremony's state of a live
	// challenge; ENOTFOUND.
	SetChallengeData(ctx context.Context, tokenHash, kind string, data []byte, now time.Time) error
	// DeleteChallenge forgets a ceremony; an unknown one is no error.
	DeleteChallenge(ctx context.Context, tokenHash, kind string) error
	// FinishSignIn passes a sign-in's second step (see the request).
	FinishSignIn(ctx context.Context, r FinishSignInRequest) error

	// Passkeys lists the account's passkeys, oldest first.
	Passkeys(ctx context.Context, accountID int64) ([]Passkey, error)
	// AddPasskey records a passkey (see the request); ECONFLICT when its
	// ID is known, ENOTFOUND when the challenge is not live.
	AddPasskey(ctx context.Context, r AddPasskeyRequest) error
	// RemovePasskey forgets one of the account's passkeys; ENOTFOUND.
	RemovePasskey(ctx context.Context, accountID int64, id string) error

	// Sessions lists the account's live sessions, the newest first.
	Sessions(ctx context.Context, accountID int64, now time.Time) ([]SessionInfo, error)
	// TouchSession records a request of a live session: its time, the
	// address and the browser it came from. ENOTFOUND when not live.
	TouchSession(ctx context.Context, tokenHash string, now time.Time, address, userAgent string) error
	// RevokeSession ends one of the account's sessions by its ID;
	// ENOTFOUND when the account has no such session.
	RevokeSession(ctx context.Context, accountID int64, id string) error
	// RevokeSessions ends every session of the account and its sign-ins
	// under way, and reports how many sessions ended.
	RevokeSessions(ctx context.Context, accountID int64) (int, error)
}
