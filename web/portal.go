package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"rdv"
	"rdv/desk"
)

// The clinic portal: the agenda of the signed-in staff member's clinic by
// day and by week, blocks and reopenings, visit statuses, exceptional
// availability, the weekly plan, bookings for callers and walk-ins, and
// the day's CSV. The clinic always comes from the account, never from the
// URL or a form: a receptionist who edits an ID in a form reaches nothing
// of another clinic (the store answers not found).

// portalBlock blocks a slot, portalReopen frees it again.
func (s *Server) portalBlock(w http.ResponseWriter, r *http.Request) {
	s.portalSlotState(rdv.SlotBlocked)(w, r)
}

func (s *Server) portalReopen(w http.ResponseWriter, r *http.Request) {
	s.portalSlotState(rdv.SlotFree)(w, r)
}

// agendaRow is one slot of the day view, its words in the page's language.
type agendaRow struct {
	SlotID        int64
	Time          string // « 9 h 30 »
	End           string
	Service       string
	State         rdv.SlotState
	StateText     string
	Rostered      bool
	Past          bool
	DayCome       bool // visit statuses can be recorded (desk.VisitDayCome)
	AppointmentID int64
	Status        rdv.AppointmentStatus
	StatusText    string
	Patient       string
	Phone         string
	BookedBy      string
	// Card says when the booking was not made on the patient's own card
	// (« Sans carte », « Carte du parent »), for the desk to ask for it.
	Card string
}

// practitionerDay is one practitioner's column of the day.
type practitionerDay struct {
	ID   int64
	Name string
	Rows []agendaRow
}

// portalDayData is what the day view shows.
type portalDayData struct {
	Clinic        rdv.Clinic
	Day           string // « lundi 7 décembre »
	Date          string // YYYY-MM-DD
	Prev, Next    string
	WeekURL       string
	CSVURL        string
	Practitioners []practitionerDay
	Services      []option
	Admin         bool

	// The view's narrowing (see portal_day_view.go): the practitioner
	// select, every practitioner for the add form, how many rows are one
	// link away and the links that show or hide them.
	View      dayView
	Choices   []option
	Everyone  []practitionerDay
	Hidden    int
	ToggleURL string
	ItemQuery string // the view's query, carried to a row's own page
}

// portalDate reads the day a portal page shows (?date=YYYY-MM-DD), today
// by default.
func (s *Server) portalDate(r *http.Request) rdv.Date {
	if d, err := rdv.ParseDate(r.URL.Query().Get("date")); err == nil {
		return d
	}
	return rdv.DateOf(s.d.Engine.Now())
}

// staffClinic returns the signed-in account's clinic; the route's policy has let
// only clinic roles through.
func (s *Server) staffClinic(w http.ResponseWriter, r *http.Request) (rdv.Account, rdv.Clinic, bool) {
	a, _ := s.account(r)
	c, ok := s.d.Index.Clinic(a.ClinicID)
	if !ok || a.ClinicID == 0 {
		s.renderMessage(w, r, http.StatusForbidden, "error.403.role")
		return a, rdv.Clinic{}, false
	}
	return a, c, true
}

// staffForm parses a portal POST's form, then finds the signed-in
// account's clinic; on false the answer is written.
func (s *Server) staffForm(w http.ResponseWriter, r *http.Request) (rdv.Account, rdv.Clinic, bool) {
	if !s.parseForm(w, r) {
		return rdv.Account{}, rdv.Clinic{}, false
	}
	return s.staffClinic(w, r)
}

// staffTarget is staffForm for a POST on one slot or appointment, named by
// the path's {id}: a malformed ID is not found. Whether the item belongs
// to the account's clinic is for the desk to check.
func (s *Server) staffTarget(w http.ResponseWriter, r *http.Request) (rdv.Account, int64, bool) {
	a, _, ok := s.staffForm(w, r)
	if !ok {
		return rdv.Account{}, 0, false
	}
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return rdv.Account{}, 0, false
	}
	return a, id, true
}

// portalDay shows a day of the clinic's agenda, practitioner by
// practitioner.
func (s *Server) portalDay(w http.ResponseWriter, r *http.Request) {
	s.renderDay(w, r, http.StatusOK, s.portalDate(r), nil, noticeKeyPortal(r.URL.Query().Get("avis")))
}

func (s *Server) renderDay(w http.ResponseWriter, r *http.Request, status int, day rdv.Date, f *form, notice string) {
	a, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	entries, err := d.Agenda(r.Context(), c.ID, day, day.AddDays(1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recordRead(w, r, rdv.AuditAgendaRead, rdv.AgendaRecords(entries)) {
		return
	}
	lang := langOf(r.Context())
	view := dayViewOf(r.URL.Query())
	data := portalDayData{
		Clinic: c, Day: FormatDay(day.At(12*60, rdv.Toronto), lang), Date: day.String(),
		Prev: view.url(day.AddDays(-1)), Next: view.url(day.AddDays(1)),
		WeekURL: "/clinique/semaine?date=" + day.String(), CSVURL: "/clinique/journee.csv?date=" + day.String(),
		Everyone: s.practitionerDays(c.ID, entries, lang), Admin: a.Role == rdv.ClinicAdmin, View: view,
	}
	data.Practitioners, data.Hidden = view.narrow(data.Everyone)
	data.Choices = view.choices(data.Everyone, lang)
	toggle := view
	toggle.All = !view.All
	data.ToggleURL = toggle.url(day)
	data.ItemQuery = view.query()
	if f == nil {
		f = newForm(url.Values{"date": {day.String()}, "service": {string(rdv.General)}, "minutes": {"15"}})
	}
	for _, sv := range c.Services {
		data.Services = append(data.Services, option{Value: string(sv), Label: sv.Name(lang), Selected: f.Values.Get("service") == string(sv)})
	}
	p := &page{Title: "portal.title", Form: f, Data: data, NoticeKey: notice}
	s.render(w, r, status, "portal_day", p)
}

// practitionerDays groups agenda entries by practitioner, listing every
// practitioner of the clinic, even one with nothing that day.
func (s *Server) practitionerDays(clinicID int64, entries []rdv.AgendaEntry, lang string) []practitionerDay {
	var out []practitionerDay
	pos := map[int64]int{}
	for _, p := range s.d.Index.Practitioners() {
		if p.ClinicID == clinicID {
			pos[p.ID] = len(out)
			out = append(out, practitionerDay{ID: p.ID, Name: p.Name})
		}
	}
	now := s.d.Engine.Now()
	for _, e := range entries {
		i, ok := pos[e.Slot.PractitionerID]
		if !ok {
			continue
		}
		out[i].Rows = append(out[i].Rows, agendaRowOf(e, now, lang))
	}
	return out
}

func agendaRowOf(e rdv.AgendaEntry, now time.Time, lang string) agendaRow {
	sl := e.Slot
	state := sl.State
	if state == rdv.SlotHeld && !now.Before(sl.HoldExpires) {
		state = rdv.SlotFree
	}
	row := agendaRow{SlotID: sl.ID, Time: FormatClock(sl.Start, lang), End: FormatClock(sl.End, lang), Service: sl.Service.Name(lang),
		State: state, StateText: translate(lang, "portal.state."+string(state)), Rostered: sl.Audience == rdv.Rostered, Past: !now.Before(sl.Start),
		DayCome: desk.VisitDayCome(sl.Start, now)}
	if a := e.Appointment; a != nil {
		row.AppointmentID, row.Status = a.ID, a.Status
		row.StatusText = translate(lang, "portal.status."+string(a.Status))
		row.Patient = patientName(a.Patient, lang)
		row.Phone = rdv.FormatPhone(a.Patient.Phone)
		row.BookedBy = translate(lang, "portal.by."+string(a.BookedBy))
		if a.Card != rdv.OwnCard {
			row.Card = translate(lang, "card."+string(a.Card))
		}
	}
	return row
}

// noticeKeyPortal maps the portal's one-time notices to their strings.
func noticeKeyPortal(avis string) string {
	switch avis {
	case "blocked", "reopened", "status", "cancelled", "not_cancelled", "added", "plan_saved", "conflict", "notfound", "too_early":
		return "portal.notice." + avis
	}
	return ""
}

// backToDay sends the person back to the day view with a notice, and to
// the practitioner and rows the form was posted from (see dayView).
func backToDay(w http.ResponseWriter, r *http.Request, date, notice string) {
	if _, err := rdv.ParseDate(date); err != nil {
		date = ""
	}
	v := url.Values{"avis": {notice}}
	if date != "" {
		v.Set("date", date)
	}
	view := dayViewOf(r.PostForm)
	if view.Practitioner != 0 {
		v.Set("praticien", strconv.FormatInt(view.Practitioner, 10))
	}
	if view.All {
		v.Set("tout", "1")
	}
	http.Redirect(w, r, "/clinique?"+v.Encode(), http.StatusSeeOther)
}

// deskOutcome sends the person back to the day with the notice that the
// desk's answer calls for.
func (s *Server) deskOutcome(w http.ResponseWriter, r *http.Request, err error, done string) {
	date := r.PostForm.Get("date")
	switch rdv.ErrorCode(err) {
	case "":
		backToDay(w, r, date, done)
	case rdv.ECONFLICT, rdv.ESLOTTAKEN:
		backToDay(w, r, date, "conflict")
	case rdv.ETOOEARLY:
		backToDay(w, r, date, "too_early")
	case rdv.ENOTFOUND, rdv.EINVALID:
		backToDay(w, r, date, "notfound")
	default:
		s.fail(w, r, err)
	}
}

// pathID reads the numeric ID of a path; a malformed one is not found.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// portalSlotState blocks or reopens a slot of the clinic.
func (s *Server) portalSlotState(state rdv.SlotState) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, id, ok := s.staffTarget(w, r)
		if !ok {
			return
		}
		d := s.clinicDesk
		var err error
		done := "blocked"
		if state == rdv.SlotBlocked {
			_, err = d.Block(r.Context(), a.ClinicID, id)
		} else {
			_, err = d.Reopen(r.Context(), a.ClinicID, id)
			done = "reopened"
		}
		s.deskOutcome(w, r, err, done)
	}
}

// portalStatus records arrived, fulfilled or no-show.
func (s *Server) portalStatus(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffTarget(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	_, err := d.SetStatus(r.Context(), a.ClinicID, id, rdv.AppointmentStatus(r.PostForm.Get("status")))
	s.deskOutcome(w, r, err, "status")
}

// portalAddSlot opens exceptional availability: a run of slots of one
// length for one practitioner from a time on one day.
func (s *Server) portalAddSlot(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	day, err := rdv.ParseDate(f.Values.Get("date"))
	if err != nil {
		f.Fail("date", "err.date")
	}
	practitioner, _ := strconv.ParseInt(f.Values.Get("practitioner"), 10, 64)
	if p, ok := s.d.Index.Practitioner(practitioner); !ok || p.ClinicID != c.ID {
		f.Fail("practitioner", "portal.err.practitioner")
	}
	service, err := rdv.ParseService(f.Values.Get("service"))
	if err != nil || !c.Offers(service) {
		f.Fail("service", "err.service")
	}
	start, okStart := rdv.ParseClock(f.Values.Get("start"))
	if !okStart || start == 24*60 { // the day's end starts no slot
		f.Fail("start", "portal.err.time")
	}
	minutes, err := strconv.Atoi(f.Values.Get("minutes"))
	if err != nil || minutes < 5 || minutes > 240 {
		f.Fail("minutes", "portal.err.minutes")
	}
	count, err := strconv.Atoi(f.Values.Get("count"))
	if err != nil || count < 1 || count > 48 {
		f.Fail("count", "portal.err.count")
	}
	audience := rdv.Public
	if f.Values.Get("rostered") != "" {
		audience = rdv.Rostered
	}
	if len(f.Errors) == 0 {
		var slots []rdv.Slot
		for i := range count {
			at := day.At(start+i*minutes, rdv.Toronto)
			slots = append(slots, rdv.Slot{PractitionerID: practitioner, Service: service, Audience: audience,
				Start: at, End: at.Add(time.Duration(minutes) * time.Minute)})
		}
		d := s.clinicDesk
		_, err := d.AddSlots(r.Context(), a.ClinicID, slots)
		switch rdv.ErrorCode(err) {
		case "":
			backToDay(w, r, day.String(), "added")
			return
		case rdv.ECONFLICT:
			f.Fail("start", "portal.err.overlap")
		case rdv.EINVALID:
			f.Fail("start", "portal.err.past")
		case rdv.ENOTFOUND:
			f.Fail("practitioner", "portal.err.practitioner")
		default:
			s.fail(w, r, err)
			return
		}
	}
	f.summarize(addSlotFields)
	if day == (rdv.Date{}) {
		day = rdv.DateOf(s.d.Engine.Now())
	}
	s.renderDay(w, r, http.StatusUnprocessableEntity, day, f, "")
}

var addSlotFields = []labelled{
	{"practitioner", "portal.add.practitioner"}, {"date", "portal.add.date"}, {"service", "search.service"},
	{"start", "portal.add.start"}, {"minutes", "portal.add.minutes"}, {"count", "portal.add.count"},
}
