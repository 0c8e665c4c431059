package fieldcrypt

import (
	"fmt"
	"strings"
)

// Table names a table's sealed columns and the blind indexes computed
// from them: what a rotation rewrites. Both stores keep the same tables
// (Tables) and rotate them with the same rules; each runs the statements
// in its own dialect.
type Table struct {
	Name string
	// ID is the integer column that names a row, which a rotation walks
	// in order: "id" when empty.
	ID     string
	Sealed []string
	// Cleared are columns kept only to compute an index from: a value
	// written without keys, or before the table was sealed, is indexed
	// and then emptied under keys (Keys.Keep).
	Cleared []string
	Indexes []BlindIndex
}

// BlindIndex is a column that holds the index of another, as a kind, or
// as its row's channel says (ByChannel: a message's destination, an email
// or a phone, DestinationKind).
type BlindIndex struct {
	Column, Of, Kind string
	ByChannel        bool
}

// kindOf is the kind ix indexes its row's value as, channel the row's.
func (ix BlindIndex) kindOf(channel string) string {
	if ix.ByChannel {
		return DestinationKind(channel)
	}
	return ix.Kind
}

// destinationIndex is the index of a message's destination, of a sign-in
// code's and of a refusal's.
var destinationIndex = BlindIndex{Column: "destination_index", Of: "destination", ByChannel: true}

// IDColumn is the column that names t's rows.
func (t Table) IDColumn() string {
	if t.ID == "" {
		return "id"
	}
	return t.ID
}

// Tables is every column of patient data the stores seal, and the secrets
// the server must read back: the staff's authenticator secrets, from
// which anyone computes their codes, and the clinics' webhook signing
// secrets, with which anyone signs a forged event.
var Tables = []Table{
	{
		Name:    "patients",
		Sealed:  []string{"first_name", "last_name", "birth_date", "health_number", "phone", "email"},
		Indexes: []BlindIndex{{Column: "health_index", Of: "health_number", Kind: KindHealthNumber}},
	},
	{
		Name: "appointments",
		Sealed: []string{"first_name", "last_name", "birth_date", "phone", "email",
			"guardian_first_name", "guardian_last_name", "guardian_birth_date", "guardian_phone", "guardian_email"},
		Indexes: []BlindIndex{
			{Column: "email_index", Of: "email", Kind: KindEmail}, {Column: "phone_index", Of: "phone", Kind: KindPhone},
			{Column: "guardian_email_index", Of: "guardian_email", Kind: KindEmail},
			{Column: "guardian_phone_index", Of: "guardian_phone", Kind: KindPhone},
		},
	},
	{
		Name:   "patient_accounts",
		Sealed: []string{"email", "phone"},
		Indexes: []BlindIndex{{Column: "email_index", Of: "email", Kind: KindEmail},
			{Column: "phone_index", Of: "phone", Kind: KindPhone}},
	},
	{
		Name:   "requests",
		Sealed: []string{"first_name", "last_name", "birth_date", "health_number", "phone", "email"},
	},
	{
		Name:   "account_people",
		Sealed: []string{"first_name", "last_name", "birth_date", "health_number"},
	},
	{
		// A message names its patient and appointment in its text; its
		// secret (a sign-in code, a link's token) opens their pages; a
		// server's answer may quote the address.
		Name:    "messages",
		Sealed:  []string{"destination", "secret", "subject", "body", "last_error"},
		Indexes: []BlindIndex{destinationIndex},
	},
	{
		// A code is looked up by its destination, never read back.
		Name:    "signin_codes",
		Cleared: []string{"destination"},
		Indexes: []BlindIndex{destinationIndex},
	},
	{
		Name:    "refused_destinations",
		Sealed:  []string{"error"},
		Cleared: []string{"destination"},
		Indexes: []BlindIndex{destinationIndex},
	},
	{
		Name:   "staff_totp",
		ID:     "account_id",
		Sealed: []string{"secret"},
	},
	{
		Name:   "webhook_endpoints",
		Sealed: []string{"secret"},
	},
}

// Stale is the SQL condition of a row of t that a rotation rewrites: a
// value not sealed with the newest key (current; "" for no keys, which
// keep values in clear), a value kept for its index under keys, or an
// index not yet computed.
func (t Table) Stale(current string) string {
	var or []string
	if current != "" {
		for _, c := range t.Sealed {
			or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND substr(%s, 1, %d) <> '%s:')", c, c, len(current)+1, current))
		}
		for _, c := range t.Cleared {
			or = append(or, fmt.Sprintf("(%s <> '')", c))
		}
	}
	for _, ix := range t.Indexes {
		or = append(or, fmt.Sprintf("(coalesce(%s, '') <> '' AND coalesce(%s, '') = '')", ix.Of, ix.Column))
	}
	if len(or) == 0 {
		return "(0 = 1)"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// byChannel reports whether one of t's indexes takes its kind from the
// row's channel.
func (t Table) byChannel() bool {
	for _, ix := range t.Indexes {
		if ix.ByChannel {
			return true
		}
	}
	return false
}

// Read lists what a rotation reads of a row, after its ID, for a Row to
// scan: its channel when an index needs it, the sealed and cleared
// values, then the indexes as they are.
func (t Table) Read() []string {
	var cols []string
	if t.byChannel() {
		cols = append(cols, "channel")
	}
	for _, c := range t.values() {
		cols = append(cols, "coalesce("+c+", '')")
	}
	for _, ix := range t.Indexes {
		cols = append(cols, "coalesce("+ix.Column+", '')")
	}
	return cols
}

// Write lists the columns a rotation writes, in the order of
// Row.Rewritten's values.
func (t Table) Write() []string {
	cols := t.values()
	for _, ix := range t.Indexes {
		cols = append(cols, ix.Column)
	}
	return cols
}

func (t Table) values() []string {
	return append(append([]string(nil), t.Sealed...), t.Cleared...)
}

// Row is a row of t as a rotation reads it (Read).
type Row struct {
	t       Table
	channel string
	values  []string
	indexes []string
}

// NewRow returns a row of t to scan.
func (t Table) NewRow() *Row {
	return &Row{t: t, values: make([]string, len(t.Sealed)+len(t.Cleared)), indexes: make([]string, len(t.Indexes))}
}

// Dest is the scan destinations of the columns of Read: the sealed
// values opened with k.
func (r *Row) Dest(k *Keys) []any {
	var dest []any
	if r.t.byChannel() {
		dest = append(dest, &r.channel)
	}
	for i := range r.values {
		dest = append(dest, Opened{Keys: k, Dst: &r.values[i]})
	}
	for i := range r.indexes {
		dest = append(dest, &r.indexes[i])
	}
	return dest
}

// Rewritten is what a rotation writes of the row, column by column of
// Write: the values sealed with k's newest key, those kept for their
// index emptied under keys, and the indexes computed. An index of a value
// emptied already stays as it is: the value is no longer there to compute
// it from. A column that null names keeps NULL for no value, not an
// empty string.
func (r *Row) Rewritten(k *Keys, null map[string]bool) []any {
	value := func(column, v string) any {
		if v == "" && null[column] {
			return nil
		}
		return v
	}
	t := r.t
	byColumn := map[string]string{}
	emptied := map[string]bool{}
	var out []any
	for i, c := range t.Sealed {
		byColumn[c] = r.values[i]
		out = append(out, value(c, k.Seal(r.values[i])))
	}
	for i, c := range t.Cleared {
		v := r.values[len(t.Sealed)+i]
		byColumn[c], emptied[c] = v, v == ""
		out = append(out, value(c, k.Keep(v)))
	}
	for i, ix := range t.Indexes {
		index := r.indexes[i]
		if !emptied[ix.Of] {
			index = k.Index(ix.kindOf(r.channel), byColumn[ix.Of])
		}
		out = append(out, value(ix.Column, index))
	}
	return out
}
