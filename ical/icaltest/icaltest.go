// Package icaltest reads iCalendar files as strictly as RFC 5545 asks of
// what rdv writes, for the tests of the pages and of the emails that
// carry them.
package icaltest

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Component is one component of a parsed iCalendar object: its
// properties by name (values unescaped for TEXT, as written otherwise)
// and its sub-components.
type Component struct {
	Name  string
	Props map[string][]string
	Subs  []*Component
}

// Prop returns the one value of a property, or "" when it is absent.
func (c *Component) Prop(name string) string {
	if v := c.Props[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Components returns the sub-components of that name.
func (c *Component) Components(name string) []*Component {
	var out []*Component
	for _, s := range c.Subs {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Event returns the calendar's one event, failing t unless there is
// exactly one.
func (c *Component) Event(t testing.TB) *Component {
	t.Helper()
	events := c.Components("VEVENT")
	if len(events) != 1 {
		t.Fatalf("calendar holds %d events, want 1", len(events))
	}
	return events[0]
}

// Sequence reads an event's SEQUENCE.
func (c *Component) Sequence(t testing.TB) int {
	t.Helper()
	n, err := strconv.Atoi(c.Prop("SEQUENCE"))
	if err != nil {
		t.Fatalf("SEQUENCE: %v", err)
	}
	return n
}

// rules are what RFC 5545 asks of the properties that rdv writes, per
// component: required and at most once (1), optional and at most once (?),
// and the shape of the value.
var rules = map[string]map[string]struct {
	occur string
	value *regexp.Regexp
}{
	"VCALENDAR": {
		"VERSION":  {"1", regexp.MustCompile(`^2\.0$`)},
		"PRODID":   {"1", nil},
		"CALSCALE": {"?", regexp.MustCompile(`^GREGORIAN$`)},
		"METHOD":   {"?", regexp.MustCompile(`^[A-Z-]+$`)},
		// A feed's name (RFC 7986, and the older name more calendars
		// read) and how often to fetch it again.
		"NAME":            {"?", nil},
		"X-WR-CALNAME":    {"?", nil},
		"X-PUBLISHED-TTL": {"?", duration},
	},
	"VEVENT": {
		"UID":         {"1", nil},
		"DTSTAMP":     {"1", utcTime},
		"DTSTART":     {"1", utcTime},
		"DTEND":       {"?", utcTime},
		"SUMMARY":     {"?", nil},
		"LOCATION":    {"?", nil},
		"DESCRIPTION": {"?", nil},
		"URL":         {"?", nil},
		"SEQUENCE":    {"?", regexp.MustCompile(`^(0|[1-9][0-9]*)$`)},
		"STATUS":      {"?", regexp.MustCompile(`^(TENTATIVE|CONFIRMED|CANCELLED)$`)},
	},
	"VALARM": {
		"ACTION":      {"1", regexp.MustCompile(`^DISPLAY$`)},
		"TRIGGER":     {"1", regexp.MustCompile(`^[+-]?` + duration.String()[1:])},
		"DESCRIPTION": {"1", nil},
	},
}

var (
	utcTime  = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	duration = regexp.MustCompile(`^P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$`)
	propName = regexp.MustCompile(`^[A-Z][A-Z0-9-]*$`)
)

// text lists the TEXT properties, whose values are escaped (§3.3.11).
var text = map[string]bool{"SUMMARY": true, "LOCATION": true, "DESCRIPTION": true, "UID": true, "PRODID": true, "NAME": true, "X-WR-CALNAME": true}

// parseError is a departure from RFC 5545 that Parse found.
type parseError struct{ msg string }

// fail stops the parse at the first departure.
func fail(format string, args ...any) { panic(parseError{fmt.Sprintf(format, args...)}) }

// MustParse parses body with Parse and fails the test at the first
// departure; then it reads body again with Independent, and fails unless
// the second parser takes it too and finds the same events: the same
// UIDs, SEQUENCEs, starts and links, in the same order.
func MustParse(t testing.TB, body string) *Component {
	t.Helper()
	cal, err := Parse(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if err := agree(cal, body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return cal
}

// agree checks that Independent reads body's events as Parse read them.
func agree(cal *Component, body string) error {
	checked, err := Independent(body)
	if err != nil {
		return err
	}
	events := cal.Components("VEVENT")
	if len(checked) != len(events) {
		return fmt.Errorf("golang-ical reads %d events, Parse %d", len(checked), len(events))
	}
	for i, ev := range events {
		c := checked[i]
		if c.UID != ev.Prop("UID") || strconv.Itoa(c.Sequence) != ev.Prop("SEQUENCE") || c.URL != ev.Prop("URL") ||
			c.Start.UTC().Format("20060102T150405Z") != ev.Prop("DTSTART") {
			return fmt.Errorf("event %d: golang-ical reads %+v, Parse %v", i+1, c, ev.Props)
		}
	}
	return nil
}

// Parse reads an iCalendar object as strictly as RFC 5545 asks of what
// rdv writes: CRLF line endings only, lines of at most 75 octets folded
// with one space, valid UTF-8 never split by a fold, NAME:value lines
// with known names, TEXT values escaped (no bare comma or semicolon, only
// the escapes \\ \; \, \n), components nested and closed, required
// properties present once and none twice, and values of the right shape.
// It returns the VCALENDAR, or the first departure.
func Parse(body string) (cal *Component, err error) {
	defer func() {
		switch e := recover().(type) {
		case nil:
		case parseError:
			cal, err = nil, fmt.Errorf("calendar: %s", e.msg)
		default:
			panic(e)
		}
	}()
	if !strings.HasSuffix(body, "\r\n") {
		fail("calendar does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			fail("line %d has a bare line break: %q", i+1, l)
		}
		if len(l) > 75 {
			fail("line %d has %d octets, more than 75: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			fail("line %d is not whole UTF-8 (a fold split a character?): %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				fail("line %d continues nothing", i+1)
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []*Component
	var root *Component
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !propName.MatchString(name) {
			fail("not a NAME:value line: %q", l)
		}
		switch name {
		case "BEGIN":
			c := &Component{Name: value, Props: map[string][]string{}}
			if _, known := rules[value]; !known {
				fail("unknown component %s", value)
			}
			if len(stack) == 0 {
				if root != nil || value != "VCALENDAR" {
					fail("BEGIN:%s outside the one VCALENDAR", value)
				}
				root = c
			} else {
				parent := stack[len(stack)-1]
				if want := map[string]string{"VEVENT": "VCALENDAR", "VALARM": "VEVENT"}[value]; want != parent.Name {
					fail("%s inside %s", value, parent.Name)
				}
				parent.Subs = append(parent.Subs, c)
			}
			stack = append(stack, c)
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].Name != value {
				fail("END:%s does not close the open component", value)
			}
			checkOccurrences(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 {
			fail("property outside any component: %q", l)
		}
		c := stack[len(stack)-1]
		rule, known := rules[c.Name][name]
		if !known {
			fail("property %s is not one %s takes here", name, c.Name)
		}
		if text[name] {
			value = unescape(name, value)
		}
		if rule.value != nil && !rule.value.MatchString(value) {
			fail("%s %s has a malformed value %q", c.Name, name, value)
		}
		c.Props[name] = append(c.Props[name], value)
	}
	if len(stack) != 0 || root == nil {
		fail("calendar not closed")
	}
	if len(root.Components("VEVENT")) == 0 {
		fail("calendar holds no event")
	}
	return root, nil
}

// checkOccurrences checks the occurrences of a component's properties.
func checkOccurrences(c *Component) {
	for name, rule := range rules[c.Name] {
		n := len(c.Props[name])
		if n > 1 || rule.occur == "1" && n == 0 {
			fail("%s has %s %d times", c.Name, name, n)
		}
	}
}

// unescape undoes TEXT escaping and fails on a bare comma or semicolon
// or an unknown escape.
func unescape(name, v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ',', ';':
			fail("%s has a bare %q: %q", name, c, v)
		case '\\':
			if i+1 == len(v) {
				fail("%s ends with a lone backslash: %q", name, v)
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				fail("%s has the unknown escape \\%c: %q", name, v[i], v)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// AbsoluteURL fails unless u is an absolute http(s) URL.
func AbsoluteURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return fmt.Errorf("%q is no absolute http(s) URL", u)
	}
	return nil
}
