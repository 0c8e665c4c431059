package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// waitFor waits until a JavaScript expression is true in the page, for
// what the page's script does after it loads.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v (page %s)", what, err, location(t, ctx))
	}
}

// placeBrowserAt grants the page the position of a person in Montréal.
func placeBrowserAt(t *testing.T, ctx context.Context, lat, lon float64) {
	t.Helper()
	accuracy := 50.0
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted,
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &accuracy})
		return err
	}))
	if err != nil {
		t.Fatalf("set the browser's position: %v", err)
	}
}

// TestBrowserEnhancements uses what the script adds: place suggestions
// as one types, "near me", the countdown of the hold, then changes the
// booked appointment's time from its page. With RDV_AXE_PATH set, every
// page the script changes is audited.
func TestBrowserEnhancements(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	ctx := newBrowser(t)
	script := ""
	if axe := axeScriptOrEmpty(t); axe != "" {
		script = axe
	}
	step := func(name string) {
		t.Helper()
		if script != "" {
			audit(t, ctx, script, name)
		}
		shot(t, ctx, name)
	}

	// Suggestions: typing a prefix fills the field's list from the API.
	visit(t, ctx, base+"/")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#f-lieu"), "Sherb")); err != nil {
		t.Fatalf("type in the place field: %v", err)
	}
	// The page comes with the forty biggest towns; the API answers eight.
	waitFor(t, ctx, "suggestions", `document.querySelectorAll("#places option").length <= 8 && [...document.querySelectorAll("#places option")].some(o => o.value === "Sherbrooke")`)
	step("suggestions")

	// Near me: the button shows, and searches around the position.
	placeBrowserAt(t, ctx, 45.5236, -73.5800)
	visit(t, ctx, base+"/")
	waitFor(t, ctx, "the near-me button", `!document.getElementById("near-me").hidden`)
	step("near-me-button")
	if status := submit(t, ctx, "#near-me"); status != 200 {
		t.Fatalf("search near me: status %d", status)
	}
	mustContain(t, ctx, "main", "votre position")
	if !strings.Contains(location(t, ctx), "near=") {
		t.Errorf("the search near me went to %s, without the position", location(t, ctx))
	}
	step("results-near-me")

	// The countdown of the hold.
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("booking form: status %d", status)
	}
	waitFor(t, ctx, "the countdown", `!document.getElementById("held-timer").hidden && /min/.test(document.getElementById("held-timer").textContent)`)
	mustContain(t, ctx, "#held-timer", "Temps restant")
	step("countdown")

	// Book, then change the time from the appointment page.
	fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07",
		"health_number", "TREL85540712", "email", "lea@example.org")
	if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
		t.Fatalf("confirmation: status %d", status)
	}
	before := text(t, ctx, "dl.slot-details")
	if status := submit(t, ctx, `a[href*="/changer?"]`); status != 200 {
		t.Fatalf("other times: status %d", status)
	}
	mustContain(t, ctx, "h1", "Changer l'heure")
	step("reschedule-times")
	if status := submit(t, ctx, `ol.slots li button[type=submit]`); status != 200 {
		t.Fatalf("confirm page: status %d", status)
	}
	mustContain(t, ctx, "h1", "Confirmer le changement")
	waitFor(t, ctx, "the countdown", `!document.getElementById("held-timer").hidden`)
	step("reschedule-confirm")
	if status := submit(t, ctx, `main form button[type=submit]`); status != 200 {
		t.Fatalf("rescheduled: status %d", status)
	}
	mustContain(t, ctx, ".notice", "déplacé")
	if after := text(t, ctx, "dl.slot-details"); after == before {
		t.Errorf("the appointment still shows %q", before)
	}
	step("rescheduled")
}

// axeScriptOrEmpty reads axe-core when RDV_AXE_PATH names it, or returns
// "" so that the test runs without the audit.
func axeScriptOrEmpty(t *testing.T) string {
	t.Helper()
	var src string
	t.Run("axe", func(t *testing.T) { src = axeScript(t) })
	return src
}
