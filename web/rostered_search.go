package web

import (
	"net/http"
	"slices"
	"time"

	"rdv"
	"rdv/availability"
)

// « Ma clinique »: a clinic keeps some of its times for the patients
// registered with it (rostered), free of any fee. A signed-in patient one
// of whose people is on a clinic's roster (health number, birth date and
// names all the roster's: anyone may type a number in « Ma famille »)
// sees that clinic's kept times in search, apart from the others and
// marked as theirs, and may hold them; nobody else sees them, and a hold
// on one without the roster is refused as before. The store has the last
// word: it refuses the booking of a kept time for a person its roster
// does not hold, by the same rule (ENOTROSTERED, see booking.go).

// rosteredPerClinic is how many kept times of each of the patient's
// clinics a search shows.
const rosteredPerClinic = 3

// rosteredClinics returns the clinics whose rosters hold one of the
// signed-in patient's people; none for anyone else.
func (s *Server) rosteredClinics(r *http.Request) []int64 {
	acct, ok := s.patient(r)
	if !ok {
		return nil
	}
	people, err := s.d.Store.People(r.Context(), acct.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "people of the account unread", "err", err)
		return nil
	}
	if !slices.ContainsFunc(people, func(p rdv.Person) bool { return p.HealthNumber != "" }) {
		return nil
	}
	ids, err := s.d.Store.RosteredClinics(r.Context(), people)
	if err != nil {
		s.log.WarnContext(r.Context(), "rostered clinics unread", "err", err)
		return nil
	}
	return ids
}

// rosteredResults returns the times the patient's clinics keep for their
// registered patients that answer the search q, soonest first.
func (s *Server) rosteredResults(r *http.Request, q availability.Query, lang string) []resultRow {
	type found struct {
		start time.Time
		row   resultRow
	}
	var all []found
	for _, id := range s.rosteredClinics(r) {
		c, ok := s.d.Index.Clinic(id)
		if !ok {
			continue
		}
		// At the clinic itself, kept times included; the public ones are
		// in the results already.
		cq := q
		cq.Lat, cq.Lon, cq.RadiusKm = c.Lat, c.Lon, 1
		cq.IncludeRostered, cq.PerClinic, cq.Limit = true, 0, 4*resultLimit
		n := 0
		for _, res := range s.d.Index.Search(cq, make([]availability.Result, 0, cq.Limit)) {
			if res.ClinicID != id || n == rosteredPerClinic {
				continue
			}
			if sl, err := s.d.Store.Slot(r.Context(), res.SlotID); err != nil || sl.Audience != rdv.Rostered {
				continue
			}
			n++
			row := resultRow{SlotID: res.SlotID, When: FormatDateTime(res.Start, lang), ClinicName: c.Name, City: c.City, ClinicID: id}
			if p, ok := s.d.Index.Practitioner(res.PractitionerID); ok {
				row.With = translate(lang, "results.with", practitionerName(p.Name, lang))
			}
			all = append(all, found{res.Start, row})
		}
	}
	slices.SortStableFunc(all, func(a, b found) int { return a.start.Compare(b.start) })
	rows := make([]resultRow, len(all))
	for i, f := range all {
		rows[i] = f.row
	}
	return rows
}

// mayHoldRostered reports whether the signed-in patient may hold the
// slot kept for a clinic's registered patients: one of their people is
// on its roster.
func (s *Server) mayHoldRostered(r *http.Request, slotID int64) bool {
	if _, ok := s.patient(r); !ok {
		return false
	}
	sl, err := s.d.Store.Slot(r.Context(), slotID)
	if err != nil || sl.Audience != rdv.Rostered {
		return false
	}
	return slices.Contains(s.rosteredClinics(r), sl.ClinicID)
}
