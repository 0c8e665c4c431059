package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"rdv"
	"rdv/fieldcrypt"
)

// destinationIndex is the blind index a destination of channel is found
// by, in the messages, the sign-in codes and the refusals.
func destinationIndex(k *fieldcrypt.Keys, channel rdv.MessageChannel, to string) string {
	return k.Index(fieldcrypt.DestinationKind(string(channel)), to)
}

// contactIndexes are the blind indexes of an account's email and phone,
// as its messages, codes and refusals keep them.
func contactIndexes(k *fieldcrypt.Keys, email, phone string) (string, string) {
	return destinationIndex(k, rdv.ByEmail, email), destinationIndex(k, rdv.BySMS, phone)
}

// refuseDestination marks the destination of message m refused, as its
// bounce is recorded. The first refusal stands: a message bounced because
// its destination was marked already leaves the mark as it was. The mark
// keeps the destination's index, and the server's answer sealed.
func refuseDestination(ctx context.Context, tx pgx.Tx, m rdv.Message, o rdv.SendOutcome) error {
	k := keysOf(tx)
	index := destinationIndex(k, m.Channel, m.To)
	if index == "" {
		return nil // a message whose destination was erased
	}
	_, err := tx.Exec(ctx, `INSERT INTO refused_destinations (channel, destination_index, destination, refused_at, error) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (channel, destination_index) DO NOTHING`, string(m.Channel), index, k.Keep(m.To), dbTime(o.Now), k.Seal(o.Error))
	if err != nil {
		return fmt.Errorf("mark the destination of message %d refused: %w", m.ID, err)
	}
	return nil
}

// clearRefusal removes the mark of a destination, if it has one.
func clearRefusal(ctx context.Context, tx pgx.Tx, channel rdv.MessageChannel, to string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM refused_destinations WHERE channel = $1 AND destination_index = $2`,
		string(channel), destinationIndex(keysOf(tx), channel, to)); err != nil {
		return fmt.Errorf("clear the refusal of a destination: %w", err)
	}
	return nil
}

// RefusedDestination returns the mark of a refused destination (see
// rdv.MessageStore).
func (s *Store) RefusedDestination(ctx context.Context, channel rdv.MessageChannel, to string) (rdv.Refusal, error) {
	r := rdv.Refusal{Channel: channel, To: to}
	err := s.withConn(ctx, "read the refusal of a destination", func(c *pgx.Conn) error {
		err := c.QueryRow(ctx, `SELECT refused_at, error FROM refused_destinations WHERE channel = $1 AND destination_index = $2`,
			string(channel), destinationIndex(s.opts.Keys, channel, to)).Scan(&r.RefusedAt, opened(s.opts.Keys, &r.Error))
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
