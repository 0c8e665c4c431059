package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"rdv"
)

// recordTimeout bounds the write of an attempt's outcome, which runs
// apart from the job's context: an answer received is recorded even when
// River is cancelling the job.
const recordTimeout = 10 * time.Second

// worker makes one attempt at a delivery.
type worker struct {
	river.WorkerDefaults[DeliverArgs]
	h *Hooks
}

// NextRetry is the delivery's own backoff, not the messages'.
func (w *worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(w.h.cfg.Backoff(job.Attempt))
}

// Work posts the delivery's event and records how it went. It returns an
// error, for River to try again, only after a failed attempt with
// attempts left.
func (w *worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	cfg := w.h.cfg
	id := job.Args.DeliveryID
	d, err := cfg.Store.WebhookDelivery(ctx, id)
	switch {
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("webhook delivery %d: %w", id, err)
	case d.Status == rdv.DeliveryDelivered || d.Status == rdv.DeliveryFailed:
		return nil // settled: its endpoint removed, or a job made again
	}
	code, sendErr := w.post(ctx, d)
	a := rdv.WebhookAttempt{Status: rdv.DeliveryDelivered, Code: code, Now: cfg.Now()}
	last := job.Attempt >= job.MaxAttempts
	if sendErr != nil {
		a.Status, a.Error = rdv.DeliveryRetrying, sendErr.Error()
		if last {
			a.Status = rdv.DeliveryFailed
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := cfg.Store.RecordWebhookAttempt(rctx, id, a); err != nil {
		return fmt.Errorf("webhook delivery %d: record attempt: %w", id, err)
	}
	log := cfg.Log.With("delivery", id, "endpoint", d.EndpointID, "attempt", job.Attempt, "code", code)
	switch a.Status {
	case rdv.DeliveryDelivered:
		log.Debug("webhook delivered")
		return nil
	case rdv.DeliveryFailed:
		log.Warn("webhook given up", "err", sendErr)
		return nil
	}
	log.Info("webhook not delivered: will retry", "err", sendErr)
	return fmt.Errorf("webhook delivery %d: %w", id, sendErr)
}

// maxAnswer is how much of an endpoint's answer is read: only its status
// matters.
const maxAnswer = 4 << 10

// post sends one attempt and returns the endpoint's status (0: none) and
// why the attempt failed, if it did.
func (w *worker) post(ctx context.Context, d rdv.WebhookDelivery) (int, error) {
	body, err := Body(d.Event)
	if err != nil {
		return 0, err
	}
	at := w.h.cfg.Now()
	msgID := MessageID(d.Event)
	sig, err := Sign(d.Endpoint.Secret, msgID, at, body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rdv-webhooks/1")
	req.Header.Set("webhook-id", msgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.h.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
