package rdv

import (
	"regexp"
	"testing"
	"time"
)

// The fuzz tests of the parsers that read what people and clients send.
// Their seeds run as ordinary tests; `go test -fuzz FuzzX` explores
// further and keeps what fails under testdata/fuzz/FuzzX.

var (
	healthNumberShape = regexp.MustCompile(`^[A-Z]{4}[0-9]{8}$`)
	e164NorthAmerica  = regexp.MustCompile(`^\+1[2-9][0-9]{2}[2-9][0-9]{6}$`)
)

func FuzzNormalizeHealthNumber(f *testing.F) {
	for _, s := range []string{"TREM 8001 0112", "trem80010112", " ABCD 1234 5678 ", "ABC123456789", "ABCD12345678X", "ÉCOL12345678", "ſABC12345678", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeHealthNumber(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || n != "" {
				t.Fatalf("%q: %q, %v: want an invalid field and no number", s, n, err)
			}
			return
		}
		if !healthNumberShape.MatchString(n) {
			t.Fatalf("%q accepted as %q: not 4 letters and 8 digits", s, n)
		}
		if again, err := NormalizeHealthNumber(n); err != nil || again != n {
			t.Fatalf("%q: normal form %q reads again as %q, %v", s, n, again, err)
		}
		// The checks that follow normalisation read any accepted number.
		_ = CheckHealthNumberBirthDate(n, Date{1980, time.January, 12})
		_ = CheckHealthNumberName(n, "Émile", "Tremblay")
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-08", "2024-02-29", "2025-02-29", "0001-01-01", "9999-12-31", "2026-3-8", "2026-13-01", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("%q read as %v, written %q", s, d, d.String())
		}
		if again, err := ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("%q: %v reads again as %v, %v", s, d, again, err)
		}
	})
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:30", "9:30", "00:00", "24:00", "24:01", "23:60", "1:5", "+1:30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := ParseClock(s)
		if !ok {
			return
		}
		if m < 0 || m > 24*60 {
			t.Fatalf("%q read as minute %d, outside a day", s, m)
		}
		// FormatTimes writes a clock as ParseClock reads it.
		w := FormatTimes([]Window{{m, m}})
		if back, ok := ParseClock(w[:5]); !ok || back != m {
			t.Fatalf("%q: minute %d written %q reads as %d, %v", s, m, w[:5], back, ok)
		}
	})
}

func FuzzParseWeekdays(f *testing.F) {
	for _, s := range []string{"mon,wed", "lun, mer ,VEN", "sun,sat,dim", "mon,,tue", "funday", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		days, ok := ParseWeekdays(s)
		if !ok {
			return
		}
		if days == 0 || days >= 1<<7 {
			t.Fatalf("%q read as days %b", s, days)
		}
		if back, ok := ParseWeekdays(FormatWeekdays(days)); !ok || back != days {
			t.Fatalf("%q: days %b written %q read as %b", s, days, FormatWeekdays(days), back)
		}
	})
}

func FuzzParseTimes(f *testing.F) {
	for _, s := range []string{"morning", "morning,evening", "08:00-12:00,13:30-24:00", "12:00-08:00", "9:00-9:30", "a,b,c,d,e,f,g,h,i", "morning,morning,morning,morning,morning,morning,morning,morning,morning", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws := make([]Window, 0, MaxWindows)
		n, ok := ParseTimes(s, ws)
		if !ok {
			return
		}
		if n < 1 || n > MaxWindows {
			t.Fatalf("%q read as %d windows", s, n)
		}
		for _, w := range ws[:n] {
			if w.StartMinute < 0 || w.StartMinute >= w.EndMinute || w.EndMinute > 24*60 {
				t.Fatalf("%q read as window %+v", s, w)
			}
		}
		text := FormatTimes(ws[:n])
		again := make([]Window, 0, MaxWindows)
		m, ok := ParseTimes(text, again)
		if !ok || FormatTimes(again[:m]) != text {
			t.Fatalf("%q: written %q reads again as %v, %v", s, text, again[:m], ok)
		}
	})
}

// FuzzRequestCriteria: the criteria of a request, as the form and the API
// receive them, are either refused as an invalid field or give a request
// whose range, days and times the matcher can use as they are.
func FuzzRequestCriteria(f *testing.F) {
	f.Add("2026-03-10", "2026-04-10", "mon,wed", "morning,13:00-16:30", "fr", "network")
	f.Add("", "", "", "", "", "")
	f.Add("2026-03-01", "2026-02-01", "lun", "evening", "en", "own_clinic")
	f.Add("2020-01-01", "2020-01-02", "sam", "24:00-24:00", "de", "planet")
	f.Add("2026-03-09", "2027-12-31", "mon,mon", "00:00-24:00", "", "")
	now := time.Date(2026, time.March, 9, 14, 30, 0, 0, Toronto)
	f.Fuzz(func(t *testing.T, from, to, weekdays, times, lang, scope string) {
		c := RequestCriteria{From: from, To: to, Weekdays: weekdays, Times: times, Language: lang, Scope: scope}
		r, err := c.Apply(AppointmentRequest{}, now)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorField(err) == "" {
				t.Fatalf("%+v: %v, want an invalid field named", c, err)
			}
			return
		}
		if !r.From.Before(r.To) || r.To.Before(now) {
			t.Fatalf("%+v: range %v to %v", c, r.From, r.To)
		}
		if r.Weekdays >= 1<<7 {
			t.Fatalf("%+v: weekdays %b", c, r.Weekdays)
		}
		if r.Times != "" {
			ws := make([]Window, 0, MaxWindows)
			if n, ok := ParseTimes(r.Times, ws); !ok || FormatTimes(ws[:n]) != r.Times {
				t.Fatalf("%+v: times kept as %q, which do not read back", c, r.Times)
			}
		}
		if r.PractitionerLanguage != "" && r.PractitionerLanguage != "fr" && r.PractitionerLanguage != "en" {
			t.Fatalf("%+v: language %q", c, r.PractitionerLanguage)
		}
		if back, err := ParseScope(string(r.Scope)); err != nil || back != r.Scope {
			t.Fatalf("%+v: scope %q does not read back", c, r.Scope)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"514-555-0123", "(514) 555 0123", "+1 514 555 0123", "15145550123", "1-800-555-0199", "514-155-0123", "+33 1 23 45 67 89", "٥١٤٥٥٥٠١٢٣", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := NormalizePhone(s)
		if !ok {
			return
		}
		if !e164NorthAmerica.MatchString(p) {
			t.Fatalf("%q accepted as %q: not a North American E.164 number", s, p)
		}
		if again, ok := NormalizePhone(p); !ok || again != p {
			t.Fatalf("%q: %q reads again as %q, %v", s, p, again, ok)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"Marie.Tremblay@Example.ORG ", "a@b.c", "a@b", "\"a b\"@example.org", "Marie <m@example.org>", "é@exemple.qc.ca", "a@@b.c", "@example.org", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := NormalizeEmail(s)
		if !ok {
			return
		}
		if len(e) > 254 {
			t.Fatalf("%q accepted as %d bytes", s, len(e))
		}
		if again, ok := NormalizeEmail(e); !ok || again != e {
			t.Fatalf("%q: %q reads again as %q, %v", s, e, again, ok)
		}
	})
}

func FuzzParseAuditRecords(f *testing.F) {
	for _, s := range []string{"", "patients:1,2 appointments:3", "appointments:3 patients:2,1", "patients:", "patients:x", "nothing:1", "patients:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseAuditRecords(s)
		if err != nil {
			return
		}
		text := r.String()
		again, err := ParseAuditRecords(text)
		if err != nil || again.String() != text {
			t.Fatalf("%q: written %q reads again as %q, %v", s, text, again.String(), err)
		}
	})
}

// FuzzParseNames: the names a client sends for a token's scope, a
// service, a webhook's event and a request's scope read back as
// themselves once accepted.
func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"appointments:read", "appointments:write", "general", "pediatrics", "appointment.booked", "network", "own_clinic", "", "GENERAL", " general"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseTokenScope(s); err == nil {
			if back, err := ParseTokenScope(string(v)); err != nil || back != v {
				t.Fatalf("token scope %q: %q reads back as %q, %v", s, v, back, err)
			}
		}
		if v, err := ParseService(s); err == nil {
			if !v.Valid() {
				t.Fatalf("service %q accepted as %q, not a service", s, v)
			}
		}
		if v, err := ParseEventType(s); err == nil {
			if back, err := ParseEventType(string(v)); err != nil || back != v {
				t.Fatalf("event %q: %q reads back as %q, %v", s, v, back, err)
			}
		}
		if v, err := ParseScope(s); err == nil {
			if back, err := ParseScope(string(v)); err != nil || back != v {
				t.Fatalf("scope %q: %q reads back as %q, %v", s, v, back, err)
			}
		}
	})
}
