package rdv

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Reasons a field is refused that people are told in their own words; the
// field error wraps one of them (errors.Is).
var (
	// ErrHealthNumberName: the letters of the number are not those of the
	// name given.
	ErrHealthNumberName = errors.New("health number does not match the name")
	// ErrHealthNumberBirthDate: the digits of the number are not the birth
	// date given.
	ErrHealthNumberBirthDate = errors.New("health number does not match the birth date")
)

// Patient is a person who receives care. A child is a patient with a
// guardian; the guardian books on the child's behalf.
type Patient struct {
	ID           int64
	FirstName    string
	LastName     string
	BirthDate    Date
	HealthNumber string // RAMQ number, normalised (upper case, no spaces)
	Phone        string
	Email        string
	Language     string // "fr" or "en"
	GuardianID   int64  // 0 for an adult booking for themselves
}

// Validate checks the patient's fields and normalises them in place. It
// reports every invalid field at once (FieldErrors), each with its JSON
// name; the first is the one a single message shows.
func (p *Patient) Validate(today Date) error {
	return p.check("patient", today, true, true).err()
}

// check validates a person's fields for owner ("patient" or "guardian"),
// naming each invalid field owner.name. needBirth and needNumber say
// whether the birth date and the health number must be given: a guardian
// needs neither, a newborn booked on the parent's card or a walk-in seen
// without a card has no number. A number given is always checked, against
// the name's letters and, when there is one, the birth date.
func (p *Patient) check(owner string, today Date, needBirth, needNumber bool) FieldErrors {
	errs := p.checkIdentity(owner, today, needBirth, needNumber)
	p.Email = strings.TrimSpace(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	for _, f := range []struct{ name, value string }{
		{"phone", p.Phone}, {"email", p.Email}, {"language", p.Language},
	} {
		errs.add(CheckText(owner+"."+f.name, f.value))
	}
	if p.Email != "" {
		if e, ok := NormalizeEmail(p.Email); ok {
			p.Email = e
		} else {
			errs.add(FieldError(owner+".email", "not an email address"))
		}
	}
	if p.Phone != "" {
		if n, ok := NormalizePhone(p.Phone); ok {
			p.Phone = n
		} else {
			errs.add(FieldError(owner+".phone", "not a phone number"))
		}
	}
	if p.Email == "" && p.Phone == "" {
		errs.add(FieldError(owner+".phone", "a phone number or an email is needed to reach the %s", owner))
	}
	switch p.Language {
	case "":
		p.Language = "fr"
	case "fr", "en":
	default:
		errs.add(FieldError(owner+".language", "language must be fr or en"))
	}
	return errs
}

// checkIdentity checks and normalises who the person is: the names, the
// birth date and the health number, the fields that every record of a
// person has (a booking's patient or guardian, an account's person, a
// clinic's registered patient). needBirth and needNumber are as in check.
func (p *Patient) checkIdentity(owner string, today Date, needBirth, needNumber bool) FieldErrors {
	var errs FieldErrors
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.HealthNumber = strings.TrimSpace(p.HealthNumber)
	for _, f := range []struct{ name, value string }{
		{"first_name", p.FirstName}, {"last_name", p.LastName}, {"health_number", p.HealthNumber},
	} {
		errs.add(CheckText(owner+"."+f.name, f.value))
	}
	if p.FirstName == "" || len(p.FirstName) > 100 {
		errs.add(FieldError(owner+".first_name", "first name missing or too long"))
	}
	if p.LastName == "" || len(p.LastName) > 100 {
		errs.add(FieldError(owner+".last_name", "last name missing or too long"))
	}
	birthKnown := p.BirthDate != Date{}
	if birthKnown && (today.Before(p.BirthDate) || p.BirthDate.Year < today.Year-130) || !birthKnown && needBirth {
		errs.add(FieldError(owner+".birth_date", "birth date missing, in the future or too old"))
		birthKnown = false
	}
	if p.HealthNumber != "" || needNumber {
		errs.add(p.checkNumber(owner, birthKnown))
	}
	return errs
}

// checkNumber checks and normalises the health number: its shape, the
// name's letters and, when birthKnown, the birth date it encodes.
func (p *Patient) checkNumber(owner string, birthKnown bool) error {
	hn, err := NormalizeHealthNumber(p.HealthNumber)
	if err == nil && birthKnown {
		err = CheckHealthNumberBirthDate(hn, p.BirthDate)
	}
	if err == nil && p.FirstName != "" && p.LastName != "" {
		err = CheckHealthNumberName(hn, p.FirstName, p.LastName)
	}
	if err != nil {
		return ownedBy(owner, err)
	}
	p.HealthNumber = hn
	return nil
}

// ownedBy names a "patient." field error as owner's field.
func ownedBy(owner string, err error) error {
	var e *Error
	if owner == "patient" || !errors.As(err, &e) {
		return err
	}
	c := *e
	if name, ok := strings.CutPrefix(c.Field, "patient."); ok {
		c.Field = owner + "." + name
	}
	return &c
}

// NormalizePhone checks a North American phone number as people write
// it (514-555-0123, (514) 555 0123, +1 514 555 0123) and returns it in
// E.164 form (+15145550123), the one form that text messages are sent to
// and that finds a person's bookings whatever way they typed it.
func NormalizePhone(s string) (string, bool) {
	var digits []byte
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case strings.ContainsRune(" -().+", r):
		default:
			return "", false
		}
	}
	if len(digits) == 11 && digits[0] == '1' {
		digits = digits[1:]
	}
	// A North American number: area code and exchange start with 2–9.
	if len(digits) != 10 || digits[0] < '2' || digits[3] < '2' {
		return "", false
	}
	return "+1" + string(digits), true
}

// NormalizeEmail checks an email address and returns it trimmed and in
// lower case, the form accounts and bookings are matched in.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at:], ".") {
		return "", false
	}
	return s, true
}

// NormalizeHealthNumber checks the shape of a Québec health insurance
// number (RAMQ): four letters then eight digits, spaces allowed as printed
// on the card (ABCD 1234 5678). It returns the number upper-cased without
// spaces.
func NormalizeHealthNumber(s string) (string, error) {
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(n) != 12 {
		return "", FieldError("patient.health_number", "health number must be 4 letters and 8 digits")
	}
	for i := 0; i < 12; i++ {
		c := n[i]
		if (i < 4 && (c < 'A' || c > 'Z')) || (i >= 4 && (c < '0' || c > '9')) {
			return "", FieldError("patient.health_number", "health number must be 4 letters and 8 digits")
		}
	}
	return n, nil
}

// CheckHealthNumberBirthDate checks the birth date that a RAMQ number
// encodes in digits 1–6 (YYMMDD, with 50 added to the month for women)
// against the patient's birth date.
func CheckHealthNumberBirthDate(hn string, birth Date) error {
	yy := atoi2(hn[4:6])
	mm := atoi2(hn[6:8])
	dd := atoi2(hn[8:10])
	if mm > 50 {
		mm -= 50
	}
	if mm < 1 || mm > 12 || dd < 1 || dd > daysIn(time.Month(mm), 2000+yy) {
		return FieldError("patient.health_number", "health number encodes no valid birth date")
	}
	if yy != birth.Year%100 || time.Month(mm) != birth.Month || dd != birth.Day {
		return &Error{Code: EINVALID, Field: "patient.health_number", Detail: "health number does not match the birth date", Err: ErrHealthNumberBirthDate}
	}
	return nil
}

// CheckHealthNumberName checks the letters of a normalised RAMQ number
// against the name: the first three letters of the last name, then the
// first letter of the first name. Accents are dropped and so are
// apostrophes and other signs (D'Amour is DAM); a last name of fewer than
// three letters is padded with X (Lê is LEX). A compound last name is read
// two ways, because the card's rule for it is not published: its first
// part (Tremblay-Roy is TRE, Da Silva is DAX) or the whole name without
// its separators (St-Pierre is STP, Da Silva is DAS). Either binds the
// number to the name; refusing one of them would turn away real cards.
func CheckHealthNumberName(hn, first, last string) error {
	if hn[:4] != HealthNumberLetters(first, last) && hn[:4] != cardPrefix(first, last) {
		return &Error{Code: EINVALID, Field: "patient.health_number", Detail: "health number does not match the name", Err: ErrHealthNumberName}
	}
	return nil
}

// HealthNumberLetters returns the four letters that a RAMQ number starts
// with for a person of this name, reading a compound last name by its
// first part (see CheckHealthNumberName).
func HealthNumberLetters(first, last string) string {
	last = strings.TrimSpace(last)
	if i := strings.IndexAny(last, "- \u00a0"); i > 0 {
		last = last[:i]
	}
	return cardPrefix(first, last)
}

// cardPrefix is the card's four letters for a last name read whole, its
// separators left out.
func cardPrefix(first, last string) string {
	l := cardLetters(last)
	for len(l) < 3 {
		l += "X"
	}
	f := cardLetters(first)
	if f == "" {
		f = "X"
	}
	return l[:3] + f[:1]
}

// cardLetters is s as the card prints it: upper-case A to Z, accents
// dropped, everything else left out.
func cardLetters(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch r = unicode.ToUpper(r); {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r == 'Œ':
			b.WriteString("OE")
		case r == 'Æ':
			b.WriteString("AE")
		case r == 'ß':
			b.WriteString("SS")
		}
	}
	return b.String()
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
