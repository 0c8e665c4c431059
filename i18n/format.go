package i18n

import "strings"

// oneFinalPeriod drops the period that follows a verb of format when the
// argument it writes already ends with one: an abbreviation at the end of
// a sentence ends it ("held until 3:00 p.m.", never "p.m.."). Texts write
// verbs as a percent sign, optional flags and a letter.
func oneFinalPeriod(format string, args []any) string {
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && !isLetter(format[j]) && format[j] != '%' {
			j++
		}
		if j >= len(format) || format[j] == '%' {
			i = j
			continue
		}
		if n < len(args) && j+1 < len(format) && format[j+1] == '.' {
			if a, ok := args[n].(string); ok && strings.HasSuffix(a, ".") {
				format = format[:j+1] + format[j+2:]
			}
		}
		n++
		i = j
	}
	return format
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
