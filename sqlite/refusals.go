package sqlite

import (
	"context"
	"fmt"

	"rdv"
)

// refuseDestination marks the destination of message id refused, as its
// bounce is recorded. The first refusal stands: a message bounced because
// its destination was marked already leaves the mark as it was.
func refuseDestination(tx *wtx, id int64, o rdv.SendOutcome) error {
	_, err := tx.exec(`INSERT INTO refused_destinations (channel, destination, refused_at, error)
		SELECT channel, destination, ?, ? FROM messages WHERE id = ?
		ON CONFLICT (channel, destination) DO NOTHING`, millis(o.Now), o.Error, id)
	if err != nil {
		return fmt.Errorf("mark the destination of message %d refused: %w", id, mapError(err))
	}
	return nil
}

// clearRefusal removes the mark of a destination, if it has one.
func clearRefusal(tx *wtx, channel rdv.MessageChannel, to string) error {
	if _, err := tx.exec(`DELETE FROM refused_destinations WHERE channel = ? AND destination = ?`, string(channel), to); err != nil {
		return fmt.Errorf("clear the refusal of a destination: %w", mapError(err))
	}
	return nil
}

// RefusedDestination returns the mark of a refused destination (see
// rdv.MessageStore).
func (s *Store) RefusedDestination(ctx context.Context, channel rdv.MessageChannel, to string) (rdv.Refusal, error) {
	r := rdv.Refusal{Channel: channel, To: to}
	var at int64
	err := s.r(ctx).row(`SELECT refused_at, error FROM refused_destinations WHERE channel = ? AND destination = ?`,
		string(channel), to).Scan(&at, &r.Error)
	if isNoRows(err) {
		return rdv.Refusal{}, rdv.Errorf(rdv.ENOTFOUND, "no refusal of this %s destination", channel)
	}
	if err != nil {
		return rdv.Refusal{}, fmt.Errorf("read the refusal of a destination: %w", mapError(err))
	}
	r.RefusedAt = fromMillis(at)
	return r, nil
}
