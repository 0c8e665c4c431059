package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// Fees: a request's charge and its ledger. Every movement changes the
// charge's status and appends its ledger row in one transaction, refuses
// what the status does not allow, and is idempotent: a movement already
// made (its row exists) returns the charge as it stands. The charge's row
// is locked first (FOR UPDATE), so that two instances moving the same fee
// at once take turns and the second sees what the first did.
//
// The movements that another write makes in its own transaction are the
// functions on pgx.Tx below, which the matching's writes call: the accept
// of a proposal captures (captureCharge) in the transaction that books,
// the expiry or withdrawal of a request voids (voidCharge) in the one
// that ends it, and a clinic's cancellation refunds (refundAppointmentFee)
// in the one that cancels. A failed movement fails the write it is part
// of.

const chargeColumns = `c.id, c.request_id, r.reference, c.fee_cents, c.gst_cents, c.qst_cents, c.total_cents, c.currency,
	c.status, c.provider_ref, c.authorized_at, c.captured_at, c.voided_at, c.refunded_at
	FROM charges c JOIN requests r ON r.id = c.request_id`

const ledgerColumns = `l.id, l.charge_id, c.request_id, r.reference, l.move, l.held_cents, l.paid_cents, c.currency,
	l.idem_key, l.at, l.provider_ref, l.settled_at
	FROM fee_ledger l JOIN charges c ON c.id = l.charge_id JOIN requests r ON r.id = c.request_id`

// movedAt names the column of each movement's time on charges.
var movedAt = map[rdv.ChargeMove]string{
	rdv.MoveCapture: "captured_at",
	rdv.MoveVoid:    "voided_at",
	rdv.MoveRefund:  "refunded_at",
}

// AuthorizeCharge records the fee of a request that the provider has
// authorised.
func (s *Store) AuthorizeCharge(ctx context.Context, a rdv.ChargeAuthorization) (rdv.Charge, error) {
	if err := a.Validate(); err != nil {
		return rdv.Charge{}, err
	}
	var out rdv.Charge
	err := s.inTx(ctx, fmt.Sprintf("authorize the fee of request %d", a.RequestID), func(tx pgx.Tx) (err error) {
		out, err = authorizeCharge(ctx, tx, a)
		return err
	})
	if err != nil {
		return rdv.Charge{}, err
	}
	return out, nil
}

// CaptureCharge takes the authorised fee of a request.
func (s *Store) CaptureCharge(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	return s.moveCharge(ctx, requestID, rdv.MoveCapture, now)
}

// VoidCharge releases the authorised fee of a request untaken.
func (s *Store) VoidCharge(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	return s.moveCharge(ctx, requestID, rdv.MoveVoid, now)
}

// RefundCharge gives back the captured fee of a request.
func (s *Store) RefundCharge(ctx context.Context, requestID int64, now time.Time) (rdv.Charge, error) {
	return s.moveCharge(ctx, requestID, rdv.MoveRefund, now)
}

func (s *Store) moveCharge(ctx context.Context, requestID int64, m rdv.ChargeMove, now time.Time) (rdv.Charge, error) {
	var out rdv.Charge
	err := s.inTx(ctx, fmt.Sprintf("%s the fee of request %d", m, requestID), func(tx pgx.Tx) (err error) {
		out, err = moveCharge(ctx, tx, requestID, m, now)
		return err
	})
	if err != nil {
		return rdv.Charge{}, err
	}
	return out, nil
}

// Charge returns a request's fee, or ErrNoCharge.
func (s *Store) Charge(ctx context.Context, requestID int64) (rdv.Charge, error) {
	c, err := readCharge(ctx, s.pool, requestID, "")
	if err != nil {
		return rdv.Charge{}, mapError(fmt.Errorf("read the fee of request %d: %w", requestID, err))
	}
	return c, nil
}

// AppointmentCharge returns the fee of the request that an appointment
// was booked for, or ErrNoAppointmentCharge.
func (s *Store) AppointmentCharge(ctx context.Context, appointmentID int64) (rdv.Charge, error) {
	var requestID int64
	err := s.pool.QueryRow(ctx, `SELECT c.request_id FROM requests r JOIN charges c ON c.request_id = r.id
		WHERE r.appointment_id = $1`, appointmentID).Scan(&requestID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Charge{}, rdv.ErrNoAppointmentCharge(appointmentID)
	} else if err != nil {
		return rdv.Charge{}, mapError(fmt.Errorf("read the fee of appointment %d: %w", appointmentID, err))
	}
	return s.Charge(ctx, requestID)
}

// authorizeCharge records an authorised fee inside tx: the charge and
// its first ledger row, already settled since the provider answered
// before. For a request's creation, in the transaction that stores it.
func authorizeCharge(ctx context.Context, tx pgx.Tx, a rdv.ChargeAuthorization) (rdv.Charge, error) {
	if err := a.Validate(); err != nil {
		return rdv.Charge{}, err
	}
	var ref string
	err := tx.QueryRow(ctx, `SELECT reference FROM requests WHERE id = $1`, a.RequestID).Scan(&ref)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Charge{}, rdv.Errorf(rdv.ENOTFOUND, "request %d", a.RequestID)
	} else if err != nil {
		return rdv.Charge{}, err
	}
	q, now := a.Quote, dbTime(a.Now)
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO charges (request_id, fee_cents, gst_cents, qst_cents, total_cents, currency, status, provider_ref, authorized_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'authorized', $7, $8) ON CONFLICT (request_id) DO NOTHING RETURNING id`,
		a.RequestID, q.FeeCents, q.GSTCents, q.QSTCents, q.TotalCents, q.Currency, a.ProviderRef, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return authorizedAlready(ctx, tx, a)
	} else if err != nil {
		return rdv.Charge{}, err
	}
	held, paid := rdv.MovementAmounts(rdv.MoveAuthorize, q.TotalCents)
	if _, err := tx.Exec(ctx, `INSERT INTO fee_ledger (charge_id, move, held_cents, paid_cents, idem_key, at, provider_ref, settled_at)
		VALUES ($1, 'authorize', $2, $3, $4, $5, $6, $5)`, id, held, paid, rdv.MovementKey(ref, rdv.MoveAuthorize), now, a.ProviderRef); err != nil {
		return rdv.Charge{}, err
	}
	return readCharge(ctx, tx, a.RequestID, "")
}

// authorizedAlready answers an authorisation of a request that has a
// charge: a retry of the same one returns it, another is a conflict.
func authorizedAlready(ctx context.Context, tx pgx.Tx, a rdv.ChargeAuthorization) (rdv.Charge, error) {
	c, err := readCharge(ctx, tx, a.RequestID, "")
	if err != nil {
		return rdv.Charge{}, err
	}
	if c.ProviderRef != a.ProviderRef || c.FeeQuote != a.Quote {
		return rdv.Charge{}, &rdv.Error{Code: rdv.ECONFLICT, Field: "fee", Detail: fmt.Sprintf("request %d already has another fee", a.RequestID)}
	}
	return c, nil
}

// captureCharge takes the fee of request requestID inside tx. The
// accept of a proposal calls it in the transaction that books the
// appointment, so that a fee is captured exactly when a proposal is
// accepted: a request without a fee (its own clinic's, free) has
// nothing to capture and must not call it (ErrNoCharge).
func captureCharge(ctx context.Context, tx pgx.Tx, requestID int64, now time.Time) (rdv.Charge, error) {
	return moveCharge(ctx, tx, requestID, rdv.MoveCapture, now)
}

// voidCharge releases the fee of request requestID untaken, inside tx:
// the expiry or withdrawal of a paid request calls it in the transaction
// that ends the request.
func voidCharge(ctx context.Context, tx pgx.Tx, requestID int64, now time.Time) (rdv.Charge, error) {
	return moveCharge(ctx, tx, requestID, rdv.MoveVoid, now)
}

// refundCharge gives back the captured fee of request requestID inside
// tx.
func refundCharge(ctx context.Context, tx pgx.Tx, requestID int64, now time.Time) (rdv.Charge, error) {
	return moveCharge(ctx, tx, requestID, rdv.MoveRefund, now)
}

// refundAppointmentFee gives back, inside tx, the fee paid for the
// request that appointment apptID answers: a clinic's cancellation calls
// it in the transaction that cancels, for any appointment. ok is false
// when there is nothing to refund (no request, or one without a captured
// fee: a free request, a booking of one's own).
func refundAppointmentFee(ctx context.Context, tx pgx.Tx, apptID int64, now time.Time) (c rdv.Charge, ok bool, err error) {
	var requestID int64
	err = tx.QueryRow(ctx, `SELECT c.request_id FROM requests r JOIN charges c ON c.request_id = r.id
		WHERE r.appointment_id = $1 AND c.status = 'captured'`, apptID).Scan(&requestID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Charge{}, false, nil
	} else if err != nil {
		return rdv.Charge{}, false, err
	}
	c, err = refundCharge(ctx, tx, requestID, now)
	return c, err == nil, err
}

// moveCharge makes movement m on the fee of request requestID inside tx:
// the charge's new status and the ledger row, or nothing when the
// movement was made already.
func moveCharge(ctx context.Context, tx pgx.Tx, requestID int64, m rdv.ChargeMove, now time.Time) (rdv.Charge, error) {
	c, err := readCharge(ctx, tx, requestID, "FOR UPDATE OF c")
	if err != nil {
		return rdv.Charge{}, err
	}
	var made bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fee_ledger WHERE charge_id = $1 AND move = $2)`, c.ID, string(m)).Scan(&made); err != nil {
		return rdv.Charge{}, err
	}
	if made {
		return c, nil
	}
	to, err := rdv.ChargeTransition(requestID, c.Status, m)
	if err != nil {
		return rdv.Charge{}, err
	}
	at := dbTime(now)
	tag, err := tx.Exec(ctx, `UPDATE charges SET status = $1, `+movedAt[m]+` = $2 WHERE id = $3 AND status = $4`, string(to), at, c.ID, string(c.Status))
	if err != nil {
		return rdv.Charge{}, err
	}
	if tag.RowsAffected() != 1 {
		return rdv.Charge{}, rdv.ErrChargeState(requestID, c.Status, m)
	}
	held, paid := rdv.MovementAmounts(m, c.TotalCents)
	if _, err := tx.Exec(ctx, `INSERT INTO fee_ledger (charge_id, move, held_cents, paid_cents, idem_key, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, string(m), held, paid, rdv.MovementKey(c.Reference, m), at); err != nil {
		return rdv.Charge{}, err
	}
	return readCharge(ctx, tx, requestID, "")
}

// readCharge reads a request's charge; lock is "" or a locking clause.
func readCharge(ctx context.Context, q querier, requestID int64, lock string) (rdv.Charge, error) {
	var c rdv.Charge
	var status string
	var authorized time.Time
	var captured, voided, refunded *time.Time
	err := q.QueryRow(ctx, `SELECT `+chargeColumns+` WHERE c.request_id = $1 `+lock, requestID).Scan(&c.ID, &c.RequestID, &c.Reference,
		&c.FeeCents, &c.GSTCents, &c.QSTCents, &c.TotalCents, &c.Currency, &status, &c.ProviderRef,
		&authorized, &captured, &voided, &refunded)
	if errors.Is(err, pgx.ErrNoRows) {
		return rdv.Charge{}, rdv.ErrNoCharge(requestID)
	}
	if err != nil {
		return rdv.Charge{}, err
	}
	c.Status, c.AuthorizedAt = rdv.ChargeStatus(status), authorized.UTC()
	c.CapturedAt, c.VoidedAt, c.RefundedAt = momentOf(captured), momentOf(voided), momentOf(refunded)
	return c, nil
}

// momentOf is a nullable instant in UTC, NULL as the zero time: a
// movement not made.
func momentOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Ledger returns a page of the ledger, newest first.
func (s *Store) Ledger(ctx context.Context, q rdv.LedgerQuery) ([]rdv.LedgerEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ledgerColumns+` WHERE $1::bigint = 0 OR l.id < $1::bigint ORDER BY l.id DESC LIMIT $2`,
		q.Before, q.PageLimit())
	if err != nil {
		return nil, mapError(fmt.Errorf("read the ledger: %w", err))
	}
	return scanLedger(rows)
}

// UnsettledMovements returns the movements that the provider has not
// acknowledged, oldest first.
func (s *Store) UnsettledMovements(ctx context.Context, limit int) ([]rdv.LedgerEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+ledgerColumns+` WHERE l.settled_at IS NULL ORDER BY l.id LIMIT $1`,
		rdv.LedgerQuery{Limit: limit}.PageLimit())
	if err != nil {
		return nil, mapError(fmt.Errorf("read the unsettled movements: %w", err))
	}
	return scanLedger(rows)
}

func scanLedger(rows pgx.Rows) ([]rdv.LedgerEntry, error) {
	defer rows.Close()
	var out []rdv.LedgerEntry
	for rows.Next() {
		var e rdv.LedgerEntry
		var move string
		var at time.Time
		var settled *time.Time
		if err := rows.Scan(&e.ID, &e.ChargeID, &e.RequestID, &e.Reference, &move, &e.HeldCents, &e.PaidCents, &e.Currency,
			&e.Key, &at, &e.ProviderRef, &settled); err != nil {
			return nil, mapError(fmt.Errorf("read the ledger: %w", err))
		}
		e.Move, e.At, e.SettledAt = rdv.ChargeMove(move), at.UTC(), momentOf(settled)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(fmt.Errorf("read the ledger: %w", err))
	}
	return out, nil
}

// SettleMovement records the provider's acknowledgement of a movement.
func (s *Store) SettleMovement(ctx context.Context, entryID int64, providerRef string, now time.Time) error {
	if providerRef == "" {
		return rdv.FieldError("provider_ref", "provider reference missing")
	}
	return s.inTx(ctx, fmt.Sprintf("settle ledger entry %d", entryID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE fee_ledger SET provider_ref = $1, settled_at = $2 WHERE id = $3 AND settled_at IS NULL`,
			providerRef, dbTime(now), entryID)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM fee_ledger WHERE id = $1`, entryID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "ledger entry %d", entryID)
		} else if err != nil {
			return err
		}
		return nil // settled already
	})
}

// LedgerSummary returns the ledger's totals and the charges', read in one
// statement so that they are of one moment.
func (s *Store) LedgerSummary(ctx context.Context) (rdv.LedgerSummary, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT 'ledger', move, count(*), sum(held_cents)::bigint, sum(paid_cents)::bigint, 0::bigint, 0::bigint FROM fee_ledger GROUP BY move
		UNION ALL
		SELECT 'charges', status, count(*), sum(total_cents)::bigint, sum(fee_cents)::bigint, sum(gst_cents)::bigint, sum(qst_cents)::bigint
		FROM charges GROUP BY status`)
	if err != nil {
		return rdv.LedgerSummary{}, mapError(fmt.Errorf("sum the ledger: %w", err))
	}
	defer rows.Close()
	sum := rdv.LedgerSummary{Currency: rdv.FeeCurrency}
	for rows.Next() {
		var source, key string
		var n, a, b, c, d int64
		if err := rows.Scan(&source, &key, &n, &a, &b, &c, &d); err != nil {
			return rdv.LedgerSummary{}, mapError(fmt.Errorf("sum the ledger: %w", err))
		}
		if source == "ledger" {
			sum.AddMovements(rdv.ChargeMove(key), n, a, b)
		} else {
			sum.AddCharges(rdv.ChargeStatus(key), n, a, b, c, d)
		}
	}
	if err := rows.Err(); err != nil {
		return rdv.LedgerSummary{}, mapError(fmt.Errorf("sum the ledger: %w", err))
	}
	return sum, nil
}
