package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// icsComponent is one component of a parsed iCalendar object: its
// properties by name (values unescaped for TEXT, as written otherwise)
// and its sub-components.
type icsComponent struct {
	Name  string
	Props map[string][]string
	Subs  []*icsComponent
}

// prop returns the one value of a property, or "" when it is absent.
func (c *icsComponent) prop(name string) string {
	if v := c.Props[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// subs returns the sub-components of that name.
func (c *icsComponent) subs(name string) []*icsComponent {
	var out []*icsComponent
	for _, s := range c.Subs {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// icsRules are what RFC 5545 asks of the properties that rdv writes, per
// component: required and at most once (1), optional and at most once (?),
// and the shape of the value.
var icsRules = map[string]map[string]struct {
	occur string
	value *regexp.Regexp
}{
	"VCALENDAR": {
		"VERSION":  {"1", regexp.MustCompile(`^2\.0$`)},
		"PRODID":   {"1", nil},
		"CALSCALE": {"?", regexp.MustCompile(`^GREGORIAN$`)},
		"METHOD":   {"?", regexp.MustCompile(`^[A-Z-]+$`)},
	},
	"VEVENT": {
		"UID":         {"1", nil},
		"DTSTAMP":     {"1", icsUTC},
		"DTSTART":     {"1", icsUTC},
		"DTEND":       {"?", icsUTC},
		"SUMMARY":     {"?", nil},
		"LOCATION":    {"?", nil},
		"DESCRIPTION": {"?", nil},
		"URL":         {"?", nil},
		"SEQUENCE":    {"?", regexp.MustCompile(`^(0|[1-9][0-9]*)$`)},
		"STATUS":      {"?", regexp.MustCompile(`^(TENTATIVE|CONFIRMED|CANCELLED)$`)},
	},
	"VALARM": {
		"ACTION":      {"1", regexp.MustCompile(`^DISPLAY$`)},
		"TRIGGER":     {"1", regexp.MustCompile(`^[+-]?P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$`)},
		"DESCRIPTION": {"1", nil},
	},
}

var icsUTC = regexp.MustCompile(`^\d{8}T\d{6}Z$`)

// icsText lists the TEXT properties, whose values are escaped (§3.3.11).
var icsText = map[string]bool{"SUMMARY": true, "LOCATION": true, "DESCRIPTION": true, "UID": true, "PRODID": true}

// icsError is a departure from RFC 5545 that parseICSStrict found.
type icsError struct{ msg string }

// icsFail stops the parse at the first departure.
func icsFail(format string, args ...any) { panic(icsError{fmt.Sprintf(format, args...)}) }

// mustParseICS parses body with parseICSStrict and fails the test at the
// first departure.
func mustParseICS(t *testing.T, body string) *icsComponent {
	t.Helper()
	cal, err := parseICSStrict(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return cal
}

// parseICSStrict reads an iCalendar object as strictly as RFC 5545 asks
// of what rdv writes, and fails the test at the first departure: CRLF
// line endings only, lines of at most 75 octets folded with one space,
// valid UTF-8 never split by a fold, NAME:value lines with known names,
// TEXT values escaped (no bare comma or semicolon, only the escapes \\ \;
// \, \n), components nested and closed, required properties present once
// and none twice, and values of the right shape. It returns the
// VCALENDAR, or the first departure.
func parseICSStrict(body string) (cal *icsComponent, err error) {
	defer func() {
		switch e := recover().(type) {
		case nil:
		case icsError:
			cal, err = nil, fmt.Errorf("calendar: %s", e.msg)
		default:
			panic(e)
		}
	}()
	if !strings.HasSuffix(body, "\r\n") {
		icsFail("calendar does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			icsFail("line %d has a bare line break: %q", i+1, l)
		}
		if len(l) > 75 {
			icsFail("line %d has %d octets, more than 75: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			icsFail("line %d is not whole UTF-8 (a fold split a character?): %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				icsFail("line %d continues nothing", i+1)
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []*icsComponent
	var root *icsComponent
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !regexp.MustCompile(`^[A-Z][A-Z0-9-]*$`).MatchString(name) {
			icsFail("not a NAME:value line: %q", l)
		}
		switch name {
		case "BEGIN":
			c := &icsComponent{Name: value, Props: map[string][]string{}}
			if _, known := icsRules[value]; !known {
				icsFail("unknown component %s", value)
			}
			if len(stack) == 0 {
				if root != nil || value != "VCALENDAR" {
					icsFail("BEGIN:%s outside the one VCALENDAR", value)
				}
				root = c
			} else {
				parent := stack[len(stack)-1]
				if want := map[string]string{"VEVENT": "VCALENDAR", "VALARM": "VEVENT"}[value]; want != parent.Name {
					icsFail("%s inside %s", value, parent.Name)
				}
				parent.Subs = append(parent.Subs, c)
			}
			stack = append(stack, c)
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].Name != value {
				icsFail("END:%s does not close the open component", value)
			}
			checkICSComponent(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 {
			icsFail("property outside any component: %q", l)
		}
		c := stack[len(stack)-1]
		rule, known := icsRules[c.Name][name]
		if !known {
			icsFail("property %s is not one %s takes here", name, c.Name)
		}
		if icsText[name] {
			value = unescapeICSStrict(name, value)
		}
		if rule.value != nil && !rule.value.MatchString(value) {
			icsFail("%s %s has a malformed value %q", c.Name, name, value)
		}
		c.Props[name] = append(c.Props[name], value)
	}
	if len(stack) != 0 || root == nil {
		icsFail("calendar not closed")
	}
	if len(root.subs("VEVENT")) == 0 {
		icsFail("calendar holds no event")
	}
	return root, nil
}

// checkICSComponent checks the occurrences of a component's properties.
func checkICSComponent(c *icsComponent) {
	for name, rule := range icsRules[c.Name] {
		n := len(c.Props[name])
		if n > 1 || rule.occur == "1" && n == 0 {
			icsFail("%s has %s %d times", c.Name, name, n)
		}
	}
}

// unescapeICSStrict undoes TEXT escaping and fails on a bare comma or
// semicolon or an unknown escape.
func unescapeICSStrict(name, v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ',', ';':
			icsFail("%s has a bare %q: %q", name, c, v)
		case '\\':
			if i+1 == len(v) {
				icsFail("%s ends with a lone backslash: %q", name, v)
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				icsFail("%s has the unknown escape \\%c: %q", name, v[i], v)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestParseICSStrictRefuses checks that the checker can fail: each broken
// calendar is refused.
func TestParseICSStrictRefuses(t *testing.T) {
	t.Parallel()
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260102T000000Z\r\n" +
		"SEQUENCE:0\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:r\r\nTRIGGER:-PT2H\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := parseICSStrict(good); err != nil {
		t.Fatalf("the checker refuses a good calendar: %v", err)
	}
	for name, bad := range map[string]string{
		"LF endings":         strings.ReplaceAll(good, "\r\n", "\n"),
		"bare comma":         strings.Replace(good, "DESCRIPTION:r", "DESCRIPTION:a,b", 1),
		"two sequences":      strings.Replace(good, "SEQUENCE:0\r\n", "SEQUENCE:0\r\nSEQUENCE:1\r\n", 1),
		"negative sequence":  strings.Replace(good, "SEQUENCE:0", "SEQUENCE:-1", 1),
		"alarm without text": strings.Replace(good, "DESCRIPTION:r\r\n", "", 1),
		"bad trigger":        strings.Replace(good, "-PT2H", "-2H", 1),
		"unclosed":           strings.TrimSuffix(good, "END:VCALENDAR\r\n"),
		"long line":          strings.Replace(good, "PRODID:x", "PRODID:"+strings.Repeat("x", 80), 1),
		"no UID":             strings.Replace(good, "UID:u\r\n", "", 1),
	} {
		if _, err := parseICSStrict(bad); err == nil {
			t.Errorf("%s: the checker took it", name)
		}
	}
}

// icsSequence reads the one event's SEQUENCE.
func icsSequence(t *testing.T, cal *icsComponent) int {
	t.Helper()
	n, err := strconv.Atoi(cal.subs("VEVENT")[0].prop("SEQUENCE"))
	if err != nil {
		t.Fatalf("SEQUENCE: %v", err)
	}
	return n
}

// absoluteURL fails unless u is an absolute http(s) URL.
func absoluteURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return fmt.Errorf("%q is no absolute http(s) URL", u)
	}
	return nil
}
