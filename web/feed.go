package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/ical"
)

// A calendar feed is the iCalendar file of a clinic's appointments, or
// one practitioner's, that the staff's calendars subscribe to at
// /calendrier/{secret}.ics. The secret is the only key: calendars send
// no cookie and no header, so the address is made long and random in the
// portal (portal_feeds.go), kept as a hash, and revoked there; an
// unknown or revoked one is not found, like any other page.
//
// What a feed tells, and why no more: calendar services (Google, Apple,
// Microsoft) fetch it from their own servers and keep what they read, so
// it names no patient. Each event is an appointment's time, service,
// practitioner, number and status, and a link to its page in the portal,
// behind the staff's sign-in (ical.StaffEvent). Cancelled appointments
// leave the feed, which calendars take whole.
//
// Calendars fetch a feed every few minutes to hours: the answer carries
// a weak ETag of its events, so that one that has them already gets a
// 304 without the body, and may be kept by the browser alone (private)
// for feedMaxAge.

// feedPrefixPath is where feeds are served; the file is the secret and
// ".ics".
const feedPrefixPath = "/calendrier/"

// The feed's window: the past week, for what was just seen, and the
// slots' horizon ahead.
const (
	feedDaysBack  = 7
	feedDaysAhead = 56
)

// feedRefresh is how often a calendar is asked to fetch the feed again,
// and feedMaxAge how long a fetched copy may be reused without asking.
const (
	feedRefresh = 15 * time.Minute
	feedMaxAge  = 5 * time.Minute
)

// maxFeedSecret bounds what is hashed: the platform's secrets are far
// shorter.
const maxFeedSecret = 200

// calendarFeed serves the feed whose secret the path names.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || secret == "" || len(secret) > maxFeedSecret {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	ctx, now := r.Context(), s.d.Engine.Now()
	feed, err := s.d.Store.ClinicTokenByHash(ctx, rdv.CalendarFeed, auth.HashToken(secret), now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, ok := s.d.Index.Clinic(feed.ClinicID)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	today := rdv.DateOf(now)
	entries, err := s.clinicDesk.Agenda(ctx, c.ID, today.AddDays(-feedDaysBack), today.AddDays(feedDaysAhead))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The feed's secret opened it: the feed is who read.
	r = r.WithContext(rdv.WithActor(ctx, rdv.Actor{Kind: rdv.ActorFeed, ID: feed.ID, Address: s.clientAddr(r)}))
	if !s.recordRead(w, r, rdv.AuditCalendarFeedRead, rdv.AgendaRecords(entries)) {
		return
	}
	lang := langOf(ctx)
	cal := ical.Calendar{Refresh: feedRefresh}
	var only string // the practitioner's name, for a practitioner's feed
	if p, ok := s.d.Index.Practitioner(feed.PractitionerID); ok && feed.PractitionerID != 0 {
		only = p.Name
	}
	cal.Name = ical.FeedName(c.Name, only, lang)
	for _, e := range entries {
		a := e.Appointment
		if a == nil || feed.PractitionerID != 0 && e.Slot.PractitionerID != feed.PractitionerID {
			continue
		}
		v := ical.StaffVisit{Appointment: *a, Clinic: c}
		if p, ok := s.d.Index.Practitioner(e.Slot.PractitionerID); ok {
			v.Practitioner = p.Name
		}
		if s.publicURL != "" {
			v.URL = s.publicURL + "/clinique/rendez-vous/" + strconv.FormatInt(a.ID, 10)
		}
		cal.Events = append(cal.Events, ical.StaffEvent(v, lang, time.Time{}))
	}
	// The tag is the events' without their stamp, which is the time of
	// the answer: two answers with the same tag say the same.
	sum := sha256.Sum256([]byte(ical.WriteCalendar(cal)))
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(feedMaxAge/time.Second)))
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	for i := range cal.Events {
		cal.Events[i].Stamp = now
	}
	body := ical.WriteCalendar(cal)
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="rendez-vous.ics"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// etagMatches reports whether an If-None-Match header names tag, by the
// weak comparison that GET asks for (RFC 9110 §13.1.2).
func etagMatches(header, tag string) bool {
	weak := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == weak {
			return true
		}
	}
	return false
}
