package rdv

import (
	"testing"
	"time"
)

func TestRequestCriteriaApply(t *testing.T) {
	now := time.Date(2031, time.March, 3, 15, 0, 0, 0, Toronto) // a Monday
	tests := []struct {
		name  string
		in    RequestCriteria
		field string // the refused field; "" when read
		check func(t *testing.T, r AppointmentRequest)
	}{
		{"nothing: from now, the default span, anywhere on the network", RequestCriteria{}, "", func(t *testing.T, r AppointmentRequest) {
			if !r.From.Equal(now) || !r.To.Equal(DateOf(now).AddDays(DefaultSpanDays+1).Start(Toronto)) {
				t.Errorf("range %v..%v", r.From, r.To)
			}
			if r.Weekdays != 0 || r.Times != "" || r.PractitionerLanguage != "" || r.Scope != ScopeNetwork {
				t.Errorf("read %+v", r)
			}
		}},
		{"all of them", RequestCriteria{From: "2031-03-10", To: "2031-03-20", Weekdays: "lun,wed", Times: "morning,18:00-20:00", Language: "en", Scope: "own_clinic"}, "",
			func(t *testing.T, r AppointmentRequest) {
				if !r.From.Equal(time.Date(2031, 3, 10, 0, 0, 0, 0, Toronto)) || !r.To.Equal(time.Date(2031, 3, 21, 0, 0, 0, 0, Toronto)) {
					t.Errorf("range %v..%v", r.From, r.To)
				}
				if r.Weekdays != 1<<time.Monday|1<<time.Wednesday || r.Times != "00:00-12:00,18:00-20:00" ||
					r.PractitionerLanguage != "en" || r.Scope != ScopeOwnClinic {
					t.Errorf("read %+v", r)
				}
			}},
		{"a bad from", RequestCriteria{From: "10/03/2031"}, "from", nil},
		{"to before from", RequestCriteria{From: "2031-03-10", To: "2031-03-09"}, "to", nil},
		{"a range over", RequestCriteria{To: "2031-03-01"}, "to", nil},
		{"an unknown day", RequestCriteria{Weekdays: "mon,someday"}, "weekdays", nil},
		{"a window that ends before it starts", RequestCriteria{Times: "18:00-09:00"}, "times", nil},
		{"too many windows", RequestCriteria{Times: "morning,morning,morning,morning,morning,morning,morning,morning,morning"}, "times", nil},
		{"a language not spoken here", RequestCriteria{Language: "de"}, "language", nil},
		{"an unknown scope", RequestCriteria{Scope: "everywhere"}, "scope", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.in.Apply(AppointmentRequest{Reference: "D-1"}, now)
			if got := ErrorField(err); got != tt.field || (tt.field != "" && ErrorCode(err) != EINVALID) {
				t.Fatalf("error %v (field %q), want field %q", err, got, tt.field)
			}
			if tt.check != nil {
				tt.check(t, r)
				if _, err := r.Storable(); err != nil {
					t.Errorf("not storable: %v", err)
				}
			}
		})
	}
}
