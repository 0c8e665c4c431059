package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestHoldCapPerBrowserBehindOneProxy holds through the real server behind
// a trusted proxy: patients at different addresses, and patients sharing
// one address (a NAT, a hospital network), each keep their own three live
// holds, up to the address's ceiling; a browser whose id fails its
// signature, or a client that keeps no cookies, has only the ceiling of
// its address. All used to share three holds, keyed by the proxy's
// address.
func TestHoldCapPerBrowserBehindOneProxy(t *testing.T) {
	_, base := startServer(t, "--trust-forwarded-for", "--max-live-holds-per-address", "5")
	v := call(t, "GET", base+"/api/v1/slots?place=Montr%C3%A9al&radius_km=250&service=general&limit=100", nil, 200)
	found, _ := v["slots"].([]any)
	if len(found) < 20 {
		t.Fatalf("search found %d slots, want 20", len(found))
	}
	next := 0
	hold := func(xff string, browser *http.Cookie) int {
		t.Helper()
		slot := found[next].(map[string]any)["id"]
		next++
		b, _ := json.Marshal(map[string]any{"slot_id": slot})
		req, _ := http.NewRequest("POST", base+"/api/v1/holds", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff)
		if browser != nil {
			req.AddCookie(browser)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// A browser gets its signed id from the first page it views.
	browser := func(xff string) *http.Cookie {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.Header.Set("X-Forwarded-For", xff)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for _, c := range res.Cookies() {
			if c.Name == "rdv_wr_id" {
				return &http.Cookie{Name: c.Name, Value: c.Value}
			}
		}
		t.Fatalf("the home page gave no browser id: %v", res.Header["Set-Cookie"])
		return nil
	}
	want := func(what string, got []int, want ...int) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	holds := func(n int, xff string, c *http.Cookie) []int {
		var codes []int
		for range n {
			codes = append(codes, hold(xff, c))
		}
		return codes
	}

	// Patients at different addresses behind the proxy: three each.
	a, b := browser("203.0.113.1"), browser("203.0.113.2")
	want("first patient", holds(4, "203.0.113.1", a), 201, 201, 201, 429)
	want("second patient", holds(3, "203.0.113.2", b), 201, 201, 201)

	// Patients sharing one address: three each, five together.
	c, d := browser("198.51.100.7"), browser("198.51.100.7")
	want("first patient behind the NAT", holds(3, "198.51.100.7", c), 201, 201, 201)
	want("second patient behind the NAT", holds(3, "198.51.100.7", d), 201, 201, 429)
	want("no cookie behind the NAT", holds(1, "198.51.100.7", nil), 429)

	// No cookie, or a forged one: the address's ceiling alone.
	forged := &http.Cookie{Name: a.Name, Value: a.Value[:len(a.Value)-2] + "AA"}
	if forged.Value == a.Value {
		forged.Value = a.Value[:len(a.Value)-2] + "BB"
	}
	want("no cookie", holds(4, "192.0.2.44", nil), 201, 201, 201, 201)
	want("forged browser id", holds(2, "192.0.2.44", forged), 201, 429)
}
