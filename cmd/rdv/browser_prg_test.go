package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// documentLoads records the page requests of a tab: for each, where it
// ended (after any redirect) and by which method, in order. An entry of
// the browser's history comes from the last request that ended on its
// address.
type documentLoads struct {
	mu    sync.Mutex
	order []network.RequestID
	last  map[network.RequestID]step // the last step of each request
	posts int                        // page requests sent as POST
}

type step struct{ url, method string }

func (d *documentLoads) see(ev any) {
	e, ok := ev.(*network.EventRequestWillBeSent)
	if !ok || e.Type != network.ResourceTypeDocument || e.Request == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, seen := d.last[e.RequestID]; !seen {
		d.order = append(d.order, e.RequestID)
	}
	d.last[e.RequestID] = step{e.Request.URL, e.Request.Method} // a redirect's next step replaces the one before
	if e.Request.Method == "POST" {
		d.posts++
	}
}

// method is the method of the last request that ended on url, "" if none.
func (d *documentLoads) method(url string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := ""
	for _, id := range d.order {
		if st := d.last[id]; st.url == url {
			m = st.method
		}
	}
	return m
}

func (d *documentLoads) postCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.posts
}

// TestBrowserBackAfterCorrectedForm (issue 11, item 2, post/redirect/get):
// JavaScript off, at phone width, a parent sends the booking form with
// an error, corrects it and books, then goes Back twice. Every entry of
// the history came from a GET, so Chromium never asks to send a form
// again; Back leads to the appointment.
func TestBrowserBackAfterCorrectedForm(t *testing.T) {
	t.Parallel()
	// No axe-core audit here: it needs scripts; the same pages are
	// audited with scripts on in TestBrowserBookingErrorsAndGuardian and
	// TestBrowserBackAfterBooking.
	_, base := startServer(t)
	ctx := newBrowser(t, withWindow(390, 844), withoutJavaScript())
	loads := &documentLoads{last: map[network.RequestID]step{}}
	if err := chromedp.Listen(ctx, loads.see); err != nil {
		t.Fatalf("listen: %v", err)
	}
	visit(t, ctx, holdFlowSearch(base))
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("booking form: status %d", status)
	}
	form := location(t, ctx)

	fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07", "phone", "514 555-0123")
	click(t, ctx, `input[name=notify_email]`) // no email given: no confirmation by email
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("form with a field missing: status %d, want 200 from the form's page", status)
	}
	if got := location(t, ctx); got != form {
		t.Fatalf("form with errors shown at %s, want the form's own page %s", got, form)
	}
	if m := loads.method(form); m != "GET" {
		t.Fatalf("the form with its messages came from a %s", m)
	}
	mustContain(t, ctx, ".summary", "Numéro d'assurance maladie")
	if attr(t, ctx, "#f-health-number", "aria-invalid") != "true" || fieldValue(t, ctx, "first_name") != "Léa" {
		t.Fatal("the form's page lost the message by the field or what was typed")
	}
	shot(t, ctx, "form-errors")

	fill(t, ctx, "health_number", "TREL85540712")
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("booking: status %d", status)
	}
	appt := location(t, ctx)
	if !strings.Contains(appt, "/rendez-vous/") {
		t.Fatalf("booking led to %s", appt)
	}
	shot(t, ctx, "appointment")

	// Every entry of the history came from a GET: none asks to send a
	// form again.
	history, err := chromedp.Run(ctx, chromedp.Action[page.GetNavigationHistoryResult](
		func(ctx context.Context, tg *chromedp.Target) (page.GetNavigationHistoryResult, error) {
			return cdp.Call(ctx, tg, page.GetNavigationHistory, cdp.Empty{})
		}))
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	for i, e := range history.Entries {
		t.Logf("history %d: %s", i, e.URL)
		if m := loads.method(e.URL); m != "GET" && !strings.HasPrefix(e.URL, "about:") {
			t.Errorf("history entry %d (%s) came from a %s", i, e.URL, m)
		}
	}

	// Back twice: each page comes by a GET, none is the browser's
	// "confirm form resubmission" error page, and each leads to the
	// appointment.
	posts := loads.postCount()
	for i := 1; i <= 2; i++ {
		if err := chromedp.Do(ctx, chromedp.NavigateBack()); err != nil {
			t.Fatalf("back %d: %v", i, err)
		}
		waitFor(t, ctx, "the page after Back", `document.readyState === "complete"`)
		got := location(t, ctx)
		if strings.HasPrefix(got, "chrome-error:") || count(t, ctx, "h1") == 0 {
			t.Fatalf("back %d: the browser shows an error page at %s", i, got)
		}
		if loads.postCount() != posts {
			t.Fatalf("back %d: a form was sent again", i)
		}
		if got != form {
			t.Fatalf("back %d: at %s, want the form's page %s that leads to the appointment", i, got, form)
		}
		mustContain(t, ctx, "h1", "Ce rendez-vous est déjà réservé")
		shot(t, ctx, "back-"+string(rune('0'+i)))
	}
	if status := submit(t, ctx, `main a.button[href*="/rendez-vous/"]`); status != 200 {
		t.Fatalf("appointment from Back: status %d", status)
	}
	if got := location(t, ctx); got != appt {
		t.Fatalf("Back leads to %s, want the appointment %s", got, appt)
	}
	mustContain(t, ctx, "main", "Léa Tremblay")
}
