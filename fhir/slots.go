package fhir

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/availability"
)

// slotQuery is a search for free slots, from Slot's search parameters or
// a $find's: what the index is asked, and the page wanted.
type slotQuery struct {
	services []rdv.Service
	from, to time.Time // [from, to); zero to: no end
	act      actor
	near     *nearPoint
	count    int
	cursor   slotCursor
}

// slotCursor is where a page starts: after the first skip results that
// start at start, in the search's order. The order is the index's
// (start, distance, slot ID), so a page boundary inside a run of slots
// that start together is kept exactly.
type slotCursor struct {
	start time.Time
	skip  int
}

func (c slotCursor) String() string {
	return strconv.FormatInt(c.start.UnixNano(), 10) + "." + strconv.Itoa(c.skip)
}

func parseCursor(v string) (slotCursor, bool) {
	ns, skip, ok := strings.Cut(v, ".")
	n, err1 := strconv.ParseInt(ns, 10, 64)
	k, err2 := strconv.Atoi(skip)
	if !ok || err1 != nil || err2 != nil || k < 0 || k > 10*maxCount {
		return slotCursor{}, false
	}
	return slotCursor{start: time.Unix(0, n).UTC(), skip: k}, true
}

// wholeNetwork is the disc a search with no place covers: every clinic
// of Québec from its middle.
var wholeNetwork = nearPoint{lat: 52, lon: -71.5, km: 2000}

// run asks the index for one page and the cursor of the next ("" at the
// end). A clinic, practitioner or schedule reads that clinic's slices;
// anything else is the earliest-near search, once per service, merged in
// the index's order. Never the store.
func (s *Server) run(q slotQuery, now time.Time) ([]availability.Result, string) {
	from := q.from
	if from.Before(now) {
		from = now
	}
	skip := 0
	if !q.cursor.start.IsZero() {
		if q.cursor.start.After(from) {
			from = q.cursor.start
		}
		skip = q.cursor.skip
	}
	want := skip + q.count + 1
	var res []availability.Result
	if q.act.clinic != 0 {
		svc := q.act.service
		if len(q.services) == 1 {
			svc = q.services[0]
		}
		for _, r := range s.d.Index.ClinicSlots(q.act.clinic, svc, from, q.to, false, nil) {
			if (q.act.practitioner == 0 || r.PractitionerID == q.act.practitioner) && slices.Contains(q.services, r.Service) &&
				q.act.admitsService(r.Service) && (q.near == nil || s.clinicWithin(*q.near, r.ClinicID)) {
				res = append(res, r)
			}
			if len(res) == want {
				break
			}
		}
	} else {
		pt := wholeNetwork
		if q.near != nil {
			pt = *q.near
		}
		for _, svc := range q.services {
			res = s.d.Index.Search(availability.Query{Lat: pt.lat, Lon: pt.lon, RadiusKm: pt.km, Service: svc, From: from, To: q.to, Limit: want}, res)
		}
		if len(q.services) > 1 {
			slices.SortStableFunc(res, func(a, b availability.Result) int {
				if c := a.Start.Compare(b.Start); c != 0 {
					return c
				}
				if a.DistanceKm != b.DistanceKm {
					if a.DistanceKm < b.DistanceKm {
						return -1
					}
					return 1
				}
				return int(a.SlotID - b.SlotID)
			})
			res = res[:min(len(res), want)]
		}
	}
	// Drop what earlier pages showed: the first skip results, which all
	// start at the cursor's time (fewer when the index changed since).
	drop := 0
	for drop < skip && drop < len(res) && res[drop].Start.Equal(q.cursor.start) {
		drop++
	}
	res = res[drop:]
	if len(res) <= q.count {
		return res, ""
	}
	res = res[:q.count]
	if q.count == 0 {
		return res, ""
	}
	last := res[len(res)-1].Start
	next := slotCursor{start: last}
	for i := len(res) - 1; i >= 0 && res[i].Start.Equal(last); i-- {
		next.skip++
	}
	if next.skip == len(res) && last.Equal(q.cursor.start) {
		next.skip += skip // the whole page in one run that began before it
	}
	return res, next.String()
}

func (s *Server) clinicWithin(pt nearPoint, clinicID int64) bool {
	c, ok := s.d.Index.Clinic(clinicID)
	return ok && pt.within(c.Lat, c.Lon)
}

// parseSlotSearch reads a Slot search.
func (s *Server) parseSlotSearch(p searchParams) (slotQuery, error) {
	q := slotQuery{count: p.count}
	var err error
	if q.services, err = s.serviceTypes(p); err != nil {
		return q, err
	}
	for _, st := range p.Values["status"] {
		for _, t := range tokens(st) {
			if t != "free" {
				// The index holds the bookable slots; busy ones are the
				// clinics' agenda, not a public search.
				return q, notSupported("status")
			}
		}
	}
	if q.from, q.to, err = parseDateRange(p.Values["start"], "start"); err != nil {
		return q, err
	}
	if len(p.Values["schedule"]) > 0 && len(p.Values["schedule.actor"]) > 0 {
		return q, notSupported("schedule.actor")
	}
	if v := p.Get("schedule"); v != "" {
		if !strings.Contains(v, "/") {
			v = "Schedule/" + v
		}
		if q.act, err = s.parseActor(v, "schedule"); err != nil {
			return q, err
		}
	} else if q.act, err = s.parseActor(p.Get("schedule.actor"), "schedule.actor"); err != nil {
		return q, err
	}
	for _, name := range []string{"near", "schedule.actor:Location.near"} {
		if v := p.Get(name); v != "" {
			pt, err := parseNear(v, name)
			if err != nil {
				return q, err
			}
			q.near = &pt
		}
	}
	if p.page != "" {
		c, ok := parseCursor(p.page)
		if !ok {
			return q, badParam("_page")
		}
		q.cursor = c
	}
	return q, nil
}

// parseDateRange reads a date parameter's values, each with its prefix
// (ge, gt, le, lt, eq or none): a day (2030-03-04, the clinics' day) or an
// instant with its offset. The answer is [from, to); zero to: no end.
func parseDateRange(vals []string, param string) (from, to time.Time, err error) {
	for _, v := range vals {
		prefix := "eq"
		if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
			prefix, v = v[:2], v[2:]
		}
		lo, hi, ok := parseWhen(v)
		if !ok {
			return from, to, badParam(param)
		}
		switch prefix {
		case "ge":
			from = later(from, lo)
		case "gt":
			from = later(from, hi)
		case "lt":
			to = earlier(to, lo)
		case "le":
			to = earlier(to, hi)
		case "eq":
			from, to = later(from, lo), earlier(to, hi)
		default:
			return from, to, notSupported(param)
		}
	}
	return from, to, nil
}

// parseWhen reads a FHIR date or dateTime as the stretch it names: a day
// is its whole day in the clinics' zone, an instant is itself.
func parseWhen(v string) (lo, hi time.Time, ok bool) {
	if d, err := rdv.ParseDate(v); err == nil {
		return d.Start(rdv.Toronto), d.AddDays(1).Start(rdv.Toronto), true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return lo, hi, false
	}
	return t, t.Add(time.Second), true
}

func later(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// searchSlots answers GET /fhir/Slot: free slots from the index.
//
// Its Bundle has no total, nor has $find's: the index answers a page by
// walking from the earliest (or the nearest) match and stops once the
// page is full, a few microseconds, while a count walks every match, up
// to a whole network's eight weeks (about half a million slots in the
// demo network) for a broad query: each search would cost what the index
// exists to spare, in a flood of them too. FHIR makes total optional;
// the next link says whether there is more. The directory's searches and
// a clinic's agenda, counted from lists already in hand, carry theirs.
func (s *Server) searchSlots(w http.ResponseWriter, r *http.Request) {
	p, err := parseSearch(r, names("Slot")...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.parseSlotSearch(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, next := s.run(q, s.d.Engine.Now())
	l := lang(r)
	entries := make([]Entry, 0, len(res))
	for _, x := range res {
		entries = append(entries, s.match("Slot", idOf(x.SlotID), s.freeSlot(x, l)))
	}
	s.write(w, r, http.StatusOK, s.searchset(r, p, entries, next))
}

// freeSlot is a free slot as the index has it, with the SMART links'
// booking extensions.
func (s *Server) freeSlot(x availability.Result, lang string) Slot {
	sl := Slot{
		ResourceType: "Slot", ID: idOf(x.SlotID), Language: lang,
		ServiceType: []CodeableConcept{s.serviceConcept(x.Service, lang)},
		Schedule:    Reference{Reference: "Schedule/" + serviceID(x.PractitionerID, x.Service)},
		Status:      "free", Start: instant(x.Start), End: instant(x.End),
	}
	sl.Extension = s.bookingExtensions(x.ClinicID, x.Service, x.Start)
	return sl
}

// bookingExtensions are a free slot's ways to book it: a deep link into
// rdv's pages (the clinic's times for the service from the slot's day,
// where the slot is offered with the others) and the clinic's phone.
func (s *Server) bookingExtensions(clinicID int64, svc rdv.Service, start time.Time) []Extension {
	c, _ := s.d.Index.Clinic(clinicID)
	link := s.d.PublicURL + "/recherche/clinique/" + idOf(clinicID) + "?" +
		url.Values{"service": {string(svc)}, "du": {rdv.DateOf(start).String()}, "lieu": {c.City}}.Encode()
	ext := []Extension{{URL: extBookingDeepLink, ValueURL: link}}
	if c.Phone != "" {
		ext = append(ext, Extension{URL: extBookingPhone, ValueString: c.Phone})
	}
	return ext
}

// slotStatus is a stored slot's FHIR status at now: a run-out hold is
// free (invariant 4), a live one tentatively busy.
func slotStatus(sl rdv.Slot, now time.Time) string {
	switch {
	case sl.FreeAt(now):
		return "free"
	case sl.State == rdv.SlotHeld:
		return "busy-tentative"
	case sl.State == rdv.SlotBlocked:
		return "busy-unavailable"
	}
	return "busy"
}

// readSlot answers GET /fhir/Slot/{id}: one slot by primary key, in any
// state. A slot kept for a clinic's own patients is read like any other.
func (s *Server) readSlot(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		s.fail(w, r, rdv.Errorf(rdv.ENOTFOUND, "slot %q", r.PathValue("id")))
		return
	}
	sl, err := s.d.Store.Slot(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang(r)
	out := Slot{
		ResourceType: "Slot", ID: idOf(sl.ID), Language: l,
		ServiceType: []CodeableConcept{s.serviceConcept(sl.Service, l)},
		Schedule:    Reference{Reference: "Schedule/" + serviceID(sl.PractitionerID, sl.Service)},
		Status:      slotStatus(sl, s.d.Engine.Now()), Start: instant(sl.Start), End: instant(sl.End),
	}
	if out.Status == "free" && sl.Audience == rdv.Public {
		out.Extension = s.bookingExtensions(sl.ClinicID, sl.Service, sl.Start)
	}
	s.write(w, r, http.StatusOK, out)
}
