package postgres

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rdv/postgres/pgtest"
)

// TestConnectTimeoutBoundsTheDial: the URL's connect_timeout bounds the
// dial to each host, and the startup after it gets 10 s at least, for
// every host of a multi-host URL.
func TestConnectTimeoutBoundsTheDial(t *testing.T) {
	tests := []struct {
		url  string
		want time.Duration // the startup's bound
	}{
		{"postgres://u@a:1,b:2/rdv?target_session_attrs=read-write&connect_timeout=2", 10 * time.Second},
		{"postgres://u@a:1/rdv?connect_timeout=30", 30 * time.Second},
		{"postgres://u@a:1/rdv", 0},
	}
	for _, tt := range tests {
		cfg, err := PoolConfig(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if got := cfg.ConnConfig.ConnectTimeout; got != tt.want {
			t.Errorf("%s: startup bounded at %s, want %s", tt.url, got, tt.want)
		}
		if cfg.ConnConfig.DialFunc == nil {
			t.Errorf("%s: no dial function", tt.url)
		}
	}
}

// TestSlowStartupIsNotAbandoned connects through a proxy that holds the
// server's first answer for longer than connect_timeout, as a server
// busy with every instance reconnecting after a failover does: the
// connection is made, not abandoned at connect_timeout.
func TestSlowStartupIsNotAbandoned(t *testing.T) {
	base, err := url.Parse(pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := slowProxy(t, base.Host, 1500*time.Millisecond)
	u := *base
	u.Host = proxy
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	cfg, err := PoolConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	c, err := pgx.ConnectConfig(t.Context(), cfg.ConnConfig)
	if err != nil {
		t.Fatalf("connect through a server slow to answer: %v", err)
	}
	defer c.Close(context.Background())
	if took := time.Since(began); took < time.Second {
		t.Fatalf("connected in %s: the proxy did not hold the answer", took)
	}
}

// slowProxy forwards connections to addr, holding what the server sends
// first for delay.
func slowProxy(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			wg.Go(func() {
				defer server.Close()
				_, _ = io.Copy(server, client)
			})
			wg.Go(func() {
				defer client.Close()
				time.Sleep(delay)
				_, _ = io.Copy(client, server)
			})
		}
	})
	return fmt.Sprint(l.Addr())
}
