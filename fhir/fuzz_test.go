package fhir

import (
	"math"
	"net/http"
	"net/url"
	"testing"
)

// FuzzSearchParams: a FHIR search's query string is refused, or read
// within the bounds the bundles are built with.
func FuzzSearchParams(f *testing.F) {
	for _, q := range []string{
		"service-type=general&start=ge2030-03-04&start=lt2030-03-05&_count=5",
		"_count=-1", "_count=999999999999999999999", "_format=xml", "_format=application/fhir+json",
		"unknown=1", "start=zz2030-03-04", "start=2030-03-04T09:00:00-05:00", "%zz", "",
	} {
		f.Add(q)
	}
	known := names("Slot")
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/fhir/Slot", RawQuery: raw}}
		p, err := parseSearch(r, known...)
		if err != nil {
			return
		}
		if p.count < 0 || p.count > maxCount {
			t.Fatalf("%q: _count read as %d", raw, p.count)
		}
		// The dates of a search read without failing loudly, whatever
		// their prefix; an empty range is the caller's to answer.
		_, _, _ = parseDateRange(p.Values["start"], "start")
	})
}

// FuzzIDs: the ids a client puts in a path or a reference read back as
// the ids rdv writes, or not at all: one resource, one id.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"12", "012", "+12", "-12", "9223372036854775807", "9223372036854775808", "12-pediatrics", "12-nothing",
		"slot-7", "hold-68", "hold-", "hold-zz", "1712000000000000000.3", "5.-1", "1.+2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseID(s); ok && (n <= 0 || idOf(n) != s) {
			t.Fatalf("id %q read as %d, written %q", s, n, idOf(n))
		}
		if n, svc, ok := parseServiceID(s); ok && serviceID(n, svc) != s {
			t.Fatalf("service id %q read as %d, %q, written %q", s, n, svc, serviceID(n, svc))
		}
		if ref, ok := parseAppointmentID(s); ok {
			var back string
			switch {
			case ref.hold != "":
				back = holdAppointmentID(ref.hold)
			case ref.slot != 0:
				back = proposedID(ref.slot)
			default:
				back = idOf(ref.appointment)
			}
			if back != s {
				t.Fatalf("appointment id %q read as %+v, written %q", s, ref, back)
			}
		}
		if c, ok := parseCursor(s); ok {
			if again, ok := parseCursor(c.String()); !ok || again != c {
				t.Fatalf("cursor %q read as %+v, written %q, read again as %+v", s, c, c.String(), again)
			}
		}
	})
}

// FuzzNear: a near parameter names a point on Earth and a radius, or is
// refused.
func FuzzNear(f *testing.F) {
	for _, s := range []string{"45.5|-73.6", "45.5|-73.6|10|km", "45.5|-73.6|10|mi", "NaN|0", "0|NaN|NaN", "91|0", "45|-73|-1", "45|-73|1e400", "||", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := parseNear(s, "location")
		if err != nil {
			return
		}
		if !(pt.lat >= -90 && pt.lat <= 90) || !(pt.lon >= -180 && pt.lon <= 180) || !(pt.km >= 0 && pt.km <= 1000) || math.IsNaN(pt.km) {
			t.Fatalf("%q read as %+v", s, pt)
		}
	})
}
