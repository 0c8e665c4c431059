package i18n

import (
	"strconv"
	"strings"

	"rdv"
)

// FormatMoney writes an amount of Canadian dollars given in cents as
// people in Québec read it: « 19,99 $ » and « 1 234,50 $ » in French (a
// decimal comma, a space between thousands and before the sign, both
// no-break so that a line never splits an amount), "$19.99" and
// "$1,234.50" in English. A negative amount (a refund) leads with a
// minus: « -19,99 $ », "-$19.99".
func FormatMoney(cents int64, lang string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole, frac := cents/100, cents%100
	if lang == "en" {
		return sign + "$" + groupThousands(whole, ",") + "." + twoDigits(frac)
	}
	return sign + groupThousands(whole, "\u00a0") + "," + twoDigits(frac) + "\u00a0$"
}

// FormatRate writes a rate given in parts per rdv.RateUnit (100,000) as a
// percentage with the decimals it needs: « 5 % » and « 9,975 % » in
// French (a no-break space before the sign), "5%" and "9.975%" in
// English.
func FormatRate(rate int64, lang string) string {
	const per = rdv.RateUnit / 100 // a rate of per is 1 %
	s := strconv.FormatInt(rate/per, 10)
	if frac := rate % per; frac != 0 {
		point := ","
		if lang == "en" {
			point = "."
		}
		digits := strconv.FormatInt(per+frac, 10)[1:] // zero-padded
		s += point + strings.TrimRight(digits, "0")
	}
	if lang == "en" {
		return s + "%"
	}
	return s + "\u00a0%"
}

// groupThousands writes n (not negative) with sep between each group of
// three digits.
func groupThousands(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
