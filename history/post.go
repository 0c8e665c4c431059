package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Post sends one write of a fault run's client, body as JSON to url with
// e's idempotency key, and returns e with when it was sent and answered
// and what it was told; v gets a 2xx answer's body. No answer, or a
// status whose body did not arrive, leaves the write's fate unknown
// (Outcome.Error); a refusal keeps the error code of rdv's answer.
func Post(ctx context.Context, hc *http.Client, url string, e Entry, body, v any) Entry {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // the harness's own maps
	}
	e.Sent = time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		e.Outcome.Error, e.Answered = err.Error(), time.Now()
		return e
	}
	req.Header.Set("Content-Type", "application/json")
	if e.Key != "" {
		req.Header.Set("Idempotency-Key", e.Key)
	}
	res, err := hc.Do(req)
	if err != nil {
		e.Outcome.Error, e.Answered = err.Error(), time.Now()
		return e
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	e.Answered = time.Now()
	if err != nil {
		// The status came, the body did not: the write's fate is unknown.
		e.Outcome.Error = err.Error()
		return e
	}
	e.Outcome.Status = res.StatusCode
	if e.Outcome.Acked() {
		if err := json.Unmarshal(raw, v); err != nil {
			e.Outcome = Outcome{Error: fmt.Sprintf("status %d with an unreadable body: %v", res.StatusCode, err)}
		}
		return e
	}
	var problem struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &problem) == nil {
		e.Outcome.Code = problem.Error.Code
	}
	return e
}
