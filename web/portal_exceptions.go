package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rdv"
)

// Exceptions to a practitioner's working plan, edited by the clinic's
// admin: a holiday, leave over several days, a closed afternoon. Adding
// one goes through a confirmation page that lists the slots it withdraws
// and the appointments in its way; an exception never cancels an
// appointment (the store refuses it while any lies inside), so the admin
// moves or cancels those first. Removing one offers its slots again.

// exceptionRow is one exception in the page's language.
type exceptionRow struct {
	ID     int64
	Days   string // « lundi 21 décembre » or « du … au … »
	Hours  string // « toute la journée » or « 13 h à 17 h »
	Reason string
}

// exceptionSlot is one slot the confirmation page lists.
type exceptionSlot struct {
	When    string
	Service string
	Booked  bool // booked or being booked: it stops the exception
	State   string
}

// portalExceptionsData is what the exceptions page and its confirmation
// show.
type portalExceptionsData struct {
	Practitioners []option
	Practitioner  int64
	Name          string
	Exceptions    []exceptionRow
	// The confirmation page: the exception in words and its slots.
	Preview   *exceptionRow
	Withdrawn []exceptionSlot
	Kept      []exceptionSlot
}

// portalPractitioner reads the practitioner a page or form names
// (?praticien= or the "practitioner" field); one of another clinic, or
// none, is the clinic's first.
func (s *Server) portalPractitioner(c rdv.Clinic, raw string) (rdv.Practitioner, bool) {
	id, _ := strconv.ParseInt(raw, 10, 64)
	if p, ok := s.d.Index.Practitioner(id); ok && p.ClinicID == c.ID {
		return p, true
	}
	for _, p := range s.d.Index.Practitioners() {
		if p.ClinicID == c.ID {
			return p, false
		}
	}
	return rdv.Practitioner{}, false
}

// portalExceptions lists a practitioner's exceptions with the form to add
// one.
func (s *Server) portalExceptions(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	p, _ := s.portalPractitioner(c, r.URL.Query().Get("praticien"))
	f := newForm(url.Values{"practitioner": {strconv.FormatInt(p.ID, 10)}})
	notice := ""
	switch r.URL.Query().Get("avis") {
	case "added", "removed":
		notice = "portal.exc.notice." + r.URL.Query().Get("avis")
	}
	s.renderExceptions(w, r, http.StatusOK, c, p, f, nil, notice)
}

func (s *Server) renderExceptions(w http.ResponseWriter, r *http.Request, status int, c rdv.Clinic, p rdv.Practitioner, f *form, preview *rdv.ExceptionEffect, notice string) {
	d := s.clinicDesk
	lang := langOf(r.Context())
	data := portalExceptionsData{Practitioner: p.ID, Name: p.Name}
	for _, q := range s.d.Index.Practitioners() {
		if q.ClinicID == c.ID {
			data.Practitioners = append(data.Practitioners, option{Value: strconv.FormatInt(q.ID, 10), Label: q.Name, Selected: q.ID == p.ID})
		}
	}
	template := "portal_exceptions"
	if preview != nil {
		template = "portal_exception_confirm"
		row := exceptionRowOf(preview.Exception, lang)
		data.Preview = &row
		for _, sl := range preview.Withdrawn {
			data.Withdrawn = append(data.Withdrawn, exceptionSlotOf(sl, false, lang))
		}
		for _, sl := range preview.Kept {
			data.Kept = append(data.Kept, exceptionSlotOf(sl, true, lang))
		}
	} else {
		list, err := d.Exceptions(r.Context(), c.ID, p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		today := rdv.DateOf(s.d.Engine.Now())
		for _, e := range list {
			if !e.LastDay().Before(today) {
				data.Exceptions = append(data.Exceptions, exceptionRowOf(e, lang))
			}
		}
	}
	pg := &page{Title: "portal.exc.title", Form: f, Data: data, NoticeKey: notice}
	s.render(w, r, status, template, pg)
}

func exceptionRowOf(e rdv.PlanException, lang string) exceptionRow {
	day := func(d rdv.Date) string { return FormatDay(d.At(12*60, rdv.Toronto), lang) }
	row := exceptionRow{ID: e.ID, Days: day(e.Date), Reason: e.Reason, Hours: translate(lang, "portal.exc.all_day")}
	if e.LastDay() != e.Date {
		row.Days = translate(lang, "portal.exc.range", day(e.Date), day(e.LastDay()))
	}
	if !e.AllDay {
		row.Hours = translate(lang, "portal.exc.window", FormatClock(e.Date.At(e.StartMinute, rdv.Toronto), lang), FormatClock(e.Date.At(e.EndMinute, rdv.Toronto), lang))
	}
	return row
}

// exceptionSlotOf writes a slot of the confirmation page: one it would
// withdraw is free (or its hold ran out), one it keeps is booked or held.
func exceptionSlotOf(sl rdv.Slot, kept bool, lang string) exceptionSlot {
	state := rdv.SlotFree
	if kept {
		state = sl.State
	}
	return exceptionSlot{When: FormatDateTime(sl.Start, lang), Service: sl.Service.Name(lang), Booked: kept,
		State: translate(lang, "portal.state."+string(state))}
}

// exceptionForm reads the form that adds an exception: a first day, an
// optional last day, optional hours (none: the whole day), a reason.
func (s *Server) exceptionForm(c rdv.Clinic, f *form) (rdv.Practitioner, rdv.PlanException) {
	get := func(k string) string { return strings.TrimSpace(f.Values.Get(k)) }
	p, ok := s.portalPractitioner(c, get("practitioner"))
	if !ok {
		f.Fail("practitioner", "portal.err.practitioner")
	}
	var e rdv.PlanException
	var err error
	if e.Date, err = rdv.ParseDate(get("from")); err != nil {
		f.Fail("from", "err.date")
	}
	if get("until") != "" {
		if e.Until, err = rdv.ParseDate(get("until")); err != nil || e.Until.Before(e.Date) {
			f.Fail("until", "portal.exc.err.until")
		}
	}
	start, end := get("start"), get("end")
	if start == "" && end == "" {
		e.AllDay = true
	} else {
		a, ok1 := rdv.ParseClock(start)
		b, ok2 := rdv.ParseClock(end)
		if end == "00:00" || end == "24:00" {
			b, ok2 = 24*60, true
		}
		if !ok1 || !ok2 || b <= a {
			f.Fail("start", "portal.err.block")
		}
		e.StartMinute, e.EndMinute = a, b
	}
	e.Reason = get("reason")
	if len(e.Reason) > 200 {
		f.Fail("reason", "portal.exc.err.reason")
	}
	return p, e
}

var exceptionFields = []labelled{
	{"practitioner", "portal.add.practitioner"}, {"from", "portal.exc.from"}, {"until", "portal.exc.until"},
	{"start", "portal.plan.start"}, {"reason", "portal.exc.reason"},
}

// exceptionRefused maps a refusal of the desk to the field it concerns.
func exceptionRefused(f *form, err error) bool {
	switch rdv.ErrorCode(err) {
	case rdv.EINVALID:
		switch rdv.ErrorField(err) {
		case "date":
			f.Fail("from", "portal.exc.err.past")
		case "until":
			f.Fail("until", "portal.exc.err.until")
		case "reason":
			f.Fail("reason", "portal.exc.err.reason")
		default:
			f.Fail("start", "portal.err.block")
		}
	case rdv.ENOTFOUND:
		f.Fail("practitioner", "portal.err.practitioner")
	default:
		return false
	}
	return true
}

// portalPreviewException shows what adding an exception would withdraw,
// with the confirmation button, or the form again with its errors.
func (s *Server) portalPreviewException(w http.ResponseWriter, r *http.Request) {
	s.exceptionStep(w, r, false)
}

// portalAddException adds the exception confirmed on the preview.
func (s *Server) portalAddException(w http.ResponseWriter, r *http.Request) {
	s.exceptionStep(w, r, true)
}

func (s *Server) exceptionStep(w http.ResponseWriter, r *http.Request, apply bool) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	f := newForm(r.PostForm)
	p, e := s.exceptionForm(c, f)
	if len(f.Errors) == 0 {
		var eff rdv.ExceptionEffect
		var err error
		if apply {
			eff, err = d.AddException(r.Context(), a.ClinicID, p.ID, e, nil)
		} else {
			eff, err = d.PreviewException(r.Context(), a.ClinicID, p.ID, e)
		}
		switch {
		case err == nil && apply:
			http.Redirect(w, r, "/clinique/horaire/exceptions?"+url.Values{"praticien": {strconv.FormatInt(p.ID, 10)}, "avis": {"added"}}.Encode(), http.StatusSeeOther)
			return
		case err == nil:
			s.renderExceptions(w, r, http.StatusOK, c, p, f, &eff, "")
			return
		case rdv.ErrorCode(err) == rdv.ECONFLICT:
			// Appointments or holds came into it since the preview.
			s.renderExceptions(w, r, http.StatusConflict, c, p, f, &eff, "portal.exc.notice.conflict")
			return
		case !exceptionRefused(f, err):
			s.fail(w, r, err)
			return
		}
	}
	f.summarize(exceptionFields)
	s.renderExceptions(w, r, http.StatusUnprocessableEntity, c, p, f, nil, "")
}

// portalRemoveException removes an exception and offers its slots again.
func (s *Server) portalRemoveException(w http.ResponseWriter, r *http.Request) {
	a, id, ok := s.staffTarget(w, r)
	if !ok {
		return
	}
	d := s.clinicDesk
	practitioner, _ := strconv.ParseInt(r.PostForm.Get("practitioner"), 10, 64)
	if _, err := d.RemoveException(r.Context(), a.ClinicID, practitioner, id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/clinique/horaire/exceptions?"+url.Values{"praticien": {strconv.FormatInt(practitioner, 10)}, "avis": {"removed"}}.Encode(), http.StatusSeeOther)
}
