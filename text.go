package rdv

import (
	"errors"
	"unicode"
)

// ErrControlCharacter: a text field holds a control character (a null, a
// line break in a name, an escape) or an invisible bidirectional control
// that would make the text read otherwise than it is stored. Such
// characters reach agendas, CSV files, e-mails and headers, where they
// hide or forge content; no person types them in a form.
var ErrControlCharacter = errors.New("control or bidirectional character")

// CheckText refuses a free-text field that holds a control character
// (Unicode category Cc, tabs and line breaks included) or a bidirectional
// control (embeddings, overrides, isolates and marks). Every Validate of
// text a person submits calls it.
func CheckText(field, s string) error {
	for _, r := range s {
		if RefusedInText(r) {
			return &Error{Code: EINVALID, Field: field, Detail: "control or bidirectional character", Err: ErrControlCharacter}
		}
	}
	return nil
}

// CheckLongText is CheckText for a field that a person writes on several
// lines (a textarea): line feeds and carriage returns are allowed there,
// nothing else.
func CheckLongText(field, s string) error {
	for _, r := range s {
		if r == '\n' || r == '\r' {
			continue
		}
		if RefusedInText(r) {
			return &Error{Code: EINVALID, Field: field, Detail: "control or bidirectional character", Err: ErrControlCharacter}
		}
	}
	return nil
}

// RefusedInText reports the characters that CheckText refuses: what
// shows text that was stored before the check (a CSV export) leaves them
// out the same way.
func RefusedInText(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }

// isBidiControl reports the characters that change the direction text is
// shown in: LRE, RLE, PDF, LRO, RLO (U+202A–U+202E), the isolates
// U+2066–U+2069, and the marks LRM, RLM and ALM.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}
