package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rdv"
)

// The operators' live load page: what admission control and the waiting
// room are doing on this instance right now. The script (app.js) asks for
// the page again every loadRefresh and puts the new figures in place; it
// never reloads the page, which would throw a screen reader back to the
// top, and a button pauses it. Without the script a link updates the
// figures by hand. The page reads only memory, never the
// database, so that it keeps answering in the flood it is there to watch
// (admission control never sheds /operateur paths).

// loadRefresh is how often the script updates the figures, in seconds.
const loadRefresh = 2

// LoadSnapshot is admission control's live state, as the load page
// shows it. The wiring copies it from the admission controller, so that
// this package does not depend on that one.
type LoadSnapshot struct {
	Adaptive      bool          // the adaptive concurrency limit is on
	ClientLimits  bool          // per-address and per-account limits are on
	Limit         int           // concurrency limit now
	InFlight      int           // admitted work running now
	Queued        int           // requests waiting for a place, all classes
	Latency       time.Duration // recent mean latency of admitted work
	AdmissionRate float64       // admitted requests per second
	Classes       []LoadClass   // in priority order, highest first
}

// LoadClass is one priority class's counts since the instance started.
type LoadClass struct {
	Class       string // critical, hold, search, browse or exempt
	Queued      int
	Admitted    uint64
	Shed        uint64
	RateLimited uint64
	TimedOut    uint64
}

// WaitingRoomSnapshot is the waiting room's state as this instance last
// read it from the shared line.
type WaitingRoomSnapshot struct {
	Open            bool    // new visitors get a ticket now
	OperatorOn      bool    // opened by the operators' switch, not by sustained shedding
	Issued          int64   // last ticket number drawn
	AdmittedThrough int64   // tickets up to this number are let in
	Waiting         int64   // tickets drawn and not yet let in
	AdmissionRate   float64 // visitors let in per second
}

// loadData is what the load page shows, its figures already written in
// the page's language.
type loadData struct {
	Updated       string
	Refresh       int
	HasLoad       bool
	Load          LoadSnapshot
	Latency       string
	AdmissionRate string
	Classes       []loadClassRow
	HasRoom       bool
	Room          WaitingRoomSnapshot
	RoomRate      string
	RoomWait      string
	ReadOnly      bool
	FormsOnly     bool
	BookableSlots int
	Clinics       int
}

// loadClassRow is one line of the classes' table.
type loadClassRow struct {
	NameKey string
	LoadClass
}

// operatorLoad shows the live load page.
func (s *Server) operatorLoad(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r.Context())
	d := loadData{
		Updated:  time.Now().In(rdv.Toronto).Format("15:04:05"),
		Refresh:  loadRefresh,
		ReadOnly: s.modes(r.Context()).ReadOnly,
		// Cached like the switches: at most one short probe per TTL.
		FormsOnly:     s.databaseDown(r.Context()),
		BookableSlots: s.d.Index.Len(),
		Clinics:       len(s.d.Index.Clinics()),
	}
	if s.d.Load != nil {
		d.HasLoad, d.Load = true, s.d.Load()
		d.Latency = formatDecimal(float64(d.Load.Latency)/float64(time.Millisecond), lang) + "\u00a0ms"
		d.AdmissionRate = formatDecimal(d.Load.AdmissionRate, lang)
		for _, c := range d.Load.Classes {
			d.Classes = append(d.Classes, loadClassRow{NameKey: "load.class." + c.Class, LoadClass: c})
		}
	}
	if s.d.WaitingRoom != nil {
		d.HasRoom, d.Room = true, s.d.WaitingRoom()
		d.RoomRate = formatDecimal(d.Room.AdmissionRate, lang)
		d.RoomWait = formatWait(estimatedWait(d.Room), lang)
	}
	// The script asks for the page again; no one should keep an old copy.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "operator_load", &page{Title: "load.title", Data: d})
}

// estimatedWait is how long the last visitor in line waits at the
// measured rate: the waiting page's estimate for the newest ticket.
func estimatedWait(room WaitingRoomSnapshot) time.Duration {
	if room.Waiting <= 0 || room.AdmissionRate <= 0 {
		return 0
	}
	return time.Duration(float64(room.Waiting) / room.AdmissionRate * float64(time.Second))
}

// formatWait writes a wait in whole seconds, rounded up: « 3 min 05 s »,
// « 42 s ».
func formatWait(d time.Duration, lang string) string {
	secs := int64(math.Ceil(d.Seconds()))
	if secs <= 0 {
		return translate(lang, "load.wait.none")
	}
	if secs < 60 {
		return strconv.FormatInt(secs, 10) + "\u00a0s"
	}
	return strconv.FormatInt(secs/60, 10) + "\u00a0min\u00a0" + twoDigits(secs%60) + "\u00a0s"
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// formatDecimal writes v to a tenth with the language's decimal mark.
func formatDecimal(v float64, lang string) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
