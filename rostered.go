package rdv

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NeedsRoster reports whether a booking of the slot must be for a patient
// registered with the slot's clinic: a slot kept for registered patients,
// booked by the patient or a guardian (ENOTROSTERED otherwise). Clinic
// staff and phone agents book such slots for whom they judge right.
func NeedsRoster(s Slot, by BookedBy) bool {
	return s.Audience == Rostered && (by == BySelf || by == ByGuardian)
}

// Registers reports whether the entry registers this patient: the same
// health number, birth date, first and last names, names compared as
// FoldName leaves them. The number alone is not enough: anyone can type
// one (a person added to one's family, a booking's form), and a clinic's
// kept times are for the person it registered.
func (e RosterEntry) Registers(p Patient) bool {
	hn, err := NormalizeHealthNumber(p.HealthNumber)
	return err == nil && hn == e.HealthNumber && p.BirthDate != (Date{}) && p.BirthDate == e.BirthDate &&
		FoldName(p.FirstName) == FoldName(e.FirstName) && FoldName(p.LastName) == FoldName(e.LastName)
}

// RosteredAmong returns, by ID and once each, the clinics of the entries
// that register one of the people (Registers).
func RosteredAmong(entries []RosterEntry, people []Person) []int64 {
	var ids []int64
	for _, e := range entries {
		if slices.Contains(ids, e.ClinicID) {
			continue
		}
		if slices.ContainsFunc(people, func(p Person) bool {
			return e.Registers(Patient{FirstName: p.FirstName, LastName: p.LastName, BirthDate: p.BirthDate, HealthNumber: p.HealthNumber})
		}) {
			ids = append(ids, e.ClinicID)
		}
	}
	slices.Sort(ids)
	return ids
}

// HealthNumbersOf returns the people's health numbers, normalised, for a
// store to find the entries RosteredAmong compares; never nil.
func HealthNumbersOf(people []Person) []string {
	numbers := []string{}
	for _, p := range people {
		if hn, err := NormalizeHealthNumber(p.HealthNumber); err == nil && !slices.Contains(numbers, hn) {
			numbers = append(numbers, hn)
		}
	}
	return numbers
}

// FoldName returns a name as two records of one person are compared:
// without the spaces around it, in lower case, without accents (Côté,
// COTE and « cote » are one name).
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// SortRoster orders a clinic's roster as staff read it: by last name,
// then first name, then patient. Stores sort it here, once the names are
// opened: sealed names cannot be sorted in SQL.
func SortRoster(entries []RosterEntry) {
	slices.SortFunc(entries, func(a, b RosterEntry) int {
		return cmp.Or(strings.Compare(a.LastName, b.LastName), strings.Compare(a.FirstName, b.FirstName), cmp.Compare(a.PatientID, b.PatientID))
	})
}
