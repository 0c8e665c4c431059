package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
)

// refuseDestination marks the destination of message id refused, as its
// bounce is recorded. The first refusal stands: a message bounced because
// its destination was marked already leaves the mark as it was.
func refuseDestination(ctx context.Context, tx pgx.Tx, id int64, o rdv.SendOutcome) error {
	_, err := tx.Exec(ctx, `INSERT INTO refused_destinations (channel, destination, refused_at, error)
		SELECT channel, destination, $2, $3 FROM messages WHERE id = $1
		ON CONFLICT (channel, destination) DO NOTHING`, id, dbTime(o.Now), o.Error)
	if err != nil {
		return fmt.Errorf("mark the destination of message %d refused: %w", id, err)
	}
	return nil
}

// clearRefusal removes the mark of a destination, if it has one.
func clearRefusal(ctx context.Context, tx pgx.Tx, channel rdv.MessageChannel, to string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM refused_destinations WHERE channel = $1 AND destination = $2`, string(channel), to); err != nil {
		return fmt.Errorf("clear the refusal of a destination: %w", err)
	}
	return nil
}

// RefusedDestination returns the mark of a refused destination (see
// rdv.MessageStore).
func (s *Store) RefusedDestination(ctx context.Context, channel rdv.MessageChannel, to string) (rdv.Refusal, error) {
	r := rdv.Refusal{Channel: channel, To: to}
	err := s.withConn(ctx, "read the refusal of a destination", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT refused_at, error FROM refused_destinations WHERE channel = $1 AND destination = $2`,
			string(channel), to).Scan(&r.RefusedAt, &r.Error)
		if errors.Is(err, pgx.ErrNoRows) {
			return rdv.Errorf(rdv.ENOTFOUND, "no refusal of this %s destination", channel)
		}
		return err
	})
	if err != nil {
		return rdv.Refusal{}, err
	}
	r.RefusedAt = r.RefusedAt.UTC()
	return r, nil
}
