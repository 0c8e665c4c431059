package rdv

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
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

// Validate checks the patient's fields and normalises them in place. The
// first invalid field is reported with its JSON name.
func (p *Patient) Validate(today Date) error {
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.Email = strings.TrimSpace(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	switch {
	case p.FirstName == "" || len(p.FirstName) > 100:
		return FieldError("patient.first_name", "first name missing or too long")
	case p.LastName == "" || len(p.LastName) > 100:
		return FieldError("patient.last_name", "last name missing or too long")
	case p.BirthDate == Date{} || today.Before(p.BirthDate) || p.BirthDate.Year < today.Year-130:
		return FieldError("patient.birth_date", "birth date missing, in the future or too old")
	}
	hn, err := NormalizeHealthNumber(p.HealthNumber)
	if err != nil {
		return err
	}
	if err := CheckHealthNumberBirthDate(hn, p.BirthDate); err != nil {
		return err
	}
	p.HealthNumber = hn
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		if err != nil || a.Address != p.Email || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@'):], ".") {
			return FieldError("patient.email", "not an email address")
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		return FieldError("patient.phone", "not a phone number")
	}
	if p.Email == "" && p.Phone == "" {
		return FieldError("patient.phone", "a phone number or an email is needed to reach the patient")
	}
	switch p.Language {
	case "":
		p.Language = "fr"
	case "fr", "en":
	default:
		return FieldError("patient.language", "language must be fr or en")
	}
	return nil
}

// validPhone accepts North American numbers as people write them:
// 514-555-0123, (514) 555 0123, +1 514 555 0123.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune(" -().+", r):
		default:
			return false
		}
	}
	return digits == 10 || (digits == 11 && strings.TrimLeft(s, " +(")[0] == '1')
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
		return FieldError("patient.health_number", "health number does not match the birth date")
	}
	return nil
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
