package flood

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// kindWaitroom is a visitor's browser: it keeps its cookies, honours the
// Retry-After of the waiting room, and comes back until it is let in. Its
// requests are GET /api/v1/clinics/{id}?visitor=N, the visitor's number
// telling whose answer it is.
const kindWaitroom = "waitroom"

// maxVisitors bounds the visitors of one run; past it the longest-waiting
// one polls again rather than a new one arriving.
const maxVisitors = 1 << 20

// Cookie names of rdv's waiting room (over TLS they carry the __Host-
// prefix; the flood only speaks plain HTTP on loopback).
const ticketCookie = "rdv_wr_ticket"

// browser is the cookies one client keeps, numbered so that an answer
// can be told whose it is.
type browser struct {
	id      int
	cookies map[string]string
	header  string // cookies as a Cookie header, made when they change
}

func newBrowser(id int) browser { return browser{id: id, cookies: map[string]string{}} }

func (v *browser) cookieHeader() string { return v.header }

// visitor is one person going through the waiting room.
type visitor struct {
	browser
	firstAt  time.Time // first request sent
	held     bool      // answered by the waiting room at least once
	ticketed bool      // given a number in line
	due      time.Time // not to come back before
	estimate time.Duration
	heapAt   int
}

// takeCookies keeps what the server set and forgets what it deleted.
func (v *browser) takeCookies(h http.Header) {
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(v.cookies, c.Name)
			continue
		}
		v.cookies[c.Name] = c.Value
	}
	parts := make([]string, 0, len(v.cookies))
	for name, value := range v.cookies {
		parts = append(parts, name+"="+value)
	}
	slices.Sort(parts)
	v.header = strings.Join(parts, "; ")
}

// waitQueue orders waiting visitors by when they come back.
type waitQueue []*visitor

func (q waitQueue) Len() int           { return len(q) }
func (q waitQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q waitQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].heapAt, q[j].heapAt = i, j
}
func (q *waitQueue) Push(x any) { v := x.(*visitor); v.heapAt = len(*q); *q = append(*q, v) }
func (q *waitQueue) Pop() any {
	old := *q
	v := old[len(old)-1]
	*q = old[:len(old)-1]
	v.heapAt = -1
	return v
}

// visitors are the waiting-room side of a mix. Its fields are guarded by
// the mix's lock.
type visitors struct {
	all      []*visitor
	queue    waitQueue
	waits    []time.Duration // ticket to admission, of those let in
	letIn    int
	ticketed int
}

// next returns the visitor whose turn it is to send a request: one due
// to come back, or else a new arrival.
func (vs *visitors) next(now time.Time) *visitor {
	if len(vs.queue) > 0 && (!vs.queue[0].due.After(now) || len(vs.all) >= maxVisitors) {
		return heap.Pop(&vs.queue).(*visitor)
	}
	v := &visitor{browser: newBrowser(len(vs.all)), heapAt: -1}
	vs.all = append(vs.all, v)
	return v
}

// target sets t to v's next request.
func (vs *visitors) target(t *vegeta.Target, base string, v *visitor, lang http.Header) {
	t.Method = http.MethodGet
	t.URL = fmt.Sprintf("%s/api/v1/clinics/%d?visitor=%d", base, 1+v.id%378, v.id)
	t.Body = nil
	t.Header = lang
	if c := v.cookieHeader(); c != "" {
		t.Header = http.Header{"Accept-Language": lang["Accept-Language"], "Cookie": {c}}
	}
}

// paramOf reads the number after key (as "visitor=") in a URL.
func paramOf(u, key string) (int, bool) {
	_, q, ok := strings.Cut(u, key)
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(q, '&'); i >= 0 {
		q = q[:i]
	}
	n, err := strconv.Atoi(q)
	return n, err == nil
}

// learn takes the answer to a visitor's request: let in, it leaves; held
// in the room or refused, it comes back when told to.
func (vs *visitors) learn(r *vegeta.Result) {
	n, ok := paramOf(r.URL, "visitor=")
	if !ok || n < 0 || n >= len(vs.all) {
		return
	}
	v := vs.all[n]
	end := r.Timestamp.Add(r.Latency)
	if v.firstAt.IsZero() {
		v.firstAt = r.Timestamp
	}
	if r.Headers != nil {
		v.takeCookies(r.Headers)
	}
	if v.cookies[ticketCookie] != "" && !v.ticketed {
		v.ticketed = true
		vs.ticketed++
	}
	if r.Code >= 200 && r.Code < 300 {
		vs.letIn++
		if v.held {
			vs.waits = append(vs.waits, end.Sub(v.firstAt))
		}
		return
	}
	retry := time.Second
	if r.Headers != nil {
		if s, err := strconv.Atoi(r.Headers.Get("Retry-After")); err == nil && s > 0 {
			retry = time.Duration(s) * time.Second
		}
	}
	if r.Code == http.StatusServiceUnavailable {
		var out struct {
			Room *struct {
				Estimate float64 `json:"estimated_wait_seconds"`
			} `json:"waiting_room"`
		}
		if json.Unmarshal(r.Body, &out) == nil && out.Room != nil {
			v.held = true
			v.estimate = time.Duration(out.Room.Estimate * float64(time.Second))
		}
	}
	v.due = end.Add(retry)
	heap.Push(&vs.queue, v)
}

// WaitroomTimes is what the waiting room did to the run's visitors:
// browsers that keep their cookies and come back when told to.
type WaitroomTimes struct {
	Visitors int `json:"visitors"`
	// Held visitors were answered by the waiting room at least once;
	// Ticketed ones were given a number in line (rdv gives it when a
	// browser comes back with the id its first visit got).
	Held     int `json:"held"`
	Ticketed int `json:"ticketed"`
	// LetIn visitors got an answer, at once or after waiting.
	LetIn int `json:"let_in"`
	// WaitP50S and WaitP99S are the times from first request to
	// admission of the held visitors who were let in.
	WaitedAndLetIn int     `json:"waited_and_let_in"`
	WaitP50S       float64 `json:"wait_p50_s"`
	WaitP99S       float64 `json:"wait_p99_s"`
	// StillWaiting visitors were held when the run ended;
	// LongestWaitS is how long the first of them had waited, and
	// EstimateP50S the median of the waits the server last announced to
	// them.
	StillWaiting int     `json:"still_waiting"`
	LongestWaitS float64 `json:"longest_wait_s"`
	EstimateP50S float64 `json:"estimate_p50_s"`
}

// times summarises the visitors at now.
func (vs *visitors) times(now time.Time) WaitroomTimes {
	t := WaitroomTimes{Visitors: len(vs.all), Ticketed: vs.ticketed, LetIn: vs.letIn,
		WaitedAndLetIn: len(vs.waits)}
	waits := slices.Clone(vs.waits)
	t.WaitP50S = percentileMS(waits, 0.50) / 1000
	t.WaitP99S = percentileMS(waits, 0.99) / 1000
	for _, v := range vs.all {
		if v.held {
			t.Held++
		}
	}
	var estimates []time.Duration
	for _, v := range vs.queue {
		if !v.held {
			continue
		}
		t.StillWaiting++
		t.LongestWaitS = max(t.LongestWaitS, now.Sub(v.firstAt).Seconds())
		estimates = append(estimates, v.estimate)
	}
	t.EstimateP50S = percentileMS(estimates, 0.50) / 1000
	return t
}

// waitroomTimes summarises the mix's visitors now.
func (m *mix) waitroomTimes() WaitroomTimes {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.vis.times(m.now())
}

// sessionsMax is how many browsing sessions carry the rest of the mix.
// They open one request in four until there are that many, so that a
// short run still books.
const sessionsMax = 64

// sessions are the people already browsing: the rest of the mix (every
// kind but waiting-room visitors) is theirs. Each opens with a page view,
// as a person arriving on the site does, and then keeps its cookies, so
// that a waiting room that opens during the run treats them as it treats
// people who were inside when it opened. Guarded by the mix's lock.
type sessions struct {
	all []*browser
}

// pick returns the session of the next request, and whether it is new
// and must open with a page view.
func (ss *sessions) pick(rng func(int) int) (*browser, bool) {
	if len(ss.all) == 0 || len(ss.all) < sessionsMax && rng(4) == 0 {
		s := newBrowser(len(ss.all))
		ss.all = append(ss.all, &s)
		return &s, true
	}
	return ss.all[rng(len(ss.all))], false
}

// learn keeps what the server set in the cookies of the session whose
// request r answers.
func (ss *sessions) learn(r *vegeta.Result) {
	n, ok := paramOf(r.URL, "session=")
	if !ok || n < 0 || n >= len(ss.all) || r.Headers == nil {
		return
	}
	ss.all[n].takeCookies(r.Headers)
}

// withSession returns u with the session's number, so that its answer
// can be told apart.
func withSession(u string, s *browser) string {
	sep := "?"
	if strings.IndexByte(u, '?') >= 0 {
		sep = "&"
	}
	return u + sep + "session=" + strconv.Itoa(s.id)
}
