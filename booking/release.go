package booking

import (
	"context"

	"rdv"
)

// Release gives a hold back before it runs out, so that its slot is
// offered again at once (a person going back to choose another time).
// in names who asks, as for HoldFor: only the client that placed the hold
// (the same browser or account; with neither, the same address) may
// release it, and anyone else's release reads as an unknown hold. A hold
// already used, released or run out is left as it is.
func (e *Engine) Release(ctx context.Context, holdID string, in HoldInput) error {
	if holdID == "" {
		return rdv.FieldError("hold_id", "hold_id is required")
	}
	key := in.ClientKey
	if key == "" && in.Address != "" {
		key = "a:" + in.Address // filed so by HoldFor
	}
	ch, err := e.store.ReleaseHold(ctx, rdv.ReleaseRequest{HoldID: holdID, ClientKey: key, Now: e.Now()})
	if err != nil {
		return err
	}
	e.index.Apply(ch)
	return nil
}
