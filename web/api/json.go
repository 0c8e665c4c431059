package api

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"rdv"
)

// The hot paths write JSON by hand with append-style helpers: encoding/json
// reflects and allocates per value, and search is the most frequent request
// of all. The helpers escape as encoding/json does, so the output is the
// same valid JSON.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Like encoding/json it escapes
// quotes, backslashes, control characters, <, > and & (safe inside HTML),
// U+2028 and U+2029 (safe inside JavaScript), and replaces invalid UTF-8
// with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...) // as encoding/json does
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime appends t as an RFC 3339 JSON string in the clinics' time
// zone, with its offset (2026-03-08T09:00:00-04:00), to the second. It
// writes the digits itself: every search result carries two times, and
// time.Time.AppendFormat was a sixth of a search's cost.
func appendTime(b []byte, t time.Time) []byte {
	_, offset := t.In(rdv.Toronto).Zone()
	local := t.Unix() + int64(offset)
	days, secs := local/86400, local%86400
	if secs < 0 {
		days, secs = days-1, secs+86400
	}
	y, m, d := civilDate(days)
	if y < 0 || y > 9999 {
		return append(append(append(b, '"'), t.In(rdv.Toronto).Format(time.RFC3339)...), '"')
	}
	b = append(b, '"')
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, int(secs/3600))
	b = append(b, ':')
	b = append2(b, int(secs/60%60))
	b = append(b, ':')
	b = append2(b, int(secs%60))
	if offset == 0 {
		return append(b, 'Z', '"')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	b = append(b, sign)
	b = append2(b, offset/3600)
	b = append(b, ':')
	b = append2(b, offset/60%60)
	return append(b, '"')
}

// civilDate returns the proleptic Gregorian date of a count of days since
// 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
func civilDate(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) } // #nosec G115 -- n is two digits: month, day, hour, minute or second

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10)) // #nosec G115 -- n is a four-digit year
}

// appendKm appends a distance rounded to 0.1 km, with one decimal.
func appendKm(b []byte, km float64) []byte {
	if !(km >= 0 && km < 1e9) {
		return append(b, '0')
	}
	tenths := int64(math.Round(km * 10))
	b = strconv.AppendInt(b, tenths/10, 10)
	return append(b, '.', byte('0'+tenths%10))
}

// appendCoord appends a coordinate; six decimals are about 10 cm.
func appendCoord(b []byte, x float64) []byte {
	return strconv.AppendFloat(b, math.Round(x*1e6)/1e6, 'f', -1, 64)
}
