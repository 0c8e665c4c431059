package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rdv"
)

// bookingPath is one way a booking is made: the public web form, the
// clinic's desk or the phone agent's console. book holds a new slot of the
// service and posts the form; it returns the answer and, on success, the
// appointment's ID. A form with messages comes back as the page that
// shows them: on every path, the form's page reached by the redirect
// that answers the post (200).
type bookingPath struct {
	name     string
	book     func(t *testing.T, service rdv.Service, form url.Values) (answer, int64)
	sentBack int
}

// bookingPaths opens a site with staff and returns its three booking paths.
// Each booking gets a slot of its own, added as public availability at
// clinic 1, so that every path reaches every service.
func bookingPaths(t *testing.T) (*site, map[rdv.Role]rdv.Account, []bookingPath) {
	s := mustOpenSite(t)
	accts := withStaff(t, s)
	slots, _ := storetestSlots(s)
	var practitioner int64
	for _, sl := range slots {
		if sl.ClinicID == 1 && sl.Service == rdv.Pediatrics {
			practitioner = sl.PractitionerID
		}
	}
	// Each booking runs 6 minutes after the last, so that the holds of
	// refused ones have run out and never reach the cap on live holds.
	day, base := 0, time.Now()
	s.clock.Set(base)
	newSlot := func(service rdv.Service) string {
		t.Helper()
		day++
		s.clock.Set(base.Add(time.Duration(day) * 6 * time.Minute))
		start := s.start.AddDays(20+day).At(20*60, rdv.Toronto).UTC()
		out, err := s.srv.clinicDesk.AddSlots(context.Background(), 1, []rdv.Slot{{ClinicID: 1, PractitionerID: practitioner,
			Service: service, Start: start, End: start.Add(20 * time.Minute), Audience: rdv.Public}})
		if err != nil {
			t.Fatalf("add slot: %v", err)
		}
		return strconv.FormatInt(out[0].ID, 10)
	}
	idOf := regexp.MustCompile(`/(\d+)\?`)
	booked := func(a answer) (answer, int64) {
		if a.StatusCode != http.StatusSeeOther {
			return a, 0
		}
		m := idOf.FindStringSubmatch(a.Header.Get("Location"))
		if m == nil {
			t.Fatalf("booking led to %s", a.Header.Get("Location"))
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return a, id
	}
	staff := func(role rdv.Role, prefix, home string) func(*testing.T, rdv.Service, url.Values) (answer, int64) {
		b := staffBrowser(t, s, accts, role)
		return func(t *testing.T, service rdv.Service, form url.Values) (answer, int64) {
			page := b.do(http.MethodGet, home, nil).want(t, http.StatusOK)
			loc := b.post(page, prefix+"/reserver", url.Values{"slot_id": {newSlot(service)}}).want(t, http.StatusSeeOther).location(t)
			bookForm := b.do(http.MethodGet, loc, nil).want(t, http.StatusOK)
			res := b.post(bookForm, loc, cloneValues(form))
			if res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == loc {
				return b.sentBack(res, loc), 0
			}
			return booked(res)
		}
	}
	return s, accts, []bookingPath{
		{"web", func(t *testing.T, service rdv.Service, form url.Values) (answer, int64) {
			loc := s.post("/reserver", url.Values{"slot_id": {newSlot(service)}}, "fr").want(t, http.StatusSeeOther).location(t)
			res := s.post(loc, cloneValues(form), "fr")
			if res.StatusCode == http.StatusSeeOther && res.Header.Get("Location") == loc {
				return s.sentBack(res, "fr"), 0
			}
			return booked(res)
		}, http.StatusOK},
		{"desk", staff(rdv.Receptionist, "/clinique", "/clinique?date="+s.start.String()), http.StatusOK},
		{"agent", staff(rdv.PhoneAgent, "/agent", "/agent"), http.StatusOK},
	}
}

// card returns a health number that matches the name and the birth date.
func card(first, last string, birth rdv.Date, woman bool) string {
	m := int(birth.Month)
	if woman {
		m += 50
	}
	return fmt.Sprintf("%s%02d%02d%02d12", rdv.HealthNumberLetters(first, last), birth.Year%100, m, birth.Day)
}

// TestPeopleRulesOnEveryPath books the same people on the web, at the desk
// and by phone: pediatrics under 18 only, a guardian under 14 (without a
// number or a birth date of their own), none for an adult, a newborn on
// the parent's card; each refusal shows its message by its field.
func TestPeopleRulesOnEveryPath(t *testing.T) {
	t.Parallel()
	s, _, paths := bookingPaths(t)
	years := func(n int) rdv.Date {
		d := s.start.AddDays(20)
		return rdv.Date{Year: d.Year - n, Month: d.Month, Day: d.Day}
	}
	person := func(first, last string, birth rdv.Date, woman bool, more ...string) url.Values {
		v := url.Values{"first_name": {first}, "last_name": {last}, "birth_date": {birth.String()},
			"health_number": {card(first, last, birth, woman)}, "language": {"fr"}}
		for i := 0; i+1 < len(more); i += 2 {
			v.Set(more[i], more[i+1])
		}
		return v
	}
	parent := []string{"for_child", "1", "guardian_first_name", "Chloé", "guardian_last_name", "Bouchard",
		"guardian_relationship", "parent", "guardian_phone", "418 555-0144"}
	with := func(v url.Values, kv ...string) url.Values {
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	newborn := years(0).AddDays(-40)
	parentCard := card("Chloé", "Bouchard", rdv.Date{Year: 1988, Month: 7, Day: 21}, true)
	for _, tc := range []struct {
		name    string
		service rdv.Service
		form    url.Values
		field   string // "" when the booking goes through
		msgKey  string
		check   func(t *testing.T, a rdv.Appointment)
	}{
		{"adult born in 1950 in pediatrics", rdv.Pediatrics, person("Marc", "Gagnon", rdv.Date{Year: 1950, Month: 3, Day: 1}, false, "phone", "514 555-0101"),
			"birth_date", "err.pediatric_age", nil},
		{"7-year-old without guardian", rdv.Pediatrics, person("Léo", "Bouchard", years(7), false), "guardian", "err.guardian_required", nil},
		{"7-year-old with a parent who gives no number nor birth date", rdv.Pediatrics, with(person("Léo", "Bouchard", years(7), false), parent...), "", "",
			func(t *testing.T, a rdv.Appointment) {
				if a.Guardian == nil || a.Guardian.FirstName != "Chloé" || a.Relationship != rdv.Parent || a.Patient.Phone != "+14185550144" {
					t.Errorf("guardian %+v relationship %q patient %+v; want Chloé, parent, reached at her phone", a.Guardian, a.Relationship, a.Patient)
				}
			}},
		{"guardian without relationship", rdv.Pediatrics, with(person("Léo", "Bouchard", years(7), false), append(parent, "guardian_relationship", "")...),
			"guardian_relationship", "err.relationship", nil},
		{"adult names a guardian", rdv.General, with(person("Marc", "Gagnon", rdv.Date{Year: 1950, Month: 3, Day: 1}, false, "phone", "514 555-0101"), parent...),
			"guardian", "err.guardian_adult", nil},
		{"15-year-old books alone", rdv.Pediatrics, person("Emma", "Roy", years(15), true, "email", "emma@example.org"), "", "", nil},
		{"newborn on the parent's card", rdv.Pediatrics, with(person("Zoé", "Bouchard", newborn, true, "health_number", ""), append(parent, "guardian_health_number", parentCard)...), "", "",
			func(t *testing.T, a rdv.Appointment) {
				if a.Card != rdv.GuardianCard || a.Guardian == nil || a.Guardian.HealthNumber != parentCard || a.Patient.HealthNumber != "" {
					t.Errorf("card %q guardian %+v patient %+v; want the parent's card kept as the parent's", a.Card, a.Guardian, a.Patient)
				}
			}},
		{"newborn, nobody's card", rdv.Pediatrics, with(person("Zoé", "Bouchard", newborn, true, "health_number", ""), parent...),
			"guardian_health_number", "err.newborn_number", nil},
	} {
		for _, p := range paths {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				res, id := p.book(t, tc.service, tc.form)
				if tc.field == "" {
					if id == 0 {
						t.Fatalf("status %d, want the booking; body:\n%s", res.StatusCode, res.body)
					}
					a, err := s.store.Appointment(context.Background(), id)
					if err != nil {
						t.Fatal(err)
					}
					if tc.check != nil {
						tc.check(t, a)
					}
					return
				}
				res.want(t, p.sentBack)
				fid := fieldID(tc.field)
				msg := htmlText(translate("fr", tc.msgKey))
				if !regexp.MustCompile(`id="` + fid + `(-error)?"[^>]*>` + regexp.QuoteMeta(msg) + `<`).MatchString(res.body) {
					t.Errorf("no message %q by field %s", msg, tc.field)
				}
				if !strings.Contains(res.body, `href="#`+fid+`"`) {
					t.Errorf("the summary does not link to %s", fid)
				}
			})
		}
	}
}

// TestWalkInWithoutCard: the desk books a walk-in without a health
// number, marked so in the agenda and its export; the web and the phone
// agent cannot, whatever the form sends.
func TestWalkInWithoutCard(t *testing.T) {
	t.Parallel()
	s, accts, paths := bookingPaths(t)
	form := url.Values{"first_name": {"Ana"}, "last_name": {"Da Silva"}, "birth_date": {"1979-02-11"}, "health_number": {""},
		"phone": {"514 555-0177"}, "language": {"fr"}, "channel": {"sur_place"}, noCardField: {"1"}}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			res, id := p.book(t, rdv.General, form)
			if p.name != "desk" {
				res.want(t, p.sentBack).contains(t, htmlText(translate("fr", "err.required")))
				return
			}
			if id == 0 {
				t.Fatalf("desk: status %d, want the walk-in booked", res.StatusCode)
			}
			a, err := s.store.Appointment(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Card != rdv.NoCard || a.Patient.HealthNumber != "" {
				t.Fatalf("card %q number %q; want no card", a.Card, a.Patient.HealthNumber)
			}
			day := rdv.DateOf(a.Slot.Start).String()
			b := staffBrowser(t, s, accts, rdv.Receptionist)
			b.do(http.MethodGet, "/clinique?date="+day, nil).want(t, http.StatusOK).contains(t, translate("fr", "card.none"))
			csv := b.do(http.MethodGet, "/clinique/journee.csv?date="+day, nil).want(t, http.StatusOK)
			csv.contains(t, translate("fr", "portal.csv.card"), "Ana Da Silva", translate("fr", "card.none"))
		})
	}
	// A number typed with the box ticked is a contradiction, not ignored.
	res, _ := paths[1].book(t, rdv.General, with2(form, "health_number", card("Ana", "Da Silva", rdv.Date{Year: 1979, Month: 2, Day: 11}, true)))
	res.want(t, paths[1].sentBack).contains(t, htmlText(translate("fr", "err.no_card_number")))
}

func with2(v url.Values, k, x string) url.Values {
	out := cloneValues(v)
	out.Set(k, x)
	return out
}
