package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer collects log lines from the handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsKeepNoPatientData books and cancels with every request logged,
// and fails if the log holds a name, a health number, a phone, a hold ID
// or a cancel token.
func TestLogsKeepNoPatientData(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	var logged lockedBuffer
	srv, err := New(Deps{Engine: s.engine, Index: s.index, Store: s.store, Secret: testSecret,
		Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.srv, s.api = srv, http.NotFoundHandler()

	formURL := s.holdFirst("fr")
	s.sentBack(s.post(formURL, url.Values{"first_name": {"Julie"}}, "fr"), "fr")
	appt := s.post(formURL, adult("fr"), "fr").want(t, http.StatusSeeOther).location(t)
	s.get(appt, "fr").want(t, http.StatusOK)
	num, token := linkParts(t, appt)
	id := strings.TrimPrefix(strings.Split(appt, "?")[0], "/rendez-vous/")
	s.get(cancelURL(num, token), "fr").want(t, http.StatusOK)
	s.post("/rendez-vous/"+id+"/annuler", url.Values{"token": {token}}, "fr").want(t, http.StatusSeeOther)

	log := logged.String()
	if !strings.Contains(log, "route=\"POST /reservation/{hold}\"") {
		t.Fatalf("requests not logged by route:\n%s", log)
	}
	for _, secret := range []string{"Julie", "Tremblay", "TREJ", "9055", "555-0199", strings.TrimPrefix(formURL, "/reservation/"), token} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}

// TestSearchByTimeOfDay: the test network works mornings only.
func TestSearchByTimeOfDay(t *testing.T) {
	t.Parallel()
	s := mustOpenSite(t)
	tests := []struct {
		moments []string
		found   bool
	}{
		{nil, true},
		{[]string{"matin"}, true},
		{[]string{"apres-midi"}, false},
		{[]string{"soir"}, false},
		{[]string{"apres-midi", "matin"}, true},
	}
	for _, tt := range tests {
		q := s.searchQuery()
		for _, m := range tt.moments {
			q += "&moment=" + m
		}
		page := s.get(q, "fr").want(t, http.StatusOK)
		if found := strings.Contains(page.body, `action="/reserver"`); found != tt.found {
			t.Errorf("moments %v: found %v, want %v", tt.moments, found, tt.found)
		}
		for _, m := range tt.moments {
			if !strings.Contains(page.body, `value="`+m+`" checked`) {
				t.Errorf("moment %s not kept ticked", m)
			}
		}
	}
}
