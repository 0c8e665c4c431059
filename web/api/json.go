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
// zone, with its offset (2026-03-08T09:00:00-04:00).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.In(rdv.Toronto).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// appendKm appends a distance rounded to 0.1 km.
func appendKm(b []byte, km float64) []byte {
	return strconv.AppendFloat(b, math.Round(km*10)/10, 'f', -1, 64)
}

// appendCoord appends a coordinate; six decimals are about 10 cm.
func appendCoord(b []byte, x float64) []byte {
	return strconv.AppendFloat(b, math.Round(x*1e6)/1e6, 'f', -1, 64)
}
