package flood

import (
	"fmt"
	"math/rand/v2"
	"time"

	"rdv"
)

var (
	lastNames  = []string{"Tremblay", "Gagnon", "Roy", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagne", "Ouellet", "Pelletier", "Belanger", "Levesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron"}
	firstNames = []string{"Lea", "Emma", "Olivia", "Alice", "Florence", "Charlotte", "Liam", "William", "Noah", "Thomas", "Jacob", "Leo", "Nathan", "Felix"}
)

// patient is a synthetic person as the booking API takes it.
type patient struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	BirthDate    string `json:"birth_date"`
	HealthNumber string `json:"health_number"`
	Phone        string `json:"phone"`
	Language     string `json:"language"`
}

// newPatient returns a valid synthetic patient: the RAMQ number is the
// letters of the name (rdv.HealthNumberLetters), then the birth date as
// YYMMDD (month + 50 for women), then two digits.
func newPatient(rng *rand.Rand, today time.Time) patient {
	first := firstNames[rng.IntN(len(firstNames))]
	last := lastNames[rng.IntN(len(lastNames))]
	woman := rng.IntN(2) == 0
	birth := today.AddDate(-rng.IntN(90), 0, -rng.IntN(365)-1)
	month := int(birth.Month())
	if woman {
		month += 50
	}
	lang := "fr"
	if rng.IntN(5) == 0 {
		lang = "en"
	}
	return patient{
		FirstName:    first,
		LastName:     last,
		BirthDate:    birth.Format("2006-01-02"),
		HealthNumber: fmt.Sprintf("%s%02d%02d%02d%02d", rdv.HealthNumberLetters(first, last), birth.Year()%100, month, birth.Day(), rng.IntN(100)),
		Phone:        fmt.Sprintf("514-555-%04d", rng.IntN(10000)),
		Language:     lang,
	}
}
