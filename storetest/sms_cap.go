package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"rdv"
	"rdv/auth"
)

// smsCodeReq asks a code by text message for the i-th phone, from an
// address of its own, under the platform's cap max.
func (f *patientsFixture) smsCodeReq(i, max int) rdv.SignInCodeRequest {
	r := f.codeReq(rdv.BySMS, fmt.Sprintf("+1514555%04d", i), auth.NewCode(), fmt.Sprintf("2001:db8:%x::1", i))
	r.MaxSMSPerHour = max
	return r
}

// testRateLimitSMS: MaxSMSPerHour codes an hour by text message in all,
// whatever the phones and the addresses (a text message costs money, and
// a flood of numbers from many addresses must not pump it); emails are
// not counted, and the cap frees up after the hour.
func testRateLimitSMS(t *testing.T, f *patientsFixture) {
	const max = 3
	for i := range max {
		if err := f.store.IssueSignInCode(f.ctx, f.smsCodeReq(i, max)); err != nil {
			t.Fatalf("text message %d: %v", i+1, err)
		}
	}
	wantCode(t, "one text message too many", f.store.IssueSignInCode(f.ctx, f.smsCodeReq(max, max)), rdv.ETOOMANY)
	if n := len(f.codeMessages(rdv.BySMS, f.smsCodeReq(max, max).To)); n != 0 {
		t.Fatalf("a refused code wrote %d messages", n)
	}
	email := f.codeReq(rdv.ByEmail, "lea@example.org", auth.NewCode(), "10.0.0.1")
	email.MaxSMSPerHour = max
	if err := f.store.IssueSignInCode(f.ctx, email); err != nil {
		t.Fatalf("an email under the text messages' cap: %v", err)
	}
	f.now = f.now.Add(time.Hour)
	if err := f.store.IssueSignInCode(f.ctx, f.smsCodeReq(max, max)); err != nil {
		t.Fatalf("a text message an hour later: %v", err)
	}
}

// testRateLimitSMSRaced: text messages asked at once pass the platform's
// cap no more than one after the other.
func testRateLimitSMSRaced(t *testing.T, f *patientsFixture) {
	const n, max = 12, 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		r := f.smsCodeReq(i, max)
		wg.Go(func() {
			<-start
			errs[i] = f.store.IssueSignInCode(f.ctx, r)
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
	if sent != max {
		t.Fatalf("%d text messages sent at once, want the cap %d", sent, max)
	}
}
