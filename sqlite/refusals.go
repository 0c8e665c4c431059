package sqlite

import (
	"context"
	"fmt"

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
func refuseDestination(tx *wtx, m rdv.Message, o rdv.SendOutcome) error {
	k := tx.keys
	index := destinationIndex(k, m.Channel, m.To)
	if index == "" {
		return nil // a message whose destination was erased
	}
	_, err := tx.exec(`INSERT INTO refused_destinations (channel, destination_index, destination, refused_at, error) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (channel, destination_index) DO NOTHING`, string(m.Channel), index, k.Keep(m.To), millis(o.Now), k.Seal(o.Error))
	if err != nil {
		return fmt.Errorf("mark the destination of message %d refused: %w", m.ID, mapError(err))
	}
	return nil
}

// clearRefusal removes the mark of a destination, if it has one.
func clearRefusal(tx *wtx, channel rdv.MessageChannel, to string) error {
	if _, err := tx.exec(`DELETE FROM refused_destinations WHERE channel = ? AND destination_index = ?`,
		string(channel), destinationIndex(tx.keys, channel, to)); err != nil {
		return fmt.Errorf("clear the refusal of a destination: %w", mapError(err))
	}
	return nil
}

// RefusedDestination returns the mark of a refused destination (see
// rdv.MessageStore).
func (s *Store) RefusedDestination(ctx context.Context, channel rdv.MessageChannel, to string) (rdv.Refusal, error) {
	r := rdv.Refusal{Channel: channel, To: to}
	var at int64
	err := s.r(ctx).row(`SELECT refused_at, error FROM refused_destinations WHERE channel = ? AND destination_index = ?`,
		string(channel), destinationIndex(s.keys, channel, to)).Scan(&at, opened(s.keys, &r.Error))
	if isNoRows(err) {
		return rdv.Refusal{}, rdv.Errorf(rdv.ENOTFOUND, "no refusal of this %s destination", channel)
	}
	if err != nil {
		return rdv.Refusal{}, fmt.Errorf("read the refusal of a destination: %w", mapError(err))
	}
	r.RefusedAt = fromMillis(at)
	return r, nil
}
