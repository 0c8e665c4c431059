package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// weekCell is one practitioner's day in the week view.
type weekCell struct {
	DayURL               string
	Booked, Free, Closed int
}

// weekRow is one practitioner's week.
type weekRow struct {
	Name  string
	Cells []weekCell
}

// portalWeekData is what the week view shows.
type portalWeekData struct {
	Clinic     rdv.Clinic
	Days       []string // « lundi 7 décembre »
	Rows       []weekRow
	Prev, Next string
	DayURL     string
}

// portalWeek shows the seven days from the Monday of the asked day: per
// practitioner and day, how many slots are booked, free and closed.
func (s *Server) portalWeek(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	day := s.portalDate(r)
	monday := day.AddDays(-((int(day.Weekday()) + 6) % 7))
	entries, err := d.Agenda(r.Context(), c.ID, monday, monday.AddDays(7))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAgendaRead, rdv.AgendaRecords(entries)) {
		return
	}
	lang := langOf(r.Context())
	data := portalWeekData{Clinic: c, Prev: "/clinique/semaine?date=" + monday.AddDays(-7).String(),
		Next: "/clinique/semaine?date=" + monday.AddDays(7).String(), DayURL: "/clinique?date=" + day.String()}
	for i := range 7 {
		data.Days = append(data.Days, FormatDay(monday.AddDays(i).At(12*60, rdv.Toronto), lang))
	}
	now := s.d.Engine.Now()
	for _, pd := range s.practitionerDays(c.ID, nil, lang) {
		row := weekRow{Name: pd.Name, Cells: make([]weekCell, 7)}
		for i := range row.Cells {
			row.Cells[i].DayURL = "/clinique?date=" + monday.AddDays(i).String()
		}
		for _, e := range entries {
			if e.Slot.PractitionerID != pd.ID {
				continue
			}
			i := dayIndex(monday, e.Slot.Start)
			if i < 0 || i > 6 {
				continue
			}
			switch {
			case e.Appointment != nil:
				row.Cells[i].Booked++
			case e.Slot.FreeAt(now):
				row.Cells[i].Free++
			default:
				row.Cells[i].Closed++
			}
		}
		data.Rows = append(data.Rows, row)
	}
	s.render(w, r, http.StatusOK, "portal_week", &page{Title: "portal.week.title", Data: data})
}

// dayIndex is the number of days from monday to the day of t.
func dayIndex(monday rdv.Date, t time.Time) int {
	d := rdv.DateOf(t)
	for i := range 7 {
		if monday.AddDays(i) == d {
			return i
		}
	}
	return -1
}

// portalCSV exports the day's agenda for a spreadsheet: UTF-8 with a byte
// order mark (so that Excel reads the accents), a header row, and no
// formula injection (a cell that a spreadsheet would run as a formula is
// prefixed with a quote).
func (s *Server) portalCSV(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	day := s.portalDate(r)
	entries, err := d.Agenda(r.Context(), c.ID, day, day.AddDays(1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAgendaExport, rdv.AgendaRecords(entries)) {
		return
	}
	lang := langOf(r.Context())
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	head := []string{"portal.csv.start", "portal.csv.end", "portal.csv.practitioner", "portal.csv.service", "portal.csv.state",
		"portal.csv.status", "portal.csv.patient", "portal.csv.birth", "portal.csv.phone", "portal.csv.booked_by", "portal.csv.card"}
	for i, k := range head {
		head[i] = translate(lang, k)
	}
	_ = cw.Write(head)
	now := s.d.Engine.Now()
	for _, e := range entries {
		row := agendaRowOf(e, now, lang)
		name := ""
		if p, ok := s.d.Index.Practitioner(e.Slot.PractitionerID); ok {
			name = p.Name
		}
		birth := ""
		if e.Appointment != nil && e.Appointment.Patient.BirthDate != (rdv.Date{}) {
			birth = e.Appointment.Patient.BirthDate.String()
		}
		rec := []string{e.Slot.Start.In(rdv.Toronto).Format("2006-01-02 15:04"), e.Slot.End.In(rdv.Toronto).Format("15:04"),
			name, row.Service, row.StateText, row.StatusText, row.Patient, birth, row.Phone, row.BookedBy, row.Card}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="agenda-`+day.String()+`.csv"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before such a sign) is prefixed with a quote. Control
// and bidirectional characters, which forms refuse but older rows may
// hold, are left out: they would break the row or disguise the cell.
func csvSafe(v string) string {
	v = strings.Map(func(r rune) rune {
		if rdv.RefusedInText(r) {
			return -1
		}
		return r
	}, v)
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
