package booking

import (
	"context"
	"fmt"

	"rdv"
)

// CloseAccount closes a patient account at its holder's word, in one
// transaction of store (rdv.PrivacyStore.CloseAccount): the future
// appointments are cancelled and their slots come back to search at
// once, as a cancellation's do.
func (e *Engine) CloseAccount(ctx context.Context, store rdv.PrivacyStore, accountID int64) (rdv.ClosedAccount, error) {
	if accountID <= 0 {
		return rdv.ClosedAccount{}, rdv.Errorf(rdv.ENOTFOUND, "patient account %d", accountID)
	}
	if rdv.ActorFrom(ctx).Kind == rdv.ActorSystem {
		// The trail names who closed it: the holder, unless the caller
		// said who.
		ctx = rdv.WithActor(ctx, rdv.Actor{Kind: rdv.ActorPatient, ID: accountID})
	}
	out, ch, err := store.CloseAccount(ctx, rdv.CloseAccountRequest{AccountID: accountID, Now: e.Now()})
	if err != nil {
		return rdv.ClosedAccount{}, fmt.Errorf("close account %d: %w", accountID, err)
	}
	e.index.Apply(ch)
	return out, nil
}
