package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"rdv"
	"rdv/i18n"
)

// The weekly working plan of a practitioner, edited by the clinic's
// admin: up to blocksPerDay blocks a day, each with its service, slot
// length and audience. Saving regenerates the free slots of the horizon.

const blocksPerDay = 2

// planBlockView is one block's inputs.
type planBlockView struct {
	Prefix string // of the inputs' names: "d1b0_"
	ID     string // of the inputs' IDs: "f-d1b0-"
	Label  string
}

// planDayView is one weekday's blocks.
type planDayView struct {
	Name   string
	Blocks []planBlockView
}

// portalPlanData is what the plan form shows.
type portalPlanData struct {
	Practitioners []option
	Practitioner  int64
	Days          []planDayView
	Services      []option
}

func blockPrefix(wd time.Weekday, k int) string { return fmt.Sprintf("d%db%d_", wd, k) }

// mondayFirst lists the weekdays as Québec calendars do.
var mondayFirst = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// portalPlanForm shows a practitioner's plan.
func (s *Server) portalPlanForm(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.staffClinic(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.URL.Query().Get("praticien"), 10, 64)
	if p, ok := s.d.Index.Practitioner(id); !ok || p.ClinicID != c.ID {
		id = 0
		for _, p := range s.d.Index.Practitioners() {
			if p.ClinicID == c.ID {
				id = p.ID
				break
			}
		}
	}
	plans, err := s.d.Store.Plans(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := url.Values{"practitioner": {strconv.FormatInt(id, 10)}}
	for _, pl := range plans {
		if pl.PractitionerID != id {
			continue
		}
		used := map[time.Weekday]int{}
		for _, b := range pl.Blocks {
			k := used[b.Weekday]
			if k >= blocksPerDay {
				continue
			}
			used[b.Weekday]++
			px := blockPrefix(b.Weekday, k)
			v.Set(px+"start", clockValue(b.StartMinute))
			v.Set(px+"end", clockValue(b.EndMinute))
			v.Set(px+"service", string(b.Service))
			v.Set(px+"minutes", strconv.Itoa(b.SlotMinutes))
			if b.Audience == rdv.Rostered {
				v.Set(px+"rostered", "1")
			}
		}
	}
	s.renderPlan(w, r, http.StatusOK, c, newForm(v))
}

func clockValue(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60%24, minute%60) }

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, status int, c rdv.Clinic, f *form) {
	lang := langOf(r.Context())
	data := portalPlanData{}
	data.Practitioner, _ = strconv.ParseInt(f.Values.Get("practitioner"), 10, 64)
	for _, p := range s.d.Index.Practitioners() {
		if p.ClinicID == c.ID {
			data.Practitioners = append(data.Practitioners, option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name, Selected: p.ID == data.Practitioner})
		}
	}
	for _, sv := range c.Services {
		data.Services = append(data.Services, option{Value: string(sv), Label: sv.Name(lang)})
	}
	for _, wd := range mondayFirst {
		day := planDayView{Name: weekdayName(wd, lang)}
		for k := range blocksPerDay {
			day.Blocks = append(day.Blocks, planBlockView{Prefix: blockPrefix(wd, k), ID: fieldID(blockPrefix(wd, k)), Label: translate(lang, "portal.plan.block", k+1)})
		}
		data.Days = append(data.Days, day)
	}
	s.render(w, r, status, "portal_plan", &page{Title: "portal.plan.title", Form: f, Data: data})
}

func weekdayName(wd time.Weekday, lang string) string { return i18n.Weekday(wd, lang) }

// portalSavePlan saves the plan and regenerates the horizon's slots.
func (s *Server) portalSavePlan(w http.ResponseWriter, r *http.Request) {
	a, c, ok := s.staffForm(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	id, _ := strconv.ParseInt(f.Values.Get("practitioner"), 10, 64)
	if p, ok := s.d.Index.Practitioner(id); !ok || p.ClinicID != c.ID {
		f.Fail("practitioner", "portal.err.practitioner")
	}
	plan := rdv.WorkingPlan{PractitionerID: id}
	var fields []labelled
	for _, wd := range mondayFirst {
		for k := range blocksPerDay {
			px := blockPrefix(wd, k)
			fields = append(fields, labelled{px + "start", "portal.plan.start"}, labelled{px + "minutes", "portal.add.minutes"})
			get := f.Values.Get
			if get(px+"start") == "" && get(px+"end") == "" {
				continue
			}
			start, ok1 := rdv.ParseClock(get(px + "start"))
			end, ok2 := rdv.ParseClock(get(px + "end"))
			if !ok1 || !ok2 || end <= start {
				f.Fail(px+"start", "portal.err.block")
				continue
			}
			minutes, err := strconv.Atoi(get(px + "minutes"))
			if err != nil || minutes < 5 || minutes > 240 {
				f.Fail(px+"minutes", "portal.err.minutes")
				continue
			}
			sv, err := rdv.ParseService(get(px + "service"))
			if err != nil || !c.Offers(sv) {
				f.Fail(px+"start", "err.service")
				continue
			}
			b := rdv.PlanBlock{Weekday: wd, StartMinute: start, EndMinute: end, Service: sv, SlotMinutes: minutes, Audience: rdv.Public}
			if get(px+"rostered") != "" {
				b.Audience = rdv.Rostered
			}
			plan.Blocks = append(plan.Blocks, b)
		}
	}
	if len(f.Errors) == 0 {
		d := s.clinicDesk
		_, _, err := d.SavePlan(r.Context(), a.ClinicID, plan)
		switch rdv.ErrorCode(err) {
		case "":
			backToDay(w, r, "", "plan_saved")
			return
		case rdv.EINVALID, rdv.ENOTFOUND:
			f.Fail("practitioner", "portal.err.plan")
		default:
			s.fail(w, r, err)
			return
		}
	}
	f.summarize(append([]labelled{{"practitioner", "portal.add.practitioner"}}, fields...))
	s.renderPlan(w, r, http.StatusUnprocessableEntity, c, f)
}
