package storetest

import (
	"testing"
	"time"

	"rdv"
)

// runRefusals runs the suite of refused destinations: a bounce marks its
// destination, so that later messages to it are bounced without being
// sent, until a sign-in code verified there or an operator's resend
// clears the mark.
func runRefusals(t *testing.T, open func(t *testing.T) rdv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *patientsFixture)
	}{
		{"BounceMarks", testRefusalBounceMarks},
		{"SignInClears", testRefusalSignInClears},
		{"ResendClears", testRefusalResendClears},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &patientsFixture{fixture: newFixture(t, open), key: []byte("00112233445566778899aabbccddeeff")})
		})
	}
}

// codeMessage issues a sign-in code to to and returns its message.
func (f *patientsFixture) codeMessage(ch rdv.MessageChannel, to string) rdv.Message {
	f.t.Helper()
	f.mustSendCode(ch, to)
	ms, err := f.store.Messages(f.ctx, rdv.MessageFilter{Limit: 1})
	if err != nil || len(ms) != 1 || ms[0].To != to || ms[0].Kind != rdv.MessageSignInCode {
		f.t.Fatalf("the code's message: %+v, %v", ms, err)
	}
	return ms[0]
}

// attempt starts an attempt at message id and ends it with status.
func (f *patientsFixture) attempt(id int64, status rdv.MessageStatus, why string) {
	f.t.Helper()
	if _, err := f.store.BeginSend(f.ctx, id, f.now); err != nil {
		f.t.Fatalf("begin sending message %d: %v", id, err)
	}
	if err := f.store.FinishSend(f.ctx, id, rdv.SendOutcome{Status: status, Error: why, Now: f.now}); err != nil {
		f.t.Fatalf("finish sending message %d as %s: %v", id, status, err)
	}
}

// wantRefusal fails the test unless to is marked refused on ch at at,
// with why.
func (f *patientsFixture) wantRefusal(ch rdv.MessageChannel, to string, at time.Time, why string) {
	f.t.Helper()
	r, err := f.store.RefusedDestination(f.ctx, ch, to)
	if err != nil {
		f.t.Fatalf("refusal of %s by %s: %v", to, ch, err)
	}
	if r.Channel != ch || r.To != to || !r.RefusedAt.Equal(at) || r.Error != why {
		f.t.Fatalf("refusal %+v; want %s %s refused at %s: %q", r, ch, to, at, why)
	}
}

func (f *patientsFixture) wantNoRefusal(ch rdv.MessageChannel, to, what string) {
	f.t.Helper()
	_, err := f.store.RefusedDestination(f.ctx, ch, to)
	wantCode(f.t, what, err, rdv.ENOTFOUND)
}

func testRefusalBounceMarks(t *testing.T, f *patientsFixture) {
	const to, other = "refused@example.org", "heard@example.org"
	f.wantNoRefusal(rdv.ByEmail, to, "an address never refused")
	// Outcomes that are not a refusal for good leave no mark.
	for _, status := range []rdv.MessageStatus{rdv.MessageQueued, rdv.MessageFailed, rdv.MessageUncertain, rdv.MessageSkipped, rdv.MessageSent} {
		f.attempt(f.codeMessage(rdv.ByEmail, other).ID, status, "")
		f.now = f.now.Add(15 * time.Minute)
	}
	f.wantNoRefusal(rdv.ByEmail, other, "an address that never bounced")

	first := f.now
	f.attempt(f.codeMessage(rdv.ByEmail, to).ID, rdv.MessageBounced, "550 no such user")
	f.wantRefusal(rdv.ByEmail, to, first, "550 no such user")
	f.wantNoRefusal(rdv.BySMS, to, "the same text on another channel")
	// A message bounced since, at the mark or by the server, leaves the
	// first refusal as it was.
	f.now = f.now.Add(time.Minute)
	f.attempt(f.codeMessage(rdv.ByEmail, to).ID, rdv.MessageBounced, "address refused on an earlier day")
	f.wantRefusal(rdv.ByEmail, to, first, "550 no such user")
}

func testRefusalSignInClears(t *testing.T, f *patientsFixture) {
	const to = "+15145550123"
	f.attempt(f.codeMessage(rdv.BySMS, to).ID, rdv.MessageBounced, "unknown number")
	f.wantRefusal(rdv.BySMS, to, f.now, "unknown number")
	// A wrong code proves nothing.
	f.now = f.now.Add(time.Minute)
	code := f.mustSendCode(rdv.BySMS, to)
	f.wantRefusal(rdv.BySMS, to, f.now.Add(-time.Minute), "unknown number")
	f.wantRefused(f.verifyReq(rdv.BySMS, to, wrongCode(code)), "a wrong code")
	f.wantRefusal(rdv.BySMS, to, f.now.Add(-time.Minute), "unknown number")
	// The right code reached its owner there: the mark goes.
	f.mustVerify(f.verifyReq(rdv.BySMS, to, code))
	f.wantNoRefusal(rdv.BySMS, to, "a number whose code was verified")
}

func testRefusalResendClears(t *testing.T, f *patientsFixture) {
	const to = "moved@example.org"
	m := f.codeMessage(rdv.ByEmail, to)
	f.attempt(m.ID, rdv.MessageBounced, "550 mailbox unavailable")
	f.wantRefusal(rdv.ByEmail, to, f.now, "550 mailbox unavailable")
	if err := f.store.Resend(f.ctx, m.ID, f.now); err != nil {
		t.Fatalf("resend: %v", err)
	}
	f.wantNoRefusal(rdv.ByEmail, to, "an address an operator tries again")
}

// wrongCode is a code of the same length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
