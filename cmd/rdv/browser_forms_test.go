package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// attr returns an attribute of the first element the selector matches
// ("" when it has none).
func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)?.getAttribute(%q)) || ""`, sel, name)))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

// TestBrowserBookingErrorsAndGuardian, on a phone (390 px wide): a booking
// form with a future birth date and an 11-character health number shows
// both errors at once, each by its field and in the summary at the top;
// a child of 7 without a guardian is refused with a message on the
// guardian's section; with a parent who gives neither a health number nor
// a birth date, the child is booked. Each step is audited with axe-core
// when RDV_AXE_PATH is set, and photographed.
func TestBrowserBookingErrorsAndGuardian(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			_, base := startServer(t)
			ctx := newBrowser(t, withAcceptLanguage(lang+"-CA"), withWindow(390, 844))
			script := ""
			if os.Getenv(axeEnv) != "" {
				script = axeScript(t)
			}
			step := func(name string) {
				t.Helper()
				if script != "" {
					audit(t, ctx, script, name)
				}
				shot(t, ctx, name)
			}
			searchAndChoose(t, ctx, base, lang)
			fill(t, ctx, "first_name", "Léa", "last_name", "Tremblay", "birth_date", "2999-01-01", "health_number", "TREL 8554 071", "phone", "514 555-0123")
			click(t, ctx, `input[name=notify_email]`) // no email given: no confirmation by email
			// Sent back by a redirect to the form's page, which shows the
			// messages (post/redirect/get).
			if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
				t.Fatalf("form with two errors: status %d, want 200 from the form's page", status)
			}
			if n := count(t, ctx, `.summary[role=alert] li a`); n != 2 {
				t.Fatalf("summary lists %d errors, want 2 (birth date and health number)", n)
			}
			for _, id := range []string{"f-birth-date", "f-health-number"} {
				if attr(t, ctx, "#"+id, "aria-invalid") != "true" || count(t, ctx, `.summary a[href="#`+id+`"]`) != 1 || count(t, ctx, "#"+id+"-error") != 1 {
					t.Fatalf("field %s is not marked, described and linked from the summary", id)
				}
			}
			step("two-errors-at-once")

			seven := time.Now().AddDate(-7, 0, 0).Format("2006-01-02")
			hn := "TREL" + seven[2:4] + seven[5:7] + seven[8:10] + "12"
			fill(t, ctx, "first_name", "Léo", "birth_date", seven, "health_number", hn)
			if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
				t.Fatalf("child of 7 alone: status %d, want 200 from the form's page", status)
			}
			if count(t, ctx, `#f-guardian.error`) != 1 || count(t, ctx, `.summary a[href="#f-guardian"]`) != 1 {
				t.Fatalf("no guardian message by the guardian's section")
			}
			step("child-without-guardian")

			click(t, ctx, `[name=for_child]`)
			fill(t, ctx, "guardian_first_name", "Chloé", "guardian_last_name", "Tremblay", "guardian_relationship", "parent", "guardian_phone", "418 555-0144")
			step("guardian-filled")
			if status := submit(t, ctx, `form.booking button[type=submit]`); status != 200 {
				t.Fatalf("child with a parent: status %d, want the appointment", status)
			}
			mustContain(t, ctx, "main", "Léo Tremblay")
			step("child-booked")
		})
	}
}
