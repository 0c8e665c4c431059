package main

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// visitor is a browser without JavaScript over real HTTP: it keeps its
// cookies, follows redirects, posts forms with the fields a browser
// would send, and hands every answer to seen.
type visitor struct {
	t    *testing.T
	base string
	c    *http.Client
	seen *seen
}

func newVisitor(t *testing.T, base string, s *seen) *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, seen: s}
}

// answer is a page as the visitor got it, after the redirects.
type answer struct {
	status int
	url    *url.URL
	body   string
}

func (v *visitor) do(req *http.Request) answer {
	v.t.Helper()
	res, err := v.c.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	v.seen.add(b)
	return answer{status: res.StatusCode, url: res.Request.URL, body: string(b)}
}

// get opens a page of the site, and fails the test unless it answers
// want.
func (v *visitor) get(path string, want int) answer {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.base+path, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	a := v.do(req)
	if a.status != want {
		v.t.Fatalf("GET %s: status %d, want %d:\n%s", path, a.status, want, a.body)
	}
	return a
}

// submit posts the form of page whose opening tag holds marker, as a
// browser would: its fields with what they hold, then set over them.
// It returns the page the post leads to, which must answer want (0:
// any).
func (v *visitor) submit(from answer, marker string, set url.Values, want int) answer {
	v.t.Helper()
	action, form := formOf(v.t, from.body, marker)
	for k, vals := range set {
		form[k] = vals
	}
	return v.send(from, action, form, want)
}

// post posts form to action with the form token of page from, as the
// page's script or a form built in the page would.
func (v *visitor) post(from answer, action string, form url.Values, want int) answer {
	v.t.Helper()
	m := csrfRe.FindStringSubmatch(from.body)
	if m == nil {
		v.t.Fatalf("no form token on %s", from.url)
	}
	form.Set("csrf", html.UnescapeString(m[1]))
	return v.send(from, action, form, want)
}

func (v *visitor) send(from answer, action string, form url.Values, want int) answer {
	v.t.Helper()
	target, err := from.url.Parse(action)
	if err != nil {
		v.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	a := v.do(req)
	if want != 0 && a.status != want {
		v.t.Fatalf("POST %s: status %d, want %d:\n%s", target.Path, a.status, want, a.body)
	}
	return a
}

// call sends a JSON request to the API with the visitor's cookies and
// returns the decoded answer, failing unless it is want. header adds
// headers, in pairs.
func (v *visitor) call(method, path string, body any, want int, header ...string) map[string]any {
	v.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			v.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, v.base+path, rd)
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	a := v.do(req)
	if a.status != want {
		v.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.status, want, a.body)
	}
	var out map[string]any
	if strings.HasPrefix(a.body, "{") {
		if err := json.Unmarshal([]byte(a.body), &out); err != nil {
			v.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

var (
	formTag   = regexp.MustCompile(`(?s)<form\b[^>]*>`)
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	attrRe    = regexp.MustCompile(`\b(name|type|value)="([^"]*)"`)
	actionRe  = regexp.MustCompile(`\baction="([^"]*)"`)
	selectTag = regexp.MustCompile(`(?s)<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>`)
	chosenOpt = regexp.MustCompile(`<option value="([^"]*)"[^>]*\bselected>`)
	firstOpt  = regexp.MustCompile(`<option value="([^"]*)"`)
)

// formOf returns the action of the first form of page whose opening tag
// holds marker, and what a browser would post from it untouched: its
// inputs, ticked boxes and chosen options (the first when none is).
func formOf(t *testing.T, page, marker string) (string, url.Values) {
	t.Helper()
	for _, loc := range formTag.FindAllStringIndex(page, -1) {
		open := page[loc[0]:loc[1]]
		if !strings.Contains(open, marker) {
			continue
		}
		end := strings.Index(page[loc[1]:], "</form>")
		if end < 0 {
			t.Fatalf("form %s is not closed", marker)
		}
		body := page[loc[1] : loc[1]+end]
		v := url.Values{}
		for _, tag := range inputTag.FindAllString(body, -1) {
			a := map[string]string{}
			for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
				a[m[1]] = html.UnescapeString(m[2])
			}
			if a["name"] == "" || (a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(tag, " checked") {
				continue
			}
			v.Add(a["name"], a["value"])
		}
		for _, m := range selectTag.FindAllStringSubmatch(body, -1) {
			o := chosenOpt.FindStringSubmatch(m[2])
			if o == nil {
				o = firstOpt.FindStringSubmatch(m[2])
			}
			if o != nil {
				v.Set(m[1], html.UnescapeString(o[1]))
			}
		}
		action := ""
		if m := actionRe.FindStringSubmatch(open); m != nil {
			action = html.UnescapeString(m[1])
		}
		return action, v
	}
	t.Fatalf("no form %s on the page:\n%s", marker, page)
	return "", nil
}
