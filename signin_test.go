package rdv

import (
	"slices"
	"testing"
	"time"
)

func TestSignInCodeRequestValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	valid := func() SignInCodeRequest {
		return SignInCodeRequest{Channel: ByEmail, To: "lea@example.org", Code: "012345", CodeHash: "h", Now: now}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*SignInCodeRequest)
		fields []string
	}{
		{"email", func(*SignInCodeRequest) {}, nil},
		{"phone", func(r *SignInCodeRequest) { r.Channel, r.To = BySMS, "+15145550123" }, nil},
		{"email not in lower case", func(r *SignInCodeRequest) { r.To = "Lea@example.org" }, []string{"to"}},
		{"phone as typed", func(r *SignInCodeRequest) { r.Channel, r.To = BySMS, "514-555-0123" }, []string{"to"}},
		{"phone sent by email", func(r *SignInCodeRequest) { r.To = "+15145550123" }, []string{"to"}},
		{"unknown channel", func(r *SignInCodeRequest) { r.Channel = "pigeon" }, []string{"channel"}},
		{"short code", func(r *SignInCodeRequest) { r.Code = "12345" }, []string{"code"}},
		{"code with a letter", func(r *SignInCodeRequest) { r.Code = "12345a" }, []string{"code"}},
		{"no hash", func(r *SignInCodeRequest) { r.CodeHash = "" }, []string{"code_hash"}},
		{"language", func(r *SignInCodeRequest) { r.Language = "de" }, []string{"language"}},
		{"no time", func(r *SignInCodeRequest) { r.Now = time.Time{} }, []string{"now"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.edit(&r)
			err := r.Validate()
			if got := errorFields(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q (err %v)", got, tc.fields, err)
			}
			if err == nil && r.Language != "fr" {
				t.Fatalf("language %q, want fr by default", r.Language)
			}
		})
	}
}

func TestVerifyCodeRequestValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	valid := func() VerifyCodeRequest {
		return VerifyCodeRequest{Channel: BySMS, To: "+15145550123", CodeHash: "h", Language: "en", Now: now,
			Session: PatientSession{TokenHash: "t", CSRFToken: "c", ExpiresAt: now.Add(time.Hour)}}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*VerifyCodeRequest)
		fields []string
	}{
		{"valid", func(*VerifyCodeRequest) {}, nil},
		{"destination", func(r *VerifyCodeRequest) { r.To = "5145550123" }, []string{"to"}},
		{"no hash", func(r *VerifyCodeRequest) { r.CodeHash = "" }, []string{"code_hash"}},
		{"session without token", func(r *VerifyCodeRequest) { r.Session.TokenHash = "" }, []string{"session"}},
		{"session without CSRF token", func(r *VerifyCodeRequest) { r.Session.CSRFToken = "" }, []string{"session"}},
		{"session already over", func(r *VerifyCodeRequest) { r.Session.ExpiresAt = now }, []string{"session"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.edit(&r)
			err := r.Validate()
			if got := errorFields(err); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q (err %v)", got, tc.fields, err)
			}
			if err == nil && !r.Session.CreatedAt.Equal(now) {
				t.Fatalf("session created at %v, want the request's time", r.Session.CreatedAt)
			}
		})
	}
}

func TestPatientAccountValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		a      PatientAccount
		fields []string
	}{
		{"French", PatientAccount{Language: "fr", ConsentAt: now}, nil},
		{"English, no channel", PatientAccount{Language: "en", ConsentAt: now, Notify: Notify{}}, nil},
		{"no language", PatientAccount{ConsentAt: now}, []string{"language"}},
		{"no time of consent", PatientAccount{Language: "fr", Notify: Notify{SMS: true}}, []string{"consent_at"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errorFields(tc.a.Validate()); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q", got, tc.fields)
			}
		})
	}
}
