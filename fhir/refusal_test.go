package fhir

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"rdv/admission"
	"rdv/route"
)

// In front of the FHIR API, admission control refuses in FHIR: its
// refusals (overload and a client's own rate), in both languages, and
// the waiting room's OperationOutcome (the same function writes it, with
// the place in line as diagnostics) validate against R4. The route table
// decides the format, as it does on the real server.
func TestRefusalsValidate(t *testing.T) {
	validator(t)
	f := newTestFHIR(t)
	table, err := route.NewTable(Routes())
	if err != nil {
		t.Fatal(err)
	}
	controller := func(edit func(*admission.Config)) *admission.Controller {
		cfg := admission.DefaultConfig()
		cfg.Classify, cfg.Format = table.Class, table.Format
		edit(&cfg)
		c, err := admission.New(cfg, prometheus.NewRegistry(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var refusals [][]byte
	keep := func(h http.Handler, target, lang string, want int) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/fhir+json") {
			t.Fatalf("%s in %s: %d %q, want %d in FHIR", target, lang, w.Code, w.Header().Get("Content-Type"), want)
		}
		refusals = append(refusals, w.Body.Bytes())
	}

	limited := controller(func(cfg *admission.Config) { cfg.AddressRate, cfg.AddressBurst = 1, 1 }).Middleware(f.srv)
	first := httptest.NewRecorder()
	limited.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/fhir/metadata", nil))
	if first.Code != http.StatusOK {
		t.Fatalf("first request: %d", first.Code)
	}
	keep(limited, "/fhir/Slot", "fr-CA", http.StatusTooManyRequests)
	keep(limited, "/fhir/Location", "en", http.StatusTooManyRequests)

	// One request admitted and held inside: the limit of one is full, and
	// a search may not queue.
	entered, leave := make(chan struct{}), make(chan struct{})
	busy := controller(func(cfg *admission.Config) {
		cfg.InitialLimit, cfg.MinLimit, cfg.MaxLimit, cfg.MaxQueue = 1, 1, 1, 1
	}).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("block") {
			entered <- struct{}{}
			<-leave
		}
		f.srv.ServeHTTP(w, r)
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		busy.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/fhir/metadata?block=1", nil))
	}()
	<-entered
	keep(busy, "/fhir/Slot?service-type=general", "fr", http.StatusServiceUnavailable)
	keep(busy, "/fhir/Appointment/$find?visit-type=general", "en", http.StatusServiceUnavailable)
	close(leave)
	<-done

	refusals = append(refusals,
		admission.OperationOutcome("fr", "transient", "waiting_room", "Salle d'attente", "Personnes devant vous : 3 Attente estimée : environ 2 minutes."),
		admission.OperationOutcome("en", "transient", "waiting_room", "Waiting room", ""))
	validate(t, refusals)
}
