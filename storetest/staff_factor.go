package storetest

import (
	"fmt"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runStaffFactors runs the conformance suite of rdv.StaffFactorStore and
// the staff sessions' life: idle and absolute ends, lists and revocation,
// second factors spent once, tries paused.
func runStaffFactors(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture, s rdv.Store)
	}{
		{"SessionIdleAndLife", testSessionIdleAndLife},
		{"SessionsListedAndRevoked", testSessionsRevoked},
		{"TOTPEnrolment", testTOTPEnrolment},
		{"SignInWithTOTP", testSignInWithTOTP},
		{"RecoveryCodesOnce", testRecoveryCodesOnce},
		{"TriesPaused", testTriesPaused},
		{"Passkeys", testPasskeys},
		{"Challenges", testChallenges},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			tt.fn(t, f, f.store)
		})
	}
}

// staffSession returns a session of the account opened at now, good for
// rdv.StaffSessionLife.
func staffSession(accountID int64, now time.Time) rdv.Session {
	_, hash := auth.NewSessionToken()
	return rdv.Session{TokenHash: hash, AccountID: accountID, CSRFToken: auth.NewCSRFToken(),
		CreatedAt: now, ExpiresAt: now.Add(rdv.StaffSessionLife), UserAgent: "Firefox", Address: "192.0.2.1"}
}

// ms is the suite's clock: a fixed instant to the millisecond, which both
// stores keep exactly.
func ms() time.Time { return time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC) }

func mustSession(t *testing.T, f *fixture, s rdv.Store, se rdv.Session) rdv.Session {
	t.Helper()
	if err := s.CreateSession(f.ctx, se); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return se
}

func live(t *testing.T, f *fixture, s rdv.Store, hash string, at time.Time) bool {
	t.Helper()
	_, _, err := s.SessionByTokenHash(f.ctx, hash, at)
	if err != nil && rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Fatalf("read session: %v", err)
	}
	return err == nil
}

func testSessionIdleAndLife(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("agent@x.example", rdv.PhoneAgent, 0))
	now := ms()
	idle := mustSession(t, f, s, staffSession(a.ID, now))
	if !live(t, f, s, idle.TokenHash, now.Add(rdv.StaffSessionIdle-time.Second)) {
		t.Errorf("session gone before %v idle", rdv.StaffSessionIdle)
	}
	if live(t, f, s, idle.TokenHash, now.Add(rdv.StaffSessionIdle)) {
		t.Errorf("session live after %v idle", rdv.StaffSessionIdle)
	}
	if err := s.TouchSession(f.ctx, idle.TokenHash, now.Add(rdv.StaffSessionIdle), "192.0.2.9", "Chrome"); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("touch an idle session: %v, want ENOTFOUND (an idle session stays over)", err)
	}

	// Used every 20 minutes, a session lives until its life is over and
	// not a moment more.
	busy := mustSession(t, f, s, staffSession(a.ID, now))
	at := now
	for at.Add(20 * time.Minute).Before(now.Add(rdv.StaffSessionLife)) {
		at = at.Add(20 * time.Minute)
		if err := s.TouchSession(f.ctx, busy.TokenHash, at, "192.0.2.9", "Chrome"); err != nil {
			t.Fatalf("touch at %v: %v", at.Sub(now), err)
		}
	}
	se, _, err := s.SessionByTokenHash(f.ctx, busy.TokenHash, at)
	if err != nil {
		t.Fatalf("busy session at %v: %v", at.Sub(now), err)
	}
	if !se.LastSeenAt.Equal(at) || se.Address != "192.0.2.9" || se.UserAgent != "Chrome" || se.ID == "" || se.SecondFactor {
		t.Errorf("touched session %+v: want last seen at %v from 192.0.2.9 in Chrome, an ID, no second factor", se, at)
	}
	if live(t, f, s, busy.TokenHash, now.Add(rdv.StaffSessionLife)) {
		t.Errorf("busy session live at the end of its life")
	}
	// A touch never moves the last request back.
	if err := s.TouchSession(f.ctx, busy.TokenHash, at.Add(-10*time.Minute), "192.0.2.9", "Chrome"); err != nil {
		t.Fatalf("late touch: %v", err)
	}
	if se, _, err := s.SessionByTokenHash(f.ctx, busy.TokenHash, at); err != nil || !se.LastSeenAt.Equal(at) {
		t.Errorf("after a late touch: last seen %v, %v; want %v", se.LastSeenAt, err, at)
	}
}

func testSessionsRevoked(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("admin@x.example", rdv.ClinicAdmin, 1))
	b := mustCreateAccount(t, f, s, account("desk@x.example", rdv.Receptionist, 1))
	now := ms()
	first := mustSession(t, f, s, staffSession(a.ID, now))
	second := staffSession(a.ID, now.Add(time.Minute))
	second.UserAgent, second.Address, second.SecondFactor = "Safari", "198.51.100.7", true
	mustSession(t, f, s, second)
	other := mustSession(t, f, s, staffSession(b.ID, now))
	old := staffSession(a.ID, now.Add(-rdv.StaffSessionLife))
	mustSession(t, f, s, old)

	list, err := s.Sessions(f.ctx, a.ID, now.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("sessions: %v", err)
	}
	if len(list) != 2 || list[0].TokenHash != second.TokenHash || list[1].TokenHash != first.TokenHash {
		t.Fatalf("sessions %+v: want the two live ones, the newest first", list)
	}
	if got := list[0]; got.UserAgent != "Safari" || got.Address != "198.51.100.7" || !got.SecondFactor || got.ID == "" ||
		!got.CreatedAt.Equal(second.CreatedAt) || !got.LastSeenAt.Equal(second.CreatedAt) || !got.ExpiresAt.Equal(second.ExpiresAt) {
		t.Errorf("listed %+v, want %+v", got, second)
	}
	others, err := s.Sessions(f.ctx, b.ID, now)
	if err != nil || len(others) != 1 {
		t.Fatalf("other account's sessions: %+v, %v", others, err)
	}
	if err := s.RevokeSession(f.ctx, a.ID, others[0].ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("revoke another account's session: %v, want ENOTFOUND", err)
	}
	if !live(t, f, s, other.TokenHash, now) {
		t.Errorf("another account's session ended by a refused revocation")
	}
	if err := s.RevokeSession(f.ctx, a.ID, list[1].ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if live(t, f, s, first.TokenHash, now.Add(2*time.Minute)) {
		t.Errorf("revoked session still live")
	}
	if err := s.RevokeSession(f.ctx, a.ID, list[1].ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("revoke twice: %v, want ENOTFOUND", err)
	}

	// An operator ends every session of an account, and its sign-ins
	// under way, at once.
	third := mustSession(t, f, s, staffSession(a.ID, now.Add(time.Minute)))
	pending := rdv.Challenge{TokenHash: auth.HashToken(auth.NewToken()), Kind: rdv.ChallengeSignIn, AccountID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(rdv.SignInStepLife)}
	if err := s.CreateChallenge(f.ctx, pending); err != nil {
		t.Fatalf("create challenge: %v", err)
	}
	n, err := s.RevokeSessions(f.ctx, a.ID)
	if err != nil || n < 2 {
		t.Fatalf("revoke all: %d, %v; want at least the 2 live sessions", n, err)
	}
	for _, h := range []string{second.TokenHash, third.TokenHash} {
		if live(t, f, s, h, now.Add(2*time.Minute)) {
			t.Errorf("session live after revoking all")
		}
	}
	if _, err := s.Challenge(f.ctx, pending.TokenHash, rdv.ChallengeSignIn, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("sign-in under way after revoking all: %v, want ENOTFOUND", err)
	}
	if !live(t, f, s, other.TokenHash, now) {
		t.Errorf("another account's session ended by revoking all of one")
	}
}

// recoveryHashes returns n distinct hashes, as recovery codes' would be.
func recoveryHashes(n int, tag string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = auth.HashToken(fmt.Sprintf("%s-%d", tag, i))
	}
	return out
}

func testTOTPEnrolment(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("ops@x.example", rdv.Operator, 0))
	now := ms()
	if got, err := s.SecondFactors(f.ctx, a.ID, now); err != nil || got.Any() || got.RecoveryCodes != 0 {
		t.Fatalf("new account's factors %+v, %v: want none", got, err)
	}
	if _, err := s.SecondFactors(f.ctx, a.ID+1000, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("unknown account's factors: %v, want ENOTFOUND", err)
	}
	if _, err := s.TOTP(f.ctx, a.ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("TOTP before enrolment: %v, want ENOTFOUND", err)
	}
	for _, secret := range []string{"FIRSTSECRETAAAAA", "SECONDSECRETBBBB"} {
		if err := s.StartTOTP(f.ctx, a.ID, secret, now); err != nil {
			t.Fatalf("start TOTP: %v", err)
		}
	}
	if err := s.StartTOTP(f.ctx, a.ID+1000, "X", now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("start TOTP of an unknown account: %v, want ENOTFOUND", err)
	}
	got, err := s.TOTP(f.ctx, a.ID)
	if err != nil || got.Secret != "SECONDSECRETBBBB" || got.Confirmed || got.LastStep != 0 {
		t.Fatalf("unconfirmed TOTP %+v, %v: want the second secret, unconfirmed", got, err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); fs.TOTP {
		t.Errorf("an unconfirmed secret counts as a factor")
	}

	before := mustSession(t, f, s, staffSession(a.ID, now))
	after := staffSession(a.ID, now.Add(time.Minute))
	after.SecondFactor = true
	err = s.ConfirmTOTP(f.ctx, rdv.ConfirmTOTPRequest{AccountID: a.ID, Step: 1000, RecoveryHashes: recoveryHashes(rdv.RecoveryCodeCount, "a"),
		Rotate: rdv.Rotation{Old: before.TokenHash, New: after}, Now: now.Add(time.Minute)})
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if live(t, f, s, before.TokenHash, now.Add(time.Minute)) {
		t.Errorf("the session before the second factor still live: it must rotate")
	}
	se, _, err := s.SessionByTokenHash(f.ctx, after.TokenHash, now.Add(time.Minute))
	if err != nil || !se.SecondFactor {
		t.Errorf("rotated session %+v, %v: want live with a second factor", se, err)
	}
	fs, err := s.SecondFactors(f.ctx, a.ID, now)
	if err != nil || !fs.TOTP || fs.RecoveryCodes != rdv.RecoveryCodeCount || fs.Passkeys != 0 {
		t.Errorf("factors %+v, %v: want TOTP and %d recovery codes", fs, err, rdv.RecoveryCodeCount)
	}
	if got, _ := s.TOTP(f.ctx, a.ID); !got.Confirmed || got.LastStep != 1000 {
		t.Errorf("confirmed TOTP %+v: want confirmed with step 1000 spent", got)
	}
	if err := s.StartTOTP(f.ctx, a.ID, "THIRDSECRETCCCCC", now); rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Errorf("start over a confirmed secret: %v, want ECONFLICT", err)
	}
	err = s.ConfirmTOTP(f.ctx, rdv.ConfirmTOTPRequest{AccountID: a.ID, Step: 1001, Rotate: rdv.Rotation{Old: after.TokenHash, New: staffSession(a.ID, now)}, Now: now})
	if rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("confirm twice: %v, want ENOTFOUND", err)
	}
	if !live(t, f, s, after.TokenHash, now.Add(time.Minute)) {
		t.Errorf("a refused confirmation rotated the session")
	}
	if err := s.RemoveTOTP(f.ctx, a.ID); err != nil {
		t.Fatalf("remove TOTP: %v", err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); fs.TOTP {
		t.Errorf("TOTP still a factor after removal")
	}
}

// enrolled gives the account a confirmed TOTP secret whose last step is
// step, and recovery codes of hashes.
func enrolled(t *testing.T, f *fixture, s rdv.Store, accountID, step int64, hashes []string) {
	t.Helper()
	now := ms()
	if err := s.StartTOTP(f.ctx, accountID, "JBSWY3DPEHPK3PXP", now); err != nil {
		t.Fatalf("start TOTP: %v", err)
	}
	old := mustSession(t, f, s, staffSession(accountID, now))
	err := s.ConfirmTOTP(f.ctx, rdv.ConfirmTOTPRequest{AccountID: accountID, Step: step, RecoveryHashes: hashes,
		Rotate: rdv.Rotation{Old: old.TokenHash, New: staffSession(accountID, now)}, Now: now})
	if err != nil {
		t.Fatalf("confirm TOTP: %v", err)
	}
}

func signInChallenge(t *testing.T, f *fixture, s rdv.Store, accountID int64, now time.Time) rdv.Challenge {
	t.Helper()
	c := rdv.Challenge{TokenHash: auth.HashToken(auth.NewToken()), Kind: rdv.ChallengeSignIn, AccountID: accountID,
		Return: "/agent", CreatedAt: now, ExpiresAt: now.Add(rdv.SignInStepLife)}
	if err := s.CreateChallenge(f.ctx, c); err != nil {
		t.Fatalf("create challenge: %v", err)
	}
	return c
}

func testSignInWithTOTP(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("agent@x.example", rdv.PhoneAgent, 0))
	b := mustCreateAccount(t, f, s, account("other@x.example", rdv.PhoneAgent, 0))
	enrolled(t, f, s, a.ID, 1000, nil)
	now := ms()
	c := signInChallenge(t, f, s, a.ID, now)
	finish := func(step int64, se rdv.Session) error {
		return s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: rdv.Proof{TOTPStep: step}, Session: se, Now: now})
	}
	tests := []struct {
		name string
		step int64
		want string
	}{
		{"the step of the enrolment's code", 1000, rdv.ECODE},
		{"an earlier step", 999, rdv.ECODE},
	}
	for _, tt := range tests {
		if err := finish(tt.step, staffSession(a.ID, now)); rdv.ErrorCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	if err := finish(1001, staffSession(b.ID, now)); rdv.ErrorCode(err) != rdv.EINVALID {
		t.Errorf("a session for another account: %v, want EINVALID", err)
	}
	if _, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, now); err != nil {
		t.Fatalf("refused steps spent the sign-in: %v", err)
	}
	se := staffSession(a.ID, now)
	se.SecondFactor = true
	if err := finish(1001, se); err != nil {
		t.Fatalf("a new step: %v", err)
	}
	if got, _, err := s.SessionByTokenHash(f.ctx, se.TokenHash, now); err != nil || !got.SecondFactor {
		t.Errorf("session after the second step %+v, %v", got, err)
	}
	if _, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("sign-in after its second step: %v, want ENOTFOUND", err)
	}
	if err := finish(1002, staffSession(a.ID, now)); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("the same sign-in finished twice: %v, want ENOTFOUND", err)
	}
	// The same code in another sign-in is a replay.
	c = signInChallenge(t, f, s, a.ID, now)
	if err := finish(1001, staffSession(a.ID, now)); rdv.ErrorCode(err) != rdv.ECODE {
		t.Errorf("a code replayed in another sign-in: %v, want ECODE", err)
	}
	late := signInChallenge(t, f, s, a.ID, now)
	err := s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: late.TokenHash, Proof: rdv.Proof{TOTPStep: 1005},
		Session: staffSession(a.ID, now.Add(rdv.SignInStepLife)), Now: now.Add(rdv.SignInStepLife)})
	if rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("a sign-in finished after its life: %v, want ENOTFOUND", err)
	}
	two := rdv.Proof{TOTPStep: 1003, RecoveryHash: "x"}
	if err := s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: two, Session: staffSession(a.ID, now), Now: now}); rdv.ErrorCode(err) != rdv.EINVALID {
		t.Errorf("two proofs at once: %v, want EINVALID", err)
	}
}

func testRecoveryCodesOnce(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("admin@x.example", rdv.ClinicAdmin, 1))
	hashes := recoveryHashes(rdv.RecoveryCodeCount, "first")
	enrolled(t, f, s, a.ID, 1000, hashes)
	now := ms()
	use := func(hash string) error {
		c := signInChallenge(t, f, s, a.ID, now)
		return s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: rdv.Proof{RecoveryHash: hash}, Session: staffSession(a.ID, now), Now: now})
	}
	if err := use(hashes[3]); err != nil {
		t.Fatalf("a recovery code: %v", err)
	}
	if err := use(hashes[3]); rdv.ErrorCode(err) != rdv.ECODE {
		t.Errorf("a recovery code used twice: %v, want ECODE", err)
	}
	if err := use(auth.HashToken("not a code")); rdv.ErrorCode(err) != rdv.ECODE {
		t.Errorf("an unknown recovery code: %v, want ECODE", err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); fs.RecoveryCodes != rdv.RecoveryCodeCount-1 {
		t.Errorf("%d codes left, want %d", fs.RecoveryCodes, rdv.RecoveryCodeCount-1)
	}
	// New codes replace the old ones, used or not.
	fresh := recoveryHashes(rdv.RecoveryCodeCount, "second")
	if err := s.ReplaceRecoveryCodes(f.ctx, a.ID, fresh, now); err != nil {
		t.Fatalf("replace codes: %v", err)
	}
	if err := use(hashes[4]); rdv.ErrorCode(err) != rdv.ECODE {
		t.Errorf("a replaced code: %v, want ECODE", err)
	}
	if err := use(fresh[0]); err != nil {
		t.Errorf("a new code: %v", err)
	}
	if err := s.ReplaceRecoveryCodes(f.ctx, a.ID, []string{"h", "h"}, now); rdv.ErrorCode(err) != rdv.EINVALID {
		t.Errorf("the same code twice: %v, want EINVALID", err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); fs.RecoveryCodes != rdv.RecoveryCodeCount-1 {
		t.Errorf("a refused replacement changed the codes: %d left", fs.RecoveryCodes)
	}
	if err := s.ReplaceRecoveryCodes(f.ctx, a.ID+1000, fresh, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("codes of an unknown account: %v, want ENOTFOUND", err)
	}
}

func testTriesPaused(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("ops@x.example", rdv.Operator, 0))
	enrolled(t, f, s, a.ID, 1000, nil)
	now := ms()
	for i := 1; i <= rdv.SecondFactorTries; i++ {
		if err := s.SpendSecondFactorTry(f.ctx, a.ID, now); err != nil {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if err := s.SpendSecondFactorTry(f.ctx, a.ID, now.Add(rdv.SecondFactorPause-time.Second)); rdv.ErrorCode(err) != rdv.ETOOMANY {
		t.Errorf("a try during the pause: %v, want ETOOMANY", err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); !fs.PausedUntil.Equal(now.Add(rdv.SecondFactorPause)) {
		t.Errorf("paused until %v, want %v", fs.PausedUntil, now.Add(rdv.SecondFactorPause))
	}
	later := now.Add(rdv.SecondFactorPause)
	if fs, _ := s.SecondFactors(f.ctx, a.ID, later); !fs.PausedUntil.IsZero() {
		t.Errorf("still paused after the pause: %v", fs.PausedUntil)
	}
	for i := 1; i < rdv.SecondFactorTries; i++ {
		if err := s.SpendSecondFactorTry(f.ctx, a.ID, later); err != nil {
			t.Fatalf("try %d after the pause: %v", i, err)
		}
	}
	// A passed step forgives the tries spent.
	c := signInChallenge(t, f, s, a.ID, later)
	if err := s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: rdv.Proof{TOTPStep: 2000}, Session: staffSession(a.ID, later), Now: later}); err != nil {
		t.Fatalf("finish: %v", err)
	}
	for i := 1; i < rdv.SecondFactorTries; i++ {
		if err := s.SpendSecondFactorTry(f.ctx, a.ID, later); err != nil {
			t.Fatalf("try %d after a passed step: %v", i, err)
		}
	}
	if err := s.SpendSecondFactorTry(f.ctx, a.ID+1000, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("a try of an unknown account: %v, want ENOTFOUND", err)
	}
}

func testPasskeys(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("agent@x.example", rdv.PhoneAgent, 0))
	b := mustCreateAccount(t, f, s, account("other@x.example", rdv.PhoneAgent, 0))
	now := ms()
	se := mustSession(t, f, s, staffSession(a.ID, now))
	register := func(se rdv.Session, p rdv.Passkey) (rdv.Session, error) {
		c := rdv.Challenge{TokenHash: se.TokenHash, Kind: rdv.ChallengePasskey, AccountID: p.AccountID, Data: []byte(`{"challenge":"x"}`),
			CreatedAt: now, ExpiresAt: now.Add(rdv.SignInStepLife)}
		if err := s.CreateChallenge(f.ctx, c); err != nil {
			t.Fatalf("create challenge: %v", err)
		}
		next := staffSession(p.AccountID, now)
		next.SecondFactor = true
		return next, s.AddPasskey(f.ctx, rdv.AddPasskeyRequest{Passkey: p, Challenge: c.TokenHash, Rotate: rdv.Rotation{Old: se.TokenHash, New: next}, Now: now})
	}
	key := rdv.Passkey{ID: "Y3JlZGVudGlhbC0x", AccountID: a.ID, Name: "YubiKey", Credential: []byte(`{"id":"Y3JlZGVudGlhbC0x","signCount":0}`)}
	next, err := register(se, key)
	if err != nil {
		t.Fatalf("add passkey: %v", err)
	}
	if live(t, f, s, se.TokenHash, now) || !live(t, f, s, next.TokenHash, now) {
		t.Errorf("adding a passkey did not rotate the session")
	}
	if _, err := register(next, key); rdv.ErrorCode(err) != rdv.ECONFLICT {
		t.Errorf("the same passkey twice: %v, want ECONFLICT", err)
	}
	if !live(t, f, s, next.TokenHash, now) {
		t.Errorf("a refused passkey rotated the session")
	}
	err = s.AddPasskey(f.ctx, rdv.AddPasskeyRequest{Passkey: rdv.Passkey{ID: "b3RoZXI", AccountID: a.ID, Name: "x", Credential: []byte("{}")},
		Challenge: "no such challenge", Rotate: rdv.Rotation{Old: next.TokenHash, New: staffSession(a.ID, now)}, Now: now})
	if rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("a passkey without its challenge: %v, want ENOTFOUND", err)
	}
	keys, err := s.Passkeys(f.ctx, a.ID)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID || keys[0].Name != "YubiKey" || string(keys[0].Credential) != string(key.Credential) ||
		!keys[0].CreatedAt.Equal(now) || !keys[0].LastUsedAt.IsZero() {
		t.Fatalf("passkeys %+v, %v: want the one added, never used", keys, err)
	}
	if fs, _ := s.SecondFactors(f.ctx, a.ID, now); fs.Passkeys != 1 || !fs.Any() {
		t.Errorf("factors %+v: want one passkey", fs)
	}

	// Signing in with it records its new count; another account's
	// passkey proves nothing.
	used := key
	used.Credential = []byte(`{"id":"Y3JlZGVudGlhbC0x","signCount":1}`)
	c := signInChallenge(t, f, s, b.ID, now)
	err = s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: rdv.Proof{Passkey: &used}, Session: staffSession(b.ID, now), Now: now})
	if rdv.ErrorCode(err) != rdv.ECODE {
		t.Errorf("another account's passkey: %v, want ECODE", err)
	}
	c = signInChallenge(t, f, s, a.ID, now)
	later := now.Add(time.Minute)
	if err := s.FinishSignIn(f.ctx, rdv.FinishSignInRequest{Challenge: c.TokenHash, Proof: rdv.Proof{Passkey: &used}, Session: staffSession(a.ID, now), Now: later}); err != nil {
		t.Fatalf("sign in with a passkey: %v", err)
	}
	if keys, _ := s.Passkeys(f.ctx, a.ID); len(keys) != 1 || string(keys[0].Credential) != string(used.Credential) || !keys[0].LastUsedAt.Equal(later) {
		t.Errorf("passkey after use %+v: want its new record, used at %v", keys, later)
	}
	if err := s.RemovePasskey(f.ctx, b.ID, key.ID); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("remove another account's passkey: %v, want ENOTFOUND", err)
	}
	if err := s.RemovePasskey(f.ctx, a.ID, key.ID); err != nil {
		t.Fatalf("remove passkey: %v", err)
	}
	if keys, _ := s.Passkeys(f.ctx, a.ID); len(keys) != 0 {
		t.Errorf("passkeys after removal: %+v", keys)
	}
}

func testChallenges(t *testing.T, f *fixture, s rdv.Store) {
	a := mustCreateAccount(t, f, s, account("agent@x.example", rdv.PhoneAgent, 0))
	now := ms()
	c := signInChallenge(t, f, s, a.ID, now)
	got, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, now)
	if err != nil || got.AccountID != a.ID || got.Return != "/agent" || got.Data != nil || !got.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("challenge %+v, %v: want %+v", got, err, c)
	}
	if _, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengePasskey, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("challenge of another kind: %v, want ENOTFOUND", err)
	}
	if err := s.SetChallengeData(f.ctx, c.TokenHash, rdv.ChallengeSignIn, []byte(`{"challenge":"abc"}`), now); err != nil {
		t.Fatalf("set data: %v", err)
	}
	if got, _ := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, now); string(got.Data) != `{"challenge":"abc"}` {
		t.Errorf("data %q", got.Data)
	}
	if _, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, c.ExpiresAt); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("challenge at its expiry: %v, want ENOTFOUND", err)
	}
	if err := s.SetChallengeData(f.ctx, c.TokenHash, rdv.ChallengeSignIn, []byte("{}"), c.ExpiresAt); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("set data of an expired challenge: %v, want ENOTFOUND", err)
	}
	bad := []rdv.Challenge{
		{TokenHash: "", Kind: rdv.ChallengeSignIn, AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
		{TokenHash: "h", Kind: "other", AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
		{TokenHash: "h", Kind: rdv.ChallengeSignIn, AccountID: a.ID, CreatedAt: now, ExpiresAt: now},
	}
	for _, b := range bad {
		if err := s.CreateChallenge(f.ctx, b); rdv.ErrorCode(err) != rdv.EINVALID {
			t.Errorf("challenge %+v: %v, want EINVALID", b, err)
		}
	}
	if err := s.CreateChallenge(f.ctx, rdv.Challenge{TokenHash: "h", Kind: rdv.ChallengeSignIn, AccountID: a.ID + 1000, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("challenge of an unknown account: %v, want ENOTFOUND", err)
	}
	for i := 0; i < 2; i++ {
		if err := s.DeleteChallenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn); err != nil {
			t.Fatalf("delete (%d): %v", i+1, err)
		}
	}
	if _, err := s.Challenge(f.ctx, c.TokenHash, rdv.ChallengeSignIn, now); rdv.ErrorCode(err) != rdv.ENOTFOUND {
		t.Errorf("deleted challenge: %v, want ENOTFOUND", err)
	}
}
