package main

import (
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserRequestSentReloadAndBack (issue 11, item 2, post/redirect/
// get): JavaScript off, at phone width, a person sends the request form,
// then reloads the confirmation, goes Back and Forward. The confirmation
// is a page of its own reached by a GET: no step sends the request again
// or shows the browser's resubmit page, and the reference stays readable.
func TestBrowserRequestSentReloadAndBack(t *testing.T) {
	t.Parallel()
	// No axe-core audit here: it needs scripts; the confirmation is
	// audited with scripts on in TestBrowserMorePatientPagesAccessible.
	_, base := startServer(t)
	ctx := newBrowser(t, withWindow(390, 844), withoutJavaScript())
	loads := &documentLoads{last: map[network.RequestID]step{}}
	if err := chromedp.Listen(ctx, loads.see); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if status := visit(t, ctx, base+"/demande"); status != 200 {
		t.Fatalf("request form: status %d", status)
	}
	form := location(t, ctx)
	fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "1985-04-07", "health_number", "TREL85540712",
		"phone", "514-555-0123", "place", "Montréal", "availability", "les matins", "payment", "tok-demo")
	if status := submit(t, ctx, `form[action="/demande"] button[type=submit]`); status != 200 {
		t.Fatalf("request: status %d", status)
	}
	sent := location(t, ctx)
	if sent != base+"/demande/envoyee" {
		t.Fatalf("the request led to %s, want its confirmation's page", sent)
	}
	if m := loads.method(sent); m != "GET" {
		t.Fatalf("the confirmation came from a %s", m)
	}
	reference := regexp.MustCompile(`D-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)
	ref := reference.FindString(text(t, ctx, "main .reference"))
	if ref == "" {
		t.Fatalf("no reference on the confirmation: %q", text(t, ctx, "main"))
	}
	shot(t, ctx, "sent")
	posts := loads.postCount()

	// Reload, Back, Forward: each by a GET, none sends the form again or
	// ends on the browser's error page.
	for _, move := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
		want   string
	}{
		{"reload", chromedp.Reload(), sent},
		{"back", chromedp.NavigateBack(), form},
		{"forward", chromedp.NavigateForward(), sent},
	} {
		if err := chromedp.Do(ctx, move.action); err != nil {
			t.Fatalf("%s: %v", move.name, err)
		}
		waitFor(t, ctx, "the page after "+move.name, `document.readyState === "complete"`)
		got := location(t, ctx)
		if got != move.want || count(t, ctx, "h1") == 0 {
			t.Fatalf("%s: at %s, want %s shown", move.name, got, move.want)
		}
		if loads.postCount() != posts {
			t.Fatalf("%s: the request was sent again", move.name)
		}
		if got == sent {
			if again := reference.FindString(text(t, ctx, "main .reference")); again != ref {
				t.Fatalf("%s: reference %q, want %q still readable", move.name, again, ref)
			}
		}
		shot(t, ctx, move.name)
	}
}
