package main

// Browser tests drive Debian's headless Chromium through chromedp against
// the real server (startServer). The functions of this file are shared by
// every cmd/rdv/browser_*_test.go: open a browser with newBrowser, go to a
// page with visit, fill a form with fill and send it with submit, read the
// page with text, and save each step with shot.
//
// A typical test:
//
//	_, base := startServer(t)
//	ctx := newBrowser(t)
//	visit(t, ctx, base+"/")
//	shot(t, ctx, "search")
//	fill(t, ctx, "lieu", "Montréal")
//	if status := submit(t, ctx, `form.search button[type=submit]`); status != 200 { ... }

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium: the tests never download a browser.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds a whole browser test, browser start included: a
// shared 2-core machine starts Chromium slowly, but a stuck page must not
// hang the package until go test's own deadline.
const browserTimeout = 2 * time.Minute

// browserConfig is what the options of newBrowser set.
type browserConfig struct {
	acceptLanguage string
	width, height  int
	noScript       bool
	timeout        time.Duration
}

// browserOption changes how newBrowser opens the browser.
type browserOption func(*browserConfig)

// withAcceptLanguage sends this Accept-Language header with every request
// (the default is "fr-CA,fr;q=0.9", a browser set to French).
func withAcceptLanguage(header string) browserOption {
	return func(c *browserConfig) { c.acceptLanguage = header }
}

// withWindow sets the size of the window in CSS pixels (the default is a
// phone held upright, 412×900: most patients book from a phone).
func withWindow(width, height int) browserOption {
	return func(c *browserConfig) { c.width, c.height = width, height }
}

// withoutJavaScript turns JavaScript off in the tab, to show that a flow
// works with plain forms and links.
func withoutJavaScript() browserOption {
	return func(c *browserConfig) { c.noScript = true }
}

// withTimeout replaces browserTimeout for one test.
func withTimeout(d time.Duration) browserOption {
	return func(c *browserConfig) { c.timeout = d }
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// the context of its one tab, to pass to every other function of this
// file. The browser stops when the test ends or when its timeout runs out.
// A test calling newBrowser skips when Chromium is not installed. Script
// errors and Content-Security-Policy violations in the tab fail the test.
func newBrowser(t *testing.T, opts ...browserOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: Chromium is not installed at %s (apt-get install chromium)", chromiumPath)
	}
	cfg := browserConfig{acceptLanguage: "fr-CA,fr;q=0.9", width: 412, height: 900, timeout: browserTimeout}
	for _, o := range opts {
		o(&cfg)
	}

	profile := t.TempDir()
	timeoutCtx, stopTimeout := context.WithTimeout(context.Background(), cfg.timeout)
	allocCtx, stopAlloc := chromedp.NewExecAllocator(timeoutCtx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(cfg.width, cfg.height),
		chromedp.UserDataDir(profile),
	)
	ctx, stopTab := chromedp.NewContext(allocCtx)

	var mu sync.Mutex
	var problems []string
	t.Cleanup(func() {
		stopTab()
		stopAlloc()
		stopTimeout()
		// Chromium's children may still write in the profile for a moment
		// after it stops; empty it before t.TempDir removes it.
		for range 50 {
			if err := os.RemoveAll(profile); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
	})

	// Starting the tab starts the browser.
	if err := chromedp.Listen(ctx, func(ev any) {
		var problem string
		switch ev := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			problem = "script error: " + exceptionText(ev.ExceptionDetails)
		case *cdplog.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == cdplog.EntryLevelError && strings.Contains(ev.Entry.Text, "Content Security Policy") {
				problem = "blocked by the Content-Security-Policy: " + ev.Entry.Text
			}
		}
		if problem != "" {
			mu.Lock()
			problems = append(problems, problem)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	setup := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": cfg.acceptLanguage},
			})
			return err
		}),
	}
	if cfg.noScript {
		setup = append(setup, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	if err := chromedp.Do(ctx, setup...); err != nil {
		t.Fatalf("set up the tab: %v", err)
	}
	return ctx
}

// exceptionText gives the message of a script error with where it was.
func exceptionText(d *cdpruntime.ExceptionDetails) string {
	if d == nil {
		return "unknown"
	}
	msg := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		msg = d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1)
}

// visit loads url in the tab and returns the HTTP status of the page.
func visit(t *testing.T, ctx context.Context, url string) int64 {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("visit %s: %v", url, err)
	}
	return res.Status
}

// fill sets form fields by their name attribute, given as pairs: name,
// value, name, value... It works for text, date, email and tel inputs,
// text areas and selects (the value of the option). When several forms
// have a field of that name, the first one gets the value; tick boxes
// with click.
func fill(t *testing.T, ctx context.Context, pairs ...string) {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("fill: %d arguments, want name and value pairs", len(pairs))
	}
	for i := 0; i < len(pairs); i += 2 {
		sel := fmt.Sprintf(`[name=%q]`, pairs[i])
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(sel), pairs[i+1])); err != nil {
			t.Fatalf("fill %s: %v", pairs[i], err)
		}
	}
}

// click clicks the first element that the CSS selector matches, without
// waiting for a page: for tick boxes, radio buttons and scripted controls.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// submit clicks the button or link that the CSS selector matches, waits
// for the page it leads to (after any redirect) and returns its HTTP
// status.
func submit(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	return res.Status
}

// text returns the visible text of the first element that the CSS selector
// matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// count returns how many elements the CSS selector matches now.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// location returns the URL of the page in the tab.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("location: %v", err)
	}
	return u
}

// mustContain fails the test unless the text of the element that the CSS
// selector matches contains want.
func mustContain(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if got := text(t, ctx, sel); !strings.Contains(got, want) {
		t.Fatalf("%s says %q, want it to contain %q (page %s)", sel, got, want, location(t, ctx))
	}
}

// shotsTaken numbers each test's screenshots.
var shotsTaken = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// shot saves a PNG of the whole page, not only the window, as
// testoutput/<test name>/NN-name.png at the root of the repository, NN
// counting the test's shots from 01. The test's folder is emptied at its
// first shot, so it holds only the last run's.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "testoutput", strings.NewReplacer("/", "__", " ", "_").Replace(t.Name()))
	shotsTaken.Lock()
	shotsTaken.n[t.Name()]++
	n := shotsTaken.n[t.Name()]
	shotsTaken.Unlock()
	if n == 1 {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatalf("empty %s: %v", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is a PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
}

// repoRoot finds the repository's root: the folder of go.mod above the
// package being tested.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// TestBrowserHomePage checks that the browser helpers work: the home page
// loads in French, a screenshot is saved.
func TestBrowserHomePage(t *testing.T) {
	t.Parallel()
	_, base := startServer(t)
	ctx := newBrowser(t)
	if status := visit(t, ctx, base+"/"); status != 200 {
		t.Fatalf("home page: status %d", status)
	}
	mustContain(t, ctx, "h1", "Trouver un rendez-vous")
	shot(t, ctx, "home")
	file := filepath.Join(repoRoot(t), "testoutput", t.Name(), "01-home.png")
	if info, err := os.Stat(file); err != nil || info.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", file, err)
	}
}
