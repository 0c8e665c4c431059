package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rdv"
	"rdv/sqlite"
)

// axeEnv names the file of axe-core (axe.min.js) that the accessibility
// audits run. The project does not ship it: .ci/run installs it.
const axeEnv = "RDV_AXE_PATH"

// axeScript reads axe-core, or skips the test when it is not installed.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv(axeEnv)
	if path == "" {
		t.Skipf("accessibility audit skipped: %s is not set (.ci/run installs axe-core and sets it)", axeEnv)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("accessibility audit skipped: %s=%s cannot be read: %v", axeEnv, path, err)
	}
	return string(src)
}

// axeViolation is one rule a page breaks, as axe-core reports it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// audit runs axe-core on the page in the tab (WCAG 2.1 A and AA rules and
// axe's best practices) and fails the test on any violation, whatever its
// impact: a minor one is still a barrier to someone. script is
// axeScript's result. The
// audit runs from DevTools, so the page's Content-Security-Policy does not
// stop it.
func audit(t *testing.T, ctx context.Context, script, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](script)); err != nil {
		t.Fatalf("load axe-core on %s: %v", name, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}).then(r => ({violations: r.violations, passes: r.passes.length}))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", name, err)
	}
	var report struct {
		Violations []axeViolation `json:"violations"`
		Passes     int            `json:"passes"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatalf("read axe-core's report on %s: %v", name, err)
	}
	if report.Passes == 0 {
		t.Fatalf("axe-core checked no rule on %s", name)
	}
	t.Logf("%s: %d rules passed, %d violated", name, report.Passes, len(report.Violations))
	for _, v := range report.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		t.Errorf("%s: %s (%s) %s at %s", name, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
	}
}

// TestBrowserPatientPagesAccessible audits every patient page, in both
// languages: the search form, the results, the booking form (also with
// its messages), the appointment page, a cancelled one, a clinic's more
// times and an error page.
func TestBrowserPatientPagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			_, base := startServer(t)
			ctx := newBrowser(t, withAcceptLanguage(lang+"-CA"))
			step := func(name string) {
				t.Helper()
				audit(t, ctx, script, name)
				shot(t, ctx, name)
			}
			visit(t, ctx, base+"/")
			step("home")
			visit(t, ctx, base+"/recherche?lieu=Nulle-part")
			step("search-errors")
			searchAndChoose(t, ctx, base, lang)
			step("booking-form")
			fill(t, ctx, "first_name", "Léa", "health_number", "nope", "email", "nope")
			submit(t, ctx, `form.booking button[type=submit]`)
			step("booking-errors")
			fill(t, ctx, "last_name", "Tremblay", "birth_date", "1985-04-07", "health_number", "TREL85540712", "email", "lea@example.org")
			submit(t, ctx, `form.booking button[type=submit]`)
			step("appointment")
			submit(t, ctx, `a[href*="/annuler?"]`)
			step("cancel-confirmation")
			submit(t, ctx, `form.confirm-cancel button[type=submit]`)
			step("cancelled")
			visit(t, ctx, base+"/recherche/clinique/1?lieu=Montr%C3%A9al&rayon=25")
			step("more-times")
			visit(t, ctx, base+"/nulle-part")
			step("not-found")
		})
	}
}

// TestBrowserLivePagesAccessible audits the pages that update themselves,
// in both languages: the operators' live load page and the waiting room.
// Neither reloads itself (axe-core's meta-refresh rule); both update in
// place, and their pause button stops the updates.
func TestBrowserLivePagesAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			_, base := startServer(t)
			mustCreateOperator(t, base)
			op := newBrowser(t, withAcceptLanguage(lang+"-CA"))
			visit(t, op, base+"/connexion?retour=/operateur/charge")
			signInStaff(t, op, "operateur@reseau.example", operatorPassword)
			if loc := location(t, op); !strings.HasSuffix(loc, "/operateur/charge") {
				t.Fatalf("signed in to %s", loc)
			}
			audit(t, op, script, "load")
			shot(t, op, "load")
			// The figures change in place: the time stamp moves on while
			// the page (and a mark left on it) stays.
			if err := chromedp.Do(op, chromedp.Evaluate[chromedp.Void](`document.body.setAttribute("data-mark", "1")`)); err != nil {
				t.Fatal(err)
			}
			first := text(t, op, "#live p.hint")
			waitFor(t, op, "the figures updated in place", `document.querySelector("#live p.hint").textContent !== `+jsString(first)+` && document.body.getAttribute("data-mark") === "1"`)
			click(t, op, "#live-toggle")
			mustContain(t, op, "#live-state", map[string]string{"fr": "suspendue", "en": "paused"}[lang])
			paused := text(t, op, "#live p.hint")
			time.Sleep(3 * time.Second)
			if got := text(t, op, "#live p.hint"); got != paused {
				t.Errorf("the figures changed while paused: %q then %q", paused, got)
			}
			audit(t, op, script, "load paused")
		})
	}
}

// TestBrowserWaitingRoomAccessible audits the waiting page in both
// languages, with its landmarks and live region.
func TestBrowserWaitingRoomAccessible(t *testing.T) {
	t.Parallel()
	script := axeScript(t)
	path := smallNetworkDB(t, func(s *sqlite.Store) error {
		return s.SetModes(context.Background(), rdv.Modes{WaitingRoom: true})
	})
	_, base := startMain(t, "--db", path, "--waitroom-secret", strings.Repeat("s", 32), "--waitroom-rate", "0.001")
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := newBrowser(t, withAcceptLanguage(lang+"-CA"))
			if st := visit(t, ctx, base+"/recherche?lang="+lang); st != 503 {
				t.Fatalf("status %d, want the waiting page", st)
			}
			// The arrival page asks again within a second, in place: the
			// place in line replaces "getting you a place".
			arriving := text(t, ctx, "#place strong")
			waitFor(t, ctx, "the place asked again in place", `document.querySelector("#place strong").textContent !== `+jsString(arriving))
			if n := count(t, ctx, "main #place[role=status]"); n != 1 {
				t.Fatalf("no live place in main")
			}
			audit(t, ctx, script, "waiting room")
			shot(t, ctx, "waiting room")
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
