package fieldcrypt

import "fmt"

// Opened is a scan destination (a database/sql Scanner, which pgx takes
// as well) that opens a sealed column into Dst: both stores read patient
// data through it, so that no caller sees a sealed value. NULL opens as "".
type Opened struct {
	Keys *Keys
	Dst  *string
}

// Scan opens the stored value src into o.Dst.
func (o Opened) Scan(src any) error {
	var stored string
	switch v := src.(type) {
	case nil:
	case string:
		stored = v
	case []byte:
		stored = string(v)
	default:
		return fmt.Errorf("a sealed column holds %T", src)
	}
	plain, err := o.Keys.Open(stored)
	if err != nil {
		return err
	}
	*o.Dst = plain
	return nil
}
