package postgres

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// The statements of holds and confirmations run in a group (writer.go).
// Each is the rule of its write, as PlaceHold and ConfirmHold apply it, in
// one statement that writes nothing when the rule says no; whatever it
// says no to is then decided and explained by the ordinary path.

// lockKeysSQL takes the advisory locks of the caps on live holds, in the
// order of their lock numbers (checkLiveHolds says why).
const lockKeysSQL = `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(unnest($1::text[]), 0) AS k) l ORDER BY k`

// capKeys are the keys whose live holds r is counted against: its
// client's when capped, its address's when it has a ceiling.
func capKeys(r rdv.HoldRequest) []string {
	var keys []string
	if r.MaxLiveHolds > 0 {
		keys = append(keys, r.ClientKey)
	}
	if byAddress(r) {
		keys = append(keys, "address "+r.AddressKey)
	}
	return keys
}

// byAddress reports whether r counts against its address's ceiling.
func byAddress(r rdv.HoldRequest) bool { return r.MaxAddressHolds > 0 && r.AddressKey != "" }

// groupHoldsSQL takes the slots of a group's holds, one statement for
// them all, each as PlaceHold's rule allows: free (or held by a hold that
// ran out), not started, of an audience allowed, under the caps (counted
// after their locks, which an earlier statement of the group took), and
// when the request's idempotency key (or NULL) was not used yet. The
// group holds no two holds of one slot or counted against one key
// (groupable): each is counted as if alone.
const groupHoldsSQL = `WITH r AS (
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::boolean[], $6::text[], $7::text[],
			$8::bigint[], $9::boolean[], $10::bigint[], $11::bytea[])
			AS r(slot, hold, expires, now, rostered, client, address, max_client, by_address, max_address, key)),
	allowed AS (
		SELECT r.* FROM r
		WHERE (r.max_client <= 0 OR (SELECT count(*) FROM holds h
				WHERE h.client_key = r.client AND NOT h.ended AND h.expires_at > r.now) < r.max_client)
		  AND (NOT r.by_address OR (SELECT count(*) FROM holds h
				WHERE h.address_key = r.address AND NOT h.ended AND h.expires_at > r.now) < r.max_address)
		  AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.id = r.key)),
	held AS (
		UPDATE slots s SET state = 'held', hold_id = a.hold, hold_expires = a.expires
		FROM allowed a
		WHERE s.id = a.slot AND s.start_at > a.now AND (s.audience = 'public' OR a.rostered)
		  AND (s.state = 'free' OR (s.state = 'held' AND s.hold_expires <= a.now))
		RETURNING ` + slotColumns + `),
	hold AS (
		INSERT INTO holds (id, slot_id, client_key, address_key, expires_at)
		SELECT a.hold, h.id, a.client, a.address, a.expires FROM held h JOIN allowed a ON a.hold = h.hold_id),
	change AS (INSERT INTO slot_changes (slot_id) SELECT id FROM held)
	SELECT * FROM held`

// groupable reports whether hold r may join a group whose holds took
// slots and cap keys, and records its own.
func groupable(r rdv.HoldRequest, slots map[int64]bool, keys map[string]bool) bool {
	if slots[r.SlotID] {
		return false
	}
	ks := capKeys(r)
	for _, k := range ks {
		if keys[k] {
			return false
		}
	}
	slots[r.SlotID] = true
	for _, k := range ks {
		keys[k] = true
	}
	return true
}

// queueGroupHolds queues the statement of the group's holds, if any.
func queueGroupHolds(b *pgx.Batch, holds []*groupCmd) {
	if len(holds) == 0 {
		return
	}
	n := len(holds)
	slots, maxClient, maxAddress := make([]int64, n), make([]int64, n), make([]int64, n)
	ids, clients, addresses := make([]string, n), make([]string, n), make([]string, n)
	expires, nows := make([]time.Time, n), make([]time.Time, n)
	rostered, byAddr := make([]bool, n), make([]bool, n)
	keys := make([][]byte, n)
	for i, g := range holds {
		r := g.hold
		g.h = rdv.Hold{ID: r.HoldID, SlotID: r.SlotID, ClientKey: r.ClientKey, ExpiresAt: dbTime(r.Now.Add(r.TTL))}
		slots[i], ids[i], expires[i], nows[i], rostered[i] = r.SlotID, r.HoldID, g.h.ExpiresAt, dbTime(r.Now), r.AllowRostered
		clients[i], addresses[i], maxClient[i], byAddr[i], maxAddress[i] = r.ClientKey, r.AddressKey, int64(r.MaxLiveHolds), byAddress(*r), int64(r.MaxAddressHolds)
		if g.rk != nil {
			keys[i] = g.rk.ID()
		}
	}
	b.Queue(groupHoldsSQL, slots, ids, expires, nows, rostered, clients, addresses, maxClient, byAddr, maxAddress, keys)
}

// readGroupHolds marks the holds that took their slot.
func readGroupHolds(br pgx.BatchResults, holds []*groupCmd) error {
	if len(holds) == 0 {
		return nil
	}
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("hold %d slots: %w", len(holds), err)
	}
	taken, err := scanSlots(rows)
	if err != nil {
		return fmt.Errorf("hold %d slots: %w", len(holds), err)
	}
	byHold := make(map[string]rdv.Slot, len(taken))
	for _, sl := range taken {
		byHold[sl.HoldID] = sl
	}
	for _, g := range holds {
		if sl, ok := byHold[g.hold.HoldID]; ok && sl.ID == g.hold.SlotID {
			g.ok, g.slot = true, sl
		}
	}
	return nil
}

// keyID is the row name of a member's idempotency key, or nil.
func keyID(g *groupCmd) any {
	if g.rk == nil {
		return nil
	}
	return g.rk.ID()
}

// groupConfirmSQL books the slot of a live hold, as ConfirmHold does,
// when the request's idempotency key ($3, or NULL) was not used yet; a
// slot kept for rostered patients, when the booking is one the roster
// decides ($4), is left to the ordinary path, which checks the roster.
// The guardian ($5: one is given) and the patient are found by their
// health numbers' index or added, as findOrAddPatient does. A hold that
// is live while its slot is no longer held by it fails the statement
// (the appointment's slot is NULL): the group runs again one by one.
var groupConfirmSQL = `WITH used AS (
		UPDATE holds h SET ended = true
		WHERE h.id = $1 AND NOT h.ended AND h.expires_at > $2
		  AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.id = $3)
		  AND NOT ($4 AND EXISTS (SELECT 1 FROM slots s WHERE s.id = h.slot_id AND s.audience = 'rostered'))
		RETURNING h.slot_id),
	booked AS (
		UPDATE slots s SET state = 'booked', hold_id = NULL, hold_expires = NULL
		FROM used WHERE s.id = used.slot_id AND s.state = 'held' AND s.hold_id = $1
		RETURNING ` + slotColumns + `),
	gf AS (SELECT id FROM patients WHERE health_index = $10),
	gi AS (
		INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language)
		SELECT $6, $7, $8, $9, $10, $11, $12, $13 FROM used WHERE $5 AND NOT EXISTS (SELECT 1 FROM gf)
		ON CONFLICT (health_index) DO UPDATE SET health_index = EXCLUDED.health_index
		RETURNING id),
	g AS (SELECT id FROM gf UNION ALL SELECT id FROM gi),
	pf AS (SELECT id FROM patients WHERE health_index = $18),
	pi AS (
		INSERT INTO patients (first_name, last_name, birth_date, health_number, health_index, phone, email, language, guardian_id)
		SELECT $14, $15, $16, $17, $18, $19, $20, $21, (SELECT id FROM g) FROM used WHERE NOT EXISTS (SELECT 1 FROM pf)
		ON CONFLICT (health_index) DO UPDATE SET health_index = EXCLUDED.health_index
		RETURNING id),
	p AS (SELECT id FROM pf UNION ALL SELECT id FROM pi),
	a AS (
		INSERT INTO appointments (slot_id, patient_id, guardian_id, status, booked_by, channel, fee_cents, created_at, cancel_token_hash,
			` + appointmentContactColumns + `)
		SELECT b.id, (SELECT id FROM p), (SELECT id FROM g), 'booked', $22, $23, $24::bigint, $2, $25, ` + contactValues(26) + `
		FROM used LEFT JOIN booked b ON true
		RETURNING id, patient_id, guardian_id),
	w AS (
		INSERT INTO webhook_events (type, clinic_id, appointment_id, practitioner_id, service, start_at, end_at, status, occurred_at)
		SELECT 'appointment.booked', b.clinic_id, a.id, b.practitioner_id, b.service, b.start_at, b.end_at, 'booked', $2
		FROM a, booked b
		WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.clinic_id = b.clinic_id AND e.removed_at IS NULL
			AND 'appointment.booked' = ANY(e.events)))
	SELECT a.id, a.patient_id, coalesce(a.guardian_id, 0), b.* FROM a, booked b`

func queueGroupConfirm(b *pgx.Batch, k *fieldcrypt.Keys, g *groupCmd) {
	r := g.confirm
	now := dbTime(r.Now)
	g.a = newBooking(rdv.Slot{}, *r, now)
	args := []any{r.HoldID, now, keyID(g), r.BookedBy == rdv.BySelf || r.BookedBy == rdv.ByGuardian, g.a.Guardian != nil}
	args = append(args, patientArgs(k, deref(g.a.Guardian))...)
	args = append(args, patientArgs(k, g.a.Patient)...)
	args = append(args, string(r.BookedBy), string(r.Channel), r.FeeCents, r.CancelTokenHash)
	args = append(args, contactArgs(k, g.a)...)
	b.Queue(groupConfirmSQL, args...)
}

func readGroupConfirm(br pgx.BatchResults, g *groupCmd) error {
	var x slotScan
	a := &g.a
	var guardianID int64
	err := br.QueryRow().Scan(append([]any{&a.ID, &a.Patient.ID, &guardianID}, x.dest()...)...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("confirm hold %s: %w", g.confirm.HoldID, err)
	}
	g.ok, a.Slot = true, x.slot()
	if a.Guardian != nil {
		a.Guardian.ID, a.Patient.GuardianID = guardianID, guardianID
	}
	return nil
}

// patientArgs are the values of a new patients row for p, sealed with k:
// first and last names, birth date, health number and its index, phone,
// email, language. A person without a health number is added with a NULL
// index, which no look-up finds.
func patientArgs(k *fieldcrypt.Keys, p rdv.Patient) []any {
	return []any{k.Seal(p.FirstName), k.Seal(p.LastName), nullText(k.Seal(birthText(p.BirthDate))),
		nullText(k.Seal(p.HealthNumber)), nullText(k.Index(fieldcrypt.KindHealthNumber, p.HealthNumber)),
		k.Seal(p.Phone), k.Seal(p.Email), p.Language}
}
