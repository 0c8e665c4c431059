package flood

import (
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Request kinds of the mix, named like the admission classes they fall in.
const (
	kindSearch  = "search"  // GET /api/v1/slots
	kindHold    = "hold"    // POST /api/v1/holds
	kindConfirm = "confirm" // POST /api/v1/appointments
	kindCancel  = "cancel"  // POST /api/v1/appointments/{id}/cancel
	kindBrowse  = "browse"  // GET /api/v1/clinics/{id}
)

var kinds = []string{kindSearch, kindHold, kindConfirm, kindCancel, kindBrowse, kindWaitroom}

// weights is the realistic mix: most people search; some hold a slot; most
// who hold confirm; a few cancel; a few look at a clinic; and some are
// browsers arriving or coming back to the waiting room (a plain clinic
// page while the room is closed).
var weights = map[string]float64{kindSearch: 0.55, kindHold: 0.17, kindConfirm: 0.12, kindCancel: 0.03, kindBrowse: 0.08, kindWaitroom: 0.05}

// cities are places people search near, with their coordinates.
var cities = [][2]float64{
	{45.5017, -73.5673}, {46.8139, -71.2080}, {45.6066, -73.7124}, {45.4765, -75.7013},
	{45.5312, -73.5181}, {45.4042, -71.8929}, {48.4280, -71.0686}, {46.8033, -71.1779},
	{46.3432, -72.5477}, {45.7000, -73.6473}, {45.3075, -73.2626}, {45.7422, -73.4500},
	{45.8803, -72.4843}, {45.4000, -72.7333}, {48.4490, -68.5230}, {48.2366, -79.0231},
}

var services = []struct {
	code   string
	weight int
}{{"general", 40}, {"pediatrics", 15}, {"urgent", 15}, {"followup", 10}, {"vaccination", 8}, {"bloodtest", 8}, {"prenatal", 4}}

// booking is a confirmation the server acknowledged.
type booking struct {
	ID     int64
	SlotID int64
	Token  string
}

// mix makes the requests of a run and learns from the answers: slots from
// searches feed holds, holds feed confirmations, bookings feed
// cancellations. It is shared by the phases of one target.
type mix struct {
	base    string
	metrics string // the server's metrics page; "": none
	now     func() time.Time

	// Requests are built from parts made once: a load generator that
	// formats every URL spends on itself the core it should spend on
	// load. The attacker copies a target's header into each request, so
	// the GET header is shared.
	searchURLs []string
	browseURLs []string
	getHeader  http.Header

	mu        sync.Mutex
	salt      uint64 // random per run, in every idempotency key
	rng       *rand.Rand
	slots     []int64 // seen in search results, not yet held by us
	holds     []string
	bookings  []booking      // acknowledged and not (yet) cancelled by us
	acked     []booking      // every acknowledged booking
	cancelled map[int64]bool // cancel acknowledged
	tried     map[int64]bool // cancel sent
	vis       visitors
	sess      sessions
}

const poolCap = 4096

func newMix(base string, seed uint64) *mix {
	base = strings.TrimRight(base, "/")
	var search, browse []string
	for _, c := range cities {
		for _, radius := range []int{25, 50} {
			for _, s := range services {
				// Weighted: each service appears as often as people ask
				// for it.
				u := fmt.Sprintf("%s/api/v1/slots?near=%.4f,%.4f&radius_km=%d&service=%s&limit=10", base, c[0], c[1], radius, s.code)
				for range s.weight {
					search = append(search, u)
				}
			}
		}
	}
	for id := 1; id <= 378; id++ {
		browse = append(browse, fmt.Sprintf("%s/api/v1/clinics/%d", base, id))
	}
	return &mix{
		base:       base,
		searchURLs: search,
		browseURLs: browse,
		getHeader:  http.Header{"Accept-Language": {"fr-CA,fr;q=0.9"}},
		now:        time.Now,
		rng:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), // #nosec G404 -- a load generator's mix, replayable from its seed
		cancelled:  map[int64]bool{},
		tried:      map[int64]bool{},
		salt:       runSalt(),
	}
}

func runSalt() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// targeter returns the vegeta targeter of the mix.
func (m *mix) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		kind := m.pick()
		if kind == kindWaitroom {
			m.vis.target(t, m.base, m.vis.next(m.now()), m.getHeader)
			return nil
		}
		sess, opens := m.sess.pick(m.rng.IntN)
		if opens {
			t.Method, t.URL, t.Body, t.Header = http.MethodGet, withSession(m.base+"/", sess), nil, m.getHeader
			return nil
		}
		t.Header = m.getHeader
		if c := sess.cookieHeader(); c != "" {
			t.Header = http.Header{"Accept-Language": m.getHeader["Accept-Language"], "Cookie": {c}}
		}
		switch kind {
		case kindHold:
			i := m.rng.IntN(len(m.slots))
			id := m.slots[i]
			m.slots[i] = m.slots[len(m.slots)-1]
			m.slots = m.slots[:len(m.slots)-1]
			m.post(t, "/api/v1/holds", map[string]int64{"slot_id": id})
		case kindConfirm:
			h := m.holds[len(m.holds)-1]
			m.holds = m.holds[:len(m.holds)-1]
			m.post(t, "/api/v1/appointments", map[string]any{"hold_id": h, "patient": newPatient(m.rng, m.now())})
		case kindCancel:
			i := m.rng.IntN(len(m.bookings))
			b := m.bookings[i]
			m.bookings[i] = m.bookings[len(m.bookings)-1]
			m.bookings = m.bookings[:len(m.bookings)-1]
			m.tried[b.ID] = true
			m.post(t, fmt.Sprintf("/api/v1/appointments/%d/cancel", b.ID), map[string]string{"token": b.Token})
		case kindBrowse:
			t.Method = http.MethodGet
			t.URL = m.browseURLs[m.rng.IntN(len(m.browseURLs))]
			t.Body = nil
		default:
			t.Method = http.MethodGet
			t.URL = m.searchURLs[m.rng.IntN(len(m.searchURLs))]
			t.Body = nil
		}
		t.URL = withSession(t.URL, sess)
		return nil
	}
}

// pick draws a kind, falling back to a search when the kind needs state
// that the run has not built yet.
func (m *mix) pick() string {
	x := m.rng.Float64()
	kind := kindSearch
	for _, k := range kinds {
		if x < weights[k] {
			kind = k
			break
		}
		x -= weights[k]
	}
	switch {
	case kind == kindConfirm && len(m.holds) == 0:
		kind = kindHold
	case kind == kindCancel && len(m.bookings) == 0:
		kind = kindSearch
	}
	if kind == kindHold && len(m.slots) == 0 {
		kind = kindSearch
	}
	return kind
}

func (m *mix) post(t *vegeta.Target, path string, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain maps and structs always encode
	}
	t.Method = http.MethodPost
	t.URL = m.base + path
	t.Body = b
	h := http.Header{
		"Accept-Language": m.getHeader["Accept-Language"],
		"Content-Type":    {"application/json"},
		"Idempotency-Key": {m.idemKey()},
	}
	if c := t.Header["Cookie"]; c != nil {
		h["Cookie"] = c
	}
	t.Header = h
}

// idemKey returns a fresh idempotency key from the mix's generator (the
// caller holds m.mu), salted per run so that two runs never share keys.
func (m *mix) idemKey() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], m.rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], m.salt)
	return hex.EncodeToString(b[:12])
}

// kindOf names the kind of a request from its method and URL.
func kindOf(method, rawURL string) string {
	path := rawURL
	if i := strings.Index(path, "://"); i >= 0 {
		if j := strings.IndexByte(path[i+3:], '/'); j >= 0 {
			path = path[i+3+j:]
		}
	}
	path, query, _ := strings.Cut(path, "?")
	switch {
	case strings.Contains(query, "visitor="):
		return kindWaitroom
	case method == http.MethodGet && path == "/api/v1/slots":
		return kindSearch
	case method == http.MethodPost && path == "/api/v1/holds":
		return kindHold
	case method == http.MethodPost && path == "/api/v1/appointments":
		return kindConfirm
	case method == http.MethodPost && strings.HasSuffix(path, "/cancel"):
		return kindCancel
	}
	return kindBrowse
}

// learnCookies keeps the cookies an answer set, whatever the answer: a
// waiting room sets them on refusals too.
func (m *mix) learnCookies(kind string, r *vegeta.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if kind == kindWaitroom {
		m.vis.learn(r)
		return
	}
	m.sess.learn(r)
}

// learn feeds the mix with what an answer taught.
func (m *mix) learn(kind string, r *vegeta.Result) {
	switch {
	case kind == kindSearch && r.Code == http.StatusOK:
		m.mu.Lock()
		room := len(m.slots) < poolCap
		m.mu.Unlock()
		if !room {
			return
		}
		var out struct {
			Slots []struct {
				ID int64 `json:"id"`
			} `json:"slots"`
		}
		if json.Unmarshal(r.Body, &out) != nil {
			return
		}
		m.mu.Lock()
		for _, s := range out.Slots {
			if len(m.slots) < poolCap {
				m.slots = append(m.slots, s.ID)
			}
		}
		m.mu.Unlock()
	case kind == kindHold && r.Code == http.StatusCreated:
		var out struct {
			HoldID string `json:"hold_id"`
		}
		if json.Unmarshal(r.Body, &out) != nil || out.HoldID == "" {
			return
		}
		m.mu.Lock()
		if len(m.holds) < poolCap {
			m.holds = append(m.holds, out.HoldID)
		}
		m.mu.Unlock()
	case kind == kindConfirm && r.Code == http.StatusCreated:
		var out struct {
			ID   int64 `json:"id"`
			Slot struct {
				ID int64 `json:"id"`
			} `json:"slot"`
			CancelToken string `json:"cancel_token"`
		}
		if json.Unmarshal(r.Body, &out) != nil || out.ID == 0 {
			return
		}
		b := booking{ID: out.ID, SlotID: out.Slot.ID, Token: out.CancelToken}
		m.mu.Lock()
		m.acked = append(m.acked, b)
		if len(m.bookings) < poolCap {
			m.bookings = append(m.bookings, b)
		}
		m.mu.Unlock()
	case kind == kindCancel && r.Code == http.StatusOK:
		id := appointmentIDOf(r.URL)
		m.mu.Lock()
		m.cancelled[id] = true
		m.mu.Unlock()
	}
}

// appointmentIDOf reads the ID of .../appointments/{id}/cancel.
func appointmentIDOf(u string) int64 {
	u, _, _ = strings.Cut(u, "?")
	u = strings.TrimSuffix(u, "/cancel")
	id, _ := strconv.ParseInt(u[strings.LastIndexByte(u, '/')+1:], 10, 64)
	return id
}

// ledger returns the acknowledged bookings and what the run did to them.
func (m *mix) ledger() (acked []booking, cancelled, tried map[int64]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cancelled, tried = map[int64]bool{}, map[int64]bool{}
	for k := range m.cancelled {
		cancelled[k] = true
	}
	for k := range m.tried {
		tried[k] = true
	}
	return append([]booking(nil), m.acked...), cancelled, tried
}
