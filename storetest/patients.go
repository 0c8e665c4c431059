package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// runPatients runs the conformance suite of rdv.PatientStore: sign-in
// codes and their limits, the accounts they find or make, the guests'
// bookings that join them, sessions, an account's people, and the
// clinics' rosters.
func runPatients(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"CodeRight", testCodeRight},
		{"CodeBySMS", testCodeBySMS},
		{"CodeWrong", testCodeWrong},
		{"CodeExpired", testCodeExpired},
		{"CodeReused", testCodeReused},
		{"CodeOutOfTries", testCodeOutOfTries},
		{"CodeNewestOnly", testCodeNewestOnly},
		{"CodeOfAnotherStep", testCodeOfAnotherStep},
		{"CodeOfAnotherDestination", testCodeOfAnotherDestination},
		{"CodeTriesRaced", testCodeTriesRaced},
		{"CodeRefusedBeforeATry", testCodeRefusedBeforeATry},
		{"RateLimitPerDestination", testRateLimitPerDestination},
		{"RateLimitPerDestinationRaced", testRateLimitPerDestinationRaced},
		{"RateLimitPerAddress", testRateLimitPerAddress},
		{"RateLimitPerAsker", testRateLimitPerAsker},
		{"RateLimitSMS", testRateLimitSMS},
		{"RateLimitSMSRaced", testRateLimitSMSRaced},
		{"SameWhetherAccountExists", testSameWhetherAccountExists},
		{"GuestBookingsJoinByEmail", testGuestBookingsJoinByEmail},
		{"GuestBookingsJoinByPhone", testGuestBookingsJoinByPhone},
		{"Sessions", testPatientSessions},
		{"UpdateAccount", testUpdatePatientAccount},
		{"People", testPeople},
		{"PeopleOfOneAccount", testPeopleOfOneAccount},
		{"PeopleRefused", testPeopleRefused},
		{"Roster", testRoster},
		{"RosterRefused", testRosterRefused},
		{"RosterKeepsPatients", testRosterKeepsPatients},
		{"RosterNeedsTheWholeIdentity", testRosterIdentity},
		{"RosteredBookingNeedsTheWholeIdentity", testRosteredBookingIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("0123456789abcdef0123456789abcdef")})
		})
	}
}

// patientsFixture is a fixture with the key of sign-in codes' hashes.
type patientsFixture struct {
	*fixture
	key []byte
}

// patientStep is the sign-in step of the patient's browser, which the
// requests carry unless a test says otherwise.
var patientStep = stepHash("the patient's browser")

// stepHash is the hash of a sign-in step's token, as the pages give it.
func stepHash(token string) string { return auth.HashToken(token) }

// codeReq asks for code to be sent to to, from address, with the
// patient's step.
func (f *patientsFixture) codeReq(ch rdv.MessageChannel, to, code, address string) rdv.SignInCodeRequest {
	return rdv.SignInCodeRequest{Channel: ch, To: to, Code: code, CodeHash: auth.CodeHash(f.key, to, code), Language: "fr",
		Now: f.now, StepHash: patientStep, AddressKey: address, MaxPerAddress: 20}
}

// mustSendCode issues a new code for to and returns it.
func (f *patientsFixture) mustSendCode(ch rdv.MessageChannel, to string) string {
	f.t.Helper()
	code := auth.NewCode()
	if err := f.store.IssueSignInCode(f.ctx, f.codeReq(ch, to, code, "")); err != nil {
		f.t.Fatalf("issue a code: %v", err)
	}
	return code
}

// verifyReq types code for to, opening a new session when it is right.
func (f *patientsFixture) verifyReq(ch rdv.MessageChannel, to, code string) rdv.VerifyCodeRequest {
	token := f.nextID("session")
	return rdv.VerifyCodeRequest{Channel: ch, To: to, CodeHash: auth.CodeHash(f.key, to, code), StepHash: patientStep, Language: "en", Now: f.now,
		Session: rdv.PatientSession{TokenHash: auth.HashToken(token), CSRFToken: "csrf-" + token, CreatedAt: f.now, ExpiresAt: f.now.Add(12 * time.Hour)}}
}

func (f *patientsFixture) mustVerify(r rdv.VerifyCodeRequest) rdv.PatientAccount {
	f.t.Helper()
	a, err := f.store.VerifySignInCode(f.ctx, r)
	if err != nil {
		f.t.Fatalf("verify a right code: %v", err)
	}
	return a
}

func (f *patientsFixture) wantRefused(r rdv.VerifyCodeRequest, why string) {
	f.t.Helper()
	_, err := f.store.VerifySignInCode(f.ctx, r)
	wantCode(f.t, why, err, rdv.ECODE)
}

// mustSignIn sends a code to to and types it: the account signed in.
func (f *patientsFixture) mustSignIn(ch rdv.MessageChannel, to string) rdv.PatientAccount {
	f.t.Helper()
	return f.mustVerify(f.verifyReq(ch, to, f.mustSendCode(ch, to)))
}

// otherCode is a six-digit code that is not code.
func otherCode(code string) string {
	return fmt.Sprintf("%06d", (int(code[0]-'0')+1)%10*100000+atoi(code[1:]))
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// codeMessages returns the sign-in code messages written for to, oldest
// first, as the sender reads them (with their Secret).
func (f *patientsFixture) codeMessages(ch rdv.MessageChannel, to string) []rdv.Message {
	f.t.Helper()
	list, err := f.store.Messages(f.ctx, rdv.MessageFilter{Channel: ch, Limit: 1000})
	if err != nil {
		f.t.Fatalf("list messages: %v", err)
	}
	var out []rdv.Message
	for i := len(list) - 1; i >= 0; i-- {
		if m := list[i]; m.Kind == rdv.MessageSignInCode && m.To == to {
			full, err := f.store.Message(f.ctx, m.ID)
			if err != nil {
				f.t.Fatalf("read message %d: %v", m.ID, err)
			}
			out = append(out, full)
		}
	}
	return out
}

// testCodeRight signs in by email: the code's message carries the code,
// the account is made with the contact proved and its channel, and the
// session opens.
func testCodeRight(t *testing.T, f *patientsFixture) {
	to := "lea.tremblay@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	ms := f.codeMessages(rdv.ByEmail, to)
	if len(ms) != 1 {
		t.Fatalf("%d code messages, want 1", len(ms))
	}
	if m := ms[0]; m.Secret != code || m.Status != rdv.MessageQueued || m.Language != "fr" || !m.DueAt.Equal(f.now) || m.AppointmentID != 0 {
		t.Fatalf("code message %+v, want queued now in French with the code", m)
	}
	r := f.verifyReq(rdv.ByEmail, to, code)
	a := f.mustVerify(r)
	want := rdv.PatientAccount{ID: a.ID, Email: to, Language: "en", Notify: rdv.Notify{Email: true}, ConsentAt: f.now, CreatedAt: f.now}
	if a.ID == 0 || a != want {
		t.Fatalf("account made\n%+v\nwant\n%+v", a, want)
	}
	if got, err := f.store.PatientAccount(f.ctx, a.ID); err != nil || got != want {
		t.Fatalf("account reads back %+v, %v; want %+v", got, err, want)
	}
	se, sa, err := f.store.PatientSessionByTokenHash(f.ctx, r.Session.TokenHash, f.now.Add(time.Minute))
	if err != nil || sa != want || se.AccountID != a.ID || se.CSRFToken != r.Session.CSRFToken || !se.ExpiresAt.Equal(r.Session.ExpiresAt) {
		t.Fatalf("session %+v of %+v, %v; want the session opened for %+v", se, sa, err, want)
	}
	// The same contact proved again signs in to the same account, as it is.
	f.now = f.now.Add(time.Hour)
	again := f.mustSignIn(rdv.ByEmail, to)
	if again != want {
		t.Fatalf("second sign-in gives %+v, want the account as made %+v", again, want)
	}
}

// testCodeBySMS signs in by text message: the account has the phone.
func testCodeBySMS(t *testing.T, f *patientsFixture) {
	to := "+15145550123"
	code := f.mustSendCode(rdv.BySMS, to)
	if ms := f.codeMessages(rdv.BySMS, to); len(ms) != 1 || ms[0].Secret != code || ms[0].Channel != rdv.BySMS {
		t.Fatalf("code messages %+v, want one text with the code", ms)
	}
	a := f.mustVerify(f.verifyReq(rdv.BySMS, to, code))
	if a.Phone != to || a.Email != "" || a.Notify != (rdv.Notify{SMS: true}) {
		t.Fatalf("account %+v, want the phone and texts chosen", a)
	}
	// A code sent by email to nobody's address says nothing of the phone's.
	if other := f.mustSignIn(rdv.ByEmail, "lea@example.org"); other.ID == a.ID {
		t.Fatalf("email sign-in gave the phone's account %d", a.ID)
	}
}

// testCodeWrong spends a try; the right code still works after it.
func testCodeWrong(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	f.wantRefused(f.verifyReq(rdv.ByEmail, to, otherCode(code)), "wrong code")
	f.mustVerify(f.verifyReq(rdv.ByEmail, to, code))
}

// testCodeExpired: a code lives SignInCodeTTL.
func testCodeExpired(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	r := f.verifyReq(rdv.ByEmail, to, code)
	r.Now = f.now.Add(rdv.SignInCodeTTL)
	r.Session.CreatedAt = r.Now
	f.wantRefused(r, "code at the end of its life")
	r = f.verifyReq(rdv.ByEmail, to, code)
	r.Now = f.now.Add(rdv.SignInCodeTTL - time.Millisecond)
	f.mustVerify(r)
}

// testCodeReused: a code signs in once.
func testCodeReused(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	f.mustVerify(f.verifyReq(rdv.ByEmail, to, code))
	f.wantRefused(f.verifyReq(rdv.ByEmail, to, code), "code used")
}

// testCodeOutOfTries: SignInCodeTries tries, the last of which may be the
// right one; after that even the right code is refused.
func testCodeOutOfTries(t *testing.T, f *patientsFixture) {
	to, other := "lea@example.org", "marc@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	for i := range rdv.SignInCodeTries {
		f.wantRefused(f.verifyReq(rdv.ByEmail, to, otherCode(code)), fmt.Sprintf("wrong try %d", i+1))
	}
	f.wantRefused(f.verifyReq(rdv.ByEmail, to, code), "right code after the tries")

	code = f.mustSendCode(rdv.ByEmail, other)
	for i := range rdv.SignInCodeTries - 1 {
		f.wantRefused(f.verifyReq(rdv.ByEmail, other, otherCode(code)), fmt.Sprintf("wrong try %d", i+1))
	}
	f.mustVerify(f.verifyReq(rdv.ByEmail, other, code))

	// A new code brings new tries.
	f.mustSignIn(rdv.ByEmail, to)
}

// testCodeNewestOnly: a code asked again replaces the one before.
func testCodeNewestOnly(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	first := f.mustSendCode(rdv.ByEmail, to)
	second := f.mustSendCode(rdv.ByEmail, to)
	for second == first {
		second = f.mustSendCode(rdv.ByEmail, to)
	}
	f.wantRefused(f.verifyReq(rdv.ByEmail, to, first), "the code before the newest")
	f.mustVerify(f.verifyReq(rdv.ByEmail, to, second))
	if ms := f.codeMessages(rdv.ByEmail, to); len(ms) < 2 || ms[0].Secret != first || ms[len(ms)-1].Secret != second {
		t.Fatalf("code messages %+v, want one per code asked", ms)
	}
}

// testCodeOfAnotherStep: a code is typed from the step (the browser) that
// asked it. A stranger who asked a code for the patient's address before
// the patient did, and sends wrong guesses with their own step, spends
// their own code's tries only: the patient's code, asked from another
// step, still signs in, and it was not retired by the stranger's code
// nor the stranger's by it. The stranger's step cannot type the
// patient's code either.
func testCodeOfAnotherStep(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	stranger := stepHash("the stranger's browser")
	theirs := f.codeReq(rdv.ByEmail, to, auth.NewCode(), "10.0.0.66")
	theirs.StepHash = stranger
	if err := f.store.IssueSignInCode(f.ctx, theirs); err != nil {
		t.Fatalf("the stranger's code: %v", err)
	}
	f.now = f.now.Add(time.Minute)
	mine := auth.NewCode()
	for mine == theirs.Code {
		mine = auth.NewCode()
	}
	if err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, mine, "10.0.0.1")); err != nil {
		t.Fatalf("the patient's code: %v", err)
	}
	guess := func(code string) rdv.VerifyCodeRequest {
		r := f.verifyReq(rdv.ByEmail, to, code)
		r.StepHash = stranger
		return r
	}
	for i := range rdv.SignInCodeTries {
		wrong := otherCode(mine)
		for wrong == theirs.Code {
			wrong = otherCode(wrong)
		}
		f.wantRefused(guess(wrong), fmt.Sprintf("the stranger's wrong guess %d", i+1))
	}
	f.wantRefused(guess(theirs.Code), "the stranger's own code after its tries")
	f.wantRefused(guess(mine), "the patient's code typed from the stranger's step")
	a := f.mustVerify(f.verifyReq(rdv.ByEmail, to, mine))
	if a.Email != to {
		t.Fatalf("the patient signed in to %+v, want the account of %s", a, to)
	}

	// Each step's newest code is live at once: a code asked from one
	// step retires none of another's.
	other := "marc@example.org"
	first := f.codeReq(rdv.ByEmail, other, auth.NewCode(), "10.0.0.66")
	first.StepHash = stranger
	if err := f.store.IssueSignInCode(f.ctx, first); err != nil {
		t.Fatalf("a code from one step: %v", err)
	}
	second := f.mustSendCode(rdv.ByEmail, other)
	r := f.verifyReq(rdv.ByEmail, other, first.Code)
	r.StepHash = stranger
	f.mustVerify(r)
	f.mustVerify(f.verifyReq(rdv.ByEmail, other, second))
}

// testCodeOfAnotherDestination: a code is good only for where it was sent,
// and for the channel it was sent on.
func testCodeOfAnotherDestination(t *testing.T, f *patientsFixture) {
	code := f.mustSendCode(rdv.ByEmail, "lea@example.org")
	r := f.verifyReq(rdv.ByEmail, "marc@example.org", code)
	r.CodeHash = auth.CodeHash(f.key, "lea@example.org", code)
	f.wantRefused(r, "code typed for another address")
	f.wantRefused(f.verifyReq(rdv.BySMS, "+15145550123", code), "code typed for a phone")
	f.mustVerify(f.verifyReq(rdv.ByEmail, "lea@example.org", code))
}

// testCodeTriesRaced: wrong guesses at once each spend a try (none is
// lost to a race), so that after SignInCodeTries of them the right code
// is refused.
func testCodeTriesRaced(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	reqs := make([]rdv.VerifyCodeRequest, rdv.SignInCodeTries)
	for i := range reqs {
		reqs[i] = f.verifyReq(rdv.ByEmail, to, otherCode(code))
	}
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reqs {
		wg.Go(func() {
			<-start
			_, errs[i] = f.store.VerifySignInCode(f.ctx, reqs[i])
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		wantCode(t, fmt.Sprintf("concurrent wrong guess %d", i), err, rdv.ECODE)
	}
	f.wantRefused(f.verifyReq(rdv.ByEmail, to, code), "right code after concurrent wrong guesses")
}

// testCodeRefusedBeforeATry: a request that cannot open a session is
// refused before it spends a try.
func testCodeRefusedBeforeATry(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	code := f.mustSendCode(rdv.ByEmail, to)
	for range rdv.SignInCodeTries + 1 {
		r := f.verifyReq(rdv.ByEmail, to, otherCode(code))
		r.Session.TokenHash = ""
		_, err := f.store.VerifySignInCode(f.ctx, r)
		wantCode(t, "verify without a session", err, rdv.EINVALID)
	}
	r := f.verifyReq(rdv.ByEmail, "Lea@example.org", code)
	_, err := f.store.VerifySignInCode(f.ctx, r)
	wantCode(t, "verify for an address not in lower case", err, rdv.EINVALID)
	err = f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.BySMS, "514-555-0123", "123456", ""))
	wantCode(t, "issue for a phone as typed", err, rdv.EINVALID)
	f.mustVerify(f.verifyReq(rdv.ByEmail, to, code))
}

// testRateLimitPerDestination: SignInCodesPerHour codes an hour for one
// destination, all addresses together.
func testRateLimitPerDestination(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	start := f.now
	for i := range rdv.SignInCodesPerHour {
		f.now = start.Add(time.Duration(i) * time.Minute)
		if err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, auth.NewCode(), fmt.Sprintf("10.0.0.%d", i))); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, "123456", "10.0.9.9"))
	wantCode(t, "one code too many for the destination", err, rdv.ETOOMANY)
	if n := len(f.codeMessages(rdv.ByEmail, to)); n != rdv.SignInCodesPerHour {
		t.Fatalf("%d code messages, want %d: a refused code writes none", n, rdv.SignInCodesPerHour)
	}
	// The refused code was not recorded: the last one sent still works.
	f.mustSendCode(rdv.ByEmail, "marc@example.org")
	// An hour after the first code, one more may go.
	f.now = start.Add(time.Hour)
	f.mustSendCode(rdv.ByEmail, to)
	err = f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, "123456", ""))
	wantCode(t, "the next one in the hour", err, rdv.ETOOMANY)
}

// testRateLimitPerDestinationRaced: codes asked at once pass the cap no
// more than one after the other.
func testRateLimitPerDestinationRaced(t *testing.T, f *patientsFixture) {
	to := "+15145550123"
	// As many addresses as the destination's cap, each asking as many
	// as its own cap: the destination's cap is the one met.
	n := rdv.SignInCodesPerHour * rdv.SignInCodesPerAsker
	reqs := make([]rdv.SignInCodeRequest, n)
	for i := range reqs {
		reqs[i] = f.codeReq(rdv.BySMS, to, auth.NewCode(), fmt.Sprintf("10.0.0.%d", i%rdv.SignInCodesPerHour))
		reqs[i].StepHash = stepHash(fmt.Sprintf("browser %d", i))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reqs {
		wg.Go(func() {
			<-start
			errs[i] = f.store.IssueSignInCode(f.ctx, reqs[i])
		})
	}
	close(start)
	wg.Wait()
	sent := 0
	for _, err := range errs {
		switch {
		case err == nil:
			sent++
		case rdv.ErrorCode(err) != rdv.ETOOMANY:
			t.Fatalf("concurrent code: %v", err)
		}
	}
	if sent != rdv.SignInCodesPerHour {
		t.Fatalf("%d codes sent at once, want %d", sent, rdv.SignInCodesPerHour)
	}
	if got := len(f.codeMessages(rdv.BySMS, to)); got != sent {
		t.Fatalf("%d code messages, want %d", got, sent)
	}
}

// testRateLimitPerAddress: MaxPerAddress codes an hour from one address,
// whatever the destinations; no cap without an address.
func testRateLimitPerAddress(t *testing.T, f *patientsFixture) {
	const max = 3
	for i := range max {
		r := f.codeReq(rdv.ByEmail, fmt.Sprintf("person%d@example.org", i), auth.NewCode(), "10.0.0.1")
		r.MaxPerAddress = max
		if err := f.store.IssueSignInCode(f.ctx, r); err != nil {
			t.Fatalf("code %d from the address: %v", i+1, err)
		}
	}
	r := f.codeReq(rdv.ByEmail, "another@example.org", "123456", "10.0.0.1")
	r.MaxPerAddress = max
	wantCode(t, "one code too many from the address", f.store.IssueSignInCode(f.ctx, r), rdv.ETOOMANY)
	r.AddressKey = "10.0.0.2"
	if err := f.store.IssueSignInCode(f.ctx, r); err != nil {
		t.Fatalf("code from another address: %v", err)
	}
	for i := range max + 1 {
		r := f.codeReq(rdv.ByEmail, fmt.Sprintf("nobody%d@example.org", i), auth.NewCode(), "")
		r.MaxPerAddress = max
		if err := f.store.IssueSignInCode(f.ctx, r); err != nil {
			t.Fatalf("code %d without an address: %v", i+1, err)
		}
	}
	f.now = f.now.Add(time.Hour)
	r = f.codeReq(rdv.ByEmail, "later@example.org", "123456", "10.0.0.1")
	r.MaxPerAddress = max
	if err := f.store.IssueSignInCode(f.ctx, r); err != nil {
		t.Fatalf("code from the address an hour later: %v", err)
	}
}

// testRateLimitPerAsker: one address asks SignInCodesPerAsker codes an
// hour for a destination, and no more: a stranger who asks codes for the
// patient's address from theirs, as many as they are given, leaves the
// patient codes to ask from another address, and the patient signs in
// with one.
func testRateLimitPerAsker(t *testing.T, f *patientsFixture) {
	to := "lea@example.org"
	stranger := stepHash("the stranger's browser")
	asked := 0
	for ; asked <= rdv.SignInCodesPerHour; asked++ {
		r := f.codeReq(rdv.ByEmail, to, auth.NewCode(), "10.0.0.66")
		r.StepHash = stepHash(fmt.Sprintf("the stranger's browser %d", asked)) // a new step each time, as a script makes
		err := f.store.IssueSignInCode(f.ctx, r)
		if rdv.ErrorCode(err) == rdv.ETOOMANY {
			break
		}
		if err != nil {
			t.Fatalf("the stranger's code %d: %v", asked+1, err)
		}
		f.now = f.now.Add(time.Second)
	}
	if asked != rdv.SignInCodesPerAsker {
		t.Fatalf("the stranger's address got %d codes for the destination in the hour, want %d", asked, rdv.SignInCodesPerAsker)
	}
	// Another step from the stranger's address changes nothing.
	r := f.codeReq(rdv.ByEmail, to, auth.NewCode(), "10.0.0.66")
	r.StepHash = stranger
	wantCode(t, "one code too many from the stranger's address", f.store.IssueSignInCode(f.ctx, r), rdv.ETOOMANY)

	code := auth.NewCode()
	if err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, code, "10.0.0.1")); err != nil {
		t.Fatalf("the patient's code after the stranger's: %v", err)
	}
	f.mustVerify(f.verifyReq(rdv.ByEmail, to, code))
	// The cap is the destination's: the stranger's address still asks
	// for others.
	if err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, "marc@example.org", auth.NewCode(), "10.0.0.66")); err != nil {
		t.Fatalf("the stranger's address asking for another destination: %v", err)
	}
}

// testSameWhetherAccountExists: asking a code, its message, its limits
// and its checks are the same for a known and an unknown contact; only
// the account signed in differs.
func testSameWhetherAccountExists(t *testing.T, f *patientsFixture) {
	known, unknown := "known@example.org", "unknown@example.org"
	account := f.mustSignIn(rdv.ByEmail, known)
	f.now = f.now.Add(time.Hour)
	for _, to := range []string{known, unknown} {
		var last string
		for i := range rdv.SignInCodesPerHour {
			last = auth.NewCode()
			if err := f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, last, "")); err != nil {
				t.Fatalf("code %d for %s: %v", i+1, to, err)
			}
		}
		wantCode(t, "one code too many for "+to, f.store.IssueSignInCode(f.ctx, f.codeReq(rdv.ByEmail, to, "123456", "")), rdv.ETOOMANY)
		ms := f.codeMessages(rdv.ByEmail, to)
		if m := ms[len(ms)-1]; m.Secret != last || m.Status != rdv.MessageQueued || m.Language != "fr" {
			t.Fatalf("last code message for %s: %+v", to, m)
		}
		f.wantRefused(f.verifyReq(rdv.ByEmail, to, otherCode(last)), "wrong code for "+to)
		a := f.mustVerify(f.verifyReq(rdv.ByEmail, to, last))
		if (a.ID == account.ID) != (to == known) {
			t.Fatalf("%s signed in to account %d; the known account is %d", to, a.ID, account.ID)
		}
	}
}
